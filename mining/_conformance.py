"""Conformance against a model: per-case fitness and deviations, computed once per variant.

The model is an accepting Petri net (read from PNML or BPMN here; designed workflows convert in
``automation``). Alignments (exact: skipped steps and unexpected steps) or token replay (fast)
run through pm4py on one trace per variant, with an explicit worker count and an optional time
budget per variant; results are spread back to the cases of each variant, and the log-level
numbers are pm4py's own, computed over all cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from mining import _pm4py_adapter, _queries
from mining._eventlog import EventLog

SKIPPED = "skipped"
UNEXPECTED = "unexpected"


def read_model(path: str | Path) -> tuple[Any, Any, Any]:
    """(net, initial marking, final marking) from a ``.pnml`` or ``.bpmn`` file (XML with a DTD
    is refused)."""
    return _pm4py_adapter.read_petri_net_model(Path(path))


@dataclass(frozen=True)
class ConformanceResult:
    """Fitness of every case and variant, their deviations, and pm4py's log-level numbers."""

    method: str
    cases: pd.DataFrame  # case_id, fitness, fit, deviations
    variants: pd.DataFrame  # activities, cases, fitness, fit, deviations
    log: dict[str, float]

    @property
    def fitness(self) -> float:
        """Log-level fitness as pm4py defines it for the method."""
        return float(self.log["log_fitness"])

    def deviations(self) -> pd.DataFrame:
        """Each deviation (skipped step / unexpected step and its activity) with the cases it
        affects and their share, most frequent first."""
        rows: dict[tuple[str, str], int] = {}
        for deviations, n in zip(self.variants["deviations"], self.variants["cases"], strict=True):
            for kind, activity in set(deviations):
                rows[(kind, activity)] = rows.get((kind, activity), 0) + int(n)
        total = int(self.variants["cases"].sum()) or 1
        frame = pd.DataFrame(
            [(k, a, n, n / total) for (k, a), n in rows.items()],
            columns=["kind", "activity", "cases", "share"],
        )
        return frame.sort_values(["cases", "kind", "activity"], ascending=[False, True, True])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "method": self.method,
            "log": self.log,
            "deviations": self.deviations().to_dict("records"),
        }


def _moves(alignment: list[tuple[Any, Any]]) -> list[tuple[str, str]]:
    deviations = []
    for log_move, model_move in alignment:
        if log_move == ">>" and model_move not in (None, ">>"):
            deviations.append((SKIPPED, str(model_move)))
        elif model_move == ">>" and log_move not in (None, ">>"):
            deviations.append((UNEXPECTED, str(log_move)))
    return deviations


def check_conformance(
    log: EventLog,
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    method: Literal["alignments", "token_replay"] = "alignments",
    workers: int = 1,
    time_budget: float | None = None,
) -> ConformanceResult:
    """Per-case fitness and deviations of ``log`` against an accepting Petri net.

    ``workers`` is the number of processes for alignments (pm4py's own default is 0 on two
    cores); ``time_budget`` caps the seconds spent aligning one variant.

    Example:
        >>> net, im, fm = read_model("design.pnml")                        # doctest: +SKIP
        >>> result = check_conformance(log, net, im, fm)                    # doctest: +SKIP
        >>> result.fitness, result.deviations().head()                      # doctest: +SKIP
    """
    rows = log.connection.execute(_queries.scans.case_variants(log.events_ref)).fetchall()
    by_variant: dict[tuple[str, ...], list[str]] = {}
    for case_id, activities in rows:
        by_variant.setdefault(tuple(activities), []).append(case_id)
    variants = sorted(by_variant, key=lambda v: (-len(by_variant[v]), v))
    if method == "alignments":
        results = _pm4py_adapter.align_variants(
            variants, net, initial_marking, final_marking, workers=workers, time_budget=time_budget
        )
        fitness = [float(r["fitness"]) if r else 0.0 for r in results]
        deviations = [_moves(r["alignment"]) if r else [] for r in results]
        fit = [bool(r) and r["fitness"] == 1.0 for r in results]
        weighted = [r for r, v in zip(results, variants, strict=True) for _ in by_variant[v] if r]
        summary = _pm4py_adapter.alignment_log_fitness(weighted)
    elif method == "token_replay":
        results = _pm4py_adapter.replay_variants(variants, net, initial_marking, final_marking)
        fitness = [float(r["trace_fitness"]) for r in results]
        fit = [bool(r["trace_is_fit"]) for r in results]
        deviations = [[] for _ in results]
        weighted = [r for r, v in zip(results, variants, strict=True) for _ in by_variant[v]]
        summary = _pm4py_adapter.token_replay_log_fitness(weighted)
    else:
        raise ValueError(f"method must be 'alignments' or 'token_replay', not {method!r}")
    variant_frame = pd.DataFrame(
        {
            "activities": variants,
            "cases": [len(by_variant[v]) for v in variants],
            "fitness": fitness,
            "fit": fit,
            "deviations": deviations,
        }
    )
    case_rows = [
        (case_id, fitness[i], fit[i], deviations[i])
        for i, v in enumerate(variants)
        for case_id in by_variant[v]
    ]
    case_frame = pd.DataFrame(case_rows, columns=["case_id", "fitness", "fit", "deviations"])
    return ConformanceResult(
        method=method,
        cases=case_frame.sort_values("case_id").reset_index(drop=True),
        variants=variant_frame,
        log={k: float(v) for k, v in summary.items()},
    )
