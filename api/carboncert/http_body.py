"""Request bodies read under a limit, for the HTTP API and the register alike."""

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
