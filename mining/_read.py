"""``read_log``: any supported file -> validated EventLog, in an in-memory DuckDB database."""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mining import _crm, _ocel_census, _pm4py_adapter, _sources
from mining._eventlog import EventLog, LogMetadata
from mining._sources import ROW, Progress, RawSource
from mining._sql import ident
from mining._timestamps import TimestampOptions
from mining._validate import EVENTS, QUARANTINE, Duplicates, build_tables
from mining._vocabulary import Vocabulary, apply_choices, detect_vocabulary, merged_choices
from mining.exceptions import EventLogError

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xes": "xes",
    ".jsonocel": "ocel",
    ".xmlocel": "ocel",
    ".sqlite": "ocel",
    ".ocel": "ocel",
}
BASE_FORMATS = ("csv", "parquet", "xes", "ocel")


def formats() -> list[str]:
    """Every format name ``read_log`` accepts (besides 'auto')."""
    return [*BASE_FORMATS, *_crm.FORMATS]


def detect_format(path: Path) -> str:
    """Guess the format from the file name, and for CSV from its header (CRM exports)."""
    name = path.name.lower()
    for suffix in (".gz", ".zst"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if path.is_dir():
        return "parquet"
    fmt = _EXTENSIONS.get(Path(name).suffix)
    if fmt == "csv" or (fmt is None and Path(name).suffix in (".json", ".jsonl", ".ndjson")):
        crm = _crm.sniff(path)
        if crm:
            return crm
    if fmt is None:
        raise EventLogError(
            f"{path}: cannot tell the format from the name; expected one of "
            f"{', '.join(sorted(_EXTENSIONS))} (optionally .gz), or pass --format "
            f"({', '.join(formats())})"
        )
    return fmt


def _new_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory database that spills to a temp folder, capped by $MEJORA_MEMORY_LIMIT."""
    con = duckdb.connect()
    spill = Path(tempfile.gettempdir()) / "mejora-duckdb"
    con.execute("SET temp_directory = ?", [str(spill)])
    con.execute("SET TimeZone = 'UTC'")
    limit = os.environ.get("MEJORA_MEMORY_LIMIT")
    if limit:  # e.g. "4GB": DuckDB spills to the temp directory beyond it
        con.execute("SET memory_limit = ?", [limit])
    return con


def _read_ocel(con: duckdb.DuckDBPyConnection, path: Path, object_type: str | None) -> RawSource:
    census = _ocel_census.take_census(path, _ocel_census.ocel_kind(path))
    try:
        ocel = _pm4py_adapter.read_ocel(path)
    except EventLogError as exc:
        if not census.problem:
            raise
        raise EventLogError(
            f"{path}, {census.problem}; pm4py's OCEL reader refuses the whole file for it"
        ) from exc
    types = _pm4py_adapter.ocel_object_types(ocel)
    if not types:
        raise EventLogError(f"{path}: this object-centric log has no objects, so no cases")
    if object_type is None or object_type not in types:
        what = (
            "needs an object type to flatten on"
            if object_type is None
            else (f"has no object type {object_type!r}")
        )
        raise EventLogError(
            f"{path}: this object-centric log {what}; choose one of: {', '.join(types)} "
            "(--object-type)"
        )
    frame = _pm4py_adapter.flatten_ocel(ocel, object_type)
    frame = frame.rename(columns=_sources.internal_renames(map(str, frame.columns)))
    # what pm4py's reader drops without a word is set aside here, with its reason
    aside, duplicates, other_types = census.set_aside(object_type)
    if duplicates:
        frame = frame[~frame[_ocel_census.EVENT_ID].astype(str).isin(duplicates)]
    frame[_sources.EXCLUDE] = None
    if len(aside):
        when = _ocel_census.TIME
        aside[when] = pd.to_datetime(aside[when], utc=True, errors="coerce", format="ISO8601")
        frame = pd.concat([frame, aside], ignore_index=True)
    frame = frame.reset_index(drop=True)
    frame[ROW] = pd.RangeIndex(1, len(frame) + 1)
    con.register("__ocel_in", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_sources.RAW} AS SELECT * FROM __ocel_in")
    con.unregister("__ocel_in")
    return RawSource(
        path=path,
        format="ocel",
        rows_read=len(frame),
        row_label="flattened event",
        notes=[f"object-centric log flattened on object type {object_type!r}: one case per object"]
        + (
            [
                f"{other_types} of the log's {len(census.events)} events concern only other "
                "object types; --object-type chooses another"
            ]
            if other_types
            else []
        ),
    )


def read_log(
    path: str | Path,
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    timezone: str = "UTC",
    dayfirst: bool = False,
    timestamp_format: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    object_type: str | None = None,
    duplicates: Duplicates = "quarantine",
    name: str | None = None,
    progress: Progress | None = None,
    roles: Mapping[str, str | None] | None = None,
    event_kinds: Mapping[str, Sequence[str]] | None = None,
    vocabulary_file: str | Path | None = None,
) -> EventLog:
    """Read and validate an event log file; unusable rows are quarantined, never dropped.

    ``mapping`` maps canonical names (case_id, activity, timestamp, resource, start_timestamp)
    to source columns; what it leaves out is detected by name. ``timezone`` is the zone of naive
    timestamps. The event vocabulary (which column is the contact, which labels are sends,
    unsubscribes...) is detected from names and labels and stored with the log; ``roles``
    (role -> column), ``event_kinds`` (kind -> labels) and a ``vocabulary_file`` override it.
    The source file is only read.

    Example:
        >>> log = read_log("deals.csv", mapping={"case_id": "deal"}, timezone="Europe/Madrid")
        ... # doctest: +SKIP
        >>> log.summary().quarantine_reasons          # doctest: +SKIP
        {'bad_timestamp': 2}
    """
    path = Path(path)
    if not path.exists():
        raise EventLogError(f"{path}: no such file")
    if not path.is_file() and not path.is_dir():  # a FIFO, a device: reading could never end
        raise EventLogError(
            f"{path}: not a regular file (a pipe or a device); save the log to a file first"
        )
    try:
        fmt = detect_format(path) if format == "auto" else format
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _damaged(path, exc) from exc
    if fmt not in formats():
        raise EventLogError(
            f"{path}: unknown format {fmt!r}; expected one of {', '.join(formats())}"
        )
    report: Callable[[str, float | None], None] = progress or (lambda stage, fraction: None)
    con = _new_connection()
    options = TimestampOptions(timezone=timezone, dayfirst=dayfirst, format=timestamp_format)
    try:
        report(f"reading {fmt}", None)
        if fmt == "csv":
            raw = _sources.read_csv(con, path, delimiter=delimiter, encoding=encoding)
        elif fmt == "parquet":
            raw = _sources.read_parquet(con, path)
        elif fmt == "xes":
            raw = _sources.read_xes(con, path, progress)
        elif fmt == "ocel":
            raw = _read_ocel(con, path, object_type)
        else:
            raw = _crm.read(fmt, con, path, delimiter=delimiter, encoding=encoding)
        report("validating", None)
        built = build_tables(con, raw, mapping=mapping, timestamps=options, duplicates=duplicates)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # click would print "Aborted."
        con.close()
        raise _damaged(path, exc) from exc
    except duckdb.OutOfMemoryException as exc:
        con.close()
        limit = os.environ.get("MEJORA_MEMORY_LIMIT", "DuckDB's default")
        raise EventLogError(
            f"{path}: not enough memory to import it (limit: {limit}); nothing was imported. "
            f"Raise MEJORA_MEMORY_LIMIT or free memory. ({str(exc).splitlines()[0]})"
        ) from exc
    _sources.drop_staging(con)
    vocabulary = _vocabulary_of(
        con, built.mapping.as_dict(), raw.vocabulary, roles, event_kinds, vocabulary_file, path
    )
    meta = LogMetadata(
        name=name or _default_name(path),
        source=str(path),
        format=fmt,
        mapping=built.mapping,
        rows_read=raw.rows_read,
        imported_at=datetime.now(UTC),
        timezone=timezone,
        timestamp_parsing=built.timestamp_parsing,
        duplicates=duplicates,
        row_label=raw.row_label,
        notes=tuple(built.notes),
        vocabulary=vocabulary.to_dict(),
    )
    report("done", 1.0)
    return EventLog(con, events_table=EVENTS, quarantine_table=QUARANTINE, meta=meta)


def _damaged(path: Path, exc: Exception) -> EventLogError:
    return EventLogError(
        f"{path}: the compressed file is truncated or damaged ({exc}); nothing was imported"
    )


def _vocabulary_of(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping[str, str],
    hint: Mapping[str, Any],
    roles: Mapping[str, str | None] | None,
    event_kinds: Mapping[str, Sequence[str]] | None,
    vocabulary_file: str | Path | None,
    path: Path,
) -> Vocabulary:
    """The log's vocabulary: detected (the format's hint first), then the explicit choices."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {ident(EVENTS)}").fetchall()]
    activities = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT activity FROM {ident(EVENTS)} WHERE activity IS NOT NULL"
        ).fetchall()
    ]
    vocabulary = detect_vocabulary(columns, mapping, activities, hint=hint)
    given_roles, given_kinds = merged_choices(vocabulary_file, roles, event_kinds)
    return apply_choices(
        vocabulary,
        given_roles,
        given_kinds,
        columns=columns,
        activities=activities,
        source=str(path),
    )


def _default_name(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".zst"):
        name = name.removesuffix(suffix)
    return Path(name).stem
