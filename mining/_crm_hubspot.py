"""HubSpot exports read as event logs: email events (CSV or JSON) and deal stage history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mining import safe_xml
from mining._crm_common import (
    _IN,
    HS_EMAIL,
    _Columns,
    _flag,
    _key,
    _normalise_epoch,
    _source_columns,
    _stage_sequence,
    _text,
    _write_raw,
)
from mining._sources import MALFORMED, ROW, RawSource, detect_encoding
from mining._sql import literal
from mining.exceptions import EventLogError

# Stage ids of HubSpot's default sales pipeline -> the labels HubSpot shows.
HUBSPOT_DEFAULT_STAGES: dict[str, str] = {
    "appointmentscheduled": "Appointment scheduled",
    "qualifiedtobuy": "Qualified to buy",
    "presentationscheduled": "Presentation scheduled",
    "decisionmakerboughtin": "Decision maker bought-in",
    "contractsent": "Contract sent",
    "closedwon": "Closed won",
    "closedlost": "Closed lost",
}


# HubSpot's email event types, by the vocabulary's kinds (STATUSCHANGE that unsubscribes is
# renamed UNSUBSCRIBE at import; PROCESSED, DEFERRED and other STATUSCHANGEs are no kind)
HUBSPOT_EMAIL_KINDS = {
    "sent": ["SENT"],
    "delivered": ["DELIVERED"],
    "opened": ["OPEN"],
    "clicked": ["CLICK"],
    "unsubscribed": ["UNSUBSCRIBE"],
    "bounced": ["BOUNCE"],
    "spam": ["SPAMREPORT"],
    "error": ["DROPPED"],
}


def _hubspot_email(con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource) -> None:
    kind = cols.need("type")
    created = cols.need("created")
    sent_by = cols.need("sentBy.id", "sentById")
    event_id = cols.get("id")
    app = cols.get("appName")
    columns = _source_columns(cols)
    bad_time = _normalise_epoch(con, cols, columns, created)

    upper_kind = f"upper({_text(kind)})"
    own_id = (
        f"CASE WHEN {upper_kind} IN ('SENT', 'DROPPED') THEN {_text(event_id)} END"
        if event_id
        else "CAST(NULL AS VARCHAR)"
    )
    unsubscribe = _unsubscribes(cols)
    message = cols.fresh("message")
    event = cols.fresh("event")
    columns[message] = f"coalesce({_text(sent_by)}, {own_id})"
    columns[event] = (
        f"CASE WHEN {upper_kind} = 'STATUSCHANGE' AND ({unsubscribe}) THEN 'UNSUBSCRIBE' "
        f"ELSE {_text(kind)} END"
    )
    excludes = [(_flag(cols.get("filteredEvent")), "filtered_event")]
    if bad_time:
        excludes.append((bad_time, "bad_timestamp"))
    _write_raw(con, columns, excludes)
    raw.preset = {"case_id": message, "activity": event, "timestamp": created}
    raw.vocabulary = {
        "roles": {
            "contact": cols.get("recipient") or "",
            "message": cols.get("emailCampaignId") or "",
        },
        "kinds": HUBSPOT_EMAIL_KINDS,
    }
    if app:
        raw.preset["resource"] = app
    raw.notes += [
        "HubSpot email events: each email message is a case (sentBy.id, the message's SENT "
        "event): its SENT and the deliveries, opens and clicks that follow; recipient and "
        "emailCampaignId are kept as attributes to regroup by contact or campaign",
        "activity is HubSpot's event type; a STATUSCHANGE that unsubscribes is named "
        "UNSUBSCRIBE; resource is appName (Batch, Automation...); filteredEvent = true rows "
        "(bots, scanners) are set aside; opens are unreliable (Apple Mail Privacy Protection "
        "pre-fetches images): prefer clicks",
    ]


def _unsubscribes(cols: _Columns) -> str:
    """SQL: a STATUSCHANGE's payload says UNSUBSCRIBED (portal status or any subscription).

    ``subscriptions`` is a list: JSON text after flattening, or ``subscriptions.0.status``...
    columns in a flattened CSV; any of them mentioning UNSUBSCRIBED counts.
    """
    says = []
    portal = cols.get("portalSubscriptionStatus")
    if portal:
        says.append(f"upper({_text(portal)}) = 'UNSUBSCRIBED'")
    for name in cols.names:
        if _key(name).startswith("subscriptions"):
            says.append(f"contains(upper({_text(name)}), 'UNSUBSCRIBED')")
    return " OR ".join(f"coalesce({c}, false)" for c in says) or "false"


def _hubspot_deal(
    con: duckdb.DuckDBPyConnection,
    cols: _Columns,
    raw: RawSource,
    stage_labels: Mapping[str, str] | None,
) -> None:
    deal = cols.need("dealId")
    prop = cols.need("property")
    value = cols.need("value")
    time = cols.need("timestamp")
    user = cols.get("updatedByUserId")
    columns = _source_columns(cols)
    bad_time = _normalise_epoch(con, cols, columns, time)
    is_stage = f"coalesce(lower({_text(prop)}) = 'dealstage', false)"
    unchanged = _stage_sequence(con, cols, record=deal, stage=value, time=time, eligible=is_stage)
    labels = {**HUBSPOT_DEFAULT_STAGES, **{k.lower(): v for k, v in (stage_labels or {}).items()}}
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in labels.items())
    stage = cols.fresh("stage")
    columns[stage] = f"coalesce(CASE lower({_text(value)}) {cases} END, {_text(value)})"
    excludes = [(f"NOT {is_stage}", "not_stage_change"), (unchanged, "stage_unchanged")]
    if bad_time:
        excludes.append((bad_time, "bad_timestamp"))
    _write_raw(con, columns, excludes, with_sequence=True)
    raw.preset = {"case_id": deal, "activity": stage, "timestamp": time}
    if user:
        raw.preset["resource"] = user
    raw.notes.append(
        "HubSpot deal property history: one case per deal; only dealstage rows are events "
        "(other properties: not_stage_change; the same stage set again: stage_unchanged); "
        "default-pipeline stage ids are shown with their labels; sourceType tells automation "
        "(AUTOMATION_PLATFORM, WORKFLOWS, IMPORT...) from a person (CRM_UI)"
    )


# ---------------------------------------------------------------------------------------- JSON


def _flatten(obj: Mapping[str, Any], prefix: str, out: dict[str, str | None]) -> None:
    """Nested objects become dotted names (sentBy.id); lists are kept as JSON text."""
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, name + ".", out)
        elif isinstance(value, dict | list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
            out[name] = str(int(value))  # 1709632800123.0 -> the epoch ms it stands for
        elif value is None:
            out[name] = None
        else:
            out[name] = str(value)


def _json_records(
    text: str, path: Path
) -> tuple[list[tuple[int, Mapping[str, Any]]], list[tuple[int, str, str]]]:
    """(position, object) for each record, and (position, text, error) for the unusable ones.

    Accepts ``{"events": [...]}`` (the API's page; "results" too), a plain list, or JSON lines
    (position = line number).
    """
    records: list[tuple[int, Mapping[str, Any]]] = []
    bad: list[tuple[int, str, str]] = []
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        first = next((line for line in lines if line.strip()), "")
        try:
            json.loads(first)
        except json.JSONDecodeError:
            raise EventLogError(f"{path}: not valid JSON: {exc}") from exc
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as line_exc:
                bad.append((number, line[:500], f"not valid JSON: {line_exc.msg}"))
                continue
            if isinstance(item, dict):
                records.append((number, item))
            else:
                bad.append((number, line[:500], "not a JSON object"))
        return records, bad
    if isinstance(doc, dict):
        items = next((doc[k] for k in ("events", "results") if isinstance(doc.get(k), list)), [doc])
    elif isinstance(doc, list):
        items = doc
    else:
        raise EventLogError(f"{path}: expected a JSON object or list of events")
    for number, item in enumerate(items, 1):
        if isinstance(item, dict):
            records.append((number, item))
        else:
            bad.append((number, json.dumps(item)[:500], "not a JSON object"))
    return records, bad


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, encoding: str | None) -> RawSource:
    """Load JSON events as text columns (nested names dotted), numbered by position."""
    encoding = encoding or detect_encoding(path)
    text = safe_xml.read_bounded(path).decode("utf-8-sig" if encoding == "utf-8" else encoding)
    records, bad = _json_records(text, path)
    if not records:
        raise EventLogError(f"{path}: no events found in the JSON file")
    rows: list[dict[str, str | None]] = []
    for _, obj in records:
        flat: dict[str, str | None] = {}
        _flatten(obj, "", flat)
        rows.append(flat)
    names: dict[str, str] = {}  # key in the JSON -> column name (unique without case)
    lowered: set[str] = set()
    for row in rows:
        for key in row:
            if key not in names:
                name, n = key.lstrip("_") or "field", 1
                base = name
                while name.lower() in lowered:
                    n += 1
                    name = f"{base} ({n})"
                names[key] = name
                lowered.add(name.lower())
    table = pa.table(
        {
            **{name: pa.array([r.get(k) for r in rows], pa.string()) for k, name in names.items()},
            ROW: pa.array([n for n, _ in records], pa.int64()),
        }
    )
    con.register("__crm_json", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_IN} AS SELECT * FROM __crm_json")
    con.unregister("__crm_json")
    source = RawSource(path=path, format=HS_EMAIL, rows_read=len(records) + len(bad), table=_IN)
    if bad:
        malformed = pa.table(
            {
                "source_row": pa.array([n for n, _, _ in bad], pa.int64()),
                "value": pa.array([t for _, t, _ in bad], pa.string()),
                "detail": pa.array([e for _, _, e in bad], pa.string()),
            }
        )
        con.register("__crm_bad", malformed)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {MALFORMED} AS SELECT * FROM __crm_bad")
        con.unregister("__crm_bad")
        source.malformed = MALFORMED
    if encoding != "utf-8":
        source.notes.append(f"read as {encoding}")
    return source
