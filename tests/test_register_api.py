"""The register's HTTP API against a real uvicorn server on loopback, with tenants, roles and the access log."""

import json
import os
import subprocess
import sys

import httpx
import pytest

from conftest import EXAMPLES, ROOT, free_port, start_server

pytestmark = pytest.mark.xdist_group("register-server")


def _cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "carboncert.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("register") / "store"
    env = dict(os.environ, CARBONCERT_STORE=str(store))
    keys = {}
    for tenant, role in (("acme", "reviewer"), ("acme", "appeals"), ("acme", "admin"), ("beta", "reviewer")):
        out = _cli(env, "keys", "add", tenant, "--role", role)
        assert out.returncode == 0, out.stderr
        keys[(tenant, role)] = out.stdout.split()[-1]  # the key is the last word
    proc, url = start_server(env)
    yield {"url": url, "keys": keys, "store": store, "env": env}
    proc.terminate()
    proc.wait(timeout=10)


def _h(server, tenant, role):
    return {"Authorization": "Bearer " + server["keys"][(tenant, role)]}


def _bad_case() -> bytes:
    doc = json.loads((EXAMPLES / "bcc-cams" / "conformant.json").read_text(encoding="utf-8"))
    doc["id"] = "BCC-APPEAL-1"
    doc["client"]["legalStatus"] = "deregistered"
    return json.dumps(doc, ensure_ascii=False).encode()


def test_keys_are_required_and_stored_hashed(server):
    url = server["url"]
    r = httpx.get(url + "/v1/cases", timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(url + "/v1/cases", headers={"Authorization": "Bearer cck_0123456789abcdef_" + "x" * 43}, timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(url + "/v1/cases", headers={"Authorization": "Basic abc"}, timeout=30)
    assert r.status_code == 401
    assert httpx.get(url + "/v1/cases", headers=_h(server, "acme", "appeals"), timeout=30).status_code == 200
    # the existing endpoints need no key, as before
    assert httpx.get(url + "/v1/rulebooks", timeout=30).status_code == 200
    # no key's secret is in the store's files
    secret = server["keys"][("acme", "reviewer")].split("_", 2)[2].encode()  # cck_<id>_<secret>
    for path in server["store"].rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path


def test_submit_read_versions_and_roles(server):
    url = server["url"]
    raw = (EXAMPLES / "cec-cms" / "conformant.json").read_bytes()
    cid = json.loads(raw)["id"]
    ct = {"content-type": "application/json"}
    r = httpx.post(url + "/v1/cases", content=raw, headers={**ct, **_h(server, "acme", "reviewer")}, timeout=60)
    assert r.status_code == 201 and r.json()["id"] == cid and r.json()["version"] == 1
    r = httpx.post(url + "/v1/cases", content=raw, headers={**ct, **_h(server, "acme", "reviewer")}, timeout=60)
    assert r.json()["version"] == 2
    r = httpx.post(url + "/v1/cases", content=raw, headers={**ct, **_h(server, "acme", "appeals")}, timeout=60)
    assert r.status_code == 403  # appeals reads only
    got = httpx.get(url + f"/v1/cases/{cid}?version=1", headers=_h(server, "acme", "appeals"), timeout=30)
    assert got.status_code == 200 and got.content == raw and got.headers["carboncert-case-version"] == "1"
    assert got.headers["content-type"].startswith("application/json")
    vs = httpx.get(url + f"/v1/cases/{cid}/versions", headers=_h(server, "acme", "appeals"), timeout=30).json()
    assert [v["version"] for v in vs["versions"]] == [1, 2] and vs["versions"][1]["revision_of"] == 1
    assert vs["versions"][0]["submitted_by"]["role"] == "reviewer"
    # another tenant: not found, never "forbidden" (existence is not leaked)
    for path in (f"/v1/cases/{cid}", f"/v1/cases/{cid}/versions", f"/v1/cases/{cid}/validations"):
        r = httpx.get(url + path, headers=_h(server, "beta", "reviewer"), timeout=30)
        assert r.status_code == 404, path
    assert httpx.get(url + "/v1/cases/NO-SUCH", headers=_h(server, "acme", "appeals"), timeout=30).status_code == 404
    # bad input: the same errors as /v1/validate
    h = {**ct, **_h(server, "acme", "reviewer")}
    r = httpx.post(url + "/v1/cases", content=b'{"id": "x",', headers=h, timeout=30)
    assert r.status_code == 400 and r.json()["line"] == 1
    r = httpx.post(url + "/v1/cases", content=b'{"id": "x", "scheme": "bcc-cams", "colour": 1}', headers=h, timeout=30)
    assert r.status_code == 422 and "colour" in r.json()["error"] + r.json().get("field", "")
    r = httpx.post(url + "/v1/cases", content=b"x" * (1_048_576 + 1), headers=h, timeout=30)
    assert r.status_code == 413 and r.json()["limit"] == 1_048_576
    r = httpx.post(url + "/v1/cases", content=b"<a/>", headers={**h, "content-type": "application/xml"}, timeout=30)
    assert r.status_code == 415


def test_appeal_walkthrough_validate_explain_what_if_same_outcome(server):
    url = server["url"]
    rev, app = _h(server, "acme", "reviewer"), _h(server, "acme", "appeals")
    ct = {"content-type": "application/json"}
    r = httpx.post(url + "/v1/cases", content=_bad_case(), headers={**ct, **rev}, timeout=60)
    assert r.status_code == 201
    cid = r.json()["id"]
    r = httpx.post(url + f"/v1/cases/{cid}/validations", headers=app, timeout=120)
    assert r.status_code == 403  # appeals may not validate
    r = httpx.post(url + f"/v1/cases/{cid}/validations", headers=rev, timeout=120)
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["case_version"] == 1 and rec["conforms"] is False and rec["report"]["conforms"] is False
    assert rec["rulebook"]["shapes_digest"] == rec["report"]["digests"]["shapes"]
    vid = rec["id"]
    assert httpx.get(url + f"/v1/cases/{cid}/validations/{vid}", headers=app, timeout=30).json() == rec
    assert httpx.get(url + f"/v1/cases/{cid}/validations/{vid}", headers=_h(server, "beta", "reviewer"),
                     timeout=30).status_code == 404

    ex = httpx.get(url + f"/v1/cases/{cid}/validations/{vid}/clauses/7.1.2(1)", headers=app, timeout=60)
    assert ex.status_code == 200, ex.text
    ex = ex.json()
    assert ex["status"] == "failed" and ex["text"]["zh"] and ex["text"]["en"]
    assert ex["rulebook"]["version"] == "V2.2" and "in force" in ex["rulebook"]["applied_because"]
    assert ex["remedy"] and ex["remedy"][0]["zh"] and ex["remedy"][0]["en"]
    fact = ex["facts"][0]  # the client's name, as the finding quotes it
    assert {"node": "org-hengxin", "property": "name"} in fact["found_at"]
    assert fact["read_from"]["version"] == 1 and fact["read_from"]["submitted_by"]["role"] == "reviewer"
    assert fact["unchanged_since"]["version"] == 1 and fact["read_from"]["submitted_at"]
    assert httpx.get(url + f"/v1/cases/{cid}/validations/{vid}/clauses/99.99", headers=app,
                     timeout=30).status_code == 404

    patch = [{"op": "replace", "path": "/client/legalStatus", "value": "active"}]
    wi = httpx.post(url + f"/v1/cases/{cid}/what-if", json=patch, headers=rev, timeout=120)
    assert wi.status_code == 200, wi.text
    changes = {c["clause"]: (c["from"], c["to"]) for c in wi.json()["changes"]}
    assert changes["7.1.2(1)"] == ("failed", "passed") and wi.json()["stored"] is False
    versions = httpx.get(url + f"/v1/cases/{cid}/versions", headers=app, timeout=30).json()["versions"]
    assert len(versions) == 1  # nothing stored
    records = httpx.get(url + f"/v1/cases/{cid}/validations", headers=app, timeout=30).json()["validations"]
    assert [x["id"] for x in records] == [vid]
    bad = httpx.post(url + f"/v1/cases/{cid}/what-if", json=[{"op": "replace", "path": "/nope/x", "value": 1}],
                     headers=rev, timeout=60)
    assert bad.status_code == 422

    same = httpx.get(url + "/v1/rulebooks/bcc-cams/V2.2/clauses/7.1.2(1)/cases?status=failed", headers=app, timeout=30)
    assert same.status_code == 200 and [c["case"] for c in same.json()["cases"]] == [cid]
    assert same.json()["cases"][0]["validation"] == vid
    other = httpx.get(url + "/v1/rulebooks/bcc-cams/V2.2/clauses/7.1.2(1)/cases?status=failed",
                      headers=_h(server, "beta", "reviewer"), timeout=30)
    assert other.json()["cases"] == []
    # the one-clause route is untouched
    assert httpx.get(url + "/v1/rulebooks/bcc-cams/V2.2/clauses/7.1.2(1)", timeout=30).json()["clause"] == "7.1.2(1)"

    replay = httpx.get(url + f"/v1/cases/{cid}/validations/{vid}/replay", headers=app, timeout=120).json()
    assert replay["identical"] is True


def test_admin_adds_keys_for_its_own_tenant_and_every_access_is_logged(server):
    url = server["url"]
    r = httpx.post(url + "/v1/keys", json={"role": "appeals"}, headers=_h(server, "acme", "reviewer"), timeout=30)
    assert r.status_code == 403
    r = httpx.post(url + "/v1/keys", json={"role": "appeals"}, headers=_h(server, "acme", "admin"), timeout=30)
    assert r.status_code == 201 and r.json()["tenant"] == "acme"
    new = {"Authorization": "Bearer " + r.json()["key"]}
    assert httpx.get(url + "/v1/cases", headers=new, timeout=30).status_code == 200
    # a denied request and a forbidden one, made here: the test must not rely on others' requests
    assert httpx.get(url + "/v1/cases", headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 401
    assert httpx.post(url + "/v1/cases", content=_bad_case(), headers={**new, "Content-Type": "application/json"},
                      timeout=30).status_code == 403
    log = [json.loads(line) for line in (server["store"] / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert all(set(e) >= {"time", "tenant", "role", "action", "outcome", "status"} for e in log)
    assert any(e["action"] == "add_key" and e["tenant"] == "acme" and e["role"] == "admin" and e["status"] == 201
               for e in log)
    assert any(e["status"] == 401 and e["tenant"] is None and e["outcome"] == "denied" for e in log)
    assert any(e["action"] == "submit" and e["status"] == 403 and e["role"] == "appeals" for e in log)


def test_serve_without_keys_binds_loopback_only(tmp_path):
    env = dict(os.environ, CARBONCERT_STORE=str(tmp_path / "empty"))
    out = _cli(env, "serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert out.returncode == 2 and "no API key is configured" in out.stderr
