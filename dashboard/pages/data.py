"""Data: upload a log (size limit, type check, imported through ``mining.read_log`` in the
background with a validation summary and the quarantined rows downloadable), load the bundled
examples, list the stored logs and delete them (admins), and show and correct a log's
vocabulary (which column is the contact, which labels are sends, unsubscribes...)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from flask import current_app

from dashboard import ids
from dashboard._auth import holds
from dashboard._callbacks import callback
from dashboard._components import (
    card,
    field,
    grid,
    job_parts,
    job_status,
    message,
    number,
    poll_job,
    start_job,
)
from dashboard._data import DataService, Report, View, data, error_text
from dashboard.i18n import t
from mining import KINDS, ROLES, EventLogError, formats, read_log

PATH, ORDER, NAME = "/data", 6, "nav.data"
SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".csv.gz",
    ".parquet",
    ".xes",
    ".xes.gz",
    ".json",
    ".jsonl",
    ".jsonl.gz",
    ".jsonocel",
    ".xmlocel",
)
UPLOAD_LIMIT = "MEJORA_UPLOAD_LIMIT"  # server config key: bytes


class UploadRefused(ValueError):
    """An upload that was not imported, with the reason to show."""


def layout(**_: Any) -> html.Div:
    """The page."""
    limit = current_app.config[UPLOAD_LIMIT]
    admin = holds("admin")
    columns = [
        {"field": "name", "headerName": t("col.log")},
        {"field": "format", "headerName": t("col.format")},
        {"field": "events", "headerName": t("col.events"), "type": "numericColumn"},
        {"field": "cases", "headerName": t("col.cases"), "type": "numericColumn"},
        {"field": "quarantined", "headerName": t("col.quarantined"), "type": "numericColumn"},
        {"field": "imported_at", "headerName": t("col.imported")},
    ]
    table = grid(ids.DATA_LOGS, columns, height=260, selectable=True, row_id="name")
    mapping = dbc.Row(
        [
            dbc.Col(field(t(f"upload.{k}"), dbc.Input(id=i, placeholder=t("upload.detect"))), md=3)
            for k, i in (
                ("case_id", ids.DATA_MAP_CASE),
                ("activity", ids.DATA_MAP_ACTIVITY),
                ("timestamp", ids.DATA_MAP_TIMESTAMP),
                ("resource", ids.DATA_MAP_RESOURCE),
            )
        ]
    )
    return html.Div(
        [
            html.H2(t("data.title")),
            card(
                t("data.stored"),
                table,
                dbc.ButtonGroup(
                    [
                        dbc.Button(
                            t("data.quarantine"),
                            id=ids.DATA_QUARANTINE,
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                        dbc.Button(
                            t("data.delete"),
                            id=ids.DATA_DELETE,
                            color="danger",
                            outline=True,
                            size="sm",
                            style={} if admin else {"display": "none"},
                        ),
                        dbc.Button(
                            t("data.samples"),
                            id=ids.DATA_SAMPLES,
                            color="secondary",
                            outline=True,
                            size="sm",
                            style={} if data().examples.has_logs else {"display": "none"},
                        ),
                    ],
                    className="mt-2",
                ),
                dcc.ConfirmDialog(id=ids.DATA_CONFIRM),
                dcc.Download(id=ids.DATA_DOWNLOAD),
                html.Div(id=ids.DATA_MESSAGE, className="mt-2"),
            ),
            vocabulary_card(),
            card(
                t("upload.title"),
                html.P(
                    t("upload.hint", limit=f"{limit / 2**20:.0f} MB", types=", ".join(SUFFIXES)),
                    className="hint",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            field(
                                t("upload.name"),
                                dbc.Input(id=ids.DATA_NAME, placeholder=t("upload.name_hint")),
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            field(
                                t("upload.format"),
                                dbc.Select(
                                    id=ids.DATA_FORMAT, options=["auto", *formats()], value="auto"
                                ),
                            ),
                            md=4,
                        ),
                        dbc.Col(
                            dbc.Checkbox(
                                id=ids.DATA_REPLACE,
                                label=t("upload.replace"),
                                value=False,
                                className="mt-4",
                            ),
                            md=4,
                        ),
                    ]
                ),
                mapping,
                dcc.Upload(
                    id=ids.DATA_UPLOAD,
                    children=html.Div([t("upload.drop"), " ", html.A(t("upload.choose"))]),
                    className="upload",
                    max_size=limit,
                    multiple=False,
                ),
                # the browser refuses a file over max_size without a word; assets/upload.js
                # fills this in when it does
                html.Div(
                    id=ids.DATA_UPLOAD_REFUSED,
                    hidden=True,
                    className="alert alert-warning py-2 mb-2",
                    **{
                        "data-limit": str(limit),
                        "data-message": t(
                            "upload.refused_in_browser", limit=f"{limit / 2**20:.0f} MB"
                        ),
                    },
                ),
                *job_parts(ids.DATA_JOB, ids.DATA_POLL, ids.DATA_STATUS),
                html.Div(id=ids.DATA_SUMMARY),
            ),
        ]
    )


def vocabulary_card() -> html.Div:
    """The selected log's vocabulary, and a form to set one role's column or kind's labels."""
    columns = [
        {"field": "meaning", "headerName": t("col.meaning")},
        {"field": "value", "headerName": t("col.value"), "flex": 3, "tooltipField": "value"},
        {"field": "given", "headerName": t("col.given"), "maxWidth": 110},
    ]
    choices = [f"role:{r}" for r in ROLES] + [f"kind:{k}" for k in KINDS]
    return card(
        t("data.vocab_title"),
        html.P(t("data.vocab_hint"), className="hint"),
        grid(ids.DATA_VOCAB_GRID, columns, height=240),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        t("data.vocab_what"),
                        dbc.Select(id=ids.DATA_VOCAB_WHAT, options=choices, value="kind:sent"),
                    ),
                    md=3,
                ),
                dbc.Col(
                    field(
                        t("data.vocab_value"),
                        dcc.Dropdown(id=ids.DATA_VOCAB_VALUE, options=[], value=[], multi=True),
                    ),
                    md=7,
                ),
                dbc.Col(
                    dbc.Button(
                        t("data.vocab_save"),
                        id=ids.DATA_VOCAB_SAVE,
                        size="sm",
                        color="primary",
                        className="mt-4",
                    ),
                    md=2,
                ),
            ],
            className="mt-2",
        ),
        html.Div(id=ids.DATA_VOCAB_MESSAGE, className="mt-2"),
    )


def _suffix(filename: str) -> str:
    lower = filename.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    raise UploadRefused(t("upload.bad_type", types=", ".join(SUFFIXES)))


def log_name(requested: str | None, filename: str) -> str:
    """The name to store the log under: the one asked for, else the file's stem, cleaned."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].split(".", 1)[0]
    name = (requested or "").strip() or re.sub(r"[^A-Za-z0-9_.\-]+", "_", stem).strip("_.-")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", name or ""):
        raise UploadRefused(t("upload.bad_name"))
    return name


def check_upload(contents: str, filename: str, limit: int) -> tuple[bytes, str]:
    """The decoded bytes and the (whitelisted) suffix; refused when too big, of another type or
    not what the suffix promises."""
    suffix = _suffix(filename)
    _, _, encoded = contents.partition(",")
    if len(encoded) * 3 // 4 > limit:
        raise UploadRefused(t("upload.too_big", limit=f"{limit / 2**20:.0f} MB"))
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UploadRefused(t("upload.unreadable")) from exc
    if not raw:
        raise UploadRefused(t("upload.empty"))
    if suffix.endswith(".gz") and not raw.startswith(b"\x1f\x8b"):
        raise UploadRefused(t("upload.not_gzip"))
    if suffix == ".parquet" and not raw.startswith(b"PAR1"):
        raise UploadRefused(t("upload.not_parquet"))
    if not suffix.endswith((".gz", ".parquet")) and b"\x00" in raw[:65536]:
        raise UploadRefused(t("upload.binary"))
    return raw, suffix


def import_upload(
    service: DataService,
    raw: bytes,
    suffix: str,
    *,
    name: str,
    display: str,
    fmt: str,
    mapping: dict[str, str],
    replace: bool,
    report: Report,
) -> list[dict[str, Any]]:
    """Write the bytes under a server-chosen name in a private temporary folder, import and
    validate them with ``read_log``, store the log; the folder is removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mejora-upload-"))
    path = folder / f"upload{suffix}"
    try:
        path.write_bytes(raw)
        log = read_log(path, format=fmt, mapping=mapping or None, name=name, progress=report)
        try:
            log.meta = dataclasses.replace(log.meta, source=f"upload: {display}")
            summary = log.summary().to_dict()
            report("saving", None)
            service.save(log, name, replace=replace)
        finally:
            log.connection.close()
    except (EventLogError, ValueError, LookupError, OSError) as exc:
        raise UploadRefused(error_text(exc, hide=(str(path), str(folder)))) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [summary]


def load_samples(service: DataService, report: Report) -> list[dict[str, Any]]:
    """Import the example logs not stored yet (a log of the same name is kept)."""
    summaries = []
    stored = {i.name for i in service.logs()}
    missing = [name for name in service.examples.names() if name not in stored]
    for i, name in enumerate(missing, 1):
        report(f"{name} ({i}/{len(missing)})", i / len(missing))
        log = service.examples.load(name)
        summaries.append(log.summary().to_dict())
        service.save(log, name)
        log.connection.close()
    return summaries


def summary_card(summary: dict[str, Any]) -> dbc.Card:
    """What an import did: counts, column mapping, what was set aside and why."""
    reasons = summary["quarantine_reasons"]
    lines = [
        t(
            "summary.counts",
            **{
                k: number(summary[k])
                for k in ("rows_read", "events", "cases", "activities", "variants")
            },
        ),
        t("summary.quarantined", n=number(summary["quarantined"]))
        + (
            " (" + ", ".join(f"{r}: {number(n)}" for r, n in reasons.items()) + ")"
            if reasons
            else ""
        ),
        t("summary.mapping") + ", ".join(f"{k} ← {v}" for k, v in summary["mapping"].items() if v),
        t("summary.timestamps") + str(summary["timestamp_parsing"]),
        *summary["notes"],
    ]
    colour = "warning" if summary["quarantined"] else "success"
    return dbc.Alert(
        [html.Strong(summary["name"]), html.Ul([html.Li(line) for line in lines])],
        color=colour,
        className="summary",
    )


@callback(
    Output(ids.DATA_LOGS, "rowData"),
    Output(ids.DATA_MESSAGE, "children"),
    Input(ids.APP_VIEW, "data"),
)
def list_logs(_current: dict[str, Any] | None) -> tuple[list, Any]:
    """The stored logs; an empty store offers the samples."""
    rows = data().catalogue()
    return rows, None if rows else message(t("data.empty"), "info")


@callback(
    Output(ids.DATA_JOB, "data"),
    Output(ids.DATA_POLL, "disabled"),
    Output(ids.DATA_STATUS, "children"),
    Input(ids.DATA_UPLOAD, "contents"),
    State(ids.DATA_UPLOAD, "filename"),
    State(ids.DATA_NAME, "value"),
    State(ids.DATA_FORMAT, "value"),
    State(ids.DATA_MAP_CASE, "value"),
    State(ids.DATA_MAP_ACTIVITY, "value"),
    State(ids.DATA_MAP_TIMESTAMP, "value"),
    State(ids.DATA_MAP_RESOURCE, "value"),
    State(ids.DATA_REPLACE, "value"),
    prevent_initial_call=True,
)
def start_upload(
    contents: str | None, filename: str | None, name: str | None, fmt: str | None, *rest: Any
) -> tuple:
    """Check the upload at once; import it in the background."""
    *columns, replace = rest
    service = data()
    try:
        raw, suffix = check_upload(contents or "", filename or "", current_app.config[UPLOAD_LIMIT])
        target = log_name(name, filename or "")
        if not replace and target in {i.name for i in service.logs()}:
            raise UploadRefused(t("upload.exists", name=target))
    except UploadRefused as exc:
        return no_update, True, message(str(exc), "danger")
    keys = ("case_id", "activity", "timestamp", "resource")
    mapping = {k: v.strip() for k, v in zip(keys, columns, strict=True) if v and v.strip()}
    display = (filename or "").rsplit("/", 1)[-1][:120]
    fmt = fmt if fmt in formats() else "auto"

    def work(report: Report) -> list[dict[str, Any]]:
        return import_upload(
            service,
            raw,
            suffix,
            name=target,
            display=display,
            fmt=fmt,
            mapping=mapping,
            replace=bool(replace),
            report=report,
        )

    return *start_job(work), None


@callback(
    Output(ids.DATA_JOB, "data", allow_duplicate=True),
    Output(ids.DATA_POLL, "disabled", allow_duplicate=True),
    Input(ids.DATA_SAMPLES, "n_clicks"),
    prevent_initial_call=True,
)
def start_samples(_clicks: int) -> tuple[str, bool]:
    """Load the bundled sample logs in the background."""
    service = data()
    return start_job(lambda report: load_samples(service, report))


@callback(
    Output(ids.DATA_STATUS, "children", allow_duplicate=True),
    Output(ids.DATA_SUMMARY, "children"),
    Output(ids.DATA_LOGS, "rowData", allow_duplicate=True),
    Output(ids.APP_LOG, "options"),
    Output(ids.APP_LOG, "value"),
    Output(ids.DATA_POLL, "disabled", allow_duplicate=True),
    Input(ids.DATA_POLL, "n_intervals"),
    State(ids.DATA_JOB, "data"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def show_import(_n: int, job_id: str | None, current: dict[str, Any] | None) -> tuple:
    """The validation summary of each imported log and the refreshed list; with no log chosen
    yet, the first imported one is chosen. Dash calls it when the page is inserted (its outputs
    include the top bar's); with no job yet there is nothing to say."""
    if not job_id:
        return *[no_update] * 5, True
    state, value = poll_job(job_id)
    if state != "done":
        return job_status(state, value), *[no_update] * 4, state != "running"
    rows = data().catalogue()
    cards = [summary_card(s) for s in value] or message(t("data.samples_present"), "info")
    chosen = no_update if View.from_data(current).log or not value else value[0]["name"]
    return None, cards, rows, [r["name"] for r in rows], chosen, True


@callback(
    Output(ids.DATA_DOWNLOAD, "data"),
    Input(ids.DATA_QUARANTINE, "n_clicks"),
    State(ids.DATA_LOGS, "selectedRows"),
    prevent_initial_call=True,
)
def download_quarantine(_clicks: int, selected: list[dict[str, Any]] | None) -> Any:
    """The selected log's quarantined rows as CSV."""
    if not selected:
        return no_update
    name = str(selected[0]["name"])
    with data().store() as store:
        frame = store.load(name).quarantine()
    return dcc.send_data_frame(frame.to_csv, f"{name}-quarantine.csv", index=False)


@callback(
    Output(ids.DATA_CONFIRM, "displayed"),
    Output(ids.DATA_CONFIRM, "message"),
    Input(ids.DATA_DELETE, "n_clicks"),
    State(ids.DATA_LOGS, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def confirm_delete(_clicks: int, selected: list[dict[str, Any]] | None) -> tuple[bool, str]:
    """Ask before deleting the selected log."""
    if not selected:
        return False, ""
    return True, t("data.confirm", name=selected[0]["name"])


@callback(
    Output(ids.DATA_LOGS, "rowData", allow_duplicate=True),
    Output(ids.DATA_MESSAGE, "children", allow_duplicate=True),
    Output(ids.APP_LOG, "options", allow_duplicate=True),
    Input(ids.DATA_CONFIRM, "submit_n_clicks"),
    State(ids.DATA_LOGS, "selectedRows"),
    prevent_initial_call=True,
    role="admin",
)
def delete_log(_clicks: int, selected: list[dict[str, Any]] | None) -> tuple:
    """Delete the selected log (admins only; checked here, on the server)."""
    if not selected:
        return no_update, no_update, no_update
    name = str(selected[0]["name"])
    service = data()
    try:
        service.delete(name)
    except LookupError as exc:
        return no_update, message(error_text(exc), "warning"), no_update
    rows = service.catalogue()
    return rows, message(t("data.deleted", name=name), "success"), [r["name"] for r in rows]


def _selected(selected: list[dict[str, Any]] | None) -> str | None:
    return str(selected[0]["name"]) if selected else None


@callback(
    Output(ids.DATA_VOCAB_GRID, "rowData"),
    Input(ids.DATA_LOGS, "selectedRows"),
)
def show_vocabulary(selected: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The selected log's vocabulary."""
    name = _selected(selected)
    return data().vocabulary_rows(name) if name else []


@callback(
    Output(ids.DATA_VOCAB_VALUE, "options"),
    Output(ids.DATA_VOCAB_VALUE, "value"),
    Output(ids.DATA_VOCAB_VALUE, "multi"),
    Input(ids.DATA_VOCAB_WHAT, "value"),
    Input(ids.DATA_LOGS, "selectedRows"),
)
def vocabulary_choices(what: str | None, selected: list[dict[str, Any]] | None) -> tuple:
    """The columns (for a role) or activities (for a kind) to choose from, the current ones
    chosen."""
    name = _selected(selected)
    if not name or not what:
        return [], [], True
    options, current = data().vocabulary_choices(name, what)
    role = what.startswith("role:")
    return options, (current[0] if current else None) if role else current, not role


@callback(
    Output(ids.DATA_VOCAB_MESSAGE, "children"),
    Output(ids.DATA_VOCAB_GRID, "rowData", allow_duplicate=True),
    Input(ids.DATA_VOCAB_SAVE, "n_clicks"),
    State(ids.DATA_LOGS, "selectedRows"),
    State(ids.DATA_VOCAB_WHAT, "value"),
    State(ids.DATA_VOCAB_VALUE, "value"),
    prevent_initial_call=True,
)
def save_vocabulary(
    _clicks: int, selected: list[dict[str, Any]] | None, what: str, value: Any
) -> tuple:
    """Store one role's column or one kind's labels for the selected log."""
    name = _selected(selected)
    if not name:
        return message(t("data.vocab_pick"), "warning"), no_update
    values = [value] if isinstance(value, str) else [str(v) for v in value or ()]
    try:
        data().revise_vocabulary(name, what, values)
    except (EventLogError, ValueError) as exc:
        return message(error_text(exc), "danger"), no_update
    shown = ", ".join(values) or "–"
    text = t("data.vocab_saved", name=name, what=what, value=shown)
    return message(text, "success"), data().vocabulary_rows(name)
