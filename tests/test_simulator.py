"""The workflow simulator: safe conditions, reproducible exports that import cleanly, a log that
follows the design exactly without hooks, and planted problems that show where the truth says."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import mining
from automation import read_workflow, simulate_workflows, workflow_role
from automation._conditions import Condition, evaluate_condition
from automation._petri import workflow_to_petri_net
from mining._pm4py_adapter import to_pm4py_dataframe, token_replay_fitness
from simulation import Simulation
from simulation._behaviour import (
    Behaviour,
    BranchBias,
    ConsentViolation,
    CycleTimeShift,
    DelayOverride,
    EmailBehaviour,
    Population,
    ReworkOverride,
    SkipOverride,
)
from tests.conftest import ROOT

FOLDER = ROOT / "sample_logs" / "workflows"
WORKFLOWS = [read_workflow(FOLDER / f"{n}.yaml") for n in ("welcome_nurture", "sales_pipeline")]
WORKFLOWS.append(read_workflow(FOLDER / "reengagement.yaml"))
BY_ID = {w.id: w for w in WORKFLOWS}
START = date(2025, 1, 6)
SMALL = Population(arrivals_per_day=4, existing_contacts=150)
# Good-fit contacts close to buying: many reach the sales pipeline.
SALES_HEAVY = Population(
    arrivals_per_day=6,
    existing_contacts=20,
    fit_weights={"A": 0.4, "B": 0.4, "C": 0.2},
    moment_weights={1: 0.5, 2: 0.5},
)
FORMATS = {
    "mautic": ("campaign_lead_event_log.csv", "mautic-campaign-events"),
    "hubspot": ("email_events.jsonl", "hubspot-email-events"),
    "salesforce": ("OpportunityHistory.csv", "salesforce-opportunity-history"),
}


def _run(population=SMALL, behaviour=None, *, days=120, seed=3) -> Simulation:
    return simulate_workflows(
        WORKFLOWS, population, behaviour or Behaviour(), start=START, days=days, seed=seed
    )


def _write(sim: Simulation, folder: Path) -> dict[str, Path]:
    paths = {key: folder / name for key, (name, _) in FORMATS.items()}
    sim.write_mautic_campaign_log(paths["mautic"])
    sim.write_hubspot_email_events(paths["hubspot"])
    sim.write_salesforce_opportunity_history(paths["salesforce"])
    return paths


def _fitness(sim: Simulation, workflow_id: str, case_ids) -> dict[str, float]:
    events = sim.events[sim.events["case_id"].isin(set(case_ids))]
    frame = pd.DataFrame(
        {
            "case:concept:name": events["case_id"].astype(str),
            "concept:name": events["activity"].astype(str),
            "time:timestamp": events["timestamp"],
        }
    )
    net, im, fm = workflow_to_petri_net(BY_ID[workflow_id])
    return token_replay_fitness(frame, net, im, fm)


@pytest.fixture(scope="module")
def plain() -> Simulation:
    return _run()


@pytest.fixture(scope="module")
def plain_files(plain, tmp_path_factory) -> dict[str, Path]:
    return _write(plain, tmp_path_factory.mktemp("plain"))


# ------------------------------------------------------------------------------ conditions


def test_the_sample_conditions_are_accepted():
    texts = [e.condition for w in WORKFLOWS for e in w.edges if e.condition]
    texts += [t.condition for w in WORKFLOWS for t in w.triggers if t.condition]
    texts += [g.condition for w in WORKFLOWS for g in w.goals if g.condition]
    assert len(texts) >= 6
    for text in texts:
        Condition(text)  # parses and passes the whitelist
    assert evaluate_condition("fit in ('A', 'B') and moment <= 2", {"fit": "B", "moment": 2})
    assert not evaluate_condition("fit in ('A', 'B') and moment <= 2", {"fit": "C", "moment": 1})
    assert not evaluate_condition("agreed", {"agreed": False})
    assert evaluate_condition("fit in ('A', 'B', 'C') and budget", {"fit": "C", "budget": True})
    assert evaluate_condition("days_since_last_click >= 90", {"days_since_last_click": 90})
    assert evaluate_condition("lifecycle_stage = 'sql'", {"lifecycle_stage": "sql"})
    assert evaluate_condition("not fit not in ['A'] or moment + 1 > 3", {"fit": "A", "moment": 1})


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "fit.upper() == 'A'",
        "().__class__",
        "open('/etc/passwd')",
        "fit[0] == 'A'",
        "lambda: 1",
        "[x for x in fit]",
        "2 ** 64",
        "moment if fit else budget",
        "(x := 1)",
    ],
)
def test_unsafe_conditions_are_refused(text):
    with pytest.raises(ValueError, match="condition") as info:
        evaluate_condition(text, {"fit": "A", "moment": 1, "budget": True, "x": 1})
    assert repr(text) in str(info.value)


def test_unknown_names_and_non_numeric_arithmetic_are_named():
    with pytest.raises(ValueError, match=r"unknown name.*sizee"):
        evaluate_condition("fit == 'A' and sizee > 3", {"fit": "A"})
    with pytest.raises(ValueError, match="arithmetic needs numbers"):
        evaluate_condition("fit * 1000000000 == ''", {"fit": "A"})


def test_workflow_roles_come_from_the_triggers():
    roles = {w.id: workflow_role(w) for w in WORKFLOWS}
    assert roles == {
        "welcome-nurture": "signup",
        "sales-pipeline": "handoff",
        "reengagement": "inactivity",
    }


# --------------------------------------------------------------------- reproducible output


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    population = Population(arrivals_per_day=3, existing_contacts=60)
    files = []
    for run, seed in enumerate((5, 5, 6)):
        folder = tmp_path / str(run)
        folder.mkdir()
        sim = simulate_workflows(
            WORKFLOWS, population, Behaviour(), start=START, days=60, seed=seed
        )
        files.append(_write(sim, folder))
    for key in FORMATS:
        first, again, other = (f[key].read_bytes() for f in files)
        assert first == again, key
        assert first != other, key
        assert len(first) > 200, key


def test_every_file_imports_with_only_the_planted_quarantine(plain, plain_files):
    expected = {"mautic": set(), "hubspot": {"filtered_event"}, "salesforce": {"stage_unchanged"}}
    counts = {}
    for key, (_, fmt) in FORMATS.items():
        log = mining.read_log(plain_files[key], format=fmt)
        summary = log.summary()
        assert summary.rows_read == summary.events + summary.quarantined, key
        assert set(summary.quarantine_reasons) == expected[key], (key, summary.quarantine_reasons)
        counts[key] = summary
    marketing = plain.events[plain.events["workflow_id"] != "sales-pipeline"]
    assert counts["mautic"].events == len(marketing)
    assert counts["mautic"].cases == marketing["case_id"].nunique()
    assert counts["hubspot"].cases == len(plain.emails)
    assert counts["hubspot"].quarantined == 2 * plain.emails["bot"].notna().sum()
    sales = plain.events[plain.events["workflow_id"] == "sales-pipeline"]
    assert counts["salesforce"].events == len(sales)  # no rework: every stage row is an event
    assert counts["salesforce"].cases == sales["case_id"].nunique() > 10


# ------------------------------------------------------------------ the log follows the design


@pytest.mark.parametrize("workflow_id", [w.id for w in WORKFLOWS])
def test_without_hooks_every_case_replays_with_fitness_one(plain, workflow_id):
    assert plain.truth.empty
    cases = plain.cases[plain.cases["workflow_id"] == workflow_id]
    ran = cases[cases["outcome"] != "unenrolled"]  # unsubscribed / bounced: cut short
    assert len(ran) >= 20 and len(ran) >= 0.9 * len(cases)
    result = _fitness(plain, workflow_id, ran["case_id"])
    assert result["log_fitness"] == pytest.approx(1.0)
    assert result["perc_fit_traces"] == pytest.approx(100.0)


def test_the_imported_campaign_log_replays_too(plain, plain_files):
    log = mining.read_log(plain_files["mautic"], format="mautic-campaign-events")
    frame = to_pm4py_dataframe(log)
    ran = plain.cases[(plain.cases["workflow_id"] == "welcome-nurture")]
    ran = set(ran[ran["outcome"] != "unenrolled"]["case_id"])
    frame = frame[frame["case:concept:name"].isin(ran)]
    assert frame["case:concept:name"].nunique() == len(ran)
    net, im, fm = workflow_to_petri_net(BY_ID["welcome-nurture"])
    assert token_replay_fitness(frame, net, im, fm)["log_fitness"] == pytest.approx(1.0)


def test_emails_go_out_only_inside_the_send_window(plain):
    for workflow in WORKFLOWS:
        window = workflow.send_window
        sends = {n.id for n in workflow.nodes if n.action == "send_email"}
        events = plain.events[
            (plain.events["workflow_id"] == workflow.id) & plain.events["node_id"].isin(sends)
        ]
        if window is None:
            continue
        assert len(events) > 5, workflow.id
        local = events["timestamp"].dt.tz_convert(ZoneInfo(window.timezone))
        days = {("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(d) for d in window.days}
        assert local.dt.day_of_week.isin(days).all(), workflow.id
        clock = local.dt.strftime("%H:%M")
        assert ((clock >= window.start) & (clock < window.end)).all(), workflow.id


def test_no_email_after_an_unsubscribe_or_a_bounce(plain, plain_files):
    log = mining.read_log(plain_files["hubspot"], format="hubspot-email-events")
    events = log.to_pandas()
    first = (
        events[events["activity"].isin(["UNSUBSCRIBE", "BOUNCE"])]
        .groupby("recipient")["timestamp"]
        .min()
    )
    assert len(first) >= 3
    sent = events[events["activity"] == "SENT"]
    later = sent["timestamp"] > sent["recipient"].map(first)
    assert not later.any()
    gone = plain.cases[plain.cases["outcome"] == "unenrolled"]
    assert len(gone) >= 3  # those cases were cut short at the unsubscribe or bounce


def test_re_engagement_takes_inactive_contacts_and_lets_them_re_enter():
    sim = _run(Population(arrivals_per_day=2, existing_contacts=200), days=240, seed=4)
    cases = sim.cases[sim.cases["workflow_id"] == "reengagement"]
    assert len(cases) > 50
    assert cases["rotation"].max() >= 2  # no cool-down: sunset contacts come back
    starts = cases.merge(sim.contacts, on="contact_id")
    first = starts[starts["rotation"] == 1]
    # contacts enter 90 days after their last click (or creation, if they never clicked)
    active = first["last_click"].where(first["last_click"] >= 0, first["created"])
    before = (first["start"] - pd.to_datetime(active, unit="s", utc=True)).dt.days
    assert (before >= 90).all()


# ------------------------------------------------------------------------------------ hooks


def _sales_sim(*hooks, seed=11, days=90) -> Simulation:
    return _run(SALES_HEAVY, Behaviour(hooks=list(hooks)), days=days, seed=seed)


def test_a_skipped_step_shows_in_exactly_the_touched_cases():
    sim = _sales_sim(SkipOverride("sales-pipeline", "demo", 0.5, name="no-demo"))
    cases = sim.cases[sim.cases["workflow_id"] == "sales-pipeline"]["case_id"]
    touched = set(sim.touched("SkipOverride"))
    assert set(sim.truth["hook"]) == {"no-demo"}
    assert len(touched) >= 20
    untouched = set(cases) - touched
    assert len(untouched) >= 20
    assert _fitness(sim, "sales-pipeline", touched)["perc_fit_traces"] == 0.0
    assert _fitness(sim, "sales-pipeline", untouched)["log_fitness"] == pytest.approx(1.0)
    held = sim.events[sim.events["activity"] == "Demo held"]["case_id"]
    assert not touched & set(held)


def test_a_hook_leaves_the_cases_it_does_not_touch_unchanged():
    plain = _sales_sim()
    hooked = _sales_sim(SkipOverride("sales-pipeline", "demo", 0.5))
    marketing = ["welcome-nurture", "reengagement"]
    a = plain.events[plain.events["workflow_id"].isin(marketing)].reset_index(drop=True)
    b = hooked.events[hooked.events["workflow_id"].isin(marketing)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_a_consent_violation_is_listed_for_exactly_the_violating_cases():
    email = EmailBehaviour(unsubscribe_probability=0.15)
    hook = ConsentViolation("welcome-nurture", 0.6, name="ignores-unsubscribe")
    sim = _run(behaviour=Behaviour(email=email, hooks=[hook]))
    sends = sim.emails
    first_unsub = sends.groupby("case_id")["unsubscribed"].min()
    after = sends["sent"] > sends["case_id"].map(first_unsub)
    violating = sorted(set(sends[after]["case_id"]))
    assert len(violating) >= 5
    assert sim.touched("ConsentViolation") == violating
    assert set(sim.truth["hook"]) == {"ignores-unsubscribe"}
    # without the hook, nobody gets an email after unsubscribing
    clean = _run(behaviour=Behaviour(email=email))
    first = clean.emails.groupby("contact_id")["unsubscribed"].min()
    assert not (clean.emails["sent"] > clean.emails["contact_id"].map(first)).any()


def test_a_regional_bottleneck_makes_that_step_slow_there():
    hook = DelayOverride("sales-pipeline", "demo", 3.0, region="North", name="north-demos")
    sim = _sales_sim(hook, days=120)
    events = sim.events[sim.events["workflow_id"] == "sales-pipeline"]
    pivot = events.pivot_table(
        index=["case_id", "region"],
        columns="activity",
        values="timestamp",
        aggfunc="min",
        observed=True,
    ).reset_index()
    pivot = pivot.dropna(subset=["Demo scheduled", "Demo held"])
    took = (pivot["Demo held"] - pivot["Demo scheduled"]).dt.total_seconds()
    north = took[pivot["region"] == "North"]
    others = took[pivot["region"] != "North"]
    assert len(north) >= 15 and len(others) >= 30
    assert north.median() >= 2 * others.median()
    touched = set(sim.touched(hook="north-demos"))
    assert touched == set(pivot[pivot["region"] == "North"]["case_id"])


def test_rework_branch_bias_cycle_shift_and_a_weak_email_are_in_the_truth():
    hooks = [
        ReworkOverride("sales-pipeline", "proposal", 0.4, name="proposal-again"),
        BranchBias("welcome-nurture", "ready_for_sales", 0, 1.0, name="never-hand-off"),
        CycleTimeShift("sales-pipeline", date(2025, 2, 15), 2.0, name="slower-from-mid-feb"),
    ]
    email = EmailBehaviour(email_click_multiplier={"nurture-2": 0.1})
    sim = _run(SALES_HEAVY, Behaviour(email=email, hooks=hooks), days=90, seed=12)
    events = sim.events
    proposals = events[events["activity"] == "Proposal sent"].groupby("case_id").size()
    reworked = set(sim.touched(hook="proposal-again"))
    assert reworked and set(proposals[proposals > 1].index) == reworked
    # the first decision never sends anyone to sales: no "Lead scored" -> "Sales notified"
    welcome = events[events["workflow_id"] == "welcome-nurture"]
    after_scoring = welcome.groupby("case_id")["activity"].apply(list)
    assert not any(
        "Lead scored" in trace and "Sales notified" in trace and "Lead re-scored" not in trace
        for trace in after_scoring
    )
    assert len(sim.touched(hook="never-hand-off")) >= 5
    shifted = sim.cases[sim.cases["case_id"].isin(sim.touched(hook="slower-from-mid-feb"))]
    sales = sim.cases[sim.cases["workflow_id"] == "sales-pipeline"]
    late = sales[sales["start"] >= pd.Timestamp("2025-02-15", tz="UTC")]
    assert set(shifted["case_id"]) == set(late["case_id"]) and len(late) >= 5
    weak = sim.touched("EmailClickMultiplier")
    assert set(weak) == set(sim.emails[sim.emails["email"] == "nurture-2"]["case_id"])


def test_hooks_must_name_real_steps():
    with pytest.raises(ValueError, match="no node 'nope'"):
        _run(behaviour=Behaviour(hooks=[SkipOverride("sales-pipeline", "nope", 0.1)]))
    with pytest.raises(ValueError, match="no workflow"):
        _run(behaviour=Behaviour(hooks=[ConsentViolation("other", 0.1)]))
    with pytest.raises(ValueError, match="decision"):
        _run(behaviour=Behaviour(hooks=[SkipOverride("sales-pipeline", "outcome", 0.1)]))
    with pytest.raises(ValueError, match="unknown email"):
        _run(behaviour=Behaviour(email=EmailBehaviour(email_click_multiplier={"x": 0.5})))


def test_splits_until_waits_and_a_narrow_window_follow_the_design():
    from automation import parse_workflow

    workflow = parse_workflow(
        {
            "id": "ab-test",
            "name": "A/B test",
            "version": 1,
            "entry": {"triggers": [{"type": "form_submitted"}]},
            "send_window": {
                "timezone": "America/New_York",
                "days": ["tue", "thu"],
                "start": "10:00",
                "end": "12:00",
            },
            "start": "split",
            "nodes": [
                {"id": "split", "type": "decision", "mode": "split"},
                {
                    "id": "a",
                    "type": "action",
                    "action": "send_email",
                    "params": {"email": "a"},
                    "activities": ["A sent"],
                },
                {
                    "id": "b",
                    "type": "action",
                    "action": "send_email",
                    "params": {"email": "b"},
                    "activities": ["B sent"],
                },
                {"id": "morning", "type": "wait", "until": "07:30", "activities": ["Morning"]},
                {"id": "done", "type": "end", "activities": ["Done"]},
            ],
            "edges": [
                {"from": "split", "to": "a", "weight": 0.3},
                {"from": "split", "to": "b", "weight": 0.7},
                {"from": "a", "to": "morning"},
                {"from": "b", "to": "morning"},
                {"from": "morning", "to": "done"},
            ],
        }
    )
    sim = simulate_workflows(
        [workflow],
        Population(arrivals_per_day=10, existing_contacts=0),
        start=START,
        days=60,
        seed=2,
    )
    events = sim.events
    local = events["timestamp"].dt.tz_convert("America/New_York")
    sent = events["activity"].isin(["A sent", "B sent"])
    assert local[sent].dt.day_of_week.isin([1, 3]).all()
    assert local[sent].dt.strftime("%H:%M").between("10:00", "11:59").all()
    assert (local[events["activity"] == "Morning"].dt.strftime("%H:%M:%S") == "07:30:00").all()
    share_a = (events["activity"] == "A sent").sum() / sent.sum()
    assert 0.2 < share_a < 0.4
    ran = sim.cases[sim.cases["outcome"] != "unenrolled"]["case_id"]
    frame = pd.DataFrame(
        {
            "case:concept:name": events["case_id"].astype(str),
            "concept:name": events["activity"].astype(str),
            "time:timestamp": events["timestamp"],
        }
    )[events["case_id"].isin(set(ran))]
    net, im, fm = workflow_to_petri_net(workflow)
    assert token_replay_fitness(frame, net, im, fm)["log_fitness"] == pytest.approx(1.0)
