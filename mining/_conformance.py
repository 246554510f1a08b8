"""Conformance against a model: per-case fitness and deviations, computed once per variant.

The model is an accepting Petri net (read from PNML or BPMN here; designed workflows convert in
``automation``). Alignments (exact: skipped, unexpected and out-of-order steps) run through pm4py
on one trace per variant, with an explicit worker count and an optional time budget per
variant; token replay (the fast mode) runs pm4py's algorithm in ``_pm4py_replay`` with the same
numbers. Results are spread back to the cases of each variant, and the log-level numbers are
pm4py's own, computed over all cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mining import _pm4py_adapter, _queries
from mining._eventlog import EventLog
from mining._filters import CaseAttribute, FilterStack, without_reactions
from mining._scans import activity_statistics
from mining.exceptions import EventLogError

SKIPPED = "skipped"
UNEXPECTED = "unexpected"
OUT_OF_ORDER = "out_of_order"
DEVIATION_KINDS = (SKIPPED, UNEXPECTED, OUT_OF_ORDER)  # the kinds a deviation row names


# suffix -> reader of further model formats, added by a layer above (automation adds its
# designed workflows, .yaml / .json), so every command that takes a model takes those too
MODEL_READERS: dict[str, Callable[[Path], tuple[Any, Any, Any]]] = {}


def register_model_format(suffixes: Iterable[str], reader: Callable[[Path], Any]) -> None:
    """Let :func:`read_model` read files with these suffixes (".yaml"...) with ``reader``,
    which returns (net, initial marking, final marking)."""
    for suffix in suffixes:
        MODEL_READERS[suffix.lower()] = reader


def read_model(path: str | Path) -> tuple[Any, Any, Any]:
    """(net, initial marking, final marking) from a ``.pnml`` or ``.bpmn`` file (XML with a DTD
    is refused), or a file of a format registered with :func:`register_model_format`."""
    path = Path(path)
    reader = MODEL_READERS.get(path.suffix.lower())
    if reader is None:
        return _pm4py_adapter.read_petri_net_model(path, also=tuple(MODEL_READERS))
    if not path.is_file():
        raise EventLogError(f"{path}: no such file")
    return reader(path)


@dataclass(frozen=True)
class ConformanceResult:
    """Fitness of every case and variant, their deviations, which model transitions they used,
    and pm4py's log-level numbers (``precision`` too when it was asked for)."""

    method: str
    cases: pd.DataFrame  # case_id, fitness, fit, deviations, duration_seconds
    variants: pd.DataFrame  # activities, cases, fitness, fit, deviations, transitions
    log: dict[str, float]
    transitions: pd.DataFrame  # name, label: every transition of the model
    ignored: tuple[str, ...] = ()  # contact reactions (opened, clicked...) not in the model
    unrelated: int = 0  # cases left out: none of their activities is a step of the model

    @property
    def fitness(self) -> float:
        """Log-level fitness as pm4py defines it for the method."""
        return float(self.log["log_fitness"])

    @property
    def precision(self) -> float | None:
        """pm4py's ETConformance precision, when computed (``precision=True``)."""
        value = self.log.get("precision")
        return None if value is None else float(value)

    def deviations(self) -> pd.DataFrame:
        """Each deviation — a skipped step, an unexpected step, or a step out of order (done,
        but where the model did not expect it) — with the cases it affects, their share, and
        its impact on throughput: the median case duration with and without it.

        Example:
            >>> result.deviations()[["kind", "activity", "impact_seconds"]]  # doctest: +SKIP
        """
        durations = self.cases.set_index("case_id")["duration_seconds"]
        affected: dict[tuple[str, str], list[str]] = {}
        cases = self.cases
        for deviations, case_id in zip(cases["deviations"], cases["case_id"], strict=True):
            for key in set(deviations):
                affected.setdefault(key, []).append(case_id)
        total = len(self.cases) or 1
        rows = []
        for (kind, activity), ids in affected.items():
            with_it = durations.loc[ids]
            without = durations.drop(index=ids)
            rows.append(
                (
                    kind,
                    activity,
                    len(ids),
                    len(ids) / total,
                    float(with_it.median()) if len(with_it) else float("nan"),
                    float(without.median()) if len(without) else float("nan"),
                )
            )
        frame = pd.DataFrame(
            rows,
            columns=[
                "kind",
                "activity",
                "cases",
                "share",
                "median_duration_with",
                "median_duration_without",
            ],
        )
        frame["impact_seconds"] = frame["median_duration_with"] - frame["median_duration_without"]
        frame = frame.sort_values(["cases", "kind", "activity"], ascending=[False, True, True])
        return frame.reset_index(drop=True)

    def transition_usage(self) -> pd.DataFrame:
        """Every model transition (silent ones too) with the number of cases whose alignment or
        replay fired it: a designed branch no case takes shows 0.

        Example:
            >>> usage = result.transition_usage()                           # doctest: +SKIP
            >>> usage[usage.cases == 0]                                     # doctest: +SKIP
        """
        counts: dict[str, int] = dict.fromkeys(self.transitions["name"], 0)
        for fired, n in zip(self.variants["transitions"], self.variants["cases"], strict=True):
            for name in set(fired):
                counts[name] = counts.get(name, 0) + int(n)
        frame = self.transitions.copy()
        frame["cases"] = [counts[name] for name in frame["name"]]
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "method": self.method,
            "log": self.log,
            "deviations": self.deviations().to_dict("records"),
            "ignored": list(self.ignored),
            "unrelated_cases": self.unrelated,
        }


def _moves(alignment: list[tuple[Any, Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    """Deviations of one alignment (a skipped and an unexpected move of the same activity make
    one out-of-order step) and the model transitions it fired."""
    skipped: list[str] = []
    unexpected: list[str] = []
    fired: list[str] = []
    for (_, model_name), (log_label, model_label) in alignment:
        if model_name != ">>":
            fired.append(str(model_name))
        if log_label == ">>" and model_label not in (None, ">>"):
            skipped.append(str(model_label))
        elif model_label == ">>" and log_label not in (None, ">>"):
            unexpected.append(str(log_label))
    deviations = []
    for activity in skipped:
        if activity in unexpected:
            unexpected.remove(activity)
            deviations.append((OUT_OF_ORDER, activity))
        else:
            deviations.append((SKIPPED, activity))
    deviations.extend((UNEXPECTED, activity) for activity in unexpected)
    return deviations, fired


def check_conformance(
    log: EventLog,
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    method: Literal["alignments", "token_replay"] = "alignments",
    workers: int = 1,
    time_budget: float | None = None,
    precision: bool = False,
    all_cases: bool = False,
) -> ConformanceResult:
    """Per-case fitness and deviations of ``log`` against an accepting Petri net.

    Alignments give the deviations (skipped, unexpected, out of order); token replay is the
    fast mode (fitness and the transitions used, with pm4py's numbers). ``workers`` is the
    number of processes for alignments (pm4py's own default is 0 on two cores);
    ``time_budget`` caps the seconds spent aligning one variant; ``precision`` adds pm4py's
    ETConformance precision for the same method (it replays every prefix: slower). A
    contact's reactions to an email (the vocabulary's opened, clicked, unsubscribed...) that no
    transition of the model names are left out first and listed in ``ignored``. Cases none of
    whose activities is a step of the model (another workflow's cases in a log of several) are
    left out too and counted in ``unrelated``, unless ``all_cases``: they would score 0 and
    pull the fitness of the process the model describes down, or up, by their number.

    Example:
        >>> net, im, fm = read_model("design.pnml")                        # doctest: +SKIP
        >>> result = check_conformance(log, net, im, fm)                    # doctest: +SKIP
        >>> result.fitness, result.deviations().head()                      # doctest: +SKIP
    """
    if method not in ("alignments", "token_replay"):
        raise ValueError(f"method must be 'alignments' or 'token_replay', not {method!r}")
    steps = {str(t.label) for t in net.transitions if t.label is not None}
    log, ignored = without_reactions(log, steps)
    unrelated = 0
    if not all_cases:
        log, unrelated = related_cases(log, steps)
    table = log.connection.sql(_queries.scans.variant_cases(log.events_ref)).to_arrow_table()
    variants = variants_of(table)
    if method == "alignments":
        results = _pm4py_adapter.align_variants(
            variants, net, initial_marking, final_marking, workers=workers, time_budget=time_budget
        )
    else:
        results = _pm4py_adapter.replay_variants_fast(variants, net, initial_marking, final_marking)
    result = conformance_result(
        table, results, net, initial_marking, final_marking, method=method, precision=precision
    )
    return replace(result, ignored=ignored, unrelated=unrelated)


def related_cases(log: EventLog, steps: Iterable[str]) -> tuple[EventLog, int]:
    """The cases of ``log`` with at least one of the ``steps`` (a model's or a design's
    activities), and the number of cases left out.

    Example:
        >>> related, left_out = related_cases(log, {"Offer sent", "Deal won"})  # doctest: +SKIP
    """
    known = set(activity_statistics(log)["activity"].astype(str))
    shared = tuple(sorted(known & set(steps)))
    if len(shared) == len(known) or not shared:  # all related, or none: nothing to tell apart
        return log, 0
    kept = FilterStack([CaseAttribute("activity", shared)]).apply(log)
    return kept, log.n_cases - kept.n_cases


def variants_of(table: pa.Table) -> list[tuple[str, ...]]:
    """The variants of a ``variant_cases`` result, one tuple of activities per row."""
    return [tuple(v) for v in table.column("activities").to_pylist()]


def conformance_result(
    table: pa.Table,
    results: list[Any],
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    method: Literal["alignments", "token_replay"],
    precision: bool,
) -> ConformanceResult:
    """The ConformanceResult from the ``variant_cases`` rows and pm4py's result per variant
    (alignments, or the fast token replay): per variant, per case and for the log; shared by
    ``check_conformance`` and its Spark fan-out so both spread results to cases the same way."""
    variants = variants_of(table)
    counts = pc.list_value_length(table.column("case_ids")).to_numpy().astype(np.int64).tolist()
    if method == "alignments":
        fitness = [float(r["fitness"]) if r else 0.0 for r in results]
        moves = [_moves(r["alignment"]) if r else ([], []) for r in results]
        deviations = [m[0] for m in moves]
        fired = [m[1] for m in moves]
        fit = [bool(r) and r["fitness"] == 1.0 for r in results]
        weighted = [x for r, n in zip(results, counts, strict=True) if r for x in [r] * n]
        summary = _pm4py_adapter.alignment_log_fitness(weighted)
    else:
        fitness = [float(r["trace_fitness"]) for r in results]
        fit = [bool(r["trace_is_fit"]) for r in results]
        deviations = [[tuple(d) for d in r.get("deviations", ())] for r in results]
        fired = [r["activated_transitions"] for r in results]
        weighted = [x for r, n in zip(results, counts, strict=True) for x in [r] * n]
        summary = _pm4py_adapter.token_replay_log_fitness(weighted)
    log_numbers = {k: float(v) for k, v in summary.items()}
    if precision and variants:
        log_numbers["precision"] = _pm4py_adapter.precision(
            list(variants), counts, net, initial_marking, final_marking, method
        )
    variant_frame = pd.DataFrame(
        {
            "activities": variants,
            "cases": counts,
            "fitness": fitness,
            "fit": fit,
            "deviations": deviations,
            "transitions": fired,
        }
    )
    index = np.repeat(np.arange(len(variants)), counts)
    case_frame = pd.DataFrame(
        {
            "case_id": pc.list_flatten(table.column("case_ids")).to_numpy(zero_copy_only=False),
            "fitness": np.asarray(fitness, dtype=float)[index],
            "fit": np.asarray(fit, dtype=bool)[index],
            "deviations": [deviations[i] for i in index],
            "duration_seconds": pc.list_flatten(table.column("durations")).to_numpy(
                zero_copy_only=False
            ),
        }
    )
    return ConformanceResult(
        method=method,
        cases=case_frame.sort_values("case_id").reset_index(drop=True),
        variants=variant_frame,
        log=log_numbers,
        transitions=pd.DataFrame(_pm4py_adapter.model_transitions(net), columns=["name", "label"]),
    )
