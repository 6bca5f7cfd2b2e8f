"""pyshacl-turbo called on N-Triples text: the default engine's fast path.

pyshacl-turbo's public API takes rdflib graphs and returns rdflib graphs. For a case, converting the
case and the rulebook's tables into the engine and the rules' output and the report back into rdflib
cost more than the SHACL run itself (measured on the BCC conformant example: 2 400 triples in and out
per call). Here the case goes in once as N-Triples, the tables' N-Triples are made once per rulebook,
the rules' additions come back as N-Triples text, and the results are read from the report's
N-Triples lines that carry them, without building a report graph.

These are pyshacl-turbo 0.6's native calls (pyproject pins <0.7); tests/test_engines_agree.py and
tests/test_clauses.py compare every outcome with pySHACL, the reference engine.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import StringIO

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.plugins.parsers.ntriples import NTGraphSink, W3CNTriplesParser

from .vocab import SH

# (focus, shape, constraint, value, path, severity) of a result, in the report's predicates
_FIELDS = {
    f"<{SH.focusNode}>": "focus",
    f"<{SH.sourceShape}>": "source_shape",
    f"<{SH.sourceConstraint}>": "source_constraint",
    f"<{SH.value}>": "value",
    f"<{SH.resultPath}>": "path",
    f"<{SH.resultSeverity}>": "severity",
}


def expand(compiled, source: str, tables: str = "") -> str:
    """Run the SHACL-AF rules of `compiled` over `source` + `tables` (N-Triples); the lines they add.

    The engine returns the whole expanded graph. Its lines that are not input lines are the additions:
    the engine writes input triples back as they came (checked against pyshacl-turbo's own
    `additions` on every example: the same lines, 7x faster). Should a triple ever come back written
    differently, it is the same triple parsed again, so nothing is added twice."""
    given = source + tables
    expanded, _warnings = compiled._native.expand(given, "nt", None, False, 100, 15, [], [], False)
    known = set(given.splitlines())
    return "".join(line + "\n" for line in expanded.splitlines() if line not in known)


def validate(compiled, source: str, parts: int = 1, shapes: list[str] | None = None) -> tuple[list[dict], str]:
    """Validate `source` (N-Triples or N-Quads text); the results as dicts of rdflib terms, and the
    report's N-Triples (turned into a graph only when someone asks for it).

    `shapes` limits the run to those shapes (IRIs of shapes with targets). `parts` > 1 splits the
    shapes with targets into that many groups run on as many threads (the engine releases the GIL): a
    case's latency then uses every core. The groups' results are the same results (each shape's results
    depend on that shape only); the report text is then not kept, so ask for one part when the report
    graph is wanted."""
    if shapes is None and parts <= 1:
        report = _run(compiled, source, [])
        return read_results(report), report
    chosen = targeted_shapes(compiled) if shapes is None else sorted(shapes)
    if not chosen:
        return [], ""
    groups = [g for g in (chosen[i::parts] for i in range(max(parts, 1))) if g]
    reports = list(_pool(len(groups)).map(lambda group: _run(compiled, source, group), groups))
    return [r for report in reports for r in read_results(report)], ""


def validate_with_report(compiled, source: str) -> tuple[list[dict], str]:
    report = _run(compiled, source, [])
    return read_results(report), report


def _run(compiled, source: str, shapes: list[str]) -> str:
    _conforms, report, _text, _expanded, _warnings = compiled._native.validate(
        source, "nquads", None, False, 100, 15, False, True, True, False, [], shapes, [])
    return report


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def targeted_shapes(compiled) -> list[str]:
    """Every shape that selects focus nodes itself (a target, or implicitly as a class), sorted."""
    cached = getattr(compiled, "_carboncert_targeted", None)
    if cached is None:
        graph = compiled.graph
        found = {s for t in _TARGETS for s in graph.subjects(t, None)}
        found |= {s for s in graph.subjects(RDF.type, RDFS.Class)
                  if (s, RDF.type, SH.NodeShape) in graph or (s, RDF.type, SH.PropertyShape) in graph}
        cached = sorted(str(s) for s in found if isinstance(s, URIRef))
        if len(cached) != len(found):
            raise ValueError("a shape with a target is a blank node; shapes must be skolemised first")
        compiled._carboncert_targeted = cached
    return cached


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool(size: int) -> ThreadPoolExecutor:
    if size not in _pools:
        _pools[size] = ThreadPoolExecutor(size, thread_name_prefix="carboncert-shapes")
    return _pools[size]


class _ResultSink:
    def __init__(self):
        self.results: dict = {}

    def triple(self, s, p, o):
        field = _FIELDS.get(f"<{p}>")
        if field is not None:
            self.results.setdefault(s, {})[field] = o


def read_results(report_nt: str) -> list[dict]:
    """The results of a report, parsed (rdflib's N-Triples parser) from the lines naming their fields only."""
    wanted = [line for line in report_nt.splitlines() if _predicate(line) in _FIELDS]
    sink = _ResultSink()
    W3CNTriplesParser(sink=sink).parse(StringIO("\n".join(wanted) + "\n"), bnode_context=_SameLabel())
    return [sink.results[k] for k in sorted(sink.results, key=str)]


def _predicate(line: str) -> str:
    parts = line.split(" ", 2)  # subject and predicate never contain spaces in N-Triples
    return parts[1] if len(parts) > 2 else ""


def parse_nt(nt: str) -> Graph:
    """N-Triples from the engine as a graph; blank-node labels kept, so the case's nodes match."""
    graph = Graph()
    W3CNTriplesParser(sink=NTGraphSink(graph)).parse(StringIO(nt), bnode_context=_SameLabel())
    return graph


class _SameLabel(dict):
    """Blank node `_:n3` in engine output is the case's BNode('n3') (case files get fixed labels)."""

    def get(self, key, default=None):  # rdflib's N-Triples parser looks labels up with get()
        return key
