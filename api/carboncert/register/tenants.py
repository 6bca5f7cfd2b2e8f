"""API keys: tenants and roles.

A key reads `cck_<key id>_<secret>`; the store keeps only the key id, the tenant, the role, a random salt
and scrypt(secret, salt) (n=2^14, r=8, p=1), compared in constant time. A key checked once is remembered
in memory by the SHA-256 of the whole key, so a busy client does not pay scrypt on every request.

Roles: appeals reads; reviewer reads and writes (submit, validate, what-if); admin also manages the
tenant's keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from .store import Backend

ROLES = ("reviewer", "appeals", "admin")
PERMISSIONS = {"appeals": {"read"}, "reviewer": {"read", "write"}, "admin": {"read", "write", "keys"}}
TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KEY_RE = re.compile(r"^cck_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")

BASE = "https://w3id.org/carboncert/register/"
REG = "https://w3id.org/carboncert/register#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
KEYS_GRAPH = NamedNode(BASE + "keys")
XSD_DT = NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")

LOCAL_TENANT = "local"


def reg(name: str) -> NamedNode:
    return NamedNode(REG + name)


def agent_iri(tenant: str, key_id: str) -> NamedNode:
    return NamedNode(f"{BASE}{quote(tenant, safe='')}/key/{quote(key_id, safe='')}")


@dataclass(frozen=True)
class Principal:
    tenant: str
    role: str
    key_id: str

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())

    @property
    def agent(self) -> NamedNode:
        return agent_iri(self.tenant, self.key_id)


LOCAL = Principal(LOCAL_TENANT, "admin", "local")


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)


class Keys:
    def __init__(self, backend: Backend):
        self.backend = backend
        self._verified: dict[bytes, Principal] = {}
        self._lock = threading.Lock()

    def add(self, tenant: str, role: str) -> tuple[str, Principal]:
        if not TENANT_RE.match(tenant):
            raise ValueError(f"tenant must match {TENANT_RE.pattern} (lower-case letters, digits, . _ -): {tenant!r}")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        node = agent_iri(tenant, key_id)
        now = Literal(datetime.now(timezone.utc).isoformat(timespec="microseconds"), datatype=XSD_DT)
        g = KEYS_GRAPH
        self.backend.insert([
            Quad(node, RDF_TYPE, reg("ApiKey"), g), Quad(node, RDF_TYPE, NamedNode(PROV + "Agent"), g),
            Quad(node, reg("tenant"), Literal(tenant), g), Quad(node, reg("role"), Literal(role), g),
            Quad(node, reg("keyId"), Literal(key_id), g), Quad(node, reg("salt"), Literal(salt.hex()), g),
            Quad(node, reg("scrypt"), Literal(_hash(secret, salt).hex()), g), Quad(node, reg("created"), now, g),
        ])
        return f"cck_{key_id}_{secret}", Principal(tenant, role, key_id)

    def any(self) -> bool:
        return self.backend.ask(f"ASK {{ GRAPH <{KEYS_GRAPH.value}> {{ ?k a <{REG}ApiKey> }} }}")

    def list(self, tenant: str | None = None) -> list[dict]:
        rows = self.backend.select(
            f"SELECT ?id ?tenant ?role ?created WHERE {{ GRAPH <{KEYS_GRAPH.value}> {{ ?k <{REG}keyId> ?id ; "
            f"<{REG}tenant> ?tenant ; <{REG}role> ?role ; <{REG}created> ?created }} }} ORDER BY ?created",
            {"tenant": Literal(tenant)} if tenant else None)
        return [{"key": r["id"].value, "tenant": (r.get("tenant") or Literal(tenant)).value,
                 "role": r["role"].value, "created": r["created"].value} for r in rows]

    def check(self, key: str) -> Principal | None:
        """The key's tenant and role, or None for a malformed, unknown or wrong key."""
        fast = hashlib.sha256(key.encode()).digest()
        with self._lock:
            if fast in self._verified:
                return self._verified[fast]
        m = KEY_RE.match(key)
        if not m:
            return None
        key_id, secret = m.groups()
        rows = self.backend.select(
            f"SELECT ?tenant ?role ?salt ?hash WHERE {{ GRAPH <{KEYS_GRAPH.value}> {{ ?k <{REG}keyId> ?id ; "
            f"<{REG}tenant> ?tenant ; <{REG}role> ?role ; <{REG}salt> ?salt ; <{REG}scrypt> ?hash }} }}",
            {"id": Literal(key_id)})
        if len(rows) != 1:
            _hash(secret, b"\0" * 16)  # the same work whether or not the key id exists
            return None
        row = rows[0]
        if not hmac.compare_digest(_hash(secret, bytes.fromhex(row["salt"].value)), bytes.fromhex(row["hash"].value)):
            return None
        principal = Principal(row["tenant"].value, row["role"].value, key_id)
        with self._lock:
            self._verified[fast] = principal
        return principal
