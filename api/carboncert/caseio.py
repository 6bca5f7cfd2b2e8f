"""Case files in, RDF graph out.

Three ways in:
  * plain JSON (the default): read under the project's context (ontology/context.jsonld) by a
    direct walk that also names every unknown key, mistyped value and unknown code with its JSON
    path. tests/test_case_parsing.py proves the walk gives the same graph as rdflib's JSON-LD parser;
  * JSON-LD with an explicit, inline @context: rdflib's JSON-LD parser. A context given by
    reference (a URL or a file name) is refused, never fetched;
  * Turtle: rdflib's Turtle parser.
Errors are CaseError with an HTTP-like status, a message and where it happened.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from . import ontology
from .vocab import CASE_BASE, CC, CODE

MAX_CASE_BYTES = 1_048_576  # 1 MiB: a full case is ~20-60 KB
MAX_TRIPLES = 20_000

JSON_TYPES = ("application/json",)
JSONLD_TYPES = ("application/ld+json",)
TURTLE_TYPES = ("text/turtle", "application/x-turtle")
MEDIA_TYPES = JSON_TYPES + JSONLD_TYPES + TURTLE_TYPES


class CaseError(Exception):
    """Something is wrong with what the client sent. `status` is the HTTP status it maps to."""

    def __init__(self, message: str, *, status: int = 422, line: int | None = None,
                 column: int | None = None, field: str | None = None, limit: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.line, self.column, self.field, self.limit = line, column, field, limit

    def as_dict(self) -> dict:
        out = {"error": self.message}
        for key in ("line", "column", "field", "limit"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass
class Case:
    graph: Graph
    node: URIRef | BNode
    case_id: str
    digest: str
    scheme: str | None = None
    version: str | None = None
    reference_date: date | None = None
    source_format: str = "json"
    notes: list[str] = field(default_factory=list)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def media_format(content_type: str | None, filename: str | None = None) -> str:
    """'json', 'jsonld' or 'turtle' from a media type or, failing that, a file name."""
    if content_type:
        base = content_type.split(";")[0].strip().lower()
        if base in JSON_TYPES:
            return "json"
        if base in JSONLD_TYPES:
            return "jsonld"
        if base in TURTLE_TYPES:
            return "turtle"
        raise CaseError(f"unsupported media type {base!r}; send one of {', '.join(MEDIA_TYPES)}", status=415)
    if filename and filename.endswith((".ttl", ".turtle")):
        return "turtle"
    if filename and filename.endswith(".jsonld"):
        return "jsonld"
    return "json"


def parse_case(data: bytes, fmt: str = "json", ontology_dir: Path | None = None) -> Case:
    """The case in `data`, read and typed under the project's ontology, or under `ontology_dir` (the
    ontology kept in a rulebook snapshot, so that a replay reads the case as it was first read)."""
    if len(data) > MAX_CASE_BYTES:
        raise CaseError(f"case is {len(data)} bytes; the limit is {MAX_CASE_BYTES} bytes", status=413, limit=MAX_CASE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError(f"case is not UTF-8: byte {exc.start} cannot be decoded", status=400) from None
    onto = ontology.load(ontology_dir)
    if fmt == "turtle":
        graph = _parse_turtle(text)
    else:
        doc = _load_json(text)
        if not isinstance(doc, dict):
            raise CaseError("a case file is a JSON object at the top level", status=422, field="$")
        if fmt == "jsonld" or "@context" in doc:
            graph = _parse_jsonld(text, doc)
            fmt = "jsonld"
        else:
            graph = CaseReader(onto).read(doc)
    if len(graph) > MAX_TRIPLES:
        raise CaseError(f"case has {len(graph)} triples; the limit is {MAX_TRIPLES}", status=422, limit=MAX_TRIPLES)
    ontology.materialise_types(graph, onto)
    node = _case_node(graph)
    case = Case(graph=graph, node=node, case_id=_case_id(node, data), digest=digest_of(data), source_format=fmt)
    scheme = graph.value(node, CC.scheme)
    case.scheme = str(scheme)[len(str(CODE)):] if scheme is not None else None
    version = graph.value(node, CC.rulebookVersion)
    case.version = str(version) if version is not None else None
    ref = graph.value(node, CC.referenceDate)
    case.reference_date = ref.toPython() if ref is not None and isinstance(ref.toPython(), date) else None
    return case


def _load_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError(f"malformed JSON: {exc.msg}", status=400, line=exc.lineno, column=exc.colno) from None


def _parse_turtle(text: str) -> Graph:
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=CASE_BASE)
    except Exception as exc:  # rdflib raises several kinds; all mean the Turtle is malformed
        line, column = _turtle_position(exc, text)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CaseError(f"malformed Turtle: {first}", status=400, line=line, column=column) from None
    return graph


def _turtle_position(exc: Exception, text: str) -> tuple[int | None, int | None]:
    index = getattr(exc, "_i", None)
    start = getattr(exc, "startOfLine", None)
    if isinstance(index, int):
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return line, column
    match = re.search(r"line (\d+)", str(exc))
    return (int(match.group(1)) if match else None), (index - start + 1 if isinstance(index, int) and isinstance(start, int) else None)


def _check_contexts(value, path: str) -> None:
    """Refuse any @context that would make the parser fetch something."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                for ctx in item if isinstance(item, list) else [item]:
                    if isinstance(ctx, str):
                        raise CaseError(f"@context {ctx!r} is a reference; carboncert never fetches contexts: "
                                        "give the context inline or leave @context out to use the default",
                                        status=422, field=f"{path}.@context")
                    if isinstance(ctx, dict) and "@import" in ctx:
                        raise CaseError("@import in @context is not allowed: contexts are never fetched",
                                        status=422, field=f"{path}.@context.@import")
            _check_contexts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_contexts(item, f"{path}[{i}]")


def _parse_jsonld(text: str, doc: dict) -> Graph:
    _check_contexts(doc, "$")
    graph = Graph()
    try:
        graph.parse(data=text, format="json-ld", base=CASE_BASE)
    except Exception as exc:
        raise CaseError(f"malformed JSON-LD: {exc}", status=422) from None
    return graph


def _case_node(graph: Graph):
    nodes = set(graph.subjects(RDF.type, CC.CertificationCase))
    if not nodes:
        raise CaseError("the case names no certification case: give \"scheme\" at the top level "
                        "(or a node of type cc:CertificationCase in Turtle/JSON-LD)", status=422, field="scheme")
    if len(nodes) > 1:
        raise CaseError(f"the file holds {len(nodes)} certification cases; send one at a time", status=422)
    return nodes.pop()


def _case_id(node, data: bytes) -> str:
    if isinstance(node, URIRef) and str(node).startswith(CASE_BASE):
        return str(node)[len(CASE_BASE):]
    if isinstance(node, URIRef):
        return str(node)
    return "case-" + hashlib.sha256(data).hexdigest()[:12]


class CaseReader:
    """Walks a plain-JSON case under the default context and emits triples."""

    def __init__(self, onto: ontology.Ontology):
        self.terms = onto.terms
        self.codes = onto.codes
        self.graph = Graph()
        self._blank = 0  # blank nodes numbered in document order: the same file gives the same graph

    def read(self, doc: dict) -> Graph:
        root = self._node(doc, "$")
        self.graph.add((root, RDF.type, CC.CertificationCase))
        return self.graph

    def _node(self, obj: dict, path: str):
        if "id" in obj:
            if not isinstance(obj["id"], str) or not obj["id"]:
                raise CaseError("\"id\" must be a non-empty string", field=f"{path}.id")
            subject = URIRef(CASE_BASE + obj["id"])
        else:
            self._blank += 1
            subject = BNode(f"n{self._blank}")
        for key, value in obj.items():
            if key == "id":
                continue
            here = f"{path}.{key}"
            if key == "type":
                for v in value if isinstance(value, list) else [value]:
                    if not isinstance(v, str):
                        raise CaseError("\"type\" takes class names", field=here)
                    self.graph.add((subject, RDF.type, CC[v]))
                continue
            term = self.terms.get(key)
            if term is None:
                hint = difflib.get_close_matches(key, self.terms, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise CaseError(f"unknown field {key!r}{more}", field=here)
            values = value if isinstance(value, list) else [value]
            for i, item in enumerate(values):
                where = f"{here}[{i}]" if isinstance(value, list) else here
                if item is None:
                    raise CaseError("null is not a value: leave the field out instead", field=where)
                self.graph.add((subject, term.predicate, self._object(term, item, where)))
        return subject

    def _object(self, term: ontology.Term, item, where: str):
        if term.kind == "node":
            if isinstance(item, dict):
                return self._node(item, where)
            if isinstance(item, str) and item:
                return URIRef(CASE_BASE + item)
            raise CaseError(f"{term.key!r} takes an object or the id of one, not {json.dumps(item, ensure_ascii=False)}", field=where)
        if term.kind == "code":
            if not isinstance(item, str):
                raise CaseError(f"{term.key!r} takes a code string, not {json.dumps(item, ensure_ascii=False)}", field=where)
            iri = CODE[item]
            if iri not in self.codes:
                raise CaseError(f"unknown code {item!r} for {term.key!r} (code lists: ontology/codes.ttl)", field=where)
            return iri
        return _literal(term, item, where)


def _literal(term: ontology.Term, item, where: str) -> Literal:
    dt = term.datatype
    if dt is None:
        if isinstance(item, str):
            return Literal(item)
        raise CaseError(f"{term.key!r} takes a string, not {json.dumps(item, ensure_ascii=False)}", field=where)
    if dt == XSD.boolean:
        if isinstance(item, bool):
            return Literal(item)
        raise CaseError(f"{term.key!r} takes true or false, not {json.dumps(item, ensure_ascii=False)}", field=where)
    if dt == XSD.integer:
        if isinstance(item, int) and not isinstance(item, bool):
            return Literal(item)
        raise CaseError(f"{term.key!r} takes a whole number, not {json.dumps(item, ensure_ascii=False)}", field=where)
    if dt == XSD.decimal:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            try:
                return Literal(Decimal(str(item)), datatype=XSD.decimal)
            except InvalidOperation:
                pass
        raise CaseError(f"{term.key!r} takes a number, not {json.dumps(item, ensure_ascii=False)}", field=where)
    if dt == XSD.date:
        if isinstance(item, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
            try:
                date.fromisoformat(item)
                return Literal(item, datatype=XSD.date)
            except ValueError:
                pass
        raise CaseError(f"{term.key!r} takes a date YYYY-MM-DD, not {json.dumps(item, ensure_ascii=False)}", field=where)
    return Literal(str(item), datatype=dt)
