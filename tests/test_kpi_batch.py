"""The Overview's batch path (``kpi_overview``: every KPI over one shared per-case scan, every
trend from the same results) gives exactly the numbers of the per-KPI path (``compute_kpi`` and
``kpi_trend`` one KPI at a time, each with its own scans) on the sample logs; and the shared
pieces it derives without a query (the funnel from per-case stage flags, the column values from
the flags' scan, the most frequent won path) equal the mining scans they replace."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mining
import sample_logs
from improvement import (
    KPI_DEFINITIONS,
    KpiResult,
    KpiSettings,
    compute_kpi,
    compute_kpis,
    kpi_overview,
    kpi_trend,
    kpi_trends,
)
from improvement._kpi_base import KpiContext, Unavailable
from improvement._kpi_sales import _funnel
from tests import _kpi_samples

SAMPLES = {
    "sales_activities": _kpi_samples.sales_activities,
    "campaigns": cache(sample_logs.load_campaigns),
    "opportunities": cache(sample_logs.load_opportunities),
}
SETTINGS = {
    "default": KpiSettings(),
    # the SLA, touch-point flags and given stages take other branches of the shared scan
    "sla_touch_stages": KpiSettings(
        sla_hours=72,
        touch_points={"opened": ("Email opened", "OPEN"), "won": ("Closed won", "Won")},
        stages=("Qualified", "Proposal sent", "Closed won"),
    ),
}


def _same(a: Any, b: Any, where: str) -> None:
    """Exact equality, NaN equal to NaN, frames with their dtypes."""
    if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert type(a) is type(b) and a == b, f"{where}: {a!r} != {b!r}"


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("sample", SAMPLES)
def test_overview_equals_the_per_kpi_path(sample: str, setting: str) -> None:
    log, settings = SAMPLES[sample](), SETTINGS[setting]
    table, trends = kpi_overview(log, settings=settings)
    assert [r.id for r in table] == list(KPI_DEFINITIONS)
    for result in table:
        alone = compute_kpi(log, result.id, settings=settings)
        assert alone.computable == result.computable, result.id
        _same(result.to_dict(), alone.to_dict(), f"{sample}/{result.id}")
        if isinstance(result, KpiResult):
            _same(result.items, alone.items, f"{sample}/{result.id}.items")
            _same(result.details, alone.details, f"{sample}/{result.id}.details")
    with_series = [
        r.id
        for r in table.computed()
        if r.definition.series and r.items is not None and not r.items.empty
    ]
    assert [t.id for t in trends] == with_series
    for trend in trends:
        alone = kpi_trend(log, trend.id, settings=settings)
        assert trend.series.values == alone.series.values, trend.id
        assert trend.series.labels == alone.series.labels, trend.id
        _same(trend.to_dict(), alone.to_dict(), f"{sample}/{trend.id}.trend")


@pytest.mark.parametrize("sample", SAMPLES)
def test_overview_equals_the_table_and_trends_it_replaces(sample: str) -> None:
    log = SAMPLES[sample]()
    table, trends = kpi_overview(log)
    before_table, before_trends = compute_kpis(log), kpi_trends(log)
    _same(table.to_dict(), before_table.to_dict(), sample)
    _same([t.to_dict() for t in trends], [t.to_dict() for t in before_trends], sample)


def test_overview_numbers_on_the_sales_log() -> None:
    table, trends = kpi_overview(_kpi_samples.sales_activities())
    # speed to lead is computable since the vocabulary reads 'Follow-up call' and 'Demo held'
    # as the call and meeting kinds, which are sales touches
    assert len(table.computed()) == 11
    assert table["speed_to_lead"].denominator == 154.0
    assert table["win_rate"].value == 0.28776978417266186
    assert table["lost_deals"].value == 198.0
    assert [(t.id, len(t.series)) for t in trends] == [
        ("cycle_time", 26),
        ("rework_rate", 26),
        ("goal_reach_rate", 26),
        ("speed_to_lead", 25),
        ("lead_scoring_matrix", 22),
        ("funnel_conversion", 26),
        ("win_rate", 26),
        ("lost_deals", 42),
    ]


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("sample", SAMPLES)
def test_funnel_from_stage_flags_equals_the_stage_funnel_scan(sample: str, setting: str) -> None:
    log = SAMPLES[sample]()
    ctx = KpiContext(log, SETTINGS[setting])
    if sample == "campaigns" and SETTINGS[setting].stages:  # no such stages in the campaigns
        with pytest.raises(Unavailable, match="stages not in the log"):
            ctx.stages()
        assert not any(c.startswith("stage:") for c in ctx.flags().columns)
        return
    stages = ctx.stages()[0]
    flags = ctx.flags()
    marks = ctx.stage_flags(stages)
    assert len(marks) == len(flags)
    _same(_funnel(marks), mining.stage_funnel(log, stages), "funnel")
    won, lost = ctx.labels("won"), ctx.labels("lost")
    if won and lost:
        scan = mining.stage_funnel(log, stages, won=won, lost=lost)
        _same(_funnel(marks, won=flags["won"], lost=flags["lost"]), scan, "funnel won/lost")
        assert scan["won"].iloc[0] > 0
    # the stage flags folded into the flags' scan equal a scan of their own
    alone = KpiContext(log, SETTINGS[setting], plan=["cycle_time"]).stage_flags(stages)
    _same(marks, alone, "stage flags")


@pytest.mark.parametrize("sample", SAMPLES)
def test_values_from_the_flags_scan_equal_case_values(sample: str) -> None:
    log = SAMPLES[sample]()
    ctx = KpiContext(log, KpiSettings())
    columns = list(ctx._facts[1].columns[1:])
    assert columns, "the sample logs have columns the KPIs read"
    for column in columns:
        _same(ctx.values(column), mining.case_values(log, [column]), column)
    _same(ctx.values(*columns), mining.case_values(log, columns), "all")


@pytest.mark.parametrize("sample", SAMPLES)
def test_top_variant_is_the_first_variant_holding_the_activity(sample: str) -> None:
    log = SAMPLES[sample]()
    table = mining.get_variants(log).table
    assert mining.top_variant(log) == tuple(table["activities"].iloc[0])
    # the won activities; the campaigns have none: the last activity of a rarer variant
    won = KpiContext(log, KpiSettings()).labels("won") or [str(table["activities"].iloc[5][-1])]
    holding = table[[bool(set(won) & set(a)) for a in table["activities"]]]
    assert mining.top_variant(log, won) == tuple(holding["activities"].iloc[0])
    assert mining.top_variant(log, ["no such activity"]) is None


def test_items_keep_the_times_of_a_tz_aware_column() -> None:
    flags = KpiContext(_kpi_samples.sales_activities(), KpiSettings()).flags()
    from improvement._kpi_base import items

    fast = items(flags["start"], flags["won"])
    slow = items(np.asarray(flags["start"].to_numpy(), dtype=object), flags["won"])
    _same(fast, slow, "items")


def test_a_role_naming_the_case_column_itself_does_not_break_the_overview(tmp_path):
    """A log where each case is its own contact (the contact role is the case column, as in the
    generated CRM log of the benchmarks): the case column was read twice into the shared scan
    and every KPI that joins column values failed ("'case_id' is not unique")."""
    from sample_logs._generate import write_crm_log

    log = mining.read_log(write_crm_log(tmp_path / "crm.parquet", 3000, format="parquet"))
    assert log.vocabulary.role("contact") == "case_id"
    table, _ = kpi_overview(log)
    batch = {r.definition.id: r for r in table.results}
    lost = compute_kpi(log, "lost_deals")
    assert batch["lost_deals"].value == lost.value
    assert batch["lost_deals"].value is not None
    assert KpiContext(log, KpiSettings()).values("amount", "case_id").columns.tolist() == [
        "case_id",
        "amount",
    ]
