"""The dashboard's background prefetch is bounded: a full queue drops its oldest piece, a piece
waiting too long is dropped, nothing runs while nobody is looking, and requests go first; and
``mejora dashboard`` serves through gunicorn by default."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard._prefetch import Prefetcher
from dashboard._serve import gunicorn_options


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def blocked(prefetch: Prefetcher) -> threading.Event:
    """Occupy the prefetch thread until the returned event is set."""
    gate, started = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(10)

    prefetch.submit("hold", hold, first=True)
    assert started.wait(5)
    return gate


def test_a_full_queue_drops_its_oldest_piece_but_keeps_those_put_first():
    done: list[str] = []
    prefetch = Prefetcher(limit=3)
    gate = blocked(prefetch)
    prefetch.submit("index", lambda: done.append("index"), first=True)
    for name in "abcd":
        prefetch.submit(name, lambda name=name: done.append(name))
    assert prefetch.submit("c", lambda: done.append("again")) is False  # queued once
    gate.set()
    prefetch.settle(5)
    assert done == ["index", "c", "d"]
    assert prefetch.dropped == 2
    prefetch.close()


def test_pieces_wait_no_longer_than_their_ttl():
    clock = Clock()
    done: list[str] = []
    prefetch = Prefetcher(ttl=20, idle=1e9, clock=clock)
    gate = blocked(prefetch)
    prefetch.submit("old", lambda: done.append("old"))
    clock.now += 25
    prefetch.submit("new", lambda: done.append("new"))
    gate.set()
    prefetch.settle(5)
    assert done == ["new"]
    assert prefetch.dropped == 1
    prefetch.close()


def test_nothing_runs_when_nobody_is_looking():
    clock = Clock()
    done: list[str] = []
    prefetch = Prefetcher(idle=15, ttl=1e9, clock=clock)
    gate = blocked(prefetch)
    for name in "abc":
        prefetch.submit(name, lambda name=name: done.append(name))
    clock.now += 16  # no request for 16 s
    gate.set()
    prefetch.settle(5)
    assert done == []
    assert prefetch.dropped == 3
    assert prefetch.waiting == 0
    prefetch.request_started()  # someone is back: new work runs again
    prefetch.request_ended()
    prefetch.submit("d", lambda: done.append("d"))
    prefetch.settle(5)
    assert done == ["d"]
    prefetch.close()


def test_requests_go_first_for_up_to_the_patience():
    clock = Clock()
    done: list[str] = []
    prefetch = Prefetcher(patience=1.0, clock=clock)
    prefetch.request_started()
    prefetch.submit("a", lambda: done.append("a"))
    time.sleep(0.3)
    assert done == []  # a request is being answered
    prefetch.request_ended()
    prefetch.settle(5)
    assert done == ["a"]
    prefetch.request_started()  # a request that never ends (a stuck one) holds it 1 s at most
    prefetch.submit("b", lambda: done.append("b"))
    clock.now += 1.5
    prefetch.settle(5)
    assert done == ["a", "b"]
    prefetch.close()


def test_a_failing_piece_is_dropped_and_the_next_runs():
    done: list[str] = []
    prefetch = Prefetcher()
    prefetch.submit("bad", lambda: 1 / 0)
    prefetch.submit("good", lambda: done.append("good"))
    prefetch.settle(5)
    assert done == ["good"]
    prefetch.close()


def test_gunicorn_runs_one_process_with_threads():
    options = gunicorn_options("127.0.0.1", 8050, 16)
    assert options["bind"] == ["127.0.0.1:8050"]
    assert (options["workers"], options["worker_class"], options["threads"]) == (1, "gthread", 16)
    assert gunicorn_options("::1", 8050, 4)["bind"] == ["[::1]:8050"]


@pytest.mark.parametrize("server", ["gunicorn", "flask"])
def test_mejora_dashboard_serves_with_the_chosen_server(tmp_path, server):
    """The command starts the server it names (gunicorn by default), which answers the login
    page on 127.0.0.1 and stops on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MEJORA_SECRET_KEY": "s" * 64, "MEJORA_WORKFLOWS": str(tmp_path / "w")}
    command = [sys.executable, "-m", "mejora", "dashboard", "--store", str(tmp_path / "s.duckdb")]
    command += ["--users", str(tmp_path / "users.json"), "--port", str(port), "--no-samples"]
    if server == "flask":
        command += ["--server", "flask"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    assert "csrf" in r.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the dashboard did not answer"
                time.sleep(0.2)
        children = os.popen(f"ps --ppid {process.pid} -o comm=").read().split()
        assert (len(children) == 1) is (server == "gunicorn")  # gunicorn's one worker process
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    # gunicorn stops gracefully on SIGTERM; Flask's server is simply ended by it
    assert process.returncode in ((0,) if server == "gunicorn" else (0, -signal.SIGTERM)), output
    assert "created the user 'admin'" in output
