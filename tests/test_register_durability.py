"""No lost data, bounded work: parallel submissions, kill -9 during a burst, limits, against real servers."""

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from conftest import EXAMPLES, start_server

pytestmark = pytest.mark.xdist_group("register-durability")

CT = {"content-type": "application/json"}


def _case(case_id: str, headcount: int) -> bytes:
    doc = json.loads((EXAMPLES / "cec-cms" / "conformant.json").read_text(encoding="utf-8"))
    doc["id"] = case_id
    doc["client"]["effectiveHeadcount"] = headcount
    return json.dumps(doc, ensure_ascii=False).encode()


def _versions(url, cid):
    r = httpx.get(url + f"/v1/cases/{cid}/versions", timeout=30)
    return r.json()["versions"] if r.status_code == 200 else []


def test_parallel_submissions_are_all_stored_with_distinct_versions(tmp_path):
    env = dict(os.environ, CARBONCERT_STORE=str(tmp_path / "store"))
    proc, url = start_server(env)
    try:
        jobs = [(f"PAR-{i % 3}", 100 + i) for i in range(36)]
        with httpx.Client(timeout=60) as client:
            client.post(url + "/v1/cases", content=_case("WARM", 1), headers=CT)  # ontology loaded once
            started = time.perf_counter()
            with ThreadPoolExecutor(12) as pool:
                answers = list(pool.map(lambda j: client.post(url + "/v1/cases", content=_case(*j), headers=CT), jobs))
            elapsed = time.perf_counter() - started
        assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201]
        print(f"{len(jobs)} parallel submissions in {elapsed:.2f} s: {len(jobs) / elapsed:.1f}/s")
        for k in range(3):
            acked = sorted(a.json()["version"] for a in answers if a.json()["id"] == f"PAR-{k}")
            assert acked == list(range(1, 13))
            stored = _versions(url, f"PAR-{k}")
            assert [v["version"] for v in stored] == acked
            # each version holds exactly the bytes its submitter sent
            for v in stored:
                body = httpx.get(url + f"/v1/cases/PAR-{k}?version={v['version']}", timeout=30).content
                assert json.loads(body)["id"] == f"PAR-{k}"
                assert v["digest"] == next(a.json()["digest"] for a in answers
                                           if a.json()["id"] == f"PAR-{k}" and a.json()["version"] == v["version"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_kill_9_during_a_burst_loses_no_acknowledged_submission(tmp_path):
    env = dict(os.environ, CARBONCERT_STORE=str(tmp_path / "store"), CARBONCERT_VALIDATION_TIMEOUT="0.001")
    proc, url = start_server(env)
    acked: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker: int):
        n = 0
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                n += 1
                try:
                    r = client.post(url + "/v1/cases", content=_case(f"KILL-{worker % 2}", worker * 1000 + n), headers=CT)
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        acked.append(r.json())

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(acked) < 15 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-burst
    proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= 15

    proc, url = start_server(env)  # the same store, reopened
    try:
        for k in range(2):
            stored = {v["version"]: v for v in _versions(url, f"KILL-{k}")}
            mine = [a for a in acked if a["id"] == f"KILL-{k}"]
            for a in mine:  # every acknowledged submission is there, with what was sent
                assert a["version"] in stored and stored[a["version"]]["digest"] == a["digest"]
            # consistent: versions numbered 1..N without gaps, each readable, each a revision of the one before
            assert sorted(stored) == list(range(1, len(stored) + 1))
            for n, v in stored.items():
                assert v["revision_of"] == (n - 1 if n > 1 else None)
                r = httpx.get(url + f"/v1/cases/KILL-{k}?version={n}", timeout=30)
                assert r.status_code == 200 and json.loads(r.content)["id"] == f"KILL-{k}"
        # the store takes new submissions after the restart
        r = httpx.post(url + "/v1/cases", content=_case("KILL-0", 1), headers=CT, timeout=30)
        assert r.status_code == 201 and r.json()["version"] == len(_versions(url, "KILL-0"))

        # limits: a validation past its deadline is 503 with Retry-After, and the server stays up
        r = httpx.post(url + "/v1/cases/KILL-0/validations", timeout=120)
        assert r.status_code == 503 and r.headers["retry-after"] == "30"
        assert "limit of 0.001 s" in r.json()["error"] or "busy" in r.json()["error"]
        too_many = {"id": "BIG", "scheme": "cec-cms", "people": [{"id": f"p{i}", "name": f"n{i}"} for i in range(12000)]}
        r = httpx.post(url + "/v1/cases", json=too_many, timeout=60)
        assert r.status_code == 422 and r.json()["limit"] == 20000
        r = httpx.post(url + "/v1/cases", content=b" " * 1_100_000, headers=CT, timeout=60)
        assert r.status_code == 413
        assert httpx.get(url + "/v1/rulebooks", timeout=30).status_code == 200
        assert httpx.get(url + "/v1/cases/KILL-0/versions", timeout=30).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
