"""The case register on a real embedded Oxigraph store on disk: versions, records, snapshots and replay."""

import json
import shutil

import pytest

from carboncert import rulebooks, service
from carboncert.caseio import CaseError
from carboncert.register import NotFound, Register, snapshots
from carboncert.register import records as records_mod
from carboncert.register.tenants import Principal

from conftest import ROOT, example_bytes

REVIEWER = Principal("acme", "reviewer", "k1")
OTHER = Principal("beta", "reviewer", "k2")


@pytest.fixture
def reg(tmp_path):
    return Register.open(str(tmp_path / "store"))


def test_every_submission_is_a_new_version_and_earlier_ones_stay_readable(reg, tmp_path):
    first = example_bytes("cec-cms", "conformant")
    doc = json.loads(first)
    doc["client"]["effectiveHeadcount"] = 321
    second = json.dumps(doc, ensure_ascii=False, indent=3).encode()
    assert reg.submit(REVIEWER, first)["version"] == 1
    got = reg.submit(REVIEWER, second)
    assert got == {"id": doc["id"], "version": 2, "digest": got["digest"]}
    assert reg.case("acme", doc["id"], 1)["content"] == first  # byte for byte
    assert reg.case("acme", doc["id"])["content"] == second
    versions = reg.versions("acme", doc["id"])
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["revision_of"] for v in versions] == [None, 1]
    assert versions[1]["submitted_by"] == {"tenant": "acme", "key": "k1", "role": "reviewer"}
    assert versions[0]["submitted_at"] < versions[1]["submitted_at"]
    # the case's triples are a named graph per version
    assert len(reg.case_triples("acme", doc["id"], 1)) > 100
    # the store is on disk and created on first use
    assert (tmp_path / "store" / "oxigraph").is_dir()


def test_tenants_do_not_see_each_other(reg):
    data = example_bytes("cec-cms", "conformant")
    cid = reg.submit(REVIEWER, data)["id"]
    with pytest.raises(NotFound):
        reg.versions("beta", cid)
    with pytest.raises(NotFound):
        reg.case("beta", cid)
    assert reg.case_ids("beta") == []
    assert reg.submit(OTHER, data)["version"] == 1  # the other tenant's own case, numbered on its own


def test_refuses_what_it_cannot_store(reg):
    with pytest.raises(CaseError) as exc:
        reg.submit(REVIEWER, b'{"id": "x", "scheme": "bcc-cams", "nosuchkey": 1}')
    assert exc.value.status == 422 and exc.value.field
    turtle = (b'@prefix cc: <https://w3id.org/carboncert/ontology#> . @prefix code: <https://w3id.org/carboncert/code/> .'
              b'<https://example.org/a/b> cc:scheme code:bcc-cams .')
    with pytest.raises(CaseError) as exc:
        reg.submit(REVIEWER, turtle, "turtle", "text/turtle")
    assert exc.value.field == "id"


def test_record_holds_the_service_report_and_replays_identically(reg):
    data = example_bytes("cecc-cfp", "nonconformant-certificate")
    cid = reg.submit(REVIEWER, data)["id"]
    rec = reg.validate(REVIEWER, cid)
    assert rec["report"] == service.validate_bytes(data)  # the same answer as POST /v1/validate
    assert rec["case_version"] == 1 and rec["case_digest"] == rec["report"]["digests"]["case"]
    assert rec["rulebook"]["shapes_digest"] == rec["report"]["digests"]["shapes"]
    assert rec["rulebook"]["snapshot"].startswith("sha256:") and rec["engine"].startswith("carboncert ")
    assert rec["as_of"] == rec["report"]["as_of"] and rec["validated_by"]["tenant"] == "acme"
    assert reg.record("acme", cid, rec["id"]) == rec
    with pytest.raises(NotFound):
        reg.record("beta", cid, rec["id"])
    assert reg.replay("acme", cid, rec["id"]) == rec["report"]
    assert [r["id"] for r in reg.records("acme", cid)] == [rec["id"]]
    assert snapshots.verify(reg.snapshots, rec["rulebook"]["snapshot"])


def test_replay_is_identical_after_the_live_shapes_changed(reg, tmp_path, monkeypatch):
    home = tmp_path / "home"
    for part in ("shapes/common", "shapes/cecc-cfp", "rules/cecc-cfp", "data/tables/cecc-cfp", "data/calendar"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, home / part)
    live_folder = home / "shapes" / "cecc-cfp" / "unnumbered"
    live = rulebooks.load_version(live_folder)
    original_choose = records_mod.choose

    def choose(case, version, as_of):
        _, why, when, source = original_choose(case, version, as_of)
        return live, why, when, source

    monkeypatch.setattr(records_mod, "choose", choose)
    data = example_bytes("cecc-cfp", "nonconformant-certificate")
    cid = reg.submit(REVIEWER, data)["id"]
    rec = reg.validate(REVIEWER, cid)
    status = {e["clause"]: e["status"] for e in rec["report"]["clauses"]}
    assert status["5(2)"] == "failed"

    (live_folder / "certificate_content.ttl").unlink()  # the live rulebook changes
    changed = rulebooks.load_version(live_folder)
    assert changed.digest != rec["rulebook"]["shapes_digest"]
    assert changed.encoding["5(2)"] != "encoded"  # a fresh validation would now decide 5(2) differently

    again = reg.replay("acme", cid, rec["id"], fresh=True)
    assert again == rec["report"]
    assert json.dumps(again, ensure_ascii=False) == json.dumps(rec["report"], ensure_ascii=False)


def test_replay_reads_the_case_under_the_snapshots_ontology(reg, tmp_path, monkeypatch):
    """The ontology decides how the stored bytes are read and typed, so it is kept in the snapshot too:
    after the live ontology loses the terms the case uses, a replay still gives the record's report."""
    from carboncert import caseio

    home = tmp_path / "home"
    for part in ("ontology", "shapes/common", "shapes/cecc-cfp", "rules/cecc-cfp", "data/tables/cecc-cfp", "data/calendar"):
        shutil.copytree(ROOT / part, home / part)
    live_folder = home / "shapes" / "cecc-cfp" / "unnumbered"
    live = rulebooks.load_version(live_folder)
    assert live.ontology_dir == home / "ontology"
    original_choose = records_mod.choose
    monkeypatch.setattr(records_mod, "choose", lambda case, version, as_of: (live, *original_choose(case, version, as_of)[1:]))
    data = example_bytes("cecc-cfp", "nonconformant-certificate")
    cid = reg.submit(REVIEWER, data)["id"]
    rec = reg.validate(REVIEWER, cid)
    assert rec["report"] == service.validate_bytes(data)
    snapshot = reg.snapshots / rec["rulebook"]["snapshot"].split(":", 1)[1]
    assert (snapshot / "ontology" / "inferred.ttl").is_file() and (snapshot / "ontology" / "modules").is_dir()

    for module in (home / "ontology" / "modules").glob("*.ttl"):  # the live ontology changes
        module.unlink()
    with pytest.raises(CaseError, match="unknown"):
        caseio.parse_case(data, ontology_dir=home / "ontology")  # a fresh reading would now refuse the case
    assert rulebooks.load_version(live_folder).digest != rec["rulebook"]["shapes_digest"]

    assert reg.replay("acme", cid, rec["id"], fresh=True) == rec["report"]
    assert snapshots.verify(reg.snapshots, rec["rulebook"]["snapshot"])


def test_same_outcome_and_what_if(reg):
    base = json.loads(example_bytes("cecc-cfp", "nonconformant-certificate"))
    ids = []
    for n in range(2):
        doc = dict(base, id=f"{base['id']}-{n}")
        ids.append(reg.submit(REVIEWER, json.dumps(doc, ensure_ascii=False).encode())["id"])
        reg.validate(REVIEWER, ids[-1])
    failed = reg.same_outcome("acme", "cecc-cfp", "unnumbered", "5(2)", "failed")
    assert [c["case"] for c in failed] == ids
    assert reg.same_outcome("acme", "cecc-cfp", "unnumbered", "5(2)", "passed") == []
    assert reg.same_outcome("beta", "cecc-cfp", "unnumbered", "5(2)", "failed") == []
    with pytest.raises(CaseError):
        reg.what_if(REVIEWER, ids[0], [{"op": "replace", "path": "/nosuch/thing", "value": 1}])
    answer = reg.what_if(REVIEWER, ids[0], [])
    assert answer["changes"] == [] and answer["stored"] is False
    assert len(reg.versions("acme", ids[0])) == 1 and len(reg.records("acme", ids[0])) == 1


def test_limiter_gives_up_at_its_deadline():
    import time

    limiter = records_mod.Limiter(timeout=0.05, workers=1)
    with pytest.raises(records_mod.ValidationTimeout):
        limiter(time.sleep, 0.5)
    with pytest.raises(records_mod.ValidationTimeout):  # its worker is still busy: no second one starts
        limiter(lambda: 42)
    time.sleep(0.6)
    assert limiter(lambda: 42) == 42  # after the slow one ended, the worker is free again
