"""The follows index gives the very same process maps, DFGs, activity statistics and view sizes
as the scans of the filtered events, to the last bit of every time statistic."""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

import mining
import sample_logs
from mining import (
    CaseAttribute,
    CaseSize,
    EventAttribute,
    FilterStack,
    Follows,
    FollowsIndex,
    StartActivities,
    TimeRange,
    VariantsFilter,
)
from mining._follows_index import _interpolate

STACKS = {
    "none": [],
    "cases with an activity": [CaseAttribute("activity", ("Email opened",))],
    "two case filters": [
        CaseAttribute("activity", ("Won",)),
        Follows("Qualified", "Demo scheduled"),
    ],
    "events of automation only": [EventAttribute("resource", ("automation",))],
    "events without two activities": [
        EventAttribute("activity", ("Nurture email sent", "Email opened"), keep=False)
    ],
    "events in a time window": [TimeRange("2025-02-01", "2025-03-01", mode="events")],
    "top variants, small cases": [VariantsFilter(top=15), CaseSize(3, 8)],
    "start activity, eventually follows": [
        StartActivities(("Lead created",)),
        Follows("Sales call", "Won", directly=False),
    ],
    "cases in a region": [CaseAttribute("region", ("North",))],
    "a path clicked": [Follows("Qualified", "Demo scheduled")],
    "a path of a simplified map clicked": [
        Follows("Qualified", "Won", among=("Lead created", "Qualified", "Won", "Lost"))
    ],
    "automation left out, then without a path": [
        EventAttribute("resource", ("automation",), keep=False),
        Follows("Sales call", "Qualified", keep=False),
        Follows("Qualified", "Demo scheduled"),
    ],
}
SLIDERS = [(1.0, 1.0), (1.0, 0.6), (0.7, 0.8), (0.4, 0.3), (0.1, 0.1)]


@pytest.fixture(scope="module")
def crm():
    log = sample_logs.load_sample("crm_pipeline")
    return log, FollowsIndex.build(log)


def assert_same_map(plain: mining.ProcessMap, fast: mining.ProcessMap) -> None:
    pd.testing.assert_frame_equal(plain.nodes, fast.nodes, check_exact=True)
    pd.testing.assert_frame_equal(plain.edges, fast.edges, check_exact=True)
    assert (plain.activity_coverage, plain.path_coverage) == (
        fast.activity_coverage,
        fast.path_coverage,
    )


@pytest.mark.parametrize("stack", list(STACKS), ids=list(STACKS))
def test_maps_of_filtered_views_equal_the_scans_exactly(crm, stack):
    log, index = crm
    view = FilterStack(STACKS[stack]).apply(log)
    assert index.covers(view)
    for activities, paths in SLIDERS:
        plain = mining.process_map(view, activities=activities, paths=paths)
        fast = mining.process_map(view, activities=activities, paths=paths, index=index)
        assert_same_map(plain, fast)
    mask = index.events_of(view)
    dfg, ours = mining.discover_dfg(view), index.dfg(mask)
    pd.testing.assert_frame_equal(dfg.edges, ours.edges, check_exact=True)
    assert list(dfg.start_activities.items()) == list(ours.start_activities.items())
    assert list(dfg.end_activities.items()) == list(ours.end_activities.items())
    stats = mining.activity_statistics(view).astype({"activity": str})
    pd.testing.assert_frame_equal(stats, index.activity_statistics(mask), check_exact=True)
    assert index.sizes(view) == (view.n_events, view.n_cases)
    assert_same_cases(view, index, mask)


def assert_same_cases(view: mining.EventLog, index: FollowsIndex, mask) -> None:
    """Variants and case statistics off the index equal the scans of the view."""
    plain, fast = mining.get_variants(view).table, index.variants(mask).table
    pd.testing.assert_frame_equal(plain, fast, check_exact=True)
    stats = mining.case_statistics(view)
    ours = index.case_statistics(mask)
    pd.testing.assert_frame_equal(stats, ours, check_exact=True, check_dtype=False)
    assert [str(t) for t in stats.dtypes] == [str(t) for t in ours.dtypes]


def test_the_numbers_of_one_filtered_view(crm):
    log, index = crm
    view = FilterStack(STACKS["cases with an activity"]).apply(log)
    assert index.sizes(view) == (14_662, 1_241)
    fast = mining.process_map(view, paths=0.8, index=index)
    top = fast.edges.iloc[0]
    assert (top["source"], top["target"], top["frequency"]) == (
        "Nurture email sent",
        "Email opened",
        1_965,
    )
    assert (top["median_seconds"], top["p90_seconds"], top["max_seconds"]) == (
        10_751.0,
        41_593.8,
        267_207.0,
    )
    lead = fast.nodes.set_index("activity").loc["Lead created"]
    assert (lead["events"], lead["cases"], lead["starts"]) == (1_241, 1_241, 1_241)


def test_a_real_log_from_the_sales_sample():
    log = sample_logs.load_sales_activities()
    index = FollowsIndex.build(log)
    for stack in ([], [CaseAttribute("region", ("North",))], [EventAttribute("fit", ("high",))]):
        view = FilterStack(stack).apply(log)
        for activities, paths in SLIDERS:
            plain = mining.process_map(view, activities=activities, paths=paths)
            fast = mining.process_map(view, activities=activities, paths=paths, index=index)
            assert_same_map(plain, fast)
        assert_same_cases(view, index, index.events_of(view))


def test_filters_on_case_identifiers_and_other_logs_stay_on_the_events(crm):
    log, index = crm
    one = FilterStack([CaseAttribute("case_id", ("D001530", "D000583"))]).apply(log)
    assert not index.covers(one)
    assert_same_map(mining.process_map(one), mining.process_map(one, index=index))
    other = sample_logs.load_sales_activities()
    assert not index.covers(other)
    with pytest.raises(ValueError, match="index is of log"):
        index.events_of(other)
    with pytest.raises(ValueError, match="whole log"):
        FollowsIndex.build(one)


def test_interpolation_matches_quantile_cont_to_the_last_bit():
    rng = random.Random(3)
    with duckdb.connect() as con:
        for _ in range(300):
            lo = float(rng.randrange(0, 10**7))
            hi = lo + float(rng.randrange(1, 10**6)) / 10
            d = rng.randrange(1, 10**6) / 10**6 * 0.999
            [(want,)] = con.execute(
                "SELECT quantile_cont(x, CAST(? AS DOUBLE)) FROM (SELECT unnest([?, ?]) AS x)",
                [repr(d), lo, hi],
            ).fetchall()
            assert _interpolate(lo, hi, d) == want, (lo, hi, d)
