"""Mejora's event scans on Apache Spark: the same query text as on DuckDB, translated.

A :class:`SparkLog` is an :class:`~mining.EventLog` whose connection is a :class:`SparkEngine`:
every verb (``discover_dfg``, ``get_variants``, the statistics, ``FilterStack.apply``,
``check_conformance``) sends its DuckDB statement from ``mining/_queries`` through the engine,
which translates it (``_spark_sql.to_spark``) and runs it on a SparkSession over a temporary
view of the events. Results come back through Arrow as the same Python types DuckDB gives, so
the verbs' own code turns them into the same ``DFG``, ``Variants`` and DataFrames.

Events are read from Parquet (a local path or any URL Spark reads: ``hdfs://``, ``s3a://``,
``abfss://``...), either in Mejora's layout (:func:`export_parquet`: ``events/`` plus a
``mejora.json`` manifest) or any dataset with the canonical columns.

pyspark and sqlglot (the ``spark`` extra) are imported inside the functions that need them, so
``import mining`` works, and stays fast, without them.

Example:
    >>> log = SparkLog.from_parquet("s3a://crm/events/", master="yarn")  # doctest: +SKIP
    >>> mining.discover_dfg(log).edges.head()  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import re
import shutil
import sys
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from mining import _pm4py_adapter, _queries
from mining._eventlog import EventLog, LogMetadata
from mining._mapping import ColumnMapping
from mining._sql import ident, literal
from mining.exceptions import EventLogError, LogNotFoundError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from mining._conformance import ConformanceResult

MANIFEST = "mejora.json"
LAYOUT = "mejora-events/1"
DEFAULT_MASTER = "local[2]"
_CANONICAL = ("case_id", "activity", "timestamp", "resource", "start_timestamp", "event_idx")
_QUARANTINE_COLUMNS = (
    "source_row BIGINT, reason STRING, column STRING, value STRING, message STRING"
)
_DESCRIBE = re.compile(r"^\s*DESCRIBE\s+(.+)$", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Spark type -> the DuckDB name the rest of Mejora reads (``DESCRIBE``)
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "date": "DATE",
    "binary": "BLOB",
}


# -- sessions ------------------------------------------------------------------------------------
def _local_cores(master: str) -> int:
    match = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master)
    if not match:
        return 0
    cores = match.group(1)
    return (os.cpu_count() or 1) if cores in (None, "*") else int(cores)


def spark_session(
    master: str = DEFAULT_MASTER,
    *,
    config: Mapping[str, str] | None = None,
    app_name: str = "mejora",
) -> SparkSession:
    """A SparkSession for Mejora (an active one is reused), with its SQL time zone set to UTC.

    ``master`` is ``local[N]`` (in this process, N cores), ``spark://host:7077`` (a standalone
    cluster), ``yarn``, ``k8s://...`` or ``sc://host:15002`` (Spark Connect: only a thin client
    here). Local masters get ``N * 2`` shuffle partitions and this Python for their workers;
    ``config`` overrides any setting (e.g. ``{"spark.driver.memory": "4g"}``).

    Example:
        >>> session = spark_session("local[2]")                           # doctest: +SKIP
        >>> session = spark_session("sc://spark.example.org:15002")       # doctest: +SKIP
    """
    from pyspark.sql import SparkSession

    # pyspark 4.x warns on every conversion under pandas 3; tests/test_spark.py checks the
    # results Mejora gets through it (Arrow, applyInPandas) against DuckDB's
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    settings: dict[str, str] = {"spark.sql.session.timeZone": "UTC"}
    if master.startswith("sc://"):
        builder = SparkSession.builder.remote(master)
    else:
        builder = SparkSession.builder.master(master).appName(app_name)
        settings["spark.ui.showConsoleProgress"] = "false"
        cores = _local_cores(master)
        if cores:
            # the Python workers of pandas UDFs must import Mejora like this process does
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            root = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            settings.update(
                {
                    "spark.sql.shuffle.partitions": str(max(2, 2 * cores)),
                    "spark.ui.enabled": "false",
                    "spark.executorEnv.PYTHONPATH": path,
                }
            )
    settings.update(config or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


@contextmanager
def spark_scope(
    master: str = DEFAULT_MASTER, *, config: Mapping[str, str] | None = None
) -> Iterator[SparkSession]:
    """A session for a ``with`` block, stopped at its end unless it was already running.

    Example:
        >>> with spark_scope("local[2]") as session:                      # doctest: +SKIP
        ...     log = SparkLog.from_parquet("events/", session=session)
    """
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    session = spark_session(master, config=config)
    try:
        yield session
    finally:
        if running is None:
            session.stop()


# -- the connection ------------------------------------------------------------------------------
def _duckdb_type(data_type: Any) -> str:
    name = data_type.simpleString()
    if name.startswith("decimal"):
        return name.upper()
    return _DUCKDB_TYPES.get(name, name.upper())


class SparkResult:
    """A statement's result, fetched the ways Mejora fetches DuckDB results."""

    def __init__(self, frame: DataFrame | None, rows: list[tuple] | None = None) -> None:
        self.frame = frame
        self._rows = rows

    def to_arrow_table(self) -> pa.Table:
        """The result as an Arrow table (timestamps in UTC)."""
        if self.frame is None:
            raise EventLogError("this statement returns rows, not a table")
        return self.frame.toArrow()

    arrow = to_arrow_table

    def fetchall(self) -> list[tuple]:
        """Every row as a tuple (lists for arrays, dicts for structs, aware datetimes)."""
        if self._rows is not None:
            return list(self._rows)
        table = self.to_arrow_table()
        return list(zip(*(column.to_pylist() for column in table.columns), strict=True))

    def fetchone(self) -> tuple | None:
        """The first row, or None."""
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self) -> pd.DataFrame:
        """The result as pandas (timestamps tz-aware UTC, as DuckDB's ``.df()``)."""
        if self._rows is not None:
            raise EventLogError("this statement returns rows, not a table")
        return self.to_arrow_table().to_pandas()


class SparkEngine:
    """A DuckDB-connection look-alike that runs Mejora's DuckDB SQL on a SparkSession.

    ``execute`` / ``sql`` translate the statement (``to_spark``) and run it; ``DESCRIBE`` is
    answered from the Spark schema with DuckDB type names; ``register`` makes a pandas frame a
    temporary view.

    Example:
        >>> engine = SparkEngine(spark_session("local[2]"))                # doctest: +SKIP
        >>> engine.execute("SELECT max(timestamp) FROM events").fetchall()  # doctest: +SKIP
    """

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    def translate(self, query: str) -> str:
        """The Spark SQL for one DuckDB statement."""
        from mining._engines._spark_sql import to_spark

        return to_spark(query)

    def execute(self, query: str, params: Sequence[Any] | None = None) -> SparkResult:
        """Run one DuckDB statement on Spark (lazily: rows are fetched on demand)."""
        described = _DESCRIBE.match(query)
        if described:
            target = described.group(1).strip()
            if not re.match(r"^\(?\s*(SELECT|WITH)\b", target, re.IGNORECASE):
                target = f"SELECT * FROM {target}"
            schema = self.session.sql(self.translate(target)).schema
            rows = [
                (f.name, _duckdb_type(f.dataType), "YES" if f.nullable else "NO", None, None, None)
                for f in schema.fields
            ]
            return SparkResult(None, rows)
        text = self.translate(query)
        frame = self.session.sql(text, args=list(params)) if params else self.session.sql(text)
        return SparkResult(frame)

    sql = execute

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a pandas frame the temporary view ``name``."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        self.session.createDataFrame(table).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        """Drop the temporary view ``name``."""
        self.session.catalog.dropTempView(name)

    def cursor(self) -> SparkEngine:
        """This engine (Spark sessions are safe to share between threads)."""
        return self

    def close(self) -> None:
        """Nothing to close: the session belongs to its creator."""


# -- logs ----------------------------------------------------------------------------------------
def _view(kind: str) -> str:
    return f"mejora_{kind}_{uuid.uuid4().hex[:12]}"


def _read_manifest(session: SparkSession, path: str) -> dict[str, Any] | None:
    """The ``mejora.json`` of a dataset in Mejora's layout, or None for plain Parquet."""
    location = path.rstrip("/") + "/" + MANIFEST
    if not _URL.match(path) or path.startswith("file://"):
        local = Path(location.removeprefix("file://"))
        return json.loads(local.read_text(encoding="utf-8")) if local.is_file() else None
    from pyspark.errors import AnalysisException

    try:
        rows = session.read.text(location, wholetext=True).collect()
    except AnalysisException:
        return None
    return json.loads(rows[0][0]) if rows else None


def _canonical_frame(frame: DataFrame, source: str) -> DataFrame:
    """Check the canonical columns and give them Mejora's types; number events when the data
    has no ``event_idx`` (by time, then every other column: the same on every run)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    types = {f.name: f.dataType for f in frame.schema.fields}
    missing = [c for c in ("case_id", "activity", "timestamp") if c not in types]
    if missing:
        raise EventLogError(
            f"{source}: not an event log in Mejora's canonical columns (missing "
            f"{', '.join(missing)}); import it with `mejora import` and export it with "
            "mining.export_parquet, or rename the columns"
        )
    for name in ("timestamp", "start_timestamp"):
        if name not in types:
            continue
        if isinstance(types[name], T.TimestampNTZType):  # wall time, read as UTC
            frame = frame.withColumn(name, F.col(name).cast(T.TimestampType()))
        elif not isinstance(types[name], T.TimestampType):
            raise EventLogError(
                f"{source}: column {name!r} is {types[name].simpleString()}, not a timestamp"
            )
    for name in ("case_id", "activity", "resource"):
        if name in types and not isinstance(types[name], T.StringType):
            frame = frame.withColumn(name, F.col(name).cast(T.StringType()))
    if "event_idx" not in types:
        atomic = (T.AtomicType, T.NullType)
        others = [
            F.col(f.name)
            for f in frame.schema.fields
            if isinstance(f.dataType, atomic) and f.name not in ("case_id", "timestamp")
        ]
        order = Window.partitionBy("case_id").orderBy(F.col("timestamp"), *others)
        frame = frame.withColumn("event_idx", F.row_number().over(order) - 1)
    return frame


class SparkLog(EventLog):
    """An event log whose events live in Spark: every Mejora scan runs there, unchanged.

    Build one with :meth:`from_parquet` (any Parquet Spark reads) or :meth:`from_event_log`
    (a log read or stored in DuckDB, exported to Parquet first). It is an ``EventLog``, so
    ``discover_dfg``, ``get_variants``, ``case_statistics``, ``activity_statistics``,
    ``throughput_times``, ``activity_times``, ``rework``, ``handovers``, ``arrivals_and_wip``,
    ``FilterStack.apply`` and ``check_conformance`` take it as they are.

    Example:
        >>> log = SparkLog.from_parquet("hdfs:///crm/mejora/deals", master="yarn")  # doctest: +SKIP
        >>> mining.get_variants(FilterStack([CaseSize(min_events=3)]).apply(log))  # doctest: +SKIP
    """

    def __init__(
        self,
        engine: SparkEngine,
        *,
        events_view: str,
        quarantine_view: str,
        meta: LogMetadata,
        filters: tuple[dict[str, Any], ...] = (),
    ) -> None:
        super().__init__(
            engine,  # type: ignore[arg-type]  # a connection look-alike, see SparkEngine
            events_table=events_view,
            quarantine_table=quarantine_view,
            meta=meta,
            filters=filters,
        )
        self.engine = engine

    @property
    def session(self) -> SparkSession:
        """The SparkSession holding the events."""
        return self.engine.session

    @property
    def frame(self) -> DataFrame:
        """The events as a Spark DataFrame (filters applied)."""
        return self.session.table(self._events_table)

    def with_events(self, events_table: str, filters: tuple[dict[str, Any], ...]) -> SparkLog:
        """The same log over another view of its events (e.g. filtered)."""
        return SparkLog(
            self.engine,
            events_view=events_table,
            quarantine_view=self._quarantine_table,
            meta=self.meta,
            filters=self.filters + filters,
        )

    def export_quarantine(self, path: str | Path) -> int:
        """Write the quarantined rows to a CSV file; returns how many were written."""
        frame = self.quarantine()
        frame.to_csv(path, index=False)
        return len(frame)

    def __repr__(self) -> str:
        return super().__repr__().replace("EventLog(", "SparkLog(", 1)

    @classmethod
    def from_parquet(
        cls,
        path: str | Path,
        *,
        session: SparkSession | None = None,
        master: str = DEFAULT_MASTER,
        name: str | None = None,
        cache: bool = False,
    ) -> SparkLog:
        """The events of a Parquet dataset (a file, a folder, a Hive-partitioned folder, a glob;
        local or any URL Spark reads), in Mejora's layout or with the canonical columns.

        ``cache=True`` shuffles the events once by case, sorts them by case, time and
        ``event_idx``, and keeps them in the executors' memory (spilling to disk): later scans
        then skip the shuffle and sort their windows need. Without a ``session`` one is started
        (or reused) on ``master``.

        Example:
            >>> SparkLog.from_parquet("/data/crm-events", master="local[2]")  # doctest: +SKIP
        """
        session = session or spark_session(master)
        session.conf.set("spark.sql.session.timeZone", "UTC")
        location = str(path)
        manifest = _read_manifest(session, location)
        events_path = location.rstrip("/") + "/events" if manifest else location
        frame = _canonical_frame(session.read.parquet(events_path), location)
        if cache:  # laid out as the windows of mining/_queries ask (CASE_ORDER): no re-sort
            from pyspark.sql import functions as F

            order = [F.col(c).asc_nulls_last() for c in ("timestamp", "event_idx")]
            frame = frame.repartition("case_id").sortWithinPartitions("case_id", *order).cache()
        events_view = _view("events")
        frame.createOrReplaceTempView(events_view)
        if manifest and manifest.get("quarantine"):
            quarantine = session.read.parquet(location.rstrip("/") + "/quarantine")
        else:
            quarantine = session.createDataFrame([], _QUARANTINE_COLUMNS)
        quarantine_view = _view("quarantine")
        quarantine.createOrReplaceTempView(quarantine_view)
        if manifest:
            meta = LogMetadata.from_json(json.dumps(manifest["meta"]))
            filters = tuple(manifest.get("filters", ()))
        else:
            columns = set(frame.columns)
            mapping = ColumnMapping(
                case_id="case_id",
                activity="activity",
                timestamp="timestamp",
                resource="resource" if "resource" in columns else None,
                start_timestamp="start_timestamp" if "start_timestamp" in columns else None,
            )
            meta = LogMetadata(
                name=name or Path(location.rstrip("/")).stem or "events",
                source=location,
                format="parquet",
                mapping=mapping,
                rows_read=frame.count(),
                imported_at=datetime.now(UTC),
            )
            filters = ()
        if name:
            meta = dataclasses.replace(meta, name=name)
        engine = SparkEngine(session)
        return cls(
            engine,
            events_view=events_view,
            quarantine_view=quarantine_view,
            meta=meta,
            filters=filters,
        )

    @classmethod
    def from_event_log(
        cls,
        log: EventLog,
        path: str | Path,
        *,
        session: SparkSession | None = None,
        master: str = DEFAULT_MASTER,
        cache: bool = False,
        overwrite: bool = False,
    ) -> SparkLog:
        """A DuckDB log (read, stored or filtered) exported to ``path`` and read by Spark.

        Example:
            >>> SparkLog.from_event_log(read_log("deals.csv"), "/tmp/deals")  # doctest: +SKIP
        """
        export_parquet(log, path, overwrite=overwrite)
        return cls.from_parquet(path, session=session, master=master, cache=cache)


def export_parquet(
    log: EventLog,
    path: str | Path,
    *,
    file_size: str = "128MB",
    partition_by: Sequence[str] = (),
    overwrite: bool = False,
) -> Path:
    """Write a DuckDB log's events in Mejora's Parquet layout, for Spark.

    ``path/events/`` holds the canonical events sorted by case, time and ``event_idx`` (files
    of about ``file_size``; or Hive-partitioned folders by the ``partition_by`` columns),
    ``path/quarantine/`` the rows kept aside at import, and ``path/mejora.json`` the log's
    metadata (written last: a folder without it is incomplete).

    Example:
        >>> export_parquet(read_log("deals.csv"), "/shared/mejora/deals")     # doctest: +SKIP
    """
    if isinstance(log, SparkLog):
        raise EventLogError("this log is already in Spark: write log.frame with Spark instead")
    path = Path(path)
    if (path / MANIFEST).exists() and not overwrite:
        raise EventLogError(f"{path} already holds an exported log (pass overwrite=True)")
    path.mkdir(parents=True, exist_ok=True)
    (path / MANIFEST).unlink(missing_ok=True)
    con = log.connection
    options = [
        "FORMAT parquet",
        "OVERWRITE_OR_IGNORE" if partition_by else f"FILE_SIZE_BYTES {literal(file_size)}",
    ]
    if partition_by:
        options.append(f"PARTITION_BY ({', '.join(ident(c) for c in partition_by)})")
    if overwrite:
        options.append("OVERWRITE")
    con.execute(
        f"COPY (SELECT * FROM {log.events_ref} ORDER BY case_id, timestamp, event_idx) "
        f"TO {literal(str(path / 'events'))} ({', '.join(options)})"
    )
    con.execute(
        f"COPY (SELECT * FROM {log._quarantine} ORDER BY source_row) "
        f"TO {literal(str(path / 'quarantine'))} (FORMAT parquet, FILE_SIZE_BYTES "
        f"{literal(file_size)}{', OVERWRITE' if overwrite else ''})"
    )
    manifest = {
        "layout": LAYOUT,
        "meta": json.loads(log.meta.to_json()),
        "filters": list(log.filters),
        "quarantine": True,
        "events": log.n_events,
        "exported_at": datetime.now(UTC).isoformat(),
    }
    (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return path


def stored_log_parquet(store_path: Path, log: EventLog) -> Path:
    """Where the CLI keeps the Parquet export of a stored log: beside the store, one folder per
    log and import (a re-import gets a fresh export)."""
    stamp = f"{store_path.resolve()}\n{log.name}\n{log.meta.imported_at.isoformat()}"
    digest = hashlib.sha1(stamp.encode()).hexdigest()[:12]
    return store_path.parent / "spark-exports" / f"{log.name}-{digest}"


def _export_once(log: EventLog, folder: Path) -> Path:
    """``log`` exported to ``folder`` unless it already is; written aside and renamed, so a
    concurrent run never reads half an export. Older exports of the same log are removed."""
    if (folder / MANIFEST).exists():
        return folder
    partial = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}")
    export_parquet(log, partial)
    try:
        partial.rename(folder)
    except OSError:  # another run finished first: use its export
        shutil.rmtree(partial, ignore_errors=True)
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    for old in folder.parent.glob(prefix + "*"):
        if old != folder and old.is_dir() and len(old.name) == len(folder.name):
            shutil.rmtree(old, ignore_errors=True)
    return folder


@contextmanager
def open_spark_log(
    store: str | Path | None, name: str, *, master: str = DEFAULT_MASTER
) -> Iterator[SparkLog]:
    """The CLI's ``--engine spark``: the stored log ``name`` (exported once to Parquet beside
    the store) or, when the store has no such log, the Parquet dataset at ``name`` (a path or a
    URL), in a session on ``master`` that is stopped afterwards if this started it.

    Example:
        >>> with open_spark_log(None, "deals", master="local[2]") as log:  # doctest: +SKIP
        ...     discover_dfg(log)
    """
    from mining._store import EventStore, check_name, default_store_path

    store_path = Path(store) if store is not None else default_store_path()
    folder: Path | None = None
    stored = False
    try:
        check_name(name)
        stored = store_path.exists()
    except ValueError:
        pass
    if stored:
        with EventStore(store_path, read_only=True) as event_store:
            if name in event_store:
                log = event_store.load(name)
                folder = _export_once(log, stored_log_parquet(event_store.path, log))
    if folder is None and not _URL.match(name) and not Path(name).exists():
        raise LogNotFoundError(
            f"{name!r} is neither a log in {store_path} nor a Parquet path or URL"
        )
    with spark_scope(master) as session:
        yield SparkLog.from_parquet(folder or name, session=session)


# -- conformance fanned out ----------------------------------------------------------------------
def _replay_bucket(
    net: Any, im: Any, fm: Any, method: str, time_budget: float | None
) -> Any:  # the function each Spark task runs, on one group of variants
    def replay(frame: pd.DataFrame) -> pd.DataFrame:
        variants = [tuple(str(a) for a in v) for v in frame["activities"]]
        if method == "alignments":
            results = _pm4py_adapter.align_variants(
                variants, net, im, fm, workers=1, time_budget=time_budget
            )
        else:
            results = _pm4py_adapter.replay_variants_fast(variants, net, im, fm)
        return pd.DataFrame(
            {
                "variant_id": frame["variant_id"].to_numpy(dtype=np.int64),
                "result": [pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for r in results],
            }
        )

    return replay


def replay_on_spark(
    session: SparkSession,
    variants: Sequence[tuple[str, ...]],
    net: Any,
    im: Any,
    fm: Any,
    *,
    method: Literal["alignments", "token_replay"] = "alignments",
    time_budget: float | None = None,
    partitions: int | None = None,
) -> list[Any]:
    """Per-variant alignments or token replay, fanned out over Spark with ``applyInPandas``:
    variants go round-robin into ``partitions`` groups, each task runs the same pm4py call as
    ``check_conformance`` on its group, and the results come back in variant order."""
    if not variants:
        return []
    groups = partitions or int(session.conf.get("spark.sql.shuffle.partitions") or 2)
    groups = max(1, min(groups, len(variants)))
    rows = pd.DataFrame(
        {
            "variant_id": np.arange(len(variants), dtype=np.int64),
            "bucket": np.arange(len(variants), dtype=np.int64) % groups,
            "activities": [list(v) for v in variants],
        }
    )
    schema = "variant_id long, bucket long, activities array<string>"
    frame = session.createDataFrame(pa.Table.from_pandas(rows, preserve_index=False), schema)
    frame = frame.repartition(groups, "bucket")
    replayed = frame.groupBy("bucket").applyInPandas(
        _replay_bucket(net, im, fm, method, time_budget), schema="variant_id long, result binary"
    )
    results: list[Any] = [None] * len(variants)
    table = replayed.toArrow()
    for variant_id, payload in zip(
        table.column("variant_id").to_pylist(), table.column("result").to_pylist(), strict=True
    ):
        results[variant_id] = pickle.loads(payload)  # our own tasks' output
    return results


def check_conformance_spark(
    log: SparkLog,
    net: Any,
    initial_marking: Any,
    final_marking: Any,
    *,
    method: Literal["alignments", "token_replay"] = "alignments",
    time_budget: float | None = None,
    precision: bool = False,
    partitions: int | None = None,
) -> ConformanceResult:
    """``check_conformance`` with its per-variant pm4py work fanned out over Spark.

    The variants come from the same query (``variant_cases``, run in Spark); each Spark task
    aligns or replays a group of them exactly as ``check_conformance`` does in one process; the
    results are spread back to the cases in the driver. Same answers, more cores.

    Example:
        >>> net, im, fm = read_model("design.pnml")                           # doctest: +SKIP
        >>> check_conformance_spark(spark_log, net, im, fm).fitness          # doctest: +SKIP
    """
    from mining._conformance import conformance_result, variants_of

    if method not in ("alignments", "token_replay"):
        raise ValueError(f"method must be 'alignments' or 'token_replay', not {method!r}")
    table = log.engine.sql(_queries.scans.variant_cases(log.events_ref)).to_arrow_table()
    results = replay_on_spark(
        log.session,
        variants_of(table),
        net,
        initial_marking,
        final_marking,
        method=method,
        time_budget=time_budget,
        partitions=partitions,
    )
    return conformance_result(
        table, results, net, initial_marking, final_marking, method=method, precision=precision
    )
