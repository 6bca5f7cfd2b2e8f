"""One validation of a stored case version, run from a rulebook snapshot, and its replay.

`run` is service.validate_case with the rulebook version given instead of looked up (the register
chooses the version with rulebooks.select, exactly as the service does, then applies it from its
snapshot). tests/test_register_store.py checks it gives the service's report byte for byte.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from datetime import date

from .. import caseio, rulebooks, service

DEFAULT_TIMEOUT = 60.0  # seconds a validation may take before the caller gets 503
DEFAULT_WORKERS = 2  # validations running at once; more waiting get 503 at once


class ValidationTimeout(Exception):
    """The validation did not finish in time (or no worker was free)."""


def choose(case: caseio.Case, version: str | None, as_of: date | None):
    """(rulebook version, why it applied, as_of, as_of source): the service's own choice."""
    return service.choose(case, None, version, as_of)


def run(case: caseio.Case, rulebook: rulebooks.RulebookVersion, as_of: date, as_of_source: str,
        applied_because: str, readings: dict[str, str] | None = None) -> dict:
    return service.evaluate(case, rulebook, as_of, as_of_source, applied_because, readings=readings)


class Limiter:
    """Runs validations in worker threads with a deadline.

    At most `workers` run at once; a request finding none free, or whose validation passes the
    deadline, gets ValidationTimeout (HTTP 503 with Retry-After). A validation past its deadline keeps
    its worker until it ends (Python cannot stop a thread), so the number of validations in progress
    never exceeds `workers`: work stays bounded and the server keeps answering.
    CARBONCERT_VALIDATION_TIMEOUT (seconds, default 60) and CARBONCERT_VALIDATION_WORKERS (default 2)."""

    def __init__(self, timeout: float | None = None, workers: int | None = None):
        self.timeout = float(timeout if timeout is not None else os.environ.get("CARBONCERT_VALIDATION_TIMEOUT",
                                                                                  DEFAULT_TIMEOUT))
        self.workers = int(workers if workers is not None else os.environ.get("CARBONCERT_VALIDATION_WORKERS",
                                                                               DEFAULT_WORKERS))
        self._pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="validation")
        self._slots = threading.BoundedSemaphore(self.workers)

    def __call__(self, fn, *args, **kwargs):
        if not self._slots.acquire(timeout=min(self.timeout, 1.0)):
            raise ValidationTimeout(f"all {self.workers} validation workers are busy")

        def job():
            try:
                return fn(*args, **kwargs)
            finally:
                self._slots.release()

        future = self._pool.submit(job)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            raise ValidationTimeout(f"the validation took longer than the limit of {self.timeout:g} s") from None
