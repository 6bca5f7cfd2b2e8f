"""`carboncert serve` runs on jemalloc when the machine has it (carboncert.allocator), else as it is."""

import ctypes.util
import os
import sys
from pathlib import Path

from conftest import start_server


def _serve(port):
    return [sys.executable, "-m", "carboncert", "serve", "--port", str(port)]


def _allocator_of(pid: int) -> str:
    return "jemalloc" if "libjemalloc" in Path(f"/proc/{pid}/maps").read_text(errors="replace") else "system"


def _run_serve(tmp_path, **env) -> tuple[str, str]:
    """(allocator of the running server, what it printed); the server is stopped after."""
    proc, _url = start_server(dict(os.environ, CARBONCERT_STORE=str(tmp_path / "store"), **env), _serve)
    try:
        used = _allocator_of(proc.pid)
    finally:
        proc.terminate()
        printed = proc.communicate(timeout=30)[0].decode(errors="replace")
    return used, printed


def test_serve_uses_jemalloc_when_installed_and_runs_without_it(tmp_path):
    # Where jemalloc is installed (Debian: libjemalloc2) the server restarts itself on it, with the same
    # PID; where it is not, the same command serves on the C library's allocator. Either way it answers.
    expected = "jemalloc" if ctypes.util.find_library("jemalloc") else "system"
    used, printed = _run_serve(tmp_path)
    assert used == expected and f"memory allocator {expected}" in printed


def test_serve_keeps_the_system_allocator_when_asked(tmp_path):
    used, printed = _run_serve(tmp_path, CARBONCERT_MALLOC="system")
    assert used == "system" and "memory allocator system" in printed
