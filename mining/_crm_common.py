"""What the CRM readers share: format ids, exclusion reasons, loose column names, SQL helpers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import duckdb

from mining._sources import EXCLUDE, RAW, ROW
from mining._sql import fetch_one, ident, literal
from mining._validate import REASONS
from mining.exceptions import EventLogError

SF_HISTORY = "salesforce-opportunity-history"
SF_FIELD_HISTORY = "salesforce-opportunity-field-history"
HS_EMAIL = "hubspot-email-events"
HS_DEAL = "hubspot-deal-stage-history"
MAUTIC_CAMPAIGN = "mautic-campaign-events"
MAUTIC_EMAIL = "mautic-email-stats"

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

_IN = "__crm_in"  # the export as loaded, before the format's rules
_SEQ = "__crm_seq"  # per row: whether the stage is the same as the record's previous stage

# Epoch milliseconds a CRM can hold: 1973-03-03 .. 5138-11-16. Outside it a number is not ms.
_MS_MIN, _MS_MAX = 100_000_000_000, 99_999_999_999_999


def _key(name: str) -> str:
    """A column name compared loosely: 'sentBy.id', 'SENTBY_ID' and 'sentbyid' are the same."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


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
