"""Fault injection on the import write path: a process that replaces a stored log is killed
(SIGKILL, no clean-up) at random moments, and the store is then opened again. It always holds the
whole old log or the whole new one, with its own counts, and takes the next import (issue: the
kills were tried by hand once; this repeats them on every run)."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import pytest

import mining
from mining import EventStore
from sample_logs._generate import write_crm_log

FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """Two CSV exports of different sizes: the old log (stored) and the new one (importing)."""
    folder = tmp_path_factory.mktemp("faults")
    return write_crm_log(folder / "old.csv", 2_000, seed=1), write_crm_log(
        folder / "new.csv", 40_000, seed=2
    )


def _import(store_path: str, source: str, started) -> None:
    log = mining.read_log(source)
    started.set()  # reading is done: the kill lands in the write to the store (or after)
    with EventStore(store_path) as store:
        store.save(log, "deals")
    os._exit(0)


def _stored(store_path) -> tuple[int, int, int]:
    with EventStore(store_path, read_only=True) as store:
        log = store.load("deals")
        info = {i.name: i for i in store.logs()}["deals"]
        assert (info.events, info.quarantined) == (log.n_events, log.n_quarantined)
        return log.n_events, log.n_quarantined, log.meta.rows_read


def test_an_import_killed_at_any_moment_leaves_the_old_log_or_the_new_one_whole(tmp_path, logs):
    old, new = logs
    store_path = tmp_path / "mejora.duckdb"
    with EventStore(store_path) as store:
        store.save(mining.read_log(old), "deals")
    before = _stored(store_path)
    expected_new = mining.read_log(new)
    after = (expected_new.n_events, expected_new.n_quarantined, expected_new.meta.rows_read)
    assert before != after and after[0] + after[1] == after[2]

    # first a full write, to know how long it takes, then kills spread over that time
    started = FORK.Event()
    child = FORK.Process(target=_import, args=(str(store_path), str(new), started))
    child.start()
    started.wait(60)
    t0 = time.monotonic()
    child.join(60)
    write_time = time.monotonic() - t0
    assert child.exitcode == 0 and _stored(store_path) == after
    with EventStore(store_path) as store:  # back to the old log for the kills
        store.save(mining.read_log(old), "deals")

    rng = random.Random(23)
    seen = set()
    for _ in range(12):
        started = FORK.Event()
        child = FORK.Process(target=_import, args=(str(store_path), str(new), started))
        child.start()
        assert started.wait(60)
        time.sleep(rng.uniform(0, write_time * 1.2))
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        state = _stored(store_path)
        assert state in (before, after), state
        seen.add("new" if state == after else "old")
        if state == after:  # start the next round from the old log again
            with EventStore(store_path) as store:
                store.save(mining.read_log(old), "deals")
    assert "old" in seen  # at least one kill landed inside the write
    with EventStore(store_path) as store:  # and the store takes the next import
        store.save(expected_new, "deals")
    assert _stored(store_path) == after
