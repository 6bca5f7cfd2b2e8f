"""The ontology classifies cleanly with HermiT, and what the engine reads from it is up to date."""

import json

import pytest
from rdflib import RDF, RDFS, Graph
from rdflib.compare import isomorphic

from carboncert import classify, context, ontology
from carboncert.vocab import CC, ONTOLOGY_DIR

needs_java = pytest.mark.skipif(not classify.java_available(), reason="HermiT needs Java (apt-get install default-jre-headless)")


@pytest.fixture(scope="module")
def classified():
    return classify.classify()


@needs_java
def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable(classified):
    assert classified["consistent"], classified.get("error")
    assert classified["unsatisfiable"] == []
    assert classified["classes"] >= 30


@needs_java
def test_committed_inferred_hierarchy_is_current(classified):
    committed = Graph().parse(ONTOLOGY_DIR / ontology.INFERRED_FILE, format="turtle")
    assert isomorphic(committed, classify.inferred_graph(classified)), "run `carboncert ontology classify`"


@needs_java
def test_inferred_hierarchy_is_what_the_engine_uses(classified):
    onto = ontology.load()
    assert str(CC.Qualification) in classified["hierarchy"][str(CC.Authorisation)]
    assert CC.Qualification in onto.superclasses[CC.Authorisation]


def test_committed_context_matches_the_ontology():
    committed = json.loads(context.CONTEXT_FILE.read_text(encoding="utf-8"))
    assert committed == context.build_context(), "run `carboncert ontology context`"


def test_every_json_key_is_unique_and_no_code_shadows_a_key():
    onto = ontology.load()
    keys = set(onto.terms)
    code_names = {str(c).rsplit("/", 1)[1] for c in onto.codes}
    # A code spelled like a JSON key would be read as that key's IRI by a JSON-LD processor.
    assert not (keys & code_names), keys & code_names


def test_every_case_property_has_labels_in_both_languages():
    onto = ontology.load()
    for term in onto.terms.values():
        langs = {lit.language for lit in onto.graph.objects(term.predicate, RDFS.label)}
        assert {"en", "zh"} <= langs, f"{term.predicate} lacks an en or zh label"


def test_every_code_has_labels_in_both_languages():
    onto = ontology.load()
    from rdflib.namespace import SKOS

    for code in onto.codes:
        langs = {lit.language for lit in onto.graph.objects(code, SKOS.prefLabel)}
        assert {"en", "zh"} <= langs, f"{code} lacks an en or zh label"


def test_type_materialisation_uses_domains_ranges_and_superclasses():
    g = Graph()
    from rdflib import BNode, URIRef

    case, person = URIRef("urn:x:case"), BNode()
    g.add((case, CC.person, person))
    g.add((person, CC.authorisation, BNode()))
    ontology.materialise_types(g, ontology.load())
    assert (person, RDF.type, CC.Person) in g
    auth = next(g.objects(person, CC.authorisation))
    assert (auth, RDF.type, CC.Authorisation) in g and (auth, RDF.type, CC.Qualification) in g
