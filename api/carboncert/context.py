"""The JSON-LD context of case files, generated from the ontology.

`carboncert ontology context` writes it to ontology/context.jsonld; a test fails when the file
and the ontology drift apart. Codes are resolved through a property-scoped @vocab, so
"role": "team-leader" means code:team-leader.
"""

from __future__ import annotations

import json

from rdflib import XSD

from . import ontology
from .vocab import CC, CODE, ONTOLOGY_DIR

CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"


def build_context(onto: ontology.Ontology | None = None) -> dict:
    onto = onto or ontology.load()
    ctx: dict = {"@version": 1.1, "@vocab": str(CC), "id": "@id", "type": "@type",
                 "xsd": str(XSD)}
    for key in sorted(onto.terms):
        term = onto.terms[key]
        entry: dict = {"@id": str(term.predicate)}
        if term.kind == "code":
            entry["@type"] = "@vocab"
            entry["@context"] = {"@vocab": str(CODE)}
        elif term.kind == "node":
            entry["@type"] = "@id"
        elif term.datatype is not None:
            entry["@type"] = "xsd:" + str(term.datatype)[len(str(XSD)):]
        ctx[key] = entry
    return {"@context": ctx}


def context_text(onto: ontology.Ontology | None = None) -> str:
    return json.dumps(build_context(onto), ensure_ascii=False, indent=1) + "\n"


def write_context() -> None:
    CONTEXT_FILE.write_text(context_text(), encoding="utf-8")
