"""The HTTP API against a real uvicorn server on loopback."""

import json
import subprocess
import sys

import httpx
import pytest

from carboncert import caseio

from conftest import EXAMPLES, start_server


@pytest.fixture(scope="module")
def base():
    proc, url = start_server()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _case(**changes) -> bytes:
    doc = json.loads((EXAMPLES / "bcc-cams" / "conformant.json").read_text(encoding="utf-8"))
    doc["client"].update(changes)
    return json.dumps(doc, ensure_ascii=False).encode()


def test_validate_returns_the_same_report_as_the_cli(base):
    raw = (EXAMPLES / "bcc-cams" / "conformant.json").read_bytes()
    r = httpx.post(base + "/v1/validate", content=raw, headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200
    cli = subprocess.run([sys.executable, "-m", "carboncert.cli", "validate", str(EXAMPLES / "bcc-cams" / "conformant.json"),
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    assert r.json() == json.loads(cli.stdout)


def test_validate_nonconformant_names_the_clause(base):
    r = httpx.post(base + "/v1/validate", content=_case(legalStatus="deregistered"),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body["conforms"] is False
    assert next(c for c in body["clauses"] if c["clause"] == "7.1.2(1)")["status"] == "failed"


def test_validate_turtle_and_jsonld_bodies(base):
    ttl = """@prefix cc: <https://w3id.org/carboncert/ontology#> . @prefix code: <https://w3id.org/carboncert/code/> .
    <https://w3id.org/carboncert/case/T-1> cc:scheme code:bcc-cams ; cc:referenceDate "2026-09-01"^^<http://www.w3.org/2001/XMLSchema#date> ."""
    r = httpx.post(base + "/v1/validate", content=ttl.encode(), headers={"content-type": "text/turtle"}, timeout=60)
    assert r.status_code == 200 and r.json()["case"] == "T-1"
    doc = {"@context": {"@vocab": "https://w3id.org/carboncert/ontology#",
                        "scheme": {"@id": "https://w3id.org/carboncert/ontology#scheme", "@type": "@id"}},
           "@id": "https://w3id.org/carboncert/case/T-2", "scheme": "https://w3id.org/carboncert/code/bcc-cams"}
    r = httpx.post(base + "/v1/validate", json=doc, headers={"content-type": "application/ld+json"}, timeout=60)
    assert r.status_code == 200 and r.json()["case"] == "T-2"


def test_query_options_and_text_format(base):
    r = httpx.post(base + "/v1/validate?as_of=2026-10-01&format=text", content=_case(),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200 and "2026-10-01" in r.text and "CONFORMS" in r.text


@pytest.mark.parametrize("body,ctype,status,key", [
    (b'{"scheme": "bcc-cams",\n "client": }', "application/json", 400, "line"),
    (b"<a> <b> .", "text/turtle", 400, "line"),
    (b'{"scheme": "bcc-cams", "clinet": {}}', "application/json", 422, "field"),
    (b'{"scheme": "bcc-cams", "referenceDate": "2026-02-30"}', "application/json", 422, "field"),
    (b'{"@context": "https://example.org/ctx", "scheme": "x"}', "application/ld+json", 422, "field"),
    (b'{"scheme": "nope"}', "application/json", 422, "error"),
    (b"scheme=bcc", "application/x-www-form-urlencoded", 415, "error"),
])
def test_bad_input_gets_a_clear_error_never_a_500(base, body, ctype, status, key):
    r = httpx.post(base + "/v1/validate", content=body, headers={"content-type": ctype}, timeout=60)
    assert r.status_code == status, r.text
    assert key in r.json() and "Traceback" not in r.text


def test_bad_query_parameter_is_422_naming_it(base):
    r = httpx.post(base + "/v1/validate?as_of=2026-13-01", content=_case(), headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "query.as_of"


def test_body_over_the_limit_is_413_by_content_length(base):
    r = httpx.post(base + "/v1/validate", content=b" " * (caseio.MAX_CASE_BYTES + 1),
                   headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413 and r.json()["limit"] == caseio.MAX_CASE_BYTES


def test_chunked_body_over_the_limit_is_413_while_reading(base):
    def chunks():
        for _ in range(40):
            yield b" " * 65536  # 2.5 MiB in all, no Content-Length

    r = httpx.post(base + "/v1/validate", content=chunks(), headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413


def test_rulebooks_and_clauses(base):
    r = httpx.get(base + "/v1/rulebooks")
    assert r.status_code == 200
    assert sorted((b["scheme"], b["slug"]) for b in r.json()["rulebooks"]) == [
        ("bcc-cams", "V2.1"), ("bcc-cams", "V2.2"), ("cec-cms", "A-2"), ("cec-zcf", "A-0"),
        ("cecc-cfp", "unnumbered"), ("cicc-cn", "C-0")]
    r = httpx.get(base + "/v1/rulebooks/bcc-cams/V2.2/clauses")
    assert r.status_code == 200 and r.json()["clauses"][0]["clause"] == "1.1"
    r = httpx.get(base + "/v1/rulebooks/bcc-cams/V2.2/clauses/7.4.4.1(2)")
    assert r.status_code == 200 and r.json()["category"] == "team_composition" and r.json()["text"]["zh"]
    r = httpx.get(base + "/v1/rulebooks/cicc-cn/C-0/clauses/4.2.1(6)/s1")
    assert r.status_code == 200 and r.json()["clause"] == "4.2.1(6)/s1"
    r = httpx.get(base + "/v1/rulebooks/bcc-cams/V2.2/clauses/99.9")
    assert r.status_code == 404 and "99.9" in r.json()["error"]
    r = httpx.get(base + "/v1/rulebooks/nope/V1/clauses")
    assert r.status_code == 404


def test_openapi_docs(base):
    assert httpx.get(base + "/docs").status_code == 200
    spec = httpx.get(base + "/openapi.json").json()
    assert "/v1/validate" in spec["paths"]
