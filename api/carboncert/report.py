"""Raw SHACL results -> the clause-by-clause report (the contract in DESIGN.md).

Status of a clause, in this order:
  failed               a result of a constraint that is not marked missing/not-applicable
  missing_information  a result of a constraint marked cc:missingInformation
  not_applicable       a result of a constraint marked cc:notApplicableWhen
  passed               the clause is encoded and none of the above
  manual_review        the clause is not encoded (checkable "no", a manual-review note, or not yet encoded)
`conforms` is true when no clause of severity "violation" is failed or missing_information.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache

from rdflib import Graph, Literal, URIRef

from . import ENGINE
from .caseio import Case
from .engine import RawResult
from .rulebooks import Annotation, RulebookVersion
from .vocab import CASE_BASE, CC, CODE, SH

STATUSES = ("failed", "missing_information", "passed", "not_applicable", "manual_review")
SEVERITY_RANK = {"violation": 3, "warning": 2, "info": 1}
SH_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


def short(term) -> str:
    """A value as a reviewer reads it: case ids, code names and plain literals."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term)
    text = str(term)
    for base in (CASE_BASE, str(CODE), str(CC)):
        if text.startswith(base):
            return text[len(base):]
    return text


def label_of(graph: Graph, node) -> str:
    """A focus node's name: its name or number, a team member's person and role, or its id."""
    if node is None:
        return ""
    for prop in (CC.name, CC.organisationName, CC.number, CC.title):
        value = graph.value(node, prop)
        if value is not None:
            return str(value)
    person = graph.value(node, CC.assignee)
    if person is not None:
        role = graph.value(node, CC.role)
        name = graph.value(person, CC.name) or short(person)
        return f"{name} ({short(role)})" if role is not None else str(name)
    kind = graph.value(node, CC.kind)
    if kind is not None:
        return short(kind)
    return short(node) if isinstance(node, URIRef) else "(unnamed)"


def _fill(template: str, focus_label: str, value: str) -> str:
    return template.replace("{$this}", focus_label).replace("{?value}", value).replace("{$value}", value)


def _annotation_for(rulebook: RulebookVersion, r: RawResult) -> Annotation | None:
    for node in (r.source_constraint, r.source_shape):
        ann = rulebook.annotations.get(node)
        if ann is not None and ann.clauses:
            return ann
    return None


def build_report(case: Case, rulebook: RulebookVersion, results: list[RawResult], as_of: date,
                 as_of_source: str, applied_because: str, selection: frozenset = frozenset()) -> dict:
    selection = selection or rulebook.selection()
    by_clause: dict[str, dict[str, list]] = {}
    derived = DerivedFacts(case.graph, case.node)
    keys = json_keys(rulebook.ontology_dir)
    for r in results:
        ann = _annotation_for(rulebook, r)
        if ann is None:
            continue
        kind = "not_applicable" if ann.not_applicable else "missing_information" if ann.missing else "failed"
        finding = _finding(case.graph, r, ann, derived, keys)
        for cid in ann.clauses:
            by_clause.setdefault(cid, {}).setdefault(kind, []).append(finding)

    for kinds in by_clause.values():  # a stable order, whatever order the engine reported in
        for kind, found in kinds.items():
            found.sort(key=lambda f: (f["focus"], f["path"], f["values"], f["message"]["en"], f["severity"]))
    entries = []
    for clause in rulebook.clauses:
        enc = rulebook.encoding[clause.id]
        got = by_clause.get(clause.id, {})
        entry = {"clause": clause.id, "status": "", "severity": clause.severity, "category": clause.category,
                 "checkable": clause.checkable, "encoding": enc,
                 "text": {"zh": clause.text_zh, "en": clause.statement_en},
                 "doc": DOCS_URL + clause_page(rulebook.scheme, rulebook.slug, clause.id), "findings": []}
        if enc != "encoded":
            entry["status"] = "manual_review"
            entry["review"] = rulebook.manual_review.get(clause.id) or {"zh": clause.text_zh, "en": clause.statement_en}
        elif got.get("failed"):
            entry["status"] = "failed"
            entry["findings"] = got["failed"] + got.get("missing_information", [])
            worst = max(entry["findings"], key=lambda f: SEVERITY_RANK.get(f["severity"], 0))["severity"]
            entry["severity"] = worst if SEVERITY_RANK[worst] < SEVERITY_RANK.get(clause.severity, 3) else clause.severity
        elif got.get("missing_information"):
            entry["status"] = "missing_information"
            entry["findings"] = got["missing_information"]
        elif got.get("not_applicable"):
            entry["status"] = "not_applicable"
            entry["findings"] = got["not_applicable"][:1]
        else:
            entry["status"] = "passed"
        if enc == "encoded" and clause.id in rulebook.manual_review:
            entry["review"] = rulebook.manual_review[clause.id]
        if clause.id in rulebook.readings:
            entry["reading"] = rulebook.readings[clause.id]
        options = rulebook.reading_options.get(clause.id)
        if options:
            chosen = next(name for cid, name in selection if cid == clause.id)
            entry["reading_option"] = chosen
            entry["reading_options"] = sorted(options)
            if options[chosen]["reading"]:
                entry["reading"] = options[chosen]["reading"]
        entries.append(entry)

    summary = {s: 0 for s in STATUSES}
    for e in entries:
        summary[e["status"]] += 1
    conforms = not any(e["status"] in ("failed", "missing_information") and e["severity"] == "violation"
                       for e in entries)
    return {
        "case": case.case_id,
        "scheme": rulebook.scheme,
        "rulebook": {"doc_no": rulebook.doc_no, "version": rulebook.version,
                     "effective": rulebook.effective.isoformat() if rulebook.effective else None,
                     "title": rulebook.title, "applied_because": applied_because,
                     **({"based_on": rulebook.based_on, "provenance": rulebook.provenance}
                        if rulebook.based_on else {})},
        "as_of": as_of.isoformat(),
        "as_of_source": as_of_source,
        "conforms": conforms,
        "digests": {"case": case.digest, "shapes": rulebook.digest},
        "engine": ENGINE,
        "summary": summary,
        "clauses": entries,
    }


# Where the documentation site (`carboncert docs --out DIR`) is published; reports link each clause to
# its page there. Relative to the site's root unless CARBONCERT_DOCS_URL gives the root's address.
DOCS_URL = os.environ.get("CARBONCERT_DOCS_URL", "").rstrip("/") + ("/" if os.environ.get("CARBONCERT_DOCS_URL") else "")


@lru_cache(maxsize=8192)
def clause_page(scheme: str, slug: str, clause_id: str) -> str:
    from .docs import clause_path

    return clause_path(scheme, slug, clause_id)


def _finding(graph: Graph, r: RawResult, ann: Annotation, derived: DerivedFacts, keys: dict) -> dict:
    focus_label = label_of(graph, r.focus)
    value = short(r.value)
    message = {lang: _fill(text, focus_label, value) for lang, text in ann.message.items()}
    finding = {
        "message": {"zh": message.get("zh", ""), "en": message.get("en", "")},
        "focus": short(r.focus) if isinstance(r.focus, URIRef) else focus_label,
        "focus_label": focus_label,
        "path": _path_key(r.path, keys),
        "values": [value] if r.value is not None else [],
        "derivation": derived.for_finding(r.focus, ann.uses),
        "remedy": {"zh": ann.remedy.get("zh", ""), "en": ann.remedy.get("en", "")},
        "severity": SH_SEVERITY.get(r.severity, "violation"),
    }
    if ann.reading:  # the reading applied, where the rulebook is ambiguous or contradicts itself
        finding["reading"] = {"zh": ann.reading.get("zh", ""), "en": ann.reading.get("en", "")}
    return finding


class DerivedFacts:
    """The facts rules/ derived for a case (cc:derived from a node or the case), indexed once per report."""

    def __init__(self, graph: Graph, case_node=None):
        self.case_node = case_node
        self.by_node: dict = {}
        for node, fact in graph.subject_objects(CC.derived):
            self.by_node.setdefault(node, []).append(fact)
        self.quantity = {fact: str(q) for fact, q in graph.subject_objects(CC.quantity)}
        self.texts: dict = {}
        for fact, lit in graph.subject_objects(CC.derivation):
            if isinstance(lit, Literal):
                self.texts.setdefault(fact, {})[lit.language] = str(lit)

    def for_finding(self, node, uses: tuple[str, ...] = ()) -> list[dict]:
        """How the derived figures a constraint names with cc:uses were derived, in zh and en."""
        if not uses:
            return []
        facts = set(self.by_node.get(node, ())) | set(self.by_node.get(self.case_node, ()))
        out = []
        for fact in sorted((f for f in facts if self.quantity.get(f) in uses), key=str):
            text = self.texts.get(fact)
            if text:
                out.append({"zh": text.get("zh", ""), "en": text.get("en", "")})
        return out


def _path_key(path, keys: dict) -> str:
    """sh:resultPath as the JSON key a case author knows."""
    if path is None:
        return ""
    return keys.get(path, short(path))


@lru_cache(maxsize=None)
def json_keys(ontology_dir) -> dict:
    """predicate -> JSON key, built once per process and ontology folder."""
    from . import ontology

    return {term.predicate: term.key for term in ontology.load(ontology_dir).terms.values()}


def linked_report_graph(shacl_report: Graph, rulebook: RulebookVersion) -> Graph:
    """The SHACL validation report with each result linked to the clause(s) it is about."""
    from rdflib import RDF

    from .inventory import clause_iri

    out = Graph()
    out += shacl_report
    out.bind("sh", SH)
    out.bind("cc", CC)
    for r in shacl_report.subjects(RDF.type, SH.ValidationResult):
        for node in (shacl_report.value(r, SH.sourceConstraint), shacl_report.value(r, SH.sourceShape)):
            ann = rulebook.annotations.get(node)
            if ann is not None and ann.clauses:
                for cid in ann.clauses:
                    out.add((r, CC.clause, clause_iri(rulebook.scheme, rulebook.version or None, cid)))
                break
    return out
