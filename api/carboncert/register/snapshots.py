"""Content-addressed snapshots of the files a rulebook version is loaded from.

A snapshot is a folder <snapshots>/<hex>/ laid out like the repository (shapes/common/…,
shapes/<scheme>/<version>/…, rules/<scheme>/<version>/…, data/tables/<scheme>/<version>/…,
data/calendar/…, and ontology/…, which decides how a stored case is read and typed) with a
MANIFEST.json listing every file and its sha256. Its name is the sha256 of the
manifest lines ("<path>\\0<sha256>\\n", sorted), so the same files always give the same snapshot and a
snapshot never changes once written (it is built in a temporary folder and renamed into place).
`rulebooks.load_version(<snapshot>/shapes/<scheme>/<version>)` loads it exactly as the live version was.

Validations are run from the snapshot (not from the live folder), so what a record says was applied is,
by construction, what a replay applies.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .. import ontology, rulebooks
from ..vocab import DATA_DIR

_lock = threading.Lock()
_loaded: dict[tuple[str, str], rulebooks.RulebookVersion] = {}


def _home_of(folder: Path) -> Path:
    return folder.resolve().parents[2]


def files_of(folder: Path) -> tuple[Path, dict[str, Path]]:
    """The tree a version folder lives in and every file the version is loaded from, by relative path."""
    home = _home_of(folder)
    layout = rulebooks._layout(folder)
    paths = list(layout.meta_files) + sorted((home / "shapes" / "common").glob("*.ttl"))
    paths += layout.shape_files + layout.rule_files + layout.table_files
    calendar = home / "data" / "calendar"
    if not calendar.is_dir():
        calendar = DATA_DIR / "calendar"
    out = {}
    for p in paths:
        out[p.resolve().relative_to(home).as_posix()] = p
    for p in sorted(calendar.glob("*")):
        if p.is_file():
            out["data/calendar/" + p.name] = p
    onto_dir = ontology.folder_in(home)
    for p in ontology.files_deciding_outcomes(onto_dir):
        out["ontology/" + p.relative_to(onto_dir).as_posix()] = p
    return home, out


def _digest(manifest: dict[str, str]) -> str:
    h = hashlib.sha256()
    for rel in sorted(manifest):
        h.update(f"{rel}\0{manifest[rel]}\n".encode())
    return "sha256:" + h.hexdigest()


def take(folder: Path, root: Path) -> tuple[str, Path]:
    """Snapshot the version in `folder` under `root`; the snapshot's digest and its version folder."""
    home, files = files_of(folder)
    contents = {rel: p.read_bytes() for rel, p in files.items()}
    manifest = {rel: hashlib.sha256(data).hexdigest() for rel, data in contents.items()}
    digest = _digest(manifest)
    target = root / digest.split(":", 1)[1]
    rel_folder = folder.resolve().relative_to(home).as_posix()
    if not (target / "MANIFEST.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            for rel, data in contents.items():
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(dest, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            (tmp / rel_folder).mkdir(parents=True, exist_ok=True)
            with open(tmp / "MANIFEST.json", "w", encoding="utf-8") as fh:
                json.dump({"digest": digest, "version_folder": rel_folder, "files": manifest}, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.rename(tmp, target)
            except OSError:
                if not (target / "MANIFEST.json").exists():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return digest, target / rel_folder


def folder_of(root: Path, digest: str, version_folder: str) -> Path:
    target = root / digest.split(":", 1)[-1]
    if not (target / "MANIFEST.json").exists():
        raise FileNotFoundError(f"snapshot {digest} is not in {root}")
    return target / version_folder


def verify(root: Path, digest: str) -> bool:
    """Are the snapshot's files still exactly the ones its digest names?"""
    target = root / digest.split(":", 1)[-1]
    manifest = json.loads((target / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    if _digest(manifest) != digest:
        return False
    return all(hashlib.sha256((target / rel).read_bytes()).hexdigest() == sha for rel, sha in manifest.items())


def load(root: Path, digest: str, version_folder: str, fresh: bool = False) -> rulebooks.RulebookVersion:
    """The rulebook version as loaded from its snapshot (cached per process unless `fresh`)."""
    key = (digest, version_folder)
    if not fresh:
        with _lock:
            if key in _loaded:
                return _loaded[key]
    version = rulebooks.load_version(folder_of(root, digest, version_folder))
    if not fresh:
        with _lock:
            version = _loaded.setdefault(key, version)
    return version
