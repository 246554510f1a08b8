"""CRM and marketing-automation exports read as event logs: Salesforce, HubSpot and Mautic.

Each format is a known export with known pitfalls. Its reader loads the file as it is (CSV through
``read_csv``; HubSpot JSON flattened to dotted text columns), then applies the platform's own rules
and hands validation a raw table: derived columns (a case id text, a stage label, one event per
email-stats date), ``__exclude`` reasons for rows that are not events (stage unchanged, deleted
record, bot event, scheduled but not run...) and the preset mapping. Timestamps stay as written
(text, or epoch milliseconds for HubSpot); validation parses them. docs/crm-formats.md explains each
format to users.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mining import _xml
from mining._sources import EXCLUDE, MALFORMED, RAW, ROW, RawSource, detect_encoding, read_csv
from mining._sql import fetch_one, ident, literal
from mining._validate import REASONS
from mining.exceptions import EventLogError

SF_HISTORY = "salesforce-opportunity-history"
SF_FIELD_HISTORY = "salesforce-opportunity-field-history"
HS_EMAIL = "hubspot-email-events"
HS_DEAL = "hubspot-deal-stage-history"
MAUTIC_CAMPAIGN = "mautic-campaign-events"
MAUTIC_EMAIL = "mautic-email-stats"
FORMATS: tuple[str, ...] = (
    SF_HISTORY,
    SF_FIELD_HISTORY,
    HS_EMAIL,
    HS_DEAL,
    MAUTIC_CAMPAIGN,
    MAUTIC_EMAIL,
)

_FORMAT_REASONS = {
    "stage_unchanged": "the stage did not change since the previous row of this record "
    "(the row records a change of another field)",
    "deleted_record": "the record is deleted in the source (IsDeleted = true)",
    "not_stage_change": "a change of another field, not of the stage",
    "filtered_event": "HubSpot marked this event as filtered (bot, security scanner or "
    "privacy pre-fetch)",
    "scheduled_not_run": "scheduled in the campaign but not run yet (is_scheduled = 1)",
}
for _reason, _text_of_reason in _FORMAT_REASONS.items():
    REASONS.setdefault(_reason, _text_of_reason)

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

_IN = "__crm_in"  # the export as loaded, before the format's rules
_SEQ = "__crm_seq"  # per row: whether the stage is the same as the record's previous stage
_SNIFF_BYTES = 1 << 16
# Epoch milliseconds a CRM can hold: 1973-03-03 .. 5138-11-16. Outside it a number is not ms.
_MS_MIN, _MS_MAX = 100_000_000_000, 99_999_999_999_999

# Distinctive header columns (compared after _key) -> format. The first match wins.
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    (SF_FIELD_HISTORY, frozenset({"opportunityid", "field", "oldvalue", "newvalue"})),
    (SF_HISTORY, frozenset({"opportunityid", "stagename", "createddate", "probability"})),
    (HS_DEAL, frozenset({"dealid", "property", "value"})),
    (MAUTIC_CAMPAIGN, frozenset({"leadid", "campaignid", "rotation", "datetriggered"})),
    (MAUTIC_EMAIL, frozenset({"emailid", "leadid", "datesent", "isread"})),
)
_HS_EMAIL_BASE = frozenset({"type", "created"})
_HS_EMAIL_ANY = frozenset({"emailcampaignid", "sentby", "sentbyid", "filteredevent"})
_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.){1,80})"\s*:')


def _key(name: str) -> str:
    """A column name compared loosely: 'sentBy.id', 'SENTBY_ID' and 'sentbyid' are the same."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


# --------------------------------------------------------------------------------------- sniff


def _head(path: Path) -> str:
    """The first few KB of a (possibly gzipped) text file, decoded leniently."""
    with _xml.open_maybe_gzip(path) as handle:
        raw = handle.read(_SNIFF_BYTES)
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return raw.decode("utf-16", errors="ignore")
    return raw.decode("utf-8-sig", errors="replace")


def _header_keys(text: str) -> set[str]:
    line = text.splitlines()[0] if text else ""
    delimiter = max(",;\t|", key=line.count)
    return {_key(name) for name in next(csv.reader([line], delimiter=delimiter), [])}


def _is_hubspot_email(keys: set[str]) -> bool:
    return keys >= _HS_EMAIL_BASE and bool(_HS_EMAIL_ANY & keys)


def sniff(path: Path) -> str | None:
    """The CRM format a file's header (or a JSON file's first keys) reveals, or None.

    Only the first 64 KB are read. Generic event logs give None.

    Example:
        >>> sniff(Path("OpportunityHistory.csv"))          # doctest: +SKIP
        'salesforce-opportunity-history'
    """
    try:
        text = _head(Path(path))
    except (OSError, EOFError):
        return None
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        keys = {_key(k) for k in _JSON_KEY.findall(stripped)}
        return HS_EMAIL if _is_hubspot_email(keys) else None
    keys = _header_keys(stripped)
    for fmt, needed in _SIGNATURES:
        if keys >= needed:
            return fmt
    return HS_EMAIL if _is_hubspot_email(keys) else None


# -------------------------------------------------------------------------------- SQL helpers


def _text(column: str | None) -> str:
    """Trimmed text of a column, NULL when empty (NULL when the column is absent)."""
    if column is None:
        return "CAST(NULL AS VARCHAR)"
    return f"NULLIF(trim(CAST({ident(column)} AS VARCHAR)), '')"


def _flag(column: str | None) -> str:
    """Whether a yes/no column says yes: 1, true, t, yes, y (any case). False when absent."""
    if column is None:
        return "false"
    return f"coalesce(lower({_text(column)}) IN ('1', 'true', 't', 'yes', 'y'), false)"


def _epoch_ms(column: str) -> str:
    """Epoch milliseconds (BIGINT) of a column holding epoch ms or ISO 8601 text; NULL otherwise.

    ISO text without offset is read in the connection's zone (UTC while reading).
    """
    text = _text(column)
    value = (
        f"(CASE WHEN regexp_full_match({text}, '-?[0-9]{{1,18}}') THEN TRY_CAST({text} AS BIGINT) "
        f"ELSE epoch_ms(TRY_CAST({text} AS TIMESTAMPTZ)) END)"
    )
    return f"(CASE WHEN {value} BETWEEN {_MS_MIN} AND {_MS_MAX} THEN {value} END)"


class _Columns:
    """The loaded export's columns, found by loose name, plus fresh names for derived columns."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> None:
        self.names = [r[0] for r in con.execute(f"DESCRIBE {ident(_IN)}").fetchall()]
        self.names = [n for n in self.names if n not in (ROW, EXCLUDE)]
        self._path = path
        self._fmt = fmt
        self._taken = {n.lower() for n in self.names}
        self._by_key: dict[str, str] = {}
        for name in self.names:
            self._by_key.setdefault(_key(name), name)

    def get(self, *candidates: str) -> str | None:
        for candidate in candidates:
            found = self._by_key.get(_key(candidate))
            if found is not None:
                return found
        return None

    def need(self, *candidates: str) -> str:
        found = self.get(*candidates)
        if found is None:
            raise EventLogError(
                f"{self._path}: a {self._fmt} export needs a column {candidates[0]!r}; "
                f"found columns: {', '.join(map(repr, self.names))}"
            )
        return found

    def fresh(self, name: str) -> str:
        """``name``, or ``name_2``... if the export already has such a column."""
        out, n = name, 1
        while out.lower() in self._taken:
            n += 1
            out = f"{name}_{n}"
        self._taken.add(out.lower())
        return out


def _write_raw(
    con: duckdb.DuckDBPyConnection,
    columns: Mapping[str, str],
    excludes: list[tuple[str, str]],
    *,
    with_sequence: bool = False,
) -> None:
    """Create the raw table: ``columns`` (name -> SQL over alias s), ``__row``, ``__exclude``.

    ``excludes`` are (condition, reason id) pairs, the first true one wins.
    """
    select = [f"{expr} AS {ident(name)}" for name, expr in columns.items()]
    select.append(f"s.{ROW}")
    if excludes:
        cases = " ".join(f"WHEN {cond} THEN {literal(reason)}" for cond, reason in excludes)
        select.append(f"CASE {cases} END AS {EXCLUDE}")
    join = f" LEFT JOIN {_SEQ} q ON q.{ROW} = s.{ROW}" if with_sequence else ""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT {', '.join(select)} "
        f"FROM {ident(_IN)} s{join} ORDER BY s.{ROW}"
    )


def _source_columns(cols: _Columns) -> dict[str, str]:
    return {name: f"s.{ident(name)}" for name in cols.names}


def _stage_sequence(
    con: duckdb.DuckDBPyConnection,
    cols: _Columns,
    *,
    record: str,
    stage: str,
    time: str,
    eligible: str,
) -> str:
    """Mark the rows whose stage equals the previous stage of the same record.

    Rows are ordered by time, then source order. Only eligible rows with a record, a stage and a
    readable time take part; a row that repeats an earlier row exactly does not either (validation
    reports it as a duplicate). If no time is readable at all (an unusual date format), source order
    alone is used. Returns the SQL condition (over alias q) for "stage unchanged".
    """
    order = _epoch_ms(time)
    any_time = fetch_one(con, f"SELECT count({order}) FROM {ident(_IN)}")[0] > 0
    every = ", ".join(ident(n) for n in cols.names)
    takes_part = [eligible, f"{_text(record)} IS NOT NULL", f"{_text(stage)} IS NOT NULL"]
    takes_part.append("NOT __repeat")
    if any_time:
        takes_part.append(f"{order} IS NOT NULL")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_SEQ} AS "
        f"WITH marked AS (SELECT *, row_number() OVER (PARTITION BY {every} ORDER BY {ROW}) > 1 "
        f"AS __repeat FROM {ident(_IN)}) "
        f"SELECT {ROW}, {_text(stage)} IS NOT DISTINCT FROM lag({_text(stage)}) OVER "
        f"(PARTITION BY {_text(record)} ORDER BY {order if any_time else 'NULL'}, {ROW}) "
        f"AS __unchanged FROM marked WHERE {' AND '.join(takes_part)}"
    )
    return "coalesce(q.__unchanged, false)"


def _normalise_epoch(
    con: duckdb.DuckDBPyConnection, cols: _Columns, columns: dict[str, str], column: str
) -> str | None:
    """Make an epoch-milliseconds column a BIGINT of epoch ms; returns the 'unreadable' condition.

    When some value is an integer in the epoch-ms range, the column is epoch ms: integers are kept,
    ISO 8601 text is converted to ms, and anything else (1.70964E+12 from a spreadsheet, 'N/A',
    epoch seconds) becomes NULL and is set aside as ``bad_timestamp``, its text kept in a column
    '<name> (as written)'. This keeps validation reading the column as epoch milliseconds, which a
    single text value would otherwise defeat. A column of ISO text is left as it is.
    """
    text = _text(column)
    ms = _epoch_ms(column)
    n_ms, n_bad = fetch_one(
        con,
        f"SELECT count(*) FILTER (WHERE regexp_full_match({text}, '-?[0-9]{{1,18}}') "
        f"AND {ms} IS NOT NULL), count(*) FILTER (WHERE {text} IS NOT NULL AND {ms} IS NULL) "
        f"FROM {ident(_IN)}",
    )
    if not n_ms:
        return None
    bad = f"({text} IS NOT NULL AND {ms} IS NULL)"
    columns[column] = ms
    if n_bad:
        columns[cols.fresh(f"{column} (as written)")] = f"CASE WHEN {bad} THEN {text} END"
    return bad


# ---------------------------------------------------------------------------------- Salesforce


def _salesforce_history(con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource) -> None:
    opportunity = cols.need("OpportunityId")
    stage = cols.need("StageName")
    created = cols.need("CreatedDate")
    deleted = _flag(cols.get("IsDeleted"))
    unchanged = _stage_sequence(
        con, cols, record=opportunity, stage=stage, time=created, eligible=f"NOT {deleted}"
    )
    _write_raw(
        con,
        _source_columns(cols),
        [(deleted, "deleted_record"), (unchanged, "stage_unchanged")],
        with_sequence=True,
    )
    raw.preset = {"case_id": opportunity, "activity": stage, "timestamp": created}
    if cols.get("CreatedById"):
        raw.preset["resource"] = cols.need("CreatedById")
    raw.notes.append(
        "Salesforce OpportunityHistory: one case per opportunity; a row whose stage equals the "
        "opportunity's previous stage (it records an amount, probability or close-date change) is "
        "set aside as stage_unchanged"
    )


def _salesforce_field_history(
    con: duckdb.DuckDBPyConnection, cols: _Columns, raw: RawSource
) -> None:
    opportunity = cols.need("OpportunityId")
    field = cols.need("Field")
    new_value = cols.need("NewValue")
    created = cols.need("CreatedDate")
    deleted = _flag(cols.get("IsDeleted"))
    is_stage = f"coalesce(lower({_text(field)}) = 'stagename', false)"
    _write_raw(
        con,
        _source_columns(cols),
        [(deleted, "deleted_record"), (f"NOT {is_stage}", "not_stage_change")],
    )
    raw.preset = {"case_id": opportunity, "activity": new_value, "timestamp": created}
    if cols.get("CreatedById"):
        raw.preset["resource"] = cols.need("CreatedById")
    raw.notes.append(
        "Salesforce OpportunityFieldHistory: one case per opportunity; only StageName rows are "
        "events (activity = NewValue), other tracked fields are set aside as not_stage_change"
    )


# ------------------------------------------------------------------------------------- HubSpot


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


# -------------------------------------------------------------------------------------- Mautic


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
    raw.notes += [
        "Mautic email_stats: one case per contact (lead_id; email_id is an attribute); each "
        "source row gives 'Email sent' (date_sent), 'Email read' (date_read, when is_read = 1) "
        "and 'Email failed' (at date_sent, when is_failed = 1)",
        "rows are numbered source row * 10 + kind (1 sent, 2 read, 3 failed; 0 a malformed "
        "line): row*10+kind 42 is the 'Email read' of CSV row 4; rows read counts these events",
        "date_sent and date_read have no zone: Mautic writes UTC in its database",
    ]


# ---------------------------------------------------------------------------------------- JSON


def _looks_like_json(path: Path) -> bool:
    try:
        return _head(path).lstrip()[:1] in ("[", "{")
    except (OSError, EOFError):
        return False


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
    with _xml.open_maybe_gzip(path) as handle:
        text = handle.read().decode("utf-8-sig" if encoding == "utf-8" else encoding)
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


# ---------------------------------------------------------------------------------------- read


def read(
    fmt: str,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    stage_labels: Mapping[str, str] | None = None,
) -> RawSource:
    """Load a CRM export as a raw table with its preset mapping and exclusion reasons.

    ``stage_labels`` maps HubSpot deal stage ids to labels (added to the default pipeline's).

    Example:
        >>> raw = read("mautic-email-stats", con, Path("email_stats.csv"))  # doctest: +SKIP
        >>> raw.preset["case_id"]                                          # doctest: +SKIP
        'lead_id'
    """
    if fmt not in FORMATS:
        raise EventLogError(f"{path}: unknown CRM format {fmt!r}; expected one of {FORMATS}")
    path = Path(path)
    if fmt == HS_EMAIL and _looks_like_json(path):
        raw = _read_json(con, path, encoding)
    else:
        raw = read_csv(con, path, delimiter=delimiter, encoding=encoding, table=_IN)
    cols = _Columns(con, path, fmt)
    if fmt == SF_HISTORY:
        _salesforce_history(con, cols, raw)
    elif fmt == SF_FIELD_HISTORY:
        _salesforce_field_history(con, cols, raw)
    elif fmt == HS_EMAIL:
        _hubspot_email(con, cols, raw)
    elif fmt == HS_DEAL:
        _hubspot_deal(con, cols, raw, stage_labels)
    elif fmt == MAUTIC_CAMPAIGN:
        _mautic_campaign(con, cols, raw)
    else:
        _mautic_email(con, cols, raw)
    raw.format = fmt
    raw.table = RAW
    return raw
