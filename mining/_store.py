"""The event store: imported logs kept as tables in one DuckDB file, with their metadata.

Default location: ``$MEJORA_STORE`` or ``<user data dir>/mejora/store.duckdb``. Saving a log under
a name that exists replaces it in one transaction: readers see the old log or the new one, never a
mix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import platformdirs

from mining._eventlog import EventLog, LogMetadata
from mining._sql import fetch_one, ident
from mining._vocabulary import Vocabulary, apply_choices
from mining.exceptions import LogNotFoundError, StoreError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_META = "mejora_logs"
_BATCH = 1 << 20


def default_store_path() -> Path:
    """``$MEJORA_STORE`` if set, else ``store.duckdb`` in the user's data directory."""
    env = os.environ.get("MEJORA_STORE")
    if env:
        return Path(env)
    return platformdirs.user_data_path("mejora") / "store.duckdb"


def check_name(name: str) -> str:
    """A log name: letters, digits, '_', '.', '-', at most 64 characters."""
    if not _NAME.match(name):
        raise ValueError(
            f"invalid log name {name!r}: use letters, digits, '_', '.', '-' (at most 64, "
            "starting with a letter or digit)"
        )
    return name


@dataclass(frozen=True)
class LogInfo:
    """One line of the store's catalogue."""

    name: str
    source: str
    format: str
    rows_read: int
    events: int
    cases: int
    quarantined: int
    imported_at: datetime


def _same_types(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Select list restoring ENUM columns, which arrive through Arrow as plain text."""
    columns = []
    for name, dtype, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        column = ident(name)
        enum = dtype.startswith("ENUM(")
        columns.append(f"CAST({column} AS {dtype}) AS {column}" if enum else column)
    return ", ".join(columns)


class EventStore:
    """A DuckDB file holding imported logs. ``threads`` caps the threads DuckDB runs one query
    on, for every connection to the file in this process (a server answering many requests at
    once gains nothing from splitting each one).

    Example:
        >>> with EventStore("mejora.duckdb") as store:   # doctest: +SKIP
        ...     store.save(read_log("deals.csv"), "deals")
        ...     log = store.load("deals")
    """

    def __init__(
        self, path: str | Path | None = None, *, read_only: bool = False, threads: int | None = None
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        if read_only and not self.path.exists():
            raise LogNotFoundError(f"{self.path}: no event store here yet; import a log first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            held = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", first)
            if held:
                what = "write to it" if not read_only else "read it"
                raise StoreError(
                    f"{self.path}: another process (PID {held.group(1)}: a running `mejora "
                    f"dashboard`?) is writing or holds it, so this command cannot {what} now. "
                    "Reading commands work while a dashboard runs; to import, use the "
                    "dashboard's Data page or stop it first"
                ) from exc
            raise StoreError(f"{self.path}: cannot open the event store: {first}") from exc
        self._con.execute("SET TimeZone = 'UTC'")
        if threads is not None:  # DuckDB's setting: every connection to the file in this process
            self._con.execute(f"SET threads = {int(threads)}")
        if not read_only:
            self._con.execute(
                f"CREATE TABLE IF NOT EXISTS {_META} (name VARCHAR PRIMARY KEY, source VARCHAR, "
                "format VARCHAR, rows_read BIGINT, events BIGINT, cases BIGINT, "
                "quarantined BIGINT, imported_at TIMESTAMPTZ, meta VARCHAR)"
            )

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database file."""
        self._con.close()

    @staticmethod
    def _tables(name: str) -> tuple[str, str]:
        return f"events__{name}", f"quarantine__{name}"

    def save(self, log: EventLog, name: str | None = None) -> EventLog:
        """Store ``log`` under ``name`` (default: its own), replacing any log of that name."""
        name = check_name(name or log.name)
        events, quarantine = self._tables(name)
        meta = dataclasses.replace(log.meta, name=name)
        con = self._con
        same = log.connection is con
        con.execute("BEGIN TRANSACTION")
        try:
            for table, ref in ((events, log.events_ref), (quarantine, log._quarantine)):
                if same:
                    con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT * FROM {ref}")
                    continue
                columns = _same_types(log.connection, ref)
                reader = log.connection.sql(f"SELECT * FROM {ref}").to_arrow_reader(_BATCH)
                con.register("__incoming", reader)
                try:
                    con.execute(
                        f"CREATE OR REPLACE TABLE {ident(table)} AS "
                        f"SELECT {columns} FROM __incoming"
                    )
                finally:
                    con.unregister("__incoming")
            counts = fetch_one(
                con, f"SELECT count(*), count(DISTINCT case_id) FROM {ident(events)}"
            )
            n_quarantined = fetch_one(con, f"SELECT count(*) FROM {ident(quarantine)}")[0]
            con.execute(f"DELETE FROM {_META} WHERE name = ?", [name])
            con.execute(
                f"INSERT INTO {_META} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    name,
                    meta.source,
                    meta.format,
                    meta.rows_read,
                    counts[0],
                    counts[1],
                    n_quarantined,
                    meta.imported_at,
                    meta.to_json(),
                ],
            )
            con.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # a failed COMMIT ended it already
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.IOException | duckdb.TransactionException):
                first = str(exc).strip().splitlines()[0]
                raise StoreError(
                    f"{self.path}: could not write the store (disk full, or not writable?): "
                    f"{first}. Nothing was changed: the logs stored before are as they were"
                ) from exc
            raise
        return self.load(name)

    def load(self, name: str) -> EventLog:
        """The stored log called ``name``."""
        row = self._meta_row(name)
        events, quarantine = self._tables(name)
        return EventLog(
            self._con,
            events_table=events,
            quarantine_table=quarantine,
            meta=LogMetadata.from_json(row),
        )

    def set_vocabulary(self, name: str, vocabulary: Vocabulary) -> EventLog:
        """Store ``vocabulary`` as the stored log ``name``'s (explicit choices made after
        import); the events are untouched."""
        meta = dataclasses.replace(
            LogMetadata.from_json(self._meta_row(name)), vocabulary=vocabulary.to_dict()
        )
        self._con.execute(f"UPDATE {_META} SET meta = ? WHERE name = ?", [meta.to_json(), name])
        return self.load(name)

    def revise_vocabulary(
        self,
        name: str,
        roles: Mapping[str, str | None] | None = None,
        kinds: Mapping[str, Sequence[str]] | None = None,
        *,
        reset: bool = False,
    ) -> EventLog:
        """Correct the stored log ``name``'s vocabulary: ``reset`` detects it again, then
        ``roles`` (role -> column, None clears) and ``kinds`` (kind -> labels) are applied.
        Refused (EventLogError) when a role or kind is unknown or names a column or label the
        log does not have."""
        log = self.load(name)
        if not (reset or roles or kinds):
            return log
        vocabulary = log.detected_vocabulary() if reset else log.vocabulary
        if roles or kinds:
            vocabulary = apply_choices(
                vocabulary,
                roles,
                kinds,
                columns=log.columns,
                activities=log.activity_labels(),
                source=f"log {name!r}",
            )
        return self.set_vocabulary(name, vocabulary)

    def consent_logs(self) -> list[str]:
        """The stored logs consent analyses can read (their vocabulary names a contact, sends
        and withdrawals), most events first."""
        found = [i for i in self.logs() if self.load(i.name).vocabulary.covers_consent()]
        return [i.name for i in sorted(found, key=lambda i: (-i.events, i.name))]

    def _meta_row(self, name: str) -> str:
        try:
            row = fetch_one(self._con, f"SELECT meta FROM {_META} WHERE name = ?", [name])
        except duckdb.CatalogException:
            row = ()
        if not row:
            known = ", ".join(info.name for info in self.logs()) or "none yet"
            raise LogNotFoundError(f"no log named {name!r} in {self.path} (logs: {known})")
        return row[0]

    def __contains__(self, name: str) -> bool:
        return any(info.name == name for info in self.logs())

    def logs(self) -> list[LogInfo]:
        """Every stored log, by name."""
        try:
            rows = self._con.execute(
                f"SELECT name, source, format, rows_read, events, cases, quarantined, imported_at "
                f"FROM {_META} ORDER BY name"
            ).fetchall()
        except duckdb.CatalogException:
            return []
        return [LogInfo(*row) for row in rows]

    def delete(self, name: str) -> None:
        """Remove a stored log and its quarantine."""
        self._meta_row(name)
        events, quarantine = self._tables(name)
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DROP TABLE IF EXISTS {ident(events)}")
            con.execute(f"DROP TABLE IF EXISTS {ident(quarantine)}")
            con.execute(f"DELETE FROM {_META} WHERE name = ?", [name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
