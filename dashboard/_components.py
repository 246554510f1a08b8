"""Small building blocks shared by the pages: cards, grids, job status, number formats."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from babel.numbers import format_decimal, format_percent
from dash import Input, Output, dcc, html
from flask import current_app
from flask_login import current_user

from dashboard._auth import require_role
from dashboard._callbacks import clientside
from dashboard._data import Job, Report, data, error_text
from dashboard.i18n import current_language, t

POLL_MS = 400


# -- formats (in the session's language: 1,234.5 and 12.3% in English, 1234,5 and 12,3 % in
# Spanish, by babel's CLDR data) ----------------------------------------------------------
_LOCALES = {"en": "en_GB", "es": "es_ES"}


def _locale(lang: str | None) -> str:
    return _LOCALES.get(lang or current_language(), "en_GB")


def number(value: float | int | None, digits: int | None = None, lang: str | None = None) -> str:
    """1,234 or 1,234.57 (``digits`` decimals; default: none for whole numbers, else 2), or a
    dash for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    places = digits if digits is not None else (0 if float(value).is_integer() else 2)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def share(value: float | None, lang: str | None = None) -> str:
    """12.3% (12,3 % in Spanish)."""
    if value is None or math.isnan(value):
        return "–"
    locale = _locale(lang)
    pattern = "#,##0.0\u00a0%" if locale.startswith("es") else "#,##0.0%"
    return format_percent(value, format=pattern, locale=locale)


def duration(seconds: float | None, lang: str | None = None) -> str:
    """A duration in the largest fitting unit: 3.2 d, 5.0 h, 12 min, 40 s."""
    if seconds is None or math.isnan(seconds):
        return "–"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{number(seconds / size, 1, lang)} {unit}"
    return f"{number(round(seconds), 0, lang)} s"


def records(frame: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows for a grid (timestamps as ISO text, NaN as empty)."""
    frame = frame if limit is None else frame.head(limit)
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


# -- layout pieces -------------------------------------------------------------------------
def card(title: str, *children: Any, **kwargs: Any) -> dbc.Card:
    """A titled card."""
    return dbc.Card(
        [dbc.CardHeader(title), dbc.CardBody(list(children))], className="mb-3", **kwargs
    )


def message(text: Any, kind: str = "info") -> dbc.Alert:
    """A one-line message (text, or components for a longer one)."""
    return dbc.Alert(text, color=kind, className="py-2 mb-2")


def field(label: str, control: Any) -> html.Div:
    """A labelled form control."""
    return html.Div([dbc.Label(label, className="form-label"), control], className="mb-2")


def grid(
    grid_id: str,
    columns: Sequence[dict[str, Any]],
    *,
    height: int = 360,
    selectable: bool = False,
    export: str | None = None,
    row_id: str | None = None,
) -> html.Div:
    """A sortable, filterable dash-ag-grid; with ``export`` a button writes it as CSV; with
    ``row_id`` rows are known by that field (so a callback can select one)."""
    options: dict[str, Any] = {"animateRows": False}
    if selectable:
        options["rowSelection"] = {
            "mode": "singleRow",
            "checkboxes": False,
            "enableClickSelection": True,
        }
    table = dag.AgGrid(
        id=grid_id,
        columnDefs=list(columns),
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        dashGridOptions=options,
        columnSize="responsiveSizeToFit",
        csvExportParams={"fileName": f"{export or grid_id}.csv"},
        style={"height": f"{height}px", "width": "100%"},
        **({"getRowId": f"params.data.{row_id}"} if row_id else {}),
    )
    button = (
        dbc.Button(
            t("common.csv"),
            id=f"{grid_id}-csv",
            size="sm",
            color="secondary",
            outline=True,
            className="mb-1",
        )
        if export
        else None
    )
    return html.Div([button, table] if button else [table])


def export_csv(grid_id: str) -> None:
    """Wire the grid's CSV button (runs in the browser on the rows it already holds)."""
    clientside(
        "function(n) { return n ? true : window.dash_clientside.no_update; }",
        Output(grid_id, "exportDataAsCsv"),
        Input(f"{grid_id}-csv", "n_clicks"),
        prevent_initial_call=True,
    )


def graph(graph_id: str, height: int = 420) -> dcc.Loading:
    """A plotly graph with a loading spinner, at least ``height`` pixels high: a figure that
    sets a taller height of its own (one row per path or case) grows its card instead of
    spilling over the next one."""
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            figure=empty_figure(),
            style={"minHeight": f"{height}px"},
            config={"displaylogo": False},
        ),
        type="dot",
    )


def empty_figure(text: str = "") -> go.Figure:
    """A blank figure, optionally with a note in the middle."""
    figure = go.Figure()
    figure.update_layout(
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_visible=False,
        yaxis_visible=False,
    )
    if text:
        figure.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    return figure


def sparkline(values: Sequence[float], colour: str = "#2c6fbb") -> go.Figure:
    """A tiny trend line for a KPI card."""
    figure = go.Figure(
        go.Scatter(
            y=list(values), mode="lines", line={"color": colour, "width": 2}, hoverinfo="skip"
        )
    )
    figure.update_layout(
        height=60,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        plot_bgcolor="white",
        showlegend=False,
        xaxis_visible=False,
        yaxis_visible=False,
    )
    return figure


def code_block(text: str, block_id: str | None = None) -> html.Pre:
    """Monospaced, copyable text."""
    return (
        html.Pre(text, id=block_id, className="code")
        if block_id
        else html.Pre(text, className="code")
    )


# -- background jobs -------------------------------------------------------------------------
def job_parts(job_id: str, poll_id: str, status_id: str) -> list[Any]:
    """The store holding a job id, the poll timer and the status line."""
    return [
        dcc.Store(id=job_id),
        dcc.Interval(id=poll_id, interval=POLL_MS, disabled=True),
        html.Div(id=status_id, className="job-status"),
    ]


def start_job(work: Callable[[Report], Any]) -> tuple[str, bool]:
    """Submit ``work`` for the signed-in user (it runs inside the app's context); returns
    (job id, poll disabled = False)."""
    user = require_role("analyst")
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run(report: Report) -> Any:
        with app.app_context():
            return work(report)

    return data().jobs.submit(user.name, run), False


def poll_job(job_id: str | None) -> tuple[str, Any]:
    """("running", job), ("error", message), ("done", result) or ("gone", None)."""
    job: Job | None = data().jobs.get(job_id, current_user.name)
    if job is None:
        return "gone", None
    if not job.future.done():
        return "running", job
    exc = job.future.exception()
    if exc is not None:
        return "error", error_text(exc)
    return "done", job.future.result()


def job_status(state: str, value: Any) -> Any:
    """What the status line shows for a poll result."""
    if state == "running":
        stage = f": {value.stage}" if value is not None and value.stage else ""
        return html.Span([dbc.Spinner(size="sm"), f" {t('job.running')}{stage}"])
    if state == "error":
        return message(str(value), "danger")
    if state == "gone":
        return message(t("job.gone"), "warning")
    return ""
