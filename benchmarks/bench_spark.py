"""Benchmark: DFG + variants on a generated 10M-event log, DuckDB against Spark local[2] and [1].

What it measures
----------------
One seeded CRM log (``sample_logs._generate.generate_crm_table``, ``--events``, default
10,000,000) is written as Parquet, imported with ``mining.read_log`` (the DuckDB log every
Mejora command uses) and exported with ``mining.export_parquet`` (Mejora's Parquet layout, the
one ``--engine spark`` reads). Then, each side in its own fresh Python process:

* **duckdb**: ``discover_dfg`` + ``get_variants`` on the imported log (import not timed);
* **spark local[2]** and **spark local[1]**: session start (reported apart), then
  ``SparkLog.from_parquet`` + ``discover_dfg`` + ``get_variants`` from the Parquet files;
* **spark local[2]+cache**: one ``SparkLog.from_parquet(..., cache=True)``, the events kept in
  memory partitioned and sorted by case (the first run builds the cache): what an interactive
  session pays per question once the log is loaded.

Each side runs ``--runs`` times (default 3). The first run is reported apart (for Spark it pays
the JVM's warm-up); the best of the others ("best warm"; for DuckDB, of all runs) is what a
long-lived process costs, and the least disturbed by anything else running on the machine.
Ratios compare those best times.

Both DFG + variants pairs are checked against DuckDB's: edge frequencies, start and end
activities, every edge's mean / median / p90 / min / max gap (1e-9 relative) and every variant
with its count. It prints the seconds, the Spark / DuckDB ratio and the local[1] / local[2]
speed-up, then exits 1 if any result differs.

``--cli`` also runs the command line end to end on the same log: ``mejora import`` into a
temporary store, then ``mejora dfg NAME --engine spark --spark-master local[2] --json`` (which
exports the stored log to Parquet, once) against ``mejora dfg NAME --json``.

Run it from the repository root (it takes several minutes at 10M events)::

    python benchmarks/bench_spark.py                      # 10M events
    python benchmarks/bench_spark.py --events 200000      # quick smoke run

Spark runs with ``spark.driver.memory`` = ``--driver-memory`` (default 4g): in local mode the
driver JVM is the whole cluster. This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

REL_TOLERANCE = 1e-9
STATS = ("mean_seconds", "median_seconds", "p90_seconds", "min_seconds", "max_seconds")
SHOW_DIFFERENCES = 10


# --------------------------------------------------------------------------------------
# Children: one side each, results pickled to ``out``
# --------------------------------------------------------------------------------------


def _results(dfg: Any, variants: Any) -> dict[str, Any]:
    edges = dfg.edges
    return {
        "frequencies": dfg.frequencies(),
        "stats": {
            (str(row.source), str(row.target)): tuple(float(getattr(row, s)) for s in STATS)
            for row in edges.itertuples()
        },
        "start_activities": dict(dfg.start_activities),
        "end_activities": dict(dfg.end_activities),
        "variants": variants.to_dict(),
    }


def run_duckdb(source: Path, export: Path, driver_memory: str) -> dict[str, Any]:
    import mining

    began = time.perf_counter()
    log = mining.read_log(source)
    import_seconds = time.perf_counter() - began
    began = time.perf_counter()
    mining.export_parquet(log, export, overwrite=True)
    export_seconds = time.perf_counter() - began
    runs = []
    for _ in range(RUNS):
        began = time.perf_counter()
        dfg, variants = mining.discover_dfg(log), mining.get_variants(log)
        runs.append(time.perf_counter() - began)
    return {
        "import_seconds": import_seconds,
        "export_seconds": export_seconds,
        "runs": runs,
        "events": log.n_events,
        **_results(dfg, variants),
    }


def run_spark(side: str, export: Path, driver_memory: str) -> dict[str, Any]:
    import mining
    from mining._engines import SparkLog, spark_session

    master, _, how = side.partition("+")
    began = time.perf_counter()
    session = spark_session(master, config={"spark.driver.memory": driver_memory})
    session.sparkContext.setLogLevel("ERROR")
    start_seconds = time.perf_counter() - began
    runs = []
    try:
        if how == "cache":  # one log, cached by case in the first run, read from memory after
            log = SparkLog.from_parquet(export, session=session, cache=True)
        for _ in range(RUNS):
            began = time.perf_counter()
            if how != "cache":
                log = SparkLog.from_parquet(export, session=session)
            dfg, variants = mining.discover_dfg(log), mining.get_variants(log)
            runs.append(time.perf_counter() - began)
    finally:
        session.stop()
    return {"start_seconds": start_seconds, "runs": runs, **_results(dfg, variants)}


def run_side(side: str, source: Path, export: Path, workdir: Path, memory: str) -> dict[str, Any]:
    """Run one side in a fresh interpreter and return what it pickled."""
    out = workdir / f"{side.replace('[', '_').replace(']', '').replace('+', '_')}.pickle"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--side", side]
    cmd += ["--source", str(source), "--export", str(export), "--driver-memory", memory]
    cmd += ["--runs", str(RUNS)]
    subprocess.run([*cmd, "--out", str(out)], check=True)
    with out.open("rb") as fh:
        return pickle.load(fh)


# --------------------------------------------------------------------------------------
# Parent: generate, run the sides, compare, report
# --------------------------------------------------------------------------------------


def compare(name: str, duck: dict[str, Any], spark: dict[str, Any]) -> list[str]:
    """Every disagreement between DuckDB's and one Spark side's results."""
    problems = []
    for key in ("frequencies", "start_activities", "end_activities", "variants"):
        ours, theirs = duck[key], spark[key]
        wrong = [k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)]
        problems += [f"{name} {key} {k!r}: {ours.get(k)} != {theirs.get(k)}" for k in wrong]
    for edge, ours in duck["stats"].items():
        theirs = spark["stats"].get(edge)
        if theirs is None or not all(
            math.isclose(a, b, rel_tol=REL_TOLERANCE) or (math.isnan(a) and math.isnan(b))
            for a, b in zip(ours, theirs, strict=True)
        ):
            problems.append(f"{name} gap statistics {edge!r}: {ours} != {theirs}")
    return problems


def cli_run(source: Path, workdir: Path) -> dict[str, float]:
    """``mejora import`` then ``mejora dfg`` / ``variants`` on DuckDB and on Spark local[2]."""
    env = {**os.environ, "MEJORA_STORE": str(workdir / "store.duckdb")}
    mejora = [sys.executable, "-m", "mejora.cli"]
    timings: dict[str, float] = {}

    def run(label: str, *args: str) -> Any:
        began = time.perf_counter()
        done = subprocess.run(
            [*mejora, *args], env=env, check=True, capture_output=True, text=True, cwd=ROOT
        )
        timings[label] = time.perf_counter() - began
        return json.loads(done.stdout) if "--json" in args else None

    run("import", "import", str(source), "--name", "crm10m", "--json")
    spark = ["--engine", "spark", "--spark-master", "local[2]"]
    duck_dfg = run("dfg duckdb", "dfg", "crm10m", "--json")
    spark_dfg = run("dfg spark (exports to Parquet)", "dfg", "crm10m", "--json", *spark)
    duck_variants = run("variants duckdb", "variants", "crm10m", "--json")
    spark_variants = run("variants spark (export reused)", "variants", "crm10m", "--json", *spark)
    same = spark_variants == duck_variants and all(
        spark_dfg[k] == duck_dfg[k] for k in ("start_activities", "end_activities")
    )
    ours = {(e["source"], e["target"]): e for e in duck_dfg["edges"]}
    theirs = {(e["source"], e["target"]): e for e in spark_dfg["edges"]}
    same = same and ours.keys() == theirs.keys()
    for key, edge in ours.items():
        for field, value in edge.items():
            other = theirs[key][field]
            if isinstance(value, float):
                same = same and math.isclose(value, other, rel_tol=REL_TOLERANCE)
            else:
                same = same and value == other
    timings["same"] = float(same)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--runs", type=int, default=3, help="Runs per side (at least 2).")
    parser.add_argument("--cli", action="store_true", help="Also run the CLI end to end.")
    parser.add_argument(
        "--master",
        action="append",
        help="A Spark side to time (repeatable; default: local[2], local[1], local[2]+cache); "
        "'+cache' reads a cached SparkLog. For a cluster, e.g. spark://head:7077, with "
        "--workdir on a path its executors read.",
    )
    parser.add_argument(
        "--workdir", type=Path, help="Folder for the generated log and its Parquet export."
    )
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global RUNS
    RUNS = max(2, args.runs)

    if args.side:  # child process
        if args.side == "duckdb":
            result = run_duckdb(args.source, args.export, args.driver_memory)
        else:
            result = run_spark(args.side, args.export, args.driver_memory)
        with args.out.open("wb") as fh:
            pickle.dump(result, fh)
        return 0

    import pyarrow.parquet as pq

    from sample_logs._generate import generate_crm_table

    with tempfile.TemporaryDirectory(prefix="mejora-bench-spark-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        source, export = workdir / "crm.parquet", workdir / "export"
        began = time.perf_counter()
        pq.write_table(generate_crm_table(args.events, seed=args.seed), source)
        print(f"generated {args.events:,} events in {time.perf_counter() - began:.1f} s")

        duck = run_side("duckdb", source, export, workdir, args.driver_memory)
        print(
            f"duckdb: import {duck['import_seconds']:.1f} s, export to Parquet "
            f"{duck['export_seconds']:.1f} s ({duck['events']:,} events)"
        )
        masters = args.master or SPARK
        sides = {m: run_side(m, source, export, workdir, args.driver_memory) for m in masters}
        problems = [p for m, r in sides.items() for p in compare(m, duck, r)]
        cli = cli_run(source, workdir) if args.cli else None

    base = min(duck["runs"])  # DuckDB has no warm-up to leave out
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nDFG + variants on {args.events:,} events (seconds; {os.cpu_count()} cores; "
        f"load average now {load})"
    )
    print(f"{'engine':<22}{'start':>8}{'run 1':>9}{'best warm':>11}{'vs duckdb':>11}")
    print(f"{'duckdb':<22}{'-':>8}{duck['runs'][0]:>9.1f}{base:>11.1f}{1.0:>10.1f}x")
    for master, result in sides.items():
        best = min(result["runs"][1:])
        print(
            f"{'spark ' + master:<22}{result['start_seconds']:>8.1f}{result['runs'][0]:>9.1f}"
            f"{best:>11.1f}{best / base:>10.1f}x"
        )
    print(
        "every run (s): "
        + "; ".join(
            f"{name} {', '.join(f'{x:.1f}' for x in result['runs'])}"
            for name, result in {"duckdb": duck, **sides}.items()
        )
    )
    if {"local[1]", "local[2]"} <= sides.keys():
        one, two = (min(sides[m]["runs"][1:]) for m in ("local[1]", "local[2]"))
        print(f"spark local[1] / local[2]: {one / two:.2f}x speed-up from the second core")
    if cli:
        print("\nCLI end to end:")
        for label, seconds in cli.items():
            if label != "same":
                print(f"  mejora {label}: {seconds:.1f} s")
        if not cli["same"]:
            problems.append("CLI: mejora dfg/variants --engine spark differ from duckdb")
    if problems:
        print(f"\nRESULTS DIFFER ({len(problems)}):")
        for line in problems[:SHOW_DIFFERENCES]:
            print("  " + line)
        return 1
    print("\nresults agree: DFG (frequencies, start/end, gap statistics) and variants")
    return 0


SPARK = ("local[2]", "local[1]", "local[2]+cache")
RUNS = 3

if __name__ == "__main__":
    sys.exit(main())
