"""lint, test and coverage as a rule maintainer runs them."""

import json
import subprocess
import sys

from carboncert import lint


def run(*args):
    return subprocess.run([sys.executable, "-m", "carboncert.cli", *args], capture_output=True, text=True, timeout=600)


def test_lint_flags_forbidden_sparql_but_not_variables_named_like_keywords():
    assert lint.FORBIDDEN.search(lint._strip_sparql("SELECT $this WHERE { SERVICE <http://x/> { ?s ?p ?o } }"))
    assert lint.FORBIDDEN.search(lint._strip_sparql("SELECT $this FROM <urn:g> WHERE { }"))
    assert lint.FORBIDDEN.search(lint._strip_sparql("SELECT $this WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert not lint.FORBIDDEN.search(lint._strip_sparql("FILTER (!BOUND(?from) || ?from <= ?d) # from here"))
    assert not lint.FORBIDDEN.search(lint._strip_sparql('BIND ("from <x>" AS ?v)'))


def test_lint_json_lists_findings_with_rule_and_subject():
    p = run("lint", "cecc-cfp", "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    for f in json.loads(p.stdout):
        assert set(f) == {"scheme", "version", "rule", "subject", "message"}
        assert f["rule"] != "sparql-forbidden", f


def test_coverage_json_and_html():
    p = run("coverage", "--format", "json")
    data = json.loads(p.stdout)
    assert {d["scheme"] for d in data} == {"bcc-cams", "cec-cms", "cec-zcf", "cecc-cfp", "cicc-cn"}
    for d in data:
        assert set(d["totals"]) == {"encoded", "manual_review", "not_encoded"}
    page = run("coverage", "--format", "html").stdout
    assert page.startswith("<!doctype html>") and "<svg" in page


def test_clause_test_runner_prints_a_closing_summary(tmp_path):
    p = run("test", "cecc-cfp")
    assert p.stdout.strip().splitlines()[-1].split(",")[0].endswith("passed")
    assert p.returncode == 0, p.stdout[-2000:]


def test_lint_is_clean_on_main():
    """Every clause of every version is encoded, manual_review or deferred with a reason; shapes pass
    SHACL-SHACL; messages are bilingual; terms exist; clause metadata matches the inventories."""
    p = run("lint")
    assert p.returncode == 0, p.stdout[-3000:]
    assert p.stdout.strip().endswith("0 finding(s)")
