"""Peer benchmark: Mejora's core scans against pm4py on the same generated CRM log.

What it measures
----------------
Part 1 (``--events``, default 1,000,000): one seeded CSV log from
``sample_logs._generate.write_crm_log`` is processed by

* **pm4py**: ``pandas.read_csv`` + ``pm4py.format_dataframe`` + ``pm4py.discover_dfg``
  + ``pm4py.discover_performance_dfg`` + ``pm4py.get_variants``;
* **Mejora**: ``mining.read_log`` + ``mining.discover_dfg`` (frequency *and* performance in
  one result) + ``mining.get_variants``.

Each side runs in its own fresh Python subprocess (this script re-run with a hidden
``--side`` flag), so the peak resident memory it reports (``ru_maxrss`` of that process,
interpreter and imports included) belongs to that side alone.  The time is measured inside
the child around the work only: library imports and file generation are excluded.  The
children pickle their results to a temporary file, and the parent checks that both sides
agree: DFG edge frequencies, start and end activities, variants with their counts, and the
mean time of every edge (within 1e-6 relative).  It prints "results agree" or exits 1
listing the differences, then a table of seconds and peak MiB with the speed-up
(target: >= 8x at 1M events).

Part 2 (``--dfg-events``, default 10,000,000; 0 skips it): a larger log is generated
(time reported separately), imported with ``mining.read_log`` (timed), and
``mining.discover_dfg`` is timed alone against the 2 s target (and once more, warm).

Run it from the repository root::

    python benchmarks/bench_core.py                         # 1M peer run + 10M DFG
    python benchmarks/bench_core.py --events 20000 --dfg-events 0   # quick smoke run

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import math
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

TARGET_SPEEDUP = 8.0
TARGET_DFG_SECONDS = 2.0
REL_TOLERANCE = 1e-6
SHOW_DIFFERENCES = 10


def _peak_mib() -> float:
    """Peak resident set size of this process in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------
# Children: one side each, results pickled to ``out``
# --------------------------------------------------------------------------------------


def run_pm4py(path: Path) -> dict[str, Any]:
    import pandas as pd
    import pm4py

    began = time.perf_counter()
    df = pd.read_csv(path)
    df = pm4py.format_dataframe(
        df, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )
    loaded = time.perf_counter()
    dfg, starts, ends = pm4py.discover_dfg(df)
    perf, _, _ = pm4py.discover_performance_dfg(df)
    variants = pm4py.get_variants(df)
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "load_seconds": loaded - began,
        "peak_mib": _peak_mib(),
        "frequencies": {(str(a), str(b)): int(n) for (a, b), n in dfg.items()},
        "mean_seconds": {(str(a), str(b)): float(p["mean"]) for (a, b), p in perf.items()},
        "start_activities": {str(a): int(n) for a, n in starts.items()},
        "end_activities": {str(a): int(n) for a, n in ends.items()},
        "variants": {tuple(map(str, v)): int(n) for v, n in variants.items()},
    }


def run_mejora(path: Path) -> dict[str, Any]:
    import mining

    began = time.perf_counter()
    log = mining.read_log(path)
    loaded = time.perf_counter()
    dfg = mining.discover_dfg(log)
    variants = mining.get_variants(log)
    seconds = time.perf_counter() - began
    edges = dfg.edges
    return {
        "seconds": seconds,
        "load_seconds": loaded - began,
        "peak_mib": _peak_mib(),
        "frequencies": dfg.frequencies(),
        "mean_seconds": {
            (str(a), str(b)): float(m)
            for a, b, m in zip(edges["source"], edges["target"], edges["mean_seconds"], strict=True)
        },
        "start_activities": dict(dfg.start_activities),
        "end_activities": dict(dfg.end_activities),
        "variants": variants.to_dict(),
    }


def run_dfg_only(path: Path) -> dict[str, Any]:
    import mining

    began = time.perf_counter()
    log = mining.read_log(path)
    read_seconds = time.perf_counter() - began
    began = time.perf_counter()
    dfg = mining.discover_dfg(log)
    dfg_seconds = time.perf_counter() - began
    began = time.perf_counter()
    mining.discover_dfg(log)
    warm_seconds = time.perf_counter() - began
    return {
        "read_seconds": read_seconds,
        "dfg_seconds": dfg_seconds,
        "warm_seconds": warm_seconds,
        "edges": len(dfg.edges),
        "peak_mib": _peak_mib(),
    }


SIDES = {"pm4py": run_pm4py, "mejora": run_mejora, "dfg": run_dfg_only}


def run_side(side: str, path: Path, workdir: Path) -> dict[str, Any]:
    """Run one side in a fresh interpreter and return what it pickled."""
    out = workdir / f"{side}.pickle"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--file", str(path)]
    subprocess.run([*cmd, "--out", str(out)], check=True)
    with out.open("rb") as fh:
        return pickle.load(fh)


# --------------------------------------------------------------------------------------
# Parent: generate, run both sides, compare, report
# --------------------------------------------------------------------------------------


def _dict_differences(name: str, ours: dict[Any, Any], theirs: dict[Any, Any]) -> list[str]:
    problems = []
    for key in sorted(set(ours) | set(theirs), key=repr):
        mine, pm = ours.get(key), theirs.get(key)
        if mine != pm:
            problems.append(f"{name} {key!r}: mejora={mine!r} pm4py={pm!r}")
    return problems


def compare(mejora: dict[str, Any], pm: dict[str, Any]) -> list[str]:
    """Every disagreement between the two sides' results, as readable lines."""
    problems: list[str] = []
    for name in ("frequencies", "start_activities", "end_activities", "variants"):
        found = _dict_differences(name, mejora[name], pm[name])
        if found:
            problems.append(f"{name}: {len(found)} differences")
            problems += ["  " + line for line in found[:SHOW_DIFFERENCES]]
    found = []
    for edge in sorted(set(mejora["mean_seconds"]) | set(pm["mean_seconds"])):
        mine, theirs = mejora["mean_seconds"].get(edge), pm["mean_seconds"].get(edge)
        if (
            mine is None
            or theirs is None
            or not math.isclose(mine, theirs, rel_tol=REL_TOLERANCE, abs_tol=1e-9)
        ):
            found.append(f"mean_seconds {edge!r}: mejora={mine!r} pm4py={theirs!r}")
    if found:
        problems.append(f"mean_seconds: {len(found)} differences")
        problems += ["  " + line for line in found[:SHOW_DIFFERENCES]]
    return problems


def generate(path: Path, n_events: int, seed: int) -> float:
    from sample_logs._generate import write_crm_log

    began = time.perf_counter()
    write_crm_log(path, n_events, seed=seed)
    return time.perf_counter() - began


def peer_run(n_events: int, seed: int, workdir: Path) -> bool:
    path = workdir / f"crm_{n_events}.csv"
    gen_seconds = generate(path, n_events, seed)
    size_mib = path.stat().st_size / 2**20
    print(f"generated {n_events:,} events (seed {seed}) in {gen_seconds:.2f} s, {size_mib:.0f} MiB")

    pm = run_side("pm4py", path, workdir)
    mejora = run_side("mejora", path, workdir)

    problems = compare(mejora, pm)
    if problems:
        print("RESULTS DIFFER:")
        print("\n".join(problems))
    else:
        print(
            f"results agree: {len(pm['frequencies'])} DFG edges, {len(pm['variants']):,} variants, "
            f"{sum(pm['variants'].values()):,} cases"
        )

    print()
    print(f"{'side':<8} {'total s':>9} {'load s':>8} {'peak MiB':>9}")
    for name, side in (("pm4py", pm), ("mejora", mejora)):
        print(
            f"{name:<8} {side['seconds']:>9.2f} {side['load_seconds']:>8.2f} "
            f"{side['peak_mib']:>9.0f}"
        )
    speedup = pm["seconds"] / mejora["seconds"]
    print(
        f"Mejora is {speedup:.1f}x faster ({pm['peak_mib'] / mejora['peak_mib']:.1f}x less memory)"
    )
    verdict = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
    print(f"target: >= {TARGET_SPEEDUP:.0f}x at 1M events ({verdict})")
    return not problems


def dfg_run(n_events: int, seed: int, workdir: Path) -> None:
    path = workdir / f"crm_{n_events}.csv"
    gen_seconds = generate(path, n_events, seed)
    size_mib = path.stat().st_size / 2**20
    print(f"generated {n_events:,} events in {gen_seconds:.2f} s, {size_mib:.0f} MiB")
    result = run_side("dfg", path, workdir)
    path.unlink()
    verdict = "meets" if result["dfg_seconds"] <= TARGET_DFG_SECONDS else "MISSES"
    print(f"mining.read_log:     {result['read_seconds']:.2f} s")
    print(
        f"mining.discover_dfg: {result['dfg_seconds']:.2f} s ({result['edges']} edges) "
        f"{verdict} the {TARGET_DFG_SECONDS:.0f} s target; again, warm: "
        f"{result['warm_seconds']:.2f} s"
    )
    print(f"peak memory: {result['peak_mib']:.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events for the peer run")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument(
        "--dfg-events", type=int, default=10_000_000, help="events for the DFG run (0 skips)"
    )
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.side:  # child: do one side's work and pickle the result
        result = SIDES[args.side](args.file)
        with args.out.open("wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return 0

    with tempfile.TemporaryDirectory(prefix="mejora-bench-") as tmp:
        workdir = Path(tmp)
        print(f"== Part 1: Mejora vs pm4py on {args.events:,} events ==")
        agree = peer_run(args.events, args.seed, workdir)
        if args.dfg_events > 0:
            print()
            print(f"== Part 2: mining.discover_dfg on {args.dfg_events:,} events ==")
            dfg_run(args.dfg_events, args.seed, workdir)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
