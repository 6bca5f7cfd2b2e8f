import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
SHARED = ROOT.parent / "shared" / "rulebooks"


def example_bytes(scheme: str, name: str = "conformant") -> bytes:
    return (EXAMPLES / scheme / f"{name}.json").read_bytes()


@pytest.fixture
def example():
    return example_bytes


def install_debian_package(package: str) -> str:
    """Install a Debian package the tests need when it is missing; "" when done, else why not.

    Only under CI (CI=true) or with CARBONCERT_INSTALL_TEST_SERVERS=1, as root with apt-get: the machines
    this project runs on reach Debian's packages, so a test skips only where it truly cannot have what it
    needs. apt-get waits for the package lock, so two tests installing at once do not collide."""
    allowed = os.environ.get("CI") == "true" or os.environ.get("CARBONCERT_INSTALL_TEST_SERVERS") == "1"
    if not (allowed and shutil.which("apt-get") and os.geteuid() == 0):
        return (f"Debian's {package} is not installed: install it, or run as root with "
                "CARBONCERT_INSTALL_TEST_SERVERS=1 to have the test install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    wait = ["-o", "DPkg::Lock::Timeout=900"]
    for cmd in (["apt-get", *wait, "update", "-qq"], ["apt-get", *wait, "install", "-y", "-qq", package]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            return f"installing {package} failed: {' '.join(cmd)}: {done.stderr[-500:]}"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env=None, command=None) -> tuple[subprocess.Popen, str]:
    """A real uvicorn serving carboncert on a free loopback port; (process, base URL) once it answers.
    `command(port)` gives another command line to start it with (e.g. `carboncert serve`)."""
    port = free_port()
    argv = command(port) if command else [sys.executable, "-m", "uvicorn", "carboncert.server:app", "--host",
                                          "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/v1/rulebooks", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("server did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
