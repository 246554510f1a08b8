"""Lean and TOC: takt time, cycle times, utilisation, value-added share and the constraint on a
small interval log whose answers are known by hand, then on the sales sample (no start times)
against an independent pandas computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import mining
import sample_logs
from improvement import LeanAnalysis, takt_figure, takt_time
from mining import BusinessCalendar

ALWAYS = BusinessCalendar(
    "UTC", workdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start="00:00", end="24:00"
)
HOUR = 3600.0


def _interval_log(write_csv, b_resources=("r2",)) -> mining.EventLog:
    """10 cases, one a day from 2025-01-06: A 00:00-00:30 by r1, B 01:00-02:00 (alternating
    over ``b_resources``). The log spans 9 days and 2 hours = 218 hours."""
    rows = ["case,activity,start,end,who"]
    for i in range(10):
        day = pd.Timestamp("2025-01-06") + pd.Timedelta(days=i)
        at = lambda hours, day=day: (day + pd.Timedelta(hours=hours)).isoformat()  # noqa: E731
        rows.append(f"c{i},A,{at(0)},{at(0.5)},r1")
        rows.append(f"c{i},B,{at(1)},{at(2)},{b_resources[i % len(b_resources)]}")
    path = write_csv("\n".join(rows) + "\n")
    mapping = {
        "case_id": "case",
        "activity": "activity",
        "timestamp": "end",
        "start_timestamp": "start",
        "resource": "who",
    }
    return mining.read_log(path, mapping=mapping)


def test_known_answers_on_an_interval_log(write_csv):
    lean = takt_time(_interval_log(write_csv), calendar=ALWAYS)
    assert isinstance(lean, LeanAnalysis)
    available = 218 * HOUR
    assert lean.working_days == pytest.approx(218 / 24)
    assert lean.demand_per_day == pytest.approx(10 / (218 / 24))
    assert lean.takt_seconds == pytest.approx(available / 10)  # 21.8 h per case
    steps = lean.steps.set_index("activity")
    assert steps.loc["A", "cycle_seconds"] == pytest.approx(0.5 * HOUR)
    assert steps.loc["B", "cycle_seconds"] == pytest.approx(HOUR)
    assert set(steps["cycle_basis"]) == {"service"}
    assert steps.loc["B", "utilisation"] == pytest.approx(10 * HOUR / available)
    assert steps.loc["A", "utilisation"] == pytest.approx(5 * HOUR / available)
    assert steps.loc["B", "queue"] == pytest.approx(10 * 0.5 * HOUR / available)  # Little
    assert steps.loc["A", "queue"] == 0
    assert steps.loc["B", "capacity_per_day"] == pytest.approx(24)
    assert steps.loc["B", "load"] == pytest.approx(HOUR / (available / 10))
    assert lean.constraint == "B" and "highest utilisation" in lean.constraint_basis
    assert lean.throughput_cap_per_day == pytest.approx(24)
    # service 15 h (A 5 h, B 10 h) against waiting 5 h (B waits 30 min after A)
    assert lean.value_added_share == pytest.approx(0.75)
    assert lean.waiting_share == pytest.approx(0.25)
    assert any("Value-added (service) time is 75%" in s for s in lean.sentences())


def test_more_resources_shorten_the_cycle(write_csv):
    lean = takt_time(_interval_log(write_csv, ("r2", "r3")), calendar=ALWAYS)
    b = lean.steps.set_index("activity").loc["B"]
    assert b["resources"] == 2
    assert b["cycle_seconds"] == pytest.approx(0.5 * HOUR)
    assert b["utilisation"] == pytest.approx(10 * HOUR / (2 * 218 * HOUR))
    assert b["capacity_per_day"] == pytest.approx(48)


def test_given_demand_sets_takt_and_load(write_csv):
    log = _interval_log(write_csv)
    weekly = takt_time(log, demand=70, per="week", calendar=ALWAYS)  # 10 a day, 7 days a week
    assert weekly.takt_seconds == pytest.approx(2.4 * HOUR)
    assert weekly.steps.set_index("activity").loc["B", "load"] == pytest.approx(1 / 2.4)
    daily = takt_time(log, demand=10, per="day", calendar=ALWAYS)
    assert daily.takt_seconds == pytest.approx(weekly.takt_seconds)
    monthly = takt_time(log, demand=10 * 7 * 52 / 12, per="month", calendar=ALWAYS)
    assert monthly.takt_seconds == pytest.approx(weekly.takt_seconds)
    slow = takt_time(log, demand=48, per="day", calendar=ALWAYS)  # B needs one every 30 min
    assert slow.steps.set_index("activity").loc["B", "load"] == pytest.approx(2)
    assert any(s.startswith("Steps slower than takt: B") for s in slow.sentences())
    with pytest.raises(ValueError, match="per must be"):
        takt_time(log, demand=5, per="year")
    with pytest.raises(ValueError, match="positive"):
        takt_time(log, demand=0)


@pytest.fixture(scope="module")
def sales() -> mining.EventLog:
    return sample_logs.load_sales_activities()


def test_sales_sample_without_start_times(sales):
    calendar = BusinessCalendar()  # Mon-Fri 09:00-18:00 UTC
    lean = takt_time(sales, calendar=calendar)
    events = sales.to_pandas()
    events["activity"] = events["activity"].astype(str)
    available = calendar.working_seconds(events["timestamp"].min(), events["timestamp"].max())
    assert lean.working_days == pytest.approx(available / (9 * HOUR))
    assert lean.takt_seconds == pytest.approx(available / 278)
    # no start timestamps: no value-added split, demonstrated cycle times, constraint by queue
    assert lean.value_added_share is None
    assert any("cannot be split" in s for s in lean.sentences())
    steps = lean.steps.set_index("activity")
    assert set(steps["cycle_basis"]) == {"demonstrated"}
    assert steps["utilisation"].isna().all()
    assert lean.constraint == steps["queue"].idxmax()
    assert "longest queue" in lean.constraint_basis
    # queue of each step = working time since the previous event of the case / available time
    previous = events.groupby("case_id")["timestamp"].shift()
    waits = calendar.working_seconds(previous, events["timestamp"]).clip(lower=0)
    expected = waits.groupby(events["activity"]).sum() / available
    pd.testing.assert_series_equal(
        steps["queue"].sort_index(), expected.sort_index(), check_names=False
    )
    # demonstrated capacity = the best Monday-to-Sunday week of completions
    negotiation = events.loc[events["activity"] == "Negotiation", "timestamp"]
    best = negotiation.dt.tz_localize(None).dt.to_period("W-SUN").value_counts().max()
    assert steps.loc["Negotiation", "capacity_per_day"] == pytest.approx(best / 5)
    assert steps.loc["Negotiation", "cycle_seconds"] == pytest.approx(5 * 9 * HOUR / best)
    visits = (events["activity"] == "Negotiation").sum() / 278
    assert steps.loc["Negotiation", "visits_per_case"] == pytest.approx(visits)
    cap = steps.loc[lean.constraint, "throughput_cap_per_day"]
    assert lean.throughput_cap_per_day == cap
    assert np.isfinite(cap)


def test_takt_figure_marks_the_constraint(sales):
    lean = takt_time(sales, demand=40, per="week")
    figure = takt_figure(lean)
    assert isinstance(figure, go.Figure)
    bars, required = figure.data
    assert list(bars.x) == lean.steps["activity"].tolist()
    assert list(bars.y) == pytest.approx((lean.steps["cycle_seconds"] / HOUR).tolist())
    needed = (lean.steps["required_cycle_seconds"] / HOUR).tolist()
    assert list(required.y) == pytest.approx(needed)
    red = [c for c, flag in zip(bars.marker.color, lean.steps["constraint"], strict=True) if flag]
    assert len(red) == 1 and red[0] not in [
        c for c, f in zip(bars.marker.color, lean.steps["constraint"], strict=True) if not f
    ]
    assert [s.y0 for s in figure.layout.shapes] == pytest.approx([lean.takt_seconds / HOUR])
