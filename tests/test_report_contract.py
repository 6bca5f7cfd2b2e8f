"""The report contract of DESIGN.md: keys, statuses, summary, conforms, digests, as_of, findings."""

import json
import re
from datetime import date

import pytest

from carboncert import service
from carboncert.report import STATUSES

from conftest import example_bytes

SCHEMES = ["bcc-cams", "cec-cms", "cicc-cn", "cec-zcf", "cecc-cfp"]


def _nonconformant_report():
    doc = json.loads(example_bytes("bcc-cams"))
    doc["client"]["legalStatus"] = "deregistered"
    return service.validate_bytes(json.dumps(doc, ensure_ascii=False).encode())


def test_top_level_keys_and_types():
    r = service.validate_bytes(example_bytes("bcc-cams"))
    assert set(r) >= {"case", "scheme", "rulebook", "as_of", "conforms", "digests", "engine", "summary", "clauses"}
    assert r["case"] == "BCC-CAMS-2026-0137" and r["scheme"] == "bcc-cams"
    assert r["rulebook"]["doc_no"] == "GF 108 B" and r["rulebook"]["version"] == "V2.2"
    assert r["rulebook"]["effective"] == "2026-06-24"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", r["digests"]["case"])
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", r["digests"]["shapes"])
    assert r["engine"] == "carboncert 0.1.0"
    assert set(r["summary"]) == set(STATUSES)
    assert sum(r["summary"].values()) == len(r["clauses"])


def test_every_clause_of_the_rulebook_is_listed_once_in_order():
    from carboncert import rulebooks

    r = service.validate_bytes(example_bytes("bcc-cams"))
    v = rulebooks.versions("bcc-cams")[-1]
    assert [c["clause"] for c in r["clauses"]] == [c.id for c in v.clauses]
    for c in r["clauses"]:
        assert c["status"] in STATUSES
        assert c["severity"] in ("violation", "warning", "info")
        assert c["text"]["zh"] and c["text"]["en"]
        assert c["encoding"] in ("encoded", "manual_review", "not_encoded")
        if c["status"] == "manual_review":
            assert c["review"]["zh"] and c["review"]["en"]


def test_failed_finding_names_clause_facts_and_fix_in_both_languages():
    r = _nonconformant_report()
    assert r["conforms"] is False
    clause = next(c for c in r["clauses"] if c["clause"] == "7.1.2(1)")
    assert clause["status"] == "failed" and clause["category"] == "eligibility"
    (finding,) = clause["findings"]
    assert set(finding) >= {"message", "focus", "focus_label", "path", "values", "derivation", "remedy"}
    assert finding["message"]["zh"] and finding["message"]["en"]
    assert finding["remedy"]["zh"] and finding["remedy"]["en"]
    assert finding["values"] == ["江苏恒信精密机械有限公司"]
    assert "江苏恒信精密机械有限公司" in finding["message"]["zh"]
    assert finding["focus"] == "BCC-CAMS-2026-0137"


def test_conforms_ignores_warnings_and_infos_but_not_missing_information():
    doc = json.loads(example_bytes("bcc-cams"))
    del doc["client"]["legalStatus"]
    r = service.validate_bytes(json.dumps(doc, ensure_ascii=False).encode())
    c = next(c for c in r["clauses"] if c["clause"] == "7.1.2(1)")
    assert c["status"] == "missing_information" and r["conforms"] is False
    assert r["summary"]["missing_information"] >= 1


def test_as_of_comes_from_the_request_then_the_case_never_silently_the_clock():
    r = service.validate_bytes(example_bytes("bcc-cams"))
    assert r["as_of"] == "2026-09-15" and "referenceDate" in r["as_of_source"]
    r = service.validate_bytes(example_bytes("bcc-cams"), as_of=date(2027, 1, 2))
    assert r["as_of"] == "2027-01-02" and r["as_of_source"] == "asked for"
    doc = json.loads(example_bytes("bcc-cams"))
    del doc["referenceDate"]
    r = service.validate_bytes(json.dumps(doc, ensure_ascii=False).encode())
    assert r["as_of"] == date.today().isoformat() and "today" in r["as_of_source"]


def test_same_inputs_give_the_same_report():
    a = service.validate_bytes(example_bytes("bcc-cams"))
    b = service.validate_bytes(example_bytes("bcc-cams"))
    assert a == b


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_conformant_example_conforms(scheme):
    r = service.validate_bytes(example_bytes(scheme))
    bad = [(c["clause"], [f["message"]["en"] for f in c["findings"]]) for c in r["clauses"]
           if c["status"] in ("failed", "missing_information") and c["severity"] == "violation"]
    assert r["conforms"], bad


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_scheme_has_at_least_two_nonconformant_examples(scheme):
    from conftest import EXAMPLES

    paths = sorted((EXAMPLES / scheme).glob("nonconformant*.json"))
    assert len(paths) >= 2
    for p in paths:
        r = service.validate_bytes(p.read_bytes())
        assert r["conforms"] is False, p.name
        assert json.loads(p.read_text(encoding="utf-8")).get("description"), f"{p.name} says what is wrong"
