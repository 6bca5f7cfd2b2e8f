"""`carboncert serve` runs on jemalloc when the machine has it (carboncert.allocator), else as it is."""

import ctypes.util
import os
import sys
from pathlib import Path

import pytest

from conftest import install_debian_package, start_server


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


@pytest.fixture(scope="module")
def jemalloc():
    """Debian's libjemalloc2, installed under CI when missing (conftest.install_debian_package)."""
    if not ctypes.util.find_library("jemalloc"):
        why_not = install_debian_package("libjemalloc2")
        if why_not:
            pytest.skip(why_not)
    assert ctypes.util.find_library("jemalloc"), "libjemalloc2 installed but not found by the loader"


def test_serve_restarts_itself_on_jemalloc_when_installed(tmp_path, jemalloc):
    used, printed = _run_serve(tmp_path)
    assert used == "jemalloc" and "memory allocator jemalloc" in printed


def test_serve_keeps_the_system_allocator_when_asked(tmp_path):
    used, printed = _run_serve(tmp_path, CARBONCERT_MALLOC="system")
    assert used == "system" and "memory allocator system" in printed


def test_a_restart_that_did_not_get_jemalloc_serves_on_without_restarting_again(tmp_path):
    # As after a preload that failed: the marker of the restart is set, jemalloc is not loaded. The server
    # must serve on the system allocator rather than restart in a loop.
    used, printed = _run_serve(tmp_path, CARBONCERT_MALLOC_RESTARTED="1")
    assert used == "system" and "memory allocator system" in printed
