"""The `carboncert` command.

    carboncert validate CASE [--scheme S] [--version V] [--as-of DATE] [--format json|text|turtle]
        exit 0 conforms, 1 does not conform, 2 bad input or usage
    carboncert rulebooks
    carboncert clauses SCHEME [--version V] [--format text|json]
    carboncert serve [--host H] [--port P]
    carboncert example [SCHEME]                 validate a bundled example (the README's first command)
    carboncert inventory import FILE...          (maintainers) regenerate clause metadata
    carboncert ontology classify|context         (maintainers) HermiT classification; the JSON-LD context
    carboncert lint [SCHEME…] | test [SCHEME…] | coverage [--format text|json|html]   (maintainers)
    carboncert docs --out DIR [SCHEME…]          (maintainers) static searchable HTML site of the rulebooks
    carboncert diff SCHEME FROM TO [--cases DIR] [--format text|json]   (maintainers) compare two versions
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from . import ENGINE, caseio, rulebooks, service
from .caseio import CaseError
from .render import render_text
from .rulebooks import ShapesError
from .vocab import DATA_DIR

EXIT_CONFORMS, EXIT_NONCONFORMS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _reading(text: str) -> tuple[str, str]:
    clause, sep, option = text.rpartition("=")
    if not sep or not clause or not option:
        raise argparse.ArgumentTypeError(f"expected CLAUSE=OPTION, e.g. 7.4.2.3[2]=nearest-half: {text!r}")
    return clause, option


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"carboncert: {message}", file=sys.stderr)
    return code


def _error_text(exc: CaseError) -> str:
    where = []
    if exc.line is not None:
        where.append(f"line {exc.line}" + (f", column {exc.column}" if exc.column is not None else ""))
    if exc.field:
        where.append(f"field {exc.field}")
    return exc.message + (f" ({'; '.join(where)})" if where else "")


def cmd_validate(args) -> int:
    path = Path(args.case)
    try:
        data = sys.stdin.buffer.read(caseio.MAX_CASE_BYTES + 1) if args.case == "-" else path.read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.case}: {exc.strerror}")
    try:
        fmt = caseio.media_format(args.media_type, path.name)
        report, graph = service.validate_bytes(data, fmt, scheme=args.scheme, version=args.version,
                                               as_of=args.as_of, backend=args.engine, with_graph=True,
                                               readings=dict(args.reading or []))
    except CaseError as exc:
        return _fail(f"{args.case}: {_error_text(exc)}")
    except ShapesError as exc:
        return _fail(f"internal error in the rulebook shapes (not the case's fault): {exc}", EXIT_INTERNAL)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.format == "text":
        print(render_text(report), end="")
    else:
        print(graph.serialize(format="turtle"))
    return EXIT_CONFORMS if report["conforms"] else EXIT_NONCONFORMS


def cmd_example(args) -> int:
    folder = DATA_DIR / "examples" / args.scheme
    if not (folder / "conformant.json").exists():
        return _fail(f"no example for scheme {args.scheme!r}; have: {', '.join(sorted(p.name for p in (DATA_DIR / 'examples').iterdir()))}")
    args.case = str(folder / "conformant.json")
    args.media_type = None
    return cmd_validate(args)


def rulebook_summaries() -> list[dict]:
    out = []
    for scheme in sorted(rulebooks.catalogue()):
        for v in rulebooks.versions(scheme):
            counts: dict[str, int] = {}
            for enc in v.encoding.values():
                counts[enc] = counts.get(enc, 0) + 1
            out.append({"scheme": v.scheme, "version": v.version, "slug": v.slug, "doc_no": v.doc_no,
                        "title": v.title, "effective": v.effective.isoformat() if v.effective else None,
                        "clauses": len(v.clauses), "encoding": counts, "shapes_digest": v.digest})
    return out


def cmd_rulebooks(args) -> int:
    items = rulebook_summaries()
    if args.format == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for r in items:
        enc = ", ".join(f"{k} {n}" for k, n in sorted(r["encoding"].items()))
        print(f"{r['scheme']:<9} {r['version'] or '(unnumbered)':<6} {r['doc_no'] or '(no number)':<20} "
              f"effective {r['effective'] or '—':<10}  {r['clauses']} clauses: {enc}  {r['title'].get('zh', '')}")
    return 0


def clause_rows(v: rulebooks.RulebookVersion) -> list[dict]:
    return [{"clause": c.id, "category": c.category, "checkable": c.checkable, "encoding": v.encoding[c.id]}
            for c in v.clauses]


def cmd_clauses(args) -> int:
    try:
        v, _ = rulebooks.select(args.scheme, args.version, None)
    except rulebooks.UnknownRulebook as exc:
        return _fail(str(exc))
    rows = clause_rows(v)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row, c in zip(rows, v.clauses):
            print(f"{row['clause']:<22} {row['category']:<22} {row['checkable']:<8} {row['encoding']:<14} {c.statement_en[:80]}")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from .server import app

    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_inventory(args) -> int:
    from .inventory import import_inventory

    for f in args.files:
        print(import_inventory(Path(f)))
    return 0


def cmd_ontology(args) -> int:
    if args.action == "context":
        from .context import CONTEXT_FILE, write_context

        write_context()
        print(CONTEXT_FILE)
        return 0
    from .classify import classify, write_inferred

    result = classify()
    print(json.dumps({k: v for k, v in result.items() if k != "hierarchy"}, indent=1))
    if not result["consistent"] or result["unsatisfiable"]:
        return 1
    print(write_inferred(result))
    return 0


def cmd_lint(args) -> int:
    from . import lint

    try:
        findings = lint.lint(args.scheme or None)
    except (rulebooks.UnknownRulebook, ShapesError) as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps(lint.as_dicts(findings), ensure_ascii=False, indent=1))
    else:
        for f in findings:
            print(f"{f.scheme} {f.version}  {f.rule:<18} {f.subject}: {f.message}")
        print(f"{len(findings)} finding(s)")
    return 1 if findings else 0


def cmd_test(args) -> int:
    from .clausetests import run_suite

    try:
        schemes = args.scheme or sorted(rulebooks.catalogue())
        folders = [v.folder for s in schemes for v in rulebooks.versions(s)]
    except rulebooks.UnknownRulebook as exc:
        return _fail(str(exc))
    passed, failed, todo = run_suite(folders, args.engine)
    print(f"{passed} passed, {failed} failed" + (f", {todo} todo" if todo else ""))
    return 1 if failed else 0


def cmd_coverage(args) -> int:
    from . import coverage

    data = coverage.coverage()
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=1))
    elif args.format == "html":
        print(coverage.render_html(data))
    else:
        print(coverage.render_text(data), end="")
    return 0


def cmd_docs(args) -> int:
    from . import docs

    try:
        written = docs.build(Path(args.out), args.scheme or None)
    except rulebooks.UnknownRulebook as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write to {args.out}: {exc.strerror or exc}")
    print(f"{len(written)} files written to {args.out}; open {Path(args.out) / 'index.html'}")
    return 0


def cmd_diff(args) -> int:
    from . import diff

    try:
        result = diff.diff(args.scheme, args.from_version, args.to_version,
                           Path(args.cases) if args.cases else None)
    except diff.UsageError as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(diff.render_text(result), end="")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="carboncert", description="Check carbon-certification cases against rulebooks, clause by clause.")
    p.add_argument("--version", action="version", version=ENGINE)
    sub = p.add_subparsers(dest="command", required=True)

    def validation_options(sp):
        sp.add_argument("--scheme", help="scheme id (default: the case's own \"scheme\")")
        sp.add_argument("--version", dest="version", help="rulebook version (default: the one in force on the case's reference date)")
        sp.add_argument("--as-of", type=_date, help="evaluation date for date-relative clauses (default: the case's referenceDate)")
        sp.add_argument("--format", choices=("json", "text", "turtle"), default="text")
        sp.add_argument("--engine", choices=("turbo", "pyshacl"), default=None, help="SHACL engine (default turbo; pyshacl is the reference)")
        sp.add_argument("--reading", type=_reading, action="append", metavar="CLAUSE=OPTION",
                        help="apply another documented reading of a clause the rulebook leaves open (repeatable)")

    v = sub.add_parser("validate", help="validate a case file")
    v.add_argument("case", help="case file (.json, .jsonld, .ttl) or - for standard input")
    v.add_argument("--media-type", help="force the input type (application/json, application/ld+json, text/turtle)")
    validation_options(v)
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("example", help="validate a bundled conformant example")
    e.add_argument("scheme", nargs="?", default="bcc-cams")
    validation_options(e)
    e.set_defaults(func=cmd_example)

    r = sub.add_parser("rulebooks", help="list rulebooks and versions")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(func=cmd_rulebooks)

    c = sub.add_parser("clauses", help="list every clause of a scheme with its encoding")
    c.add_argument("scheme")
    c.add_argument("--version", dest="version")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(func=cmd_clauses)

    s = sub.add_parser("serve", help="run the HTTP API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)

    i = sub.add_parser("inventory", help="(maintainers) regenerate clause metadata from inventories")
    i.add_argument("action", choices=("import",))
    i.add_argument("files", nargs="+")
    i.set_defaults(func=cmd_inventory)

    lt = sub.add_parser("lint", help="(maintainers) check shapes: SHACL-SHACL, clauses, languages, terms, SPARQL")
    lt.add_argument("scheme", nargs="*")
    lt.add_argument("--format", choices=("text", "json"), default="text")
    lt.set_defaults(func=cmd_lint)

    t = sub.add_parser("test", help="(maintainers) run the clause tests kept next to the shapes")
    t.add_argument("scheme", nargs="*")
    t.add_argument("--engine", choices=("turbo", "pyshacl"), default=None)
    t.set_defaults(func=cmd_test)

    cv = sub.add_parser("coverage", help="(maintainers) clauses encoded / manual_review / not encoded, and untested ones")
    cv.add_argument("--format", choices=("text", "json", "html"), default="text")
    cv.set_defaults(func=cmd_coverage)

    dc = sub.add_parser("docs", help="(maintainers) write a static, searchable HTML site of the rulebooks")
    dc.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into")
    dc.add_argument("scheme", nargs="*")
    dc.set_defaults(func=cmd_docs)

    df = sub.add_parser("diff", help="(maintainers) compare two versions of a rulebook, optionally on cases")
    df.add_argument("scheme")
    df.add_argument("from_version", metavar="FROM", help="version as `carboncert rulebooks` prints it, or its folder")
    df.add_argument("to_version", metavar="TO")
    df.add_argument("--cases", metavar="DIR", help="validate every case (*.json, recursively) under both versions")
    df.add_argument("--format", choices=("text", "json"), default="text")
    df.set_defaults(func=cmd_diff)

    o = sub.add_parser("ontology", help="(maintainers) classify the ontology with HermiT, or write the JSON-LD context")
    o.add_argument("action", choices=("classify", "context"))
    o.set_defaults(func=cmd_ontology)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ShapesError as exc:
        return _fail(f"internal error in the rulebook shapes (not the case's fault): {exc}", EXIT_INTERNAL)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
