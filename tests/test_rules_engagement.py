"""The engagement rules (wait too short, drop-off hotspot, inactive contacts mailed, branch always
taken): each fires on a simulated log where its smell is planted, on the right target with the
right change, and on the bundled sample logs finds what sample_logs/README.md implies (nothing
planted: the numbers below are what the rules measure there)."""

from __future__ import annotations

from datetime import date

import pytest

import mining
import sample_logs
from automation import (
    Analysis,
    InsertReengagementBranch,
    ReplaceEmail,
    SetDefaultBranch,
    SetWaitDuration,
    Thresholds,
    read_workflow,
    simulate_workflows,
    suggest_from,
)
from automation._workflow import parse_workflow
from simulation import Behaviour, EmailBehaviour, Population

START = date(2025, 3, 3)


def _workflow(name: str, edit=None):
    workflow = read_workflow(sample_logs.workflow_path(name))
    if edit is None:
        return workflow
    data = workflow.to_dict()
    edit(data)
    return parse_workflow(data, source=name)


def _node(data: dict, node_id: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def _logs(sim, tmp_path):
    """The simulation as a user imports it: Mautic campaign log and HubSpot email events."""
    campaigns, emails = tmp_path / "campaigns.csv", tmp_path / "emails.jsonl"
    sim.write_mautic_campaign_log(campaigns)
    sim.write_hubspot_email_events(emails)
    return (
        mining.read_log(campaigns, format="mautic-campaign-events", name="sim-campaigns"),
        mining.read_log(emails, format="hubspot-email-events", name="sim-emails"),
    )


def _run(workflow, tmp_path, population, behaviour=None, days=30, email_log=True, keep=None):
    sim = simulate_workflows([workflow], population, behaviour, start=START, days=days, seed=5)
    campaigns, emails = _logs(sim, tmp_path)
    if keep is not None:
        keep.extend((campaigns, emails))
    analysis = Analysis(workflow, campaigns, email_log=emails if email_log else None, revision=1)
    return suggest_from(analysis)


# -- planted in a simulation ---------------------------------------------------------------------
def test_wait_too_short_planted_one_hour_welcome_wait(tmp_path):
    workflow = _workflow(
        "welcome_nurture", lambda d: _node(d, "welcome_click").update(timeout="PT1H")
    )
    report_logs = []
    report = _run(
        workflow, tmp_path, Population(arrivals_per_day=20, existing_contacts=0), keep=report_logs
    )
    [s] = report.by_rule("wait-too-short")
    d, dist = s.evidence.details, s.evidence.distribution
    assert s.target == "welcome_click" and d["next_step"] == "nurture_1"
    assert (d["late_reactions"], d["reactions"], d["reaction"]) == (48, 61, "click")
    assert s.evidence.value == pytest.approx(48 / 61)
    assert dist["p90_hours"] == pytest.approx(17.24, abs=0.01)
    assert dist["share_within_current"] == pytest.approx(7 / 61)
    assert (d["current"], d["proposed"], d["late_within_proposed"]) == ("PT1H", "P1D", 46)
    assert s.changes.ops == (SetWaitDuration("welcome_click", "P1D"),)
    changed = s.changes.apply(workflow)
    assert changed.node("welcome_click").timeout.total_seconds() == 86400
    assert "48 of the 61 clicks" in s.explanation.en and "78,7 %" in s.title.es
    assert s.impact.low < s.impact.estimate < s.impact.high and s.impact.cases == 48
    # the campaign log counts only the clicks inside the wait, so the welcome email looks weak;
    # the fix is the wait, so "replace the welcome email" is left out, with a note saying why
    assert d["step"] == "welcome_email" and not report.by_rule("email-nobody-clicks")
    assert any(n.startswith("email-nobody-clicks welcome_email: left out") for n in report.notes)
    alone = suggest_from(
        Analysis(workflow, report_logs[0], revision=1), rules=["email-nobody-clicks"]
    )
    assert [x.target for x in alone.by_rule("email-nobody-clicks")] == ["welcome_email"]


def test_drop_off_hotspot_planted_unsubscribes_after_nurture_2(tmp_path):
    workflow = _workflow("welcome_nurture")
    behaviour = Behaviour(email=EmailBehaviour(email_unsubscribe_multiplier={"nurture-2": 10}))
    population = Population(arrivals_per_day=20, existing_contacts=0)
    report = _run(workflow, tmp_path, population, behaviour, days=45)
    [s] = report.by_rule("drop-off-hotspot")
    d = s.evidence.details
    assert s.target == "nurture_2" and d["email_ids"] == ["100002"]
    assert (d["dropped"], d["sent"], d["others_dropped"], d["others_sent"]) == (27, 614, 10, 1993)
    assert s.evidence.distribution["baseline_rate"] == pytest.approx(10 / 1993)
    assert d["p_value"] < 1e-10
    assert s.changes.ops == (ReplaceEmail("nurture_2", "nurture-2-v2"),)
    assert s.changes.apply(workflow).node("nurture_2").params["email"] == "nurture-2-v2"
    assert "27 of the 614 contacts" in s.explanation.en and "8.8 times" in s.explanation.en
    assert "4,40 %" in s.title.es
    # the other emails are not hotspots
    assert not [x for x in report.by_rule("drop-off-hotspot") if x.target != "nurture_2"]


def _five_emails(data: dict) -> None:
    """welcome-nurture with two more nurture emails after the third, each with a click wait."""
    data["nodes"] += [
        {
            "id": "nurture_3_click",
            "type": "wait_for_event",
            "name": "Clicked nurture email 3?",
            "event": "email_click",
            "timeout": "P3D",
            "activities": ["Nurture email 3 clicked"],
        },
        {
            "id": "nurture_4",
            "type": "action",
            "action": "send_email",
            "name": "Nurture email 4 (customer story)",
            "params": {"email": "nurture-4"},
            "activities": ["Nurture email 4 sent"],
        },
        {
            "id": "nurture_4_click",
            "type": "wait_for_event",
            "name": "Clicked nurture email 4?",
            "event": "email_click",
            "timeout": "P3D",
            "activities": ["Nurture email 4 clicked"],
        },
        {
            "id": "nurture_5",
            "type": "action",
            "action": "send_email",
            "name": "Nurture email 5 (free trial)",
            "params": {"email": "nurture-5"},
            "activities": ["Nurture email 5 sent"],
        },
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


def test_inactive_contacts_mailed_planted_cold_list(tmp_path):
    workflow = _workflow("welcome_nurture", _five_emails)
    cold = Behaviour(email=EmailBehaviour(open_probability=dict.fromkeys("ABCDEF", 0.15)))
    population = Population(arrivals_per_day=20, existing_contacts=0, mpp_share=0.0)
    report = _run(workflow, tmp_path, population, cold)
    [s] = report.by_rule("inactive-contacts-mailed")
    d, dist = s.evidence.details, s.evidence.distribution
    # the fifth nurture email is the sixth send: 222 contacts had opened none of the five before
    assert (d["emails"], d["contacts"], d["sent"], d["by_step"]) == (
        222,
        222,
        2813,
        {"nurture_5": 222},
    )
    assert dist["median_unengaged_sends"] == 5
    assert dist["engaged_share_of_inactive_sends"] == pytest.approx(28 / 222)
    assert s.target == "nurture_4_click"
    op = InsertReengagementBranch(
        "nurture_4_click", "welcome-nurture-reengagement", "P7D", "sunset"
    )
    assert s.changes.ops == (op,)
    changed = s.changes.apply(workflow)
    assert [e.target for e in changed.outgoing("nurture_4_click") if e.exit == "timeout"] == [
        "nurture_4_click_reengage"
    ]
    assert changed.node("nurture_4_click_sunset").params["list"] == "sunset"
    assert "222 of the workflow's 2,813 emails" in s.explanation.en
    assert s.risk.level == "medium" and "12,6 %" in s.risk.note.es


def test_branch_always_taken_planted_constant_condition(tmp_path):
    every_grade = "fit in ('A', 'B', 'C', 'D', 'E', 'F')"

    def constant(data: dict) -> None:
        edge = next(
            e for e in data["edges"] if e["from"] == "ready_for_sales" and e["to"] == "notify_sales"
        )
        edge["condition"] = every_grade

    workflow = _workflow("welcome_nurture", constant)
    report = _run(
        workflow, tmp_path, Population(arrivals_per_day=20, existing_contacts=0), email_log=False
    )
    [s] = report.by_rule("branch-always-taken")
    d = s.evidence.details
    assert s.target == "ready_for_sales->notify_sales"
    assert (d["cases_taking_branch"], d["cases_at_node"], d["other_branches"]) == (
        61,
        61,
        {"nurture_1": 0},
    )
    assert d["condition"] == every_grade
    # the former default (nurture_1) goes with set_default_branch: no other branch to remove
    assert s.changes.ops == (SetDefaultBranch("ready_for_sales", "notify_sales"),)
    changed = s.changes.apply(workflow)
    [edge] = changed.outgoing("ready_for_sales")
    assert (edge.target, edge.default) == ("notify_sales", True)
    # the dead default is not reported again by branch-never-taken (it skips defaults)
    assert not report.by_rule("branch-never-taken")
    assert "change_condition" in s.explanation.en and s.risk.level == "medium"


# -- the bundled sample logs ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def campaigns():
    return sample_logs.load_campaigns()


@pytest.fixture(scope="module")
def email_events():
    return sample_logs.load_email_events()


ENGAGEMENT = ["wait-too-short", "drop-off-hotspot", "inactive-contacts-mailed"]


def _sample(campaigns, email_events, name="welcome_nurture", revision=1, **thresholds):
    workflow = _workflow(name)
    analysis = Analysis(
        workflow,
        campaigns,
        email_log=email_events,
        revision=revision,
        thresholds=Thresholds(**thresholds),
    )
    return analysis


def test_samples_nothing_planted_so_nothing_fires(campaigns, email_events):
    for name, revision in (("welcome_nurture", 1), ("reengagement", 2)):
        analysis = _sample(campaigns, email_events, name, revision)
        rules = [*ENGAGEMENT, "branch-always-taken", "branch-never-taken"]
        report = suggest_from(analysis, rules=rules)
        found = {(s.rule, s.target) for s in report}
        # welcome-nurture's dead branch (0 of 298) is branch-never-taken's finding alone: the
        # default taken by all 298 is the same fact, so branch-always-taken stays quiet
        expected = (
            {("branch-never-taken", "ready_after_nurture->notify_sales")}
            if name == "welcome_nurture"
            else set()
        )
        assert found == expected


def test_samples_wait_too_short_measures_4_late_clicks_of_319(campaigns, email_events):
    # forced to fire (any late share, the 99th percentile): what the rule measures
    loose = _sample(campaigns, email_events, late_reaction_share=0.01, wait_quantile=0.99)
    [s] = suggest_from(loose, rules=["wait-too-short"])
    d = s.evidence.details
    assert (s.target, d["late_reactions"], d["reactions"]) == ("welcome_click", 4, 319)
    assert s.evidence.distribution["p90_hours"] == pytest.approx(19.65, abs=0.01)
    assert (d["current"], d["proposed"]) == ("P3D", "P4D")


def test_samples_drop_off_rates_are_flat(campaigns, email_events):
    loose = _sample(campaigns, email_events, dropoff_ratio=1.0, alpha=0.5)
    found = {s.target: s for s in suggest_from(loose, rules=["drop-off-hotspot"])}
    assert sorted(found) == ["nurture_3", "welcome_email"]
    d = found["welcome_email"].evidence.details
    # 2.37 % vs 2.00 %: 1.2 times, p = 0.093 (needs 2 times and p < 0.01 to fire)
    assert (d["dropped"], d["sent"], d["others_dropped"], d["others_sent"]) == (85, 3581, 180, 9005)
    assert d["p_value"] == pytest.approx(0.0932, abs=1e-4)


def test_samples_inactive_contacts(campaigns, email_events):
    # welcome-nurture sends at most four emails: at most three unengaged sends before one
    loose = _sample(campaigns, email_events, inactive_sends=3)
    [s] = suggest_from(loose, rules=["inactive-contacts-mailed"])
    assert (s.target, s.evidence.details["by_step"]) == ("nurture_2_click", {"nurture_3": 623})
    assert s.evidence.sample_size == 12586  # the welcome-nurture emails in the message log
    # re-engagement already sunsets its silent contacts: left alone however loose the threshold
    loose = _sample(campaigns, email_events, "reengagement", 2, inactive_sends=1)
    assert not suggest_from(loose, rules=["inactive-contacts-mailed"]).suggestions
