"""ChangeSets: every typed operation changes exactly what it says, validates its result, names
itself when it fails, and round-trips through JSON; the diff of two revisions reads right."""

from __future__ import annotations

import dataclasses
import json
from typing import ClassVar

import pytest

import sample_logs
from automation import (
    OPERATIONS,
    AddBranch,
    AddGoal,
    AddSalesTask,
    AddSuppression,
    ChangeCondition,
    ChangeEvent,
    ChangeSet,
    InsertReengagementBranch,
    Operation,
    RemoveBranch,
    RemoveStep,
    ReorderSteps,
    ReplaceEmail,
    SetCooldown,
    SetDefaultBranch,
    SetSendWindow,
    SetWaitDuration,
    WorkflowError,
    diff_workflows,
    lint_workflow,
    operation_from_dict,
    read_workflow,
)


@pytest.fixture(scope="module")
def welcome():
    return read_workflow(sample_logs.workflow_path("welcome_nurture"))


@pytest.fixture(scope="module")
def sales():
    return read_workflow(sample_logs.workflow_path("sales_pipeline"))


@pytest.fixture(scope="module")
def reengagement():
    return read_workflow(sample_logs.workflow_path("reengagement"))


def test_set_wait_duration_changes_only_that_timeout(welcome):
    changed = SetWaitDuration("nurture_1_click", "PT24H").apply(welcome)
    assert changed.node("nurture_1_click").timeout.total_seconds() == 86400
    diff = diff_workflows(welcome, changed)
    assert [c.text() for c in diff.changes] == ["~ node nurture_1_click: timeout P7D → P1D"]


def test_remove_branch_keeps_steps_other_branches_reach(welcome):
    changed = RemoveBranch("ready_after_nurture", "notify_sales").apply(welcome)
    targets = [e.target for e in changed.outgoing("ready_after_nurture")]
    assert targets == ["nurture_done"]
    assert "notify_sales" in {n.id for n in changed.nodes}  # still reached from ready_for_sales
    assert len(changed.edges) == len(welcome.edges) - 1


def test_remove_branch_prunes_what_only_it_reached(sales):
    with_extra = AddBranch("outcome", "lost", condition="budget and not agreed").apply(sales)
    again = RemoveBranch("outcome", "lost").apply(with_extra)
    assert again.edges == sales.edges


def test_add_branch_and_change_condition(sales):
    changed = AddBranch("fit_and_budget", "lost", condition="fit = 'F'", label="bad fit").apply(
        sales
    )
    edge = next(e for e in changed.outgoing("fit_and_budget") if e.target == "lost")
    assert (edge.condition, edge.label) == ("fit = 'F'", "bad fit")
    changed = ChangeCondition("fit_and_budget", "schedule_demo", "fit in ('A', 'B')").apply(sales)
    edge = next(e for e in changed.outgoing("fit_and_budget") if e.target == "schedule_demo")
    assert edge.condition == "fit in ('A', 'B')"


def test_goal_suppression_cooldown_window_event(reengagement):
    changed = ChangeSet(
        "reengagement",
        2,
        (
            AddGoal("reactivated", "Clicked again", condition="days_since_last_click < 90"),
            AddSuppression(("unsubscribed", "hard_bounced")),
            SetCooldown("P30D"),
            SetSendWindow("Europe/Madrid", ("mon", "tue"), "10:00", "17:00"),
            ChangeEvent("winback_open", "email_click", ("Win-back email clicked",)),
        ),
    ).apply(reengagement)
    assert [g.id for g in changed.goals] == ["reactivated"]
    assert changed.suppression == ("unsubscribed", "hard_bounced")
    assert changed.reenrollment.cooldown.days == 30
    assert (changed.send_window.days, changed.send_window.start) == (("mon", "tue"), "10:00")
    node = changed.node("winback_open")
    assert (node.event, node.activities) == ("email_click", ("Win-back email clicked",))
    rules = {f.rule for f in lint_workflow(changed)}
    assert not rules & {"no-goal", "no-send-window", "reenrollment-without-cooldown"}
    assert "branch-on-opens" not in rules


def test_insert_reengagement_branch(welcome):
    changed = InsertReengagementBranch("nurture_2_click", "last-call", timeout="P5D").apply(welcome)
    timeout = next(e for e in changed.outgoing("nurture_2_click") if e.exit == "timeout")
    assert timeout.target == "nurture_2_click_reengage"
    exits = {e.exit: e.target for e in changed.outgoing("nurture_2_click_reengaged")}
    assert exits == {"event": "nurture_3", "timeout": "nurture_2_click_sunset"}
    assert changed.node("nurture_2_click_reengage").params["email"] == "last-call"
    assert changed.node("nurture_2_click_sunset_done").type == "end"


def test_remove_step_and_reorder_steps(sales, reengagement):
    changed = RemoveStep("demo").apply(sales)
    assert [e.target for e in changed.outgoing("schedule_demo")] == ["proposal"]
    assert "demo" not in {n.id for n in changed.nodes}
    swapped = ReorderSteps("last_chance_email", "wait_sunset").apply(reengagement)
    assert [e.target for e in swapped.outgoing("winback_open") if e.exit == "timeout"] == [
        "wait_sunset"
    ]
    assert [e.target for e in swapped.outgoing("wait_sunset")] == ["last_chance_email"]
    assert [e.target for e in swapped.outgoing("last_chance_email")] == ["sunset"]


def test_add_sales_task_plain_and_for_a_segment(sales):
    plain = AddSalesTask("proposal", "review", "Review the proposal", sla="P1D").apply(sales)
    assert [e.target for e in plain.outgoing("demo")] == ["review"]
    assert plain.node("review").params["sla"] == "P1D"
    only = AddSalesTask(
        "schedule_demo", "escalate", "Escalate", sla="PT48H", condition="region = 'North'"
    ).apply(sales)
    out = {e.target: e for e in only.outgoing("escalate_check")}
    assert out["escalate"].condition == "region = 'North'" and out["schedule_demo"].default
    assert only.node("escalate").params["sla"] == "P2D"


def test_replace_email(welcome):
    changed = ReplaceEmail("nurture_2", "nurture-2-v2", name="Nurture email 2 (new)").apply(welcome)
    node = changed.node("nurture_2")
    assert (node.params["email"], node.name) == ("nurture-2-v2", "Nurture email 2 (new)")


@pytest.mark.parametrize(
    ("op", "message"),
    [
        (SetWaitDuration("nope", "P1D"), "has no node 'nope'"),
        (SetWaitDuration("nurture_1_click", "P0D"), "longer than zero"),
        (SetWaitDuration("nurture_1_click", "P1M"), "not an ISO-8601 duration"),
        (SetWaitDuration("welcome_email", "P1D"), "of type action"),
        (RemoveBranch("ready_after_nurture", "nurture_done"), "default branch"),
        (RemoveBranch("ready_after_nurture", "welcome_email"), "no edge"),
        (AddBranch("ready_for_sales", "nurture_1", condition="fit = 'A'"), "already has"),
        (AddBranch("ready_for_sales", "handed_off"), "needs a condition"),
        (ChangeCondition("ready_for_sales", "notify_sales", "__import__('os')"), "not allowed"),
        (ChangeCondition("ready_for_sales", "nurture_1", "fit = 'A'"), "default branch"),
        (AddSuppression(("unsubscribed",)), "already suppresses"),
        (AddGoal("sales-qualified", condition="fit = 'A'"), "exists already"),
        (InsertReengagementBranch("nurture_1", "x"), "of type action"),
        (RemoveStep("nurture_done"), "of type end"),
        (ReorderSteps("welcome_email", "nurture_1"), "no edge"),
        (ReplaceEmail("score_lead", "x"), "does not send an email"),
        (ReplaceEmail("nurture_2", "nurture-2"), "already sends"),
        (AddSalesTask("nurture_1", "nurture_2", "clash"), "exists already"),
        (SetSendWindow("Europe/Madrid", ("mon", "funday")), "unknown day"),
    ],
)
def test_invalid_operations_name_themselves(welcome, op, message):
    with pytest.raises(WorkflowError, match=message) as info:
        op.apply(welcome)
    assert f"operation {op.op}(" in str(info.value)


@dataclasses.dataclass(frozen=True)
class _DropEdge(Operation):
    """A deliberately careless operation: drops an edge without looking."""

    source: str
    op: ClassVar[str] = "drop_edge"

    def _edit(self, edit) -> None:
        edit.data["edges"] = [e for e in edit.data["edges"] if e["from"] != self.source]


def test_an_operation_cannot_strand_contacts(welcome):
    with pytest.raises(WorkflowError, match=r"drop_edge.*would leave dead-end:nurture_3"):
        _DropEdge("nurture_3").apply(welcome)


def test_changeset_round_trips_through_json_with_every_operation():
    ops = (
        SetWaitDuration("w", "P1D"),
        RemoveBranch("d", "x"),
        AddBranch("d", "y", condition="fit = 'A'", weight=None, label="A"),
        SetDefaultBranch("d", "y"),
        ChangeCondition("d", "y", "moment <= 2"),
        AddGoal("g", "goal", condition="lifecycle_stage = 'sql'", activities=("Won",)),
        AddSuppression(("unsubscribed",)),
        SetCooldown("P30D"),
        InsertReengagementBranch("w", "email-x", timeout="P3D"),
        RemoveStep("s"),
        ReorderSteps("a", "b"),
        AddSalesTask("b", "t", "Task", sla="P2D", condition="region = 'North'", params={"k": 1}),
        ReplaceEmail("e", "email-v2"),
        ChangeEvent("w", "email_click", ("Clicked",)),
        SetSendWindow("UTC"),
    )
    assert {op.op for op in ops} == set(OPERATIONS)
    changes = ChangeSet("wf", 3, ops)
    text = json.dumps(changes.to_dict())
    assert ChangeSet.from_dict(json.loads(text)) == changes


def test_changeset_apply_bumps_version_and_makes_a_draft(welcome):
    changes = ChangeSet("welcome-nurture", 1, (SetWaitDuration("nurture_1_click", "P1D"),))
    changed = changes.apply(welcome)
    assert (changed.version, changed.status) == (welcome.version + 1, "draft")
    with pytest.raises(WorkflowError, match="is for workflow 'other'"):
        ChangeSet("other", 1, changes.ops).apply(welcome)
    with pytest.raises(WorkflowError, match="at least one operation"):
        ChangeSet("welcome-nurture", 1, ()).apply(welcome)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"op": "teleport"}, "unknown operation 'teleport'"),
        ({"node": "x"}, "needs an 'op'"),
        ({"op": "remove_step", "node": "x", "colour": "red"}, "unknown field"),
        ({"op": "remove_step"}, "missing 1 required"),
    ],
)
def test_operation_from_dict_refuses_bad_data(data, message):
    with pytest.raises(WorkflowError, match=message):
        operation_from_dict(data)


def test_diff_lists_nodes_edges_and_settings(welcome):
    changed = ChangeSet(
        "welcome-nurture",
        1,
        (RemoveBranch("ready_after_nurture", "notify_sales"), AddSuppression(("bounced",))),
    ).apply(welcome)
    diff = diff_workflows(welcome, changed, before=1, after=2)
    text = diff.to_text()
    assert text.splitlines()[0] == "welcome-nurture: revision 1 → 2"
    assert "- edge ready_after_nurture → notify_sales" in text
    assert '~ setting entry: suppression ["unsubscribed", "hard_bounced", "customers",' in text
    kinds = {(c.kind, c.what) for c in diff.changes}
    assert kinds == {("removed", "edge"), ("changed", "setting")}
    assert not diff_workflows(welcome, welcome)
