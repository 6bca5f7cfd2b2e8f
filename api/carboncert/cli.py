"""The `carboncert` command.

    carboncert validate CASE [--scheme S] [--version V] [--as-of DATE] [--format json|text|turtle]
        exit 0 conforms, 1 does not conform, 2 bad input or usage
    carboncert rulebooks
    carboncert clauses SCHEME [--version V] [--format text|json]
    carboncert serve [--host H] [--port P]      (no API key configured: loopback only)
    carboncert cases submit|list|show|versions|validations|validate|record|replay|what-if|same-outcome …
    carboncert explain CASE VALIDATION CLAUSE   the appeal explanation of one clause of a stored validation
    carboncert keys add TENANT --role reviewer|appeals|admin | keys list [TENANT]
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
                        "clauses": len(v.clauses), "encoding": counts, "shapes_digest": v.digest,
                        **({"based_on": v.based_on, "retired": v.retired, "provenance": v.provenance}
                           if v.based_on else {})})
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
        if r.get("based_on"):
            print(f"{'':<17}written as a change of {r['based_on']}, {len(r['retired'])} clauses retired: "
                  f"{r['provenance'].get('en', '')}")
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


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cmd_serve(args) -> int:
    from . import allocator

    allocator.restart_with_jemalloc()  # first: returns only when jemalloc is missing, switched off or in use

    import uvicorn

    from . import register
    from .register.store import StoreError
    from .server import app

    if not _loopback(args.host):
        try:
            keyed = register.get().keys.any()
        except StoreError as exc:
            return _fail(str(exc))
        if not keyed:
            return _fail(f"refusing to listen on {args.host}: no API key is configured, so the register would be "
                         "open to anyone who can reach it. Add one (carboncert keys add TENANT --role admin) or "
                         "serve on 127.0.0.1 / ::1")
    print(f"carboncert serve: memory allocator {allocator.in_use()} ({allocator.SETTING}=system to keep the "
          "C library's)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


CLI_KEY = "cli"  # the agent the register names for what the local CLI submits and validates


def _register_call(args, fn):
    """Run fn(register, principal) on the local store; print JSON; map errors to exit codes."""
    from . import register
    from .register.core import NotFound
    from .register.records import ValidationTimeout
    from .register.store import StoreError
    from .register.tenants import Principal

    try:
        reg = register.get()
        who = Principal(args.tenant, "admin", CLI_KEY)
        out = fn(reg, who)
    except (StoreError, ValidationTimeout) as exc:
        return _fail(str(exc), EXIT_INTERNAL)
    except NotFound as exc:
        return _fail(str(exc))
    except CaseError as exc:
        return _fail(_error_text(exc))
    except ValueError as exc:
        return _fail(str(exc))
    if isinstance(out, bytes):
        sys.stdout.buffer.write(out)
    elif isinstance(out, str):
        print(out)
    else:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def cmd_cases(args) -> int:
    action = args.action

    def go(reg, who):
        if action == "submit":
            path = Path(args.case)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValueError(f"cannot read {args.case}: {exc.strerror}") from None
            fmt = caseio.media_format(args.media_type, path.name)
            media = args.media_type or {"json": "application/json", "jsonld": "application/ld+json",
                                        "turtle": "text/turtle"}[fmt]
            return reg.submit(who, data, fmt, media)
        if action == "list":
            return reg.case_ids(who.tenant)
        if action == "show":
            return reg.case(who.tenant, args.id, args.case_version)["content"]
        if action == "versions":
            return reg.versions(who.tenant, args.id)
        if action == "validations":
            return reg.records(who.tenant, args.id)
        if action == "validate":
            rec = reg.validate(who, args.id, args.case_version, as_of=args.as_of, rulebook_version=args.rulebook,
                               readings=dict(args.reading or []))
            if args.full:
                return rec
            failed = [e["clause"] for e in rec["report"]["clauses"] if e["status"] in ("failed", "missing_information")]
            return {k: v for k, v in rec.items() if k != "report"} | {"summary": rec["report"]["summary"],
                                                                       "failed_or_missing": failed}
        if action == "record":
            return reg.record(who.tenant, args.id, args.validation)
        if action == "replay":
            rec = reg.record(who.tenant, args.id, args.validation)
            return {"id": args.validation, "identical": reg.replay(who.tenant, args.id, args.validation) == rec["report"]}
        if action == "what-if":
            try:
                patch = json.loads(Path(args.patch).read_text(encoding="utf-8")) if args.patch != "-" else json.load(sys.stdin)
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"cannot read the patch {args.patch}: {exc}") from None
            return reg.what_if(who, args.id, patch, args.case_version, as_of=args.as_of, rulebook_version=args.rulebook)
        if action == "same-outcome":
            return reg.same_outcome(who.tenant, args.scheme, args.rulebook_version, args.clause, args.status)
        raise ValueError(f"unknown action {action}")

    return _register_call(args, go)


def cmd_explain(args) -> int:
    from .register.explain import explain

    return _register_call(args, lambda reg, who: explain(reg, who.tenant, args.case, args.validation, args.clause))


def cmd_keys(args) -> int:
    def go(reg, who):
        if args.action == "list":
            return reg.keys.list(args.tenant_filter)
        if not args.tenant or not args.role:
            raise ValueError("keys add TENANT --role reviewer|appeals|admin")
        key, p = reg.keys.add(args.tenant, args.role)
        return f"added a {p.role} key {p.key_id} for tenant {p.tenant}; it is shown once, keep it: {key}"

    args.tenant_filter = args.tenant if args.action == "list" else None
    args.tenant = args.tenant or "local"
    return _register_call(args, go)


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
                           Path(args.cases) if args.cases else None,
                           register_tenant=args.tenant if args.register else None)
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

    cs = sub.add_parser("cases", help="the case register on the local store (CARBONCERT_STORE; docs/REGISTER.md)")
    csub = cs.add_subparsers(dest="action", required=True)

    def reg_opts(sp):
        sp.add_argument("--tenant", default="local", help="tenant whose register to use (default: local)")

    x = csub.add_parser("submit", help="store a case file as a new version")
    x.add_argument("case")
    x.add_argument("--media-type")
    reg_opts(x)
    x = csub.add_parser("list", help="the tenant's case ids")
    reg_opts(x)
    for name, helptext in (("show", "the bytes of a version exactly as submitted"), ("versions", "every version"),
                           ("validations", "the case's validation records")):
        x = csub.add_parser(name, help=helptext)
        x.add_argument("id")
        x.add_argument("--case-version", type=int)
        reg_opts(x)
    x = csub.add_parser("validate", help="validate a stored version and store the record")
    x.add_argument("id")
    x.add_argument("--case-version", type=int, help="the case version (default: the latest)")
    x.add_argument("--rulebook", help="rulebook version (default: in force on the case's reference date)")
    x.add_argument("--as-of", type=_date)
    x.add_argument("--reading", type=_reading, action="append", metavar="CLAUSE=OPTION")
    x.add_argument("--full", action="store_true", help="print the whole record, report included")
    reg_opts(x)
    for name in ("record", "replay"):
        x = csub.add_parser(name, help="a validation record" if name == "record" else "re-run a record from its snapshot")
        x.add_argument("id")
        x.add_argument("validation")
        reg_opts(x)
    x = csub.add_parser("what-if", help="the clause outcomes an RFC 6902 patch (a JSON file, - for stdin) would change")
    x.add_argument("id")
    x.add_argument("patch")
    x.add_argument("--case-version", type=int)
    x.add_argument("--rulebook")
    x.add_argument("--as-of", type=_date)
    reg_opts(x)
    x = csub.add_parser("same-outcome", help="cases whose latest record gives a clause the same status")
    x.add_argument("scheme")
    x.add_argument("rulebook_version", metavar="VERSION")
    x.add_argument("clause")
    x.add_argument("--status", choices=("failed", "missing_information", "passed", "not_applicable", "manual_review"),
                   default="failed")
    reg_opts(x)
    cs.set_defaults(func=cmd_cases)

    ex = sub.add_parser("explain", help="why a clause came out as it did in a stored validation (for an appeal)")
    ex.add_argument("case")
    ex.add_argument("validation")
    ex.add_argument("clause")
    ex.add_argument("--tenant", default="local")
    ex.set_defaults(func=cmd_explain)

    k = sub.add_parser("keys", help="API keys (tenants and roles) in the local store; the key is the last word printed")
    k.add_argument("action", choices=("add", "list"))
    k.add_argument("tenant", nargs="?")
    k.add_argument("--role", choices=("reviewer", "appeals", "admin"))
    k.set_defaults(func=cmd_keys)

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
    df.add_argument("--register", action="store_true",
                    help="also validate the latest version of every case of --tenant in the register (CARBONCERT_STORE)")
    df.add_argument("--tenant", default="local", help="the register tenant whose cases --register takes (default: local)")
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
