"""EventLog: the one data type that flows through Mejora.

Built and validated once at import. The canonical events live in a DuckDB table (``case_id``,
``activity``, ``timestamp``, optional ``resource`` and ``start_timestamp``, ``event_idx``, then the
attribute columns), sorted by case, timestamp and ``event_idx``. The log carries its column
mapping and provenance, so no later function takes a column name.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mining._mapping import ColumnMapping
from mining._sql import fetch_one, ident, literal
from mining._vocabulary import Vocabulary, detect_vocabulary


@dataclass(frozen=True)
class LogMetadata:
    """Where a log came from and how it was read."""

    name: str
    source: str
    format: str
    mapping: ColumnMapping
    rows_read: int
    imported_at: datetime
    timezone: str = "UTC"
    timestamp_parsing: str = ""
    duplicates: str = "quarantine"
    row_label: str = "row"
    notes: tuple[str, ...] = ()
    vocabulary: dict[str, Any] | None = None  # Vocabulary.to_dict(); None: detect when asked

    def to_json(self) -> str:
        """Serialise for the event store."""
        data = asdict(self)
        data["mapping"] = {**self.mapping.as_dict(), "detected": list(self.mapping.detected)}
        data["imported_at"] = self.imported_at.isoformat()
        data["notes"] = list(self.notes)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> LogMetadata:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        mapping = data.pop("mapping")
        detected = tuple(mapping.pop("detected", ()))
        data["mapping"] = ColumnMapping(**mapping, detected=detected)
        data["imported_at"] = datetime.fromisoformat(data["imported_at"])
        data["notes"] = tuple(data.get("notes", ()))
        data["vocabulary"] = data.get("vocabulary")
        return cls(**data)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, in numbers: the answer to "did everything come in?"."""

    name: str
    source: str
    format: str
    rows_read: int
    events: int
    cases: int
    activities: int
    variants: int
    quarantined: int
    quarantine_reasons: dict[str, int]
    mapping: dict[str, str]
    detected: list[str]
    timestamp_parsing: str
    notes: list[str] = field(default_factory=list)
    vocabulary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


class EventLog:
    """A validated event log backed by DuckDB tables.

    Example:
        >>> log = read_log("orders.csv")            # doctest: +SKIP
        >>> log.n_events, log.n_cases, log.mapping.describe()  # doctest: +SKIP
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        events_table: str,
        quarantine_table: str,
        meta: LogMetadata,
        filters: tuple[dict[str, Any], ...] = (),
    ) -> None:
        self._con = con
        self._events_table = events_table
        self._quarantine_table = quarantine_table
        self._events = ident(events_table)
        self._quarantine = ident(quarantine_table)
        self.meta = meta
        self.filters = filters

    def with_events(self, events_table: str, filters: tuple[dict[str, Any], ...]) -> EventLog:
        """The same log over another events table or view (e.g. filtered), noting the filters."""
        return EventLog(
            self._con,
            events_table=events_table,
            quarantine_table=self._quarantine_table,
            meta=self.meta,
            filters=self.filters + filters,
        )

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The log's name (in the store, or the file stem)."""
        return self.meta.name

    @property
    def mapping(self) -> ColumnMapping:
        """Source column behind each canonical column."""
        return self.meta.mapping

    @property
    def vocabulary(self) -> Vocabulary:
        """What the columns and activity labels mean (contact, message... ; sent, opened,
        unsubscribed...): stored at import, detected from names and labels for older logs."""
        if self.meta.vocabulary is not None:
            return Vocabulary.from_dict(self.meta.vocabulary)
        cached = getattr(self, "_detected_vocabulary", None)
        if cached is None:
            cached = self._detected_vocabulary = self.detected_vocabulary()
        return cached

    def detected_vocabulary(self) -> Vocabulary:
        """The vocabulary detected from the column names and activity labels alone."""
        return detect_vocabulary(self.columns, self.mapping.as_dict(), self.activity_labels())

    def activity_labels(self) -> list[str]:
        """The distinct activity labels, sorted."""
        rows = self.sql("SELECT DISTINCT activity FROM {events} WHERE activity IS NOT NULL")
        return sorted(str(a) for a in rows["activity"])

    def with_vocabulary(self, vocabulary: Vocabulary) -> EventLog:
        """The same log read with another vocabulary (e.g. explicit choices applied)."""
        meta = replace(self.meta, vocabulary=vocabulary.to_dict())
        return EventLog(
            self._con,
            events_table=self._events_table,
            quarantine_table=self._quarantine_table,
            meta=meta,
            filters=self.filters,
        )

    @property
    def columns(self) -> list[str]:
        """Column names of the canonical events table."""
        return [r[0] for r in self._con.execute(f"DESCRIBE {self._events}").fetchall()]

    @property
    def attribute_columns(self) -> list[str]:
        """Columns beyond the canonical ones."""
        canonical = {"case_id", "activity", "timestamp", "resource", "start_timestamp", "event_idx"}
        return [c for c in self.columns if c not in canonical]

    @property
    def has_resource(self) -> bool:
        """Whether events carry a resource."""
        return self.mapping.resource is not None

    @property
    def has_start_timestamp(self) -> bool:
        """Whether events carry a start time (so waiting and service time can be told apart)."""
        return self.mapping.start_timestamp is not None

    # -- data -----------------------------------------------------------------------------
    def sql(self, query: str, params: list | None = None) -> pd.DataFrame:
        """Run ``query`` where ``{events}`` and ``{quarantine}`` name this log's tables."""
        text = query.replace("{events}", self._events).replace("{quarantine}", self._quarantine)
        return self._con.execute(text, params or []).df()

    def _scalar(self, query: str) -> Any:
        text = query.replace("{events}", self._events).replace("{quarantine}", self._quarantine)
        return fetch_one(self._con, text)[0]

    @property
    def events_ref(self) -> str:
        """Quoted name of the events table, for the query module."""
        return self._events

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection holding this log (shared; use ``.cursor()`` in threads)."""
        return self._con

    @property
    def n_events(self) -> int:
        """Number of accepted events."""
        return int(self._scalar("SELECT count(*) FROM {events}"))

    @property
    def n_cases(self) -> int:
        """Number of cases."""
        return int(self._scalar("SELECT count(DISTINCT case_id) FROM {events}"))

    @property
    def n_activities(self) -> int:
        """Number of distinct activities."""
        return int(self._scalar("SELECT count(DISTINCT activity) FROM {events}"))

    def to_pandas(self) -> pd.DataFrame:
        """The canonical events as a new pandas DataFrame (sorted by case, time, event_idx)."""
        return self.sql("SELECT * FROM {events} ORDER BY case_id, timestamp, event_idx")

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        filtered = f", filters={len(self.filters)}" if self.filters else ""
        return (
            f"EventLog(name={self.name!r}, events={self.n_events}, cases={self.n_cases}, "
            f"quarantined={self.n_quarantined}{filtered})"
        )

    # -- quarantine -----------------------------------------------------------------------
    @property
    def n_quarantined(self) -> int:
        """Rows kept aside at import."""
        return int(self._scalar("SELECT count(*) FROM {quarantine}"))

    def quarantine(self) -> pd.DataFrame:
        """Rows kept aside: source row, reason, column, bad value, message, then raw values."""
        return self.sql("SELECT * FROM {quarantine} ORDER BY source_row")

    def quarantine_reasons(self) -> dict[str, int]:
        """Reason -> number of rows kept aside for it, most frequent first."""
        rows = self.sql(
            "SELECT reason, count(*) AS n FROM {quarantine} GROUP BY reason ORDER BY n DESC, reason"
        )
        return {str(r): int(n) for r, n in zip(rows["reason"], rows["n"], strict=True)}

    def export_quarantine(self, path: str | Path) -> int:
        """Write the quarantined rows to a CSV file; returns how many were written."""
        path = Path(path)
        self._con.execute(
            f"COPY (SELECT * FROM {self._quarantine} ORDER BY source_row) "
            f"TO {literal(str(path))} (HEADER, DELIMITER ',')"
        )
        return self.n_quarantined

    def summary(self) -> ImportSummary:
        """Counts for the import report: events, cases, activities, variants, quarantine."""
        from mining._scans import get_variants  # the scans need this module; no cycle at import

        reasons = self.quarantine_reasons()
        return ImportSummary(
            name=self.name,
            source=self.meta.source,
            format=self.meta.format,
            rows_read=self.meta.rows_read,
            events=self.n_events,
            cases=self.n_cases,
            activities=self.n_activities,
            variants=len(get_variants(self)),
            quarantined=sum(reasons.values()),
            quarantine_reasons=reasons,
            mapping=self.mapping.as_dict(),
            detected=list(self.mapping.detected),
            timestamp_parsing=self.meta.timestamp_parsing,
            notes=list(self.meta.notes),
            vocabulary=self.vocabulary.to_dict(),
        )
