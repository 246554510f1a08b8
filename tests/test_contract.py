"""Every public verb takes an EventLog, returns its declared type, leaves the log unchanged, and
handles an empty log and a one-case log."""

from __future__ import annotations

import pandas as pd
import pytest

import mining

VERBS = {
    mining.discover_dfg: mining.DFG,
    mining.get_variants: mining.Variants,
    mining.case_statistics: pd.DataFrame,
    mining.activity_statistics: pd.DataFrame,
    mining.throughput_times: pd.DataFrame,
    mining.activity_times: pd.DataFrame,
    mining.rework: pd.DataFrame,
    mining.arrivals_and_wip: pd.DataFrame,
    mining.attribute_summary: pd.DataFrame,
    mining.case_table: pd.DataFrame,
    mining.case_activities: pd.DataFrame,
}
ONE_CASE = (
    "case,activity,timestamp\nA,x,2024-01-01 10:00\nA,y,2024-01-01 10:30\nA,x,2024-01-01 12:00\n"
)


@pytest.fixture(params=["empty", "one_case"])
def log(request, write_csv):
    text = "case,activity,timestamp\n" if request.param == "empty" else ONE_CASE
    return mining.read_log(write_csv(text))


@pytest.mark.parametrize("verb", list(VERBS), ids=lambda v: v.__name__)
def test_verb_contract(verb, log):
    before = log.to_pandas()
    result = verb(log)
    assert isinstance(result, VERBS[verb])
    pd.testing.assert_frame_equal(log.to_pandas(), before)


def test_one_case_values(write_csv):
    log = mining.read_log(write_csv(ONE_CASE))
    dfg = mining.discover_dfg(log)
    assert dfg.frequencies() == {("x", "y"): 1, ("y", "x"): 1}
    assert dfg.start_activities == {"x": 1} and dfg.end_activities == {"x": 1}
    [case] = mining.case_statistics(log).to_dict("records")
    assert (case["case_id"], case["events"], case["duration_seconds"]) == ("A", 3, 7200.0)
    stats = mining.activity_statistics(log).set_index("activity")
    assert stats.loc["x", "events"] == 2 and stats.loc["x", "repeats"] == 1
    assert mining.get_variants(log).to_frame()["share"].tolist() == [1.0]
    counts = mining.attribute_counts(log, "activity").set_index("value")
    assert counts.loc["x", "events"] == 2 and counts.loc["x", "cases"] == 1
