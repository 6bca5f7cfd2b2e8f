"""The case register (issue #5): persistent case versions, immutable validation records, replay,
explanations for appeals, what-if, same-outcome queries; tenants, roles and an access log.

    store      the backend interface and embedded Oxigraph      remote     a SPARQL 1.1 server
    core       the register itself (layout of the store)         records    running a validation, limits
    snapshots  content-addressed rulebook files for replay       explain    the appeal explanation
    tenants    API keys and roles                                audit      the access log
See docs/REGISTER.md.
"""

from __future__ import annotations

import threading

from .core import DEFAULT_STORE, NotFound, Register  # noqa: F401

_lock = threading.Lock()
_register: Register | None = None


def get() -> Register:
    """The process's register, opened on first use from CARBONCERT_STORE."""
    global _register
    with _lock:
        if _register is None:
            _register = Register.open()
        return _register
