"""Reports (managers): the manager report of the view (``improvement.build_report``) for a
period, in Spanish or English, previewed on the page and downloadable as HTML or PDF."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from dashboard import ids
from dashboard._auth import holds
from dashboard._callbacks import callback
from dashboard._components import card, field, job_parts, job_status, message, poll_job, start_job
from dashboard._data import View, data
from dashboard.i18n import LANGUAGES, current_language, t
from improvement import Report, build_report

PATH, ORDER, NAME, ROLE = "/reports", 8, "nav.reports", "manager"


def layout(**_: Any) -> html.Div:
    """The page (managers and admins; others get a notice, and the server refuses them)."""
    if not holds("manager"):
        return html.Div([html.H2(t("report.title")), message(t("report.managers_only"), "warning")])
    controls = dbc.Row(
        [
            dbc.Col(
                field(
                    t("report.period"),
                    dbc.Input(id=ids.REPORT_PERIOD, placeholder=t("report.period_hint")),
                ),
                md=4,
            ),
            dbc.Col(
                field(
                    t("report.language"),
                    dbc.RadioItems(
                        id=ids.REPORT_LANG,
                        options=[{"label": t(f"lang.{code}"), "value": code} for code in LANGUAGES],
                        value=current_language(),
                        inline=True,
                    ),
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Button(t("report.run"), id=ids.REPORT_RUN, color="primary", className="mt-4"),
                md=4,
            ),
        ]
    )
    return html.Div(
        [
            html.H2(t("report.title")),
            card(
                t("report.make"),
                html.P(t("report.hint"), className="hint"),
                controls,
                *job_parts(ids.REPORT_JOB, ids.REPORT_POLL, ids.REPORT_STATUS),
                dbc.ButtonGroup(
                    [
                        dbc.Button(
                            t("report.html"),
                            id=ids.REPORT_HTML,
                            outline=True,
                            color="secondary",
                            size="sm",
                        ),
                        dbc.Button(
                            t("report.pdf"),
                            id=ids.REPORT_PDF,
                            outline=True,
                            color="secondary",
                            size="sm",
                        ),
                    ],
                    className="mb-2",
                ),
                *job_parts(ids.REPORT_PDF_JOB, ids.REPORT_PDF_POLL, ids.REPORT_PDF_STATUS),
                dcc.Download(id=ids.REPORT_DOWNLOAD),
                html.Iframe(
                    id=ids.REPORT_PREVIEW,
                    className="report-preview",
                    style={"width": "100%", "height": "900px", "border": "1px solid #dde"},
                ),
            ),
        ]
    )


def make_report(view: View, period: str | None, lang: str) -> tuple[Report, str]:
    """The report of the view and its HTML."""
    with data().open(view) as log:
        report = build_report(log, period or None, lang)
    return report, report.to_html()


def _file_name(report: Report, suffix: str) -> str:
    base = "informe" if report.lang == "es" else "report"
    return f"{base}-{report.log_name}-{report.period.label}.{suffix}"


@callback(
    Output(ids.REPORT_JOB, "data"),
    Output(ids.REPORT_POLL, "disabled"),
    Input(ids.REPORT_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.REPORT_PERIOD, "value"),
    State(ids.REPORT_LANG, "value"),
    prevent_initial_call=True,
    role="manager",
)
def run_report(
    _clicks: int, current: dict[str, Any] | None, period: str | None, lang: str
) -> tuple[str, bool]:
    """Build the report in the background."""
    view, lang = View.from_data(current), lang if lang in LANGUAGES else "es"
    return start_job(lambda report: make_report(view, (period or "").strip() or None, lang))


@callback(
    Output(ids.REPORT_STATUS, "children"),
    Output(ids.REPORT_PREVIEW, "srcDoc"),
    Output(ids.REPORT_POLL, "disabled", allow_duplicate=True),
    Input(ids.REPORT_POLL, "n_intervals"),
    State(ids.REPORT_JOB, "data"),
    prevent_initial_call=True,
    role="manager",
)
def show_report(_n: int, job_id: str | None) -> tuple:
    """The report shown on the page once built."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, state != "running"
    report, page = value
    return (
        message(t("report.ready", log=report.log_name, period=report.period.label), "success"),
        page,
        True,
    )


@callback(
    Output(ids.REPORT_DOWNLOAD, "data"),
    Input(ids.REPORT_HTML, "n_clicks"),
    State(ids.REPORT_JOB, "data"),
    prevent_initial_call=True,
    role="manager",
)
def download_html(_clicks: int, job_id: str | None) -> Any:
    """The built report as one self-contained HTML file."""
    state, value = poll_job(job_id)
    if state != "done":
        return no_update
    report, page = value
    return {"content": page, "filename": _file_name(report, "html"), "type": "text/html"}


def _pdf(report: Report) -> bytes:
    with tempfile.TemporaryDirectory(prefix="mejora-report-") as folder:
        return report.to_pdf(Path(folder) / "report.pdf").read_bytes()


@callback(
    Output(ids.REPORT_PDF_JOB, "data"),
    Output(ids.REPORT_PDF_POLL, "disabled"),
    Input(ids.REPORT_PDF, "n_clicks"),
    State(ids.REPORT_JOB, "data"),
    prevent_initial_call=True,
    role="manager",
)
def run_pdf(_clicks: int, job_id: str | None) -> tuple[Any, bool]:
    """Render the built report to PDF in the background (it takes seconds)."""
    state, value = poll_job(job_id)
    if state != "done":
        return no_update, True
    report = value[0]
    return start_job(lambda _report: (_file_name(report, "pdf"), _pdf(report)))


@callback(
    Output(ids.REPORT_PDF_STATUS, "children"),
    Output(ids.REPORT_DOWNLOAD, "data", allow_duplicate=True),
    Output(ids.REPORT_PDF_POLL, "disabled", allow_duplicate=True),
    Input(ids.REPORT_PDF_POLL, "n_intervals"),
    State(ids.REPORT_PDF_JOB, "data"),
    prevent_initial_call=True,
    role="manager",
)
def download_pdf(_n: int, job_id: str | None) -> tuple:
    """The PDF, downloaded as soon as it is rendered."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, state != "running"
    name, content = value
    return "", dcc.send_bytes(content, name), True
