"""The HTTP API (FastAPI under uvicorn). Thin: every answer comes from service, rulebooks and cli.

POST /v1/validate                                   a case in, the report out (same JSON as the CLI)
GET  /v1/rulebooks                                  rulebooks and versions
GET  /v1/rulebooks/{scheme}/{version}/clauses       every clause with its encoding
GET  /v1/rulebooks/{scheme}/{version}/clauses/{id}  one clause: text, statement, reading, encoding
Bad input is 400 (malformed: line and column), 413 (over the body limit, counted while reading, so
chunked bodies too), 415 (media type) or 422 (unknown or mistyped field, unknown code, unknown
scheme); never a stack trace.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import ENGINE, __version__, caseio, rulebooks, service
from .caseio import CaseError
from .http_input import parse_readings, read_body
from .cli import clause_rows, rulebook_summaries
from .render import render_text
from .rulebooks import ShapesError

log = logging.getLogger("carboncert")


@asynccontextmanager
async def _lifespan(_app: FastAPI):
    # Every rulebook compiled before the first request, not during it (service.warm_up says why).
    await run_in_threadpool(service.warm_up)
    yield


app = FastAPI(
    lifespan=_lifespan,
    title="carboncert",
    version=__version__,
    description="Checks carbon-certification cases against the rulebooks of Chinese certification bodies, "
                "clause by clause, and explains in Chinese and English what fails and why. "
                f"Case bodies are limited to {caseio.MAX_CASE_BYTES} bytes and {caseio.MAX_TRIPLES} triples.",
)

# The case register (/v1/cases…, docs/REGISTER.md); included first, so its
# /v1/rulebooks/{scheme}/{version}/clauses/{clause}/cases is matched before the one-clause route below.
from .register_api import router as _register_router  # noqa: E402

app.include_router(_register_router)


def _error(status: int, body: dict) -> JSONResponse:
    return JSONResponse(status_code=status, content=body)


@app.exception_handler(CaseError)
async def _case_error(_: Request, exc: CaseError):
    return _error(exc.status, exc.as_dict())


@app.exception_handler(RequestValidationError)
async def _validation_error(_: Request, exc: RequestValidationError):
    problems = [{"field": ".".join(str(p) for p in e.get("loc", ())), "error": e.get("msg", "")} for e in exc.errors()]
    return _error(422, {"error": "invalid request parameters", "problems": problems})


@app.exception_handler(StarletteHTTPException)
async def _http_error(_: Request, exc: StarletteHTTPException):
    return _error(exc.status_code, {"error": str(exc.detail)})


@app.exception_handler(Exception)
async def _internal(_: Request, exc: Exception):
    # Never a stack trace to the client; the log keeps it for us.
    log.exception("internal error")
    kind = "rulebook shapes" if isinstance(exc, ShapesError) else "server"
    return _error(500, {"error": f"internal {kind} error; this is not a problem with the case"})


@app.post("/v1/validate", summary="Validate a case and return the clause-by-clause report",
          responses={400: {"description": "malformed JSON/Turtle (line, column)"},
                     413: {"description": "body over the limit"}, 415: {"description": "unsupported media type"},
                     422: {"description": "unknown or mistyped field, unknown code, unknown scheme or version"}})
async def validate(request: Request,
                   scheme: str | None = Query(None, description="scheme id; default: the case's own"),
                   version: str | None = Query(None, description="rulebook version; default: in force on the case's reference date"),
                   as_of: date | None = Query(None, description="evaluation date YYYY-MM-DD; default: the case's referenceDate"),
                   format: str = Query("json", pattern="^(json|text|turtle)$", description="json (default), text or turtle"),
                   reading: list[str] = Query([], description="CLAUSE=OPTION: another documented reading of a clause the rulebook leaves open")):
    fmt = caseio.media_format(request.headers.get("content-type") or "application/json")
    data = await read_body(request, caseio.MAX_CASE_BYTES)
    readings = parse_readings(reading)
    report, graph = await run_in_threadpool(service.validate_bytes, data, fmt, scheme=scheme, version=version,
                                            as_of=as_of, with_graph=True, readings=readings)
    if format == "text":
        return PlainTextResponse(render_text(report))
    if format == "turtle":
        return Response(graph.serialize(format="turtle"), media_type="text/turtle")
    return report


@app.get("/v1/rulebooks", summary="Rulebooks and their versions")
def list_rulebooks():
    return {"engine": ENGINE, "rulebooks": rulebook_summaries()}


def _version(scheme: str, version: str) -> rulebooks.RulebookVersion:
    try:
        v, _ = rulebooks.select(scheme, version, None)
    except rulebooks.UnknownRulebook as exc:
        raise StarletteHTTPException(404, str(exc)) from None
    return v


@app.get("/v1/rulebooks/{scheme}/{version}/clauses", summary="Every clause of a rulebook version with its encoding")
def list_clauses(scheme: str, version: str):
    v = _version(scheme, version)
    return {"scheme": v.scheme, "version": v.version, "clauses": clause_rows(v)}


@app.get("/v1/rulebooks/{scheme}/{version}/clauses/{clause_id:path}", summary="One clause")
def get_clause(scheme: str, version: str, clause_id: str):
    v = _version(scheme, version)
    c = v.clause_by_id.get(clause_id)
    if c is None:
        raise StarletteHTTPException(404, f"{scheme} {v.version} has no clause {clause_id!r}")
    return {"clause": c.id, "iri": str(c.iri), "scheme": v.scheme, "version": v.version, "category": c.category,
            "checkable": c.checkable, "severity": c.severity, "encoding": v.encoding[c.id],
            "text": {"zh": c.text_zh, "en": c.statement_en}, "applies_when": c.applies_when, "check": c.check,
            "notes": c.notes, "reading": v.readings.get(c.id), "review": v.manual_review.get(c.id)}
