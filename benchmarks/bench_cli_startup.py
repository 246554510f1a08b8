"""How long the ``mejora`` command takes to answer, in fresh processes, against its budgets.

What it measures
----------------
Wall-clock time of whole processes, as a user at a shell waits for them (interpreter start-up
included), the median of ``--repeat`` runs each:

* ``mejora --version`` and ``mejora --help``: budget 0.3 s each (they read the command catalogue
  and import none of the analysis libraries);
* ``mejora logs`` and ``mejora variants`` on a small store (2,000 events): budget 1 s each (they
  import the mining package, and DuckDB, only);
* the peer: ``python -c "import pm4py"``, what a pm4py user pays before the first call, printed
  with the ratio so that a slow machine shows as slow on both sides.

    python benchmarks/bench_cli_startup.py
    python benchmarks/bench_cli_startup.py --repeat 9

This is a script, not a test: pytest does not collect it. tests/test_cli_startup.py checks the
cause (which modules each command imports), which does not depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGETS = {"--version": 0.3, "--help": 0.3, "logs": 1.0, "variants": 1.0}


def _median_seconds(command: list[str], repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    mejora = str(Path(sys.executable).with_name("mejora"))
    with tempfile.TemporaryDirectory() as folder:
        from sample_logs._generate import write_crm_log

        source = write_crm_log(Path(folder) / "small.csv", 2_000, seed=5)
        env = dict(os.environ, MEJORA_STORE=str(Path(folder) / "mejora.duckdb"), COLUMNS="100")
        subprocess.run([mejora, "import", str(source), "--name", "small"], check=True, env=env,
                       capture_output=True)  # fmt: skip
        commands = {
            "--version": [mejora, "--version"],
            "--help": [mejora, "--help"],
            "logs": [mejora, "logs"],
            "variants": [mejora, "variants", "small"],
        }
        peer = _median_seconds([sys.executable, "-c", "import pm4py"], args.repeat, env)
        print(f"peer: python -c 'import pm4py'  {peer:6.2f} s")
        failed = []
        for label, command in commands.items():
            took = _median_seconds(command, args.repeat, env)
            budget = BUDGETS[label]
            verdict = "ok" if took <= budget else "OVER BUDGET"
            print(
                f"mejora {label:<10} {took:6.2f} s  (budget {budget:.1f} s, "
                f"{peer / took:5.1f}x faster than importing pm4py)  {verdict}"
            )
            if took > budget:
                failed.append(label)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
