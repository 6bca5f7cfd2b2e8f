"""The register on a remote SPARQL 1.1 server: Query and Update at one endpoint, the Graph Store Protocol
to read a named graph. Selected by CARBONCERT_STORE=sparql+http://host:port/sparql.

Bindings are written into a VALUES block (at the start of the query's WHERE group) as N-Triples terms
serialised and escaped by pyoxigraph: a value never becomes query syntax. Each insert is one
`INSERT {…} WHERE {}` request, which the server applies as one transaction; it returns after the server answered
(durable by the server's own guarantees).
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from .store import Backend, StoreError, Term

TIMEOUT = 60


def _term(value: dict) -> Term:
    kind = value["type"]
    if kind == "uri":
        return NamedNode(value["value"])
    if kind == "bnode":
        return BlankNode("b" + hashlib.sha256(value["value"].encode()).hexdigest()[:32])  # servers' ids vary
    if "xml:lang" in value:
        return Literal(value["value"], language=value["xml:lang"])
    if value.get("datatype"):
        return Literal(value["value"], datatype=NamedNode(value["datatype"]))
    return Literal(value["value"])


def _nt(term: Term) -> str:
    if isinstance(term, BlankNode):
        raise ValueError("blank nodes cannot be bound in a remote query")
    return str(term)


def with_values(query: str, bindings: dict[str, Term] | None) -> str:
    if not bindings:
        return query
    names = list(bindings)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(_nt(bindings[n]) for n in names)}) }} "
    head, sep, rest = query.partition("WHERE {")
    if not sep:
        raise ValueError("a bound query needs a WHERE { … } group")
    return head + sep + " " + block + rest


class SparqlBackend(Backend):
    kind = "sparql"

    def __init__(self, endpoint: str, gsp: str | None = None):
        self.endpoint = endpoint
        parsed = urllib.parse.urlsplit(endpoint)
        self.gsp = gsp or os.environ.get("CARBONCERT_GSP_URL") or urllib.parse.urlunsplit(
            (parsed.scheme, parsed.netloc, "/sparql-graph-crud", "", ""))

    def _post(self, url: str, form: dict, accept: str) -> bytes:
        data = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            raise StoreError(f"the SPARQL server answered {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the SPARQL server {self.endpoint}: {exc}") from None

    def insert(self, quads: list[Quad]) -> None:
        by_graph: dict[str, list[str]] = {}
        for q in quads:
            by_graph.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .")
        body = " ".join(f"GRAPH {g} {{ {' '.join(lines)} }}" for g, lines in by_graph.items())
        # INSERT … WHERE {} rather than INSERT DATA: the template may hold blank nodes (fresh ones, shared
        # within the one request), which some servers (Virtuoso) refuse in INSERT DATA.
        self._post(self.endpoint, {"update": f"INSERT {{ {body} }} WHERE {{ }}"}, "*/*")

    def _query(self, query: str, bindings) -> dict:
        raw = self._post(self.endpoint, {"query": with_values(query, bindings)}, "application/sparql-results+json")
        return json.loads(raw)

    def select(self, query, bindings=None):
        result = self._query(query, bindings)
        return [{k: _term(v) for k, v in row.items()} for row in result["results"]["bindings"]]

    def ask(self, query, bindings=None):
        return bool(self._query(query, bindings)["boolean"])

    def graph(self, name):
        url = self.gsp + "?" + urllib.parse.urlencode({"graph-uri": name.value})
        req = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                data = resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise StoreError(f"the graph store answered {exc.code}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the graph store {self.gsp}: {exc}") from None
        fmt = RdfFormat.N_TRIPLES if data.lstrip()[:1] in (b"<", b"_", b"") else RdfFormat.TURTLE
        return [(q.subject, q.predicate, q.object) for q in parse(data, fmt)]

    def describe(self) -> str:
        return f"sparql:{self.endpoint}"
