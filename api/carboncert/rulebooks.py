"""Rulebook versions and their shapes, loaded and compiled once per process.

A rulebook version is a folder shapes/<scheme>/<version>/ holding
  rulebook.ttl   clause metadata generated from the inventory (carboncert.inventory)
  *.ttl          SHACL shapes; each shape or constraint names its clause with cc:clauseId
  tests/*.yaml   clause tests (a patch over an example case and the expected clause statuses)
Shapes shared by all versions (SPARQL prefixes) live in shapes/common/.

A revision can be a small folder: instead of rulebook.ttl it holds version.ttl, naming the version it
is written as a change of (cc:basedOn "<folder>"), its own metadata (version, dates, cc:provenance) and
the clauses it retires (cc:retiresClause "5.1", cc:retiresClausesMatching "<regex>"). It inherits the
base's clauses, shape files, rules and tables; a file of its own with the same name replaces the base's,
a new one adds to it, and a clause its own shapes name replaces the base's shapes for that clause;
shapes that name only retired or replaced clauses are switched off (sh:deactivated).

Annotations a shape author uses (ontology/rulebook.ttl):
  cc:clauseId "7.4.4.1(2)"        on a node shape, property shape or SPARQL constraint
  cc:missingInformation true       its results mean a needed fact is missing, not that one is wrong
  cc:notApplicableWhen true        its results mean the clause does not apply to this case
  cc:remedy "…"@zh , "…"@en        what would fix it
  cc:reading "…"@zh , "…"@en       the reading applied where the text is ambiguous or contradicts itself
  cc:manualReview "…"@zh , "…"@en  (on a node with cc:clauseId and no shape) what the reviewer checks by hand
  cc:deferred "…"@en                (on a node with cc:clauseId and no shape) why it is not encoded yet
  cc:uses "annex-b-initial"        a derived quantity (rules/) whose derivation the finding shows
  cc:readingOption "exact"         (on a node shape) one alternative reading of a clause the rulebook leaves
  cc:defaultReading true             open; exactly one alternative per clause is the default; the others are
                                     switched off (sh:deactivated) unless asked for (--reading CLAUSE=OPTION)
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import cached_property
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef

from . import ontology
from .calendar import CALENDAR_FILE
from .inventory import clause_iri
from .vocab import CC, CODE, ONTOLOGY_DIR, SH, SHAPES_DIR


class ShapesError(Exception):
    """The shapes of a rulebook are malformed: our error, never the case's non-conformance."""


@dataclass(frozen=True)
class Clause:
    id: str
    iri: URIRef
    order: int
    category: str
    checkable: str
    severity: str
    text_zh: str
    statement_en: str
    applies_when: str
    check: str
    notes: str


@dataclass
class Annotation:
    """What the engine needs to know about one shape or constraint."""

    clauses: tuple[str, ...]
    missing: bool = False
    not_applicable: bool = False
    message: dict[str, str] = field(default_factory=dict)
    remedy: dict[str, str] = field(default_factory=dict)
    reading: dict[str, str] = field(default_factory=dict)
    uses: tuple[str, ...] = ()  # derived quantities whose derivation a finding shows
    option: str = ""  # cc:readingOption: this node shape is one alternative reading of its clause
    default: bool = False  # cc:defaultReading: the alternative applied unless another is asked for


@dataclass
class RulebookVersion:
    scheme: str
    slug: str
    version: str
    doc_no: str
    title: dict[str, str]
    published: date | None
    effective: date | None
    folder: Path
    clauses: list[Clause]
    shapes: Graph
    annotations: dict
    encoding: dict[str, str]
    manual_review: dict[str, dict[str, str]]
    readings: dict[str, dict[str, str]]
    digest: str
    shape_files: list[Path]
    rules: Graph = field(default_factory=Graph)
    tables: Graph = field(default_factory=Graph)
    rule_files: list[Path] = field(default_factory=list)
    # clause -> option -> {"default": bool, "reading": {zh, en}, "shapes": [node shapes]}
    reading_options: dict = field(default_factory=dict)
    based_on: str = ""  # the version folder this one is written as a change of (version.ttl)
    retired: list[str] = field(default_factory=list)  # clauses of the base it retires
    provenance: dict[str, str] = field(default_factory=dict)  # where the version's content comes from
    calendar_file: Path = CALENDAR_FILE  # the working-day calendar of the tree the version was loaded from
    ontology_dir: Path = ONTOLOGY_DIR  # the ontology of that tree: how its cases are read and typed
    _compiled: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def tables_nt(self) -> str:
        """The tables as N-Triples, made once: the default engine reads them with every case's rules."""
        return self.tables.serialize(format="nt")

    @property
    def node_shape_clauses(self) -> dict:
        """Each top-level node shape with the clauses it or its property shapes and constraints name."""
        if "_node_clauses" not in self._compiled:
            out = {}
            for node in self.shapes.subjects(RDF.type, SH.NodeShape):
                found = set(self.annotations[node].clauses) if node in self.annotations else set()
                for prop in (SH.property, SH.sparql):
                    for child in self.shapes.objects(node, prop):
                        found |= set(self.annotations.get(child, Annotation(())).clauses)
                out[node] = found
            self._compiled["_node_clauses"] = out
        return self._compiled["_node_clauses"]

    def subset_for(self, clauses: set[str], selection: frozenset = frozenset()) -> Graph:
        """Only the node shapes naming these clauses (with everything they reach) and the prefixes.

        (pySHACL's own use_shapes option skips the property shapes of the shapes it is given.)"""
        selection = selection or self.selection()
        key = ("subset", frozenset(clauses), selection)
        with self._lock:
            if key not in self._compiled:
                full = self.shapes  # not _graph_for: copying every shape per subset is what made this slow
                out = Graph()
                seen: set = set()

                def copy(node):
                    if node in seen:
                        return
                    seen.add(node)
                    for p, o in full.predicate_objects(node):
                        out.add((node, p, o))
                        if not isinstance(o, Literal):
                            copy(o)

                copy(CC.prefixes)
                for node, found in self.node_shape_clauses.items():
                    if found & clauses:
                        copy(node)
                for shape in self._switched_off(selection) & seen:
                    out.add((shape, SH.deactivated, Literal(True)))
                self._compiled[key] = out
            return self._compiled[key]

    @property
    def clause_by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}

    def selection(self, asked: dict[str, str] | None = None) -> frozenset[tuple[str, str]]:
        """The alternative reading applied per clause: the one asked for, else the default."""
        asked = dict(asked or {})
        for cid, option in asked.items():
            options = self.reading_options.get(cid)
            if not options:
                raise KeyError(f"clause {cid!r} of {self.scheme} {self.version} has no alternative readings")
            if option not in options:
                raise KeyError(f"clause {cid!r} has no reading {option!r}; choose one of {', '.join(sorted(options))}")
        chosen = set()
        for cid, options in self.reading_options.items():
            default = next((name for name, o in options.items() if o["default"]), sorted(options)[0])
            chosen.add((cid, asked.get(cid, default)))
        return frozenset(chosen)

    def _switched_off(self, selection: frozenset[tuple[str, str]]) -> set:
        """The node shapes of the alternative readings not selected."""
        return {shape for cid, options in self.reading_options.items() for name, o in options.items()
                if (cid, name) not in selection for shape in o["shapes"]}

    def _graph_for(self, selection: frozenset[tuple[str, str]]) -> Graph:
        """The shapes with every alternative reading not selected switched off (sh:deactivated)."""
        off = self._switched_off(selection)
        if not off:
            return self.shapes
        graph = Graph()
        graph += self.shapes
        for shape in off:
            graph.add((shape, SH.deactivated, Literal(True)))
        return graph

    def compiled(self, backend: str, part: str = "shapes", selection: frozenset = frozenset()):
        """The shapes (or the rules) compiled for a backend, once per choice of readings."""
        selection = selection or self.selection()
        key = (backend, part, selection if part == "shapes" else None)
        with self._lock:
            if key not in self._compiled:
                graph = self._graph_for(selection) if part == "shapes" else self.rules
                if backend == "turbo":
                    import pyshacl_turbo

                    self._compiled[key] = pyshacl_turbo.compile_shapes(graph, advanced=True)
                else:
                    self._compiled[key] = graph
            return self._compiled[key]


def _lang_map(graph: Graph, node, prop) -> dict[str, str]:
    """{"zh": …, "en": …} in that order (and any other language after), whatever the graph's order."""
    found: dict[str, str] = {}
    for lit in sorted((o for o in graph.objects(node, prop) if isinstance(o, Literal)), key=str):
        found[lit.language or "en"] = str(lit)
    return {lang: found[lang] for lang in sorted(found, key=lambda l: ({"zh": 0, "en": 1}.get(l, 2), l))}


def _skolemise_shapes(graph: Graph, prefix: str) -> Graph:
    """Give every shape and SPARQL constraint an IRI, so results point back to it whatever the engine."""
    nodes = set()
    for s in graph.subjects(RDF.type, SH.NodeShape):
        nodes.add(s)
    for prop in (SH.property, SH.sparql, SH.node):
        nodes.update(graph.objects(None, prop))
    rename = {n: URIRef(f"{prefix}_{i}") for i, n in enumerate(sorted(n for n in nodes if isinstance(n, BNode)))}
    if not rename:
        return graph
    out = Graph()
    for prefix_name, ns in graph.namespaces():
        out.bind(prefix_name, ns)
    for s, p, o in graph:
        out.add((rename.get(s, s), p, rename.get(o, o)))
    return out


def _read_clauses(meta: Graph) -> tuple[URIRef, list[Clause]]:
    version_node = next(meta.subjects(RDF.type, CC.RulebookVersion), None)
    if version_node is None:
        raise ShapesError("rulebook.ttl has no cc:RulebookVersion")
    clauses = []
    for c in meta.subjects(RDF.type, CC.Clause):
        def one(prop, lang=None):
            for lit in meta.objects(c, prop):
                if lang is None or getattr(lit, "language", None) == lang:
                    return str(lit)
            return ""
        clauses.append(Clause(
            id=one(CC.clauseId), iri=c, order=int(meta.value(c, CC.order)), category=one(CC.category),
            checkable=one(CC.checkable), severity=one(CC.severity), text_zh=one(CC.text, "zh"),
            statement_en=one(CC.statement, "en"), applies_when=one(CC.appliesWhen), check=one(CC.check),
            notes=one(CC.notes)))
    clauses.sort(key=lambda c: c.order)
    return version_node, clauses


META_FILES = ("rulebook.ttl", "version.ttl")


@dataclass
class _Layout:
    """Where a version's parts come from, its base's included (see the module docstring)."""

    meta: Graph
    version_node: URIRef
    clauses: list[Clause]
    shape_files: list[Path]
    rule_files: list[Path]
    table_files: list[Path]
    retired: list[str]
    based_on: str = ""
    meta_files: list[Path] = field(default_factory=list)


def _home_of(folder: Path) -> Path:
    """The tree a version folder lives in (<home>/shapes/<scheme>/<version>): its rules and tables are
    looked up there too, so a copy of a version's files anywhere (a snapshot kept for replay) loads alike."""
    return folder.resolve().parents[2]


def _by_name(base: list[Path], own: list[Path]) -> list[Path]:
    """The base's files with the revision's own files of the same name replacing them, plus new ones."""
    merged = {p.name: p for p in base}
    merged.update({p.name: p for p in own})
    return [merged[name] for name in sorted(merged)]


def _ttl(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ttl") if p.name not in META_FILES) if folder.is_dir() else []


def _turtle(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:
        raise ShapesError(f"{path}: {exc}") from None


def _layout(folder: Path, seen: tuple[Path, ...] = ()) -> _Layout:
    if folder.resolve() in seen:
        raise ShapesError(f"{folder}: cc:basedOn goes round in a circle: {' → '.join(p.name for p in seen)}")
    if (folder / "rulebook.ttl").exists():
        meta = _turtle(folder / "rulebook.ttl")
        version_node, clauses = _read_clauses(meta)
        scheme = str(meta.value(version_node, CC.scheme))[len(str(CODE)):]
        home = _home_of(folder)
        return _Layout(meta, version_node, clauses, _ttl(folder), _ttl(home / "rules" / scheme / folder.name),
                       _ttl(home / "data" / "tables" / scheme / folder.name), [], meta_files=[folder / "rulebook.ttl"])
    own = _turtle(folder / "version.ttl")
    node = next(own.subjects(RDF.type, CC.RulebookVersion), None)
    based_on = own.value(node, CC.basedOn) if node is not None else None
    if based_on is None:
        raise ShapesError(f"{folder}/version.ttl needs a cc:RulebookVersion with cc:basedOn \"<version folder>\"")
    base_folder = folder.parent / str(based_on)
    if not any((base_folder / name).exists() for name in META_FILES) or base_folder == folder:
        raise ShapesError(f"{folder}/version.ttl: cc:basedOn {based_on!r} is not a version folder of this scheme")
    base = _layout(base_folder, seen + (folder.resolve(),))
    meta = Graph()
    for p, o in base.meta.predicate_objects(base.version_node):  # the base's metadata, then the revision's
        if (node, p, None) not in own and p not in (CC.basedOn, CC.retiresClause, CC.retiresClausesMatching):
            meta.add((node, p, o))
    meta += own
    scheme = str(meta.value(node, CC.scheme))[len(str(CODE)):]
    version = str(meta.value(node, CC.version) or folder.name)
    retire = {str(x) for x in own.objects(node, CC.retiresClause)}
    patterns = [re.compile(str(x)) for x in own.objects(node, CC.retiresClausesMatching)]
    kept, retired = [], []
    for c in base.clauses:
        if c.id in retire or any(p.search(c.id) for p in patterns):
            retired.append(c.id)
        else:
            kept.append(replace(c, iri=clause_iri(scheme, version, c.id)))
    unknown = retire - {c.id for c in base.clauses}
    if unknown:
        raise ShapesError(f"{folder}/version.ttl retires clause(s) {sorted(unknown)} that {based_on} does not have")
    return _Layout(meta, node, kept, _by_name(base.shape_files, _ttl(folder)),
                   _by_name(base.rule_files, _ttl(_home_of(folder) / "rules" / scheme / folder.name)),
                   _by_name(base.table_files, _ttl(_home_of(folder) / "data" / "tables" / scheme / folder.name)),
                   base.retired + retired, str(based_on), base.meta_files + [folder / "version.ttl"])


def load_version(folder: Path) -> RulebookVersion:
    layout = _layout(folder)
    meta, version_node, clauses = layout.meta, layout.version_node, layout.clauses
    scheme = str(meta.value(version_node, CC.scheme))[len(str(CODE)):]
    version = str(meta.value(version_node, CC.version) or "")
    ids = {c.id for c in clauses}
    retired = set(layout.retired)

    common = sorted((_home_of(folder) / "shapes" / "common").glob("*.ttl"))
    shape_files = common + layout.shape_files
    rule_files = common + layout.rule_files if layout.rule_files else []
    table_files = layout.table_files
    hasher = hashlib.sha256()
    calendar_file = _home_of(folder) / "data" / "calendar" / CALENDAR_FILE.name
    calendar_file = calendar_file if calendar_file.exists() else CALENDAR_FILE
    ontology_dir = ontology.folder_in(_home_of(folder))
    # clause metadata, the calendar and the ontology (how a case is read and typed) decide outcomes too
    for path in layout.meta_files + [calendar_file] + ontology.files_deciding_outcomes(ontology_dir):
        hasher.update(path.read_bytes())
    own = [p for p in layout.shape_files if p.parent == folder] if layout.based_on else []
    shapes = _parse_all([p for p in shape_files if p not in own], hasher)
    if own:  # a revision's own shapes replace the base's for every clause they name
        mine = _parse_all(own, hasher)
        _retire(shapes, {str(o) for o in mine.objects(None, CC.clauseId)})
        shapes += mine
    shapes = _skolemise_shapes(shapes, f"urn:carboncert:shape:{scheme}:{folder.name}:")
    _retire(shapes, retired)
    rules = _parse_all(rule_files, hasher)
    tables = _parse_all(table_files, hasher)

    annotations: dict = {}
    manual_review: dict[str, dict[str, str]] = {}
    readings: dict[str, dict[str, str]] = {}
    encoded: set[str] = set()
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.objects(None, SH.property)) | set(
        shapes.objects(None, SH.sparql))
    # Sorted throughout: which note or reading a clause shows must not depend on hash order.
    for node in sorted(set(shapes.subjects(CC.clauseId, None)), key=str):
        clause_ids = tuple(sorted(str(x) for x in shapes.objects(node, CC.clauseId)))
        unknown = [c for c in clause_ids if c not in ids]
        if unknown:
            raise ShapesError(f"{node} names clause(s) {unknown} that {scheme} {version} does not have")
        if node not in shape_nodes:
            review = _lang_map(shapes, node, CC.manualReview)
            if not review and (node, CC.deferred, None) in shapes:
                continue  # deferred with a reason: stays not_encoded, and lint accepts it
            if not review:
                raise ShapesError(f"{node} names clause {clause_ids} but is neither a shape, a manual-review "
                                  "note nor a deferral")
            for cid in clause_ids:
                manual_review[cid] = review
            continue
        encoded.update(clause_ids)
        review = _lang_map(shapes, node, CC.manualReview)  # a note may also sit on the shape itself
        for cid in clause_ids:
            shapes.add((node, CC.clause, clause_iri(scheme, version or None, cid)))
            if review:
                manual_review[cid] = _join([manual_review[cid], review]) if cid in manual_review else review
    for node in sorted(shape_nodes, key=str):
        annotations[node] = _annotation(shapes, node)
    # A property shape or constraint without its own clause inherits its node shape's.
    for parent, prop in ((s, p) for p in (SH.property, SH.sparql) for s in shapes.subjects(p, None)):
        for child in shapes.objects(parent, prop):
            if not annotations[child].clauses:
                annotations[child].clauses = annotations[parent].clauses
            for attr in ("remedy", "reading", "uses"):
                if not getattr(annotations[child], attr):
                    setattr(annotations[child], attr, getattr(annotations[parent], attr))
    reading_options: dict = {}
    for node, ann in annotations.items():
        if ann.option:
            if (node, RDF.type, SH.NodeShape) not in shapes or len(ann.clauses) != 1:
                raise ShapesError(f"{node}: cc:readingOption goes on a node shape naming exactly one clause")
            entry = reading_options.setdefault(ann.clauses[0], {}).setdefault(
                ann.option, {"default": False, "reading": {}, "shapes": []})
            entry["default"] = entry["default"] or ann.default
            entry["reading"] = entry["reading"] or ann.reading
            entry["shapes"].append(node)
    for cid, options in reading_options.items():
        if sum(1 for o in options.values() if o["default"]) != 1:
            raise ShapesError(f"clause {cid}: exactly one alternative reading must be cc:defaultReading true")
    found: dict[str, list[dict[str, str]]] = {}
    for ann in annotations.values():
        for cid in ann.clauses:
            if ann.reading and not ann.option and ann.reading not in found.setdefault(cid, []):
                found[cid].append(ann.reading)
    for cid, items in found.items():  # several readings of one clause: all of them, in a stable order
        readings[cid] = _join(items)
    orphans = [n for n, a in annotations.items() if not a.clauses and (n, RDF.type, SH.NodeShape) in shapes
               and not any(True for _ in shapes.subjects(SH.node, n)) and (n, SH.deactivated, None) not in shapes]
    if orphans:
        raise ShapesError(f"shapes without a clause in {folder}: {sorted(map(str, orphans))[:5]}")

    encoding = {}
    for c in clauses:
        if c.id in encoded:
            encoding[c.id] = "encoded"
        elif c.checkable == "no" or c.id in manual_review:
            encoding[c.id] = "manual_review"
        else:
            encoding[c.id] = "not_encoded"
    title = _lang_map(meta, version_node, CC.title)
    eff = meta.value(version_node, CC.effective)
    pub = meta.value(version_node, CC.published)
    return RulebookVersion(
        scheme=scheme, slug=folder.name, version=version, doc_no=str(meta.value(version_node, CC.docNo) or ""),
        title=title, published=pub.toPython() if pub is not None else None,
        effective=eff.toPython() if eff is not None else None, folder=folder, clauses=clauses, shapes=shapes,
        annotations=annotations, encoding=encoding, manual_review=manual_review, readings=readings,
        digest="sha256:" + hasher.hexdigest(), shape_files=shape_files, rules=rules, tables=tables,
        rule_files=rule_files if rule_files != common else [], reading_options=reading_options,
        based_on=layout.based_on, retired=layout.retired,
        provenance=_lang_map(meta, version_node, CC.provenance), calendar_file=calendar_file,
        ontology_dir=ontology_dir)


def _retire(shapes: Graph, retired: set[str]) -> None:
    """Drop these clauses from the shapes (retired, or replaced by a revision's own shapes); a shape or
    note left naming none is switched off."""
    if not retired:
        return
    for node in list(shapes.subjects(CC.clauseId, None)):
        names = {str(x) for x in shapes.objects(node, CC.clauseId)}
        if not names & retired:
            continue
        for cid in names & retired:
            shapes.remove((node, CC.clauseId, Literal(cid)))
        if not names - retired:
            for p in (CC.manualReview, CC.deferred):
                shapes.remove((node, p, None))
            shapes.add((node, SH.deactivated, Literal(True)))


def _parse_all(files: list[Path], hasher) -> Graph:
    """Parse Turtle files into one graph, feeding their bytes to the digest."""
    graph = Graph()
    for path in files:
        data = path.read_bytes()
        hasher.update(path.name.encode() + b"\0" + data)
        try:
            graph.parse(data=data, format="turtle", publicID=path.as_uri())
        except Exception as exc:
            raise ShapesError(f"{path}: {exc}") from None
    return graph


def _join(items: list[dict[str, str]]) -> dict[str, str]:
    """Several bilingual notes as one, each language's texts sorted and de-duplicated."""
    out = {}
    for lang, sep in (("zh", "\n"), ("en", "\n")):
        texts = sorted({i[lang] for i in items if i.get(lang)})
        if texts:
            out[lang] = sep.join(texts)
    return out


def _annotation(shapes: Graph, node) -> Annotation:
    return Annotation(
        clauses=tuple(sorted(str(x) for x in shapes.objects(node, CC.clauseId))),
        missing=(node, CC.missingInformation, Literal(True)) in shapes,
        not_applicable=(node, CC.notApplicableWhen, Literal(True)) in shapes,
        message=_lang_map(shapes, node, SH.message),
        remedy=_lang_map(shapes, node, CC.remedy),
        reading=_lang_map(shapes, node, CC.reading),
        uses=tuple(sorted(str(x) for x in shapes.objects(node, CC.uses))),
        option=str(shapes.value(node, CC.readingOption) or ""),
        default=(node, CC.defaultReading, Literal(True)) in shapes,
    )


class UnknownRulebook(LookupError):
    pass


@lru_cache(maxsize=None)
def catalogue() -> dict[str, list[Path]]:
    """scheme -> its version folders (those with a rulebook.ttl)."""
    out: dict[str, list[Path]] = {}
    for meta in sorted(p for name in META_FILES for p in SHAPES_DIR.glob(f"*/*/{name}")):
        out.setdefault(meta.parent.parent.name, []).append(meta.parent)
    for folders in out.values():
        folders.sort()
    return out


_loaded: dict[Path, RulebookVersion] = {}
_load_lock = threading.Lock()


def get_version(folder: Path) -> RulebookVersion:
    with _load_lock:
        if folder not in _loaded:
            _loaded[folder] = load_version(folder)
        return _loaded[folder]


def versions(scheme: str) -> list[RulebookVersion]:
    folders = catalogue().get(scheme)
    if not folders:
        raise UnknownRulebook(f"unknown scheme {scheme!r}; known: {', '.join(sorted(catalogue()))}")
    return sorted((get_version(f) for f in folders), key=lambda v: (v.effective or date.min, v.version))


def select(scheme: str, version: str | None, reference: date | None) -> tuple[RulebookVersion, str]:
    """The version to apply and why (the version asked for, else the one in force on the reference date)."""
    candidates = versions(scheme)
    if version:
        for v in candidates:
            if version in (v.version, v.slug):
                return v, f"version {v.version or v.slug} asked for"
        known = ", ".join(v.version or v.slug for v in candidates)
        raise UnknownRulebook(f"{scheme} has no version {version!r}; known: {known}")
    if reference is not None:
        in_force = [v for v in candidates if v.effective is None or v.effective <= reference]
        if in_force:
            v = in_force[-1]
            eff = v.effective.isoformat() if v.effective else "no printed date"
            return v, f"in force on the reference date {reference.isoformat()} (effective {eff})"
        v = candidates[0]
        return v, (f"no version was in force on {reference.isoformat()}; applied the earliest known, "
                   f"effective {v.effective.isoformat() if v.effective else 'no printed date'}")
    v = candidates[-1]
    return v, "the case gives no reference date; applied the latest version"
