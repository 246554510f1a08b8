"""The results the pages show, each one mining / improvement / automation call on a view,
cached by log version + filter stack + parameters (see ``DataService.cached``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

import improvement
import mining
from automation import Workflow, branch_usage, designed_waits, workflow_to_petri_net
from dashboard._data import View, data, prefetch_counts
from mining import CaseAttribute

SLIDER_STEP = 0.1
MAX_CASE_ROWS = 500


def _step(value: float) -> float:
    return round(min(max(value, SLIDER_STEP), 1.0), 2)


def process_map(view: View, activities: float, paths: float) -> mining.ProcessMap:
    """The process map at the slider positions. In the background, the neighbouring slider
    positions are computed, and the case count of each activity's click-to-filter view, so the
    next move or click is answered from the cache."""
    a, p = _step(activities), _step(paths)
    result = data().cached(
        view, "process_map", lambda log: mining.process_map(log, activities=a, paths=p), a, p
    )
    for na, np_ in (
        (a, p - SLIDER_STEP),
        (a, p + SLIDER_STEP),
        (a - SLIDER_STEP, p),
        (a + SLIDER_STEP, p),
    ):
        na, np_ = _step(na), _step(np_)
        data().prefetch(
            view,
            "process_map",
            lambda log, na=na, np_=np_: mining.process_map(log, activities=na, paths=np_),
            na,
            np_,
        )
    clicks = [CaseAttribute("activity", (str(a),)).to_dict() for a in result.nodes["activity"]]
    prefetch_counts([view.adding(item) for item in clicks])
    return result


def variants(view: View) -> mining.Variants:
    """Variants of the view, most frequent first."""
    return data().cached(view, "variants", mining.get_variants)


def longest_cases(view: View) -> pd.DataFrame:
    """The longest cases of the view (at most ``MAX_CASE_ROWS``) with their statistics."""
    return data().cached(
        view,
        "longest_cases",
        lambda log: mining.case_statistics(log).nlargest(MAX_CASE_ROWS, "duration_seconds"),
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
    return data().cached(
        view, "kpis", lambda log: (improvement.compute_kpis(log), improvement.kpi_trends(log))
    )


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


def root_cause(view: View, outcome: str) -> improvement.RootCause:
    """Drivers of an outcome over the view's cases."""
    return data().cached(
        view, "root_cause", lambda log: improvement.root_cause(log, outcome), outcome
    )


def consent(view: View, contact: str) -> pd.DataFrame:
    """Sends after a withdrawal of consent."""
    return data().cached(
        view, "consent", lambda log: mining.consent_violations(log, contact=contact), contact
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
            "waits": mining.waits_against_design(log, designed_waits(workflow)),
        }

    return data().cached(view, "conformance", check, key, method)
