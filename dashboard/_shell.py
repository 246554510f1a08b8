"""The frame around every page: navigation, log picker, language, the user, and the filter stack
shown as text, as Python and as a command line."""

from __future__ import annotations

import shlex
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from flask import has_request_context, session
from flask_login import current_user

from dashboard import ids
from dashboard._auth import holds
from dashboard._callbacks import callback
from dashboard._components import code_block, number
from dashboard._data import View, counts, data, publish
from dashboard.i18n import LANGUAGES, current_language, t


def _navbar(view: View, logs: list[str], signed_in: bool) -> dbc.Navbar:
    pages = [
        p for p in dash.page_registry.values() if signed_in and holds(p.get("role", "analyst"))
    ]
    links = [dbc.NavLink(t(p["name"]), href=p["relative_path"], active="exact") for p in pages]
    language = [
        html.A(
            code.upper(),
            href=f"/lang/{code}",
            className="lang" + (" active" if code == current_language() else ""),
        )
        for code in LANGUAGES
    ]
    who = f"{current_user.name} · {t('role.' + current_user.role)}" if signed_in else ""
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Mejora", href="/"),
                dbc.Nav(links, className="me-auto", navbar=True),
                html.Div(
                    dcc.Dropdown(
                        id=ids.APP_LOG,
                        options=logs,
                        value=view.log,
                        clearable=False,
                        placeholder=t("shell.no_logs"),
                    ),
                    className="log-picker",
                    title=t("shell.log"),
                ),
                html.Span(language, className="languages"),
                html.Span(who, className="user"),
                html.A(t("shell.logout"), href="/logout", className="logout"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def _filter_panel() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(t("filters.title")),
            dbc.CardBody(
                [
                    html.Div(id=ids.APP_FILTER_COUNT, className="filter-count"),
                    html.Ol(id=ids.APP_FILTER_LINES, className="filter-lines"),
                    html.Small(t("filters.python")),
                    code_block("", ids.APP_FILTER_CODE),
                    html.Small(t("filters.cli")),
                    code_block("", ids.APP_FILTER_CLI),
                    dbc.ButtonGroup(
                        [
                            dbc.Button(
                                t("filters.pop"),
                                id=ids.APP_FILTER_POP,
                                size="sm",
                                outline=True,
                                color="secondary",
                            ),
                            dbc.Button(
                                t("filters.clear"),
                                id=ids.APP_FILTER_CLEAR,
                                size="sm",
                                outline=True,
                                color="secondary",
                            ),
                        ]
                    ),
                    html.P(t("filters.hint"), className="hint"),
                ]
            ),
        ],
        className="mb-3 filter-panel",
    )


def layout() -> html.Div:
    """The whole page frame, built per visit for the signed-in user and language (Dash also
    builds it once at start-up, outside any request, to learn the component ids)."""
    signed_in = has_request_context() and current_user.is_authenticated
    view = data().default_view(session.get("view")) if signed_in else View()
    logs = [i.name for i in data().logs()] if signed_in else []
    return html.Div(
        [
            dcc.Store(id=ids.APP_VIEW, data=view.to_data()),
            _navbar(view, logs, signed_in),
            dbc.Container(
                dbc.Row(
                    [
                        dbc.Col(_filter_panel(), md=3),
                        dbc.Col([html.Div(id=ids.APP_MESSAGE), dash.page_container], md=9),
                    ]
                ),
                fluid=True,
            ),
        ]
    )


def stack_code(view: View) -> tuple[str, str]:
    """The view as Python and as a ``mejora`` command line."""
    stack = view.stack
    kinds = sorted({type(f).__name__ for f in stack.filters})
    imports = ", ".join(["EventStore", "FilterStack", *kinds])
    python = (
        f"from mining import {imports}\n\n"
        f"log = EventStore(read_only=True).load({view.log!r})\n"
        f"view = {stack.to_code()}.apply(log)"
    )
    cli = f"mejora variants {shlex.quote(view.log or '')}"
    if stack.filters:
        cli += f" --filters {shlex.quote(stack.to_json())}"
    return python, cli


@callback(
    Output(ids.APP_VIEW, "data", allow_duplicate=True),
    Input(ids.APP_LOG, "value"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def choose_log(name: str | None, current: dict[str, Any] | None) -> dict[str, Any]:
    """Picking another log starts without filters."""
    view = View.from_data(current)
    return publish(view if name == view.log else View(name))


@callback(
    Output(ids.APP_VIEW, "data", allow_duplicate=True),
    Input(ids.APP_FILTER_POP, "n_clicks"),
    Input(ids.APP_FILTER_CLEAR, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def edit_filters(
    _pop: int | None, _clear: int | None, current: dict[str, Any] | None
) -> dict[str, Any]:
    """Remove the last filter, or all of them."""
    view = View.from_data(current)
    return publish(view.cleared() if ctx.triggered_id == ids.APP_FILTER_CLEAR else view.popped())


@callback(
    Output(ids.APP_FILTER_COUNT, "children"),
    Output(ids.APP_FILTER_LINES, "children"),
    Output(ids.APP_FILTER_CODE, "children"),
    Output(ids.APP_FILTER_CLI, "children"),
    Input(ids.APP_VIEW, "data"),
)
def show_filters(current: dict[str, Any] | None) -> tuple[Any, list, str, str]:
    """The filter stack as text, Python and a command, with the cases it keeps."""
    view = View.from_data(current)
    if not view.log:
        return t("shell.no_logs"), [], "", ""
    _, cases = counts(view)
    _, total = counts(view.unfiltered())
    lines = [html.Li(line) for line in view.stack.describe(current_language())]
    lines = lines or [html.Li(t("filters.none"))]
    return t("filters.count", cases=number(cases), total=number(total)), lines, *stack_code(view)
