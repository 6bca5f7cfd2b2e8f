"""Every clause test kept as data next to the shapes: the exact clause id gets the exact status,
from the default engine (pyshacl-turbo) and from the reference engine (pySHACL) alike.

Per test, both engines run only the shapes naming the clauses the test is about (a clause's status
depends on those alone), the reference engine over the facts the default engine's rules derived
(rdflib's SPARQL is far too slow to run every rule and shape on every test in CI). tests/test_engines_agree.py runs both engines end to end, rules included, on every
example case and compares every clause."""

import os

import pytest

from carboncert import clausetests
from carboncert.rulebooks import META_FILES
from carboncert.vocab import SHAPES_DIR

# A revision written as a change of another version (version.ttl) runs its own tests only here: the
# tests it inherits exercise the same shape files, already run against the version they come from.
ALL = [t for folder in sorted(SHAPES_DIR.glob("*/*/")) if any((folder / m).exists() for m in META_FILES)
       for t in clausetests.load_tests(folder, inherited=False)]
DEFAULT = os.environ.get("CARBONCERT_ENGINE", "turbo")


@pytest.mark.parametrize("test", ALL, ids=[t.id for t in ALL])
def test_clause(test):
    actual, report = clausetests.run_test(test, backend=DEFAULT, only_expected=True)
    assert actual == test.expect, _explain(report, test.expect)
    if DEFAULT != "pyshacl":
        reference, ref_report = clausetests.run_test(test, backend="pyshacl", only_expected=True, rules_backend="turbo")
        assert _outcomes(ref_report, test.expect) == _outcomes(report, test.expect), "pySHACL disagrees"


def _outcomes(report, clauses):
    return {c["clause"]: (c["status"], len(c["findings"])) for c in report["clauses"] if c["clause"] in clauses}


def _explain(report, expect):
    lines = []
    for c in report["clauses"]:
        if c["clause"] in expect:
            lines.append(f"{c['clause']}: {c['status']} {[f['message']['en'] for f in c['findings']]}")
    return "\n".join(lines)
