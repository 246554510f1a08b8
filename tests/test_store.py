"""The event store keeps imported logs with their metadata; replacing a log is atomic."""

from __future__ import annotations

import duckdb
import pytest

import mining
from mining import EventStore, LogNotFoundError
from mining.exceptions import StoreError

LOG = (
    "case,activity,timestamp,region\n"
    "A,x,2024-01-01 10:00,N\nA,y,2024-01-01 11:00,N\nB,x,2024-01-02,S\n"
)


def test_save_load_roundtrip(store_path, write_csv):
    log = mining.read_log(write_csv(LOG + ",x,2024-01-03,S\n"), timezone="Europe/Madrid")
    with EventStore(store_path) as store:
        stored = store.save(log, "deals")
        assert stored.name == "deals"
    with EventStore(store_path, read_only=True) as store:
        again = store.load("deals")
        assert again.to_pandas().equals(log.to_pandas())
        assert again.mapping == log.mapping
        assert again.meta.timezone == "Europe/Madrid"
        assert again.quarantine_reasons() == {"missing_case_id": 1}
        types = dict(again.sql("DESCRIBE {events}")[["column_name", "column_type"]].values)
        assert types["activity"] == "ENUM('x', 'y')"  # stays compact and fast to scan
        [info] = store.logs()
        assert (info.name, info.events, info.cases, info.quarantined, info.rows_read) == (
            "deals",
            3,
            2,
            1,
            4,
        )


def test_reimport_replaces_and_a_failed_save_keeps_the_old_log(store_path, write_csv):
    with EventStore(store_path) as store:
        store.save(mining.read_log(write_csv(LOG)), "deals")
        bigger = LOG + "C,x,2024-01-04,S\n"
        assert store.save(mining.read_log(write_csv(bigger, "b.csv")), "deals").n_events == 4
        broken = mining.read_log(write_csv(LOG, "c.csv"))
        broken._quarantine = '"no_such_table"'  # the second copy fails inside the transaction
        with pytest.raises(Exception, match="no_such_table"):
            store.save(broken, "deals")
        assert store.load("deals").n_events == 4
        assert [i.name for i in store.logs()] == ["deals"]


def test_missing_log_names_the_known_ones(store_path, write_csv):
    with EventStore(store_path) as store:
        store.save(mining.read_log(write_csv(LOG)), "deals")
        with pytest.raises(LogNotFoundError, match=r"no log named 'dels'.*logs: deals"):
            store.load("dels")
        store.delete("deals")
        assert store.logs() == []


def test_invalid_names_are_refused(store_path, write_csv):
    with EventStore(store_path) as store, pytest.raises(ValueError, match="invalid log name"):
        store.save(mining.read_log(write_csv(LOG)), "x; DROP TABLE")


def test_default_store_path_follows_the_environment(store_path):
    assert mining.default_store_path() == store_path


class _FullDisk:
    """A connection whose COMMIT fails as on a full disk (DuckDB's own IOException)."""

    def __init__(self, con):
        self._real = con

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self._real.execute("ROLLBACK")
            raise duckdb.IOException('Could not write file "s.duckdb.wal": No space left on device')
        return self._real.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_a_full_disk_says_so_and_keeps_the_old_log(tmp_path, write_csv):
    # before: "internal error: TransactionException ... cannot rollback"
    first = mining.read_log(write_csv("case_id,activity,timestamp\nA,x,2024-01-01\n"))
    bigger = mining.read_log(
        write_csv("case_id,activity,timestamp\nA,x,2024-01-01\nB,y,2024-01-02\n", "b.csv")
    )
    with mining.EventStore(tmp_path / "s.duckdb") as store:
        store.save(first, "deals")
        real = store._con
        store._con = _FullDisk(real)
        with pytest.raises(StoreError, match=r"could not write the store .*No space left"):
            store.save(bigger, "deals")
        store._con = real
        assert store.load("deals").n_events == 1
