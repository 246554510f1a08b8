"""Suggestions (admins): ranked changes for a stored workflow from the view's log, each with its
evidence, a what-if estimate and a diff preview; apply one as a draft revision, activate it,
roll back — each after a confirmation — and the revision history and audit trail. Every
callback here needs the admin role, checked on the server."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update

from automation import (
    REPLAYED_RULES,
    Suggestion,
    WorkflowError,
    activate,
    apply_suggestion,
    audit_trail,
    load_suggestion,
    read_workflow,
    revision_history,
    rollback,
    saved_what_if,
    store_uploaded_workflow,
    stored_design,
    suggest_saved,
)
from dashboard import ids
from dashboard._auth import holds, require_role
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    code_block,
    field,
    grid,
    job_parts,
    job_status,
    message,
    poll_job,
    share,
    start_job,
)
from dashboard._data import View, data, error_text
from dashboard.i18n import current_language, t

PATH, ORDER, NAME, ROLE = "/suggestions", 7, "nav.suggestions", "admin"
WORKFLOW_LIMIT = 8 << 20  # a workflow definition is small; the same cap as the CLI's reader
WHATIF_SEEDS = (1, 2, 3)
WHATIF_DAYS = 60


def layout(**_: Any) -> html.Div:
    """The page (admins only; others get a notice, and the server refuses their callbacks)."""
    if not holds("admin"):
        return html.Div([html.H2(t("sugg.title")), message(t("sugg.admins_only"), "warning")])
    logs = [i.name for i in data().logs()]
    suggestion_columns = [
        {"field": "rank", "headerName": "#", "maxWidth": 70},
        {"field": "title", "headerName": t("col.suggestion"), "flex": 4, "tooltipField": "title"},
        {"field": "rule", "headerName": t("col.rule")},
        {"field": "impact", "headerName": t("col.impact_estimate")},
        {"field": "confidence", "headerName": t("col.confidence")},
        {"field": "risk", "headerName": t("col.risk")},
    ]
    history_columns = [
        {"field": "number", "headerName": t("col.revision"), "maxWidth": 110},
        {"field": "state", "headerName": t("col.state")},
        {"field": "author", "headerName": t("col.author")},
        {"field": "saved_at", "headerName": t("col.saved")},
        {"field": "message", "headerName": t("col.message"), "flex": 3, "tooltipField": "message"},
    ]
    audit_columns = [
        {"field": c, "headerName": t(f"col.{c}")}
        for c in ("at", "action", "by", "outcome", "revision", "suggestion", "reason")
    ]
    return html.Div(
        [
            html.H2(t("sugg.title")),
            dcc.Store(id=ids.SUGG_REFRESH, data=0),
            html.Div(id=ids.SUGG_MESSAGE),
            card(
                t("sugg.workflow"),
                dbc.Row(
                    [
                        dbc.Col(
                            field(t("sugg.stored"), dbc.Select(id=ids.SUGG_WORKFLOW, options=[])),
                            md=5,
                        ),
                        dbc.Col(
                            field(
                                t("sugg.email_log"),
                                dbc.Select(
                                    id=ids.SUGG_EMAIL_LOG,
                                    options=[{"label": t("sugg.no_email_log"), "value": ""}, *logs],
                                    value=next(iter(data().email_logs()), ""),
                                ),
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Button(
                                t("sugg.import"),
                                id=ids.SUGG_IMPORT,
                                size="sm",
                                outline=True,
                                color="secondary",
                                className="mt-4",
                                style={} if data().examples.workflows() else {"display": "none"},
                            ),
                            md=3,
                        ),
                    ]
                ),
                dcc.Upload(
                    id=ids.SUGG_UPLOAD,
                    children=html.Div([t("sugg.upload"), " ", html.A(t("upload.choose"))]),
                    className="upload",
                    max_size=WORKFLOW_LIMIT,
                    multiple=False,
                ),
                html.Div(id=ids.SUGG_STATUS_LINE, className="hint"),
                dbc.Button(t("sugg.run"), id=ids.SUGG_RUN, color="primary"),
                *job_parts(ids.SUGG_JOB, ids.SUGG_POLL, ids.SUGG_JOB_STATUS),
                grid(ids.SUGG_GRID, suggestion_columns, height=260, selectable=True, row_id="id"),
            ),
            card(
                t("sugg.selected"),
                html.Div(id=ids.SUGG_DETAIL),
                html.Small(t("sugg.diff")),
                code_block("", ids.SUGG_DIFF),
                dbc.ButtonGroup(
                    [
                        dbc.Button(
                            t("sugg.whatif"), id=ids.SUGG_WHATIF, outline=True, color="secondary"
                        ),
                        dbc.Button(t("sugg.apply"), id=ids.SUGG_APPLY, color="primary"),
                    ]
                ),
                *job_parts(ids.SUGG_WHATIF_JOB, ids.SUGG_WHATIF_POLL, ids.SUGG_WHATIF_STATUS),
                html.Div(id=ids.SUGG_WHATIF_RESULT),
                dcc.ConfirmDialog(id=ids.SUGG_APPLY_CONFIRM),
            ),
            card(
                t("sugg.revisions"),
                grid(
                    ids.SUGG_HISTORY, history_columns, height=240, selectable=True, row_id="number"
                ),
                dbc.ButtonGroup(
                    [
                        dbc.Button(
                            t("sugg.activate"), id=ids.SUGG_ACTIVATE, color="primary", size="sm"
                        ),
                        dbc.Button(
                            t("sugg.rollback"),
                            id=ids.SUGG_ROLLBACK,
                            color="danger",
                            outline=True,
                            size="sm",
                        ),
                    ],
                    className="mt-2",
                ),
                dcc.ConfirmDialog(id=ids.SUGG_ACTIVATE_CONFIRM),
                dcc.ConfirmDialog(id=ids.SUGG_ROLLBACK_CONFIRM),
                html.H6(t("sugg.audit"), className="mt-2"),
                grid(ids.SUGG_AUDIT, audit_columns, height=240),
            ),
        ]
    )


def _rows(suggestions: list[Suggestion], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "rank": n,
            "id": s.id,
            "title": s.title.get(lang),
            "rule": s.rule,
            "impact": s.impact.describe(lang),
            "confidence": f"{s.confidence:.2f}",
            "risk": s.risk.label(lang),
        }
        for n, s in enumerate(suggestions, 1)
    ]


def find_suggestions(
    view: View, workflow_id: str, email_log: str | None, lang: str
) -> list[dict[str, Any]]:
    """Suggestions for the workflow's newest revision from the view's log (and a message log
    for the consent rule), the revision before it as the design it replaced; saved in the
    workflow store so they can be applied later."""
    store = data().workflows
    design = stored_design(store, workflow_id)
    with data().open(view) as log:
        if email_log:
            with data().open(View(email_log)) as messages:
                report = suggest_saved(design, log, store, email_log=messages)
        else:
            report = suggest_saved(design, log, store)
    return _rows(list(report.suggestions), lang)


@callback(
    Output(ids.SUGG_WORKFLOW, "options"),
    Output(ids.SUGG_WORKFLOW, "value"),
    Input(ids.SUGG_REFRESH, "data"),
    State(ids.SUGG_WORKFLOW, "value"),
    role="admin",
)
def list_workflows(_refresh: int, chosen: str | None) -> tuple[list[str], str | None]:
    """The stored workflows."""
    names = data().workflows.workflows()
    return names, chosen if chosen in names else (names[0] if names else None)


@callback(
    Output(ids.SUGG_MESSAGE, "children", allow_duplicate=True),
    Output(ids.SUGG_REFRESH, "data", allow_duplicate=True),
    Input(ids.SUGG_IMPORT, "n_clicks"),
    State(ids.SUGG_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def import_bundled(_clicks: int, refresh: int) -> tuple[Any, int]:
    """Save the example designed workflows that are not in the workflow store yet."""
    user = require_role("admin")
    store = data().workflows
    added = []
    for path in data().examples.workflows().values():
        workflow = read_workflow(path)
        if store.latest(workflow.id) is None:
            store.save(workflow, base=None, author=user.name, message="example workflow")
            added.append(workflow.id)
    text = t("sugg.imported", names=", ".join(added)) if added else t("sugg.nothing_imported")
    return message(text, "success" if added else "info"), (refresh or 0) + 1


@callback(
    Output(ids.SUGG_MESSAGE, "children", allow_duplicate=True),
    Output(ids.SUGG_REFRESH, "data", allow_duplicate=True),
    Input(ids.SUGG_UPLOAD, "contents"),
    State(ids.SUGG_UPLOAD, "filename"),
    State(ids.SUGG_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def upload_workflow(contents: str | None, filename: str | None, refresh: int) -> tuple[Any, int]:
    """Store an uploaded workflow file (any format Mejora reads) as the newest revision, and
    show how a platform's export mapped."""
    user = require_role("admin")
    display = (filename or "workflow").rsplit("/", 1)[-1][:120]
    try:
        workflow, report, revision = store_uploaded_workflow(
            data().workflows, contents or "", display, author=user.name
        )
    except (WorkflowError, ValueError, OSError) as exc:
        return message(t("sugg.upload_bad", file=display, problem=exc), "danger"), no_update
    origin = t("sugg.origin", platform=report.title) if report else t("sugg.origin_mejora")
    mapped = len(report.mapped) if report else len(workflow.nodes)
    lines = [t("sugg.uploaded", file=display, workflow=workflow.id, revision=revision,
               origin=origin, mapped=mapped)]  # fmt: skip
    if report and report.unmapped:
        items = [html.Li(line) for line in report.unmapped]
        body = html.Div([html.P(lines[0]), html.P(t("sugg.uploaded_not_exact")), html.Ul(items)])
        return message(body, "warning"), (refresh or 0) + 1
    return message(f"{lines[0]} {t('sugg.uploaded_exact')}", "success"), (refresh or 0) + 1


@callback(
    Output(ids.SUGG_STATUS_LINE, "children"),
    Output(ids.SUGG_HISTORY, "rowData"),
    Output(ids.SUGG_AUDIT, "rowData"),
    Input(ids.SUGG_WORKFLOW, "value"),
    Input(ids.SUGG_REFRESH, "data"),
    role="admin",
)
def show_history(workflow_id: str | None, _refresh: int) -> tuple[str, list, list]:
    """Every revision (which is live) and the audit trail, newest first."""
    if not workflow_id:
        return t("sugg.none_stored"), [], []
    store = data().workflows
    history = revision_history(store, workflow_id)
    live = next((h["number"] for h in history if h["live"]), None)
    line = t("sugg.status", newest=history[-1]["number"], live=live if live is not None else "–")
    rows = [
        {
            **{k: h[k] for k in ("number", "author", "saved_at", "message")},
            "state": t(f"state.{h['state']}"),
        }
        for h in reversed(history)
    ]
    audit = [
        {
            k: str(e.get(k, "") or "")
            for k in ("at", "action", "by", "outcome", "revision", "suggestion", "reason")
        }
        for e in reversed(audit_trail(store, workflow_id))
    ]
    return line, rows, audit


@callback(
    Output(ids.SUGG_JOB, "data"),
    Output(ids.SUGG_POLL, "disabled"),
    Input(ids.SUGG_RUN, "n_clicks"),
    State(ids.APP_VIEW, "data"),
    State(ids.SUGG_WORKFLOW, "value"),
    State(ids.SUGG_EMAIL_LOG, "value"),
    prevent_initial_call=True,
    role="admin",
)
def run_suggestions(
    _clicks: int, current: dict[str, Any] | None, workflow_id: str | None, email_log: str | None
) -> tuple[str, bool]:
    """Analyse the view's log against the workflow in the background."""
    lang, view = current_language(), View.from_data(current)
    return start_job(
        lambda report: find_suggestions(view, workflow_id or "", email_log or None, lang)
    )


@callback(
    Output(ids.SUGG_JOB_STATUS, "children"),
    Output(ids.SUGG_GRID, "rowData"),
    Output(ids.SUGG_POLL, "disabled", allow_duplicate=True),
    Input(ids.SUGG_POLL, "n_intervals"),
    State(ids.SUGG_JOB, "data"),
    prevent_initial_call=True,
    role="admin",
)
def show_suggestions(_n: int, job_id: str | None) -> tuple:
    """The ranked suggestions once found."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, state != "running"
    return (
        (
            message(t("sugg.found", n=len(value)), "info")
            if value
            else message(t("sugg.no_suggestions"), "success")
        ),
        value,
        True,
    )


@callback(
    Output(ids.SUGG_DETAIL, "children"),
    Output(ids.SUGG_DIFF, "children"),
    Input(ids.SUGG_GRID, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def show_suggestion(selected: list[dict[str, Any]] | None) -> tuple[Any, str]:
    """The selected suggestion's explanation, evidence, impact, risk, and the diff it would
    make to the workflow."""
    if not selected:
        return t("sugg.pick"), ""
    store, lang = data().workflows, current_language()
    saved = load_suggestion(store, str(selected[0]["id"]))
    s = saved.suggestion
    evidence = s.evidence
    lines = [
        html.P(s.explanation.get(lang)),
        html.Ul(
            [
                html.Li(f"{t('sugg.evidence')}: {evidence.describe(lang)}"),
                html.Li(f"{t('sugg.impact')}: {s.impact.describe(lang)}"),
                html.Li(f"{t('sugg.confidence')}: {share(s.confidence)}"),
                html.Li(f"{t('sugg.risk')}: {s.risk.describe(lang)}"),
                html.Li(f"{t('sugg.change')}: {'; '.join(s.changes.describe())}"),
            ]
        ),
    ]
    try:
        diff = apply_suggestion(store, s, by="preview", dry_run=True).diff.to_text()
    except Exception as exc:  # a stale suggestion: say why instead of a diff
        diff = error_text(exc)
    return lines, diff


@callback(
    Output(ids.SUGG_WHATIF_JOB, "data"),
    Output(ids.SUGG_WHATIF_POLL, "disabled"),
    Input(ids.SUGG_WHATIF, "n_clicks"),
    State(ids.SUGG_GRID, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def run_what_if(_clicks: int, selected: list[dict[str, Any]] | None) -> tuple[Any, bool]:
    """Simulate the current and the changed workflow with the fitted behaviour."""
    if not selected:
        return no_update, True
    saved = load_suggestion(data().workflows, str(selected[0]["id"]))
    run = {"seeds": WHATIF_SEEDS, "days": WHATIF_DAYS}

    def estimate(report: Any) -> Any:
        stored = {info.name for info in data().logs()}
        if saved.suggestion.rule in REPLAYED_RULES and saved.log in stored:
            with data().open(View(saved.log)) as log:  # replayed on the suggestion's log
                return saved_what_if(saved, log, **run)
        return saved_what_if(saved, **run)

    return start_job(estimate)


@callback(
    Output(ids.SUGG_WHATIF_STATUS, "children"),
    Output(ids.SUGG_WHATIF_RESULT, "children"),
    Output(ids.SUGG_WHATIF_POLL, "disabled", allow_duplicate=True),
    Input(ids.SUGG_WHATIF_POLL, "n_intervals"),
    State(ids.SUGG_WHATIF_JOB, "data"),
    prevent_initial_call=True,
    role="admin",
)
def show_what_if(_n: int, job_id: str | None) -> tuple:
    """The estimate for the primary KPI, and the KPIs that change."""
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), no_update, state != "running"
    table = value.table[value.table["difference"].abs() > 1e-12].head(10)
    rows = [
        html.Li(
            f"{r.kpi}: {r.current:.4g} → {r.changed:.4g} "
            f"({r.difference:+.4g}; 90 % {r.low:+.4g} … {r.high:+.4g})"
        )
        for r in table.itertuples()
    ]
    return (
        "",
        [
            message(value.sentence, "info"),
            html.Ul(rows),
            html.Small(value.method, className="hint"),
        ],
        True,
    )


def _confirm(selected: list[dict[str, Any]] | None, key: str, **values: Any) -> tuple[bool, str]:
    require_role("admin")
    if not selected:
        return False, ""
    return True, t(key, **values)


@callback(
    Output(ids.SUGG_APPLY_CONFIRM, "displayed"),
    Output(ids.SUGG_APPLY_CONFIRM, "message"),
    Input(ids.SUGG_APPLY, "n_clicks"),
    State(ids.SUGG_GRID, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def confirm_apply(_clicks: int, selected: list[dict[str, Any]] | None) -> tuple[bool, str]:
    """Ask before saving the change as a draft revision."""
    return _confirm(selected, "sugg.confirm_apply", title=(selected or [{}])[0].get("title", ""))


@callback(
    Output(ids.SUGG_MESSAGE, "children", allow_duplicate=True),
    Output(ids.SUGG_REFRESH, "data", allow_duplicate=True),
    Input(ids.SUGG_APPLY_CONFIRM, "submit_n_clicks"),
    State(ids.SUGG_GRID, "selectedRows"),
    State(ids.SUGG_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def apply(_clicks: int, selected: list[dict[str, Any]] | None, refresh: int) -> tuple[Any, Any]:
    """Save the suggestion's change as a new draft revision (refused if the workflow moved)."""
    user = require_role("admin")
    if not selected:
        return no_update, no_update
    try:
        applied = apply_suggestion(data().workflows, str(selected[0]["id"]), by=user.name)
    except (ValueError, LookupError) as exc:
        return message(error_text(exc), "danger"), no_update
    number = applied.revision.number if applied.revision else "?"
    return message(t("sugg.applied", revision=number, workflow=applied.workflow.id), "success"), (
        refresh or 0
    ) + 1


@callback(
    Output(ids.SUGG_ACTIVATE_CONFIRM, "displayed"),
    Output(ids.SUGG_ACTIVATE_CONFIRM, "message"),
    Output(ids.SUGG_ROLLBACK_CONFIRM, "displayed"),
    Output(ids.SUGG_ROLLBACK_CONFIRM, "message"),
    Input(ids.SUGG_ACTIVATE, "n_clicks"),
    Input(ids.SUGG_ROLLBACK, "n_clicks"),
    State(ids.SUGG_HISTORY, "rowData"),
    State(ids.SUGG_HISTORY, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def confirm_revision(
    _a: int, _r: int, rows: list[dict[str, Any]] | None, selected: list[dict[str, Any]] | None
) -> tuple:
    """Ask before making the newest revision live, or before rolling back to the selected one."""
    if ctx.triggered_id == ids.SUGG_ACTIVATE:
        return (
            *_confirm(rows, "sugg.confirm_activate", revision=(rows or [{}])[0].get("number")),
            False,
            "",
        )
    return (
        False,
        "",
        *_confirm(selected, "sugg.confirm_rollback", revision=(selected or [{}])[0].get("number")),
    )


@callback(
    Output(ids.SUGG_MESSAGE, "children", allow_duplicate=True),
    Output(ids.SUGG_REFRESH, "data", allow_duplicate=True),
    Input(ids.SUGG_ACTIVATE_CONFIRM, "submit_n_clicks"),
    Input(ids.SUGG_ROLLBACK_CONFIRM, "submit_n_clicks"),
    State(ids.SUGG_WORKFLOW, "value"),
    State(ids.SUGG_HISTORY, "rowData"),
    State(ids.SUGG_HISTORY, "selectedRows"),
    State(ids.SUGG_REFRESH, "data"),
    prevent_initial_call=True,
    role="admin",
)
def change_revision(
    _a: int,
    _r: int,
    workflow_id: str,
    rows: list[dict[str, Any]] | None,
    selected: list[dict[str, Any]] | None,
    refresh: int,
) -> tuple:
    """Activate the newest revision, or roll back to the selected one (as a new live revision),
    refused if the workflow moved since the page showed it."""
    user = require_role("admin")
    newest = int(rows[0]["number"]) if rows else None
    store = data().workflows
    try:
        if ctx.triggered_id == ids.SUGG_ACTIVATE_CONFIRM:
            record = activate(store, workflow_id, int(newest or 0), by=user.name)
            text = t("sugg.activated", revision=record.revision)
        else:
            target = int((selected or [{}])[0].get("number") or 0)
            record = rollback(store, workflow_id, to=target, by=user.name, base=newest)
            text = t("sugg.rolled_back", to=target, revision=record.revision)
    except (ValueError, LookupError) as exc:
        return message(error_text(exc), "danger"), (refresh or 0) + 1
    return message(text, "success"), (refresh or 0) + 1
