"""pySHACL is the reference engine: pyshacl-turbo must give identical clause outcomes on every clause test."""

import pytest

from carboncert import clausetests

from test_clauses import ALL


@pytest.mark.parametrize("test", ALL, ids=[t.id for t in ALL])
def test_turbo_and_pyshacl_agree(test):
    _, fast = clausetests.run_test(test, backend="turbo")
    _, reference = clausetests.run_test(test, backend="pyshacl")
    assert [(c["clause"], c["status"], len(c["findings"])) for c in fast["clauses"]] == \
           [(c["clause"], c["status"], len(c["findings"])) for c in reference["clauses"]]
