"""Peer benchmark: per-case conformance (token replay), Mejora against pm4py, same log, same net.

What it measures
----------------
One seeded CRM log of ``--events`` events (default 1,000,000; ``sample_logs._generate``) and the
designed lead-to-deal workflow in ``crm_pipeline_workflow.yaml`` beside this script, converted to
its Petri net (a state machine with silent decisions, as marketing and sales workflows are).
The generated log deviates from the design on purpose, so fitness is below 1.

* **pm4py**: the log read with ``pandas.read_csv`` + ``pm4py.format_dataframe`` (load, timed
  apart), then ``pm4py.fitness_token_based_replay`` (timed) and, untimed,
  ``pm4py.conformance_diagnostics_token_based_replay`` for the per-case comparison.
* **Mejora**: ``mining.read_log`` (load, timed apart), then ``mining.check_conformance(...,
  method="token_replay")`` (timed): variants from DuckDB, pm4py's token-replay algorithm with a
  label index and shared prefixes (``mining/_pm4py_replay.py``).

Both run in this one process, one after the other, so a noisy machine slows both. The script
checks that the log-level numbers are equal and that every case has the same fitness, then
prints the seconds and the ratio (target: >= 10x for the conformance step).

Run it from the repository root::

    python benchmarks/bench_conformance.py                  # 1M events (about 2 minutes)
    python benchmarks/bench_conformance.py --events 50000   # quick run

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

WORKFLOW = Path(__file__).with_name("crm_pipeline_workflow.yaml")
TARGET_SPEEDUP = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        import pm4py

    import mining
    from automation import read_workflow, workflow_to_petri_net
    from sample_logs._generate import write_crm_log

    net, im, fm = workflow_to_petri_net(read_workflow(WORKFLOW))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crm.csv"
        began = time.perf_counter()
        write_crm_log(path, args.events, seed=args.seed)
        print(f"generated {args.events:,} events in {time.perf_counter() - began:.1f} s")

        began = time.perf_counter()
        log = mining.read_log(path)
        mejora_load = time.perf_counter() - began
        began = time.perf_counter()
        ours = mining.check_conformance(log, net, im, fm, method="token_replay")
        mejora_seconds = time.perf_counter() - began

        began = time.perf_counter()
        frame = pm4py.format_dataframe(
            pd.read_csv(path), case_id="case_id", activity_key="activity", timestamp_key="timestamp"
        )
        pm4py_load = time.perf_counter() - began
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            began = time.perf_counter()
            theirs = pm4py.fitness_token_based_replay(frame, net, im, fm)
            pm4py_seconds = time.perf_counter() - began
            per_case = pm4py.conformance_diagnostics_token_based_replay(
                frame, net, im, fm, return_diagnostics_dataframe=True
            )

    pm4py_case_fitness = dict(zip(per_case["case_id"], per_case["trace_fitness"], strict=True))
    ours_case_fitness = dict(zip(ours.cases["case_id"], ours.cases["fitness"], strict=True))
    differences = [
        c for c, f in pm4py_case_fitness.items() if not math.isclose(f, ours_case_fitness[str(c)])
    ]
    log_equal = all(math.isclose(theirs[k], ours.log[k], rel_tol=1e-12) for k in theirs)
    print(
        f"cases {len(ours.cases):,}, variants {len(ours.variants):,}; "
        f"log fitness pm4py {theirs['log_fitness']:.6f}, Mejora {ours.log['log_fitness']:.6f}"
    )
    if not log_equal or differences or len(pm4py_case_fitness) != len(ours_case_fitness):
        print(f"RESULTS DIFFER: log-level equal {log_equal}; {len(differences)} cases differ")
        return 1
    print("results agree: log-level numbers and the fitness of every case")
    ratio = pm4py_seconds / mejora_seconds
    total = (pm4py_load + pm4py_seconds) / (mejora_load + mejora_seconds)
    print(f"{'':<14}{'load s':>9}{'conformance s':>15}")
    print(f"{'pm4py':<14}{pm4py_load:>9.2f}{pm4py_seconds:>15.2f}")
    print(f"{'Mejora':<14}{mejora_load:>9.2f}{mejora_seconds:>15.2f}")
    verdict = "met" if ratio >= TARGET_SPEEDUP else "NOT met"
    print(
        f"conformance: Mejora is {ratio:.1f}x faster (target >= {TARGET_SPEEDUP:.0f}x: {verdict}); "
        f"load + conformance: {total:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
