"""KPI time series: periods, series from a KPI's items, control chart behind each, ETS forecasts
with prediction intervals, and drift alerts (a run rule, or a point outside its forecast)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import mining
import sample_logs
from improvement import (
    Period,
    compute_kpi,
    forecast_check,
    forecast_series,
    kpi_trend,
    kpi_trends,
    latest_period,
)
from improvement._kpi_series import series_of, signal_text
from improvement._run_rules import Signal
from tests._kpi_samples import sales_activities


# -- periods --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "start", "end", "previous"),
    [
        ("2025-12", "2025-12-01", "2026-01-01", "2025-11"),
        ("2026-01", "2026-01-01", "2026-02-01", "2025-12"),
        ("2025-W51", "2025-12-15", "2025-12-22", "2025-W50"),
        ("2026-W01", "2025-12-29", "2026-01-05", "2025-W52"),
        ("2025-Q1", "2025-01-01", "2025-04-01", "2024-Q4"),
        ("2025-12-15", "2025-12-15", "2025-12-16", "2025-12-14"),
        ("2025", "2025-01-01", "2026-01-01", "2024"),
    ],
)
def test_periods_parse_and_step_back(text, start, end, previous):
    period = Period.parse(text)
    assert period.start == pd.Timestamp(start, tz="UTC")
    assert period.end == pd.Timestamp(end, tz="UTC")
    assert period.previous().label == previous


def test_bad_periods_are_refused_with_the_forms_accepted():
    with pytest.raises(ValueError, match="ISO week"):
        Period.parse("December")
    with pytest.raises(ValueError, match="no such month"):
        Period.parse("2025-13")


def test_period_words_in_both_languages():
    text = Period.parse("2025-12").describe()
    assert (text.en, text.es) == ("December 2025", "diciembre 2025")


# -- forecasts ------------------------------------------------------------------------------
def test_forecast_interval_widens_and_holds_the_mean():
    values = [20.0, 22.0, 19.0, 21.0, 20.5, 19.5, 21.5, 20.0, 22.0, 19.0]
    forecast = forecast_series(values, horizon=3)
    assert forecast.model == "ETS(A,N,N)"
    assert all(
        lo < m < hi for lo, m, hi in zip(forecast.lower, forecast.mean, forecast.upper, strict=True)
    )
    widths = np.subtract(forecast.upper, forecast.lower)
    assert widths[0] <= widths[1] <= widths[2]
    assert 19.5 < forecast.mean[0] < 21.5


def test_forecast_is_clipped_to_the_kpi_range_and_needs_points():
    forecast = forecast_series([0.01, 0.0, 0.02, 0.0, 0.01, 0.0], bounds=(0, 1))
    assert min(forecast.lower) >= 0.0
    with pytest.raises(ValueError, match="at least 6 points"):
        forecast_series([1.0, 2.0, 3.0])
    flat = forecast_series([5.0] * 8, horizon=2)
    assert (flat.model, flat.mean, flat.upper) == ("constant", (5.0, 5.0), (5.0, 5.0))


def test_forecast_check_flags_a_jump_but_not_noise():
    history = [10.0, 11.0, 9.5, 10.5, 10.2, 9.8, 10.1, 10.4]
    assert forecast_check([*history, 25.0], holdout=1)[1].tolist() == [True]
    assert forecast_check([*history, 10.3], holdout=1)[1].tolist() == [False]


# -- series from items --------------------------------------------------------------------
def _log(write_csv, rows: list[tuple[str, str, str]]) -> mining.EventLog:
    text = "case_id,activity,timestamp\n" + "".join(f"{c},{a},{t}\n" for c, a, t in rows)
    return mining.read_log(write_csv(text, "weeks.csv"))


def test_series_per_week_for_a_share_a_median_and_a_count(write_csv):
    rows = [
        ("c1", "Qualified", "2025-01-06 09:00"), ("c1", "Closed won", "2025-01-08 09:00"),
        ("c2", "Qualified", "2025-01-07 09:00"), ("c2", "Closed lost", "2025-01-11 09:00"),
        ("c3", "Qualified", "2025-01-20 09:00"), ("c3", "Closed lost", "2025-01-21 09:00"),
    ]  # fmt: skip
    log = _log(write_csv, rows)
    wins = series_of(compute_kpi(log, "win_rate"), freq="W")
    assert wins.labels == ("2025-01-06", "2025-01-20")  # weeks with a case start only
    assert (wins.counts, wins.sizes) == ((1.0, 0.0), (2.0, 1.0))
    cycle = series_of(compute_kpi(log, "cycle_time"), freq="W")
    assert cycle.values == pytest.approx((3.0, 1.0))  # median of 2 and 4 days, then 1 day
    lost = compute_kpi(log, "lost_deals")
    span = (pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-01-21", tz="UTC"))
    counts = series_of(lost, freq="W", span=span)
    assert counts.labels == ("2025-01-06", "2025-01-13", "2025-01-20")
    assert counts.values == (1.0, 0.0, 1.0)  # the empty week is a zero, not missing


def _shifted_log(write_csv, shift_weeks: int) -> mining.EventLog:
    """Four deals a week for 16 weeks taking 2–3 days, then ``shift_weeks`` weeks of 8–9 days."""
    rows = []
    start = pd.Timestamp("2025-01-06 09:00")
    for week in range(16 + shift_weeks):
        for k in range(4):
            noise = [0.0, 0.4, -0.3, 0.2, -0.1, 0.3, -0.4, 0.1][week % 8]
            days = (8.0 if week >= 16 else 2.0) + noise + [0.1, 0.5, 0.9, 0.3][(week + k) % 4]
            first = start + pd.Timedelta(weeks=week, days=k)
            case = f"w{week}c{k}"
            rows.append((case, "Qualified", str(first)))
            rows.append((case, "Closed won", str(first + pd.Timedelta(days=days))))
    return _log(write_csv, rows)


def test_a_shift_after_the_baseline_raises_worse_alerts(write_csv):
    log = _shifted_log(write_csv, 3)
    trend = kpi_trend(log, "cycle_time", baseline_until="2025-04-28")
    assert trend.chart is not None and trend.chart.kind == "imr"
    assert trend.recent == 3
    kinds = {a.kind for a in trend.alerts}
    assert kinds == {"run_rule", "forecast"}
    assert all(a.worse for a in trend.alerts)  # longer cycle times are worse
    assert trend.alerts[0].label == "2025-04-28"
    assert trend.forecast is not None and trend.forecast.horizon == 4
    frame = trend.to_frame()
    assert frame["phase"].tolist().count("new") == 3
    assert frame["expected"].notna().sum() == 3


def test_a_stable_kpi_raises_no_alert(write_csv):
    log = _shifted_log(write_csv, 0)
    trend = kpi_trend(log, "cycle_time", baseline_until="2025-04-07")
    assert trend.recent == 3
    assert trend.alerts == ()


def test_a_kpi_without_a_series_or_not_computable_is_refused(write_csv):
    log = _shifted_log(write_csv, 0)
    with pytest.raises(ValueError, match="no time series"):
        kpi_trend(log, "revivable_deals")
    with pytest.raises(ValueError, match="cannot be computed"):
        kpi_trend(log, "click_rate")


def test_signals_in_spanish_and_english():
    run = Signal("nelson-2", tuple(range(1, 10)), 9, "up", "")
    assert signal_text(run).en.startswith("9 points in a row above")
    limit = signal_text(Signal("we-1", (4,), 4, "down", ""))
    assert "límite de control inferior" in limit.es


# -- the planted shift on the sample ------------------------------------------------------
def test_sample_cycle_time_shift_is_a_signal_in_december():
    log = sales_activities()
    assert latest_period(log).label == "2026-02"
    trends = {t.id: t for t in kpi_trends(log, ["cycle_time", "win_rate"], period="2025-12")}
    cycle = trends["cycle_time"]
    assert cycle.series.labels[-1] == "2025-12-29"  # up to the period's end
    worse = [a for a in cycle.alerts if a.worse and a.kind == "run_rule"]
    assert worse and worse[0].label == "2025-12-22"  # a week after the shift on 15 December
    assert all(not a.worse or a.kpi == "cycle_time" for a in trends["win_rate"].alerts)
    data = cycle.to_dict("es")
    assert data["alerts"][0]["message"] and not math.isnan(data["points"][0]["value"])


def test_the_default_report_period_is_complete_and_has_enough_cases():
    """The month of the last case start used to be the default: on crm_pipeline it held a
    handful of cases, so the report's headline figures were artefacts of a tiny sample."""
    import mining
    from improvement import MIN_PERIOD_CASES, build_report, report_period

    for name in sample_logs.sample_names():
        log = sample_logs.load_sample(name)
        times = mining.throughput_times(log)
        starts = pd.to_datetime(times["start"], utc=True)
        chosen = report_period(log)
        assert chosen.end <= pd.to_datetime(times["end"], utc=True).max()
        assert ((starts >= chosen.start) & (starts < chosen.end)).sum() >= MIN_PERIOD_CASES
        assert chosen.end > starts.max() - pd.Timedelta(days=62)  # recent, not the busiest ever
    log = sample_logs.load_sample("opportunities")
    assert report_period(log, min_cases=10**6) == report_period(log, min_cases=0)
    # a month with too few cases is said to be one, in the report's language
    tiny = build_report(log, "2025-09-04", "es", drivers=False)
    assert tiny.counts["period_cases"] < MIN_PERIOD_CASES
    assert "Solo " in tiny.to_html() and "menos de 30" in tiny.to_html()
    assert "Only " not in build_report(log, lang="en", drivers=False).to_html()
