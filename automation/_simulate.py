"""A workflow handed to the simulator: who enters it (its role, from its triggers), and the plain
design graph (:class:`simulation.Flow`) the simulator walks, with its conditions compiled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import simulation
from automation._conditions import compile_condition
from automation._workflow import Workflow, read_workflow

_SIGNUP_TRIGGERS = {"form_submitted", "form_submission", "signup", "contact_created", "list"}
_SIGNUP_TRIGGERS |= {"list_membership", "list_added"}
_MAX_INACTIVITY_DAYS = 3650
# what a wait for an event waits for (Node.awaits) -> the simulator's name of that event
_FLOW_EVENTS = {"clicked": "click", "opened": "open", "replied": "reply"}


def _sql(goal: Any) -> bool:
    """Whether a goal or trigger holds for ``lifecycle_stage = 'sql'`` (hands over to sales)."""
    if not goal.condition:
        return False
    try:
        return compile_condition(goal.condition).evaluate({"lifecycle_stage": "sql"})
    except ValueError:
        return False


def _inactivity_days(workflow: Workflow) -> int | None:
    """Days of inactivity that trigger the workflow: the least N for which its inactivity
    trigger's condition holds (None: no such condition, the simulator's default applies)."""
    for trigger in workflow.triggers:
        if trigger.type == "inactivity" and trigger.condition:
            condition = compile_condition(trigger.condition)
            condition.check_names({"days_since_last_click"})
            for days in range(_MAX_INACTIVITY_DAYS + 1):
                if condition.evaluate({"days_since_last_click": days}):
                    return days
            raise ValueError(
                f"{workflow.id}: the inactivity condition {trigger.condition!r} never holds"
            )
    return None


def workflow_role(workflow: Workflow, behaviour: simulation.Behaviour | None = None) -> str:
    """``signup``, ``handoff``, ``inactivity`` or ``none``: who enters the workflow.

    ``Behaviour.roles`` decides when it names the workflow; otherwise the triggers do: an
    ``inactivity`` trigger, a trigger whose condition holds for ``lifecycle_stage = 'sql'``
    (sales hand-off), or a sign-up trigger (form, list); a workflow without triggers is
    ``signup``.
    """
    roles = behaviour.roles if behaviour else {}
    if workflow.id in roles:
        role = roles[workflow.id]
        if role not in simulation.ROLES:
            raise ValueError(
                f"role of {workflow.id!r} must be one of {simulation.ROLES}, not {role!r}"
            )
        return role
    for trigger in workflow.triggers:
        if trigger.type == "inactivity":
            return "inactivity"
    for trigger in workflow.triggers:
        if trigger.condition and _sql(trigger):
            return "handoff"
    if not workflow.triggers or any(t.type in _SIGNUP_TRIGGERS for t in workflow.triggers):
        return "signup"
    return "none"


def to_flow(workflow: Workflow) -> simulation.Flow:
    """The workflow as the simulator's design graph: steps with their compiled links, goals
    (and whether reaching one hands the contact to sales), send window, re-enrolment,
    suppression, role and inactivity threshold."""
    steps = []
    for node in workflow.nodes:
        links = tuple(
            simulation.Link(
                target=e.target,
                exit=e.exit,
                condition=compile_condition(e.condition) if e.condition else None,
                default=bool(e.default),
                weight=e.weight,
            )
            for e in workflow.outgoing(node.id)
        )
        sends = node.action == "send_email"
        steps.append(
            simulation.Step(
                id=node.id,
                type=node.type,
                links=links,
                action=node.action,
                activities=tuple(node.activities),
                email=str(node.params.get("email") or node.id) if sends else None,
                loss="reasons" in node.params or node.params.get("property") == "loss_reason",
                duration=node.duration,
                until=node.until,
                event=_FLOW_EVENTS.get(node.awaits or "", node.event),
                timeout=node.timeout,
                mode=node.mode,
            )
        )
    window = workflow.send_window
    return simulation.Flow(
        id=workflow.id,
        role=workflow_role(workflow),
        start=workflow.start,
        steps=tuple(steps),
        goals=tuple(
            simulation.FlowGoal(g.id, tuple(g.activities), _sql(g)) for g in workflow.goals
        ),
        window=(
            simulation.Window(window.timezone, tuple(window.days), window.start, window.end)
            if window
            else None
        ),
        reenrol=workflow.reenrollment.allowed,
        cooldown=workflow.reenrollment.cooldown,
        suppression=tuple(workflow.suppression),
        inactivity_days=_inactivity_days(workflow),
    )


def simulate_workflows(
    workflows: Sequence[Workflow | str | Path],
    population: simulation.Population | None = None,
    behaviour: simulation.Behaviour | None = None,
    *,
    start: date,
    days: int,
    seed: int,
) -> simulation.Simulation:
    """:func:`simulation.simulate` of workflows (objects or workflow files), each converted by
    :func:`to_flow`.

    Example:
        >>> sim = simulate_workflows(["nurture.yaml", "pipeline.yaml"],
        ...                          start=date(2025, 1, 6), days=90, seed=7)  # doctest: +SKIP
    """
    read = [w if isinstance(w, Workflow) else read_workflow(w) for w in workflows]
    flows = [to_flow(w) for w in read]
    return simulation.simulate(flows, population, behaviour, start=start, days=days, seed=seed)
