"""The explanation an appeals officer reads for one clause of one validation record.

What the clause says (zh/en), which rulebook version applied and why, the evaluation date, the outcome
and its findings, the facts consulted — each with the case version it was read from, who submitted that
version and when, and the earliest version of the case from which the same fact stood unchanged —, the
derivation of derived figures and the remedy.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from ..vocab import CASE_BASE, CODE
from .core import NotFound, Register, version_iri


def _where(reg: Register, tenant: str, cid: str, n: int, focus: str, value: str) -> list[dict]:
    """Where a value stands in the case as submitted in version n: [{"node", "property"}], the focus first."""
    rows = reg.backend.select(
        "SELECT ?s ?p WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STR(?o) = ?v || STR(?o) = ?cv || STR(?o) = ?iv) } LIMIT 20",
        {"g": version_iri(tenant, cid, n), "v": Literal(value), "cv": Literal(str(CODE) + value),
         "iv": Literal(CASE_BASE + value)})
    out = []
    for r in rows:
        node = r["s"].value if isinstance(r["s"], NamedNode) else "(unnamed)"
        item = {"node": node[len(CASE_BASE):] if node.startswith(CASE_BASE) else node,
                "property": r["p"].value.rsplit("#", 1)[-1]}
        if item not in out:
            out.append(item)
    return sorted(out, key=lambda i: (i["node"] != focus, i["node"], i["property"]))


def _first_seen(reg: Register, tenant: str, cid: str, upto: int, focus: str, value: str) -> tuple[int | None, list]:
    """The earliest version from which every version up to `upto` holds the value at the same places."""
    where = _where(reg, tenant, cid, upto, focus, value)
    if not where:
        return None, []
    first = upto
    for n in range(upto - 1, 0, -1):
        if _where(reg, tenant, cid, n, focus, value) != where:
            break
        first = n
    return first, where


def explain(reg: Register, tenant: str, cid: str, vid: str, clause: str) -> dict:
    rec = reg.record(tenant, cid, vid)
    report = rec["report"]
    entry = next((e for e in report["clauses"] if e["clause"] == clause), None)
    if entry is None:
        raise NotFound(f"the rulebook applied in validation {vid!r} ({rec['rulebook']['scheme']} "
                       f"{rec['rulebook']['version']}) has no clause {clause!r}")
    versions = {v["version"]: v for v in reg.versions(tenant, cid)}
    source = versions[rec["case_version"]]

    def who(n):
        v = versions.get(n)
        return None if v is None else {"version": n, "submitted_by": v["submitted_by"], "submitted_at": v["submitted_at"]}

    facts = []
    for f in entry.get("findings", []):
        fact = {"focus": f["focus"], "focus_label": f["focus_label"], "path": f["path"], "values": f["values"],
                "read_from": who(rec["case_version"])}
        if f["values"] and f["focus"]:
            seen = [_first_seen(reg, tenant, cid, rec["case_version"], f["focus"], v) for v in f["values"]]
            if all(first for first, _ in seen):
                fact["found_at"] = [w for _, where in seen for w in where]
                fact["unchanged_since"] = who(max(first for first, _ in seen))
            else:
                fact["derived"] = True  # not in the submitted facts: derived by the rules (see derivation)
        else:
            fact["absent"] = True  # a fact the clause needs that the case does not give
        facts.append(fact)
    derivation = [d for f in entry.get("findings", []) for d in f.get("derivation", [])]
    remedies = []
    for f in entry.get("findings", []):
        if f.get("remedy") and any(f["remedy"].values()) and f["remedy"] not in remedies:
            remedies.append(f["remedy"])
    rb = report["rulebook"]
    return {
        "case": cid, "validation": vid, "case_version": rec["case_version"], "case_digest": rec["case_digest"],
        "submitted_by": source["submitted_by"], "submitted_at": source["submitted_at"],
        "clause": clause, "status": entry["status"], "severity": entry["severity"], "category": entry["category"],
        "encoding": entry["encoding"], "text": entry["text"],
        "rulebook": {"scheme": report["scheme"], "version": rb["version"], "doc_no": rb["doc_no"],
                     "effective": rb["effective"], "title": rb.get("title"), "applied_because": rb["applied_because"],
                     "shapes_digest": rec["rulebook"]["shapes_digest"], "snapshot": rec["rulebook"]["snapshot"]},
        "as_of": rec["as_of"], "as_of_source": rec["as_of_source"], "engine": rec["engine"],
        "validated_at": rec["validated_at"], "validated_by": rec["validated_by"],
        "reading": entry.get("reading"), "review": entry.get("review"),
        "facts": facts, "derivation": derivation, "remedy": remedies, "findings": entry.get("findings", []),
    }
