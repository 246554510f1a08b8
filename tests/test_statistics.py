"""Process statistics: hand-checked tiny logs, pm4py parity on the reference logs, the planted
problems of the sample logs, filtered views, empty logs, and the business calendar."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import mining
import sample_logs
from mining import BusinessCalendar, FilterStack
from mining._pm4py_adapter import _pm4py, to_pm4py_dataframe
from mining.exceptions import EventLogError
from tests.conftest import LOGS

HOUR = 3600.0
DAY = 86400.0

# two cases; resources r1, r2; "b" repeats in case 1, by r2
TINY = """case,activity,timestamp,resource
1,a,2024-01-01 10:00,r1
1,b,2024-01-01 11:00,r2
1,b,2024-01-01 13:00,r2
1,c,2024-01-02 10:00,r1
2,a,2024-01-02 09:00,r1
2,b,2024-01-03 09:00,r1
2,c,2024-01-03 10:00,r2
"""

# start and completion; in case 1, c starts while b runs (its waiting time is floored at 0)
INTERVALS = """case,activity,start_timestamp,timestamp
1,a,2024-01-01 09:00,2024-01-01 10:00
1,b,2024-01-01 10:30,2024-01-01 12:00
1,c,2024-01-01 11:00,2024-01-01 11:30
2,a,2024-01-02 09:00,2024-01-02 09:30
2,b,2024-01-02 13:00,2024-01-02 14:00
"""


@pytest.fixture
def tiny(write_csv) -> mining.EventLog:
    return mining.read_log(write_csv(TINY))


@pytest.fixture
def intervals(write_csv) -> mining.EventLog:
    return mining.read_log(write_csv(INTERVALS, "intervals.csv"))


@pytest.fixture(scope="module")
def sales() -> mining.EventLog:
    return sample_logs.load_sales_activities()


@pytest.fixture(scope="module")
def pm4py():
    return _pm4py()


def _by_activity(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(frame["activity"].astype(str)).drop(columns="activity")


# -- hand-checked tiny logs ---------------------------------------------------------------------
def test_throughput_times_by_hand(tiny):
    times = mining.throughput_times(tiny)
    assert list(times.columns) == ["case_id", "start", "end", "throughput_seconds", "events"]
    assert times["throughput_seconds"].tolist() == [DAY, DAY + HOUR]
    assert times["events"].tolist() == [4, 3]
    assert times["start"][0] == pd.Timestamp("2024-01-01 10:00", tz="UTC")


def test_throughput_times_is_case_statistics_without_start_times(tiny):
    ours = mining.throughput_times(tiny)
    theirs = mining.case_statistics(tiny).rename(columns={"duration_seconds": "throughput_seconds"})
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)


def test_activity_times_without_start_times_by_hand(tiny):
    times = _by_activity(mining.activity_times(tiny))
    assert not any(c.startswith("service") for c in times.columns)
    assert times["waiting_includes_service"].all()
    assert mining.activity_times(tiny).attrs["waiting_includes_service"] is True
    assert (times.loc["b", "events"], times.loc["b", "cases"]) == (3, 2)
    # b waits 1 h, 2 h (after the first b) and 24 h
    assert times.loc["b", "waiting_seconds_mean"] == pytest.approx((1 + 2 + 24) * HOUR / 3)
    assert times.loc["b", "waiting_seconds_median"] == 2 * HOUR
    assert times.loc["b", "waiting_seconds_p90"] == pytest.approx(2 * HOUR + 0.8 * 22 * HOUR)
    # c waits 21 h and 1 h; a is always first, so it has no waiting time
    assert times.loc["c", "waiting_seconds_median"] == 11 * HOUR
    assert times.loc["c", "waiting_seconds_p90"] == pytest.approx(HOUR + 0.9 * 20 * HOUR)
    assert np.isnan(times.loc["a", "waiting_seconds_mean"])


def test_activity_times_with_start_times_by_hand(intervals):
    assert intervals.has_start_timestamp
    times = _by_activity(mining.activity_times(intervals))
    assert not times["waiting_includes_service"].any()
    assert times.loc["a", "service_seconds_mean"] == 2700.0
    assert times.loc["b", "service_seconds_median"] == 4500.0
    assert times.loc["c", "service_seconds_mean"] == 1800.0
    # b: 10:30 - 10:00 and 13:00 - 09:30; c starts before b completes: floored at 0
    assert times.loc["b", "waiting_seconds_mean"] == (1800.0 + 12600.0) / 2
    assert times.loc["c", "waiting_seconds_mean"] == 0.0
    assert np.isnan(times.loc["a", "waiting_seconds_median"])


def test_throughput_times_start_at_the_first_start_time(intervals):
    times = mining.throughput_times(intervals)
    assert times["throughput_seconds"].tolist() == [3 * HOUR, 5 * HOUR]
    assert times["start"][0] == pd.Timestamp("2024-01-01 09:00", tz="UTC")


def test_rework_by_hand(tiny):
    by_activity = _by_activity(mining.rework(tiny))
    assert list(mining.rework(tiny).columns) == [
        "activity",
        "cases",
        "rework_cases",
        "rework_share",
        "extra_executions",
    ]
    assert by_activity.loc["b"].tolist() == [2, 1, 0.5, 1]
    assert by_activity.loc["a", "rework_cases"] == 0
    assert mining.rework(tiny)["activity"].astype(str).iloc[0] == "b"
    by_resource = mining.rework(tiny, by="resource")
    rows = {
        (r, str(a)): (c, w)
        for r, a, c, w in by_resource[["resource", "activity", "cases", "rework_cases"]].values
    }
    assert rows[("r2", "b")] == (1, 1)  # r2 did b twice in case 1
    assert rows[("r1", "b")] == (1, 0)  # r1 did b once in case 2
    assert by_resource.iloc[0][["resource", "extra_executions"]].tolist() == ["r2", 1]


def test_handovers_by_hand(tiny):
    edges = mining.handovers(tiny)
    assert list(edges.columns) == ["source", "target", "handovers", "cases", "median_gap_seconds"]
    assert edges.values.tolist() == [
        ["r1", "r2", 2, 2, HOUR],  # a -> b in case 1, b -> c in case 2
        ["r2", "r1", 1, 1, 21 * HOUR],  # second b -> c in case 1
    ]


def test_arrivals_and_wip_by_hand(tiny):
    days = mining.arrivals_and_wip(tiny, freq="D")
    assert list(days.columns) == ["period", "arrivals", "ended", "wip", "events"]
    assert days["period"].tolist() == list(
        pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    )
    assert days[["arrivals", "ended", "wip", "events"]].values.tolist() == [
        [1, 0, 1, 3],
        [1, 1, 1, 2],
        [0, 1, 0, 2],
    ]
    weeks = mining.arrivals_and_wip(tiny, freq="W")  # 2024-01-01 is a Monday
    assert weeks[["arrivals", "ended", "wip", "events"]].values.tolist() == [[2, 2, 0, 7]]
    with pytest.raises(ValueError, match="freq"):
        mining.arrivals_and_wip(tiny, freq="Q")


def test_arrivals_and_wip_keeps_quiet_periods(write_csv):
    text = (
        "case,activity,timestamp\nL,a,2024-01-15 10:00\nS,a,2024-02-05 10:00\n"
        "L,b,2024-03-10 10:00\nQ,a,2024-05-20 10:00\n"
    )
    months = mining.arrivals_and_wip(mining.read_log(write_csv(text)), freq="M")
    assert months["period"].dt.month.tolist() == [1, 2, 3, 4, 5]
    assert months[["arrivals", "ended", "wip", "events"]].values.tolist() == [
        [1, 0, 1, 1],
        [1, 1, 1, 1],  # S starts and ends; L still open
        [0, 1, 0, 1],
        [0, 0, 0, 0],
        [1, 1, 0, 1],
    ]


def test_attribute_summary_by_hand(write_csv):
    text = """case,activity,timestamp,region,amount,note
1,a,2024-01-01 10:00,North,10,x
1,b,2024-01-01 11:00,North,30,
2,a,2024-01-02 09:00,South,20,y
2,b,2024-01-02 10:00,South,20,y
3,a,2024-01-03 09:00,North,,
"""
    log = mining.read_log(write_csv(text))
    events = mining.attribute_summary(log).set_index("attribute")
    assert events.loc["region", "top_values"] == {"North": 3, "South": 2}
    assert events.loc["region", "kind"] == "text" and events.loc["region", "case_level"]
    assert events.loc["amount", "kind"] == "number" and not events.loc["amount", "case_level"]
    assert events.loc["amount", ["min", "median", "max"]].tolist() == [10.0, 20.0, 30.0]
    assert events.loc["amount", "non_null_share"] == 0.8
    assert events.loc["note", "distinct"] == 2 and events.loc["note", "case_level"]
    cases = mining.attribute_summary(log, level="case").set_index("attribute")
    assert list(cases.index) == ["region", "note"]
    assert "case_level" not in cases.columns
    assert cases.loc["region", "top_values"] == {"North": 2, "South": 1}
    assert cases.loc["note", "non_null_share"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="level"):
        mining.attribute_summary(log, level="trace")


def test_resource_verbs_need_resources(write_csv):
    log = mining.read_log(write_csv("case,activity,timestamp\n1,a,2024-01-01\n"))
    with pytest.raises(EventLogError, match="resource"):
        mining.handovers(log)
    with pytest.raises(EventLogError, match="resource"):
        mining.rework(log, by="resource")
    with pytest.raises(ValueError, match="by"):
        mining.rework(log, by="case")


def test_empty_log(write_csv):
    log = mining.read_log(
        write_csv("case,activity,timestamp,start_timestamp,resource,amount\n", "empty.csv"),
        mapping={"resource": "resource", "start_timestamp": "start_timestamp"},
    )
    calendar = BusinessCalendar()
    for frame in (
        mining.throughput_times(log),
        mining.throughput_times(log, calendar=calendar),
        mining.activity_times(log),
        mining.activity_times(log, calendar=calendar),
        mining.rework(log),
        mining.rework(log, by="resource"),
        mining.handovers(log),
        mining.arrivals_and_wip(log, freq="W"),
    ):
        assert isinstance(frame, pd.DataFrame) and frame.empty
    assert "service_seconds_p90" in mining.activity_times(log, calendar=calendar).columns
    for level in ("event", "case"):  # the columns are listed, with nothing in them
        summary = mining.attribute_summary(log, level=level)
        assert summary["attribute"].tolist() == ["resource", "amount"]
        assert summary["distinct"].eq(0).all() and summary["non_null_share"].isna().all()


# -- business calendar ---------------------------------------------------------------------------
def test_calendar_over_a_weekend():
    calendar = BusinessCalendar()  # UTC, Monday to Friday, 09:00-18:00
    assert calendar.working_seconds("2024-01-05 17:00", "2024-01-08 10:00") == 2 * HOUR
    assert calendar.working_seconds("2024-01-06 10:00", "2024-01-07 20:00") == 0.0
    assert calendar.working_seconds("2024-01-08 07:00", "2024-01-08 20:00") == 9 * HOUR
    assert calendar.working_seconds("2024-01-08 10:00", "2024-01-05 17:00") == -2 * HOUR


def test_calendar_skips_holidays():
    span = ("2024-12-24 12:00", "2024-12-26 12:00")
    assert BusinessCalendar().working_seconds(*span) == (6 + 9 + 3) * HOUR
    christmas = BusinessCalendar(holidays=("2024-12-25",))
    assert christmas.working_seconds(*span) == (6 + 3) * HOUR


def test_calendar_across_daylight_saving_in_madrid():
    madrid = BusinessCalendar("Europe/Madrid")
    # Fri 29 Mar 2024 09:00 CET (08:00Z) to Mon 1 Apr 18:00 CEST (16:00Z): two full days
    spring = ("2024-03-29 08:00Z", "2024-04-01 16:00Z")
    assert madrid.working_seconds(*spring) == 18 * HOUR
    assert BusinessCalendar().working_seconds(*spring) == 16 * HOUR  # the same hours in UTC
    # Fri 25 Oct 2024 17:00 CEST (15:00Z) to Mon 28 Oct 10:00 CET (09:00Z): 1 h + 1 h
    assert madrid.working_seconds("2024-10-25 15:00Z", "2024-10-28 09:00Z") == 2 * HOUR
    assert madrid.working_seconds("2024-10-25 16:00Z", "2024-10-28 08:00Z") == 0.0


def test_calendar_types_and_missing_values():
    calendar = BusinessCalendar()
    start = pd.Series(pd.to_datetime(["2024-01-05 17:00", None], utc=True), index=[7, 9])
    end = pd.Series(pd.to_datetime(["2024-01-08 10:00", "2024-01-09 10:00"], utc=True))
    result = calendar.working_seconds(start, end.to_numpy())
    assert isinstance(result, pd.Series) and list(result.index) == [7, 9]
    assert result[7] == 2 * HOUR and np.isnan(result[9])
    madrid = pd.Timestamp("2024-01-08 10:00", tz="Europe/Madrid")  # 09:00Z
    assert calendar.working_seconds(datetime(2024, 1, 5, 17), madrid) == HOUR
    array = calendar.working_seconds(np.array(["2024-01-05T17:00"], "datetime64[s]"), end[:1])
    assert isinstance(array, np.ndarray) and array.tolist() == [2 * HOUR]
    assert BusinessCalendar(workdays=()).working_seconds("2024-01-01", "2024-02-01") == 0.0


def test_calendar_validates():
    assert BusinessCalendar(workdays=("Friday", "mon")).workdays == ("mon", "fri")
    assert BusinessCalendar(holidays=("2024-12-25", "2024-01-01")).holidays == (
        "2024-01-01",
        "2024-12-25",
    )
    for kwargs in (
        {"timezone": "Mars/Olympus"},
        {"workdays": ("mon", "xyz")},
        {"start": "18:00", "end": "09:00"},
        {"start": "9h"},
        {"end": "25:00"},
        {"holidays": ("not a date",)},
    ):
        with pytest.raises(ValueError):
            BusinessCalendar(**kwargs)


def _reference_working_seconds(calendar: BusinessCalendar, a: datetime, b: datetime) -> float:
    """Day by day with real instants: the slow, obvious definition."""
    zone = ZoneInfo(calendar.timezone)
    opens = datetime.strptime(calendar.start, "%H:%M").time()
    closes = datetime.strptime(calendar.end, "%H:%M").time()
    day = a.astimezone(zone).date()
    total = 0.0
    while day <= b.astimezone(zone).date():
        workday = day.strftime("%a").lower() in calendar.workdays
        if workday and day.isoformat() not in calendar.holidays:
            low = max(a, datetime.combine(day, opens, zone))
            high = min(b, datetime.combine(day, closes, zone))
            total += max((high - low).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total


def test_calendar_matches_a_day_by_day_reference():
    calendar = BusinessCalendar(
        "Europe/Madrid",
        workdays=("mon", "tue", "wed", "thu", "sat"),
        start="08:30",
        end="17:15",
        holidays=("2024-01-01", "2024-03-29", "2024-08-15", "2024-12-25"),
    )
    rng = np.random.default_rng(4)
    origin = datetime(2024, 1, 1, tzinfo=ZoneInfo("UTC"))
    starts = [origin + timedelta(minutes=int(m)) for m in rng.integers(0, 525_600, 300)]
    minutes = rng.integers(0, 30_000, 300)
    ends = [s + timedelta(minutes=int(m)) for s, m in zip(starts, minutes, strict=True)]
    fast = calendar.working_seconds(pd.Series(starts), pd.Series(ends))
    slow = [_reference_working_seconds(calendar, a, b) for a, b in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(fast.to_numpy(), slow)


def test_calendar_is_vectorised_on_large_inputs():
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 86400, 500_000), unit="s"
    )
    end = start + pd.to_timedelta(rng.integers(0, 30 * 86400, 500_000), unit="s")
    result = BusinessCalendar("Europe/Madrid").working_seconds(start, end)
    assert result.shape == (500_000,) and (result >= 0).all()


def test_calendar_on_the_verbs(tiny, intervals):
    calendar = BusinessCalendar()  # Mon 2024-01-01 is a working day here
    times = mining.throughput_times(tiny, calendar=calendar)
    # case 1: Mon 10:00 -> Tue 10:00 = 8 h + 1 h; case 2: Tue 09:00 -> Wed 10:00 = 9 h + 1 h
    assert times["throughput_seconds"].tolist() == [9 * HOUR, 10 * HOUR]
    assert times.attrs["calendar"]["start"] == "09:00"
    waiting = _by_activity(mining.activity_times(tiny, calendar=calendar))
    # c waits Mon 13:00 -> Tue 10:00 (5 h + 1 h) in case 1 and 1 h in case 2
    assert waiting.loc["c", "waiting_seconds_mean"] == (6 + 1) * HOUR / 2
    # a 24/7 calendar changes nothing
    always = BusinessCalendar(
        workdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start="00:00", end="24:00"
    )
    for log in (tiny, intervals):
        with_calendar = mining.activity_times(log, calendar=always)
        without = mining.activity_times(log)
        assert list(with_calendar.columns) == list(without.columns)
        pd.testing.assert_frame_equal(
            _by_activity(with_calendar), _by_activity(without), check_dtype=False
        )


# -- pm4py parity --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def receipt() -> mining.EventLog:
    if not LOGS.is_dir():
        pytest.skip(f"reference logs not found at {LOGS}")
    return mining.read_log(LOGS / "receipt.xes")


@pytest.fixture(scope="module")
def interval_log() -> mining.EventLog:
    if not LOGS.is_dir():
        pytest.skip(f"reference logs not found at {LOGS}")
    return mining.read_log(LOGS / "interval_event_log.csv")


def test_case_durations_match_pm4py(receipt, pm4py):
    frame = to_pm4py_dataframe(receipt)
    ours = np.sort(mining.throughput_times(receipt)["throughput_seconds"].to_numpy())
    np.testing.assert_allclose(ours, pm4py.get_all_case_durations(frame))
    # business hours: pm4py's default slots are Monday to Friday 07:00-17:00 (wall clock, UTC)
    calendar = BusinessCalendar(start="07:00", end="17:00")
    ours = mining.throughput_times(receipt, calendar=calendar)["throughput_seconds"]
    theirs = pm4py.get_all_case_durations(frame, business_hours=True)
    np.testing.assert_allclose(np.sort(ours.to_numpy()), theirs, atol=1e-6)


def test_interval_case_durations_add_the_first_service_time(interval_log, pm4py):
    """pm4py measures a case from its first completion; Mejora from its first start."""
    ours = mining.throughput_times(interval_log).set_index("case_id")
    events = interval_log.to_pandas().groupby("case_id")
    first_completion = events["timestamp"].min().reindex(ours.index)
    completion_only = (ours["end"] - first_completion).dt.total_seconds()
    theirs = pm4py.get_all_case_durations(to_pm4py_dataframe(interval_log))
    np.testing.assert_allclose(np.sort(completion_only.to_numpy()), theirs)
    assert (ours["start"] == events["start_timestamp"].min().reindex(ours.index)).all()
    assert (ours["throughput_seconds"] > completion_only).all()


def test_service_times_match_pm4py(interval_log, pm4py):
    frame = to_pm4py_dataframe(interval_log)
    ours = _by_activity(mining.activity_times(interval_log))
    for measure in ("mean", "median"):
        theirs = pm4py.get_service_time(
            frame, start_timestamp_key="start_timestamp", aggregation_measure=measure
        )
        assert set(theirs) == set(ours.index)
        for activity, seconds in theirs.items():
            assert ours.loc[activity, f"service_seconds_{measure}"] == pytest.approx(seconds)


def _pm4py_flow_times(pm4py, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """pm4py's performance-DFG flow times, gathered per target activity."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flows, _, _ = pm4py.discover_performance_dfg(frame, perf_aggregation_key="raw_values")
    gathered: dict[str, list[float]] = {}
    for (_, target), values in flows.items():
        gathered.setdefault(target, []).extend(values)
    return {k: np.asarray(v, dtype=float) for k, v in gathered.items()}


@pytest.mark.parametrize("which", ["interval_log", "receipt"])
def test_waiting_times_match_pm4py_flow_times(which, request, pm4py):
    """Waiting = pm4py's performance-DFG flow times into the activity, floored at 0 (on the
    interval log pm4py orders by start time and 58 of its 6,843 flows are negative)."""
    log = request.getfixturevalue(which)
    ours = _by_activity(mining.activity_times(log))
    flows = _pm4py_flow_times(pm4py, to_pm4py_dataframe(log))
    negative = sum(int((v < 0).sum()) for v in flows.values())
    assert negative == (58 if which == "interval_log" else 0)
    assert set(flows) == set(ours.index[ours["waiting_seconds_mean"].notna()])
    for activity, values in flows.items():
        values = np.clip(values, 0, None)
        row = ours.loc[activity]
        assert row["waiting_seconds_mean"] == pytest.approx(values.mean())
        assert row["waiting_seconds_median"] == pytest.approx(np.median(values))
        assert row["waiting_seconds_p90"] == pytest.approx(np.quantile(values, 0.9))


def test_rework_matches_pm4py(receipt, pm4py):
    theirs = pm4py.get_rework_cases_per_activity(to_pm4py_dataframe(receipt))
    ours = _by_activity(mining.rework(receipt))["rework_cases"]
    assert theirs == {a: int(n) for a, n in ours.items() if n > 0}


def test_handover_counts_match_pm4py(receipt, pm4py):
    """pm4py's weights (beta=0) are counts over all consecutive pairs, a resource following
    itself included; Mejora counts handovers between different resources."""
    frame = to_pm4py_dataframe(receipt)
    network = pm4py.discover_handover_of_work_network(frame).connections
    pairs = int((frame.groupby("case:concept:name").size() - 1).sum())
    theirs = {k: round(w * pairs) for k, w in network.items() if k[0] != k[1]}
    edges = mining.handovers(receipt)
    pairs_seen = zip(edges["source"], edges["target"], strict=True)
    ours = dict(zip(pairs_seen, edges["handovers"], strict=True))
    assert ours == theirs
    assert len(ours) == 246 and sum(ours.values()) == 1208 and pairs == 7143
    for (source, target), weight in network.items():
        if source != target:
            assert ours[(source, target)] / pairs == pytest.approx(weight)


# -- planted problems, filtered views ------------------------------------------------------------
def test_rep03_proposal_rework_stands_out(sales):
    reworked = mining.rework(sales, by="resource")
    top = reworked.iloc[0]
    assert (top["resource"], str(top["activity"])) == ("rep03", "Proposal sent")
    assert (top["cases"], top["rework_cases"]) == (23, 16)
    assert top["rework_share"] == pytest.approx(16 / 23)
    assert reworked["rework_cases"].iloc[1:].eq(0).all()
    by_activity = _by_activity(mining.rework(sales))
    assert by_activity.loc["Proposal sent", ["cases", "rework_cases"]].tolist() == [192, 16]


def test_north_waits_four_times_longer_for_demo_scheduling(sales):
    def median_hours(keep: bool) -> float:
        view = FilterStack([mining.CaseAttribute("region", ("North",), keep=keep)]).apply(sales)
        times = _by_activity(mining.activity_times(view))
        return times.loc["Demo scheduled", "waiting_seconds_median"] / HOUR

    north, rest = median_hours(True), median_hours(False)
    assert north == pytest.approx(97.5, abs=0.1) and rest == pytest.approx(24.8, abs=0.1)
    assert north / rest == pytest.approx(4, rel=0.05)


def test_verbs_work_on_filtered_views(sales):
    view = FilterStack([mining.CaseAttribute("resource", ("rep03",))]).apply(sales)
    times = mining.throughput_times(view)
    full = mining.throughput_times(sales).set_index("case_id")
    assert len(times) == view.n_cases == 34
    pd.testing.assert_frame_equal(
        times.set_index("case_id"), full.loc[times["case_id"]], check_dtype=False
    )
    assert mining.rework(view, by="resource")["resource"].unique().tolist() == ["rep03"]
    assert mining.activity_times(view)["events"].sum() == view.n_events
    assert mining.arrivals_and_wip(view, freq="W")["arrivals"].sum() == 34
    assert mining.arrivals_and_wip(view, freq="W")["events"].sum() == view.n_events
    assert mining.handovers(view).empty  # one rep per deal
    summary = mining.attribute_summary(view, level="case").set_index("attribute")
    assert summary.loc["resource", "top_values"] == {"rep03": 34}


def test_filtered_handovers_are_a_subset(receipt):
    view = FilterStack([mining.TimeRange("2011-01-01", "2011-07-01")]).apply(receipt)
    part = mining.handovers(view).set_index(["source", "target"])["handovers"]
    whole = mining.handovers(receipt).set_index(["source", "target"])["handovers"]
    assert 0 < part.sum() < whole.sum()
    assert (part <= whole.reindex(part.index)).all()
    assert mining.arrivals_and_wip(view, freq="M")["arrivals"].sum() == view.n_cases


def test_receipt_case_attributes_are_detected(receipt):
    summary = mining.attribute_summary(receipt).set_index("attribute")
    case_columns = [c for c in summary.index if c.startswith("case:")]
    assert summary.loc[case_columns, "case_level"].all()
    assert not summary.loc[["org:group", "concept:instance", "resource"], "case_level"].any()
    assert summary.loc["case:startdate", "kind"] == "time"
    cases = mining.attribute_summary(receipt, level="case").set_index("attribute")
    channels = cases.loc["case:channel", "top_values"]
    assert channels and sum(channels.values()) <= receipt.n_cases
