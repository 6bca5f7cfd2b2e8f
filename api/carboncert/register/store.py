"""Where the register keeps its quads: the backend interface and the embedded Oxigraph backend.

A backend knows nothing of cases; it stores quads atomically and answers SPARQL SELECT/ASK queries.
Values reach a query only as RDF terms (pyoxigraph NamedNode / Literal objects) given as `bindings`:
the Oxigraph backend hands them to the engine as substitutions (SEP-0007), the remote backend writes
them into a VALUES block in their N-Triples form (escaped by pyoxigraph); no user text is ever pasted
into query text.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Variable

Term = NamedNode | Literal | BlankNode


class StoreError(Exception):
    """The store cannot be opened or written (not the client's fault)."""


class StoreBusy(StoreError):
    """The embedded store is held by another process (e.g. a running `carboncert serve`)."""


def project(query: str, bindings: dict | None) -> str:
    """The query with its bound variables added to the SELECT projection (Oxigraph substitutes only
    projected variables; a bound variable is a constant, so projecting it changes no result)."""
    if not bindings:
        return query
    head, sep, rest = query.partition("SELECT ")
    if not sep:
        return query
    if rest.startswith("DISTINCT "):
        head, sep, rest = head + sep + "DISTINCT ", "", rest[len("DISTINCT "):]
    return head + sep + "".join(f"?{name} " for name in bindings) + rest


class Backend:
    """The interface both backends implement."""

    kind = "abstract"

    def insert(self, quads: list[Quad]) -> None:
        """Add the quads in one transaction; return only once they are durable."""
        raise NotImplementedError

    def select(self, query: str, bindings: dict[str, Term] | None = None) -> list[dict[str, Term]]:
        """Rows of a SELECT query, each a dict of variable name -> term (unbound variables left out)."""
        raise NotImplementedError

    def ask(self, query: str, bindings: dict[str, Term] | None = None) -> bool:
        raise NotImplementedError

    def graph(self, name: NamedNode) -> list[tuple[Term, NamedNode, Term]]:
        """The triples of one named graph."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class OxigraphBackend(Backend):
    """Embedded Oxigraph (RocksDB) in a folder. One process holds the folder at a time.

    Durability: every insert is one Oxigraph transaction (all or nothing). Before an insert returns, the
    store is flushed to its files (`Store.flush()`); concurrent writers share one flush (group commit),
    so parallel submissions do not each pay for it. CARBONCERT_STORE_SYNC=none skips the flush (the
    write-ahead log still survives a killed process, not a power cut)."""

    kind = "oxigraph"

    def __init__(self, folder: Path, sync: bool | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self.store = Store(str(folder))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreBusy(f"the store {folder} is in use by another process (is `carboncert serve` "
                                "running on it?); stop it or use the HTTP API") from None
            raise StoreError(f"cannot open the store {folder}: {exc}") from None
        self.folder = folder
        self.sync = (os.environ.get("CARBONCERT_STORE_SYNC", "flush") != "none") if sync is None else sync
        self._seq = 0  # writes done
        self._flushed = 0  # writes known durable
        self._seq_lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def insert(self, quads: list[Quad]) -> None:
        self.store.extend(quads)  # one transaction
        with self._seq_lock:
            self._seq += 1
            mine = self._seq
        if not self.sync:
            return
        with self._flush_lock:  # group commit: one flush covers every write done before it started
            if self._flushed >= mine:
                return
            with self._seq_lock:
                target = self._seq
            self.store.flush()
            self._flushed = target

    @staticmethod
    def _subs(bindings):
        return {Variable(k): v for k, v in (bindings or {}).items()}

    def select(self, query, bindings=None):
        result = self.store.query(project(query, bindings), substitutions=self._subs(bindings))
        names = [v.value for v in result.variables]
        rows = []
        for sol in result:
            row = {}
            for name in names:
                value = sol[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, query, bindings=None):
        return bool(self.store.query(query, substitutions=self._subs(bindings)))

    def graph(self, name):
        return [(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(None, None, None, name)]

    def describe(self) -> str:
        return f"oxigraph:{self.folder}"
