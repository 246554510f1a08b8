"""Validation with quarantine: raw table -> canonical ``events`` + ``quarantine`` tables.

A row that cannot be used is kept aside with its source row number and a reason, never dropped:
``accepted + quarantined == rows read`` always holds. Every scan and ``EventLog.to_pandas`` order
events by case, timestamp and source order (``event_idx``), so no result depends on the order of
the input file; the table itself is stored as it came (sorting it would cost a full pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import duckdb

from mining._mapping import ColumnMapping, resolve_mapping
from mining._sources import EXCLUDE, ROW, RawSource, user_name
from mining._sql import fetch_one, ident, literal
from mining._timestamps import TimestampOptions, check_timezone, timestamp_sql
from mining.exceptions import EventLogError

EVENTS = "events"
QUARANTINE = "quarantine"
RESERVED = ("case_id", "activity", "timestamp", "resource", "start_timestamp", "event_idx")
QUARANTINE_META = ("source_row", "reason", "column", "value", "message")
# the columns the row checks add beside the user's: a user column of one of these names is
# renamed (src_...) so it can neither be overwritten nor taken for the check's own
INTERNAL = ("source_row", "reason", "__exclude", "__first_row", "__ts_text", "__st_text")

# Reason id -> plain explanation. Formats add their own reasons (bots, unchanged stages...).
REASONS: dict[str, str] = {
    "missing_case_id": "no case id",
    "missing_activity": "empty activity",
    "missing_timestamp": "no timestamp",
    "bad_timestamp": "cannot be read as a timestamp",
    "bad_start_timestamp": "cannot be read as a start timestamp",
    "implausible_timestamp": "a timestamp outside the years 1900-2199 (a typo or a unit slip?)",
    "implausible_start_timestamp": "a start timestamp outside the years 1900-2199",
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
    taken = {r.lower() for r in RESERVED} | set(INTERNAL)
    attributes: list[tuple[str, str]] = []  # (source column, output name)
    for name in names:
        if name in mapped:
            continue
        out = user_name(name, taken)
        if out != name:
            notes.append(
                f"column {name!r} renamed to {out!r} (its name is a canonical column's or one "
                "Mejora uses while checking rows)"
            )
        taken.add(out.lower())
        attributes.append((name, out))

    ts_sql, how = timestamp_sql(con, raw.table, chosen.timestamp, timestamps)
    select = [
        f"r.{ROW} AS source_row",
        f"{'r.' + ident(EXCLUDE) if has_exclude else 'CAST(NULL AS VARCHAR)'} AS __exclude",
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
    select += [f"r.{ident(src)} AS {ident(out)}" for src, out in attributes]
    joins = ""
    if duplicates == "quarantine":
        _find_duplicates(con, raw.table, names)
        joins = f" LEFT JOIN __dups d ON d.{ROW} = r.{ROW}"
        select.append("d.__first_row")
    elif duplicates == "keep":
        select.append("CAST(NULL AS BIGINT) AS __first_row")
    else:
        raise EventLogError(f"duplicates must be 'quarantine' or 'keep', not {duplicates!r}")

    con.execute(f"SET TimeZone = {literal(timestamps.timezone)}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __checked AS SELECT *, {_reason_sql(chosen)} AS reason "
            f"FROM (SELECT {', '.join(select)} FROM {ident(raw.table)} r{joins})"
        )
        _check_any_timestamp(con, raw, chosen.timestamp, how)
        canonical_sql = [ident(c) for c in canonical_out]
        canonical_sql[1] = f"CAST(activity AS {_activity_type(con)}) AS activity"
        con.execute(
            f"CREATE OR REPLACE TABLE {EVENTS} AS SELECT "
            f"{', '.join(canonical_sql)}, source_row AS event_idx"
            + "".join(f", {ident(out)}" for _, out in attributes)
            + " FROM __checked WHERE reason IS NULL"
        )
        _type_attributes(con, [out for _, out in attributes])
    finally:
        con.execute("SET TimeZone = 'UTC'")
    _build_quarantine(con, raw, chosen, names, how)
    return BuildResult(mapping=chosen, timestamp_parsing=how, notes=notes)


def _check_any_timestamp(
    con: duckdb.DuckDBPyConnection, raw: RawSource, column: str, how: str
) -> None:
    n_text, n_ok, example = fetch_one(
        con,
        "SELECT count(__ts_text), count(timestamp), "
        "any_value(__ts_text) FILTER (WHERE timestamp IS NULL AND __ts_text IS NOT NULL) "
        "FROM __checked",
    )
    if n_text and not n_ok:
        hint = (
            " Numeric dates whose order no value shows (all numbers <= 12) are not guessed: if "
            "they are day-first (31/12/2024), pass --dayfirst; otherwise give the format with "
            "--timestamp-format (strptime codes, e.g. '%m/%d/%Y %I:%M %p')."
        )
        raise EventLogError(
            f"{raw.path}: no value of the timestamp column {column!r} could be read "
            f"(tried {how}); for example {example!r}.{hint}"
        )


_MAX_ENUM = 50_000


def _activity_type(con: duckdb.DuckDBPyConnection) -> str:
    """An ENUM of the activities (sorted), or VARCHAR when there are very many.

    Activities are few and repeated millions of times; as an ENUM they are small integers, which
    makes every sort and grouping on them (directly-follows, variants) markedly faster.
    """
    names = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT activity FROM __checked WHERE reason IS NULL "
            f"ORDER BY activity LIMIT {_MAX_ENUM + 1}"
        ).fetchall()
    ]
    if not names or len(names) > _MAX_ENUM:
        return "VARCHAR"
    return "ENUM(" + ", ".join(literal(n) for n in names) + ")"


def _find_duplicates(con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> None:
    """``__dups``: rows identical in every source column to an earlier row, with that row.

    Rows are first grouped by a hash of their values (cheap), and only rows whose hash repeats are
    compared column by column.
    """
    columns = ", ".join(f"r.{ident(n)}" for n in names)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __dups AS "
        f"WITH hashed AS (SELECT r.{ROW}, hash({columns}) AS h FROM {ident(table)} r), "
        "repeated AS (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1), "
        f"candidates AS (SELECT r.* FROM {ident(table)} r "
        f"SEMI JOIN (SELECT {ROW} FROM hashed SEMI JOIN repeated USING (h)) c USING ({ROW})) "
        f"SELECT * FROM (SELECT r.{ROW}, first_value(r.{ROW}) OVER "
        f"(PARTITION BY {columns} ORDER BY r.{ROW}) AS __first_row FROM candidates r) "
        f"WHERE __first_row <> {ROW}"
    )


PLAUSIBLE_YEARS = (1900, 2199)  # a CRM or marketing event outside these is a typo or a unit slip


def _plausible(column: str) -> str:
    low, high = PLAUSIBLE_YEARS
    return f"year({column}) BETWEEN {low} AND {high}"


def _reason_sql(chosen: ColumnMapping) -> str:
    cases = [
        "WHEN __exclude IS NOT NULL THEN __exclude",
        "WHEN case_id IS NULL THEN 'missing_case_id'",
        "WHEN activity IS NULL THEN 'missing_activity'",
        "WHEN __ts_text IS NULL THEN 'missing_timestamp'",
        "WHEN timestamp IS NULL THEN 'bad_timestamp'",
        f"WHEN NOT ({_plausible('timestamp')}) THEN 'implausible_timestamp'",
    ]
    if chosen.start_timestamp:
        cases.append(
            "WHEN __st_text IS NOT NULL AND start_timestamp IS NULL THEN 'bad_start_timestamp'"
        )
        cases.append(
            f"WHEN start_timestamp IS NOT NULL AND NOT ({_plausible('start_timestamp')}) "
            "THEN 'implausible_start_timestamp'"
        )
    cases.append("WHEN __first_row IS NOT NULL THEN 'duplicate_event'")
    return f"CASE {' '.join(cases)} END"


# Text that fits a type entirely: {} is the column. Leading zeros (zip codes, ids) stay text.
_FITS = {
    "BIGINT": r"regexp_full_match({}, '\s*[-+]?(0|[1-9][0-9]{{0,17}})\s*')",
    # at most 15 significant digits, which a double keeps exactly: a 19-digit id stays text
    "DOUBLE": (
        r"(regexp_full_match({}, "
        r"'\s*[-+]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*') "
        r"AND length(regexp_replace(regexp_replace({}, '[eE].*$', ''), '[^0-9]', '', 'g')) <= 15)"
    ),
    "BOOLEAN": "lower(trim({})) IN ('true', 'false')",
    "TIMESTAMPTZ": (
        r"regexp_matches({}, '^\s*[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
        " AND TRY_CAST({} AS TIMESTAMPTZ) IS NOT NULL"
    ),
}
_SAMPLE = 2000


def _type_attributes(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Give text attributes a numeric, boolean or timestamp type when every value fits it.

    A type is guessed on the first rows and then checked on all of them, so text columns cost
    almost nothing.
    """
    text_columns = [
        name for name, dtype in _columns(con, EVENTS) if name in columns and dtype == "VARCHAR"
    ]
    if not text_columns:
        return
    probes = [
        f"count(*) FILTER (WHERE {ident(c)} IS NOT NULL AND NOT ({fit.format(ident(c), ident(c))}))"
        for c in text_columns
        for fit in _FITS.values()
    ]
    sample = f"(SELECT * FROM {EVENTS} LIMIT {_SAMPLE})"
    misses = fetch_one(con, f"SELECT {', '.join(probes)} FROM {sample}")
    types = list(_FITS)
    candidates = {}
    for i, c in enumerate(text_columns):
        fits = [t for j, t in enumerate(types) if misses[i * len(types) + j] == 0]
        if fits:
            candidates[c] = fits[0]
    if not candidates:
        return
    checks = [
        f"count(*) FILTER (WHERE {ident(c)} IS NOT NULL AND NOT "
        f"({_FITS[t].format(ident(c), ident(c))})) = 0 AND count({ident(c)}) > 0"
        for c, t in candidates.items()
    ]
    confirmed = fetch_one(con, f"SELECT {', '.join(checks)} FROM {EVENTS}")
    for (c, target), ok in zip(candidates.items(), confirmed, strict=True):
        if ok:
            con.execute(
                f"ALTER TABLE {EVENTS} ALTER COLUMN {ident(c)} SET DATA TYPE {target} "
                f"USING CAST(trim({ident(c)}) AS {target})"
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
        "implausible_timestamp": chosen.timestamp,
        "implausible_start_timestamp": chosen.start_timestamp,
    }
    column_case = " ".join(
        f"WHEN {literal(k)} THEN {literal(v)}" for k, v in column_of.items() if v
    )
    text_case = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in REASONS.items())
    value_case = (
        "WHEN 'bad_timestamp' THEN c.__ts_text WHEN 'implausible_timestamp' THEN c.__ts_text"
        + (
            " WHEN 'bad_start_timestamp' THEN c.__st_text"
            " WHEN 'implausible_start_timestamp' THEN c.__st_text"
            if chosen.start_timestamp
            else ""
        )
    )
    dup_detail = (
        f"WHEN c.reason = 'duplicate_event' THEN {literal(f' (same values as {raw.row_label} ')}"
        " || c.__first_row || ')' "
        if "__first_row" in {n for n, _ in _columns(con, "__checked")}
        else ""
    )
    bad_ts_detail = (
        f"WHEN c.reason LIKE '%timestamp' AND c.reason NOT LIKE 'missing%' "
        f"THEN {literal(f' (read as {how})')} "
    )
    column_expr = f"CASE c.reason {column_case} ELSE NULL END"
    prefix = f"{literal(f'{raw.path}, {raw.row_label} ')} || c.source_row"
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
            f"value, {literal(f'{raw.path}, {raw.row_label} ')} || source_row || "
            "': the line does not fit the file''s columns: ' || detail AS message "
            f"FROM {raw.malformed}"
        )
