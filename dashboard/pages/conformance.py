"""Conformance: a stored log against an example or stored designed workflow — the design drawn
with observed traffic, skip rates and never-taken branches, the deviations with their impact,
the designed waits against the real ones — and consent violations."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import Input, Output, State, html, no_update

from automation import Workflow, WorkflowError, read_workflow
from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    duration,
    empty_figure,
    export_csv,
    field,
    graph,
    grid,
    job_parts,
    job_status,
    message,
    number,
    poll_job,
    records,
    share,
    start_job,
)
from dashboard._data import View, data, error_text
from dashboard._graph import (
    STYLESHEET,
    WORKFLOW_LAYOUT,
    elements_height,
    map_height,
    workflow_elements,
)
from dashboard.i18n import current_language, t
from mining import DEVIATION_KINDS, conformance_figure, waits_against_design_figure

PATH, ORDER, NAME = "/conformance", 3, "nav.conformance"
for _grid in (ids.CONF_DEVIATIONS, ids.CONF_BRANCHES, ids.CONSENT_GRID):
    export_csv(_grid)


def workflow_options() -> list[dict[str, str]]:
    """Example workflows, then the latest revision of each stored one."""
    options = [
        {"label": f"{name} ({t('conf.bundled')})", "value": f"bundled:{name}"}
        for name in data().examples.workflows()
    ]
    options += [
        {"label": f"{wid} ({t('conf.stored')})", "value": f"stored:{wid}"}
        for wid in data().workflows.workflows()
    ]
    return options


def load_workflow(choice: str) -> tuple[Workflow, str]:
    """The chosen workflow and a key naming it and its revision; only listed choices load."""
    if choice not in {o["value"] for o in workflow_options()}:
        raise ValueError(f"unknown workflow {choice!r}")
    return _read_choice(choice)


def _read_choice(choice: str) -> tuple[Workflow, str]:
    kind, _, name = choice.partition(":")
    if kind == "bundled":
        return read_workflow(data().examples.workflows()[name]), choice
    store = data().workflows
    latest = store.latest(name)
    return store.load(name), f"{choice}@{latest.number if latest else 0}"


def layout(**_: Any) -> html.Div:
    """The page."""
    options = workflow_options()
    deviation_columns = [
        {"field": "kind", "headerName": t("col.kind")},
        {"field": "activity", "headerName": t("col.activity")},
        {"field": "cases", "headerName": t("col.cases"), "type": "numericColumn"},
        {"field": "share", "headerName": t("col.share")},
        {"field": "impact", "headerName": t("col.impact")},
    ]
    branch_columns = [
        {"field": "node_name", "headerName": t("col.decision")},
        {"field": "target", "headerName": t("col.branch")},
        {"field": "condition", "headerName": t("col.condition")},
        {"field": "cases_at_node", "headerName": t("col.reached"), "type": "numericColumn"},
        {"field": "cases", "headerName": t("col.taken"), "type": "numericColumn"},
        {"field": "never_taken", "headerName": t("col.never")},
    ]
    consent_columns = [
        {"field": c, "headerName": t(f"col.{c}")}
        for c in ("contact", "case_id", "send", "sent_at", "withdrawal", "withdrawn_at", "after")
    ]
    controls = dbc.Row(
        [
            dbc.Col(
                field(
                    t("conf.workflow"),
                    dbc.Select(
                        id=ids.CONF_WORKFLOW,
                        options=options,
                        value=options[0]["value"] if options else None,
                    ),
                ),
                md=5,
            ),
            dbc.Col(
                field(
                    t("conf.method"),
                    dbc.RadioItems(
                        id=ids.CONF_METHOD,
                        options=[
                            {"label": t("conf.alignments"), "value": "alignments"},
                            {"label": t("conf.replay"), "value": "token_replay"},
                        ],
                        value="alignments",
                        inline=True,
                    ),
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Button(t("conf.run"), id=ids.CONF_RUN, color="primary", className="mt-4"), md=3
            ),
        ]
    )
    return html.Div(
        [
            html.H2(t("conf.title")),
            card(
                t("conf.check"),
                controls,
                *job_parts(ids.CONF_JOB, ids.CONF_POLL, ids.CONF_STATUS),
                html.Div(id=ids.CONF_SUMMARY),
                cyto.Cytoscape(
                    id=ids.CONF_GRAPH,
                    elements=[],
                    layout=WORKFLOW_LAYOUT,
                    stylesheet=STYLESHEET,
                    style=_graph_style(0),
                ),
                graph(ids.CONF_FIGURE, 380),
            ),
            card(
                t("conf.deviations"),
                grid(ids.CONF_DEVIATIONS, deviation_columns, height=260, export="deviations"),
            ),
            card(
                t("conf.branches"),
                grid(ids.CONF_BRANCHES, branch_columns, height=260, export="branches"),
            ),
            card(t("conf.waits"), graph(ids.CONF_WAITS, 420)),
            card(
                t("consent.title"),
                html.P(t("consent.hint"), className="hint"),
                dbc.Row(
                    [
                        dbc.Col(
                            field(
                                t("consent.contact"), dbc.Select(id=ids.CONSENT_CONTACT, options=[])
                            ),
                            md=5,
                        ),
                        dbc.Col(
                            dbc.Button(
                                t("consent.run"),
                                id=ids.CONSENT_RUN,
                                color="primary",
                                className="mt-4",
                            ),
                            md=3,
                        ),
                    ]
                ),
                html.Div(id=ids.CONSENT_TEXT),
                grid(ids.CONSENT_GRID, consent_columns, height=260, export="consent-violations"),
            ),
        ]
    )


@callback(
    Output(ids.CONF_WORKFLOW, "value"),
    Input(ids.APP_VIEW, "data"),
    State(ids.CONF_WORKFLOW, "value"),
)
def suggest_workflow(current: dict[str, Any] | None, chosen: str | None) -> Any:
    """The workflow whose steps the view's log shows most of."""
    view = View.from_data(current)
    if not view.log:
        return no_update
    return best_workflow(set(_cached.activities(view))) or no_update


def best_workflow(activities: set[str]) -> str | None:
    """The option whose designed activities the log names most (at least two; ties: the
    larger share of the design), None when no workflow shares two activities with the log."""
    best: tuple[int, float, str] | None = None
    for option in workflow_options():
        try:
            designed = set(_read_choice(option["value"])[0].activity_map())
        except (WorkflowError, OSError, ValueError):
            continue  # a broken file is reported when it is chosen, not while guessing
        matched = len(designed & activities)
        score = (matched, matched / max(len(designed), 1), option["value"])
        if matched >= 2 and (best is None or score[:2] > best[:2]):
            best = score
    return best[2] if best else None


@callback(
    Output(ids.CONF_JOB, "data"),
    Output(ids.CONF_POLL, "disabled"),
    Input(ids.CONF_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.CONF_WORKFLOW, "value"),
    State(ids.CONF_METHOD, "value"),
    prevent_initial_call=True,
)
def run_check(
    _clicks: int, current: dict[str, Any] | None, choice: str, method: str
) -> tuple[str, bool]:
    """Check the view against the workflow in the background (alignments can take a while)."""
    view = View.from_data(current)
    workflow, key = load_workflow(choice)
    return start_job(
        lambda report: (workflow, view.log, _cached.conformance(view, workflow, key, method))
    )


@callback(
    Output(ids.CONF_STATUS, "children", allow_duplicate=True),
    Output(ids.CONF_SUMMARY, "children", allow_duplicate=True),
    Output(ids.CONF_GRAPH, "elements", allow_duplicate=True),
    Output(ids.CONF_FIGURE, "figure", allow_duplicate=True),
    Output(ids.CONF_DEVIATIONS, "rowData", allow_duplicate=True),
    Output(ids.CONF_BRANCHES, "rowData", allow_duplicate=True),
    Output(ids.CONF_WAITS, "figure", allow_duplicate=True),
    Output(ids.CONF_JOB, "data", allow_duplicate=True),
    Output(ids.CONF_POLL, "disabled", allow_duplicate=True),
    Output(ids.CONSENT_TEXT, "children", allow_duplicate=True),
    Output(ids.CONSENT_GRID, "rowData", allow_duplicate=True),
    Input(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def clear_results(_current: dict[str, Any] | None) -> tuple:
    """Another log or filter: the shown check was of the old view, so it goes (and a check
    still running for it is no longer waited for)."""
    return "", None, [], empty_figure(), [], [], empty_figure(), None, True, None, []


@callback(
    Output(ids.CONF_STATUS, "children"),
    Output(ids.CONF_SUMMARY, "children"),
    Output(ids.CONF_GRAPH, "elements"),
    Output(ids.CONF_GRAPH, "style"),
    Output(ids.CONF_FIGURE, "figure"),
    Output(ids.CONF_DEVIATIONS, "rowData"),
    Output(ids.CONF_BRANCHES, "rowData"),
    Output(ids.CONF_WAITS, "figure"),
    Output(ids.CONF_POLL, "disabled", allow_duplicate=True),
    Input(ids.CONF_POLL, "n_intervals"),
    State(ids.CONF_JOB, "data"),
    prevent_initial_call=True,
)
def show_check(_n: int, job_id: str | None) -> tuple:
    """The check's results once the job is done."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), *[no_update] * 7, state != "running"
    workflow, log, found = value
    result = found["result"]
    cases = len(result.cases)
    fit = float(result.cases["fit"].mean()) if cases else 1.0
    text = t(
        "conf.summary",
        log=log,
        workflow=workflow.name or workflow.id,
        fitness=number(result.fitness, 3),
        fit=share(fit),
        cases=number(cases),
    )
    if result.unrelated:
        left = result.unrelated
        text += " " + t(
            "conf.unrelated",
            left=number(left),
            total=number(cases + left),
            part=share(left / (cases + left)),
        )
    summary = message(text, "info")
    deviations = found["deviations"].assign(
        share=lambda f: f["share"].map(share), impact=lambda f: f["impact_seconds"].map(_signed)
    )
    elements = workflow_elements(
        workflow, found["usage"], found["branches"], found["deviations"], cases
    )
    return (
        "",
        summary,
        elements,
        _graph_style(elements_height(elements)),
        conformance_figure(result, lang=current_language()),
        records(
            deviations[["kind", "activity", "cases", "share", "impact"]].assign(
                kind=lambda f: f["kind"].map(_kind_text)
            )
        ),
        records(found["branches"]),
        waits_against_design_figure(found["waits"], lang=current_language()),
        True,
    )


def _graph_style(height: float) -> dict[str, str]:
    """The workflow drawing's box, tall enough to draw it at full size."""
    return {"width": "100%", "height": f"{map_height(height)}px", "border": "1px solid #dde"}


def _kind_text(kind: str) -> str:
    """A deviation kind in the page's language."""
    return t(f"dev.{kind}") if kind in DEVIATION_KINDS else kind


def _signed(seconds: float) -> str:
    return "–" if seconds != seconds else ("+" if seconds >= 0 else "−") + duration(abs(seconds))


@callback(
    Output(ids.CONSENT_CONTACT, "options"),
    Output(ids.CONSENT_CONTACT, "value"),
    Input(ids.APP_VIEW, "data"),
)
def contact_columns(current: dict[str, Any] | None) -> tuple[list[str], str | None]:
    """The case id and the log's attribute columns; chosen: the vocabulary's contact."""
    view = View.from_data(current)
    if not view.log:
        return [], None
    columns = ["case_id", *_cached.case_columns(view)]
    contact = _cached.vocabulary(view).role("contact")
    return columns, contact if contact in columns else None


@callback(
    Output(ids.CONSENT_TEXT, "children"),
    Output(ids.CONSENT_GRID, "rowData"),
    Input(ids.CONSENT_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.CONSENT_CONTACT, "value"),
    prevent_initial_call=True,
)
def check_consent(_clicks: int, current: dict[str, Any] | None, contact: str | None) -> tuple:
    """Every send after the contact unsubscribed, bounced or complained."""
    try:
        found = _cached.consent(View.from_data(current), contact or "")
    except (ValueError, LookupError) as exc:
        return message(error_text(exc), "warning"), []
    if found.empty:
        return message(t("consent.none"), "success"), []
    rows = found.assign(after=found["seconds_after"].map(duration)).drop(columns="seconds_after")
    text = t("consent.found", sends=number(len(found)), contacts=number(found["contact"].nunique()))
    return message(text, "danger"), records(rows)
