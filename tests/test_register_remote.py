"""The register on a real remote SPARQL 1.1 server (Virtuoso Open Source) on loopback."""

import json
import shutil
import subprocess
import time
import urllib.request

import pytest

from carboncert import service
from carboncert.register import NotFound, Register
from carboncert.register.remote import SparqlBackend
from carboncert.register.tenants import Principal

from conftest import example_bytes, free_port, install_debian_package

pytestmark = pytest.mark.xdist_group("register-remote")

INI = "/etc/virtuoso-opensource-7/virtuoso.ini"


def _virtuoso() -> tuple[str | None, str | None, str]:
    """(virtuoso-t, isql, why not): Debian's virtuoso-opensource, installed under CI when missing."""
    found = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if all(found):
        return *found, ""
    why_not = install_debian_package("virtuoso-opensource")
    if why_not:
        return None, None, why_not
    found = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    return (*found, "") if all(found) else (None, None, "virtuoso-opensource installed but virtuoso-t/isql not found")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    VIRTUOSO, ISQL, why_not = _virtuoso()
    if why_not:
        pytest.skip(why_not)
    folder = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    ini = open(INI, encoding="utf-8").read() if shutil.os.path.exists(INI) else ""
    if not ini:
        pytest.skip(f"virtuoso-t is installed but its default configuration {INI} is missing")
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    ini = ini.replace("ServerPort               = 1111", f"ServerPort               = {sql}")
    ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = 127.0.0.1:{http}")
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    proc = subprocess.Popen([VIRTUOSO, "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http}/sparql"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("virtuoso did not start")
    grant = subprocess.run([ISQL, str(sql), "dba", "dba",
                            'exec=GRANT SPARQL_UPDATE TO "SPARQL"; GRANT SPARQL_SPONGE TO "SPARQL";'],
                           capture_output=True, text=True, timeout=60)
    assert grant.returncode == 0, grant.stdout + grant.stderr
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_remote_register_versions_records_and_tenants(endpoint, tmp_path):
    reg = Register(SparqlBackend(endpoint), tmp_path / "state")
    who = Principal("acme", "reviewer", "k1")
    data = example_bytes("cecc-cfp", "nonconformant-certificate")
    doc = json.loads(data)
    assert reg.submit(who, data)["version"] == 1
    doc["client"]["name"] = 'a "quoted" name with \\ and\nnewline }} GRAPH'
    second = json.dumps(doc, ensure_ascii=False).encode()
    assert reg.submit(who, second)["version"] == 2
    assert reg.case("acme", doc["id"], 1)["content"] == data
    assert reg.case("acme", doc["id"])["content"] == second  # escaping kept the bytes exact
    assert [v["revision_of"] for v in reg.versions("acme", doc["id"])] == [None, 1]
    with pytest.raises(NotFound):
        reg.versions("beta", doc["id"])
    assert len(reg.case_triples("acme", doc["id"], 1)) > 100  # read back through the graph store protocol
    rec = reg.validate(who, doc["id"], 1)
    assert rec["report"] == service.validate_bytes(data)
    assert reg.record("acme", doc["id"], rec["id"]) == rec
    assert reg.replay("acme", doc["id"], rec["id"]) == rec["report"]
    assert [c["case"] for c in reg.same_outcome("acme", "cecc-cfp", "unnumbered", "5(2)", "failed")] == [doc["id"]]
    key, p = reg.keys.add("acme", "appeals")
    assert reg.keys.check(key) == p and reg.keys.check(key[:-1] + "x") is None
