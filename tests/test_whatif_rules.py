"""What-if estimates for the engagement and behaviour rules, each on the simulation where its
smell is planted (the setups of tests/test_rules_engagement.py and tests/test_rules_behaviour.py):
the estimate moves the way the suggestion claims, with a 90 % interval, and says how it was made
(simulated, replayed on the log, or not estimated and why, with no number)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

import mining
import sample_logs
from automation import (
    AddBranch,
    Analysis,
    ChangeSet,
    RemoveBranch,
    SetDefaultBranch,
    WorkflowError,
    fit_behaviour,
    operation_from_dict,
    parse_workflow,
    read_workflow,
    simulate_workflows,
    suggest_from,
    suggestion_what_if,
)
from mejora.cli import main
from simulation import Behaviour, EmailBehaviour, Population
from tests._planted_logs import overlapping_campaigns, two_versions

SEEDS = (1, 2, 3)
START = date(2025, 3, 3)
POPULATION = Population(arrivals_per_day=20, existing_contacts=0)


def _workflow(name: str, edit=None):
    workflow = read_workflow(sample_logs.workflow_path(name))
    if edit is None:
        return workflow
    data = workflow.to_dict()
    edit(data)
    return parse_workflow(data, source=name)


def _node(data: dict, node_id: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def _planted(workflow, tmp_path, behaviour=None, *, days=30, population=POPULATION, email=True):
    """Simulate, import as a user would (Mautic campaign log, HubSpot email events), analyse."""
    sim = simulate_workflows([workflow], population, behaviour, start=START, days=days, seed=5)
    campaigns, emails = tmp_path / "campaigns.csv", tmp_path / "emails.jsonl"
    sim.write_mautic_campaign_log(campaigns)
    sim.write_hubspot_email_events(emails)
    log = mining.read_log(campaigns, format="mautic-campaign-events", name="sim-campaigns")
    messages = mining.read_log(emails, format="hubspot-email-events", name="sim-emails")
    return Analysis(workflow, log, email_log=messages if email else None, revision=1)


def _csv(events: pd.DataFrame, path, name: str) -> mining.EventLog:
    events.to_csv(path, index=False)
    return mining.read_log(path, name=name)


def _what_if(a: Analysis, rule: str, **options):
    [suggestion] = suggest_from(a, rules=[rule]).by_rule(rule)
    fit = fit_behaviour(a.workflow, analysis=a)
    result = suggestion_what_if(suggestion, a.workflow, fit, seeds=SEEDS, days=30, **options)
    return suggestion, fit, result


def _simulated(result, primary: str) -> pd.Series:
    assert result.approach == "simulation" and result.estimated
    assert result.primary == primary
    assert result.method.startswith("simulation of the current and the changed workflow")
    assert "3 seeds ×" in result.sentence and "90 % interval" in result.sentence
    row = result.row(primary)
    assert row["low"] <= row["difference"] <= row["high"]
    return row


def _not_estimated(result, *words: str) -> None:
    assert result.approach == "not estimated" and not result.estimated
    assert result.sentence.startswith("not estimated: ")
    assert result.table.empty and result.seeds == () and result.days == 0
    for word in words:
        assert word in result.reason
    assert result.to_dict()["kpis"] == [] and result.to_dict()["approach"] == "not estimated"


# -- engagement rules ----------------------------------------------------------------------------
def test_wait_too_short_what_if_catches_the_late_clicks(tmp_path):
    workflow = _workflow(
        "welcome_nurture", lambda d: _node(d, "welcome_click").update(timeout="PT1H")
    )
    _, fit, result = _what_if(_planted(workflow, tmp_path), "wait-too-short")
    # the message log sees the clicks after the 1-hour wait too: the reaction time is not cut
    assert fit.reaction_median_hours == pytest.approx(4.3, abs=0.05)
    assert any(f.startswith("reaction time from the message log's clicks") for f in fit.fitted)
    row = _simulated(result, "reach:Welcome email clicked")
    assert row["current"] == pytest.approx(0.0178, abs=0.001)
    assert row["changed"] == pytest.approx(0.276, abs=0.002)
    assert row["low"] > 0.2
    # the contacts who do not click wait a day instead of an hour
    assert result.row("median_days")["low"] > 0


def test_drop_off_hotspot_what_if_uses_the_assumed_unsubscribe_rate(tmp_path):
    behaviour = Behaviour(email=EmailBehaviour(email_unsubscribe_multiplier={"nurture-2": 10}))
    analysis = _planted(_workflow("welcome_nurture"), tmp_path, behaviour, days=45)
    suggestion, fit, result = _what_if(analysis, "drop-off-hotspot")
    assumed = suggestion.assumptions["email_unsubscribe_rate"]["nurture-2-v2"]
    assert assumed == pytest.approx(10 / 1993)
    assert fit.email_unsubscribe_rate["nurture_2"] == pytest.approx(27 / 614, abs=1e-6)
    row = _simulated(result, "unsubscribe_rate:nurture_2")
    assert row["current"] == pytest.approx(0.049, abs=0.001)  # the log's 4.40 %
    assert row["changed"] == pytest.approx(0.0039, abs=0.001)  # the assumed 0.50 %
    assert row["high"] < 0
    assert result.row("unenrolled_share")["high"] < 0  # fewer contacts leave the workflow
    assert "a replacement email is unsubscribed from like nurture-2-v2: 0.50%" in result.method
    assert "nurture-2-v2 is clicked like nurture-2" in result.method  # no click assumption
    assert abs(result.row("click_rate:nurture_2")["difference"]) < 0.02


def _five_emails(data: dict) -> None:
    """welcome-nurture with two more nurture emails after the third, each with a click wait."""
    data["nodes"] += [
        {
            "id": f"nurture_{k}_click",
            "type": "wait_for_event",
            "name": f"Clicked nurture email {k}?",
            "event": "email_click",
            "timeout": "P3D",
            "activities": [f"Nurture email {k} clicked"],
        }
        for k in (3, 4)
    ] + [
        {
            "id": f"nurture_{k}",
            "type": "action",
            "action": "send_email",
            "name": f"Nurture email {k}",
            "params": {"email": f"nurture-{k}"},
            "activities": [f"Nurture email {k} sent"],
        }
        for k in (4, 5)
    ]
    data["edges"] = [e for e in data["edges"] if e["from"] != "nurture_3"] + [
        {"from": "nurture_3", "to": "nurture_3_click"},
        {"from": "nurture_3_click", "to": "rescore", "exit": "event"},
        {"from": "nurture_3_click", "to": "nurture_4", "exit": "timeout"},
        {"from": "nurture_4", "to": "nurture_4_click"},
        {"from": "nurture_4_click", "to": "rescore", "exit": "event"},
        {"from": "nurture_4_click", "to": "nurture_5", "exit": "timeout"},
        {"from": "nurture_5", "to": "nurture_done"},
    ]


def test_inactive_contacts_what_if_within_the_workflow(tmp_path):
    cold = Behaviour(email=EmailBehaviour(open_probability=dict.fromkeys("ABCDEF", 0.15)))
    population = Population(arrivals_per_day=20, existing_contacts=0, mpp_share=0.0)
    analysis = _planted(
        _workflow("welcome_nurture", _five_emails), tmp_path, cold, population=population
    )
    _, fit, result = _what_if(analysis, "inactive-contacts-mailed")
    assert fit.open_rate == pytest.approx(0.138, abs=0.001)  # the opens of the cold list
    row = _simulated(result, "emails_to_inactive_per_case")
    # as many inactive sends per case as the log (222 of the log's 530 cases) ...
    assert row["current"] == pytest.approx(0.419, abs=0.002)
    # ... and, inside this workflow, the re-engagement email replaces nurture email 5 for the
    # silent contacts one for one: no fewer emails to inactive contacts. What the sunset list
    # spares later (other workflows, re-enrolment) is outside the simulation, and it says so.
    assert row["difference"] == 0
    assert result.row("reach:Nurture email 5 sent")["high"] < -0.7
    assert "the sunset list ends this workflow's emails only" in result.method


def _constant_and_only_way(data: dict) -> None:
    """A constant condition on ready_for_sales → notify_sales, and notify_sales reached only
    through that branch (the later decision hands off straight to the end)."""
    for edge in data["edges"]:
        if (edge["from"], edge["to"]) == ("ready_for_sales", "notify_sales"):
            edge["condition"] = "fit in ('A', 'B', 'C', 'D', 'E', 'F')"
        if (edge["from"], edge["to"]) == ("ready_after_nurture", "notify_sales"):
            edge["to"] = "handed_off"


def test_branch_always_taken_when_the_target_is_reached_only_through_it(tmp_path):
    workflow = _workflow("welcome_nurture", _constant_and_only_way)
    analysis = _planted(workflow, tmp_path, email=False)
    report = suggest_from(analysis, rules=["branch-always-taken"])
    [s] = report.suggestions
    assert not report.notes  # not dropped
    assert s.changes.ops == (SetDefaultBranch("ready_for_sales", "notify_sales"),)
    changed = s.changes.apply(workflow)
    [edge] = changed.outgoing("ready_for_sales")
    assert (edge.target, edge.default, edge.condition) == ("notify_sales", True, None)
    assert {"notify_sales", "call_task", "nurture_1"} <= {n.id for n in changed.nodes}
    # the operations used before could not express it: the target went with its only branch
    old = (
        RemoveBranch("ready_for_sales", "notify_sales"),
        AddBranch("ready_for_sales", "notify_sales", default=True),
        RemoveBranch("ready_for_sales", "nurture_1"),
    )
    with pytest.raises(WorkflowError, match="no node 'notify_sales'"):
        ChangeSet(workflow.id, 1, old).apply(workflow)
    # every case took the branch already: the simulated change moves nothing
    fit = fit_behaviour(workflow, analysis=analysis)
    result = suggestion_what_if(s, workflow, fit, seeds=SEEDS, days=30)
    row = _simulated(result, "reach:Sales notified")
    assert row["current"] > 0.1
    assert (row["difference"], row["low"], row["high"]) == (0, 0, 0)


def test_set_default_branch_operation(tmp_path):
    welcome = _workflow("welcome_nurture")
    op = SetDefaultBranch("ready_after_nurture", "notify_sales")
    assert op.describe() == "set_default_branch(node='ready_after_nurture', target='notify_sales')"
    assert operation_from_dict(op.to_dict()) == op
    changed = op.apply(welcome)
    [edge] = changed.outgoing("ready_after_nurture")  # the former default (nurture_done) went
    assert (edge.target, edge.default, edge.condition) == ("notify_sales", True, None)
    assert "nurture_done" in {n.id for n in changed.nodes}  # still the end of nurture_3
    for bad, message in (
        (SetDefaultBranch("nurture_1", "nurture_1_click"), "'nurture_1' is of type action"),
        (SetDefaultBranch("ready_for_sales", "rescore"), "no edge from 'ready_for_sales'"),
        (SetDefaultBranch("ready_for_sales", "nurture_1"), "'ready_for_sales' → 'nurture_1' is"),
        (SetDefaultBranch("nope", "x"), "has no node 'nope'"),
    ):
        with pytest.raises(WorkflowError, match=message) as info:
            bad.apply(welcome)
        assert "operation set_default_branch(" in str(info.value)


# -- behaviour rules -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def welcome_events():
    """45 days of the welcome-nurture design as it is (1,104 cases)."""
    sim = simulate_workflows(
        [_workflow("welcome_nurture")], start=date(2025, 1, 6), days=45, seed=3
    )
    return sim.events[["case_id", "activity", "timestamp"]].copy()


def test_behaviour_not_in_design_is_not_estimated(welcome_events, tmp_path):
    sent = welcome_events[welcome_events["activity"] == "Nurture email 1 sent"].iloc[::4]
    manual = sent.assign(
        activity="Manual follow-up email", timestamp=sent["timestamp"] + pd.Timedelta(hours=1)
    )
    log = _csv(pd.concat([welcome_events, manual]), tmp_path / "manual.csv", "manual")
    _, _, result = _what_if(
        Analysis(_workflow("welcome_nurture"), log, revision=1), "behaviour-not-in-design"
    )
    _not_estimated(result, "add_sales_task 'manual_manual_follow_up_email'", "not modelled")


def test_reordered_steps_are_not_estimated(tmp_path):
    sales = pd.read_csv(sample_logs.sample_path("sales_activities"))
    steps = sales[sales["activity"].isin(["Demo held", "Proposal sent"])]
    both = steps.groupby("opportunity_id")["activity"].nunique()
    swapped = set(sorted(both[both == 2].index)[:92])
    inside = sales["opportunity_id"].isin(swapped)
    demo = inside & (sales["activity"] == "Demo held")
    proposals = sales[inside & (sales["activity"] == "Proposal sent")]
    proposal_at = proposals.groupby("opportunity_id")["timestamp"].min()
    demo_at = sales[demo].set_index("opportunity_id")["timestamp"]
    first = (
        inside
        & (sales["activity"] == "Proposal sent")
        & (sales["timestamp"] == sales["opportunity_id"].map(proposal_at))
    )
    sales.loc[demo, "timestamp"] = sales.loc[demo, "opportunity_id"].map(proposal_at).to_numpy()
    sales.loc[first, "timestamp"] = sales.loc[first, "opportunity_id"].map(demo_at).to_numpy()
    path = tmp_path / "reorder.csv"
    sales.to_csv(path, index=False)
    mapping = {"case_id": "opportunity_id", "resource": "rep"}
    log = mining.read_log(path, name="reorder", mapping=mapping)
    analysis = Analysis(_workflow("sales_pipeline"), log, revision=1)
    _, _, result = _what_if(analysis, "behaviour-not-in-design")
    _not_estimated(result, "reorder_steps(first='demo', second='proposal')", "conformance")


def test_cases_stuck_is_not_estimated(welcome_events, tmp_path):
    events = welcome_events
    starts = events.groupby("case_id")["timestamp"].min()
    sent = events[events["activity"] == "Nurture email 1 sent"]
    early = sent[sent["case_id"].map(starts) < pd.Timestamp("2025-01-26", tz="UTC")]
    cut = set(early["case_id"].iloc[::4])
    at = early.set_index("case_id")["timestamp"]
    drop = events["case_id"].isin(cut) & (events["timestamp"] > events["case_id"].map(at))
    log = _csv(events[~drop], tmp_path / "stuck.csv", "stuck")
    _, _, result = _what_if(Analysis(_workflow("welcome_nurture"), log, revision=1), "cases-stuck")
    _not_estimated(result, "add_sales_task 'unstick_nurture_1' before 'nurture_1_click'")


def test_goal_reached_outside_review_is_not_estimated(welcome_events, tmp_path):
    log = _csv(welcome_events, tmp_path / "plain.csv", "plain")
    analysis = Analysis(_workflow("welcome_nurture"), log, revision=1)
    _, _, result = _what_if(analysis, "goal-reached-outside")
    _not_estimated(result, "add_sales_task 'check_sales_qualified_first'", "checks with sales")


def test_fatigue_suppression_is_replayed_on_the_log(tmp_path):
    welcome = _workflow("welcome_nurture")
    path = overlapping_campaigns(tmp_path / "campaigns.csv")
    log = mining.read_log(path, format="mautic-campaign-events", name="overlap")
    analysis = Analysis(welcome, log, revision=1)
    suggestion, fit, result = _what_if(analysis, "fatigue-across-workflows", analysis=analysis)
    assert result.approach == "replay" and result.estimated
    assert result.method.startswith("replay of the log (overlap)")
    row = result.row("contact_weeks_over_limit")
    # the rule's 1,440 weeks over the limit; those left have the other workflow's emails and
    # this workflow's before or after the contact's case there, in the same week
    assert (row["current"], row["changed"]) == (1440, 1209)
    assert (row["low"], row["high"]) == (-254, -208)
    assert result.sentence == (
        "contact_weeks_over_limit: 1440 now, 1209 with the change (-231; 90 % interval -254 to "
        "-208; replay of 63 days of the log)"
    )
    emails = result.row("emails_of_this_workflow")
    assert (emails["current"], emails["difference"]) == (3959, -1013)
    # without the log the simulator cannot represent it, and says so
    alone = suggestion_what_if(suggestion, welcome, fit, seeds=SEEDS, days=30)
    _not_estimated(alone, "add_suppression of active-in-campaign-2", "runs this workflow alone")


def test_rollback_between_versions_is_simulated(tmp_path):
    v1, v2, events = two_versions()
    log = _csv(events, tmp_path / "versions.csv", "versions")
    analysis = Analysis(v2, log, revision=2, previous=v1)
    suggestion, _, result = _what_if(analysis, "behaviour-changed-between-versions")
    assert suggestion.evidence.details["kpi"] == "throughput"
    row = _simulated(result, "median_days")
    # the log's rollback estimate is 7.0 days; the simulation agrees
    assert row["difference"] == pytest.approx(-6.99, abs=0.01)
    assert row["high"] < -6.9


def test_fatigue_what_if_on_the_command_line_replays_the_stored_log(
    tmp_path, store_path, monkeypatch, capsys
):
    """``mejora whatif`` opens the suggestion's log in the event store for the replay."""
    path = overlapping_campaigns(tmp_path / "campaigns.csv")
    monkeypatch.setenv("MEJORA_WORKFLOWS", str(tmp_path / "workflows"))
    welcome = str(sample_logs.workflow_path("welcome_nurture"))
    assert (
        main(["import", str(path), "--format", "mautic-campaign-events", "--name", "overlap"]) == 0
    )
    assert main(["workflow", "save", welcome, "--by", "ana"]) == 0
    capsys.readouterr()
    rule = ["--rule", "fatigue-across-workflows", "--json"]
    assert main(["suggest", "overlap", "--workflow", welcome, *rule]) == 0
    [suggestion] = json.loads(capsys.readouterr().out)["suggestions"]
    assert main(["whatif", suggestion["id"], "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["approach"] == "replay"
    row = next(r for r in result["kpis"] if r["kpi"] == "contact_weeks_over_limit")
    assert (row["current"], row["changed"]) == (1440, 1209)
