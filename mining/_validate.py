"""Validation with quarantine: raw table -> canonical ``events`` + ``quarantine`` tables.

A row that cannot be used is kept aside with its source row number and a reason, never dropped:
``accepted + quarantined == rows read`` always holds. Accepted events are sorted by case, timestamp
and source order (``event_idx``) so no result depends on the order of the input file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from mining._mapping import ColumnMapping, resolve_mapping
from mining._sources import EXCLUDE, ROW, RawSource
from mining._sql import fetch_one, ident, literal
from mining._timestamps import TimestampOptions, check_timezone, timestamp_sql
from mining.exceptions import EventLogError

EVENTS = "events"
QUARANTINE = "quarantine"
RESERVED = ("case_id", "activity", "timestamp", "resource", "start_timestamp", "event_idx")
QUARANTINE_META = ("source_row", "reason", "column", "value", "message")

# Reason id -> plain explanation. Formats add their own reasons (bots, unchanged stages...).
REASONS: dict[str, str] = {
    "missing_case_id": "no case id",
    "missing_activity": "empty activity",
    "missing_timestamp": "no timestamp",
    "bad_timestamp": "cannot be read as a timestamp",
    "bad_start_timestamp": "cannot be read as a start timestamp",
    "duplicate_event": "exact duplicate of an earlier event",
    "malformed_row": "the line does not fit the file's columns",
}

Duplicates = Literal["quarantine", "keep"]


@dataclass
class BuildResult:
    """What validation decided: the mapping used, how times were read, notes for the user."""

    mapping: ColumnMapping
    timestamp_parsing: str
    notes: list[str] = field(default_factory=list)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()]


def _text(column: str) -> str:
    return f"NULLIF(trim(CAST({ident(column)} AS VARCHAR)), '')"


def build_tables(
    con: duckdb.DuckDBPyConnection,
    raw: RawSource,
    *,
    mapping: Mapping[str, str] | None,
    timestamps: TimestampOptions,
    duplicates: Duplicates = "quarantine",
) -> BuildResult:
    """Create ``events`` and ``quarantine`` tables in ``con`` from the raw table of ``raw``."""
    source = str(raw.path)
    raw_columns = _columns(con, raw.table)
    names = [name for name, _ in raw_columns if name not in (ROW, EXCLUDE)]
    has_exclude = any(name == EXCLUDE for name, _ in raw_columns)
    chosen = resolve_mapping(names, {**raw.preset, **(mapping or {})}, source=source)
    check_timezone(con, timestamps.timezone)
    notes = list(raw.notes)

    mapped = set(chosen.as_dict().values())
    taken = {r.lower() for r in RESERVED}
    attributes: list[tuple[str, str]] = []  # (source column, output name)
    for name in names:
        if name in mapped:
            continue
        out = name
        while out.lower() in taken:
            out = "src_" + out
        if out != name:
            notes.append(f"column {name!r} renamed to {out!r} (its name is a canonical column's)")
        taken.add(out.lower())
        attributes.append((name, out))

    ts_sql, how = timestamp_sql(con, raw.table, chosen.timestamp, timestamps)
    select = [
        f"{ROW} AS source_row",
        f"{ident(EXCLUDE) if has_exclude else 'CAST(NULL AS VARCHAR)'} AS __exclude",
        f"{_text(chosen.case_id)} AS case_id",
        f"{_text(chosen.activity)} AS activity",
        f"{ts_sql} AS timestamp",
        f"{_text(chosen.timestamp)} AS __ts_text",
    ]
    canonical_out = ["case_id", "activity", "timestamp"]
    if chosen.resource:
        select.append(f"{_text(chosen.resource)} AS resource")
        canonical_out.append("resource")
    if chosen.start_timestamp:
        start_sql, _ = timestamp_sql(con, raw.table, chosen.start_timestamp, timestamps)
        select += [
            f"{start_sql} AS start_timestamp",
            f"{_text(chosen.start_timestamp)} AS __st_text",
        ]
        canonical_out.append("start_timestamp")
    select += [f"{ident(src)} AS {ident(out)}" for src, out in attributes]

    con.execute(f"SET TimeZone = {literal(timestamps.timezone)}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __parsed AS SELECT {', '.join(select)} "
            f"FROM {ident(raw.table)}"
        )
        _check_any_timestamp(con, raw, chosen.timestamp, how)
        _check_rows(con, chosen, canonical_out, attributes, duplicates)
        con.execute(
            f"CREATE OR REPLACE TABLE {EVENTS} AS SELECT "
            f"{', '.join(ident(c) for c in canonical_out)}, source_row AS event_idx"
            + "".join(f", {ident(out)}" for _, out in attributes)
            + " FROM __checked WHERE reason IS NULL ORDER BY case_id, timestamp, event_idx"
        )
        _type_attributes(con, [out for _, out in attributes], notes)
    finally:
        con.execute("SET TimeZone = 'UTC'")
    _build_quarantine(con, raw, chosen, names, how)
    con.execute("DROP TABLE IF EXISTS __parsed")
    con.execute("DROP TABLE IF EXISTS __checked")
    return BuildResult(mapping=chosen, timestamp_parsing=how, notes=notes)


def _check_any_timestamp(
    con: duckdb.DuckDBPyConnection, raw: RawSource, column: str, how: str
) -> None:
    n_text, n_ok, example = fetch_one(
        con,
        "SELECT count(__ts_text), count(timestamp), "
        "any_value(__ts_text) FILTER (WHERE timestamp IS NULL AND __ts_text IS NOT NULL) "
        "FROM __parsed",
    )
    if n_text and not n_ok:
        hint = (
            " If the dates are day-first (31/12/2024), pass --dayfirst; otherwise give the "
            "format with --timestamp-format (strptime codes, e.g. '%m/%d/%Y %H:%M')."
        )
        raise EventLogError(
            f"{raw.path}: no value of the timestamp column {column!r} could be read "
            f"(tried {how}); for example {example!r}.{hint}"
        )


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    chosen: ColumnMapping,
    canonical_out: list[str],
    attributes: list[tuple[str, str]],
    duplicates: Duplicates,
) -> None:
    cases = [
        "WHEN __exclude IS NOT NULL THEN __exclude",
        "WHEN case_id IS NULL THEN 'missing_case_id'",
        "WHEN activity IS NULL THEN 'missing_activity'",
        "WHEN __ts_text IS NULL THEN 'missing_timestamp'",
        "WHEN timestamp IS NULL THEN 'bad_timestamp'",
    ]
    if chosen.start_timestamp:
        cases.append(
            "WHEN __st_text IS NOT NULL AND start_timestamp IS NULL THEN 'bad_start_timestamp'"
        )
    extra = ""
    if duplicates == "quarantine":
        key = ", ".join(ident(c) for c in canonical_out + [out for _, out in attributes])
        extra = (
            f", first_value(source_row) OVER (PARTITION BY {key} ORDER BY source_row) "
            "AS __first_row"
        )
        cases.append("WHEN __first_row <> source_row THEN 'duplicate_event'")
    elif duplicates != "keep":
        raise EventLogError(f"duplicates must be 'quarantine' or 'keep', not {duplicates!r}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __checked AS SELECT *, "
        f"CASE {' '.join(cases)} END AS reason FROM (SELECT *{extra} FROM __parsed)"
    )


def _type_attributes(con: duckdb.DuckDBPyConnection, columns: list[str], notes: list[str]) -> None:
    """Give text attributes a numeric, boolean or timestamp type when every value fits it."""
    text_columns = [
        name for name, dtype in _columns(con, EVENTS) if name in columns and dtype == "VARCHAR"
    ]
    if not text_columns:
        return
    probes = []
    for c in text_columns:
        col = ident(c)
        probes += [
            f"count({col})",
            f"count(*) FILTER (WHERE regexp_matches({col}, '^\\s*[-+]?0[0-9]'))",
            f"count(TRY_CAST({col} AS BIGINT))",
            f"count(TRY_CAST({col} AS DOUBLE))",
            f"count(TRY_CAST({col} AS BOOLEAN))",
            f"count(*) FILTER (WHERE regexp_matches({col}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}'))",
            f"count(TRY_CAST({col} AS TIMESTAMPTZ))",
        ]
    counts = fetch_one(con, f"SELECT {', '.join(probes)} FROM {EVENTS}")
    for i, c in enumerate(text_columns):
        n, leading_zero, n_int, n_float, n_bool, n_date_like, n_ts = counts[i * 7 : i * 7 + 7]
        if not n:
            continue
        if n_int == n and not leading_zero:
            target = "BIGINT"
        elif n_float == n and not leading_zero:
            target = "DOUBLE"
        elif n_bool == n:
            target = "BOOLEAN"
        elif n_ts == n and n_date_like == n:
            target = "TIMESTAMPTZ"
        else:
            continue
        con.execute(
            f"ALTER TABLE {EVENTS} ALTER COLUMN {ident(c)} SET DATA TYPE {target} "
            f"USING TRY_CAST({ident(c)} AS {target})"
        )


def _build_quarantine(
    con: duckdb.DuckDBPyConnection,
    raw: RawSource,
    chosen: ColumnMapping,
    names: list[str],
    how: str,
) -> None:
    column_of = {
        "missing_case_id": chosen.case_id,
        "missing_activity": chosen.activity,
        "missing_timestamp": chosen.timestamp,
        "bad_timestamp": chosen.timestamp,
        "bad_start_timestamp": chosen.start_timestamp,
    }
    column_case = " ".join(
        f"WHEN {literal(k)} THEN {literal(v)}" for k, v in column_of.items() if v
    )
    text_case = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in REASONS.items())
    value_case = "WHEN 'bad_timestamp' THEN c.__ts_text" + (
        " WHEN 'bad_start_timestamp' THEN c.__st_text" if chosen.start_timestamp else ""
    )
    dup_detail = (
        "WHEN c.reason = 'duplicate_event' THEN ' (same values as "
        f"{raw.row_label} ' || c.__first_row || ')' "
        if "__first_row" in {n for n, _ in _columns(con, "__checked")}
        else ""
    )
    bad_ts_detail = f"WHEN c.reason LIKE 'bad_%timestamp' THEN {literal(f' (read as {how})')} "
    column_expr = f"CASE c.reason {column_case} ELSE NULL END"
    prefix = f"{literal(str(raw.path))} || ', {raw.row_label} ' || c.source_row"
    message = (
        f"{prefix} || coalesce(', column ''' || {column_expr} || '''', '') || ': ' || "
        f"coalesce(CASE c.reason {text_case} END, c.reason) || "
        f"coalesce(CASE {dup_detail}{bad_ts_detail}END, '')"
    )
    meta = set(QUARANTINE_META)
    raw_select = []
    for name in names:
        out = name
        while out in meta:
            out = out + " (source)"
        raw_select.append(f"CAST(r.{ident(name)} AS VARCHAR) AS {ident(out)}")
    con.execute(
        f"CREATE OR REPLACE TABLE {QUARANTINE} AS "
        "SELECT c.source_row, c.reason, "
        f"{column_expr} AS {ident('column')}, "
        f"CASE c.reason {value_case} ELSE NULL END AS value, "
        f"{message} AS message"
        + "".join(", " + s for s in raw_select)
        + f" FROM __checked c JOIN {ident(raw.table)} r ON r.{ROW} = c.source_row "
        "WHERE c.reason IS NOT NULL ORDER BY c.source_row"
    )
    if raw.malformed:
        con.execute(
            f"INSERT INTO {QUARANTINE} BY NAME SELECT source_row, 'malformed_row' AS reason, "
            f"value, {literal(str(raw.path))} || ', {raw.row_label} ' || source_row || "
            "': the line does not fit the file''s columns: ' || detail AS message "
            f"FROM {raw.malformed}"
        )
