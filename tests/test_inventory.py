"""Clause metadata is generated from the shared inventories; any drift fails here."""

import pytest
import yaml

from carboncert import inventory, rulebooks

from conftest import SHARED

INVENTORIES = sorted(SHARED.glob("*.clauses.yaml")) if SHARED.exists() else []


@pytest.mark.skipif(not INVENTORIES, reason=f"the shared inventories are not at {SHARED}")
@pytest.mark.parametrize("path", INVENTORIES, ids=[p.name for p in INVENTORIES])
def test_rulebook_metadata_matches_inventory(path):
    inv = inventory.load_inventory(path)
    committed = (inventory.target_dir(inv) / "rulebook.ttl").read_text(encoding="utf-8")
    assert committed == inventory.rulebook_ttl(inv), f"regenerate: carboncert inventory import {path}"


@pytest.mark.skipif(not INVENTORIES, reason=f"the shared inventories are not at {SHARED}")
@pytest.mark.parametrize("path", INVENTORIES, ids=[p.name for p in INVENTORIES])
def test_every_inventory_entry_is_a_clause_of_the_loaded_version(path):
    inv = yaml.safe_load(path.read_text(encoding="utf-8"))
    rb = inv["rulebook"]
    version = rulebooks.get_version(inventory.target_dir(inv))
    assert [c.id for c in version.clauses] == [c["id"] for c in inv["clauses"]]
    assert version.scheme == rb["scheme"] and version.doc_no == (rb.get("doc_no") or "")
    for entry, clause in zip(inv["clauses"], version.clauses):
        assert (clause.category, clause.checkable, clause.severity) == (entry["category"], str(entry["checkable"]), entry["severity"])
        assert clause.text_zh == entry["text_zh"].strip() and clause.statement_en == entry["requirement_en"].strip()


def test_five_schemes_are_known():
    assert sorted(rulebooks.catalogue()) == ["bcc-cams", "cec-cms", "cec-zcf", "cecc-cfp", "cicc-cn"]
