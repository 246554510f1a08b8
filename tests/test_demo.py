"""The main job: `mejora demo` loads the samples and finds the planted problems, with the
numbers of the ground truth in sample_logs/README.md."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

import mining
from mining import EventStore
from sample_logs._findings import WELCOME_FILTER, find_planted_problems


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's printed output and its findings, on a fresh store."""
    from mejora.cli import main

    path = tmp_path_factory.mktemp("demo") / "store.duckdb"
    capture = pytest.MonkeyPatch()
    capture.setenv("MEJORA_STORE", str(path))
    capture.setenv("COLUMNS", "250")
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):  # rich writes to the current sys.stdout
            assert main(["demo"]) == 0
    finally:
        capture.undo()
    with EventStore(path, read_only=True) as store:
        findings = find_planted_problems(store)
        welcome = mining.FilterStack.from_json(WELCOME_FILTER).apply(store.load("campaigns"))
        welcome_cases = welcome.n_cases
    return buffer.getvalue(), findings, welcome_cases


def _finding(findings, topic, contains=""):
    [finding] = [f for f in findings if f.topic == topic and contains in f.text]
    return finding


def test_the_demo_finds_every_planted_problem(demo):
    _, findings, _ = demo
    assert _finding(findings, "conformance", "skipped 'Demo held'").value == 60  # problem 4
    assert "0 of 298 contacts" in _finding(findings, "conformance", "never taken").text  # 3
    assert _finding(findings, "consent").value == 25  # problem 5
    assert _finding(findings, "bottlenecks").value < 3600  # the 3-day wait is designed
    root = _finding(findings, "root cause")  # problem 1
    assert "region = North" in root.text and root.value > 3
    assert "2025-12-22" in _finding(findings, "control chart").text  # problem 8
    assert round(_finding(findings, "pareto").value, 3) == 0.848  # problem 7


def test_the_demo_prints_them_with_runnable_commands(demo):
    out, findings, welcome_cases = demo
    assert "What Mejora finds in the samples" in out
    assert "25 emails went to 25 contacts" in out
    assert all(f.command.startswith("mejora ") for f in findings)
    assert welcome_cases == 3596  # the filter in the shown command keeps the welcome runs
