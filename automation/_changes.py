"""Changes to a designed workflow as data: a :class:`ChangeSet` of typed operations.

A ChangeSet names the workflow and the revision it was computed on (``base_revision``) and lists
operations such as ``set_wait_duration`` or ``add_suppression``. Each operation edits the
workflow's plain data and the result goes through :func:`parse_workflow` again, so an operation
can never produce a workflow the format refuses; it also may not introduce an unreachable step, a
dead end or a decision without a default. Any problem raises :class:`WorkflowError` naming the
operation. ChangeSets round-trip through JSON (``to_dict`` / ``from_dict``).

    changes = ChangeSet("onboarding", 3, (SetWaitDuration("clicked_guide", "P1D"),))
    new = changes.apply(store.load("onboarding", 3))
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from automation._conditions import compile_condition
from automation._lint import lint_workflow
from automation._workflow import (
    WEEKDAYS,
    Workflow,
    format_duration,
    parse_duration,
    parse_workflow,
)
from automation.exceptions import WorkflowError

# lint findings that an operation may not introduce (the workflow would strand contacts)
_STRUCTURAL = ("unreachable", "dead-end", "decision-without-default")


class _Edit:
    """The plain data of a workflow being edited, with helpers that raise readable errors."""

    def __init__(self, workflow: Workflow, where: str) -> None:
        self.workflow = workflow
        self.data = copy.deepcopy(workflow.to_dict())
        self.where = where

    def fail(self, problem: str) -> None:
        raise WorkflowError([f"{self.where}: {problem}"])

    def node(self, node_id: str, *types: str) -> dict[str, Any]:
        for node in self.data["nodes"]:
            if node["id"] == node_id:
                if types and node["type"] not in types:
                    self.fail(
                        f"node {node_id!r} is of type {node['type']}, not {' or '.join(types)}"
                    )
                return node
        self.fail(f"the workflow has no node {node_id!r}")
        raise AssertionError  # unreachable: fail raises

    def new_id(self, node_id: str) -> str:
        if any(n["id"] == node_id for n in self.data["nodes"]):
            self.fail(f"a node {node_id!r} exists already; choose another id")
        return node_id

    def outgoing(self, node_id: str) -> list[dict[str, Any]]:
        return [e for e in self.data["edges"] if e["from"] == node_id]

    def incoming(self, node_id: str) -> list[dict[str, Any]]:
        return [e for e in self.data["edges"] if e["to"] == node_id]

    def edge(self, source: str, target: str) -> dict[str, Any]:
        found = [e for e in self.outgoing(source) if e["to"] == target]
        if not found:
            self.fail(f"there is no edge from {source!r} to {target!r}")
        return found[0]

    def insert_before(self, target: str, nodes: list[dict], first: str, last: str) -> None:
        """Put ``nodes`` (entered at ``first``, left at ``last``) on every edge into ``target``."""
        for edge in self.incoming(target):
            edge["to"] = first
        if self.data["start"] == target:
            self.data["start"] = first
        self.data["nodes"].extend(nodes)
        self.data["edges"].append({"from": last, "to": target})


def _duration_text(value: str, edit: _Edit, what: str) -> str:
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        edit.fail(f"{what}: {exc}")
        raise AssertionError from exc
    if duration.total_seconds() <= 0:
        edit.fail(f"{what} must be longer than zero")
    return format_duration(duration)


def _condition_text(value: str, edit: _Edit) -> str:
    try:
        compile_condition(value)
    except ValueError as exc:
        edit.fail(str(exc))
    return value


@dataclass(frozen=True)
class Operation:
    """One typed change; subclasses define ``op`` and ``_edit``."""

    op: ClassVar[str] = ""

    def describe(self) -> str:
        """One line saying what the operation does."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "op")
        return f"{self.op}({args})"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"op": name, ...fields}`` (lists for tuples)."""
        data: dict[str, Any] = {"op": self.op}
        for key, value in asdict(self).items():
            data[key] = list(value) if isinstance(value, tuple) else value
        return data

    def apply(self, workflow: Workflow) -> Workflow:
        """The workflow with this change, validated; raises WorkflowError naming the op.

        Example:
            >>> SetWaitDuration("clicked_guide", "P1D").apply(workflow)   # doctest: +SKIP
        """
        edit = _Edit(workflow, f"operation {self.describe()}")
        self._edit(edit)
        try:
            changed = parse_workflow(edit.data, source=workflow.source or workflow.id)
        except WorkflowError as exc:
            raise WorkflowError([f"{edit.where}: {p}" for p in exc.problems]) from exc
        before = {f.id for f in lint_workflow(workflow) if f.rule in _STRUCTURAL}
        after = [f for f in lint_workflow(changed) if f.rule in _STRUCTURAL and f.id not in before]
        if after:
            raise WorkflowError([f"{edit.where}: would leave {f.id} ({f.message})" for f in after])
        return changed

    def _edit(self, edit: _Edit) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class SetWaitDuration(Operation):
    """A wait's ``duration``, or a wait-for-event's ``timeout`` (ISO-8601, e.g. ``P1D``)."""

    node: str
    duration: str
    op: ClassVar[str] = "set_wait_duration"

    def _edit(self, edit: _Edit) -> None:
        node = edit.node(self.node, "wait", "wait_for_event")
        text = _duration_text(self.duration, edit, "the duration")
        if node["type"] == "wait":
            node.pop("until", None)
            node["duration"] = text
        else:
            node["timeout"] = text


@dataclass(frozen=True)
class RemoveBranch(Operation):
    """Drop the edge ``node`` → ``target`` of a decision; steps only it reached go too."""

    node: str
    target: str
    op: ClassVar[str] = "remove_branch"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.node, "decision")
        edge = edit.edge(self.node, self.target)
        out = edit.outgoing(self.node)
        if len(out) == 1:
            edit.fail(f"{self.node!r} has only this branch; remove the decision instead")
        if edge.get("default"):
            edit.fail("this is the default branch: make another branch the default first")
        if edge.get("weight") is not None:
            edit.fail("this is an A/B split branch: the other weights would not add up to 1")
        edit.data["edges"].remove(edge)
        _prune(edit)


def _prune(edit: _Edit) -> None:
    """Drop the nodes no path from the start reaches any more, with their edges."""
    reach, todo = set(), [edit.data["start"]]
    while todo:
        current = todo.pop()
        if current not in reach:
            reach.add(current)
            todo.extend(e["to"] for e in edit.outgoing(current))
    edit.data["nodes"] = [n for n in edit.data["nodes"] if n["id"] in reach]
    edit.data["edges"] = [e for e in edit.data["edges"] if e["from"] in reach]


@dataclass(frozen=True)
class AddBranch(Operation):
    """A new edge out of a decision, with a condition, default flag, weight or label."""

    node: str
    target: str
    condition: str | None = None
    default: bool = False
    weight: float | None = None
    label: str = ""
    op: ClassVar[str] = "add_branch"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.node, "decision")
        edit.node(self.target)
        if any(e["to"] == self.target for e in edit.outgoing(self.node)):
            edit.fail(f"{self.node!r} already has a branch to {self.target!r}")
        if self.condition is None and not self.default and self.weight is None:
            edit.fail("a new branch needs a condition, default: true or a weight")
        edge: dict[str, Any] = {"from": self.node, "to": self.target}
        if self.condition is not None:
            edge["condition"] = _condition_text(self.condition, edit)
        if self.default:
            for other in edit.outgoing(self.node):
                other.pop("default", None)
            edge["default"] = True
        if self.weight is not None:
            edge["weight"] = self.weight
        if self.label:
            edge["label"] = self.label
        edit.data["edges"].append(edge)


@dataclass(frozen=True)
class SetDefaultBranch(Operation):
    """Make the decision edge ``node`` → ``target`` the default: its condition goes, and so does
    the former default edge (a decision has one default), with the steps only it reached."""

    node: str
    target: str
    op: ClassVar[str] = "set_default_branch"

    def _edit(self, edit: _Edit) -> None:
        decision = edit.node(self.node, "decision")
        if decision.get("mode") == "split":
            edit.fail(f"{self.node!r} is an A/B split: its branches have weights, not a default")
        edge = edit.edge(self.node, self.target)
        if edge.get("default"):
            edit.fail(f"the branch {self.node!r} → {self.target!r} is the default already")
        for other in edit.outgoing(self.node):
            if other.get("default"):
                edit.data["edges"].remove(other)
        edge.pop("condition", None)
        edge["default"] = True
        _prune(edit)


@dataclass(frozen=True)
class ChangeCondition(Operation):
    """The condition on the decision edge ``node`` → ``target``."""

    node: str
    target: str
    condition: str
    op: ClassVar[str] = "change_condition"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.node, "decision")
        edge = edit.edge(self.node, self.target)
        if edge.get("default"):
            edit.fail("the default branch has no condition; change another branch")
        edge["condition"] = _condition_text(self.condition, edit)


@dataclass(frozen=True)
class AddGoal(Operation):
    """A goal that takes contacts out when reached (a condition and / or activity labels)."""

    goal: str
    description: str = ""
    condition: str | None = None
    activities: tuple[str, ...] = ()
    op: ClassVar[str] = "add_goal"

    def _edit(self, edit: _Edit) -> None:
        goals = edit.data.setdefault("goals", [])
        if any(g["id"] == self.goal for g in goals):
            edit.fail(f"a goal {self.goal!r} exists already")
        goal: dict[str, Any] = {"id": self.goal}
        if self.description:
            goal["description"] = self.description
        if self.condition is not None:
            goal["condition"] = _condition_text(self.condition, edit)
        if self.activities:
            goal["activities"] = list(self.activities)
        goals.append(goal)


@dataclass(frozen=True)
class AddSuppression(Operation):
    """Lists or states whose contacts the workflow must not enrol or keep (``unsubscribed``)."""

    lists: tuple[str, ...]
    op: ClassVar[str] = "add_suppression"

    def _edit(self, edit: _Edit) -> None:
        current = edit.data["entry"].setdefault("suppression", [])
        new = [s for s in self.lists if s not in current]
        if not new:
            edit.fail(f"the workflow already suppresses {', '.join(self.lists)}")
        current.extend(new)


@dataclass(frozen=True)
class SetCooldown(Operation):
    """Re-enrolment allowed after a cool-down (ISO-8601), or ``allowed=False``."""

    cooldown: str | None
    allowed: bool = True
    op: ClassVar[str] = "set_cooldown"

    def _edit(self, edit: _Edit) -> None:
        entry = edit.data["entry"]
        if not self.allowed:
            entry["reenrollment"] = {"allowed": False}
            return
        if self.cooldown is None:
            edit.fail("re-enrolment needs a cool-down (e.g. P30D) or allowed: false")
        text = _duration_text(self.cooldown or "", edit, "the cool-down")
        entry["reenrollment"] = {"allowed": True, "cooldown": text}


@dataclass(frozen=True)
class InsertReengagementBranch(Operation):
    """On a wait-for-event's timeout exit: one more email, a wait for a click, then the silent
    contacts go to a sunset list and leave; those who click continue as before."""

    node: str
    email: str
    timeout: str = "P7D"
    sunset_list: str = "sunset"
    name: str = "Re-engagement email"
    op: ClassVar[str] = "insert_reengagement_branch"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.node, "wait_for_event")
        timeout_edges = [e for e in edit.outgoing(self.node) if e.get("exit") == "timeout"]
        if not timeout_edges:
            edit.fail(f"{self.node!r} has no timeout exit")
        edge = timeout_edges[0]
        send, wait = edit.new_id(f"{self.node}_reengage"), edit.new_id(f"{self.node}_reengaged")
        sunset, done = edit.new_id(f"{self.node}_sunset"), edit.new_id(f"{self.node}_sunset_done")
        edit.data["nodes"].extend(
            [
                {
                    "id": send,
                    "type": "action",
                    "action": "send_email",
                    "name": self.name,
                    "params": {"email": self.email},
                },
                {
                    "id": wait,
                    "type": "wait_for_event",
                    "name": f"Clicked the {self.name.lower()}?",
                    "event": "email_click",
                    "timeout": _duration_text(self.timeout, edit, "the timeout"),
                },
                {
                    "id": sunset,
                    "type": "action",
                    "action": "add_to_list",
                    "name": "Move to the sunset list",
                    "params": {"list": self.sunset_list},
                },
                {"id": done, "type": "end", "name": "Sunset"},
            ]
        )
        previous = edge["to"]
        edge["to"] = send
        edit.data["edges"].extend(
            [
                {"from": send, "to": wait},
                {"from": wait, "to": previous, "exit": "event"},
                {"from": wait, "to": sunset, "exit": "timeout"},
                {"from": sunset, "to": done},
            ]
        )


@dataclass(frozen=True)
class RemoveStep(Operation):
    """Drop an action or wait: edges into it go to its successor instead."""

    node: str
    op: ClassVar[str] = "remove_step"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.node, "action", "wait")
        out = edit.outgoing(self.node)
        if len(out) != 1:
            edit.fail(f"{self.node!r} has no successor to connect its predecessors to")
        successor = out[0]["to"]
        for edge in edit.incoming(self.node):
            if any(e["to"] == successor for e in edit.outgoing(edge["from"])):
                edit.fail(f"{edge['from']!r} already leads to {successor!r}")
            edge["to"] = successor
        if edit.data["start"] == self.node:
            edit.data["start"] = successor
        edit.data["nodes"] = [n for n in edit.data["nodes"] if n["id"] != self.node]
        edit.data["edges"] = [e for e in edit.data["edges"] if e["from"] != self.node]


@dataclass(frozen=True)
class ReorderSteps(Operation):
    """Swap two consecutive actions or waits: ``first`` → ``second`` becomes the other way."""

    first: str
    second: str
    op: ClassVar[str] = "reorder_steps"

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.first, "action", "wait")
        edit.node(self.second, "action", "wait")
        link = edit.edge(self.first, self.second)
        if len(edit.incoming(self.second)) != 1:
            edit.fail(f"{self.second!r} is also reached from elsewhere; it cannot move")
        after = edit.outgoing(self.second)
        for edge in edit.incoming(self.first):
            edge["to"] = self.second
        if edit.data["start"] == self.first:
            edit.data["start"] = self.second
        for edge in after:
            edge["from"] = self.first
        link["from"], link["to"] = self.second, self.first


@dataclass(frozen=True)
class AddSalesTask(Operation):
    """A ``create_task`` step with an SLA before ``before``; with a ``condition`` a decision
    sends only the matching contacts through it."""

    before: str
    task: str
    name: str
    sla: str = "P1D"
    condition: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    op: ClassVar[str] = "add_sales_task"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``params`` as a dict)."""
        return {**super().to_dict(), "params": dict(self.params)}

    def __hash__(self) -> int:
        return hash((self.before, self.task, self.name, self.sla, self.condition))

    def _edit(self, edit: _Edit) -> None:
        edit.node(self.before)
        task = edit.new_id(self.task)
        params = {**dict(self.params), "sla": _duration_text(self.sla, edit, "the SLA")}
        node = {"id": task, "type": "action", "action": "create_task", "name": self.name}
        node["params"] = params
        if self.condition is None:
            edit.insert_before(self.before, [node], task, task)
            return
        check = edit.new_id(f"{task}_check")
        condition = _condition_text(self.condition, edit)
        decision = {"id": check, "type": "decision", "name": f"{self.name}?"}
        edit.insert_before(self.before, [decision, node], check, task)
        edit.data["edges"].extend(
            [
                {"from": check, "to": task, "condition": condition},
                {"from": check, "to": self.before, "default": True},
            ]
        )


@dataclass(frozen=True)
class ReplaceEmail(Operation):
    """The email a ``send_email`` step sends (its ``params.email``), optionally renamed."""

    node: str
    email: str
    name: str | None = None
    op: ClassVar[str] = "replace_email"

    def _edit(self, edit: _Edit) -> None:
        node = edit.node(self.node, "action")
        if node.get("action") != "send_email":
            edit.fail(f"{self.node!r} does not send an email")
        params = node.setdefault("params", {})
        if params.get("email") == self.email:
            edit.fail(f"{self.node!r} already sends {self.email!r}")
        params["email"] = self.email
        if self.name:
            node["name"] = self.name


@dataclass(frozen=True)
class ChangeEvent(Operation):
    """What a wait-for-event waits for (``email_click`` instead of ``email_open``), and the log
    labels that show it happened."""

    node: str
    event: str
    activities: tuple[str, ...] | None = None
    op: ClassVar[str] = "change_event"

    def _edit(self, edit: _Edit) -> None:
        node = edit.node(self.node, "wait_for_event")
        if node.get("event") == self.event:
            edit.fail(f"{self.node!r} already waits for {self.event!r}")
        node["event"] = self.event
        if self.activities is not None:
            node["activities"] = list(self.activities)


@dataclass(frozen=True)
class SetSendWindow(Operation):
    """When emails may go out: days and hours in a time zone."""

    timezone: str
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "18:00"
    op: ClassVar[str] = "set_send_window"

    def _edit(self, edit: _Edit) -> None:
        unknown = [d for d in self.days if d not in WEEKDAYS]
        if unknown:
            edit.fail(f"unknown day(s) {', '.join(unknown)}")
        edit.data["send_window"] = {
            "timezone": self.timezone,
            "days": list(self.days),
            "start": self.start,
            "end": self.end,
        }


OPERATIONS: dict[str, type[Operation]] = {
    cls.op: cls
    for cls in (
        SetWaitDuration,
        RemoveBranch,
        AddBranch,
        SetDefaultBranch,
        ChangeCondition,
        AddGoal,
        AddSuppression,
        SetCooldown,
        InsertReengagementBranch,
        RemoveStep,
        ReorderSteps,
        AddSalesTask,
        ReplaceEmail,
        ChangeEvent,
        SetSendWindow,
    )
}


def operation_from_dict(data: Mapping[str, Any]) -> Operation:
    """An operation from its plain data (``{"op": "set_wait_duration", ...}``).

    Example:
        >>> operation_from_dict({"op": "add_suppression", "lists": ["unsubscribed"]})
        AddSuppression(lists=('unsubscribed',))
    """
    if not isinstance(data, Mapping) or "op" not in data:
        raise WorkflowError([f"an operation needs an 'op' field: {data!r}"])
    kind = data["op"]
    cls = OPERATIONS.get(kind)
    if cls is None:
        raise WorkflowError(
            [f"unknown operation {kind!r}; operations: {', '.join(sorted(OPERATIONS))}"]
        )
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names - {"op"})
    if unknown:
        raise WorkflowError([f"operation {kind!r}: unknown field(s) {', '.join(unknown)}"])
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "op"}
    if cls is AddSalesTask and "params" in values:
        values["params"] = dict(values["params"] or {})
    try:
        return cls(**values)
    except TypeError as exc:
        raise WorkflowError([f"operation {kind!r}: {exc}"]) from exc


@dataclass(frozen=True)
class ChangeSet:
    """Operations to apply, in order, to revision ``base_revision`` of ``workflow_id``.

    Example:
        >>> changes = ChangeSet("onboarding", 1,
        ...                     (SetWaitDuration("clicked_guide", "P1D"),))
        >>> ChangeSet.from_dict(changes.to_dict()) == changes
        True
    """

    workflow_id: str
    base_revision: int | None
    ops: tuple[Operation, ...]

    def apply(self, workflow: Workflow) -> Workflow:
        """The changed workflow: every operation in order, then ``version`` + 1 and status
        ``draft``; raises WorkflowError naming the first operation that fails."""
        if workflow.id != self.workflow_id:
            raise WorkflowError(
                [f"this change is for workflow {self.workflow_id!r}, not {workflow.id!r}"]
            )
        if not self.ops:
            raise WorkflowError(["a change set needs at least one operation"])
        current = workflow
        for op in self.ops:
            current = op.apply(current)
        data = current.to_dict()
        data["version"] = workflow.version + 1
        data["status"] = "draft"
        return parse_workflow(data, source=workflow.source or workflow.id)

    def describe(self) -> list[str]:
        """One line per operation."""
        return [op.describe() for op in self.ops]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "workflow_id": self.workflow_id,
            "base_revision": self.base_revision,
            "ops": [op.to_dict() for op in self.ops],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangeSet:
        """Inverse of :meth:`to_dict`."""
        base = data.get("base_revision")
        if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
            raise WorkflowError([f"base_revision must be a revision number, not {base!r}"])
        return cls(
            workflow_id=str(data["workflow_id"]),
            base_revision=base,
            ops=tuple(operation_from_dict(op) for op in data.get("ops", [])),
        )
