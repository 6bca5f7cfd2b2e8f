"""pySHACL is the reference engine: on every example case, pyshacl-turbo gives identical clause
outcomes (every clause's status, and the same number of findings with the same focus nodes; the engines
may print a number as 2 or 2.0 inside a message). Clause by clause, tests/test_clauses.py compares
the engines on every clause test."""

import pytest

from carboncert import service

from conftest import EXAMPLES

CASES = sorted(EXAMPLES.glob("*/*.json"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_turbo_and_pyshacl_give_the_same_report(path):
    fast = service.validate_bytes(path.read_bytes(), backend="turbo")
    reference = service.validate_bytes(path.read_bytes(), backend="pyshacl")
    assert [(c["clause"], c["status"], sorted(f["focus"] for f in c["findings"])) for c in fast["clauses"]] == \
           [(c["clause"], c["status"], sorted(f["focus"] for f in c["findings"])) for c in reference["clauses"]]
    assert fast["conforms"] == reference["conforms"]
