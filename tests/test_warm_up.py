"""A long-running process loads and compiles every rulebook before its first request (service.warm_up)."""

import gc
import shutil

from carboncert import engine, rulebooks, service
from carboncert.vocab import SHAPES_DIR


def test_warm_up_compiles_every_rulebook_and_names_a_broken_one_without_stopping(tmp_path, monkeypatch):
    good = tmp_path / "shapes" / "cecc-cfp" / "unnumbered"
    shutil.copytree(SHAPES_DIR / "cecc-cfp" / "unnumbered", good)
    shutil.copytree(SHAPES_DIR / "common", tmp_path / "shapes" / "common")
    shutil.copytree(SHAPES_DIR.parent / "rules" / "cecc-cfp", tmp_path / "rules" / "cecc-cfp")
    broken = tmp_path / "shapes" / "bcc-cams" / "V2.2"
    broken.mkdir(parents=True)
    shutil.copy(SHAPES_DIR / "bcc-cams" / "V2.2" / "rulebook.ttl", broken / "rulebook.ttl")
    (broken / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    monkeypatch.setattr(rulebooks, "SHAPES_DIR", tmp_path / "shapes")
    monkeypatch.setattr(rulebooks, "catalogue", rulebooks.catalogue.__wrapped__)  # uncached: reads the tree above
    try:
        problems = service.warm_up()
        assert len(problems) == 1 and problems[0].startswith("bcc-cams: ") and "broken.ttl" in problems[0]
        [version] = rulebooks.versions("cecc-cfp")
        assert (engine.DEFAULT_BACKEND, "shapes", version.selection()) in version._compiled
        assert (engine.DEFAULT_BACKEND, "rules", None) in version._compiled
        assert gc.get_freeze_count() > 0  # the loaded rulebooks are out of the collector's way
    finally:
        gc.unfreeze()
