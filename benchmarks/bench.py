"""Speed of carboncert, measured (not asserted by tests): python benchmarks/bench.py [--runs N]

Prints, for the bundled example cases:
  * start-up: loading the ontology and every rulebook, compiling the shapes (once per process);
  * per case, cold (first validation of that case in this process) and warm (repeated) end-to-end
    times, parse -> shapes -> report, p50 and p95, split by phase;
  * the same shapes through plain pySHACL as usually called (pyshacl.validate per case), and the ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "api"))

from carboncert import allocator, caseio, engine, ontology, report, rulebooks, service  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(x: float) -> str:
    return f"{x * 1000:7.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30, help="warm runs per case")
    ap.add_argument("--pyshacl-runs", type=int, default=1, help="plain pySHACL runs per conformant case")
    ap.add_argument("--no-freeze", action="store_true",
                    help="leave the loaded rulebooks to the garbage collector (the server freezes them: service.warm_up)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    ontology.load()
    versions = {s: rulebooks.versions(s)[-1] for s in rulebooks.catalogue()}
    t1 = time.perf_counter()
    for v in versions.values():
        v.compiled("turbo")
    t2 = time.perf_counter()
    if not args.no_freeze:  # as the server does after warming up
        gc.collect()
        gc.freeze()
    cases = sorted((ROOT / "data" / "examples").glob("*/*.json"))
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores; shapes of one case run on {engine.SHAPE_THREADS} thread(s) "
          "(CARBONCERT_SHAPE_THREADS); loaded rulebooks "
          + ("left to the garbage collector" if args.no_freeze else "frozen out of the garbage collector, as the server does")
          + f"; memory allocator {allocator.in_use()} (`carboncert serve` takes jemalloc when installed: "
          "LD_PRELOAD=libjemalloc.so.2 to measure it here)")
    print(f"start-up: ontology + {len(versions)} rulebooks loaded in {ms(t1 - t0).strip()} ms, "
          f"shapes compiled in {ms(t2 - t1).strip()} ms")
    constraints = {s: len(v.annotations) for s, v in versions.items()}
    print(f"shapes and constraints per scheme: {constraints}")
    print()

    rows = []
    all_warm, all_plain = [], []
    for path in cases:
        data = path.read_bytes()
        triples = len(caseio.parse_case(data).graph)

        def once():
            a = time.perf_counter()
            case = caseio.parse_case(data)
            b = time.perf_counter()
            when, source = service.resolve_as_of(None, case)
            v, why = rulebooks.select(case.scheme, case.version, case.reference_date or when)
            graph = engine.prepare(case, when)
            r0 = time.perf_counter()
            case_nt = engine.run_rules(graph, v)
            r1 = time.perf_counter()
            results, _ = engine.run_shapes(graph, v, source=case_nt)
            c = time.perf_counter()
            report.build_report(case, v, results, when, source, why)
            d = time.perf_counter()
            return d - a, b - a, c - r1, d - c, r1 - r0

        cold = once()[0]
        warm = [once() for _ in range(args.runs)]
        total = [w[0] for w in warm]
        all_warm += total

        import pyshacl

        v = versions[json.loads(data)["scheme"]]
        plain = []
        # pySHACL as usually called takes seconds per case: measured on each scheme's conformant case only.
        for _ in range(args.pyshacl_runs if path.name == "conformant.json" else 0):
            case = caseio.parse_case(data)
            a = time.perf_counter()
            graph = engine.prepare(case, case.reference_date or service.resolve_as_of(None, case)[0])
            pyshacl.validate(graph + v.tables, shacl_graph=v.rules + v.shapes, advanced=True, allow_warnings=True)
            plain.append(time.perf_counter() - a)
        all_plain += plain
        rows.append((f"{path.parent.name}/{path.name}", triples, cold, statistics.median(total), pct(total, 0.95),
                     statistics.median(w[1] for w in warm), statistics.median(w[2] for w in warm),
                     statistics.median(w[3] for w in warm), statistics.median(w[4] for w in warm),
                     statistics.median(plain) if plain else None))

    print(f"{'case (ms)':<46} {'triples':>7} {'cold':>7} {'warm50':>7} {'warm95':>7} {'parse':>7} {'rules':>7} {'shapes':>7} {'report':>7} {'pyshacl':>8} ratio")
    for name, triples, cold, p50, p95, parse, shapes, rep, rules_t, plain in rows:
        ref = f"{ms(plain):>8} {plain / p50:5.1f}x" if plain else f"{'—':>8}"
        print(f"{name:<46} {triples:>7} {ms(cold)} {ms(p50)} {ms(p95)} {ms(parse)} {ms(rules_t)} {ms(shapes)} {ms(rep)} {ref}")
    print()
    print(f"all cases, end to end (ms): warm p50 {ms(statistics.median(all_warm)).strip()}, "
          f"warm p95 {ms(pct(all_warm, 0.95)).strip()}"
          + (f"; plain pySHACL p50 {ms(statistics.median(all_plain)).strip()}" if all_plain else ""))
    print("warm = end to end (parse → calendar facts → rules → shapes → report); 'rules' and 'shapes' are its parts;")
    print("pyshacl = plain pySHACL as usually called (rules + shapes, one pyshacl.validate per case), conformant cases only")


if __name__ == "__main__":
    main()
