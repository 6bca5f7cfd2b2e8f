"""A malformed shapes graph is our error (ShapesError), never the case's non-conformance."""

import shutil

import pytest

from carboncert import rulebooks
from carboncert.rulebooks import ShapesError
from carboncert.vocab import SHAPES_DIR

HEADER = """@prefix cc: <https://w3id.org/carboncert/ontology#> . @prefix sh: <http://www.w3.org/ns/shacl#> .\n"""


@pytest.fixture
def folder(tmp_path):
    dest = tmp_path / "bcc-cams" / "V2.2"
    dest.mkdir(parents=True)
    shutil.copy(SHAPES_DIR / "bcc-cams" / "V2.2" / "rulebook.ttl", dest / "rulebook.ttl")
    return dest


def test_unparseable_shapes_file(folder):
    (folder / "broken.ttl").write_text(HEADER + "<a> <b> .\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="broken.ttl"):
        rulebooks.load_version(folder)


def test_shape_naming_an_unknown_clause(folder):
    (folder / "x.ttl").write_text(HEADER + "<urn:s> a sh:NodeShape ; cc:clauseId \"99.9\" ; sh:targetClass cc:Audit .\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="99.9"):
        rulebooks.load_version(folder)


def test_shape_without_a_clause(folder):
    (folder / "x.ttl").write_text(HEADER + "<urn:s> a sh:NodeShape ; sh:targetClass cc:Audit .\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="without a clause"):
        rulebooks.load_version(folder)


def test_shapes_the_engine_cannot_run_raise_shapes_error(folder):
    from carboncert import caseio, engine
    from conftest import example_bytes

    (folder / "x.ttl").write_text(HEADER + """<urn:s> a sh:NodeShape ; cc:clauseId "7.1.2(1)" ; sh:targetClass cc:CertificationCase ;
        sh:sparql [ a sh:SPARQLConstraint ; sh:message "x"@en ; sh:select "SELECT $this WHERE { this is not sparql }" ] .\n""", encoding="utf-8")
    version = rulebooks.load_version(folder)
    case = caseio.parse_case(example_bytes("bcc-cams"))
    for backend in engine.BACKENDS:
        with pytest.raises(ShapesError):
            engine.run_shapes(case.graph, version, backend)
