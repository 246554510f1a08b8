"""Readers that bring a file into DuckDB as a *raw* table, before any validation.

Every reader produces the same shape: the source columns as they are, plus ``__row`` (1-based
position of the record in the source) and optionally ``__exclude`` (a reason set by a format's own
rules, e.g. bot events). Validation then works the same way whatever the format was.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from mining import safe_xml
from mining._sql import fetch_one, ident, literal
from mining.exceptions import EventLogError

RAW = "__raw"
MALFORMED = "__malformed"
ROW = "__row"
EXCLUDE = "__exclude"

Progress = Callable[[str, float | None], None]
# a record (a quoted field with newlines included) up to this size is read as one record;
# DuckDB's 2 MB default split a 3 MB note into 600,000 "malformed rows" at 2.4 GB of memory
MAX_RECORD_BYTES = 64 << 20
# names the readers add to a raw table; a source column of the same name is renamed first
RAW_INTERNAL = (ROW, EXCLUDE, "__rid")


_SIZE = re.compile(r"([0-9.]+)\s*([KMGT]i?B)")
_UNIT = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _record_limit(con: duckdb.DuckDBPyConnection) -> int:
    """The longest record read as one: ``MAX_RECORD_BYTES``, or an eighth of DuckDB's memory
    limit when that is lower (its read buffer is a few times the record size)."""
    value = fetch_one(con, "SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'")[0]
    found = _SIZE.search(str(value))
    if not found:
        return MAX_RECORD_BYTES
    limit = float(found.group(1)) * _UNIT[found.group(2)[0]]
    return int(max(2 << 20, min(MAX_RECORD_BYTES, limit // 8)))


def user_name(name: str, taken: set[str]) -> str:
    """``name`` with ``src_`` in front until it is none of the ``taken`` (lower-case) names."""
    out = name
    while out.lower() in taken:
        out = "src_" + out
    return out


def internal_renames(columns: Iterable[str]) -> dict[str, str]:
    """The new name of each source column that bears a name the readers use themselves
    (``__row``, ``__exclude``): a user's ``__exclude`` column must not quarantine valid rows
    with its own values as the reason. Shared by every reader."""
    names = list(columns)
    taken = {c.lower() for c in names} | set(RAW_INTERNAL)
    renames = {}
    for column in names:
        if column.lower() in RAW_INTERNAL:
            renames[column] = out = user_name(column, taken)
            taken.add(out.lower())
    return renames


def renamed_notes(renames: Mapping[str, str]) -> list[str]:
    """One note per renamed column, for the import summary."""
    return [
        f"column {column!r} renamed to {out!r} (Mejora uses that name itself)"
        for column, out in renames.items()
    ]


def rename_internal(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Rename the columns of ``table`` that :func:`internal_renames` names; the notes."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {ident(table)}").fetchall()]
    renames = internal_renames(columns)
    for column, out in renames.items():
        con.execute(f"ALTER TABLE {ident(table)} RENAME COLUMN {ident(column)} TO {ident(out)}")
    return renamed_notes(renames)


@dataclass
class RawSource:
    """A file loaded as a raw table, with what its format already knows about it."""

    path: Path
    format: str
    rows_read: int
    table: str = RAW
    row_label: str = "row"
    preset: dict[str, str] = field(default_factory=dict)
    malformed: str | None = None
    notes: list[str] = field(default_factory=list)
    # what the format's own words mean: {"roles": {role: column}, "kinds": {kind: [labels]}}
    vocabulary: dict[str, dict] = field(default_factory=dict)


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every staging table and view (names starting with ``__``) once import is done."""
    rows = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE starts_with(table_name, '__') ORDER BY table_type DESC"
    ).fetchall()
    for name, kind in rows:  # views ('VIEW') sort before the tables they read
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {ident(name)}")


_UTF8_PAIR = re.compile(rb"[\xc3\xc2][\x80-\xbf]")  # é, ñ, ü, ¿... as UTF-8 writes them


def detect_encoding(path: Path) -> str:
    """Return 'utf-8', 'utf-16' or 'latin-1' for a text file, reading it in chunks. A file that
    mixes UTF-8 and latin-1 lines (two exports pasted together) is refused, naming the first
    line in the other encoding: read whole as either, part of it would silently be mojibake."""
    with safe_xml.open_maybe_gzip(path) as handle:
        head = handle.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk, lines, non_ascii = head, 0, False
        try:
            while chunk:
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
                non_ascii = non_ascii or max(chunk, default=0) >= 0x80
                chunk = handle.read(1 << 22)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            before = chunk[: exc.start]
            line = lines + before.count(b"\n") + 1
            if non_ascii or max(before, default=0) >= 0x80:
                raise _mixed(path, line, "UTF-8", "latin-1") from exc
            rest = chunk[exc.start :] + handle.read(1 << 26)  # a sample of what follows
            if len(_UTF8_PAIR.findall(rest)) >= 3:
                later = line + rest[: _UTF8_PAIR.search(rest).start()].count(b"\n")
                raise _mixed(path, later, "latin-1", "UTF-8") from exc
            return "latin-1"
    return "utf-8"


def _mixed(path: Path, line: int, first: str, then: str) -> EventLogError:
    return EventLogError(
        f"{path}: mixes encodings: {first} first, then {then} from line {line} on; read whole "
        "as either, part of it would be garbled. Export it again as UTF-8, or pass --encoding "
        "to read all of it one way"
    )


_QUOTE_OR_NEWLINE = re.compile(rb'["\n]')


def _oversized_record(path: Path, limit: int) -> tuple[int, int] | None:
    """The line on which the first record longer than ``limit`` bytes starts, and its size.

    A record ends at a newline outside double quotes (a doubled quote toggles twice), so a
    quoted note spanning lines is one record, as the CSV reader sees it."""
    line, start, quoted, offset = 1, 0, False, 0
    record_line = 1
    with safe_xml.open_maybe_gzip(path) as handle:
        while chunk := handle.read(1 << 22):
            for found in _QUOTE_OR_NEWLINE.finditer(chunk):
                if found.group() == b'"':
                    quoted = not quoted
                    continue
                line += 1
                if not quoted:
                    end = offset + found.start()
                    if end - start > limit:
                        return record_line, end - start
                    start, record_line = end + 1, line
            offset += len(chunk)
    return (record_line, offset - start) if offset - start > limit else None


def read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    table: str = RAW,
) -> RawSource:
    """Load a delimited text file with every column as text; malformed lines are kept aside."""
    encoding = encoding or detect_encoding(path)
    record = _record_limit(con)
    options = [
        "all_varchar = true",
        "header = true",
        "store_rejects = true",
        f"max_line_size = {record}",
        f"buffer_size = {2 * record}",  # else DuckDB sizes its buffer from the whole file
        f"rejects_table = {literal(table + '_rejects')}",
        f"rejects_scan = {literal(table + '_scans')}",
        f"encoding = {literal(encoding)}",
    ]
    if delimiter:
        options.append(f"delim = {literal(delimiter)}")
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(table + '_0')} AS "
            f"SELECT * FROM read_csv({literal(str(path))}, {', '.join(options)})"
        )
    except duckdb.OutOfMemoryException:
        raise  # not a format problem: read_log reports it as such
    except duckdb.Error as exc:
        if "Maximum line size" in str(exc) and encoding != "utf-16":
            found = _oversized_record(path, record)
            if found:  # DuckDB counts lines within its own buffer: the line it names is wrong
                line, size = found
                raise EventLogError(
                    f"{path}, line {line}: a record of {size / (1 << 20):.1f} MB, longer than "
                    f"the {record / (1 << 20):.0f} MB one record may take; split that field, "
                    "or raise MEJORA_MEMORY_LIMIT (a record may take an eighth of it, 64 MB "
                    "at most)"
                ) from exc
        first = str(exc).strip().splitlines()[0]
        raise EventLogError(f"{path}: cannot be read as CSV ({encoding}): {first}") from exc
    renamed = rename_internal(con, table + "_0")
    rejects = con.execute(
        f"SELECT line, min(csv_line), arg_min(error_message, column_idx) "
        f"FROM {ident(table + '_rejects')} GROUP BY line ORDER BY line"
    ).fetchall()
    n_ok = fetch_one(con, f"SELECT count(*) FROM {ident(table + '_0')}")[0]
    total = n_ok + len(rejects)
    if not rejects:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {ident(table)} AS "
            f"SELECT *, rowid + 1 AS {ROW} FROM {ident(table + '_0')}"
        )
    else:
        # Records are numbered in file order; the rejected ones are known by their line
        # (header = line 1), so accepted records take the remaining numbers in order.
        bad = np.array([line - 1 for line, *_ in rejects], dtype=np.int64)
        good = np.setdiff1d(np.arange(1, total + 1, dtype=np.int64), bad)[:n_ok]
        numbers = pa.table({"__rid": np.arange(n_ok, dtype=np.int64), ROW: good})
        con.register("__row_numbers", numbers)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS SELECT t.*, n.{ROW} "
            f"FROM (SELECT *, rowid AS __rid FROM {ident(table + '_0')}) t "
            f"JOIN __row_numbers n USING (__rid) ORDER BY n.{ROW}"
        )
        con.execute(f"ALTER TABLE {ident(table)} DROP COLUMN __rid")
        con.execute(f"DROP TABLE {ident(table + '_0')}")
        con.unregister("__row_numbers")
        malformed = pa.table(
            {
                "source_row": pa.array(bad),
                "value": pa.array([str(text) for _, text, _ in rejects]),
                "detail": pa.array([str(err) for *_, err in rejects]),
            }
        )
        con.register("__malformed_in", malformed)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {MALFORMED} AS SELECT * FROM __malformed_in")
        con.unregister("__malformed_in")
    source = RawSource(path=path, format="csv", rows_read=total, table=table)
    if rejects:
        source.malformed = MALFORMED
    if encoding != "utf-8":
        source.notes.append(f"read as {encoding}")
    source.notes.extend(renamed)
    return source


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> RawSource:
    """Load a Parquet file (or a folder / glob of them) keeping its types."""
    target = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    try:
        source = f"read_parquet({literal(target)})"
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        renames = internal_renames(columns)
        select = [f"{ident(c)} AS {ident(renames.get(c, c))}" for c in columns]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT {', '.join(select)}, "
            f"file_row_number + 1 AS {ROW} FROM read_parquet({literal(target)}, "
            "file_row_number = true)"
        )
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise EventLogError(f"{path}: cannot be read as Parquet: {first}") from exc
    n = fetch_one(con, f"SELECT count(*) FROM {RAW}")[0]
    raw = RawSource(path=path, format="parquet", rows_read=n)
    raw.notes.extend(renamed_notes(renames))
    return raw


_XES_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}
_XES_BATCH = 100_000


def read_xes(
    con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None
) -> RawSource:
    """Stream a XES (or XES.gz) file into a raw table, one row per event, text values.

    Trace attributes become ``case:<key>`` columns, as in pm4py. Nested attribute children are
    ignored (their parent's value is kept). Memory stays bounded: events go to DuckDB in batches.
    """
    batch: dict[str, list] = {}
    n_batch = 0
    n_events = 0
    created = False
    trace_attrs: dict[str, str] = {}
    event_attrs: dict[str, str] | None = None
    in_trace = False
    attr_depth = 0

    def flush() -> None:
        nonlocal batch, n_batch, created
        if not n_batch:
            return
        table = pa.table({k: pa.array(v, type=pa.string()) for k, v in batch.items()})
        con.register("__xes_batch", table)
        if not created:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM __xes_batch")
            created = True
        else:
            existing = {r[0] for r in con.execute(f"DESCRIBE {RAW}").fetchall()}
            for column in table.column_names:
                if column not in existing:
                    con.execute(f"ALTER TABLE {RAW} ADD COLUMN {ident(column)} VARCHAR")
            con.execute(f"INSERT INTO {RAW} BY NAME SELECT * FROM __xes_batch")
        con.unregister("__xes_batch")
        batch = {}
        n_batch = 0
        if progress:
            progress("reading XES", None)

    def add_row(row: dict[str, str]) -> None:
        nonlocal n_batch, n_events
        n_events += 1
        if any(k.lower() in RAW_INTERNAL for k in row):  # a user's own __row (rare)
            for key, out in internal_renames(list(row)).items():
                row[out] = row.pop(key)
        row[ROW] = str(n_events)
        for key in batch.keys() - row.keys():
            batch[key].append(None)
        for key, value in row.items():
            column = batch.get(key)
            if column is None:
                column = batch[key] = [None] * n_batch
            column.append(value)
        n_batch += 1

    for action, element in safe_xml.iterparse(path):
        tag = safe_xml.localname(element.tag)
        if action == "start":
            if tag == "trace":
                in_trace = True
                trace_attrs = {}
            elif tag == "event":
                event_attrs = {}
            elif tag in _XES_VALUE_TAGS or tag in ("list", "container"):
                attr_depth += 1
                if attr_depth == 1:
                    key = element.get("key")
                    value = element.get("value")
                    if key is not None and event_attrs is not None:
                        event_attrs[key] = value
                    elif key is not None and in_trace:
                        trace_attrs["case:" + key] = value
            continue
        # end
        if tag in _XES_VALUE_TAGS or tag in ("list", "container"):
            attr_depth -= 1
        elif tag == "event":
            if event_attrs is not None:  # an event outside any trace has no case: quarantined
                row = dict(trace_attrs) if in_trace else {}
                row.update(event_attrs)
                add_row(row)
                if n_batch >= _XES_BATCH:
                    flush()
            event_attrs = None
            element.clear(keep_tail=False)
        elif tag == "trace":
            in_trace = False
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    flush()
    if not created:
        raise EventLogError(f"{path}: no events found in the XES file (no <trace><event>)")
    con.execute(f"ALTER TABLE {RAW} ALTER COLUMN {ROW} TYPE BIGINT")
    return RawSource(
        path=path,
        format="xes",
        rows_read=n_events,
        row_label="event",
        notes=["trace attributes are columns named case:<key>"],
    )
