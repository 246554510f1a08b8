"""Mautic exports read as event logs: the campaign lead event log and email stats."""

from __future__ import annotations

import duckdb

from mining._crm_common import _IN, _Columns, _flag, _source_columns, _text, _write_raw
from mining._sources import MALFORMED, RAW, ROW, RawSource
from mining._sql import fetch_one, ident, literal


def _mautic_campaign(con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource) -> None:
    lead = cols.need("lead_id")
    campaign = cols.need("campaign_id")
    triggered = cols.need("date_triggered")
    rotation = cols.get("rotation")
    name = cols.get("event_name")
    event_id = cols.get("event_id")
    if name is None and event_id is None:
        cols.need("event_name", "event_id")
    system = cols.get("system_triggered")
    columns = _source_columns(cols)
    case = cols.fresh("case")
    step = cols.fresh("step")
    by = cols.fresh("triggered_by")
    columns[case] = (
        f"CASE WHEN {_text(lead)} IS NOT NULL AND {_text(campaign)} IS NOT NULL THEN "
        f"'lead ' || {_text(lead)} || ' / campaign ' || {_text(campaign)} || ' / rotation ' || "
        f"coalesce({_text(rotation)}, '1') END"
    )
    fallback = f"'event ' || {_text(event_id)}" if event_id else "CAST(NULL AS VARCHAR)"
    columns[step] = (
        f"coalesce({_text(name)}, {fallback}) || CASE WHEN "
        f"{_flag(cols.get('non_action_path_taken'))} THEN ' (no action path)' ELSE '' END"
    )
    columns[by] = (
        f"CASE WHEN {_flag(system)} THEN 'system' WHEN {_text(system)} IS NOT NULL "
        "THEN 'contact' END"
    )
    _write_raw(con, columns, [(_flag(cols.get("is_scheduled")), "scheduled_not_run")])
    raw.preset = {"case_id": case, "activity": step, "timestamp": triggered, "resource": by}
    # the contact is the lead; an email step's channel_id is the email it sent
    message = cols.get("channel_id") if cols.get("channel") else None
    raw.vocabulary = {"roles": {"contact": lead, "workflow": campaign, "message": message or ""}}
    raw.notes += [
        "Mautic campaign log: one case per contact, campaign and rotation (a re-entry into the "
        "campaign is a new case); lead_id, campaign_id and rotation are kept as attributes",
        "activity is the event name (or 'event <id>'), with ' (no action path)' when the "
        "contact took the decision's no-action branch; resource is 'system' (run by Mautic's "
        "campaign cron) or 'contact' (run at once by the contact's action); rows still "
        "scheduled are set aside as scheduled_not_run",
        "date_triggered has no zone: Mautic writes UTC in its database; give --timezone only "
        "if your export converted it to local time",
    ]


def _mautic_email(con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource) -> None:
    lead = cols.need("lead_id")
    sent = cols.need("date_sent")
    read = cols.get("date_read")
    is_read = cols.get("is_read")
    failed = cols.get("is_failed")
    event = cols.fresh("event")
    when = cols.fresh("event_time")
    base = ", ".join(f"s.{ident(n)}" for n in cols.names)
    parts = [(1, "Email sent", sent, "true")]
    if read:
        parts.append(
            (2, "Email read", read, _flag(is_read) if is_read else f"{_text(read)} IS NOT NULL")
        )
    if failed:
        parts.append((3, "Email failed", sent, _flag(failed)))
    selects = [
        f"SELECT {base}, {literal(label)} AS {ident(event)}, s.{ident(column)} AS {ident(when)}, "
        f"s.{ROW} * 10 + {kind} AS {ROW} FROM {ident(_IN)} s WHERE {condition}"
        for kind, label, column, condition in parts
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM ({' UNION ALL '.join(selects)}) "
        f"ORDER BY {ROW}"
    )
    n_events = fetch_one(con, f"SELECT count(*) FROM {RAW}")[0]
    n_malformed = raw.rows_read - fetch_one(con, f"SELECT count(*) FROM {ident(_IN)}")[0]
    if raw.malformed:  # a malformed line is the whole source row: kind 0
        con.execute(f"UPDATE {MALFORMED} SET source_row = source_row * 10")
    raw.rows_read = n_events + n_malformed
    raw.row_label = "row*10+kind"
    raw.preset = {"case_id": lead, "activity": event, "timestamp": when}
    raw.vocabulary = {
        "roles": {"contact": "case_id", "message": cols.get("email_id") or ""},
        "kinds": {"sent": ["Email sent"], "opened": ["Email read"], "error": ["Email failed"]},
    }
    raw.notes += [
        "Mautic email_stats: one case per contact (lead_id; email_id is an attribute); each "
        "source row gives 'Email sent' (date_sent), 'Email read' (date_read, when is_read = 1) "
        "and 'Email failed' (at date_sent, when is_failed = 1)",
        "rows are numbered source row * 10 + kind (1 sent, 2 read, 3 failed; 0 a malformed "
        "line): row*10+kind 42 is the 'Email read' of CSV row 4; rows read counts these events",
        "date_sent and date_read have no zone: Mautic writes UTC in its database",
    ]
