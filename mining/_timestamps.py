"""Turn a raw timestamp column into UTC instants, in SQL, whatever shape it came in.

Handled: ISO 8601 with or without offset (naive times are read in the given zone), epoch seconds,
milliseconds or microseconds (told apart by magnitude), day-first dates (31/12/2024) and US
month-first dates (12/31/2024 2:05 PM, as Salesforce and HubSpot reports write them) when the
values show which or the user says so, an explicit strptime format, and columns that are
already typed timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mining._sql import fetch_one, ident, literal
from mining.exceptions import EventLogError

DAYFIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
)
# US exports: month first, 12-hour clock with AM / PM or 24-hour
MONTHFIRST_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
)
_NUMERIC = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
}
_NUMBER = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"


@dataclass(frozen=True)
class TimestampOptions:
    """How to read timestamps: the zone of naive times, day-first dates, or an explicit format."""

    timezone: str = "UTC"
    dayfirst: bool = False
    format: str | None = None


def check_timezone(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    """Fail clearly on a time-zone name DuckDB (ICU) does not know."""
    found = fetch_one(con, "SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [zone])[0]
    if not found:
        raise EventLogError(
            f"unknown time zone {zone!r}; use an IANA name such as 'UTC' or 'Europe/Madrid'"
        )


_MAX_MICROS = 253_402_300_800_000_000  # 10000-01-01: beyond it a number is no timestamp
_MOSTLY = 0.9


_UNITS = (("microseconds", 1e14, "1"), ("milliseconds", 1e11, "1000"), ("seconds", 0, "1000000"))


def _epoch(con: duckdb.DuckDBPyConnection, table: str, expr: str) -> tuple[str, str]:
    """Epoch numbers to UTC instants, each value in the unit its own magnitude says (seconds
    below 1e11, milliseconds below 1e14, microseconds above: a file mixing seconds and
    milliseconds reads right row by row, and a stray value moves nothing else)."""
    number = f"TRY_CAST({expr} AS DOUBLE)"
    factor = " ".join(f"WHEN abs({number}) >= {low} THEN {f}" for _, low, f in _UNITS)
    micros = f"round({number} * CASE {factor} END)"
    sql = (
        f"CASE WHEN abs({micros}) < {_MAX_MICROS} "
        f"THEN timezone('UTC', make_timestamp(CAST({micros} AS BIGINT))) END"
    )
    counts = fetch_one(
        con,
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE abs({number}) >= {low} "
            f"AND abs({number}) * {f} < {_MAX_MICROS}"
            + (f" AND abs({number}) < {_UNITS[i - 1][1]})" if i else ")")
            for i, (_, low, f) in enumerate(_UNITS)
        )
        + f" FROM {ident(table)}",
    )
    present = [unit for (unit, _, _), n in zip(_UNITS, counts, strict=True) if n]
    ordered = list(reversed(present)) or ["seconds"]
    units = ", ".join(ordered[:-1]) + (" and " if len(ordered) > 1 else "") + ordered[-1]
    return sql, f"epoch {units}" + (" (per value, by magnitude)" if len(present) > 1 else "")


def _mostly_numbers(con: duckdb.DuckDBPyConnection, table: str, text: str) -> bool:
    """Whether at least 90 % of the non-empty values are numbers (epoch), on a sample and then
    on all rows; the rest will be quarantined as unreadable timestamps."""
    is_number = f"regexp_matches({text}, {literal(_NUMBER)})"
    for source in (f"(SELECT * FROM {ident(table)} LIMIT 1000)", ident(table)):
        n_values, n_numbers = fetch_one(
            con,
            f"SELECT count(*) FILTER (WHERE {text} <> ''), "
            f"count(*) FILTER (WHERE {text} <> '' AND {is_number}) FROM {source}",
        )
        if not n_values or n_numbers < _MOSTLY * n_values:
            return False
    return True


_NUMERIC_DATE = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-][0-9]{2,4}([ T]|$)"


def _numeric_date_order(con: duckdb.DuckDBPyConnection, table: str, text: str) -> str | None:
    """``"day"`` or ``"month"`` when the values are numeric dates that can only be read one way:
    most match the pattern, some have a number above 12 in one place (31/12/2024 is day-first,
    12/31/2024 month-first) and none in the other. Dates that never show (all numbers <= 12)
    stay ambiguous: None, and ``--dayfirst`` or ``--timestamp-format`` decides."""
    first = f"TRY_CAST(regexp_extract({text}, {literal(_NUMERIC_DATE)}, 1) AS INTEGER)"
    second = f"TRY_CAST(regexp_extract({text}, {literal(_NUMERIC_DATE)}, 2) AS INTEGER)"
    n_values, n_dates, day_first, month_first = fetch_one(
        con,
        f"SELECT count(*) FILTER (WHERE {text} <> ''), "
        f"count(*) FILTER (WHERE regexp_matches({text}, {literal(_NUMERIC_DATE)})), "
        f"count(*) FILTER (WHERE {first} > 12), count(*) FILTER (WHERE {second} > 12) "
        f"FROM {ident(table)}",
    )
    if not n_values or n_dates < _MOSTLY * n_values or bool(day_first) == bool(month_first):
        return None
    return "day" if day_first else "month"


def _formats_sql(text: str, iso: str, formats: tuple[str, ...]) -> str:
    listed = "[" + ", ".join(literal(f) for f in formats) + "]"
    return (
        f"CASE WHEN regexp_matches({text}, '^[0-9]{{4}}-') THEN {iso} "
        f"ELSE CAST(try_strptime({text}, {listed}) AS TIMESTAMPTZ) END"
    )


def timestamp_sql(
    con: duckdb.DuckDBPyConnection, table: str, column: str, options: TimestampOptions
) -> tuple[str, str]:
    """SQL expression giving a TIMESTAMPTZ (NULL where unparseable) and how it was read.

    Naive values are interpreted in the connection's TimeZone, which the caller sets to
    ``options.timezone`` while the expression runs.
    """
    col = ident(column)
    dtype = fetch_one(
        con, f"SELECT typeof({col}) FROM {ident(table)} WHERE {col} IS NOT NULL LIMIT 1"
    )
    dtype = dtype[0] if dtype else "VARCHAR"
    if dtype == "TIMESTAMP WITH TIME ZONE":
        return col, "typed timestamp with time zone"
    if dtype.startswith("TIMESTAMP") or dtype == "DATE":
        how = f"naive timestamps in {options.timezone}"
        return f"CAST(CAST({col} AS TIMESTAMP) AS TIMESTAMPTZ)", how
    if dtype in _NUMERIC or dtype.startswith("DECIMAL"):
        return _epoch(con, table, col)
    text = f"trim(CAST({col} AS VARCHAR))"
    if options.format:
        parsed = f"try_strptime({text}, {literal(options.format)})"
        if "%z" not in options.format and "%Z" not in options.format:
            parsed = f"CAST({parsed} AS TIMESTAMPTZ)"
        return parsed, f"format {options.format!r}"
    if _mostly_numbers(con, table, text):
        return _epoch(con, table, text)
    iso = f"TRY_CAST({text} AS TIMESTAMPTZ)"
    order = "day" if options.dayfirst else _numeric_date_order(con, table, text)
    if order == "day":
        how = "day-first dates" + ("" if options.dayfirst else " (detected: a first number > 12)")
        return _formats_sql(
            text, iso, DAYFIRST_FORMATS
        ), f"{how}, naive times in {options.timezone}"
    if order == "month":
        how = "month-first dates (detected: a second number > 12)"
        return _formats_sql(
            text, iso, MONTHFIRST_FORMATS
        ), f"{how}, naive times in {options.timezone}"
    return iso, f"ISO 8601, naive times in {options.timezone}"
