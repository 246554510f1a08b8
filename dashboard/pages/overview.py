"""Overview: the catalogue KPIs of the view against their targets, with trend sparklines and
drift alerts (``improvement.kpi_overview``: ``compute_kpis`` and ``kpi_trends`` in one pass), and
the stored logs. The KPIs are computed in the background the first time a view is shown, then
come from the cache."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    grid,
    job_parts,
    job_status,
    message,
    number,
    poll_job,
    share,
    sparkline,
    start_job,
)
from dashboard._data import View, counts, data
from dashboard.i18n import current_language, t
from improvement import KpiResult, KpiTrend

PATH, ORDER, NAME = "/", 0, "nav.overview"
STATUS_COLOUR = {"met": "success", "missed": "danger", "no target": "secondary"}


def layout(**_: Any) -> html.Div:
    """The page."""
    columns = [
        {"field": "name", "headerName": t("col.log")},
        {"field": "format", "headerName": t("col.format")},
        {"field": "events", "headerName": t("col.events"), "type": "numericColumn"},
        {"field": "cases", "headerName": t("col.cases"), "type": "numericColumn"},
        {"field": "quarantined", "headerName": t("col.quarantined"), "type": "numericColumn"},
        {"field": "imported_at", "headerName": t("col.imported")},
    ]
    return html.Div(
        [
            html.H2([t("overview.title"), " ", dbc.Badge(id=ids.OVERVIEW_CASES, className="ms-2")]),
            *job_parts(ids.OVERVIEW_JOB, ids.OVERVIEW_POLL, ids.OVERVIEW_STATUS),
            html.Div(id=ids.OVERVIEW_ALERTS),
            dbc.Row(id=ids.OVERVIEW_CARDS, className="mb-2"),
            card(t("overview.logs"), grid(ids.OVERVIEW_LOGS, columns, height=240)),
        ]
    )


def value_text(result: KpiResult, value: float | None = None) -> str:
    """A KPI value in its unit: 12.3 %, 4.5 d, 6.0 h, 1,234."""
    value = result.value if value is None else value
    unit = result.definition.unit
    if value is None or value != value:
        return "–"
    if unit == "share":
        return share(value)
    if unit in ("days", "hours"):
        return f"{value:,.1f} {'d' if unit == 'days' else 'h'}"
    if unit == "count":
        return number(round(value))
    return f"{value:,.2f}"


def _card(result: KpiResult, trend: KpiTrend | None, lang: str) -> dbc.Col:
    target = (
        t("overview.target", target=value_text(result, result.target))
        if result.target is not None
        else t("overview.no_target")
    )
    body = [
        html.Div(result.name(lang), className="kpi-title"),
        html.Div(value_text(result), className="kpi-value"),
        html.Div(
            [
                dbc.Badge(t(f"status.{result.status}"), color=STATUS_COLOUR[result.status]),
                " ",
                target,
            ],
            className="kpi-detail",
        ),
    ]
    if trend is not None and len(trend.series.values) > 1:
        body.append(
            dcc.Graph(
                figure=sparkline(trend.series.values),
                config={"displayModeBar": False},
                style={"height": "60px"},
            )
        )
    return dbc.Col(dbc.Card(dbc.CardBody(body), className="kpi-card mb-2"), md=4)


def render(view: View) -> tuple[list, list]:
    """KPI cards (computable KPIs, those with a target first) and drift alerts."""
    table, trends = _cached.kpis(view)
    lang = current_language()
    by_id = {trend.id: trend for trend in trends}
    computed = [r for r in table if r.computable]
    computed.sort(key=lambda r: (r.target is None, r.id not in by_id))
    cards = [_card(r, by_id.get(r.id), lang) for r in computed]
    alerts = [box for trend in trends if (box := _alerts(trend, lang)) is not None]
    return cards, alerts or [message(t("overview.no_drift"), "success")]


def _period(label: str, freq: str) -> str:
    """The period a point of a KPI series stands for, named as the user reads it."""
    key = {"W": "overview.week", "M": "overview.month", "D": "overview.day"}.get(freq)
    return t(key, label=label) if key else label


def _alerts(trend: KpiTrend, lang: str) -> dbc.Alert | None:
    """One box per drifting KPI: its name, then each signal once with the period it came in
    (the newest first); red when any signal makes the KPI worse."""
    seen, lines = set(), []
    for a in sorted(trend.alerts, key=lambda a: a.label, reverse=True):
        text = a.message(lang)
        if (a.label, text) in seen:
            continue
        seen.add((a.label, text))
        when = _period(a.label, trend.series.freq)
        lines.append(html.Li([html.Strong(f"{when}: "), f"{text} ({a.verdict()(lang)})"]))
    if not lines:
        return None
    worse = any(a.worse for a in trend.alerts)
    title = html.Strong(trend.definition.name(lang))
    return dbc.Alert(
        [title, html.Ul(lines, className="mb-0")],
        color="danger" if worse else "warning",
        className="py-2 mb-2 drift-alert",
    )


@callback(Output(ids.OVERVIEW_LOGS, "rowData"), Input(ids.APP_VIEW, "data"))
def list_logs(_current: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every stored log with its counts."""
    return data().catalogue()


@callback(Output(ids.OVERVIEW_CASES, "children"), Input(ids.APP_VIEW, "data"))
def count_cases(current: dict[str, Any] | None) -> str:
    """How many cases the view keeps."""
    view = View.from_data(current)
    return t("map.cases", cases=number(counts(view)[1])) if view.log else ""


@callback(
    Output(ids.OVERVIEW_CARDS, "children"),
    Output(ids.OVERVIEW_ALERTS, "children"),
    Output(ids.OVERVIEW_JOB, "data"),
    Output(ids.OVERVIEW_POLL, "disabled"),
    Input(ids.APP_VIEW, "data"),
)
def show_kpis(current: dict[str, Any] | None) -> tuple:
    """The KPIs at once when computed before, else computed in the background (also while
    another user's request computes them: the job then waits for that computation)."""
    view = View.from_data(current)
    if not view.log:
        return [], [message(t("overview.empty"), "warning")], None, True
    if data().peek(view, "kpis") is not None:
        return *render(view), None, True
    return [], [], *start_job(lambda report: _cached.kpis(view))


@callback(
    Output(ids.OVERVIEW_STATUS, "children"),
    Output(ids.OVERVIEW_CARDS, "children", allow_duplicate=True),
    Output(ids.OVERVIEW_ALERTS, "children", allow_duplicate=True),
    Output(ids.OVERVIEW_POLL, "disabled", allow_duplicate=True),
    Input(ids.OVERVIEW_POLL, "n_intervals"),
    State(ids.OVERVIEW_JOB, "data"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def poll_kpis(_n: int, job_id: str | None, current: dict[str, Any] | None) -> tuple:
    """The KPI cards once the background computation is done."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, no_update, state != "running"
    return "", *render(View.from_data(current)), True
