"""The memory allocator `carboncert serve` runs on: jemalloc when the system has it, else the C library's.

pyshacl-turbo allocates and frees at a high rate. Under glibc's malloc the two threads one case's shapes
are split over slow each other down by about 40 %, and one thread alone runs about 15 % slower than under
jemalloc (benchmarks/bench.py prints the allocator; run it with and without LD_PRELOAD to compare). The
allocator must be chosen before the process starts, so `serve` starts itself again with jemalloc
preloaded when it is installed (Debian: libjemalloc2), and goes on as it is when it is not.
CARBONCERT_MALLOC=system keeps the C library's allocator.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path

SETTING = "CARBONCERT_MALLOC"  # "jemalloc" (the default: used when installed) or "system"
_RESTARTED = "CARBONCERT_MALLOC_RESTARTED"  # set on the restart, so a failed preload cannot loop


def in_use() -> str:
    """"jemalloc" or "system": the allocator this process runs on ("unknown" where /proc is missing)."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    return "jemalloc" if "libjemalloc" in maps else "system"


def restart_with_jemalloc() -> None:
    """Replace this process by the same command with jemalloc preloaded, when jemalloc is installed, not
    in use yet and not switched off; otherwise return, and the caller goes on with the allocator it has."""
    if os.environ.get(SETTING, "jemalloc") != "jemalloc" or os.environ.get(_RESTARTED) or in_use() != "system":
        return
    library = ctypes.util.find_library("jemalloc")
    if not library:
        return
    env = dict(os.environ, **{_RESTARTED: "1"})
    env["LD_PRELOAD"] = " ".join(p for p in (os.environ.get("LD_PRELOAD", ""), library) if p)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "carboncert", *sys.argv[1:]], env)
