"""What the SPARQL constraints cost, engine by engine: python benchmarks/engine_floor.py [--runs N]

The warm end-to-end figures of bench.py are mostly the shapes, and the shapes are mostly SPARQL
constraints (2 266 of them against 340 property shapes). This script shows where that floor comes from,
on each scheme's conformant example, with the rules' derived facts in place:

  * evaluations: SPARQL constraints x their focus nodes, the number of queries a SHACL engine must run;
  * turbo: all the shapes through pyshacl-turbo on one thread, and per evaluation;
  * load: what one pyshacl-turbo call spends reading the case before any shape runs;
  * oxigraph: the same evaluations as plain SPARQL queries in pyoxigraph, $this pre-bound: Oxigraph's
    own query engine (spareval), which pyshacl-turbo's SPARQL is also built on (its profile shows it),
    with no SHACL around it, so a floor for any engine built on that core;
  * one query: the case-level constraints (focus = the case) merged into one UNION query per scheme,
    to see whether a per-query overhead could be shared (it cannot: bigger queries cost more). The merged
    query gives the same rows as the separate ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "api"))

import pyoxigraph as ox  # noqa: E402
from rdflib import Literal, URIRef  # noqa: E402

from carboncert import caseio, engine, ontology, rulebooks, service, turbo  # noqa: E402
from carboncert.vocab import SH  # noqa: E402

THIS = ox.Variable("this")


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def sparql_constraints(shapes_graph):
    """(shape, query text with its prefixes) of every active SPARQL constraint with a select."""
    out = []
    for shape in sorted(set(shapes_graph.subjects(SH.sparql, None)), key=str):
        if (shape, SH.deactivated, Literal(True)) in shapes_graph:
            continue
        for constraint in shapes_graph.objects(shape, SH.sparql):
            select = shapes_graph.value(constraint, SH.select)
            if select is None or (constraint, SH.deactivated, Literal(True)) in shapes_graph:
                continue
            prefixes = "".join(
                f"PREFIX {shapes_graph.value(d, SH.prefix)}: <{shapes_graph.value(d, SH.namespace)}>\n"
                for p in shapes_graph.objects(constraint, SH.prefixes) for d in shapes_graph.objects(p, SH.declare))
            out.append((shape, prefixes + str(select).replace("$this", "?this")))
    return out


def focus_nodes(store: ox.Store, shapes_graph, shape) -> list:
    """The shape's focus nodes in the case (its types are materialised, so no subclass walk is needed)."""
    found = set()
    for cls in shapes_graph.objects(shape, SH.targetClass):
        found |= {r[0] for r in store.query(f"SELECT ?x WHERE {{ ?x a <{cls}> }}")}
    for node in shapes_graph.objects(shape, SH.targetNode):
        if isinstance(node, URIRef):
            found.add(ox.NamedNode(str(node)))
    for pred in shapes_graph.objects(shape, SH.targetSubjectsOf):
        found |= {r[0] for r in store.query(f"SELECT DISTINCT ?x WHERE {{ ?x <{pred}> ?o }}")}
    for pred in shapes_graph.objects(shape, SH.targetObjectsOf):
        found |= {r[0] for r in store.query(f"SELECT DISTINCT ?x WHERE {{ ?s <{pred}> ?x }}")}
    return sorted(found, key=str)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    ontology.load()
    print(f"{'scheme':<10} {'sparql':>6} {'evals':>6} {'turbo ms':>9} {'µs/eval':>8} {'load ms':>8} "
          f"{'oxigraph ms':>12} {'µs/eval':>8} {'one query ms':>13} {'as separate ms':>15}")
    for scheme in rulebooks.catalogue():
        version = rulebooks.versions(scheme)[-1]
        case = caseio.parse_case((ROOT / "data" / "examples" / scheme / "conformant.json").read_bytes())
        when, _ = service.resolve_as_of(None, case)
        case_nt = engine.run_rules(engine.prepare(case, when, version.calendar_file), version)
        compiled = version.compiled("turbo", "shapes")
        shapes_graph = compiled.graph

        store = ox.Store()
        store.load(case_nt.encode(), ox.RdfFormat.N_TRIPLES)
        work = [(query, node) for shape, query in sparql_constraints(shapes_graph)
                for node in focus_nodes(store, shapes_graph, shape)]

        def oxigraph_all():
            for query, node in work:
                list(store.query(query, substitutions={THIS: node}))

        turbo_ms = median_ms(lambda: turbo._run(compiled, case_nt, []), args.runs)
        load_ms = median_ms(lambda: turbo._run(compiled, case_nt, ["urn:carboncert:no-shape"]), args.runs)
        ox_ms = median_ms(oxigraph_all, args.runs)

        # The constraints on the case node itself, as one query and as separate ones.
        case_node = ox.NamedNode(str(case.node))
        on_case = [query for query, node in work if node == case_node]
        merged = _merge(on_case)
        one_ms = median_ms(lambda: list(store.query(merged, substitutions={THIS: case_node})), max(3, args.runs // 3))
        apart_ms = median_ms(lambda: [list(store.query(q, substitutions={THIS: case_node})) for q in on_case], args.runs)

        n = max(len(work), 1)
        print(f"{scheme:<10} {len({q for q, _ in work}):>6} {len(work):>6} {turbo_ms:>9.1f} {turbo_ms * 1000 / n:>8.0f} "
              f"{load_ms:>8.1f} {ox_ms:>12.1f} {ox_ms * 1000 / n:>8.0f} {one_ms:>13.1f} {apart_ms:>15.1f}")
    print()
    print("sparql = active SPARQL constraints with a focus node in the case; evals = constraint x focus node;")
    print("turbo = the whole shapes graph on one thread (SHACL Core shapes included, so µs/eval is an upper bound);")
    print("load = one pyshacl-turbo call with no shape to run; oxigraph = the same evaluations in pyoxigraph;")
    print("one query = the case-level constraints merged into one UNION query, against 'as separate'.")


def _merge(queries: list[str]) -> str:
    """One SELECT whose UNION branches are the given queries (prefixes hoisted, projections kept)."""
    prefixes, bodies = set(), []
    for i, query in enumerate(queries):
        lines = query.split("\n")
        prefixes.update(line for line in lines if line.startswith("PREFIX"))
        body = "\n".join(line for line in lines if not line.startswith("PREFIX")).strip()
        bodies.append(f"{{ {{ {body} }} BIND ({i} AS ?constraint) }}")
    return "\n".join(sorted(prefixes)) + "\nSELECT * WHERE { " + " UNION ".join(bodies) + " }"


if __name__ == "__main__":
    main()
