"""The register's HTTP endpoints (issue #5), included by server.py. See docs/REGISTER.md.

POST /v1/cases                                              submit a case: a new version, never an overwrite
GET  /v1/cases                                              the tenant's case ids
GET  /v1/cases/{id}[?version=N]                             the bytes exactly as submitted
GET  /v1/cases/{id}/versions                                every version: who, when, digest, revision of
POST /v1/cases/{id}/validations                             validate a stored version; the record (201)
GET  /v1/cases/{id}/validations                             the case's records
GET  /v1/cases/{id}/validations/{vid}                       one record, with the full report
GET  /v1/cases/{id}/validations/{vid}/replay                re-run from the record's snapshot; identical?
GET  /v1/cases/{id}/validations/{vid}/clauses/{clause}      the explanation for an appeal
POST /v1/cases/{id}/what-if                                 an RFC 6902 patch: the clause outcomes that change
GET  /v1/rulebooks/{scheme}/{version}/clauses/{clause}/cases?status=failed   cases with the same outcome
POST /v1/keys                                               (admin) a new key for the admin's own tenant

Authorization: Bearer KEY (carboncert keys add …). With no key in the store, the register runs as the
single tenant "local" (and `carboncert serve` binds loopback only). Every request is written to the
access log.
"""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from . import caseio, register
from .caseio import CaseError
from .http_input import parse_readings, read_body
from .register.core import NotFound
from .register.records import ValidationTimeout
from .register.store import StoreError
from .register.tenants import LOCAL, ROLES, Principal

router = APIRouter(tags=["register"])

RETRY_AFTER = "30"
PATCH_LIMIT = 262_144


class Denied(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def _principal(request: Request, reg) -> Principal:
    header = request.headers.get("authorization") or ""
    scheme, _, key = header.partition(" ")
    if not reg.keys.any():
        return LOCAL
    if scheme.lower() != "bearer" or not key.strip():
        raise Denied(401, "an API key is required: Authorization: Bearer KEY")
    principal = reg.keys.check(key.strip())
    if principal is None:
        raise Denied(401, "the API key is not valid")
    return principal


async def _handle(request: Request, permission: str, action: str, target: str, fn, status: int = 200):
    """Authenticate, authorise, run `fn(register, principal)` in a worker thread, log the access."""
    who = None
    reg = None
    try:
        reg = await run_in_threadpool(register.get)
        who = await run_in_threadpool(_principal, request, reg)
        if not who.may(permission):
            raise Denied(403, f"the role {who.role} may not {action.replace('_', ' ')}")
        result = await fn(reg, who)
        response = result if isinstance(result, Response) else JSONResponse(result, status_code=status)
        outcome = "ok"
    except Denied as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        response = JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)
        outcome = "denied"
    except NotFound as exc:
        response = JSONResponse({"error": str(exc)}, status_code=404)
        outcome = "not found"
    except CaseError as exc:
        response = JSONResponse(exc.as_dict(), status_code=exc.status)
        outcome = "refused"
    except ValidationTimeout as exc:
        response = JSONResponse({"error": str(exc) + "; try again later"}, status_code=503,
                                headers={"Retry-After": RETRY_AFTER})
        outcome = "timeout"
    except StoreError as exc:
        response = JSONResponse({"error": f"the register is unavailable: {exc}"}, status_code=503,
                                headers={"Retry-After": RETRY_AFTER})
        outcome = "unavailable"
    if reg is not None:
        reg.audit.write(tenant=who.tenant if who else None, role=who.role if who else None,
                        key=who.key_id if who else None, action=action, target=target, outcome=outcome,
                        status=response.status_code)
    return response


@router.post("/v1/cases", status_code=201, summary="Submit a case (a new version; nothing is overwritten)")
async def submit_case(request: Request):
    async def go(reg, who):
        media = request.headers.get("content-type") or "application/json"
        fmt = caseio.media_format(media)
        data = await read_body(request, caseio.MAX_CASE_BYTES)
        got = await run_in_threadpool(reg.submit, who, data, fmt, media.split(";")[0].strip().lower())
        return {"id": got["id"], "version": got["version"], "digest": got["digest"]}
    return await _handle(request, "write", "submit", "", go, status=201)


@router.get("/v1/cases", summary="The tenant's cases")
async def list_cases(request: Request):
    async def go(reg, who):
        return {"cases": await run_in_threadpool(reg.case_ids, who.tenant)}
    return await _handle(request, "read", "list_cases", "", go)


@router.get("/v1/cases/{case_id}", summary="A case version exactly as submitted (the latest unless ?version=N)")
async def get_case(request: Request, case_id: str, version: int | None = Query(None, ge=1)):
    async def go(reg, who):
        got = await run_in_threadpool(reg.case, who.tenant, case_id, version)
        return Response(got["content"], media_type=got["media_type"],
                        headers={"Carboncert-Case-Version": str(got["version"]), "Carboncert-Digest": got["digest"],
                                 "Carboncert-Versions": str(got["versions"])})
    return await _handle(request, "read", "get_case", case_id, go)


@router.get("/v1/cases/{case_id}/versions", summary="Every version of a case: who submitted it, when, its digest")
async def case_versions(request: Request, case_id: str):
    async def go(reg, who):
        return {"id": case_id, "versions": await run_in_threadpool(reg.versions, who.tenant, case_id)}
    return await _handle(request, "read", "versions", case_id, go)


@router.post("/v1/cases/{case_id}/validations", status_code=201, summary="Validate a stored case version; the record")
async def validate_case(request: Request, case_id: str, version: int | None = Query(None, ge=1),
                        as_of: date | None = Query(None), rulebook: str | None = Query(None),
                        reading: list[str] = Query([])):
    async def go(reg, who):
        readings = parse_readings(reading)
        return await run_in_threadpool(lambda: reg.validate(who, case_id, version, as_of=as_of,
                                                            rulebook_version=rulebook, readings=readings))
    return await _handle(request, "write", "validate", case_id, go, status=201)


@router.get("/v1/cases/{case_id}/validations", summary="The records of a case")
async def case_records(request: Request, case_id: str):
    async def go(reg, who):
        return {"id": case_id, "validations": await run_in_threadpool(reg.records, who.tenant, case_id)}
    return await _handle(request, "read", "records", case_id, go)


@router.get("/v1/cases/{case_id}/validations/{vid}", summary="One validation record with its full report")
async def get_record(request: Request, case_id: str, vid: str):
    async def go(reg, who):
        return await run_in_threadpool(reg.record, who.tenant, case_id, vid)
    return await _handle(request, "read", "record", f"{case_id}/{vid}", go)


@router.get("/v1/cases/{case_id}/validations/{vid}/replay", summary="Re-run a record from its rulebook snapshot")
async def replay_record(request: Request, case_id: str, vid: str):
    async def go(reg, who):
        def work():
            rec = reg.record(who.tenant, case_id, vid)
            again = reg.replay(who.tenant, case_id, vid, fresh=False)
            return {"id": vid, "identical": again == rec["report"], "report": again}
        return await run_in_threadpool(work)
    return await _handle(request, "read", "replay", f"{case_id}/{vid}", go)


@router.get("/v1/cases/{case_id}/validations/{vid}/clauses/{clause:path}",
            summary="Why this clause came out as it did in this validation (for an appeal)")
async def explain_clause(request: Request, case_id: str, vid: str, clause: str):
    from .register.explain import explain

    async def go(reg, who):
        return await run_in_threadpool(explain, reg, who.tenant, case_id, vid, clause)
    return await _handle(request, "read", "explain", f"{case_id}/{vid}/{clause}", go)


@router.post("/v1/cases/{case_id}/what-if", summary="The clause outcomes an RFC 6902 patch of facts would change "
             "(nothing is stored)")
async def what_if(request: Request, case_id: str, version: int | None = Query(None, ge=1),
                  as_of: date | None = Query(None), rulebook: str | None = Query(None)):
    async def go(reg, who):
        data = await read_body(request, PATCH_LIMIT)
        try:
            body = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CaseError(f"the body is not JSON: {exc}", status=400) from None
        ver = version
        if isinstance(body, dict):
            ver = body.get("version", ver)
            body = body.get("patch")
            if ver is not None and (not isinstance(ver, int) or ver < 1):
                raise CaseError("version is a positive integer", field="version")
        return await run_in_threadpool(lambda: reg.what_if(who, case_id, body, ver, as_of=as_of,
                                                           rulebook_version=rulebook))
    return await _handle(request, "write", "what_if", case_id, go)


@router.get("/v1/rulebooks/{scheme}/{version}/clauses/{clause:path}/cases",
            summary="The tenant's cases whose latest record on this rulebook version has this outcome on the clause")
async def same_outcome(request: Request, scheme: str, version: str, clause: str,
                       status: str | None = Query(None, pattern="^(failed|missing_information|passed|not_applicable|"
                                                                 "manual_review)$")):
    async def go(reg, who):
        cases = await run_in_threadpool(reg.same_outcome, who.tenant, scheme, version, clause, status)
        return {"scheme": scheme, "version": version, "clause": clause, "status": status, "cases": cases}
    return await _handle(request, "read", "same_outcome", f"{scheme}/{version}/{clause}", go)


@router.post("/v1/keys", status_code=201, summary="(admin) A new API key for the admin's own tenant")
async def add_key(request: Request):
    async def go(reg, who):
        data = await read_body(request, 4096)
        try:
            body = json.loads(data or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CaseError("the body is JSON: {\"role\": \"reviewer|appeals|admin\"}", status=400) from None
        role = body.get("role") if isinstance(body, dict) else None
        if role not in ROLES:
            raise CaseError(f"role must be one of {', '.join(ROLES)}", field="role")
        key, p = await run_in_threadpool(reg.keys.add, who.tenant, role)
        return {"key": key, "tenant": p.tenant, "role": p.role, "key_id": p.key_id}
    return await _handle(request, "keys", "add_key", "", go, status=201)
