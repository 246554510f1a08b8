"""Improvement: a KPI's control chart with its signals, the capability of throughput time
against a limit, a Pareto of any column, and the drivers of an outcome (table, forest plot and
fishbone). Pareto and root cause run in the background."""

from __future__ import annotations

import dataclasses
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

import improvement
from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    empty_figure,
    export_csv,
    field,
    graph,
    grid,
    job_parts,
    job_status,
    message,
    poll_job,
    records,
    start_job,
)
from dashboard._data import View, error_text
from dashboard.i18n import current_language, t

PATH, ORDER, NAME = "/improvement", 4, "nav.improvement"
KPIS = ("throughput", "throughput-mean", "arrivals", "reach")
CASE_LEVEL = ("variant", "start_activity", "end_activity")
DRIVER_COLUMNS = (
    "rank",
    "factor",
    "level",
    "cases",
    "rate",
    "rest_rate",
    "risk_ratio",
    "evidence",
    "sentence",
)
export_csv(ids.CAUSE_GRID)


def layout(**_: Any) -> html.Div:
    """The page."""
    chart_controls = dbc.Row(
        [
            dbc.Col(
                field(
                    t("imp.kpi"),
                    dbc.Select(
                        id=ids.IMP_KPI,
                        options=[{"label": t(f"kpi.{k}"), "value": k} for k in KPIS],
                        value="throughput",
                    ),
                ),
                md=3,
            ),
            dbc.Col(field(t("imp.activity"), dbc.Select(id=ids.IMP_ACTIVITY, options=[])), md=3),
            dbc.Col(
                field(
                    t("imp.freq"),
                    dbc.RadioItems(
                        id=ids.IMP_FREQ,
                        options=[{"label": t(f"freq.{f}"), "value": f} for f in ("D", "W", "M")],
                        value="W",
                        inline=True,
                    ),
                ),
                md=3,
            ),
            dbc.Col(
                field(
                    t("imp.baseline"), dbc.Input(id=ids.IMP_BASELINE, type="date", debounce=True)
                ),
                md=3,
            ),
        ]
    )
    pareto_controls = dbc.Row(
        [
            dbc.Col(field(t("pareto.by"), dbc.Select(id=ids.PARETO_BY, options=[])), md=3),
            dbc.Col(field(t("pareto.weight"), dbc.Select(id=ids.PARETO_WEIGHT, options=[])), md=3),
            dbc.Col(
                field(
                    t("pareto.where"),
                    dbc.Input(id=ids.PARETO_WHERE, placeholder="ends_with 'Deal lost'"),
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Button(t("common.run"), id=ids.PARETO_RUN, color="primary", className="mt-4"),
                md=2,
            ),
        ]
    )
    driver_columns = [{"field": c, "headerName": t(f"col.{c}")} for c in DRIVER_COLUMNS]
    driver_columns[-1].update({"flex": 4, "tooltipField": "sentence"})
    return html.Div(
        [
            html.H2(t("imp.title")),
            card(
                t("imp.chart"),
                chart_controls,
                graph(ids.IMP_CHART, 460),
                html.Div(id=ids.IMP_EXPLAIN, className="explain"),
            ),
            card(
                t("imp.capability"),
                field(
                    t("imp.usl"),
                    dbc.Input(id=ids.IMP_USL, type="number", min=0, value=30, debounce=True),
                ),
                graph(ids.IMP_CAPABILITY, 380),
            ),
            card(
                t("pareto.title"),
                pareto_controls,
                *job_parts(ids.PARETO_JOB, ids.PARETO_POLL, ids.PARETO_STATUS),
                graph(ids.PARETO_FIGURE, 420),
            ),
            card(
                t("cause.title"),
                dbc.Row(
                    [
                        dbc.Col(
                            field(
                                t("cause.outcome"), dbc.Input(id=ids.CAUSE_OUTCOME, value="slow")
                            ),
                            md=9,
                        ),
                        dbc.Col(
                            dbc.Button(
                                t("common.run"), id=ids.CAUSE_RUN, color="primary", className="mt-4"
                            ),
                            md=3,
                        ),
                    ]
                ),
                html.P(t("cause.hint"), className="hint"),
                *job_parts(ids.CAUSE_JOB, ids.CAUSE_POLL, ids.CAUSE_STATUS),
                grid(ids.CAUSE_GRID, driver_columns, height=300, export="drivers"),
                graph(ids.CAUSE_FIGURE, 420),
                graph(ids.CAUSE_FISHBONE, 460),
            ),
        ]
    )


@callback(
    Output(ids.IMP_ACTIVITY, "options"),
    Output(ids.PARETO_BY, "options"),
    Output(ids.PARETO_WEIGHT, "options"),
    Input(ids.APP_VIEW, "data"),
)
def choices(current: dict[str, Any] | None) -> tuple[list, list, list]:
    """Activities for 'reach', columns for the Pareto."""
    view = View.from_data(current)
    if not view.log:
        return [], [], []
    columns = _cached.case_columns(view)
    weights = [{"label": t("pareto.count"), "value": ""}, *columns]
    return _cached.activities(view), [*columns, *CASE_LEVEL], weights


@callback(
    Output(ids.IMP_CHART, "figure"),
    Output(ids.IMP_EXPLAIN, "children"),
    Input(ids.APP_VIEW, "data"),
    Input(ids.IMP_KPI, "value"),
    Input(ids.IMP_ACTIVITY, "value"),
    Input(ids.IMP_FREQ, "value"),
    Input(ids.IMP_BASELINE, "value"),
)
def control_chart(
    current: dict[str, Any] | None, kpi: str, activity: str | None, freq: str, baseline: str | None
) -> tuple:
    """The KPI per period as a control chart, and what its signals mean."""
    name = f"reach:{activity}" if kpi == "reach" else kpi
    if kpi == "reach" and not activity:
        return empty_figure(t("imp.pick_activity")), ""
    try:
        chart = _cached.control_chart(View.from_data(current), name, freq, baseline or None)
    except (ValueError, LookupError) as exc:
        return empty_figure(), message(error_text(exc), "warning")
    lang = current_language()
    if lang != "en":  # the chart's measure in the user's words, as in the KPI picker
        label = t(f"kpi.{kpi}") + (f" «{activity}»" if kpi == "reach" else "")
        label = t("imp.chart_name", kpi=label[:1].lower() + label[1:], freq=t(f"freq.{freq}"))
        named = dataclasses.replace(chart, name=label)
        return improvement.control_chart_figure(named, lang=lang), chart.explain()
    return improvement.control_chart_figure(chart), chart.explain()


@callback(
    Output(ids.IMP_CAPABILITY, "figure"), Input(ids.APP_VIEW, "data"), Input(ids.IMP_USL, "value")
)
def capability(current: dict[str, Any] | None, usl: float | None) -> Any:
    """Capability of throughput time (days) against the upper limit."""
    view = View.from_data(current)
    if not view.log or not usl:
        return empty_figure(t("imp.usl_hint"))
    try:
        days = _cached.throughput_days(view)
        result = improvement.capability(
            days.to_numpy(), usl=float(usl), name=t("imp.throughput_days")
        )
    except ValueError as exc:
        return empty_figure(error_text(exc))
    return improvement.capability_figure(result, lang=current_language())


@callback(
    Output(ids.PARETO_JOB, "data"),
    Output(ids.PARETO_POLL, "disabled"),
    Input(ids.PARETO_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.PARETO_BY, "value"),
    State(ids.PARETO_WEIGHT, "value"),
    State(ids.PARETO_WHERE, "value"),
    prevent_initial_call=True,
)
def run_pareto(
    _clicks: int,
    current: dict[str, Any] | None,
    by: str | None,
    weight: str | None,
    where: str | None,
) -> tuple[str, bool]:
    """Rank the column's values in the background."""
    view = View.from_data(current)
    return start_job(
        lambda report: _cached.pareto(
            view, by or "end_activity", weight or None, (where or "").strip() or None
        )
    )


@callback(
    Output(ids.PARETO_STATUS, "children"),
    Output(ids.PARETO_FIGURE, "figure"),
    Output(ids.PARETO_POLL, "disabled", allow_duplicate=True),
    Input(ids.PARETO_POLL, "n_intervals"),
    State(ids.PARETO_JOB, "data"),
    prevent_initial_call=True,
)
def show_pareto(_n: int, job_id: str | None) -> tuple:
    """The Pareto chart and its one-sentence finding."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, state != "running"
    figure = improvement.pareto_figure(value, lang=current_language())
    return message(value.sentence(), "info"), figure, True


@callback(
    Output(ids.CAUSE_JOB, "data"),
    Output(ids.CAUSE_POLL, "disabled"),
    Input(ids.CAUSE_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.CAUSE_OUTCOME, "value"),
    prevent_initial_call=True,
)
def run_root_cause(
    _clicks: int, current: dict[str, Any] | None, outcome: str | None
) -> tuple[str, bool]:
    """Screen every factor for the outcome in the background."""
    view = View.from_data(current)
    return start_job(lambda report: _cached.root_cause(view, (outcome or "slow").strip()))


@callback(
    Output(ids.CAUSE_STATUS, "children"),
    Output(ids.CAUSE_GRID, "rowData"),
    Output(ids.CAUSE_FIGURE, "figure"),
    Output(ids.CAUSE_FISHBONE, "figure"),
    Output(ids.CAUSE_POLL, "disabled", allow_duplicate=True),
    Input(ids.CAUSE_POLL, "n_intervals"),
    State(ids.CAUSE_JOB, "data"),
    prevent_initial_call=True,
)
def show_root_cause(_n: int, job_id: str | None) -> tuple:
    """The ranked drivers, the forest plot and the fishbone."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, no_update, no_update, state != "running"
    rows = value.drivers[list(DRIVER_COLUMNS)].round({"rate": 3, "rest_rate": 3, "risk_ratio": 2})
    found = t("cause.found", drivers=len(rows), cases=value.n_cases, positive=value.n_positive)
    figures = (
        improvement.driver_figure(value, lang=current_language()),
        improvement.fishbone_figure(improvement.fishbone(value), lang=current_language()),
    )
    return message(found, "info"), records(rows), *figures, True
