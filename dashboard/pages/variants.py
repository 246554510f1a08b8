"""Variants and cases: the variant explorer with coverage, the longest cases, one case's
timeline and the dotted chart of the view."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    empty_figure,
    export_csv,
    field,
    graph,
    grid,
    message,
    number,
    records,
    share,
)
from dashboard._data import View, counts, error_text, publish
from dashboard.i18n import current_language, t
from mining import VariantsFilter, variants_figure

PATH, ORDER, NAME = "/variants", 2, "nav.variants"
GRID_ROWS = 200
export_csv(ids.VARIANTS_GRID)
export_csv(ids.CASES_GRID)


def layout(**_: Any) -> html.Div:
    """The page."""
    variant_columns = [
        {"field": "rank", "headerName": "#", "maxWidth": 80},
        {"field": "cases", "headerName": t("col.cases"), "type": "numericColumn"},
        {"field": "share", "headerName": t("col.share")},
        {"field": "cumulative", "headerName": t("col.cumulative")},
        {"field": "length", "headerName": t("col.length"), "type": "numericColumn"},
        {"field": "path", "headerName": t("col.path"), "flex": 4, "tooltipField": "path"},
    ]
    case_columns = [
        {"field": "case_id", "headerName": t("col.case")},
        {"field": "start", "headerName": t("col.start")},
        {"field": "end", "headerName": t("col.end")},
        {"field": "days", "headerName": t("col.days"), "type": "numericColumn"},
        {"field": "events", "headerName": t("col.events"), "type": "numericColumn"},
    ]
    coverage = dcc.Slider(
        id=ids.VARIANTS_COVERAGE,
        min=0.5,
        max=1.0,
        step=0.05,
        value=0.8,
        marks={v / 100: f"{v}%" for v in range(50, 101, 10)},
    )
    top = dcc.Dropdown(
        id=ids.VARIANTS_TOP,
        options=[10, 20, 50],
        value=10,
        clearable=False,
        style={"width": "6rem"},
    )
    time = dbc.RadioItems(
        id=ids.CASES_TIME,
        options=[
            {"label": t("cases.absolute"), "value": "absolute"},
            {"label": t("cases.relative"), "value": "relative"},
        ],
        value="absolute",
        inline=True,
    )
    return html.Div(
        [
            html.H2(t("variants.title")),
            html.Div(id=ids.VARIANTS_MESSAGE),
            card(
                t("variants.explorer"),
                field(t("variants.top"), top),
                graph(ids.VARIANTS_FIGURE, 460),
                field(t("variants.coverage"), coverage),
                html.Div(id=ids.VARIANTS_COVERAGE_TEXT, className="hint"),
                dbc.Button(
                    t("variants.keep"),
                    id=ids.VARIANTS_KEEP,
                    size="sm",
                    color="primary",
                    className="mb-2",
                ),
                grid(ids.VARIANTS_GRID, variant_columns, height=300, export="variants"),
            ),
            card(
                t("cases.title"),
                html.P(t("cases.hint"), className="hint"),
                grid(ids.CASES_GRID, case_columns, height=280, selectable=True, export="cases"),
                graph(ids.CASES_TIMELINE, 300),
            ),
            card(t("cases.dotted"), time, graph(ids.CASES_DOTTED, 520)),
        ]
    )


@callback(
    Output(ids.VARIANTS_FIGURE, "figure"),
    Output(ids.VARIANTS_GRID, "rowData"),
    Output(ids.VARIANTS_MESSAGE, "children"),
    Input(ids.APP_VIEW, "data"),
    Input(ids.VARIANTS_TOP, "value"),
)
def show_variants(current: dict[str, Any] | None, top: int) -> tuple:
    """The most frequent variants as bars and as a table with their coverage."""
    try:
        found = _cached.variants(View.from_data(current))
    except (ValueError, LookupError) as exc:
        return empty_figure(), [], message(error_text(exc), "warning")
    frame = found.to_frame().head(GRID_ROWS)
    rows = [
        {
            "rank": i,
            "cases": int(r.cases),
            "share": share(r.share),
            "cumulative": share(c),
            "length": int(r.length),
            "path": " → ".join(r.activities),
        }
        for i, (r, c) in enumerate(zip(frame.itertuples(), frame["share"].cumsum(), strict=True), 1)
    ]
    return variants_figure(found, top=int(top), lang=current_language()), rows, None


@callback(
    Output(ids.VARIANTS_COVERAGE_TEXT, "children"),
    Input(ids.APP_VIEW, "data"),
    Input(ids.VARIANTS_COVERAGE, "value"),
)
def coverage_text(current: dict[str, Any] | None, coverage: float) -> str:
    """How many cases the most frequent variants covering that share keep."""
    view = View.from_data(current)
    if not view.log:
        return ""
    kept = counts(view.adding(VariantsFilter(coverage=float(coverage)).to_dict()))[1]
    return t("variants.keeps", cases=number(kept), total=number(counts(view)[1]))


@callback(
    Output(ids.APP_VIEW, "data", allow_duplicate=True),
    Input(ids.VARIANTS_KEEP, "n_clicks"),
    State(ids.VARIANTS_COVERAGE, "value"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def keep_variants(_clicks: int, coverage: float, current: dict[str, Any] | None) -> dict[str, Any]:
    """Add 'the variants covering this share' to the filter stack."""
    return publish(
        View.from_data(current).adding(VariantsFilter(coverage=float(coverage)).to_dict())
    )


@callback(Output(ids.CASES_GRID, "rowData"), Input(ids.APP_VIEW, "data"))
def list_cases(current: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The longest cases of the view."""
    view = View.from_data(current)
    if not view.log:
        return []
    frame = _cached.longest_cases(view)
    return records(
        frame.assign(days=(frame["duration_seconds"] / 86400).round(2))[
            ["case_id", "start", "end", "days", "events"]
        ]
    )


@callback(
    Output(ids.CASES_TIMELINE, "figure"),
    Input(ids.CASES_GRID, "selectedRows"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def case_timeline(selected: list[dict[str, Any]] | None, current: dict[str, Any] | None) -> Any:
    """The selected case's events over time."""
    if not selected:
        return empty_figure(t("cases.pick"))
    view, case_id = View.from_data(current), str(selected[0]["case_id"])
    return _cached.case_timeline(view, case_id, current_language())


@callback(
    Output(ids.CASES_DOTTED, "figure"), Input(ids.APP_VIEW, "data"), Input(ids.CASES_TIME, "value")
)
def dotted_chart(current: dict[str, Any] | None, time: str) -> Any:
    """Dotted chart of a sample of the view's cases."""
    view = View.from_data(current)
    return _cached.dotted_chart(view, time, current_language()) if view.log else empty_figure()
