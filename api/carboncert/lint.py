"""`carboncert lint`: checks a rule maintainer runs before committing shapes.

  * shapes meta-validated against SHACL-SHACL (the W3C shapes for shapes graphs);
  * every shape names an existing clause (loading fails otherwise, reported here as an error);
  * every clause is encoded, handed to the reviewer (manual_review) or deferred with a reason
    (`[] cc:clauseId "…" ; cc:deferred "reason"@en`);
  * messages, remedies and review notes in Chinese and English;
  * every cc: class and property the shapes and rules use exists in the ontology;
  * no SERVICE, FROM or GRAPH in SPARQL (a constraint sees the case graph only);
  * clause metadata matches the inventories in ../shared/rulebooks when they are there.
Exit 0 clean, 1 findings, 2 error.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from . import inventory, ontology, rulebooks
from .vocab import CC, HOME, ONTOLOGY_DIR, SH

SHARED_INVENTORIES = HOME.parent / "shared" / "rulebooks"
# Keywords as they occur in a query: FROM <iri> / FROM NAMED, SERVICE <iri>|?v, GRAPH <iri>|?v.
FORBIDDEN = re.compile(r"(?<![?$\w])(FROM)\s+(NAMED\s+)?<(?!=)|(?<![?$\w])(SERVICE)\s+(SILENT\s+)?[<?$]"
                       r"|(?<![?$\w])(GRAPH)\s+[<?$]", re.IGNORECASE)
CC_TERM = re.compile(r"\bcc:([A-Za-z][A-Za-z0-9_]*)")


@dataclass
class Finding:
    scheme: str
    version: str
    rule: str
    subject: str
    message: str


def _known_terms() -> set[str]:
    g = Graph()
    for path in ontology.ontology_files() + [ONTOLOGY_DIR / "rulebook.ttl"]:
        g.parse(path, format="turtle")
    return {str(s)[len(str(CC)):] for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CC))}


def _shacl_shacl() -> Graph:
    import pyshacl

    return Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl", format="turtle")


def _strip_sparql(text: str) -> str:
    """The query without string literals and comments, so words in them are not mistaken for keywords."""
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', text)
    return re.sub(r"(?m)(^|\s)#[^\n]*", " ", text)


def lint_version(v: rulebooks.RulebookVersion, known: set[str], meta: Graph) -> list[Finding]:
    out: list[Finding] = []

    def add(rule, subject, message):
        out.append(Finding(v.scheme, v.version or v.slug, rule, str(subject), message))

    import pyshacl

    for graph, label in ((v.shapes, "shapes"), (v.rules, "rules")):
        if len(graph):
            conforms, _, text = pyshacl.validate(graph, shacl_graph=meta)
            if not conforms:
                add("shacl-shacl", label, text.strip().splitlines()[-1][:300])
    deferred = {str(v.shapes.value(n, CC.clauseId)) for n in v.shapes.subjects(CC.deferred, None)}
    for c in v.clauses:
        if v.encoding[c.id] == "not_encoded" and c.id not in deferred:
            add("clause-not-encoded", c.id, f"{c.category} clause ({c.checkable}) is neither encoded, "
                "manual_review nor deferred with a reason")
    for node, ann in v.annotations.items():
        if ann.message and not ann.not_applicable and not {"zh", "en"} <= set(ann.message):
            add("bilingual", node, f"sh:message only in {sorted(ann.message)}")
        if ann.remedy and not {"zh", "en"} <= set(ann.remedy):
            add("bilingual", node, f"cc:remedy only in {sorted(ann.remedy)}")
    for cid, note in v.manual_review.items():
        if not {"zh", "en"} <= set(note):
            add("bilingual", cid, f"cc:manualReview only in {sorted(note)}")
    for graph in (v.shapes, v.rules):
        used = {str(t)[len(str(CC)):] for t in graph.all_nodes() if isinstance(t, URIRef) and str(t).startswith(str(CC))}
        used |= {str(p)[len(str(CC)):] for p in graph.predicates() if str(p).startswith(str(CC))}
        for prop in (SH.select, SH.construct, SH.ask):
            for node, text in graph.subject_objects(prop):
                used |= set(CC_TERM.findall(str(text)))
                hit = FORBIDDEN.search(_strip_sparql(str(text)))
                if hit:
                    word = next(g for g in hit.groups() if g and g.strip().upper() in ("FROM", "SERVICE", "GRAPH"))
                    add("sparql-forbidden", node, f"{word.upper()} is not allowed in a constraint or rule")
        defined_here = {str(t)[len(str(CC)):] for t in graph.subjects() if str(t).startswith(str(CC))}
        for term in sorted(used - known - defined_here):
            add("unknown-term", f"cc:{term}", "used by the shapes or rules but not defined in the ontology")
    return out


def lint_inventories() -> list[Finding]:
    out = []
    if not SHARED_INVENTORIES.exists():
        return out
    for path in sorted(SHARED_INVENTORIES.glob("*.clauses.yaml")):
        inv = inventory.load_inventory(path)
        target = inventory.target_dir(inv) / "rulebook.ttl"
        rb = inv["rulebook"]
        if not target.exists() or target.read_text(encoding="utf-8") != inventory.rulebook_ttl(inv):
            out.append(Finding(rb["scheme"], rb.get("version") or "", "inventory-drift", str(target),
                               f"clause metadata differs from {path.name}: carboncert inventory import {path}"))
    return out


def lint(schemes: list[str] | None = None) -> list[Finding]:
    known = _known_terms()
    meta = _shacl_shacl()
    findings = lint_inventories()
    for scheme in schemes or sorted(rulebooks.catalogue()):
        for v in rulebooks.versions(scheme):
            findings += lint_version(v, known, meta)
    return findings


def as_dicts(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]

