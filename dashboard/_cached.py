"""The results the pages show, each one mining / improvement / automation call on a view,
cached by log version + filter stack + parameters (see ``DataService.cached``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import improvement
import mining
from automation import Workflow, branch_usage, designed_waits, workflow_to_petri_net
from dashboard._data import View, data, prefetch_counts
from mining import CaseAttribute

T = TypeVar("T")
SLIDER_STEP = 0.1
MAX_CASE_ROWS = 500
# the follows index keeps the log's events in memory (about 270 bytes an event): above this many
# events the maps of filtered views are computed from the store instead
INDEX_MAX_EVENTS = int(os.environ.get("MEJORA_MAP_INDEX_MAX_EVENTS", "10000000"))


def follows_index(log: mining.EventLog) -> mining.FollowsIndex | None:
    """The log's follows index, or None when the log has more than ``INDEX_MAX_EVENTS``
    events (``$MEJORA_MAP_INDEX_MAX_EVENTS``) and the index would take too much memory."""
    if log.n_events > INDEX_MAX_EVENTS:
        return None
    return mining.FollowsIndex.build(log)


def _step(value: float) -> float:
    return round(min(max(value, SLIDER_STEP), 1.0), 2)


def process_map(view: View, activities: float, paths: float) -> mining.ProcessMap:
    """The process map at the slider positions. The log's follows index (``mining.FollowsIndex``)
    is built once in the background; once it is there, a map of any view of the log comes from
    it instead of a scan of the events. In the background too: the neighbouring slider positions,
    and the case count of each activity's click-to-filter view, so the next move or click is
    answered from the cache."""
    service = data()
    a, p = _step(activities), _step(paths)
    whole = view.unfiltered()

    def draw(log: mining.EventLog, a: float = a, p: float = p) -> mining.ProcessMap:
        index = service.peek(whole, "follows_index")
        return mining.process_map(log, activities=a, paths=p, index=index)

    result = service.cached(view, "process_map", draw, a, p)
    service.prefetch(whole, "follows_index", follows_index, first=True)
    for na, np_ in (
        (a, p - SLIDER_STEP),
        (a, p + SLIDER_STEP),
        (a - SLIDER_STEP, p),
        (a + SLIDER_STEP, p),
    ):
        na, np_ = _step(na), _step(np_)
        service.prefetch(
            view,
            "process_map",
            lambda log, na=na, np_=np_: draw(log, na, np_),
            na,
            np_,
        )
    clicks = [CaseAttribute("activity", (str(a),)).to_dict() for a in result.nodes["activity"]]
    prefetch_counts([view.adding(item) for item in clicks])
    return result


def _indexed(
    view: View,
    on_index: Callable[[mining.FollowsIndex, np.ndarray], T | None],
    on_events: Callable[[mining.EventLog], T],
) -> Callable[[mining.EventLog], T]:
    """Computing a view's result off the log's follows index once it is built (the same
    numbers, without a scan of the events), else on the events; asks for the index too."""
    service = data()
    whole = view.unfiltered()
    service.prefetch(whole, "follows_index", follows_index, first=True)

    def compute(log: mining.EventLog) -> T:
        index = service.peek(whole, "follows_index")
        if index is not None and index.covers(log):
            found = on_index(index, index.events_of(log))
            if found is not None:
                return found
        return on_events(log)

    return compute


def variants(view: View) -> mining.Variants:
    """Variants of the view, most frequent first."""
    return data().cached(
        view, "variants", _indexed(view, lambda i, m: i.variants(m), mining.get_variants)
    )


def longest_cases(view: View) -> pd.DataFrame:
    """The longest cases of the view (at most ``MAX_CASE_ROWS``) with their statistics."""

    def longest(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame.nlargest(MAX_CASE_ROWS, "duration_seconds")

    return data().cached(
        view,
        "longest_cases",
        _indexed(
            view,
            lambda i, m: longest(i.case_statistics(m)),
            lambda log: longest(mining.case_statistics(log)),
        ),
    )


def dotted_chart(view: View, time: str, lang: str = "en") -> go.Figure:
    """The dotted chart of (a sample of) the view's cases, its words in ``lang``."""
    return data().cached(
        view,
        "dotted",
        lambda log: mining.dotted_chart_figure(log, max_cases=300, time=time, lang=lang),
        time,
        lang,
    )


def case_timeline(view: View, case_id: str, lang: str = "en") -> go.Figure:
    """The dotted chart of one case: its events over time."""
    one = view.adding(mining.CaseAttribute("case_id", (case_id,)).to_dict())
    return data().cached(
        one, "dotted", lambda log: mining.dotted_chart_figure(log, lang=lang), "absolute", lang
    )


def kpi_series(view: View, kpi: str, freq: str) -> improvement.KpiSeries:
    """A KPI per period (``improvement.kpi_series``)."""
    return data().cached(
        view, "kpi_series", lambda log: improvement.kpi_series(log, kpi, freq=freq), kpi, freq
    )


def control_chart(
    view: View, kpi: str, freq: str, baseline_until: str | None
) -> improvement.ControlChartResult:
    """The KPI's control chart with its signals."""
    series = kpi_series(view, kpi, freq)
    return data().cached(
        view,
        "control_chart",
        lambda _log: improvement.kpi_control_chart(series, baseline_until=baseline_until),
        kpi,
        freq,
        baseline_until,
    )


def kpis(view: View) -> tuple[improvement.KpiTable, list[improvement.KpiTrend]]:
    """The catalogue KPIs of the view and the trends (with drift alerts) of those with a series."""
    return data().cached(view, "kpis", improvement.kpi_overview)


def throughput_days(view: View) -> pd.Series:
    """Throughput time of every case, in days."""
    return data().cached(
        view,
        "throughput_days",
        lambda log: mining.throughput_times(log)["throughput_seconds"] / 86400,
    )


def case_columns(view: View) -> list[str]:
    """Attribute columns of the view's log."""
    return data().cached(view.unfiltered(), "columns", lambda log: log.attribute_columns)


def activities(view: View) -> list[str]:
    """Activities of the view's log, most frequent first."""
    return data().cached(
        view.unfiltered(),
        "activities",
        lambda log: [
            str(a)
            for a in mining.activity_statistics(log).sort_values("events", ascending=False)[
                "activity"
            ]
        ],
    )


def pareto(view: View, by: str, weight: str | None, where: str | None) -> improvement.Pareto:
    """Pareto of a column over the view's cases."""
    return data().cached(
        view,
        "pareto",
        lambda log: improvement.pareto_of(log, by, weight, where=where),
        by,
        weight,
        where,
    )


def open_cases(view: View) -> improvement.OpenCases:
    """The open cases of the view, ranked, as of its last event."""
    return data().cached(view, "open_cases", lambda log: improvement.open_cases(log, predict=True))


def prediction_test(view: View) -> improvement.PredictionEvaluation | None:
    """The honest test of the open cases' predictions on the view, None with too little
    history."""

    def run(log: mining.EventLog) -> improvement.PredictionEvaluation | None:
        try:
            return improvement.evaluate_predictions(log)
        except improvement.NotEnoughHistory:
            return None

    return data().cached(view, "prediction_test", run)


def root_cause(view: View, outcome: str) -> improvement.RootCause:
    """Drivers of an outcome over the view's cases."""
    return data().cached(
        view, "root_cause", lambda log: improvement.root_cause(log, outcome), outcome
    )


def vocabulary(view: View) -> mining.Vocabulary:
    """What the view's log's columns and labels mean."""
    return data().cached(view.unfiltered(), "vocabulary", lambda log: log.vocabulary)


def consent(view: View, contact: str) -> pd.DataFrame:
    """Sends after a withdrawal of consent."""
    return data().cached(
        view,
        "consent",
        lambda log: mining.consent_violations(log, contact=contact or None),
        contact,
    )


def conformance(view: View, workflow: Workflow, key: str, method: str) -> dict[str, Any]:
    """The view against a designed workflow: the check, its deviations, branch usage,
    transition usage and designed waits (``key`` names the workflow and its revision)."""

    def check(log: mining.EventLog) -> dict[str, Any]:
        net, im, fm = workflow_to_petri_net(workflow)
        result = mining.check_conformance(log, net, im, fm, method=method)  # type: ignore[arg-type]
        return {
            "result": result,
            "deviations": result.deviations(),
            "usage": result.transition_usage(),
            "branches": branch_usage(workflow, result),
            "waits": mining.waits_against_design(
                mining.related_cases(log, workflow.labels())[0], designed_waits(workflow)
            ),
        }

    return data().cached(view, "conformance", check, key, method)
