"""`carboncert diff SCHEME FROM TO [--cases DIR]`: what changed between two versions of a rulebook.

Clauses added, removed and changed, a change being one or more of
  text      the Chinese text or the English statement differs (other metadata fields are listed too);
  shapes    the shapes, constraints and notes naming the clause differ: each version's subgraph of the
            nodes naming the clause (a node shape's property shapes and constraints for other clauses
            left out) is compared in canonical form (rdflib.compare), after the version-specific IRIs
            (skolemised shape IRIs, the version's shapes namespace and rulebook IRIs, file IRIs) are
            normalised, so copying a version folder changes nothing;
  encoding  encoded / manual_review / not_encoded differs.
Then the rules (rules/) and tables (data/tables/) that derive the figures clauses compare against: rules
added, removed and changed (each rule-bearing shape's subgraph compared as above), and table rows added,
removed and changed with the cells that differ (e.g. an Annex B cell's manDays 9.5 → 10), the rows and
rules named by their IRIs with the version part left out.
With a folder of cases, every case (*.json, recursively) is validated under both versions and each case
whose clause outcomes differ is listed with the clauses responsible (status FROM → TO; `null` / "(absent)"
where the clause is not in that version).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from . import caseio, rulebooks, service
from .caseio import CaseError
from .vocab import CC, RULEBOOK, SH

FIELDS = (("text_zh", "text"), ("statement_en", "text"), ("category", "category"), ("checkable", "checkable"),
          ("severity", "severity"), ("applies_when", "applies_when"), ("check", "check"), ("notes", "notes"))


class UsageError(Exception):
    """Unknown scheme or version, a missing folder: exit 2 with the message."""


def label(v: rulebooks.RulebookVersion) -> str:
    return v.version or v.slug


def resolve(scheme: str, name: str) -> rulebooks.RulebookVersion:
    """A version by the name `carboncert rulebooks` prints (the version, or "(unnumbered)") or its folder slug."""
    try:
        candidates = rulebooks.versions(scheme)
    except rulebooks.UnknownRulebook as exc:
        raise UsageError(str(exc)) from None
    for v in candidates:
        if name in (v.version, v.slug) and name:
            return v
    unnumbered = [v for v in candidates if not v.version]
    if name == "(unnumbered)" and len(unnumbered) == 1:
        return unnumbered[0]
    known = ", ".join(f"{label(v)}" + (f" (folder {v.slug})" if v.version and v.version != v.slug else "")
                      for v in candidates)
    raise UsageError(f"{scheme} has no version {name!r}; known: {known}")


# ------------------------------------------------------------------------------------------ shapes

def _normaliser(v: rulebooks.RulebookVersion):
    skolem = f"urn:carboncert:shape:{v.scheme}:{v.slug}:"
    shapes_ns = re.compile(r"^https://w3id\.org/carboncert/shapes/" + re.escape(v.scheme) + r"/[^/#]*")
    rulebook_ns = re.compile("^" + re.escape(RULEBOOK + v.scheme + "/") + r"[^/#]*")
    try:
        folder_uri = v.folder.as_uri()  # the base the loader parsed the version's files with
    except ValueError:
        folder_uri = v.folder.absolute().as_uri()

    def norm(term):
        if isinstance(term, URIRef):
            text = str(term)
            if text.startswith(skolem):
                return BNode("sk" + re.sub(r"\W", "_", text[len(skolem):]))
            if text.startswith(folder_uri):
                return URIRef("urn:carboncert:version-folder" + text[len(folder_uri):])
            text = shapes_ns.sub(f"https://w3id.org/carboncert/shapes/{v.scheme}/~", text)
            text = rulebook_ns.sub(f"{RULEBOOK}{v.scheme}/~", text)
            return URIRef(text)
        return term

    return norm


def clause_nodes(v: rulebooks.RulebookVersion) -> dict[str, set]:
    """clause id -> the shapes, constraints and notes naming it (directly or inherited)."""
    out: dict[str, set] = {}
    for node, ann in v.annotations.items():
        for cid in ann.clauses:
            out.setdefault(cid, set()).add(node)
    for node, cid in v.shapes.subject_objects(CC.clauseId):  # manual-review notes and deferrals too
        out.setdefault(str(cid), set()).add(node)
    return out


def _closure_form(graph: Graph, starts, norm, leave_out=lambda p, o: False) -> tuple[str, ...]:
    """Canonical sorted N-Triples of what hangs off `starts` (the nodes described in the graph that they
    reach), each term passed through `norm`, the edges `leave_out(p, o)` says so left out."""
    sub, seen, stack = Graph(), set(), sorted(starts, key=str)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            if leave_out(p, o):
                continue
            sub.add((norm(node), p, norm(o)))
            if not isinstance(o, Literal) and (o, None, None) in graph:
                stack.append(o)
    return tuple(sorted(line for line in to_canonical_graph(sub).serialize(format="nt").splitlines() if line.strip()))


def shape_forms(v: rulebooks.RulebookVersion) -> dict[str, tuple[int, tuple[str, ...]]]:
    """clause id -> (number of nodes naming it, canonical sorted N-Triples of their subgraph)."""
    norm = _normaliser(v)

    def other_clause(cid):
        def leave_out(p, o) -> bool:
            if p == CC.clause:  # added by the loader, names the version
                return True
            ann = v.annotations.get(o) if p in (SH.property, SH.sparql) else None
            return ann is not None and cid not in ann.clauses  # a part of the shape checking another clause
        return leave_out

    return {cid: (len(nodes), _closure_form(v.shapes, nodes, norm, other_clause(cid)))
            for cid, nodes in clause_nodes(v).items()}


# ------------------------------------------------------------------------------------------ rules and tables

_DERIVED_NS = re.compile(r"^(https://w3id\.org/carboncert/(?:rules|tables)/[^/#]+)/[^/#]*")


def _derived_name(term) -> str:
    """A rule's or table row's IRI without its version folder: `tables/bcc-cams/~/annex-b/le15-low-initial`."""
    text = _DERIVED_NS.sub(r"\1/~", str(term))
    return text.split("https://w3id.org/carboncert/", 1)[-1]


def _rule_forms(v: rulebooks.RulebookVersion) -> dict[str, tuple[str, ...]]:
    """rule-bearing shape (named without its version) -> canonical form of the shape and its rules."""
    def norm(term):
        return URIRef("urn:carboncert:" + _derived_name(term)) if isinstance(term, URIRef) else term

    shapes = {s for s in v.rules.subjects(SH.rule, None) if isinstance(s, URIRef)}
    return {_derived_name(s): _closure_form(v.rules, [s], norm) for s in shapes}


def _cell(term) -> str:
    """A table's property or value as a maintainer reads it: a row by its name, another IRI by its last part."""
    if not isinstance(term, URIRef):
        return str(term)
    if "/carboncert/tables/" in str(term):
        return _derived_name(term)
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _table_rows(v: rulebooks.RulebookVersion) -> dict[str, dict[str, list[str]]]:
    """table row (named without its version) -> property -> its values, as text."""
    rows: dict[str, dict[str, list[str]]] = {}
    for s, p, o in v.tables:
        cells = rows.setdefault(_derived_name(s) if isinstance(s, URIRef) else f"_:{s}", {})
        cells.setdefault(_cell(p), []).append(_cell(o))
    return {row: {p: sorted(values) for p, values in cells.items()} for row, cells in rows.items()}


def compare_derivations(a: rulebooks.RulebookVersion, b: rulebooks.RulebookVersion) -> dict:
    """Rules and table rows added, removed and changed from version a to version b."""
    ra, rb = _rule_forms(a), _rule_forms(b)
    ta, tb = _table_rows(a), _table_rows(b)
    changed_rows = []
    for row in sorted(set(ta) & set(tb)):
        cells = {p: {"from": ta[row].get(p, []), "to": tb[row].get(p, [])}
                 for p in sorted(set(ta[row]) | set(tb[row])) if ta[row].get(p) != tb[row].get(p)}
        if cells:
            changed_rows.append({"row": row, "cells": cells})
    return {
        "rules": {"added": sorted(set(rb) - set(ra)), "removed": sorted(set(ra) - set(rb)),
                  "changed": sorted(r for r in set(ra) & set(rb) if ra[r] != rb[r])},
        "tables": {"added": sorted(set(tb) - set(ta)), "removed": sorted(set(ta) - set(tb)), "changed": changed_rows},
    }


# ------------------------------------------------------------------------------------------ clauses

def compare(a: rulebooks.RulebookVersion, b: rulebooks.RulebookVersion) -> dict:
    """Clauses added, removed and changed from version a to version b."""
    ca, cb = a.clause_by_id, b.clause_by_id
    fa, fb = shape_forms(a), shape_forms(b)
    added = [{"clause": c.id, "category": c.category, "encoding": b.encoding[c.id], "text": {
        "zh": c.text_zh, "en": c.statement_en}} for c in b.clauses if c.id not in ca]
    removed = [{"clause": c.id, "category": c.category, "encoding": a.encoding[c.id], "text": {
        "zh": c.text_zh, "en": c.statement_en}} for c in a.clauses if c.id not in cb]
    changed = []
    unchanged = 0
    for c in b.clauses:
        old = ca.get(c.id)
        if old is None:
            continue
        kinds: list[str] = []
        entry: dict = {"clause": c.id, "changes": kinds}
        fields = [name for name, _ in FIELDS if getattr(old, name) != getattr(c, name)]
        if "text_zh" in fields or "statement_en" in fields:
            kinds.append("text")
            entry["text"] = {}
            if old.text_zh != c.text_zh:
                entry["text"]["zh"] = {"from": old.text_zh, "to": c.text_zh}
            if old.statement_en != c.statement_en:
                entry["text"]["en"] = {"from": old.statement_en, "to": c.statement_en}
        other = [name for name in fields if name not in ("text_zh", "statement_en")]
        if other:
            kinds.append("metadata")
            entry["metadata"] = {name: {"from": getattr(old, name), "to": getattr(c, name)} for name in other}
        sa, sb = fa.get(c.id, (0, ())), fb.get(c.id, (0, ()))
        if sa[1] != sb[1]:
            kinds.append("shapes")
            entry["shapes"] = {"from": sa[0], "to": sb[0]}
        if a.encoding[c.id] != b.encoding[c.id]:
            kinds.append("encoding")
            entry["encoding"] = {"from": a.encoding[c.id], "to": b.encoding[c.id]}
        if kinds:
            changed.append(entry)
        else:
            unchanged += 1
    derived = compare_derivations(a, b)
    return {"added": added, "removed": removed, "changed": changed, **derived,
            "summary": {"added": len(added), "removed": len(removed), "changed": len(changed),
                        "unchanged": unchanged,
                        "rules": {k: len(v) for k, v in derived["rules"].items()},
                        "table_rows": {k: len(v) for k, v in derived["tables"].items()}}}


# ------------------------------------------------------------------------------------------ cases

class _Progress:
    """A \\r-updated line on stderr, only when stderr is a terminal and there are more than a few cases."""

    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.on = total > 3 and getattr(self.stream, "isatty", lambda: False)()
        self.total = total
        self.width = 0

    def update(self, done: int, name: str) -> None:
        if self.on:
            line = f"validating cases {done}/{self.total} {name[-50:]}"
            self.stream.write("\r" + line.ljust(self.width))
            self.width = max(self.width, len(line))
            self.stream.flush()

    def close(self) -> None:
        if self.on and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _statuses(report: dict) -> dict[str, str]:
    return {c["clause"]: c["status"] for c in report["clauses"]}


def folder_cases(folder: Path) -> list[tuple[str, Callable[[], bytes]]]:
    """Every case file (*.json, recursively) under a folder, as (name, reader)."""
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    return [(p.relative_to(folder).as_posix(), p.read_bytes) for p in sorted(folder.rglob("*.json")) if p.is_file()]


def register_cases(tenant: str) -> list[tuple[str, Callable[[], bytes]]]:
    """The latest version of every case of a tenant in the register (CARBONCERT_STORE)."""
    from . import register
    from .register.store import StoreError

    try:
        reg = register.get()
        ids = reg.case_ids(tenant)
    except StoreError as exc:
        raise UsageError(str(exc)) from None

    def reader(cid: str) -> Callable[[], bytes]:
        return lambda: reg.case(tenant, cid)["content"]

    return [(f"{cid} (register, tenant {tenant})", reader(cid)) for cid in ids]


def compare_cases(a: rulebooks.RulebookVersion, b: rulebooks.RulebookVersion,
                  cases: list[tuple[str, Callable[[], bytes]]], where: str, progress_stream=None) -> dict:
    """Validate every case under both versions; the cases whose clause outcomes change."""
    changed, skipped, others = [], [], []
    same = 0
    order = {c.id: i for i, c in enumerate(b.clauses)}
    order.update({c.id: len(order) + i for i, c in enumerate(a.clauses) if c.id not in order})
    progress = _Progress(len(cases), progress_stream)
    try:
        for i, (rel, read) in enumerate(cases, 1):
            progress.update(i, rel)
            try:
                data = read()
                scheme = caseio.parse_case(data).scheme
                if scheme and scheme != a.scheme:
                    others.append(rel)
                    continue
                ra = service.validate_bytes(data, scheme=a.scheme, version=a.slug)
                rb = service.validate_bytes(data, scheme=b.scheme, version=b.slug)
            except CaseError as exc:
                where_in = f" (line {exc.line}, column {exc.column})" if exc.line is not None else ""
                skipped.append({"file": rel, "reason": exc.message + where_in})
                continue
            except OSError as exc:
                skipped.append({"file": rel, "reason": f"cannot read: {exc.strerror}"})
                continue
            sa, sb = _statuses(ra), _statuses(rb)
            diffs = [{"clause": cid, "from": sa.get(cid), "to": sb.get(cid)}
                     for cid in sorted(set(sa) | set(sb), key=lambda c: (order.get(c, len(order)), c))
                     if sa.get(cid) != sb.get(cid)]
            if diffs or ra["conforms"] != rb["conforms"]:
                changed.append({"file": rel, "case": rb.get("case") or ra.get("case"),
                                "conforms": {"from": ra["conforms"], "to": rb["conforms"]}, "clauses": diffs})
            else:
                same += 1
    finally:
        progress.close()
    return {"folder": where, "checked": len(cases) - len(skipped) - len(others), "unchanged": same,
            "changed": changed, "skipped": skipped, "other_schemes": others}


# ------------------------------------------------------------------------------------------ report

def _version_info(v: rulebooks.RulebookVersion) -> dict:
    return {"version": label(v), "slug": v.slug, "doc_no": v.doc_no,
            "effective": v.effective.isoformat() if v.effective else None, "shapes_digest": v.digest}


def diff(scheme: str, from_name: str, to_name: str, cases: Path | None = None, progress_stream=None,
         register_tenant: str | None = None) -> dict:
    """Clauses added, removed and changed; with a folder of cases (or a tenant's cases in the register),
    the cases whose outcomes change."""
    a, b = resolve(scheme, from_name), resolve(scheme, to_name)
    sources = folder_cases(cases) if cases is not None else None
    if register_tenant is not None:
        sources = (sources or []) + register_cases(register_tenant)
    where = " + ".join(w for w in (str(cases) if cases is not None else "",
                                   f"register (tenant {register_tenant})" if register_tenant is not None else "") if w)
    out = {"scheme": scheme, "from": _version_info(a), "to": _version_info(b)}
    out.update(compare(a, b))
    out["cases"] = compare_cases(a, b, sources, where, progress_stream) if sources is not None else None
    return out


def _status(s) -> str:
    return s if s is not None else "(absent)"


def _short(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_text(d: dict) -> str:
    f, t, s = d["from"], d["to"], d["summary"]
    lines = [f"{d['scheme']} {f['version']} → {t['version']}  (effective {f['effective'] or '—'} → "
             f"{t['effective'] or '—'})",
             f"clauses: {s['added']} added, {s['removed']} removed, {s['changed']} changed, "
             f"{s['unchanged']} unchanged"]
    if d["added"]:
        lines.append("")
        lines.append("added:")
        lines += [f"  + {c['clause']:<20} {c['category']:<22} {c['encoding']:<14} {_short(c['text']['en'])}"
                  for c in d["added"]]
    if d["removed"]:
        lines.append("")
        lines.append("removed:")
        lines += [f"  - {c['clause']:<20} {c['category']:<22} {c['encoding']:<14} {_short(c['text']['en'])}"
                  for c in d["removed"]]
    if d["changed"]:
        lines.append("")
        lines.append("changed:")
        for c in d["changed"]:
            lines.append(f"  ~ {c['clause']:<20} {', '.join(c['changes'])}")
            for lang, change in c.get("text", {}).items():
                lines.append(f"      text {lang}: {_short(change['from'], 80)}")
                lines.append(f"           → {_short(change['to'], 80)}")
            for name, change in c.get("metadata", {}).items():
                lines.append(f"      {name}: {_short(change['from'], 60)} → {_short(change['to'], 60)}")
            if "shapes" in c:
                lines.append(f"      shapes: {c['shapes']['from']} → {c['shapes']['to']} shape(s)/constraint(s) "
                             "naming it, content differs")
            if "encoding" in c:
                lines.append(f"      encoding: {c['encoding']['from']} → {c['encoding']['to']}")
    r, tr = s["rules"], s["table_rows"]
    lines.append("")
    lines.append(f"rules: {r['added']} added, {r['removed']} removed, {r['changed']} changed; "
                 f"table rows: {tr['added']} added, {tr['removed']} removed, {tr['changed']} changed")
    for sign, key in (("+", "added"), ("-", "removed"), ("~", "changed")):
        lines += [f"  {sign} rule {name}" for name in d["rules"][key]]
    for sign, key in (("+", "added"), ("-", "removed")):
        lines += [f"  {sign} row {row}" for row in d["tables"][key]]
    for row in d["tables"]["changed"]:
        lines.append(f"  ~ row {row['row']}")
        for prop, change in row["cells"].items():
            lines.append(f"      {prop}: {', '.join(change['from']) or '(none)'} → {', '.join(change['to']) or '(none)'}")
    cases = d.get("cases")
    if cases is not None:
        lines.append("")
        lines.append(f"cases in {cases['folder']}: {cases['checked']} checked, {len(cases['changed'])} with changed "
                     f"outcomes, {cases['unchanged']} unchanged, {len(cases['skipped'])} skipped"
                     + (f", {len(cases['other_schemes'])} of other schemes left out" if cases["other_schemes"] else ""))
        for c in cases["changed"]:
            conf = c["conforms"]
            yes = {True: "yes", False: "no"}
            verdict = (f"conforms {yes[conf['from']]} → {yes[conf['to']]}" if conf["from"] != conf["to"]
                       else f"conforms {yes[conf['to']]} (unchanged)")
            lines.append(f"  {c['file']} ({c['case']}): {verdict}")
            for x in c["clauses"]:
                lines.append(f"      {x['clause']:<20} {_status(x['from'])} → {_status(x['to'])}")
        for sk in cases["skipped"]:
            lines.append(f"  skipped {sk['file']}: {sk['reason']}")
    return "\n".join(lines) + "\n"
