"""Case files in: the default-context reader, JSON-LD, Turtle, and every kind of bad input."""

import json

import pytest
from rdflib import RDF, Graph
from rdflib.compare import isomorphic

from carboncert import caseio, context, ontology
from carboncert.caseio import CaseError, parse_case
from carboncert.vocab import CASE_BASE, CC

from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*/*.json"))


def _minimal(**extra):
    doc = {"id": "T-1", "scheme": "bcc-cams", "referenceDate": "2026-09-01"}
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[f"{p.parent.name}/{p.name}" for p in EXAMPLE_FILES])
def test_default_reader_equals_rdflib_jsonld(path):
    """The fast reader gives exactly the graph a JSON-LD processor gives under the published context."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    ours = caseio.CaseReader(ontology.load()).read(doc)
    with_ctx = dict(doc)
    with_ctx["@context"] = context.build_context()["@context"]
    theirs = Graph().parse(data=json.dumps(with_ctx, ensure_ascii=False), format="json-ld", base=CASE_BASE)
    theirs.add((next(theirs.subjects(CC.scheme, None)), RDF.type, CC.CertificationCase))
    assert isomorphic(ours, theirs)


def test_explicit_inline_context_is_accepted(example):
    doc = json.loads(example("bcc-cams"))
    doc["@context"] = context.build_context()["@context"]
    case = parse_case(json.dumps(doc, ensure_ascii=False).encode(), "jsonld")
    assert case.scheme == "bcc-cams" and case.source_format == "jsonld"
    assert case.case_id == "BCC-CAMS-2026-0137"


def test_turtle_case_is_accepted():
    ttl = """@prefix cc: <https://w3id.org/carboncert/ontology#> . @prefix code: <https://w3id.org/carboncert/code/> .
    <https://w3id.org/carboncert/case/T-9> cc:scheme code:bcc-cams ; cc:client [ cc:name "某公司" ] ."""
    case = parse_case(ttl.encode(), "turtle")
    assert case.case_id == "T-9" and case.scheme == "bcc-cams"
    assert (None, RDF.type, CC.Organisation) in case.graph  # type from the range of cc:client


def test_malformed_json_names_line_and_column():
    with pytest.raises(CaseError) as err:
        parse_case(b'{\n  "id": "x",\n  "scheme": bcc\n}')
    assert err.value.status == 400 and (err.value.line, err.value.column) == (3, 13)


def test_malformed_turtle_names_line():
    with pytest.raises(CaseError) as err:
        parse_case(b"@prefix cc: <https://w3id.org/carboncert/ontology#> .\n<a> cc:scheme .\n", "turtle")
    assert err.value.status == 400 and err.value.line == 2 and err.value.column is not None


def test_unknown_field_is_named_with_a_suggestion():
    with pytest.raises(CaseError) as err:
        parse_case(_minimal(client={"name": "x", "creditcode": "9132"}))
    assert err.value.status == 422 and err.value.field == "$.client.creditcode"
    assert "creditCode" in err.value.message


@pytest.mark.parametrize("patch,field", [
    ({"referenceDate": "2026-02-30"}, "$.referenceDate"),
    ({"client": {"effectiveHeadcount": "70"}}, "$.client.effectiveHeadcount"),
    ({"client": {"effectiveHeadcount": 70.5}}, "$.client.effectiveHeadcount"),
    ({"certificates": [{"seal": "yes"}]}, "$.certificates[0].seal"),
    ({"audits": [{"manDays": "4"}]}, "$.audits[0].manDays"),
    ({"client": {"name": 7}}, "$.client.name"),
    ({"client": None}, "$.client"),
])
def test_mistyped_values_are_named(patch, field):
    with pytest.raises(CaseError) as err:
        parse_case(_minimal(**patch))
    assert err.value.status == 422 and err.value.field == field


def test_unknown_code_is_named():
    with pytest.raises(CaseError) as err:
        parse_case(_minimal(audits=[{"team": [{"role": "team-lead"}]}]))
    assert err.value.field == "$.audits[0].team[0].role" and "team-lead" in err.value.message


@pytest.mark.parametrize("ctx", ["https://example.org/context.jsonld", "file:///etc/passwd", "context.jsonld",
                                 [{"@vocab": "https://w3id.org/carboncert/ontology#"}, "https://example.org/c"],
                                 {"@import": "https://example.org/c"}])
def test_referenced_contexts_are_refused_not_fetched(ctx):
    with pytest.raises(CaseError) as err:
        parse_case(json.dumps({"@context": ctx, "scheme": "bcc-cams"}).encode(), "jsonld")
    assert err.value.status == 422 and "@context" in err.value.field


def test_nested_referenced_context_is_refused():
    doc = {"@context": {"@vocab": "https://w3id.org/carboncert/ontology#"},
           "client": {"@context": "https://example.org/x", "name": "x"}}
    with pytest.raises(CaseError) as err:
        parse_case(json.dumps(doc).encode(), "jsonld")
    assert err.value.field == "$.client.@context"


def test_oversized_case_is_refused_with_the_limit():
    with pytest.raises(CaseError) as err:
        parse_case(b" " * (caseio.MAX_CASE_BYTES + 1))
    assert err.value.status == 413 and err.value.limit == caseio.MAX_CASE_BYTES


def test_too_many_triples_is_refused_with_the_limit():
    people = [{"id": f"p{i}", "name": f"人员{i}"} for i in range(caseio.MAX_TRIPLES // 2 + 1)]
    with pytest.raises(CaseError) as err:
        parse_case(_minimal(people=people))
    assert err.value.status == 422 and err.value.limit == caseio.MAX_TRIPLES


def test_not_utf8_and_not_an_object():
    with pytest.raises(CaseError) as err:
        parse_case(b'{"name": "\xff"}')
    assert err.value.status == 400
    with pytest.raises(CaseError) as err:
        parse_case(b"[1, 2]")
    assert err.value.status == 422


def test_unsupported_media_type():
    with pytest.raises(CaseError) as err:
        caseio.media_format("application/xml")
    assert err.value.status == 415


def test_case_without_scheme_is_refused():
    from carboncert import service

    with pytest.raises(CaseError) as err:
        service.validate_bytes(b'{"description": "no scheme"}')
    assert err.value.status == 422 and err.value.field == "scheme"


def test_unknown_scheme_and_version_are_named():
    from carboncert import service

    with pytest.raises(CaseError) as err:
        service.validate_bytes(_minimal(), version="V9.9")
    assert err.value.status == 422 and "V9.9" in err.value.message
    with pytest.raises(CaseError) as err:
        service.validate_bytes(_minimal(), scheme="cec-cms")
    assert err.value.field == "scheme"
