"""What-if estimates from simulations with behaviour fitted from the log, and the before / after
comparison of a change (control chart with the change date as phase boundary, and a test)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pandas as pd
import pytest

import mining
import sample_logs
from automation import (
    Analysis,
    BehaviourFit,
    ChangeSet,
    SetWaitDuration,
    WorkflowStore,
    activate,
    before_after,
    compare_revisions,
    fit_behaviour,
    read_workflow,
    simulate_workflows,
    suggest_from,
    suggestion_what_if,
    what_if,
)
from automation import (
    _admin as admin,
)
from automation._whatif import _behaviour

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def welcome():
    return read_workflow(sample_logs.workflow_path("welcome_nurture"))


@pytest.fixture(scope="module")
def analysed(welcome):
    analysis = Analysis(welcome, sample_logs.load_campaigns(), revision=1)
    return analysis, suggest_from(analysis), fit_behaviour(welcome, analysis=analysis)


def test_behaviour_is_fitted_from_the_log(analysed):
    _, _, fit = analysed
    assert {k: round(v, 3) for k, v in fit.email_click_rate.items()} == {
        "welcome_email": 0.087,
        "nurture_1": 0.082,
        "nurture_2": 0.008,
    }
    assert fit.reaction_median_hours == pytest.approx(3.0, abs=0.1)
    assert fit.never_taken == (("ready_after_nurture", "notify_sales"),)
    assert fit.role == "signup" and fit.arrivals_per_day > 15
    assert BehaviourFit.from_dict(json.loads(json.dumps(fit.to_dict()))) == fit


def test_hooks_follow_the_version_being_simulated(analysed, welcome):
    _, report, fit = analysed
    [branch] = report.by_rule("branch-never-taken")
    _, now = _behaviour(fit, welcome, {})
    _, then = _behaviour(fit, branch.changes.apply(welcome), {})
    assert [type(h).__name__ for h in now.hooks] == ["BranchBias"]
    assert then.hooks == []  # the branch is gone, and with it the hook that kept it unused


def test_shortening_the_wait_shortens_the_cases(analysed, welcome):
    _, report, fit = analysed
    [wait] = report.by_rule("wait-too-long")
    started = time.perf_counter()
    result = suggestion_what_if(wait, welcome, fit, seeds=SEEDS, days=21)
    assert time.perf_counter() - started < 10
    row = result.row("median_days")
    assert result.primary == "median_days"
    assert row["high"] < -4 and row["low"] > -7  # about 6 days less for those who do not click
    clicks = result.row("click_rate:nurture_1")
    assert -0.02 < clicks["difference"] < 0  # the few clicks after a day are lost
    assert "3 seeds × 2" in result.method and "Fitted from the log" in result.method
    assert json.loads(json.dumps(result.to_dict()))["primary"] == "median_days"


def test_a_replacement_email_is_simulated_with_the_assumed_click_rate(analysed, welcome):
    _, report, fit = analysed
    [email] = report.by_rule("email-nobody-clicks")
    result = suggestion_what_if(email, welcome, fit, seeds=SEEDS, days=21)
    assert result.primary == "click_rate:nurture_2"
    row = result.row("click_rate:nurture_2")
    assert row["current"] < 0.02 and 0.05 < row["changed"] < 0.13
    assert row["low"] > 0
    assert "replacement email is clicked like nurture-2-v2: 8.5%" in result.method


def test_removing_a_never_taken_branch_changes_nothing(analysed, welcome):
    _, report, fit = analysed
    [branch] = report.by_rule("branch-never-taken")
    result = suggestion_what_if(branch, welcome, fit, seeds=SEEDS, days=21)
    assert result.primary == "reach:Sales notified"
    assert result.row("median_days")["difference"] == 0
    assert result.row("reach:Sales notified")["difference"] == 0


def test_what_if_needs_two_seeds_and_the_right_fit(analysed, welcome):
    _, _, fit = analysed
    changes = ChangeSet("welcome-nurture", 1, (SetWaitDuration("nurture_1_click", "P2D"),))
    with pytest.raises(ValueError, match="at least 2 seeds"):
        what_if(changes, welcome, fit, seeds=(1,))
    other = read_workflow(sample_logs.workflow_path("reengagement"))
    with pytest.raises(ValueError, match="fitted for 'welcome-nurture'"):
        what_if(changes, other, fit)


# -- before / after ------------------------------------------------------------------------------
def _before_after_log(
    tmp_path, welcome, changed, name: str
) -> tuple[mining.EventLog, pd.Timestamp]:
    """Eight weeks of the current design, then eight weeks of the changed one."""
    start = date(2025, 3, 3)
    frames = []
    for i, (design, begin) in enumerate(((welcome, start), (changed, start + timedelta(56)))):
        sim = simulate_workflows([design], start=begin, days=56, seed=3 + i)
        events = sim.events[["case_id", "activity", "timestamp"]].copy()
        events["case_id"] = f"p{i}/" + events["case_id"].astype(str)
        frames.append(events)
    path = tmp_path / f"{name}.csv"
    pd.concat(frames).to_csv(path, index=False)
    return mining.read_log(path, name=name), pd.Timestamp(start + timedelta(56), tz="UTC")


def test_before_after_says_the_shorter_wait_worked(tmp_path, welcome, monkeypatch):
    changes = ChangeSet("welcome-nurture", 1, (SetWaitDuration("nurture_1_click", "P1D"),))
    changed = changes.apply(welcome)
    log, when = _before_after_log(tmp_path, welcome, changed, "shorter")
    # the same comparison from the store: revision 2 went live at the change date
    store = WorkflowStore(tmp_path / "workflows")
    store.save(welcome, base=None, author="ana")
    store.save(changed, base=1, author="luis")
    monkeypatch.setattr(admin, "_now", lambda: when.isoformat())
    activate(store, "welcome-nurture", 2, by="marta")
    result = compare_revisions(log, store, "welcome-nurture", 2, "throughput")
    assert result.change_date == when
    assert result.sentence == before_after(log, "throughput", when).sentence
    assert result.worked is True
    assert result.before - result.after > 3  # days
    assert result.p_value < 0.001
    assert result.sentence.startswith("The change worked: median throughput fell from")
    assert result.signals_after >= 4  # weeks after the change outside the old limits
    assert result.chart.baseline.count(True) >= 7
    reach = before_after(log, "reach:Nurture email 1 clicked", when)
    assert reach.worked in (None, False)  # clicks after a day no longer count: never better


def test_before_after_finds_no_change_when_nothing_changed(tmp_path, welcome):
    log, when = _before_after_log(tmp_path, welcome, welcome, "same")
    result = before_after(log, "throughput", when)
    assert result.worked is None
    assert result.sentence.startswith("No significant change")
    with pytest.raises(ValueError, match="throughput, reach:ACTIVITY or sla:HOURS"):
        before_after(log, "arrivals", when)


def test_a_sales_workflows_stage_times_are_fitted_and_the_rest_named_as_assumed():
    from sample_logs._planted import STAGE_HOURS

    pipeline = read_workflow(sample_logs.workflow_path("sales_pipeline"))
    fit = fit_behaviour(pipeline, sample_logs.load_sales_activities())
    assert fit.role == "handoff"
    # the planted median working hours, seen through bottlenecks, rework and the later shift
    for node in ("schedule_demo", "demo", "proposal", "negotiation"):
        assert STAGE_HOURS[node] <= fit.stage_hours[node] <= 3 * STAGE_HOURS[node], node
    assert any(x.startswith("stage times of") for x in fit.fitted)
    assert any("win and reply rates" in x for x in fit.assumed)
    assert not any("reaction time" in x for x in fit.assumed)  # the pipeline sends no email
    assert BehaviourFit.from_dict(json.loads(json.dumps(fit.to_dict()))) == fit
    _, behaviour = _behaviour(fit, pipeline, {})
    assert behaviour.sales.stage_hours == dict(fit.stage_hours)


def test_a_sales_workflows_win_and_reply_rates_are_fitted_and_a_calibrated_run_shows_them():
    from automation._whatif import _run, _sales_measures, _sales_scales

    pipeline = read_workflow(sample_logs.workflow_path("sales_pipeline"))
    fit = fit_behaviour(pipeline, sample_logs.load_sales_activities())
    # the same shares counted straight from the CSV
    rows = pd.read_csv(sample_logs.DATA / "sales_activities.csv")
    did = rows.groupby("activity")["opportunity_id"].agg(set)
    negotiated, sent = did["Negotiation"], did["Proposal sent"]
    won = len(negotiated & did["Closed won"]) / len(negotiated)
    assert fit.sales["win"] == pytest.approx(won, abs=1e-4)
    replied = len(sent & did["Proposal answered"]) / len(sent)
    assert fit.sales["reply"] == pytest.approx(replied, abs=1e-4)
    assert 24 < fit.sales["reply_time"] < 240
    assert any(x.startswith("win rate") for x in fit.fitted)
    assert any(x.startswith("reply time") for x in fit.fitted)
    assert any("differ by lead grade" in x for x in fit.assumed)
    assert BehaviourFit.from_dict(json.loads(json.dumps(fit.to_dict()))) == fit
    # a pilot with the defaults, then a run scaled by what it showed, measured like the log
    pilot = _run(fit, pipeline, {}, 900, 11)
    scales = _sales_scales(fit, pilot, pipeline)
    assert set(scales) == {"win", "reply", "reply_time"}
    _, behaviour = _behaviour(fit, pipeline, {}, scales=scales)
    assert behaviour.sales.reply_median_hours == pytest.approx(40.0 * scales["reply_time"])
    run = _run(fit, pipeline, {}, 900, 12, scales=scales)
    events = run.events[run.events["workflow_id"] == pipeline.id]
    first = events.pivot_table(
        index="case_id", columns="activity", values="timestamp", aggfunc="min", observed=True
    )
    shown = _sales_measures(first, pipeline)
    assert shown["win"][0] == pytest.approx(fit.sales["win"], abs=0.08)
    assert shown["reply"][0] == pytest.approx(fit.sales["reply"], abs=0.08)
    assert shown["reply_time"][0] == pytest.approx(fit.sales["reply_time"], rel=0.2)


def test_win_and_reply_rates_of_a_hand_written_sales_log_reach_the_simulation(tmp_path):
    """A log Mejora did not simulate, with rates far from the simulator's defaults: the fit
    reads them and the calibrated run shows them, where the defaults alone would not."""
    from automation._whatif import _run, _sales_measures, _sales_scales

    pipeline = read_workflow(sample_logs.workflow_path("sales_pipeline"))
    rows, start = [], pd.Timestamp("2026-03-02 09:00", tz="UTC")
    for i in range(100):
        t, case = start + pd.Timedelta(hours=7 * i), f"deal-{i:03d}"
        steps = ["Qualified", "Demo scheduled", "Demo held", "Proposal sent"]
        steps += ["Proposal answered"] if i % 5 < 2 else ["Follow-up call"]  # 40 % reply
        steps += ["Negotiation", "Closed won" if i % 10 == 3 else "Closed lost"]  # 10 % won
        for k, step in enumerate(steps):
            rows.append((case, step, t + pd.Timedelta(hours=30 * k)))
    path = tmp_path / "deals.csv"
    pd.DataFrame(rows, columns=["deal", "stage", "when"]).to_csv(path, index=False)
    log = mining.read_log(
        path, mapping={"case_id": "deal", "activity": "stage", "timestamp": "when"}
    )
    fit = fit_behaviour(pipeline, log)
    assert fit.sales["win"] == pytest.approx(0.10)
    assert fit.sales["reply"] == pytest.approx(0.40)
    assert fit.sales["reply_time"] == pytest.approx(30.0)
    pilot = _run(fit, pipeline, {}, 900, 11)
    scales = _sales_scales(fit, pilot, pipeline)

    def shown(scales: dict[str, float]) -> dict[str, tuple[float, int]]:
        events = _run(fit, pipeline, {}, 900, 12, scales=scales).events
        first = events[events["workflow_id"] == pipeline.id].pivot_table(
            index="case_id", columns="activity", values="timestamp", aggfunc="min", observed=True
        )
        return _sales_measures(first, pipeline)

    calibrated, defaults = shown(scales), shown({})
    assert calibrated["win"][0] == pytest.approx(0.10, abs=0.06)
    assert calibrated["reply"][0] == pytest.approx(0.40, abs=0.08)
    assert calibrated["reply_time"][0] == pytest.approx(30.0, rel=0.25)
    assert defaults["win"][0] > 0.25 and defaults["reply"][0] > 0.5  # the defaults alone
    assert defaults["reply_time"][0] > 45
