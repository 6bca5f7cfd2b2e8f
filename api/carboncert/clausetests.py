"""Clause tests kept as data next to the shapes: shapes/<scheme>/<version>/tests/*.yaml.

A file:
    base: data/examples/bcc-cams/conformant.json    # the case every test patches (repo-relative)
    tests:
      - clause: "7.1.2(1)"
        name: deregistered client
        patch: [{op: replace, path: /client/legalStatus, value: deregistered}]   # RFC 6902
        expect: failed                     # or a mapping {clause id: status, ...}
        as_of: 2026-11-21                  # optional
        readings: {"7.4.2.3[2]": nearest-half}   # optional: alternative readings to apply
        todo: why it is pending                  # optional: listed, not run
A test may also give `case:` (a whole case, instead of base + patch).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from . import caseio, service
from .vocab import HOME


class PatchError(ValueError):
    pass


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts: list[str], path: str):
    node = doc
    for p in parts:
        if isinstance(node, list):
            if not p.isdigit() or int(p) >= len(node):
                raise PatchError(f"no index {p} at {path!r}")
            node = node[int(p)]
        elif isinstance(node, dict):
            if p not in node:
                raise PatchError(f"no member {p!r} at {path!r}")
            node = node[p]
        else:
            raise PatchError(f"cannot descend into a scalar at {path!r}")
    return node


def apply_patch(doc, ops: list[dict]):
    """RFC 6902 add / remove / replace (what clause tests need), on a copy."""
    doc = copy.deepcopy(doc)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        parts = _pointer(path)
        if not parts:
            raise PatchError("cannot patch the whole document")
        parent = _walk(doc, parts[:-1], path)
        last = parts[-1]
        if kind in ("add", "replace"):
            value = copy.deepcopy(op["value"])
            if isinstance(parent, list):
                if last == "-":
                    parent.append(value)
                elif kind == "add":
                    parent.insert(int(last), value)
                else:
                    _walk(parent, [last], path)
                    parent[int(last)] = value
            else:
                if kind == "replace" and last not in parent:
                    raise PatchError(f"replace of a missing member {path!r}")
                parent[last] = value
        elif kind == "remove":
            _walk(parent, [last], path)
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        else:
            raise PatchError(f"unsupported patch op {kind!r}")
    return doc


@dataclass
class ClauseTest:
    file: Path
    index: int
    name: str
    scheme: str
    version: str
    expect: dict[str, str]
    doc: dict
    as_of: date | None = None
    meta: dict = field(default_factory=dict)
    readings: dict = field(default_factory=dict)
    todo: str = ""

    @property
    def id(self) -> str:
        return f"{self.scheme}/{self.version}/{self.file.stem}#{self.index}:{self.name}"


def load_tests(folder: Path, inherited: bool = True) -> list[ClauseTest]:
    """All clause tests of one rulebook version folder.

    A revision written as a change of another version (version.ttl) inherits the base's tests, run
    against the revision, without the expectations on clauses it retires; `inherited=False` gives
    only its own (the suite runs the base's tests once, against the base, where the same shapes live)."""
    from dataclasses import replace

    from . import rulebooks

    out = []
    scheme, version = folder.parent.name, folder.name
    rulebook = rulebooks.get_version(folder)
    if rulebook.based_on and inherited:
        retired = set(rulebook.retired)
        for t in load_tests(folder.parent / rulebook.based_on):
            expect = {cid: status for cid, status in t.expect.items() if cid not in retired}
            if expect:
                out.append(replace(t, version=version, expect=expect))
    for path in sorted((folder / "tests").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        base_doc = json.loads((HOME / spec["base"]).read_text(encoding="utf-8")) if spec.get("base") else None
        for i, t in enumerate(spec.get("tests") or []):
            if "case" in t:
                doc = t["case"]
            else:
                if base_doc is None:
                    raise ValueError(f"{path}: test {i} has neither case nor a file-level base")
                doc = apply_patch(base_doc, t.get("patch") or [])
            expect = t["expect"] if isinstance(t["expect"], dict) else {str(t["clause"]): t["expect"]}
            as_of = t.get("as_of")
            out.append(ClauseTest(file=path, index=i, name=str(t.get("name", i)), scheme=scheme, version=version,
                                  expect={str(k): v for k, v in expect.items()}, doc=doc,
                                  as_of=date.fromisoformat(str(as_of)) if as_of else None, meta=t,
                                  readings={str(k): str(v) for k, v in (t.get("readings") or {}).items()},
                                  todo=str(t.get("todo") or "")))
    return out


def run_test(test: ClauseTest, backend: str | None = None, only_expected: bool = False,
             rules_backend: str | None = None) -> tuple[dict[str, str], dict]:
    """(actual status per expected clause, the whole report). `only_expected` runs just the shapes
    naming the expected clauses (their statuses depend on those alone; other clauses' statuses in the
    report are then meaningless)."""
    data = json.dumps(test.doc, ensure_ascii=False).encode("utf-8")
    report = service.validate_case(caseio.parse_case(data), version=test.version, as_of=test.as_of, backend=backend,
                                   readings=test.readings, only_clauses=set(test.expect) if only_expected else None,
                                   rules_backend=rules_backend)
    statuses = {c["clause"]: c["status"] for c in report["clauses"]}
    return {cid: statuses.get(cid, "<no such clause>") for cid in test.expect}, report


def run_suite(folders, backend: str | None = None, out=None) -> tuple[int, int, int]:
    """Run clause tests like policy tests: a line per failing test, `todo` for pending ones.
    Returns (passed, failed, todo)."""
    import sys

    out = out or sys.stdout
    passed = failed = todo = 0
    for folder in folders:
        for test in load_tests(folder):
            if test.todo:
                todo += 1
                print(f"todo  {test.id}: {test.todo}", file=out)
                continue
            try:
                actual, _ = run_test(test, backend, only_expected=True)
            except Exception as exc:  # a broken test is a failure, said plainly
                failed += 1
                print(f"FAIL  {test.id}: {exc}", file=out)
                continue
            if actual == test.expect:
                passed += 1
            else:
                failed += 1
                diff = ", ".join(f"{cid}: expected {test.expect[cid]}, got {actual[cid]}" for cid in test.expect
                                 if actual[cid] != test.expect[cid])
                print(f"FAIL  {test.id}: {diff}", file=out)
    return passed, failed, todo
