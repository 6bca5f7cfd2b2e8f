"""Every clause test kept as data next to the shapes: the exact clause id gets the exact status."""

import pytest

from carboncert import clausetests
from carboncert.vocab import SHAPES_DIR

ALL = [t for folder in sorted(SHAPES_DIR.glob("*/*/")) if (folder / "rulebook.ttl").exists()
       for t in clausetests.load_tests(folder)]


@pytest.mark.parametrize("test", ALL, ids=[t.id for t in ALL])
def test_clause(test):
    actual, report = clausetests.run_test(test)
    assert actual == test.expect, _explain(report, test.expect)


def _explain(report, expect):
    lines = []
    for c in report["clauses"]:
        if c["clause"] in expect:
            lines.append(f"{c['clause']}: {c['status']} {[f['message']['en'] for f in c['findings']]}")
    return "\n".join(lines)
