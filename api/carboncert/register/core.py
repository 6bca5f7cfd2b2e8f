"""The case register: case versions, validation records, replays, what-if and same-outcome queries.

Layout in the store (IRIs under https://w3id.org/carboncert/register/, vocabulary REG = …/register#,
PROV-O for provenance):
  <T/case/C>                      reg:Case; reg:tenant "T"; reg:caseId "C"          (graph …/meta)
  <T/case/C/v/N>                  reg:CaseVersion, prov:Entity; reg:case <T/case/C>; reg:versionNumber N;
                                  reg:digest "sha256:…"; reg:mediaType; reg:submitted "<the bytes, as sent>";
                                  prov:generatedAtTime; prov:wasAttributedTo <T/key/K>;
                                  prov:wasRevisionOf <T/case/C/v/N-1>                (graph …/meta)
  graph <T/case/C/v/N>            the case's triples as read (one named graph per version)
  <T/case/C/validation/V>         reg:ValidationRecord, prov:Entity; prov:used <…/v/N>; reg:caseDigest;
                                  reg:scheme; reg:rulebookVersion; reg:rulebookFolder; reg:shapesDigest;
                                  reg:snapshot "sha256:…"; reg:engine; reg:asOf; reg:asOfSource;
                                  reg:appliedBecause; reg:readings (JSON); reg:report (the full report JSON);
                                  prov:generatedAtTime; prov:wasAttributedTo; reg:outcome [reg:clause;
                                  reg:status] per decided clause                      (graph …/meta)
T (tenant) and C (case id) are percent-encoded in IRIs and also kept as literals, which every query
binds: a tenant never reaches another tenant's nodes. Nothing is ever updated or deleted.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from .. import ENGINE, caseio, rulebooks
from ..caseio import CaseError
from ..clausetests import PatchError, apply_patch
from . import records, snapshots
from .audit import AuditLog
from .store import Backend, OxigraphBackend
from .tenants import BASE, PROV, RDF_TYPE, REG, Keys, Principal, reg

META = NamedNode(BASE + "meta")
XSD = "http://www.w3.org/2001/XMLSchema#"
CASE_ID_MAX = 200
DEFAULT_STORE = ".carboncert/store"


class NotFound(LookupError):
    pass


def _dt(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="microseconds"), datatype=NamedNode(XSD + "dateTime"))


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))


def _q(text: str) -> str:
    return quote(text, safe="")


def case_iri(tenant: str, case_id: str) -> NamedNode:
    return NamedNode(f"{BASE}{_q(tenant)}/case/{_q(case_id)}")


def version_iri(tenant: str, case_id: str, n: int) -> NamedNode:
    return NamedNode(f"{case_iri(tenant, case_id).value}/v/{n}")


def record_iri(tenant: str, case_id: str, vid: str) -> NamedNode:
    return NamedNode(f"{case_iri(tenant, case_id).value}/validation/{_q(vid)}")


P = f"PREFIX reg: <{REG}> PREFIX prov: <{PROV}> "
G = f"GRAPH <{META.value}>"


def open_backend(location: str | None = None) -> tuple[Backend, Path]:
    """The backend CARBONCERT_STORE names, and the local folder for snapshots and the audit log."""
    location = location or os.environ.get("CARBONCERT_STORE") or DEFAULT_STORE
    if location.startswith(("sparql+http://", "sparql+https://")):
        from .remote import SparqlBackend

        state = Path(os.environ.get("CARBONCERT_STATE") or ".carboncert/state")
        return SparqlBackend(location[len("sparql+"):]), state
    folder = Path(location)
    return OxigraphBackend(folder / "oxigraph"), folder


class Register:
    def __init__(self, backend: Backend, state: Path, limiter: records.Limiter | None = None):
        self.backend = backend
        self.state = state
        self.snapshots = state / "snapshots"
        self.audit = AuditLog(Path(os.environ.get("CARBONCERT_AUDIT_LOG") or state / "audit.log"))
        self.keys = Keys(backend)
        self.limit = limiter or records.Limiter()
        self._write = threading.Lock()

    @classmethod
    def open(cls, location: str | None = None, **kw) -> "Register":
        backend, state = open_backend(location)
        return cls(backend, state, **kw)

    # ----- case versions -------------------------------------------------------------------------

    def submit(self, who: Principal, data: bytes, fmt: str = "json", media_type: str = "application/json") -> dict:
        """Store the case as a new version (never overwriting); {"id", "version", "digest"}."""
        case = caseio.parse_case(data, fmt)  # refuses malformed, oversized and unknown input first
        cid = case.case_id
        if "/" in cid or len(cid) > CASE_ID_MAX or not cid.isprintable() or not cid.strip():
            raise CaseError(f"the case id {cid[:80]!r} cannot name a register entry: give the case an \"id\" "
                            f"of at most {CASE_ID_MAX} printable characters without '/'", field="id")
        triples = list(parse(case.graph.serialize(format="nt"), RdfFormat.N_TRIPLES))
        text = data.decode("utf-8")
        t = who.tenant
        c_node = case_iri(t, cid)
        with self._write:
            latest = self._latest(t, cid)
            n = (latest or 0) + 1
            v_node = version_iri(t, cid, n)
            now = datetime.now(timezone.utc)
            m = META
            quads = [Quad(q.subject, q.predicate, q.object, v_node) for q in triples]
            quads += [
                Quad(c_node, RDF_TYPE, reg("Case"), m), Quad(c_node, reg("tenant"), Literal(t), m),
                Quad(c_node, reg("caseId"), Literal(cid), m),
                Quad(v_node, RDF_TYPE, reg("CaseVersion"), m), Quad(v_node, RDF_TYPE, NamedNode(PROV + "Entity"), m),
                Quad(v_node, reg("case"), c_node, m), Quad(v_node, reg("tenant"), Literal(t), m),
                Quad(v_node, reg("versionNumber"), _int(n), m), Quad(v_node, reg("digest"), Literal(case.digest), m),
                Quad(v_node, reg("mediaType"), Literal(media_type), m), Quad(v_node, reg("submitted"), Literal(text), m),
                Quad(v_node, reg("triples"), _int(len(triples)), m),
                Quad(v_node, NamedNode(PROV + "generatedAtTime"), _dt(now), m),
                Quad(v_node, NamedNode(PROV + "wasAttributedTo"), who.agent, m),
                Quad(who.agent, reg("role"), Literal(who.role), m),
            ]
            if case.scheme:
                quads.append(Quad(v_node, reg("scheme"), Literal(case.scheme), m))
            if latest:
                quads.append(Quad(v_node, NamedNode(PROV + "wasRevisionOf"), version_iri(t, cid, latest), m))
            self.backend.insert(quads)
        return {"id": cid, "version": n, "digest": case.digest}

    def _latest(self, tenant: str, cid: str) -> int | None:
        rows = self.backend.select(
            P + f"SELECT (MAX(?n) AS ?max) WHERE {{ {G} {{ ?v reg:case ?c ; reg:tenant ?t ; reg:versionNumber ?n }} }} GROUP BY ?c ?t",
            {"c": case_iri(tenant, cid), "t": Literal(tenant)})
        return int(rows[0]["max"].value) if rows and "max" in rows[0] else None

    def versions(self, tenant: str, cid: str) -> list[dict]:
        rows = self.backend.select(
            P + f"SELECT ?v ?n ?digest ?time ?agent ?role ?media ?prev ?scheme WHERE {{ {G} {{ ?v reg:case ?c ; "
            "reg:tenant ?t ; reg:versionNumber ?n ; reg:digest ?digest ; prov:generatedAtTime ?time ; "
            "prov:wasAttributedTo ?agent ; reg:mediaType ?media . OPTIONAL { ?agent reg:role ?role } "
            "OPTIONAL { ?v prov:wasRevisionOf ?prev } OPTIONAL { ?v reg:scheme ?scheme } } } ORDER BY ?n",
            {"c": case_iri(tenant, cid), "t": Literal(tenant)})
        if not rows:
            raise NotFound(f"no case {cid!r}")
        out, seen = [], set()
        for r in rows:
            n = int(r["n"].value)
            if n in seen:
                continue
            seen.add(n)
            out.append({"version": n, "iri": r["v"].value, "digest": r["digest"].value,
                        "submitted_at": r["time"].value, "submitted_by": _agent(r["agent"].value, r.get("role")),
                        "media_type": r["media"].value, "scheme": r["scheme"].value if "scheme" in r else None,
                        "revision_of": int(r["prev"].value.rsplit("/", 1)[1]) if "prev" in r else None})
        return out

    def case(self, tenant: str, cid: str, version: int | None = None) -> dict:
        """A stored version (the latest unless asked) with the exact bytes submitted."""
        versions = self.versions(tenant, cid)
        meta = versions[-1] if version is None else next((v for v in versions if v["version"] == version), None)
        if meta is None:
            raise NotFound(f"case {cid!r} has no version {version}")
        rows = self.backend.select(P + f"SELECT ?text WHERE {{ {G} {{ ?v reg:submitted ?text ; reg:tenant ?t }} }}",
                                   {"v": NamedNode(meta["iri"]), "t": Literal(tenant)})
        return {"id": cid, **meta, "versions": len(versions), "content": rows[0]["text"].value.encode("utf-8")}

    def case_triples(self, tenant: str, cid: str, version: int) -> list:
        self.case(tenant, cid, version)  # 404 unless the tenant's
        return self.backend.graph(version_iri(tenant, cid, version))

    def case_ids(self, tenant: str) -> list[str]:
        rows = self.backend.select(P + f"SELECT DISTINCT ?id WHERE {{ {G} {{ ?c a reg:Case ; reg:tenant ?t ; "
                                   "reg:caseId ?id } } ORDER BY ?id", {"t": Literal(tenant)})
        return [r["id"].value for r in rows]

    # ----- validation records --------------------------------------------------------------------

    def _parsed(self, stored: dict, ontology_dir=None) -> caseio.Case:
        """The stored bytes read again: under the live ontology, or a snapshot's (`ontology_dir`)."""
        return caseio.parse_case(stored["content"], caseio.media_format(stored["media_type"]), ontology_dir)

    def validate(self, who: Principal, cid: str, version: int | None = None, *, as_of: date | None = None,
                 rulebook_version: str | None = None, readings: dict[str, str] | None = None) -> dict:
        """Validate a stored version (the latest unless asked) and store the record; the record."""
        stored = self.case(who.tenant, cid, version)
        case = self._parsed(stored)
        live, why, when, source = records.choose(case, rulebook_version, as_of)
        digest, folder = snapshots.take(live.folder, self.snapshots)
        rel = folder.relative_to(self.snapshots / digest.split(":", 1)[1]).as_posix()
        rulebook = snapshots.load(self.snapshots, digest, rel)
        # read under the snapshot's ontology, as a replay will (the same files as the live ones now)
        case = self._parsed(stored, rulebook.ontology_dir)
        report = self.limit(records.run, case, rulebook, when, source, why, readings)
        vid = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(4)
        now = datetime.now(timezone.utc)
        r_node = record_iri(who.tenant, cid, vid)
        v_node = version_iri(who.tenant, cid, stored["version"])
        m = META
        quads = [
            Quad(r_node, RDF_TYPE, reg("ValidationRecord"), m), Quad(r_node, RDF_TYPE, NamedNode(PROV + "Entity"), m),
            Quad(r_node, reg("tenant"), Literal(who.tenant), m), Quad(r_node, reg("case"), case_iri(who.tenant, cid), m),
            Quad(r_node, reg("recordId"), Literal(vid), m), Quad(r_node, NamedNode(PROV + "used"), v_node, m),
            Quad(r_node, reg("caseVersion"), _int(stored["version"]), m),
            Quad(r_node, reg("caseDigest"), Literal(stored["digest"]), m),
            Quad(r_node, reg("scheme"), Literal(rulebook.scheme), m),
            Quad(r_node, reg("rulebookVersion"), Literal(rulebook.version or rulebook.slug), m),
            Quad(r_node, reg("rulebookFolder"), Literal(rel), m),
            Quad(r_node, reg("shapesDigest"), Literal(rulebook.digest), m),
            Quad(r_node, reg("snapshot"), Literal(digest), m), Quad(r_node, reg("engine"), Literal(ENGINE), m),
            Quad(r_node, reg("asOf"), Literal(when.isoformat(), datatype=NamedNode(XSD + "date")), m),
            Quad(r_node, reg("asOfSource"), Literal(source), m), Quad(r_node, reg("appliedBecause"), Literal(why), m),
            Quad(r_node, reg("readings"), Literal(json.dumps(readings or {}, sort_keys=True)), m),
            Quad(r_node, reg("conforms"), Literal(report["conforms"]), m),
            Quad(r_node, reg("report"), Literal(json.dumps(report, ensure_ascii=False, sort_keys=False)), m),
            Quad(r_node, NamedNode(PROV + "generatedAtTime"), _dt(now), m),
            Quad(r_node, NamedNode(PROV + "wasAttributedTo"), who.agent, m),
            Quad(who.agent, reg("role"), Literal(who.role), m),
        ]
        for entry in report["clauses"]:
            if entry["status"] != "manual_review":
                b = BlankNode()
                quads += [Quad(r_node, reg("outcome"), b, m), Quad(b, reg("clause"), Literal(entry["clause"]), m),
                          Quad(b, reg("status"), Literal(entry["status"]), m)]
        self.backend.insert(quads)
        return self.record(who.tenant, cid, vid)

    def record(self, tenant: str, cid: str, vid: str) -> dict:
        rows = self.backend.select(
            P + f"SELECT ?p ?o WHERE {{ {G} {{ ?r reg:tenant ?t ; reg:case ?c ; ?p ?o }} }}",
            {"r": record_iri(tenant, cid, vid), "t": Literal(tenant), "c": case_iri(tenant, cid)})
        if not rows:
            raise NotFound(f"case {cid!r} has no validation {vid!r}")
        got = {}
        for r in rows:
            got.setdefault(r["p"].value, r["o"])
        v = lambda name: got[REG + name].value  # noqa: E731
        agent = got[PROV + "wasAttributedTo"].value
        role = self.backend.select(P + f"SELECT ?role WHERE {{ {G} {{ ?a reg:role ?role }} }}",
                                   {"a": NamedNode(agent)})
        return {
            "id": vid, "iri": record_iri(tenant, cid, vid).value, "case": cid,
            "case_version": int(v("caseVersion")), "case_digest": v("caseDigest"),
            "rulebook": {"scheme": v("scheme"), "version": v("rulebookVersion"), "folder": v("rulebookFolder"),
                         "shapes_digest": v("shapesDigest"), "snapshot": v("snapshot")},
            "engine": v("engine"), "as_of": v("asOf"), "as_of_source": v("asOfSource"),
            "applied_because": v("appliedBecause"), "readings": json.loads(v("readings")),
            "validated_at": got[PROV + "generatedAtTime"].value,
            "validated_by": _agent(agent, role[0]["role"] if role else None),
            "conforms": v("conforms") == "true", "report": json.loads(v("report")),
        }

    def records(self, tenant: str, cid: str) -> list[dict]:
        self.versions(tenant, cid)
        rows = self.backend.select(
            P + f"SELECT ?id ?n ?time ?conforms WHERE {{ {G} {{ ?r a reg:ValidationRecord ; reg:tenant ?t ; "
            "reg:case ?c ; reg:recordId ?id ; reg:caseVersion ?n ; prov:generatedAtTime ?time ; reg:conforms ?conforms "
            "} } ORDER BY ?time", {"t": Literal(tenant), "c": case_iri(tenant, cid)})
        return [{"id": r["id"].value, "case_version": int(r["n"].value), "validated_at": r["time"].value,
                 "conforms": r["conforms"].value == "true"} for r in rows]

    def replay(self, tenant: str, cid: str, vid: str, fresh: bool = True) -> dict:
        """Re-run a record from its snapshot on its case version; the report (equal to the record's)."""
        rec = self.record(tenant, cid, vid)
        stored = self.case(tenant, cid, rec["case_version"])
        rb = rec["rulebook"]
        rulebook = snapshots.load(self.snapshots, rb["snapshot"], rb["folder"], fresh=fresh)
        case = self._parsed(stored, rulebook.ontology_dir)  # read as it was when the record was made
        return self.limit(records.run, case, rulebook, date.fromisoformat(rec["as_of"]),
                          rec["as_of_source"], rec["applied_because"], rec["readings"])

    # ----- what-if and same outcome --------------------------------------------------------------

    def what_if(self, who: Principal, cid: str, patch: list, version: int | None = None, *,
                as_of: date | None = None, rulebook_version: str | None = None) -> dict:
        stored = self.case(who.tenant, cid, version)
        if caseio.media_format(stored["media_type"]) != "json":
            raise CaseError("what-if patches plain-JSON cases; this version was submitted as "
                            f"{stored['media_type']}", field="patch")
        if not isinstance(patch, list) or not all(isinstance(op, dict) for op in patch):
            raise CaseError("the body is an RFC 6902 patch: a JSON array of operations", field="patch")
        doc = json.loads(stored["content"])
        try:
            changed = apply_patch(doc, patch)
        except (PatchError, KeyError, ValueError, IndexError, TypeError) as exc:
            raise CaseError(f"the patch does not apply: {exc}", field="patch") from None
        before_case = self._parsed(stored)
        after_case = caseio.parse_case(json.dumps(changed, ensure_ascii=False).encode("utf-8"), "json")

        def both():
            out = []
            for case in (before_case, after_case):
                live, why, when, source = records.choose(case, rulebook_version, as_of)
                out.append(records.run(case, live, when, source, why))
            return out

        before, after = self.limit(both)
        old = {e["clause"]: e for e in before["clauses"]}
        changes = []
        for e in after["clauses"]:
            o = old.get(e["clause"])
            if o is None or o["status"] != e["status"]:
                changes.append({"clause": e["clause"], "from": o["status"] if o else None, "to": e["status"],
                                "text": e["text"], "findings": e["findings"]})
        for cid_ in old.keys() - {e["clause"] for e in after["clauses"]}:
            changes.append({"clause": cid_, "from": old[cid_]["status"], "to": None})
        return {"case": cid, "version": stored["version"], "patch": patch, "stored": False,
                "rulebook": {"scheme": after["scheme"], "version": after["rulebook"]["version"]},
                "as_of": after["as_of"], "conforms": {"before": before["conforms"], "after": after["conforms"]},
                "changes": changes}

    def same_outcome(self, tenant: str, scheme: str, version: str, clause: str, status: str | None) -> list[dict]:
        """Cases whose latest record on this rulebook version gives the clause this status."""
        try:  # the version as records name it, whether asked for by version or by folder name
            found, _ = rulebooks.select(scheme, version, None)
            version = found.version or found.slug
        except rulebooks.UnknownRulebook:
            pass
        bind = {"t": Literal(tenant), "scheme": Literal(scheme), "version": Literal(version)}
        rows = self.backend.select(
            P + f"SELECT ?id ?rid ?n ?time WHERE {{ {G} {{ ?r a reg:ValidationRecord ; reg:tenant ?t ; "
            "reg:scheme ?scheme ; reg:rulebookVersion ?version ; reg:case ?c ; reg:recordId ?rid ; reg:caseVersion ?n ; "
            "prov:generatedAtTime ?time . ?c reg:caseId ?id } }", bind)
        decided = {r["rid"].value: r["status"].value for r in self.backend.select(
            P + f"SELECT ?rid ?status WHERE {{ {G} {{ ?r a reg:ValidationRecord ; reg:tenant ?t ; reg:scheme ?scheme ; "
            "reg:rulebookVersion ?version ; reg:recordId ?rid ; reg:outcome ?o . ?o reg:clause ?clause ; "
            "reg:status ?status } }", {**bind, "clause": Literal(clause)})}
        latest: dict[str, dict] = {}
        for r in rows:
            item = {"case": r["id"].value, "validation": r["rid"].value, "case_version": int(r["n"].value),
                    "validated_at": r["time"].value, "status": decided.get(r["rid"].value, "manual_review")}
            have = latest.get(item["case"])
            if have is None or (item["validated_at"], item["validation"]) > (have["validated_at"], have["validation"]):
                latest[item["case"]] = item
        return sorted((i for i in latest.values() if status is None or i["status"] == status), key=lambda i: i["case"])


def _agent(iri: str, role) -> dict:
    parts = iri[len(BASE):].split("/")
    from urllib.parse import unquote

    return {"tenant": unquote(parts[0]), "key": unquote(parts[-1]),
            "role": role.value if hasattr(role, "value") else role}
