"""The access log: one JSON line per request to the register, appended, never rewritten.

Each line: {"time", "tenant", "role", "key", "action", "target", "outcome", "status"}. The file is
opened in append mode for every line (O_APPEND: concurrent writers never interleave within a line)
and flushed to the OS before the request is answered.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

_lock = threading.Lock()


class AuditLog:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, *, tenant: str | None, role: str | None, key: str | None, action: str, target: str = "",
              outcome: str, status: int) -> None:
        line = json.dumps({"time": datetime.now(timezone.utc).isoformat(timespec="microseconds"), "tenant": tenant,
                           "role": role, "key": key, "action": action, "target": target, "outcome": outcome,
                           "status": status}, ensure_ascii=False) + "\n"
        data = line.encode("utf-8")
        with _lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
