"""One validation, end to end: case bytes -> graph -> shapes -> report. Used by the CLI and the API."""

from __future__ import annotations

import gc
import logging
from datetime import date

from . import caseio, engine, ontology, report, rulebooks
from .caseio import CaseError

log = logging.getLogger("carboncert")


def resolve_as_of(explicit: date | None, case: caseio.Case) -> tuple[date, str]:
    """The evaluation date: asked for, else the case's reference date, else today (said in the report)."""
    if explicit is not None:
        return explicit, "asked for"
    if case.reference_date is not None:
        return case.reference_date, "the case's referenceDate"
    return date.today(), "today's date (no as_of asked for and no referenceDate in the case)"


def validate_case(case: caseio.Case, *, scheme: str | None = None, version: str | None = None,
                  as_of: date | None = None, backend: str | None = None, with_graph: bool = False,
                  readings: dict[str, str] | None = None, only_clauses: set[str] | None = None,
                  rules_backend: str | None = None):
    """The report; `readings` picks alternative readings of clauses the rulebook leaves open."""
    rulebook, why, when, source = choose(case, scheme, version, as_of)
    return evaluate(case, rulebook, when, source, why, readings=readings, backend=backend,
                    rules_backend=rules_backend, only_clauses=only_clauses, with_graph=with_graph)


def choose(case: caseio.Case, scheme: str | None = None, version: str | None = None, as_of: date | None = None):
    """(rulebook version, why it applies, as_of, where as_of came from) for a case."""
    scheme = scheme or case.scheme
    if not scheme:
        raise CaseError("the case names no scheme: give \"scheme\" in the case or ask for one", field="scheme")
    if case.scheme and scheme != case.scheme:
        raise CaseError(f"the case is a {case.scheme} case; it cannot be checked against {scheme}", field="scheme")
    when, source = resolve_as_of(as_of, case)
    try:
        rulebook, why = rulebooks.select(scheme, version or case.version, case.reference_date or when)
    except rulebooks.UnknownRulebook as exc:
        raise CaseError(str(exc), field="scheme" if "scheme" in str(exc) else "rulebookVersion") from None
    return rulebook, why, when, source


def evaluate(case: caseio.Case, rulebook: rulebooks.RulebookVersion, as_of: date, as_of_source: str,
             applied_because: str, *, readings: dict[str, str] | None = None, backend: str | None = None,
             rules_backend: str | None = None, only_clauses: set[str] | None = None, with_graph: bool = False):
    """Case -> graph -> rules -> shapes -> report, against a rulebook version already chosen (the
    register replays records through here with the version kept in a snapshot)."""
    try:
        selection = rulebook.selection(readings)
    except KeyError as exc:
        raise CaseError(exc.args[0], field="reading") from None
    graph = engine.prepare(case, as_of, rulebook.calendar_file)
    case_nt = engine.run_rules(graph, rulebook, rules_backend or backend)
    results, shacl_report = engine.run_shapes(graph, rulebook, backend, selection, only_clauses, case_nt)
    built = report.build_report(case, rulebook, results, as_of, as_of_source, applied_because, selection)
    if with_graph:
        return built, report.linked_report_graph(shacl_report(), rulebook)
    return built


def validate_bytes(data: bytes, fmt: str = "json", **kwargs) -> dict:
    return validate_case(caseio.parse_case(data, fmt), **kwargs)


def warm_up() -> list[str]:
    """Load the ontology and every rulebook version and compile their shapes and rules, once, before a
    long-running process (the server) takes requests; the problems found, one line each.

    Then freeze what was loaded out of the garbage collector's sight: the loaded rulebooks are about half a
    million long-lived objects, and every full collection walked them all, which showed as 300-500 ms
    stalls on a few requests in a hundred (benchmarks/bench.py --no-freeze shows the difference). A
    rulebook that fails to load is logged and left for the requests that need it to report."""
    problems = []
    ontology.load()
    for scheme in rulebooks.catalogue():
        try:
            for version in rulebooks.versions(scheme):
                version.compiled(engine.DEFAULT_BACKEND, "rules")
                version.compiled(engine.DEFAULT_BACKEND, "shapes")
        except Exception as exc:  # a broken rulebook must not stop the others from being served
            problems.append(f"{scheme}: {exc}")
            log.error("rulebook %s not loaded at start-up: %s", scheme, exc)
    gc.collect()
    gc.freeze()
    return problems
