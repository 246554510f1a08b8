"""Open cases (sales managers): the cases still in flight at the view's last event, where they
wait and which are stuck, ranked by the amount at risk, each with the reason it is listed
(``improvement.open_cases``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, html

from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    empty_figure,
    export_csv,
    graph,
    grid,
    message,
    number,
    share,
)
from dashboard._data import View, error_text
from dashboard.i18n import current_language, t
from improvement import open_cases_figure

PATH, ORDER, NAME = "/open", 5, "nav.open"
GRID_ROWS = 500
export_csv(ids.OPEN_GRID)


def layout(**_: Any) -> html.Div:
    """The page."""
    columns = [
        {"field": "rank", "headerName": "#", "maxWidth": 80},
        {"field": "case_id", "headerName": t("col.case"), "minWidth": 170},
        {"field": "step", "headerName": t("col.step"), "minWidth": 170},
        {"field": "in_step", "headerName": t("col.in_step"), "type": "numericColumn"},
        {"field": "limit", "headerName": t("col.limit"), "type": "numericColumn"},
        {"field": "stuck", "headerName": t("col.stuck")},
        {"field": "loss", "headerName": t("col.loss"), "type": "numericColumn"},
        {"field": "at_risk", "headerName": t("col.at_risk"), "type": "numericColumn"},
        {"field": "close", "headerName": t("col.close"), "minWidth": 130},
        {"field": "why", "headerName": t("col.why"), "minWidth": 420, "tooltipField": "why"},
    ]
    return html.Div(
        [
            html.H2(t("open.title")),
            html.Div(id=ids.OPEN_MESSAGE),
            card(t("open.where"), graph(ids.OPEN_FIGURE, 300)),
            card(
                t("open.list"),
                html.P(t("open.hint"), className="hint"),
                grid(ids.OPEN_GRID, columns, height=420, export="open_cases"),
                html.Div(id=ids.OPEN_NOTES, className="hint"),
            ),
        ]
    )


@callback(
    Output(ids.OPEN_FIGURE, "figure"),
    Output(ids.OPEN_GRID, "rowData"),
    Output(ids.OPEN_NOTES, "children"),
    Output(ids.OPEN_MESSAGE, "children"),
    Input(ids.APP_VIEW, "data"),
)
def show_open_cases(current: dict[str, Any] | None) -> tuple:
    """Where the open cases of the view wait, and the ranked list with the reason for each."""
    lang = current_language()
    try:
        found = _cached.open_cases(View.from_data(current))
    except (ValueError, LookupError) as exc:
        return empty_figure(), [], None, message(error_text(exc), "warning")
    if found.table.empty:
        return empty_figure(t("open.none")), [], None, message(t("open.none"), "info")
    frame = found.to_frame(lang).head(GRID_ROWS)
    rows = [
        {
            "rank": int(r.rank),
            "case_id": str(r.case_id),
            "step": str(r.step),
            "in_step": number(r.in_step_days, 1, lang),
            "limit": number(r.limit_days, 1, lang),
            "stuck": t("open.yes") if r.stuck else "",
            "loss": share(r.loss_probability, lang),
            "at_risk": number(r.value_at_risk, 0, lang),
            "close": "" if pd.isna(r.expected_close) else r.expected_close.strftime("%Y-%m-%d"),
            "why": r.why,
        }
        for r in frame.itertuples()
    ]
    notes = [html.P(n(lang)) for n in found.notes]
    if found.predicted:
        checked = _cached.prediction_test(View.from_data(current))
        if checked is not None:
            notes.append(html.P(checked.describe(lang), id=ids.OPEN_PREDICTION_TEST))
    return open_cases_figure(found, lang), rows, notes, None
