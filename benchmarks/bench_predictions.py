"""Peer benchmark: predictions for open cases against the baseline a dashboard shows without a
model, on the sample logs and the real public logs in ../shared.

What it measures
----------------
For each log, ``improvement.evaluate_predictions``: models trained on the cases that closed
before a cut-off date (default: the start of the newest 30 % of the cases), tested on every
prefix of the closed cases that started on or after it. The peer is the baseline on the same
prefixes: the median remaining time, and the lost share, of the training prefixes that ended in
the same activity (pm4py has no prediction any more: its prediction package was removed). It
prints, per log, the mean absolute error of the remaining time (model, baseline, ratio: below 1
the model is better), the coverage of the 80 % interval, and for logs with a won / lost outcome
the AUC and Brier score of the loss probability (model and baseline), and the seconds taken.

Outcomes: the sales samples use their won / lost stages; sepsis counts a return to the ER
("Return ER") as the bad outcome; helpdesk and receipt have no outcome, so only remaining time.

Run it from the repository root::

    python benchmarks/bench_predictions.py

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "logs"
REAL = {
    "helpdesk": ("helpdesk.xes.gz", {}),
    "sepsis": ("sepsis.xes.gz", {"lost": ("Return ER",)}),
    "receipt": ("receipt.xes", {}),
}
SAMPLES = ("sales_activities", "opportunities", "crm_pipeline", "campaigns")


def _fmt(value: float, digits: int = 2) -> str:
    return "-" if value != value else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coverage", type=float, default=0.8)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    import mining
    import sample_logs
    from improvement import KpiSettings, NotEnoughHistory, evaluate_predictions

    logs: list[tuple[str, object, KpiSettings]] = [
        (name, lambda n=name: sample_logs.load_sample(n), KpiSettings()) for name in SAMPLES
    ]
    for name, (file, roles) in REAL.items():
        if (SHARED / file).exists():
            logs.append((name, lambda f=file: mining.read_log(SHARED / f), KpiSettings(**roles)))
        else:
            print(f"{name}: {SHARED / file} not found, skipped")
    head = (
        f"{'log':<17}{'train':>6}{'test':>6}{'MAE d':>8}{'base d':>8}{'ratio':>7}"
        f"{'cover':>7}{'AUC':>6}{'base':>6}{'Brier':>7}{'base':>7}{'s':>6}"
    )
    print(head)
    print("-" * len(head))
    ratios = []
    for name, load, settings in logs:
        log = load()
        started = time.perf_counter()
        try:
            r = evaluate_predictions(log, settings, coverage=args.coverage)
        except NotEnoughHistory as error:
            print(f"{name:<17}not tested: {error}")
            continue
        seconds = time.perf_counter() - started
        ratios.append(r.mae_ratio)
        print(
            f"{name:<17}{r.train_cases:>6}{r.test_cases:>6}{r.mae_days:>8.2f}"
            f"{r.baseline_mae_days:>8.2f}{r.mae_ratio:>7.2f}{r.coverage:>7.2f}"
            f"{_fmt(r.auc):>6}{_fmt(r.baseline_auc):>6}{_fmt(r.brier, 3):>7}"
            f"{_fmt(r.baseline_brier, 3):>7}{seconds:>6.1f}"
        )
    if ratios:
        print(f"\nMAE ratio model / baseline: best {min(ratios):.2f}, worst {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
