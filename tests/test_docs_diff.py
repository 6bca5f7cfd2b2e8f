"""`carboncert docs` (the static rulebook site) and `carboncert diff` (two versions of a rulebook compared).

The diff tests build a second version of cecc-cfp in a temporary CARBONCERT_HOME: the same shapes with a
later effective date, clause 2's shapes removed and clause 3.1's Chinese text altered; the diff must
report exactly those two clauses, and a case's outcome change must be put down to clause 2."""

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal

from carboncert import clausetests, docs, rulebooks
from carboncert.vocab import CC
from conftest import EXAMPLES, ROOT

SCHEME = "cecc-cfp"
NEW_TEXT = "认证申请（第二版：申请须书面提交）"


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "carboncert.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


# ------------------------------------------------------------------------------------------ docs

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    docs.build(out, [SCHEME], warn=lambda msg: None)
    return out


def _version():
    return rulebooks.versions(SCHEME)[-1]


def test_site_has_index_version_and_clause_pages(site):
    v = _version()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{SCHEME}/{v.slug}/index.html"' in index
    assert (site / SCHEME / v.slug / "index.html").is_file()
    for c in v.clauses:
        assert (site / docs.clause_path(SCHEME, v.slug, c.id)).is_file(), c.id
    for asset in ("search.js", "search-index.js", "search-index.json", "style.css"):
        assert (site / asset).is_file()
    # no external assets: every src/href is relative (the site works opened from disk)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', index)


def test_clause_page_has_text_statement_reading_and_an_example(site):
    v = _version()
    by_clause = {}
    for t in clausetests.load_tests(v.folder):
        for cid in t.expect:
            by_clause.setdefault(cid, []).append(t)
    cid = next(c.id for c in v.clauses if c.id in v.readings and c.id in by_clause and c.id not in v.reading_options)
    c = v.clause_by_id[cid]
    page = (site / docs.clause_path(SCHEME, v.slug, cid)).read_text(encoding="utf-8")
    assert f"<h1>{html.escape(cid)}</h1>" in page
    assert html.escape(c.text_zh) in page and html.escape(c.statement_en) in page
    assert html.escape(v.readings[cid]["zh"]).replace("\n", "<br>") in page
    assert html.escape(v.readings[cid]["en"]).replace("\n", "<br>") in page
    test = by_clause[cid][0]
    assert html.escape(test.name) in page and f"expected <span class=\"status st-{test.expect[cid]}\">" in page
    if test.meta.get("patch"):
        assert html.escape(json.dumps(test.meta["patch"], ensure_ascii=False, indent=2, default=str)) in page
    assert f'<span class="enc enc-{v.encoding[cid]}">' in page


def test_clause_page_with_reading_options_lists_them(site):
    v = _version()
    cid = next(iter(sorted(v.reading_options)))
    page = (site / docs.clause_path(SCHEME, v.slug, cid)).read_text(encoding="utf-8")
    for name in v.reading_options[cid]:
        assert f"<td><code>{html.escape(name)}</code></td>" in page


def test_search_index_lists_every_clause(site):
    v = _version()
    entries = json.loads((site / "search-index.json").read_text(encoding="utf-8"))["clauses"]
    assert [(e["scheme"], e["id"]) for e in entries] == [(SCHEME, c.id) for c in v.clauses]
    assert all((site / e["url"]).is_file() for e in entries)
    js = (site / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.CARBONCERT_SEARCH = "
    assert js.startswith(prefix) and js.endswith(";\n") and json.loads(js[len(prefix):-2]) == entries


def test_output_is_byte_identical_on_two_runs(site, tmp_path):
    docs.build(tmp_path, [SCHEME], warn=lambda msg: None)
    first = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    assert all((site / rel).read_bytes() == (tmp_path / rel).read_bytes() for rel in first)


def test_special_character_ids_get_safe_distinct_file_names():
    ids = ["7.4.2.3[2]", "7.4.2.3(2)", "7.4.2.3", "6.2/EF a)", "6.2/ef a)", "6.2-ef-a", "3/p2", "3-p2", "3--p2",
           "前言", "前言2", "..", ".", "con", "A", "a", "4.5.2(3)b.", "4.5.2(3)b", "x" * 200, "x" * 201]
    names = [docs.clause_file(i) for i in ids]
    assert len({n.lower() for n in names}) == len(ids)  # distinct, even on a case-insensitive disk
    for n in names:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.html", n) and len(n) < 100, n
    assert names == [docs.clause_file(i) for i in ids]  # deterministic
    assert docs.clause_file("7.4.2.3") == "7.4.2.3.html"
    assert docs.clause_path("bcc-cams", "V2.2", "3/p2") == "bcc-cams/V2.2/clauses/" + docs.clause_file("3/p2")


def test_docs_command(tmp_path):
    p = run("docs", "--out", str(tmp_path / "out"), SCHEME)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    p = run("docs", "--out", str(tmp_path / "out2"), "no-such-scheme")
    assert p.returncode == 2 and "unknown scheme" in p.stderr and "Traceback" not in p.stderr


# ------------------------------------------------------------------------------------------ diff

def _copy(src: Path, dst: Path):
    if src.is_dir():
        shutil.copytree(src, dst)


def _remove_clause_shapes(folder: Path, cid: str) -> int:
    """Delete the node shapes naming `cid` (each names only it) from the version's shape files."""
    removed = 0
    for path in sorted(folder.glob("*.ttl")):
        if path.name == "rulebook.ttl":
            continue
        g = Graph().parse(path, format="turtle")
        nodes = set(g.subjects(CC.clauseId, Literal(cid)))
        if not nodes:
            continue
        for node in nodes:
            assert {str(x) for x in g.objects(node, CC.clauseId)} == {cid}, "the test expects a shape for one clause"
            assert not list(g.subjects(None, node)), "the test expects a top-level shape"
            stack = [node]
            while stack:
                n = stack.pop()
                for p, o in list(g.predicate_objects(n)):
                    g.remove((n, p, o))
                    if isinstance(o, BNode):
                        stack.append(o)
            removed += 1
        path.write_text(g.serialize(format="turtle"), encoding="utf-8")
    return removed


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A CARBONCERT_HOME with cecc-cfp in two versions: the current one and "V2"."""
    from rdflib.namespace import XSD  # imported here: pytest's collection trips over XSD's attribute checks

    old = _version().slug
    home = tmp_path_factory.mktemp("home")
    for rel in ("ontology", "shapes/common", "data/calendar", f"data/examples/{SCHEME}"):
        _copy(ROOT / rel, home / rel)
    for top in ("shapes", "rules", "data/tables"):
        _copy(ROOT / top / SCHEME / old, home / top / SCHEME / old)
        _copy(ROOT / top / SCHEME / old, home / top / SCHEME / "V2")
    for path in sorted((home / "shapes" / SCHEME / "V2").glob("*.ttl")):  # the new version's own namespace
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"/shapes/{SCHEME}/{old}/", f"/shapes/{SCHEME}/V2/"), encoding="utf-8")
    meta_path = home / "shapes" / SCHEME / "V2" / "rulebook.ttl"
    meta = Graph().parse(meta_path, format="turtle")
    version_node = next(meta.subjects(RDF.type, CC.RulebookVersion))
    meta.set((version_node, CC.version, Literal("V2")))
    meta.set((version_node, CC.effective, Literal("2027-01-01", datatype=XSD.date)))
    clause = next(meta.subjects(CC.clauseId, Literal("3.1")))
    meta.remove((clause, CC.text, None))
    meta.add((clause, CC.text, Literal(NEW_TEXT, lang="zh")))
    meta_path.write_text(meta.serialize(format="turtle"), encoding="utf-8")
    assert _remove_clause_shapes(home / "shapes" / SCHEME / "V2", "2") == 1

    cases = home / "cases"
    (cases / "late" / "deeper").mkdir(parents=True)
    (cases / "other").mkdir()
    shutil.copy(EXAMPLES / SCHEME / "conformant.json", cases / "conformant.json")
    doc = json.loads((EXAMPLES / SCHEME / "conformant.json").read_text(encoding="utf-8"))
    review = next(a for a in doc["audits"] if a["auditType"] == "document-review")
    verification = next(a for a in doc["audits"] if a["auditType"] == "verification")
    review["endDate"] = verification["endDate"]  # the document review ends after the verification started
    (cases / "late" / "deeper" / "late-review.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    shutil.copy(EXAMPLES / "bcc-cams" / "conformant.json", cases / "other" / "bcc.json")
    (cases / "broken.json").write_text("{not json", encoding="utf-8")
    env = dict(os.environ, CARBONCERT_HOME=str(home))
    return home, old, env


@pytest.fixture(scope="module")
def diff_json(home):
    path, old, env = home
    p = run("diff", SCHEME, old, "V2", "--cases", str(path / "cases"), "--format", "json", env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_diff_reports_exactly_the_changed_clauses(diff_json, home):
    _, old, _ = home
    d = diff_json
    assert d["scheme"] == SCHEME and d["from"]["slug"] == old and d["to"]["version"] == "V2"
    assert d["to"]["effective"] == "2027-01-01"
    assert d["added"] == [] and d["removed"] == []
    assert [c["clause"] for c in d["changed"]] == ["2", "3.1"]
    two, three = d["changed"]
    assert two["changes"] == ["shapes", "encoding"] and two["encoding"] == {"from": "encoded", "to": "not_encoded"}
    assert two["shapes"]["from"] >= 1 and two["shapes"]["to"] == 0
    assert three["changes"] == ["text"] and three["text"]["zh"]["to"] == NEW_TEXT and "en" not in three["text"]
    assert d["summary"]["changed"] == 2 and d["summary"]["unchanged"] == len(_version().clauses) - 2


def test_diff_attributes_case_outcome_changes_to_the_clause(diff_json):
    cases = diff_json["cases"]
    assert cases["checked"] == 2 and cases["unchanged"] == 0
    assert cases["other_schemes"] == ["other/bcc.json"]
    assert [s["file"] for s in cases["skipped"]] == ["broken.json"]
    by_file = {c["file"]: c for c in cases["changed"]}
    assert sorted(by_file) == ["conformant.json", "late/deeper/late-review.json"]
    assert by_file["conformant.json"]["clauses"] == [{"clause": "2", "from": "passed", "to": "manual_review"}]
    assert by_file["conformant.json"]["conforms"] == {"from": True, "to": True}
    assert by_file["late/deeper/late-review.json"]["clauses"] == [
        {"clause": "2", "from": "failed", "to": "manual_review"}]


def test_diff_text_format_and_version_names(home):
    path, old, env = home
    p = run("diff", SCHEME, old, "V2", "--cases", str(path / "cases"), env=env)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "clauses: 0 added, 0 removed, 2 changed" in out
    assert re.search(r"~ 2\s+shapes, encoding", out) and "encoding: encoded → not_encoded" in out
    assert re.search(r"~ 3\.1\s+text", out) and NEW_TEXT in out
    assert re.search(r"conformant\.json .*\n\s+2\s+passed → manual_review", out)
    assert p.stderr == ""  # no progress line when stderr is not a terminal
    # the same version twice: nothing changed
    p = run("diff", SCHEME, "V2", "V2", env=env)
    assert p.returncode == 0 and "0 added, 0 removed, 0 changed" in p.stdout


def test_diff_usage_errors_exit_2(home, tmp_path):
    _, old, env = home
    for args, words in ((("no-such-scheme", "a", "b"), "unknown scheme"),
                        ((SCHEME, old, "V9"), "no version 'V9'"),
                        ((SCHEME, old, "V2", "--cases", str(tmp_path / "missing")), "no such folder")):
        p = run("diff", *args, env=env)
        assert p.returncode == 2, (args, p.stderr)
        assert words in p.stderr and "Traceback" not in p.stderr


def test_reports_link_every_clause_to_its_page_on_the_site(site):
    from carboncert import service

    report = service.validate_bytes((EXAMPLES / SCHEME / "conformant.json").read_bytes())
    for entry in report["clauses"]:
        assert (site / entry["doc"]).is_file(), entry["clause"]


def test_diff_over_the_register_takes_each_cases_latest_version(tmp_path):
    """`--register`: the cases kept in the case register stand in for a folder (BCC V2.1 → V2.2)."""
    env = dict(os.environ, CARBONCERT_STORE=str(tmp_path / "store"))
    case = EXAMPLES / "bcc-cams" / "nonconformant-data-quality.json"
    submitted = run("cases", "submit", str(case), env=env)
    assert submitted.returncode == 0, submitted.stderr
    p = run("diff", "bcc-cams", "V2.1", "V2.2", "--register", "--format", "json", env=env)
    assert p.returncode == 0, p.stderr
    cases = json.loads(p.stdout)["cases"]
    assert cases["checked"] == 1 and cases["folder"] == "register (tenant local)"
    [changed] = cases["changed"]
    assert changed["conforms"] == {"from": True, "to": False}
    assert {"clause": "6.2[1]", "from": None, "to": "failed"} in changed["clauses"]


def test_diff_names_the_rules_and_table_cells_that_changed(tmp_path):
    """Rules and tables decide the derived figures: a changed cell, a removed row and a changed rule are
    listed by name (the version folder left out of their IRIs), unchanged ones are not."""
    from carboncert import diff

    old = _version().slug
    for part in ("ontology", "shapes/common", "data/calendar"):
        _copy(ROOT / part, tmp_path / part)
    for top in ("shapes", "rules", "data/tables"):
        _copy(ROOT / top / SCHEME / old, tmp_path / top / SCHEME / old)
        _copy(ROOT / top / SCHEME / old, tmp_path / top / SCHEME / "V3")
    table = tmp_path / "data" / "tables" / SCHEME / "V3" / "status-triggers.ttl"
    text = table.read_text(encoding="utf-8")
    cell = 'cc:triggerClause "6.2(1)" ; cc:requiredAction code:suspended'
    assert cell in text
    text = text.replace(cell, 'cc:triggerClause "6.2(1)" ; cc:requiredAction code:revoked')
    row = re.search(r"\ntbl:contract-breach .*?code:suspended \.\n", text, re.S).group(0)
    table.write_text(text.replace(row, "\n"), encoding="utf-8")
    rules = tmp_path / "rules" / SCHEME / "V3" / "programme.ttl"
    text = rules.read_text(encoding="utf-8")
    assert "sh:order 1 ;" in text
    rules.write_text(text.replace("sh:order 1 ;", "sh:order 2 ;", 1), encoding="utf-8")

    a = rulebooks.load_version(tmp_path / "shapes" / SCHEME / old)
    b = rulebooks.load_version(tmp_path / "shapes" / SCHEME / "V3")
    d = diff.compare(a, b)
    prefix = f"tables/{SCHEME}/~/status-triggers/"
    assert d["tables"] == {"added": [], "removed": [prefix + "contract-breach"], "changed": [
        {"row": prefix + "carbon-law-violation", "cells": {"requiredAction": {"from": ["suspended"], "to": ["revoked"]}}}]}
    assert d["rules"] == {"added": [], "removed": [], "changed": [f"rules/{SCHEME}/~/document-review-working-days"]}
    assert d["summary"]["rules"] == {"added": 0, "removed": 0, "changed": 1}
    assert d["summary"]["table_rows"] == {"added": 0, "removed": 1, "changed": 1}
    assert d["changed"] == []  # no clause text or shape changed
    out = diff.render_text({"scheme": SCHEME, "from": diff._version_info(a), "to": diff._version_info(b), **d})
    assert "rules: 0 added, 0 removed, 1 changed; table rows: 0 added, 1 removed, 1 changed" in out
    assert f"~ row {prefix}carbon-law-violation\n      requiredAction: suspended → revoked" in out
    assert f"- row {prefix}contract-breach" in out

    same = diff.compare(a, rulebooks.load_version(tmp_path / "shapes" / SCHEME / old))
    assert same["rules"] == {"added": [], "removed": [], "changed": []}
    assert same["tables"] == {"added": [], "removed": [], "changed": []}
