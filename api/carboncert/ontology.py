"""The ontology as the engine uses it: JSON terms, code lists and the class hierarchy.

Read once per process. The class hierarchy is the one HermiT inferred (ontology/inferred.ttl,
written by `carboncert ontology classify`), so no reasoning happens per request: case nodes get
their rdf:type from property domains and ranges plus the inferred superclasses, in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from .vocab import CC, ONTOLOGY_DIR

CORE_FILES = ("carboncert.ttl", "codes.ttl")
INFERRED_FILE = "inferred.ttl"


@dataclass(frozen=True)
class Term:
    """One JSON key of a case file."""

    key: str
    predicate: URIRef
    kind: str  # "literal", "code" or "node"
    datatype: URIRef | None = None  # for literals; None means plain string


@dataclass(frozen=True)
class Ontology:
    graph: Graph
    terms: dict[str, Term]
    codes: frozenset[URIRef]
    domains: dict[URIRef, URIRef]
    ranges: dict[URIRef, URIRef]
    superclasses: dict[URIRef, frozenset[URIRef]]
    files: tuple[Path, ...]

    def types_of(self, cls: URIRef) -> frozenset[URIRef]:
        return self.superclasses.get(cls, frozenset()) | {cls}


def ontology_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    modules = sorted((directory / "modules").glob("*.ttl")) if (directory / "modules").is_dir() else []
    return [directory / name for name in CORE_FILES] + modules


def _json_key(graph: Graph, prop: URIRef) -> str:
    key = graph.value(prop, CC.jsonKey)
    return str(key) if key is not None else str(prop)[len(str(CC)):]


def _is_code_class(graph: Graph, cls: URIRef | None) -> bool:
    return cls is not None and (cls == CC.Code or (cls, RDFS.subClassOf, CC.Code) in graph)


def build_terms(graph: Graph) -> dict[str, Term]:
    """JSON keys from the ontology's cc: properties (ontology/README.md has the conventions)."""
    terms: dict[str, Term] = {}
    for kind_class in (OWL.DatatypeProperty, OWL.ObjectProperty):
        for prop in graph.subjects(RDF.type, kind_class):
            if not str(prop).startswith(str(CC)):
                continue
            key = _json_key(graph, prop)
            rng = graph.value(prop, RDFS.range)
            if kind_class == OWL.DatatypeProperty:
                datatype = None if rng in (None, XSD.string, RDFS.Literal) else rng
                term = Term(key, prop, "literal", datatype)
            elif _is_code_class(graph, rng):
                term = Term(key, prop, "code")
            else:
                term = Term(key, prop, "node")
            if key in terms and terms[key] != term:
                raise ValueError(f"JSON key {key!r} is defined twice in the ontology: {terms[key].predicate} and {prop}")
            terms[key] = term
    return terms


def _superclass_closure(graph: Graph) -> dict[URIRef, frozenset[URIRef]]:
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef) and sub != sup:
            direct.setdefault(sub, set()).add(sup)
    closure: dict[URIRef, frozenset[URIRef]] = {}

    def walk(cls: URIRef, seen: set[URIRef]) -> set[URIRef]:
        out: set[URIRef] = set()
        for sup in direct.get(cls, ()):
            if sup not in seen:
                out |= {sup} | walk(sup, seen | {sup})
        return out

    for cls in direct:
        closure[cls] = frozenset(walk(cls, {cls}) - {OWL.Thing})
    return closure


def load(directory: Path | None = None) -> Ontology:
    """The ontology in `directory` (the project's by default; a rulebook snapshot's for a replay), read
    once per process and folder."""
    return _load((directory or ONTOLOGY_DIR).resolve())


def folder_in(home: Path) -> Path:
    """The ontology folder of a tree laid out like the repository (a rulebook snapshot), else the project's."""
    folder = home / "ontology"
    return folder if (folder / CORE_FILES[0]).exists() else ONTOLOGY_DIR


def files_deciding_outcomes(directory: Path) -> list[Path]:
    """The files a case's reading and typing depend on: the ontology and, when present, its inferred hierarchy."""
    inferred = directory / INFERRED_FILE
    return ontology_files(directory) + ([inferred] if inferred.exists() else [])


@lru_cache(maxsize=None)
def _load(directory: Path) -> Ontology:
    files = ontology_files(directory)
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    hierarchy = Graph()
    inferred = directory / INFERRED_FILE
    # The inferred hierarchy (HermiT) when present; the asserted one otherwise.
    hierarchy.parse(inferred if inferred.exists() else files[0], format="turtle")
    if inferred.exists():
        hierarchy += graph.triples((None, RDFS.subClassOf, None))
    domains = {p: d for p, d in graph.subject_objects(RDFS.domain) if isinstance(d, URIRef)}
    ranges = {
        p: r
        for p, r in graph.subject_objects(RDFS.range)
        if isinstance(r, URIRef) and (p, RDF.type, OWL.ObjectProperty) in graph and not _is_code_class(graph, r)
    }
    codes = frozenset(s for s in graph.subjects(RDF.type, CC.Code) if isinstance(s, URIRef))
    return Ontology(
        graph=graph,
        terms=build_terms(graph),
        codes=codes,
        domains=domains,
        ranges=ranges,
        superclasses=_superclass_closure(hierarchy),
        files=tuple(files),
    )


def materialise_types(data: Graph, onto: Ontology) -> None:
    """Add rdf:type from property domains and ranges and the inferred superclasses, in place."""
    added = []
    for s, p, o in data:
        dom = onto.domains.get(p)
        if dom is not None:
            added.append((s, dom))
        rng = onto.ranges.get(p)
        if rng is not None and not isinstance(o, type(None)) and not hasattr(o, "datatype"):
            added.append((o, rng))
    for node, cls in added:
        for t in sorted(onto.types_of(cls)):  # sorted: the same case always gives the same graph
            data.add((node, RDF.type, t))
    for node, cls in list(data.subject_objects(RDF.type)):
        for t in sorted(onto.superclasses.get(cls, ())):
            data.add((node, RDF.type, t))
