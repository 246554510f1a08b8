"""The planted problems documented in sample_logs/README.md are in the logs, at the sizes stated."""

from __future__ import annotations

import pandas as pd
import pytest

import sample_logs
from automation import read_workflow, workflow_to_petri_net
from mining._pm4py_adapter import token_replay_fitness
from sample_logs._planted import planted_simulation


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    frame = sample_logs.load_sales_activities().to_pandas()
    return frame.astype({"activity": str})


@pytest.fixture(scope="module")
def campaigns() -> pd.DataFrame:
    return sample_logs.load_campaigns().to_pandas().astype({"activity": str})


def _first(frame: pd.DataFrame, activity: str) -> pd.Series:
    return frame[frame["activity"] == activity].groupby("case_id")["timestamp"].min()


def _cases(frame: pd.DataFrame, activity: str) -> set[str]:
    return set(frame.loc[frame["activity"] == activity, "case_id"])


def test_1_bottleneck_for_north_at_demo_scheduling(sales):
    hours = (_first(sales, "Demo scheduled") - _first(sales, "Qualified")).dropna()
    hours = (hours.dt.total_seconds() / 3600).rename("h").to_frame()
    hours = hours.join(sales.groupby("case_id")["region"].first())
    median = hours.groupby(hours["region"] == "North")["h"].median()
    assert median[True] == pytest.approx(97.5, abs=0.1)
    assert median[False] == pytest.approx(24.8, abs=0.1)


def test_2_clicks_come_long_before_the_seven_day_wait_ends(campaigns):
    hours = _first(campaigns, "Nurture email 1 clicked") - _first(campaigns, "Nurture email 1 sent")
    hours = hours.dropna().dt.total_seconds() / 3600
    assert (hours <= 24).mean() == pytest.approx(0.945, abs=0.001)
    assert hours.quantile(0.9) == pytest.approx(17.4, abs=0.1)
    workflow = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    assert workflow.node("nurture_1_click").timeout == pd.Timedelta(days=7)


def test_3_branch_almost_never_taken(campaigns):
    rescored = _cases(campaigns, "Lead re-scored")
    notified = _cases(campaigns[campaigns["case_id"].isin(rescored)], "Sales notified")
    assert (len(rescored), len(notified)) == (298, 0)


def test_4_demo_often_skipped(sales):
    proposals = _cases(sales, "Proposal sent")
    skipped = proposals - _cases(sales, "Demo held")
    assert (len(proposals), len(skipped)) == (192, 60)


def test_5_emails_after_unsubscribe():
    events = sample_logs.load_email_events().to_pandas().astype({"activity": str})
    unsubscribed = (
        events[events["activity"] == "UNSUBSCRIBE"].groupby("recipient")["timestamp"].min()
    )
    sent = events[events["activity"] == "SENT"].join(unsubscribed.rename("u"), on="recipient")
    late = sent[sent["timestamp"] > sent["u"]]
    assert (late["recipient"].nunique(), len(late)) == (25, 25)
    assert set(late["emailCampaignId"].astype(str)) == {"100005", "100006"}


def test_6_proposal_rework_concentrated_on_rep03(sales):
    proposals = sales[sales["activity"] == "Proposal sent"].groupby("case_id")
    per_case = pd.DataFrame({"n": proposals.size(), "rep": proposals["resource"].first()})
    reworked = per_case[per_case["n"] > 1]["rep"].value_counts().to_dict()
    assert reworked == {"rep03": 16}
    assert (per_case["rep"] == "rep03").sum() == 23


def test_7_loss_reasons_follow_80_20(sales):
    reasons = sales[sales["activity"] == "Closed lost"].groupby("case_id")["loss_reason"].first()
    counts = reasons.value_counts()
    assert counts.to_dict() == {
        "not ready": 97,
        "no follow-up": 71,
        "no budget": 20,
        "lost to competitor": 7,
        "no rapport": 2,
        "key contact left": 1,
    }
    assert counts.head(2).sum() / counts.sum() == pytest.approx(0.85, abs=0.005)


def test_8_cycle_time_shift_after_mid_december(sales):
    start = _first(sales, "Qualified")
    end = (
        sales[sales["activity"].isin(["Closed won", "Closed lost"])]
        .groupby("case_id")["timestamp"]
        .max()
    )
    days = ((end - start).dropna().dt.total_seconds() / 86400).rename("d").to_frame()
    after = start.reindex(days.index) >= pd.Timestamp("2025-12-15", tz="UTC")
    median = days.groupby(after)["d"].median()
    assert (round(median[False], 1), round(median[True], 1)) == (17.5, 29.0)


def test_9_one_email_clicked_far_less(campaigns):
    def rate(k: str) -> float:
        return len(_cases(campaigns, f"{k} clicked")) / len(_cases(campaigns, f"{k} sent"))

    assert round(rate("Nurture email 2") * 100, 1) == 0.8
    assert round(rate("Nurture email 1") * 100, 1) == 8.2
    assert round(rate("Welcome email") * 100, 1) == 8.7


@pytest.mark.parametrize("workflow_id", ["welcome-nurture", "reengagement", "sales-pipeline"])
def test_untouched_cases_follow_the_design_exactly(campaigns, sales, workflow_id):
    simulation = planted_simulation()
    cases = simulation.cases
    touched = set(simulation.truth["case_id"])
    clean = cases[
        (cases["workflow_id"] == workflow_id)
        & (cases["outcome"] != "unenrolled")
        & ~cases["case_id"].isin(touched)
    ]["case_id"]
    assert len(clean) > (50 if workflow_id == "sales-pipeline" else 500)
    log = sales if workflow_id == "sales-pipeline" else campaigns
    frame = log[log["case_id"].isin(set(clean))][["case_id", "activity", "timestamp"]]
    frame = frame.rename(
        columns={
            "case_id": "case:concept:name",
            "activity": "concept:name",
            "timestamp": "time:timestamp",
        }
    )
    name = workflow_id.replace("-", "_")
    net, im, fm = workflow_to_petri_net(read_workflow(sample_logs.workflow_path(name)))
    fitness = token_replay_fitness(frame, net, im, fm)
    assert fitness["perc_fit_traces"] == pytest.approx(100.0)
