"""The `carboncert` command as a reviewer runs it: real processes, exit codes, formats."""

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "carboncert.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_conformant_case_exits_0_with_json_report():
    p = run("validate", str(EXAMPLES / "bcc-cams" / "conformant.json"), "--format", "json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["conforms"] is True and report["scheme"] == "bcc-cams"


def _deregistered_client_case(tmp_path):
    """The BCC example with a deregistered client: fails 7.1.2(1)."""
    doc = json.loads((EXAMPLES / "bcc-cams" / "conformant.json").read_text(encoding="utf-8"))
    doc["client"]["legalStatus"] = "deregistered"
    case = tmp_path / "case.json"
    case.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return case


def test_nonconformant_case_exits_1_and_text_names_the_clause(tmp_path):
    case = _deregistered_client_case(tmp_path)
    p = run("validate", str(case), "--format", "text")
    assert p.returncode == 1
    assert "7.1.2(1)" in p.stdout and "FAILED" in p.stdout and "人工复核清单" in p.stdout


def test_turtle_format_is_the_shacl_report_with_clause_links(tmp_path):
    case = _deregistered_client_case(tmp_path)
    p = run("validate", str(case), "--format", "turtle")
    assert p.returncode == 1
    from rdflib import Graph

    g = Graph().parse(data=p.stdout, format="turtle")
    links = {str(o) for o in g.objects(None, __import__("carboncert.vocab", fromlist=["CC"]).CC.clause)}
    assert "https://w3id.org/carboncert/rulebook/bcc-cams/V2.2#7.1.2(1)" in links


def test_bad_input_exits_2_with_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"scheme": "bcc-cams",\n "client": {,}}', encoding="utf-8")
    p = run("validate", str(bad))
    assert p.returncode == 2 and "line 2" in p.stderr and "column" in p.stderr and "Traceback" not in p.stderr


def test_unknown_field_and_missing_file_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"scheme": "bcc-cams", "clientt": {}}', encoding="utf-8")
    p = run("validate", str(bad))
    assert p.returncode == 2 and "$.clientt" in p.stderr
    p = run("validate", str(tmp_path / "nope.json"))
    assert p.returncode == 2 and "cannot read" in p.stderr


def test_usage_error_exits_2():
    assert run("validate").returncode == 2
    assert run("validate", "x.json", "--format", "pdf").returncode == 2
    assert run("validate", "x.json", "--as-of", "2026-02-30").returncode == 2


def test_scheme_from_the_case_and_stdin():
    p = run("validate", "-", "--format", "json", stdin=(EXAMPLES / "bcc-cams" / "conformant.json").read_text(encoding="utf-8"))
    assert p.returncode == 0 and json.loads(p.stdout)["scheme"] == "bcc-cams"


def test_as_of_option_is_used():
    p = run("validate", str(EXAMPLES / "bcc-cams" / "conformant.json"), "--format", "json", "--as-of", "2026-10-01")
    assert json.loads(p.stdout)["as_of"] == "2026-10-01"


@pytest.mark.parametrize("scheme", ["bcc-cams", "cec-cms", "cicc-cn", "cec-zcf", "cecc-cfp"])
def test_clauses_json_lists_every_inventory_clause(scheme):
    from carboncert import rulebooks

    p = run("clauses", scheme, "--format", "json")
    assert p.returncode == 0
    rows = json.loads(p.stdout)
    assert [r["clause"] for r in rows] == [c.id for c in rulebooks.versions(scheme)[-1].clauses]
    for r in rows:
        assert set(r) == {"clause", "category", "checkable", "encoding"}
        assert r["encoding"] in ("encoded", "manual_review", "not_encoded")
        if r["checkable"] == "no":
            assert r["encoding"] == "manual_review"


def test_rulebooks_lists_five_schemes_and_every_version():
    p = run("rulebooks", "--format", "json")
    assert p.returncode == 0
    rows = json.loads(p.stdout)
    assert sorted({r["scheme"] for r in rows}) == ["bcc-cams", "cec-cms", "cec-zcf", "cecc-cfp", "cicc-cn"]
    assert [(r["version"], r["effective"]) for r in rows if r["scheme"] == "bcc-cams"] == \
        [("V2.1", "2026-01-28"), ("V2.2", "2026-06-24")]


def test_unknown_scheme_exits_2():
    p = run("clauses", "xyz")
    assert p.returncode == 2 and "unknown scheme" in p.stderr
