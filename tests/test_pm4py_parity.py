"""Mejora's scans equal pm4py's own results on the real public logs in ../shared."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

import mining
from mining._pm4py_adapter import _pm4py

# file, events, cases, activities, variants as read with pm4py 2.7.23 (shared/README.md)
PUBLISHED = {
    "running-example.xes": (42, 6, 8, 6),
    "receipt.xes": (8577, 1434, 27, 116),
    "helpdesk.xes.gz": (21348, 4580, 14, 226),
    "sepsis.xes.gz": (15214, 1050, 16, 846),
}
XES_LOGS = [*PUBLISHED, "roadtraffic100traces.xes", "reviewing.xes"]
CSV_LOGS = ["running-example.csv", "receipt.csv", "interval_event_log.csv"]


def _pm4py_frame(path) -> pd.DataFrame:
    pm4py = _pm4py()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".csv":
            frame = pd.read_csv(path)
            frame = pm4py.format_dataframe(
                frame,
                case_id="case:concept:name",
                activity_key="concept:name",
                timestamp_key="time:timestamp",
            )
            # pm4py orders its DFG (not its variants) by start time when a start_timestamp
            # column exists; Mejora orders every scan by completion time, so compare on that.
            return frame.drop(columns=["start_timestamp"], errors="ignore")
        return pm4py.read_xes(str(path), show_progress_bar=False)


def _assert_same_as_pm4py(log: mining.EventLog, frame: pd.DataFrame) -> None:
    pm4py = _pm4py()
    assert log.n_events == len(frame)
    assert log.n_cases == frame["case:concept:name"].nunique()
    assert log.n_activities == frame["concept:name"].nunique()
    variants = mining.get_variants(log).to_dict()
    assert variants == {k: int(v) for k, v in pm4py.get_variants(frame).items()}
    dfg = mining.discover_dfg(log)
    expected, starts, ends = pm4py.discover_dfg(frame)
    assert dfg.frequencies() == {k: int(v) for k, v in expected.items()}
    assert dfg.start_activities == {k: int(v) for k, v in starts.items()}
    assert dfg.end_activities == {k: int(v) for k, v in ends.items()}
    performance, _, _ = pm4py.discover_performance_dfg(frame)
    ours = {
        (r.source, r.target): (r.mean_seconds, r.median_seconds, r.max_seconds)
        for r in dfg.edges.itertuples()
    }
    for edge, stats in performance.items():
        mean, median, top = ours[edge]
        assert math.isclose(mean, stats["mean"], rel_tol=1e-9, abs_tol=1e-6), edge
        assert math.isclose(median, stats["median"], rel_tol=1e-9, abs_tol=1e-6), edge
        assert math.isclose(top, stats["max"], rel_tol=1e-9, abs_tol=1e-6), edge


@pytest.mark.parametrize("name", XES_LOGS + CSV_LOGS)
def test_scans_equal_pm4py(shared_logs, name):
    path = shared_logs / name
    log = mining.read_log(path, duplicates="keep")
    assert log.n_quarantined == 0
    _assert_same_as_pm4py(log, _pm4py_frame(path))


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_counts_match_published(shared_logs, name):
    events, cases, activities, variants = PUBLISHED[name]
    summary = mining.read_log(shared_logs / name, duplicates="keep").summary()
    assert (summary.events, summary.cases, summary.activities, summary.variants) == (
        events,
        cases,
        activities,
        variants,
    )


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "sepsis.xes.gz", "receipt.xes"])
def test_exact_duplicates_are_quarantined_not_lost(shared_logs, name):
    frame = _pm4py_frame(shared_logs / name)
    log = mining.read_log(shared_logs / name)
    summary = log.summary()
    assert summary.rows_read == len(frame)
    assert summary.events + summary.quarantined == len(frame)
    assert summary.quarantine_reasons.get("duplicate_event", 0) == int(frame.duplicated().sum())
