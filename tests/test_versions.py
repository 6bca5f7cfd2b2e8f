"""Rulebook versions by date, and a revision written as a small folder that inherits from another
version (version.ttl: cc:basedOn, cc:retiresClause, cc:retiresClausesMatching): BCC V2.1 is V2.2
without sections 5 and 6."""

import json
import shutil
from pathlib import Path

import pytest

from carboncert import clausetests, rulebooks, service
from carboncert.rulebooks import ShapesError
from carboncert.vocab import DATA_DIR, SHAPES_DIR

BCC_CASE = DATA_DIR / "examples" / "bcc-cams" / "conformant.json"
SECTION_5_6 = ["5.1", "5.2.1[1]", "5.2.1[2]", "5.2.2[1]", "5.2.2[2]", "5.3.1", "5.3.2", "5.3.3[1]", "5.3.3[2]",
               "5.3.4", "6.1", "6.1(1)", "6.1(2)", "6.1(3)", "6.1(4)", "6.2[1]", "6.2[2]", "6.2[3]", "6.3",
               "6.3(1)", "6.3(2)", "6.3(3)", "6.3(3)[2]", "6.3(4)", "6.3(5)", "6.3(6)", "6.4", "6.4(1)",
               "6.4(2)", "6.4(3)"]


def _bcc_case(reference_date: str) -> bytes:
    doc = json.loads(BCC_CASE.read_text(encoding="utf-8"))
    doc["referenceDate"] = reference_date
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def test_bcc_v21_is_v22_without_sections_5_and_6():
    v21, v22 = (next(v for v in rulebooks.versions("bcc-cams") if v.slug == s) for s in ("V2.1", "V2.2"))
    assert (v21.based_on, str(v21.effective), str(v22.effective)) == ("V2.2", "2026-01-28", "2026-06-24")
    assert v21.retired == SECTION_5_6
    assert [c.id for c in v21.clauses] == [c.id for c in v22.clauses if c.id not in SECTION_5_6]
    assert "5.9.2" in {c.id for c in v21.clauses}  # numbered 5.x but not in section 5: kept
    assert "reconstructed" in v21.provenance["en"].lower() and "重构" in v21.provenance["zh"]
    assert v21.digest != v22.digest


@pytest.mark.parametrize("day, slug", [("2026-06-23", "V2.1"), ("2026-06-24", "V2.2"), ("2026-01-28", "V2.1")])
def test_the_version_in_force_on_the_reference_date_applies(day, slug):
    report = service.validate_bytes(_bcc_case(day))
    assert report["rulebook"]["version"] == slug
    assert f"reference date {day}" in report["rulebook"]["applied_because"]
    clauses = {c["clause"] for c in report["clauses"]}
    assert ("5.3.1" in clauses) == (slug == "V2.2")
    assert ("provenance" in report["rulebook"]) == (slug == "V2.1")  # the reader sees it is reconstructed


def test_a_version_asked_for_wins_over_the_date():
    report = service.validate_bytes(_bcc_case("2026-09-15"), version="V2.1")
    assert report["rulebook"]["version"] == "V2.1" and "asked for" in report["rulebook"]["applied_because"]


def test_inherited_clause_tests_drop_expectations_on_retired_clauses():
    v21 = SHAPES_DIR / "bcc-cams" / "V2.1"
    inherited = clausetests.load_tests(v21)
    assert inherited and all(t.version == "V2.1" for t in inherited)
    assert not any(set(t.expect) & set(SECTION_5_6) for t in inherited)
    own = clausetests.load_tests(v21, inherited=False)
    assert len(own) < len(inherited)


# ------------------------------------------------------------------ the mechanism, on a small scheme
def _revision(tmp_path: Path, version_ttl: str, files: dict[str, str] | None = None) -> Path:
    """A copy of cecc-cfp's only version as the base, and a revision folder beside it."""
    scheme = tmp_path / "shapes" / "cecc-cfp"
    shutil.copytree(SHAPES_DIR / "cecc-cfp" / "unnumbered", scheme / "unnumbered")
    rev = scheme / "rev"
    rev.mkdir()
    (rev / "version.ttl").write_text(_PREFIXES + version_ttl, encoding="utf-8")
    for name, text in (files or {}).items():
        (rev / name).write_text(_PREFIXES + text, encoding="utf-8")
    return rev


_PREFIXES = """@prefix cc: <https://w3id.org/carboncert/ontology#> .
@prefix code: <https://w3id.org/carboncert/code/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix : <https://w3id.org/carboncert/shapes/cecc-cfp/rev/> .
"""
_VERSION = """<https://w3id.org/carboncert/rulebook/cecc-cfp/rev> a cc:RulebookVersion ; cc:scheme code:cecc-cfp ;
    cc:version "rev" ; cc:basedOn "unnumbered" ; cc:effective "2027-01-01"^^xsd:date """


def test_a_revision_retires_overrides_and_adds_by_file(tmp_path):
    replacement = """:scope-cecc a sh:NodeShape ; cc:clauseId "1" ; sh:targetClass cc:CertificationCase ;
        sh:property [ sh:path cc:scheme ; sh:hasValue code:cecc-cfp ;
            sh:message "换过的"@zh , "replaced"@en ; cc:remedy "改"@zh , "fix"@en ] .
    """
    added = """:review-extra cc:clauseId "4.2.1(1)[s2]" ; cc:manualReview "新增"@zh , "added note"@en ."""
    rev = _revision(tmp_path, _VERSION + '; cc:retiresClause "4.2.1(1)[s2]" .', {"eligibility.ttl": replacement,
                                                                            "extra.ttl": added})
    base = rulebooks.load_version(rev.parent / "unnumbered")
    version = rulebooks.load_version(rev)
    assert version.version == "rev" and version.based_on == "unnumbered" and version.retired == ["4.2.1(1)[s2]"]
    assert "4.2.1(1)[s2]" not in version.encoding and "4.2.1(1)[s2]" in base.encoding
    assert [p.name for p in version.shape_files if p.parent == rev] == ["eligibility.ttl", "extra.ttl"]
    messages = [a.message.get("en") for a in version.annotations.values() if a.clauses == ("1",)]
    assert "replaced" in messages
    # the base's other files are inherited unchanged
    assert {p.name for p in version.shape_files} == {p.name for p in base.shape_files} | {"extra.ttl"}
    assert version.title == base.title and version.doc_no == base.doc_no


def test_a_revision_replaces_the_shapes_of_a_clause_its_own_shapes_name(tmp_path):
    from rdflib import Literal
    from rdflib.namespace import SH

    from carboncert.vocab import CC

    own = """:dishonesty-again a sh:NodeShape ; cc:clauseId "4.2.1(1)[s2]" ; sh:targetClass cc:CertificationCase ;
        sh:property [ sh:path cc:client ; sh:minCount 1 ; sh:message "新"@zh , "new"@en ; cc:remedy "改"@zh , "fix"@en ] .
    """
    rev = _revision(tmp_path, _VERSION + ".", {"override.ttl": own})
    base = rulebooks.load_version(rev.parent / "unnumbered")
    version = rulebooks.load_version(rev)
    named = {str(n) for n, a in version.annotations.items()
             if "4.2.1(1)[s2]" in a.clauses and not str(n).startswith("urn:")}  # (urn: = its property shape)
    assert named == {"https://w3id.org/carboncert/shapes/cecc-cfp/rev/dishonesty-again"}
    replaced = [n for n, a in base.annotations.items() if "4.2.1(1)[s2]" in a.clauses and not str(n).startswith("urn:")]
    assert replaced and all((n, SH.deactivated, Literal(True)) in version.shapes for n in replaced)
    assert version.encoding["4.2.1(1)[s2]"] == "encoded"
    assert not any((n, CC.clauseId, None) in version.shapes for n in replaced)


@pytest.mark.parametrize("text, error", [
    ('<https://w3id.org/carboncert/rulebook/cecc-cfp/rev> a cc:RulebookVersion ; cc:scheme code:cecc-cfp .',
     "cc:basedOn"),
    (_VERSION.replace('"unnumbered"', '"V9"') + ".", "not a version folder"),
    (_VERSION + '; cc:retiresClause "99.9" .', "99.9"),
    (_VERSION + '; cc:retiresClause "1" ', "rev/version.ttl"),  # not Turtle: no final dot
])
def test_a_malformed_revision_is_our_error_with_a_reason(tmp_path, text, error):
    rev = _revision(tmp_path, text)
    with pytest.raises(ShapesError, match=error):
        rulebooks.load_version(rev)


def test_revisions_based_on_each_other_in_a_circle_are_refused(tmp_path):
    rev = _revision(tmp_path, _VERSION.replace('"unnumbered"', '"rev2"') + ".")
    (rev.parent / "rev2").mkdir()
    (rev.parent / "rev2" / "version.ttl").write_text(
        _PREFIXES + _VERSION.replace("/rev>", "/rev2>").replace('"unnumbered"', '"rev"') + ".", encoding="utf-8")
    with pytest.raises(ShapesError, match="circle"):
        rulebooks.load_version(rev)
