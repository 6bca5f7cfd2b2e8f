"""What the HTTP API and the register read from a request alike: the body under a limit, readings."""

from __future__ import annotations

from fastapi import Request

from .caseio import CaseError


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (Content-Length or chunked)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise CaseError(f"body is {declared} bytes; the limit is {limit} bytes", status=413, limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise CaseError(f"body exceeds the limit of {limit} bytes", status=413, limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_readings(items: list[str]) -> dict[str, str]:
    """`?reading=CLAUSE=OPTION` (repeatable) as {clause: option}; a malformed one is a 422 naming it."""
    out = {}
    for item in items:
        clause, sep, option = item.rpartition("=")
        if not sep or not clause or not option:
            raise CaseError(f"reading must be CLAUSE=OPTION, not {item!r}", field="query.reading")
        out[clause] = option
    return out
