"""Classify the ontology once with owlready2 and HermiT (needs Java).

`carboncert ontology classify` checks consistency and satisfiability and writes the inferred class
hierarchy to ontology/inferred.ttl; the engine reads that file at start-up and never reasons per
request. tests/test_ontology.py re-runs the classification and fails when the committed file is stale.
"""

from __future__ import annotations

import io
import shutil

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from . import ontology
from .vocab import CC, ONTOLOGY_DIR

# OWL 2's datatype map has no xsd:date; HermiT refuses it. Date ranges are checked on input
# (caseio) and by the shapes, so the classification run sees them as plain literals.
OWL2_UNSUPPORTED = {XSD.date, XSD.gYear, XSD.duration}


def java_available() -> bool:
    return shutil.which("java") is not None


def reasoner_input() -> Graph:
    g = Graph()
    for path in ontology.ontology_files():
        g.parse(path, format="turtle")
    for p, rng in list(g.subject_objects(RDFS.range)):
        if rng in OWL2_UNSUPPORTED:
            g.remove((p, RDFS.range, rng))
            g.add((p, RDFS.range, RDFS.Literal))
    return g


def classify() -> dict:
    import owlready2

    world = owlready2.World()
    data = reasoner_input().serialize(format="nt", encoding="utf-8")
    onto = world.get_ontology("https://w3id.org/carboncert/ontology").load(fileobj=io.BytesIO(data), format="ntriples")
    result = {"consistent": True, "unsatisfiable": [], "classes": 0, "hierarchy": {}}
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        result["consistent"] = False
        result["error"] = str(exc)[:500]
        return result
    result["unsatisfiable"] = sorted(c.iri for c in world.inconsistent_classes())
    hierarchy: dict[str, list[str]] = {}
    for cls in world.classes():
        if not cls.iri.startswith(str(CC)):
            continue
        ancestors = sorted(a.iri for a in cls.ancestors() if a is not cls and a is not owlready2.Thing)
        hierarchy[cls.iri] = ancestors
    result["classes"] = len(hierarchy)
    result["hierarchy"] = hierarchy
    return result


def inferred_graph(result: dict) -> Graph:
    g = Graph()
    g.bind("cc", CC)
    for cls, ancestors in result["hierarchy"].items():
        g.add((URIRef(cls), RDF.type, OWL.Class))
        for a in ancestors:
            g.add((URIRef(cls), RDFS.subClassOf, URIRef(a)))
    return g


def write_inferred(result: dict) -> str:
    path = ONTOLOGY_DIR / ontology.INFERRED_FILE
    text = ("# Inferred class hierarchy (HermiT via owlready2), written by `carboncert ontology classify`.\n"
            "# Do not edit: re-run the command after changing the ontology.\n")
    text += inferred_graph(result).serialize(format="turtle")
    path.write_text(text, encoding="utf-8")
    return str(path)
