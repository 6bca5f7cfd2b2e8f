"""Shapes over a case graph: the SHACL run and its raw results.

Rules (rules/, with the tables of data/tables) run first and add derived facts; then the shapes.
Two engines give the same outcomes: pySHACL, the reference, and pyshacl-turbo (a Rust engine with
pySHACL's API), the default for speed. tests/test_clauses.py compares them on every clause test,
tests/test_engines_agree.py end to end on every example case.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal

from . import calendar, turbo
from .caseio import Case
from .rulebooks import RulebookVersion, ShapesError
from .vocab import CC, SH

BACKENDS = ("turbo", "pyshacl")
DEFAULT_BACKEND = os.environ.get("CARBONCERT_ENGINE", "turbo")
# Threads one case's shapes run on with the default engine (its native code releases the GIL).
SHAPE_THREADS = int(os.environ.get("CARBONCERT_SHAPE_THREADS") or min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class RawResult:
    focus: object
    source_shape: object
    source_constraint: object
    value: object
    path: object
    severity: object


_rdflib_cache_installed = False


def _cache_rdflib_sparql() -> None:
    """Let rdflib parse and translate each SPARQL text once, not once per focus node.

    pySHACL hands rdflib the query text of a constraint for every focus node; parsing dominates
    its run time. Prepared queries are meant to be reused, so caching them keeps results identical.
    """
    global _rdflib_cache_installed
    if _rdflib_cache_installed:
        return
    from functools import lru_cache

    from rdflib.plugins.sparql import processor

    @lru_cache(maxsize=4096)
    def prepared(text: str, base, namespaces):
        return processor.translateQuery(processor.parseQuery(text), base, dict(namespaces) if namespaces else None)

    original = processor.SPARQLProcessor.query

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            strOrQuery = prepared(strOrQuery, base, tuple(sorted(initNs.items())) if initNs else None)
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    _rdflib_cache_installed = True


def prepare(case: Case, as_of: date, calendar_file: Path = calendar.CALENDAR_FILE) -> Graph:
    """The graph the shapes see: the case plus the evaluation date (never the wall clock) and the
    working-day facts of its dates (from the calendar the rulebook version was loaded with)."""
    graph = case.graph
    graph.set((case.node, CC.asOf, Literal(as_of.isoformat(), datatype=XSD.date)))
    calendar.add_calendar_facts(graph, calendar_file)
    return graph


def run_rules(graph: Graph, rulebook: RulebookVersion, backend: str | None = None) -> str | None:
    """Add the facts the rulebook's SHACL-AF rules (rules/, over the tables of data/tables) derive, in place.

    With the default engine, returns the graph (derived facts included) as N-Triples, for run_shapes."""
    backend = backend or DEFAULT_BACKEND
    try:
        if backend == "turbo":
            source = graph.serialize(format="nt")
            if not rulebook.rule_files:
                return source
            added = turbo.expand(rulebook.compiled("turbo", "rules"), source, rulebook.tables_nt)
            graph += turbo.parse_nt(added)
            return source + added
        if not rulebook.rule_files:
            return None
        import pyshacl

        _cache_rdflib_sparql()
        graph += rulebook.tables
        pyshacl.validate(graph, shacl_graph=rulebook.compiled("pyshacl", "rules"), advanced=True,
                         inplace=True, inference="none")
        graph -= rulebook.tables  # the shapes need the derived facts, not the tables they came from
        return None
    except Exception as exc:
        raise ShapesError(f"{rulebook.scheme} {rulebook.version}: the rules could not be run: {exc}") from exc


def run_shapes(graph: Graph, rulebook: RulebookVersion, backend: str | None = None,
               selection: frozenset = frozenset(),
               clauses: set[str] | None = None,
               source: str | None = None) -> tuple[list[RawResult], Callable[[], Graph]]:
    """The results, and a function giving the SHACL validation report graph itself (built on demand:
    only the turtle output needs it).

    `source` is the graph as N-Triples, when run_rules made it (saves serialising it again).
    `clauses` restricts the run to the node shapes naming those clauses (a clause's status depends on
    them only): clause tests use it, above all to afford rdflib's SPARQL in the reference engine."""
    backend = backend or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ValueError(f"unknown engine {backend!r}; choose one of {BACKENDS}")
    try:
        if backend == "turbo":
            compiled = rulebook.compiled("turbo", "shapes", selection)
            source = source or graph.serialize(format="nt")
            only = None if clauses is None else sorted(
                set(turbo.targeted_shapes(compiled)) & {str(n) for n, named in rulebook.node_shape_clauses.items()
                                                         if named & clauses})
            found, _ = turbo.validate(compiled, source, SHAPE_THREADS, only)

            def report_graph() -> Graph:  # only the turtle output wants it: one more, undivided run
                return turbo.parse_nt(turbo.validate_with_report(compiled, source)[1])

            return [RawResult(**{k: r.get(k) for k in _FIELDS}) for r in found], report_graph
        import pyshacl

        _cache_rdflib_sparql()
        shapes = (rulebook.compiled("pyshacl", "shapes", selection) if clauses is None
                  else rulebook.subset_for(clauses, selection))
        _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, advanced=True,
                                        allow_warnings=True, allow_infos=True, inference="none")
    except Exception as exc:  # a shapes graph the engine cannot run is our error
        raise ShapesError(f"{rulebook.scheme} {rulebook.version}: the shapes could not be run: {exc}") from exc
    return _results(report), lambda: report


_FIELDS = ("focus", "source_shape", "source_constraint", "value", "path", "severity")


def _results(report: Graph) -> list[RawResult]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append(RawResult(
            focus=report.value(r, SH.focusNode),
            source_shape=report.value(r, SH.sourceShape),
            source_constraint=report.value(r, SH.sourceConstraint),
            value=report.value(r, SH.value),
            path=report.value(r, SH.resultPath),
            severity=report.value(r, SH.resultSeverity),
        ))
    return out
