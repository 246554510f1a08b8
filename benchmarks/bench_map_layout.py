"""Peer benchmark: edge crossings of the process map, Mejora's layout against pm4py's Graphviz one.

What it measures
----------------
For each real public log in ``../shared/data/logs`` (running-example, receipt, helpdesk, sepsis,
roadtraffic100traces) and each sample log, the map ``mejora dfg LOG --figure`` draws (every
activity and path, with start and end):

* **pm4py**: ``pm4py.visualization.dfg.visualizer.apply`` on the same log (frequency variant, all
  paths), laid out by Graphviz ``dot`` (``-Tplain``); each edge's spline is flattened to a
  polyline of its Bézier curve (16 points per piece).
* **Mejora**: ``mining.map_layout`` (igraph's Sugiyama ordering, weighted row placement, long
  edges through slots of their own).

Both drawings' edges are counted with the same function (``mining._layout.count_crossings``:
proper intersections of segments of two different edges). The script also prints the problems
the browser check looks for in Mejora's drawing (boxes or labels on top of each other, edges
through boxes; it must be 0), how many edge labels found no free spot (their numbers stay on
hover) and the seconds each layout took.

Run it from the repository root (needs Graphviz's ``dot`` on the PATH, Debian package
``graphviz``)::

    python benchmarks/bench_map_layout.py

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "logs"
REAL = {
    "running-example": "running-example.xes",
    "receipt": "receipt.xes",
    "helpdesk": "helpdesk.xes.gz",
    "sepsis": "sepsis.xes.gz",
    "roadtraffic100traces": "roadtraffic100traces.xes",
}


def _bezier(points: list[tuple[float, float]], steps: int = 16) -> list[tuple[float, float]]:
    """A Graphviz spline (1 + 3n control points) as a polyline."""
    line = [points[0]]
    for k in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[k : k + 4]
        for i in range(1, steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
            line.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
                )
            )
    return line


def graphviz_crossings(pm_log) -> tuple[int, float]:
    """Crossings in pm4py's own drawing of the log's DFG, and the seconds dot took."""
    import pm4py
    from pm4py.visualization.dfg import visualizer

    from mining._layout import count_crossings

    dfg, starts, ends = pm4py.discover_dfg(pm_log)
    gviz = visualizer.apply(
        dfg,
        log=pm_log,
        variant=visualizer.Variants.FREQUENCY,
        parameters={
            "start_activities": starts,
            "end_activities": ends,
            "maxNoOfEdgesInDiagram": 10**9,
        },
    )
    began = time.perf_counter()
    plain = subprocess.run(
        ["dot", "-Tplain"], input=gviz.source, capture_output=True, text=True, check=True
    ).stdout
    seconds = time.perf_counter() - began
    polylines = []
    for row in plain.splitlines():
        parts = row.split()
        if parts and parts[0] == "edge":
            n = int(parts[3])
            xy = [float(v) * 72 for v in parts[4 : 4 + 2 * n]]  # inches to points
            line = _bezier(list(zip(xy[::2], xy[1::2], strict=True)))
            polylines.append(list(itertools.pairwise(line)))
    return count_crossings(polylines), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py  # noqa: F401

    import mining
    from mining._pm4py_adapter import to_pm4py_dataframe
    from sample_logs import SAMPLES, load_sample

    if not shutil.which("dot"):
        print("Graphviz's dot is not on the PATH (apt-get install graphviz): no peer to compare")
        return 1
    logs = {name: (lambda f=f: mining.read_log(SHARED / f)) for name, f in REAL.items()}
    logs.update({name: (lambda n=name: load_sample(n)) for name in SAMPLES})
    header = (
        f"{'log':<24}{'acts':>5}{'paths':>6}{'pm4py+dot':>10}{'Mejora':>8}"
        f"{'problems':>9}{'hidden':>7}{'dot s':>7}{'Mejora s':>9}"
    )
    print(header)
    worse = 0
    for name, load in logs.items():
        if name in REAL and not (SHARED / REAL[name]).exists():
            print(f"{name:<24} (not in {SHARED})")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log = load()
            pmap = mining.process_map(log)
            began = time.perf_counter()
            layout = mining.map_layout(pmap)
            ours_s = time.perf_counter() - began
            theirs, dot_s = graphviz_crossings(to_pm4py_dataframe(log))
        ours = layout.crossings()
        worse += ours > theirs
        print(
            f"{name:<24}{len(pmap.nodes):>5}{len(pmap.edges):>6}{theirs:>10}{ours:>8}"
            f"{len(layout.problems()):>9}{layout.hidden_labels():>7}{dot_s:>7.2f}{ours_s:>9.2f}"
        )
    print(f"\nlogs where Mejora's map has more crossings than Graphviz's: {worse}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
