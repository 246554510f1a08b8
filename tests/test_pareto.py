"""Pareto: the vital-few cut, the "other" bucket, weights, and the planted 80/20 of loss reasons
in the sales sample (counted independently from the raw events)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

import mining
import sample_logs
from improvement import Pareto, pareto, pareto_figure, pareto_of
from mining import EndActivities, FilterStack

PLANTED_REASONS = {
    "not ready": 97,
    "no follow-up": 71,
    "no budget": 20,
    "lost to competitor": 7,
    "no rapport": 2,
    "key contact left": 1,
}


@pytest.fixture(scope="module")
def log() -> mining.EventLog:
    return sample_logs.load_sales_activities()


@pytest.fixture(scope="module")
def events(log) -> pd.DataFrame:
    frame = log.to_pandas()
    frame["activity"] = frame["activity"].astype(str)
    return frame


# -- the table on plain values ----------------------------------------------------------------


def test_vital_few_includes_the_category_that_crosses_the_cut():
    values = pd.Series(list("a" * 50 + "b" * 25 + "c" * 15 + "d" * 10), name="kind")
    result = pareto(values)
    assert result.table["category"].tolist() == ["a", "b", "c", "d"]
    assert result.table["cumulative_share"].round(2).tolist() == [0.5, 0.75, 0.9, 1.0]
    # a + b = 75 % < 80 %, so c (crossing to 90 %) is part of the vital few
    assert result.vital_few == ["a", "b", "c"]
    assert result.vital_share() == pytest.approx(0.9)
    assert pareto(values, cut=0.75).vital_few == ["a", "b"]  # exactly on the cut is enough
    assert pareto(values, cut=0.5).vital_few == ["a"]


def test_weights_change_the_ranking_and_counts_stay():
    values = pd.Series(["x", "x", "x", "y"], name="reason")
    weights = pd.Series([1.0, 1.0, 1.0, 97.0], name="revenue")
    result = pareto(values, weights)
    assert result.vital_few == ["y"]
    assert result.table.set_index("category")["count"].to_dict() == {"y": 1, "x": 3}
    assert result.total == 100.0
    assert "revenue (100)" in result.sentence()
    with pytest.raises(ValueError, match="negative"):
        pareto(values, -weights)
    with pytest.raises(ValueError, match="weights for"):
        pareto(values, weights.head(2))


def test_other_bucket_is_last_and_never_vital():
    values = pd.Series(["a"] * 40 + ["b"] * 30 + ["c"] * 5 + ["d"] * 4 + ["e"] * 3 + ["f"] * 2)
    result = pareto(values, top=2)
    assert result.table["category"].tolist() == ["a", "b", "other (4 categories)"]
    assert result.other == ("c", "d", "e", "f")
    assert result.table["count"].tolist() == [40, 30, 14]
    assert result.n_categories == 6
    assert result.vital_few == ["a", "b"]  # 70/84 = 83 %
    # one leftover category is shown as itself, not as an "other" of one
    assert pareto(values, top=5).other == ()


def test_missing_values_are_counted_apart():
    values = pd.Series(["a", None, "a", "b", None])
    result = pareto(values)
    assert result.missing == 2 and result.n_items == 3
    assert "2 items without a value are left out" in result.sentence()
    kept = pareto(values, dropna=False)
    assert kept.missing == 0 and "(missing)" in kept.table["category"].tolist()


def test_bad_parameters():
    with pytest.raises(ValueError, match="cut"):
        pareto(pd.Series(["a"]), cut=1.5)
    with pytest.raises(ValueError, match="top"):
        pareto(pd.Series(["a"]), top=0)


# -- the planted 80/20 in the sales sample ------------------------------------------------------


def test_loss_reasons_of_lost_deals_show_the_planted_80_20(log):
    lost = FilterStack([EndActivities(("Closed lost",))]).apply(log)
    result = pareto_of(lost, by="loss_reason")
    assert isinstance(result, Pareto)
    counts = dict(zip(result.table["category"], result.table["count"], strict=True))
    assert counts == PLANTED_REASONS
    assert result.n_items == 198 and result.missing == 0
    assert result.vital_few == ["not ready", "no follow-up"]
    assert result.vital_share() == pytest.approx(168 / 198)  # 84.8 %: 2 of 6 reasons
    assert result.sentence().startswith("2 of 6 loss_reason values (not ready, no follow-up)")


def test_counting_each_deal_once_and_leaving_open_or_won_deals_out(log, events):
    # loss_reason repeats on every row of a deal and is empty for won deals
    whole = pareto_of(log, by="loss_reason")
    assert dict(zip(whole.table["category"], whole.table["count"], strict=True)) == PLANTED_REASONS
    won = events.groupby("case_id")["activity"].last().eq("Closed won").sum()
    assert whole.missing == won == 80
    where = pareto_of(log, by="loss_reason", where="ends_with 'Closed lost'")
    pd.testing.assert_frame_equal(where.table, whole.table)
    assert where.missing == 0


def test_lost_revenue_weighting_matches_pandas(log, events):
    result = pareto_of(log, by="loss_reason", weight="amount", where="ends_with 'Closed lost'")
    deals = events.groupby("case_id").agg(
        reason=("loss_reason", "first"), amount=("amount", "first")
    )
    expected = deals.dropna(subset=["reason"]).groupby("reason")["amount"].sum()
    got = result.table.set_index("category")["value"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )
    assert result.vital_few == ["not ready", "no follow-up"]
    assert result.vital_share() == pytest.approx(
        (expected["not ready"] + expected["no follow-up"]) / expected.sum()
    )


def test_event_level_counts_events(log, events):
    result = pareto_of(log, by="activity", level="event", top=None)
    expected = events["activity"].value_counts()
    got = result.table.set_index("category")["count"]
    assert got.to_dict() == expected.to_dict()
    assert result.unit == "events" and result.n_items == len(events)
    weighted = pareto_of(log, by="rep", weight="amount", level="event")
    assert weighted.total == pytest.approx(events["amount"].sum())


def test_resource_by_its_source_name_and_rework_on_rep03(log):
    result = pareto_of(log, by="rep", where="repeated 'Proposal sent'")
    assert result.table[["category", "count"]].values.tolist() == [["rep03", 16]]


def test_errors_name_the_problem(log):
    with pytest.raises(ValueError, match="no column 'reason'"):
        pareto_of(log, by="reason")
    with pytest.raises(ValueError, match="level"):
        pareto_of(log, by="region", level="deal")
    with pytest.raises(ValueError, match="not numeric"):
        pareto_of(log, by="region", weight="segment")
    with pytest.raises(ValueError, match="where selects cases"):
        pareto_of(log, by="activity", level="event", where="slow")


def test_pareto_figure_marks_the_vital_few_and_the_cut(log):
    result = pareto_of(log, by="loss_reason")
    figure = pareto_figure(result)
    assert isinstance(figure, go.Figure)
    bars, line = figure.data
    assert list(bars.y) == [97, 71, 20, 7, 2, 1]
    colours = list(bars.marker.color)
    assert colours[0] == colours[1] != colours[2]  # the two vital reasons stand out
    assert list(line.y) == pytest.approx(result.table["cumulative_share"].tolist())
    [cut] = [s for s in figure.layout.shapes if s.yref == "y2"]
    assert cut.y0 == cut.y1 == 0.8
