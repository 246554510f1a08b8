"""HubSpot workflows (automation v4 flows) read as workflows and written back, with a mapping
report.

Read: the flow as ``GET /automation/v4/flows/{flowId}`` returns it (``startActionId``,
``actions`` with ``SINGLE_CONNECTION`` / ``STATIC_BRANCH`` / ``LIST_BRANCH`` /
``AB_TEST_BRANCH`` / ``WEBHOOK`` / ``CUSTOM_CODE`` types, ``connection {edgeType,
nextActionId}``, ``enrollmentCriteria``, ``goalFilterBranch``, ``suppressionListIds``,
``timeWindows``). Action ids are the node ids. A delay (``0-1``) is a ``wait``; a delay until an
event (``0-29``, with ``expiration_minutes``) followed by the static branch on its
``hs_event_criteria_met`` is one ``wait_for_event`` whose met branch is the event exit; list and
static branches are decisions whose edges carry the branch filters as conditions; an A/B test an
even split. Every other action keeps its ``actionTypeId`` and ``fields`` in its params and is
written back as it was. HubSpot actions have no names, so each node is named after what it does
("Send email 113782603056"), and that name is its activity label.

Write: the same shape, ready for ``PUT /automation/v4/flows/{flowId}`` (send the flow's current
``revisionId``) or ``POST /automation/v4/flows``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from automation._platform_mapping import EndNode, MappingReport, even_weights
from automation._workflow import Workflow, format_duration, parse_workflow
from automation.exceptions import WorkflowError

PLATFORM = "hubspot"
TITLE = "HubSpot"
DELAY, DELAY_UNTIL_DATE, WAIT_FOR_EVENT = "0-1", "0-35", "0-29"
MET = "hs_event_criteria_met"
# built-in action types (HubSpot's action reference) -> (Mejora action, how to name the node)
_ACTIONS = {
    "0-4": ("send_email", "Send email"),
    "0-5": ("set_property", "Set property"),
    "0-3": ("create_task", "Create task"),
    "0-8": ("notify_sales", "Send internal email"),
    "0-9": ("notify_sales", "Send in-app notification"),
    "0-11": ("set_property", "Rotate owner"),
    "0-13": ("add_to_list", "Add to list"),
    "0-63809083": ("add_to_list", "Add to list"),
    "0-14": ("set_property", "Create record"),
}
_DEFAULT_TYPE = {
    "send_email": "0-4",
    "set_property": "0-5",
    "create_task": "0-3",
    "notify_sales": "0-8",
    "add_to_list": "0-13",
}
_UNITS = {"SECONDS": 1, "MINUTES": 60, "HOURS": 3600, "DAYS": 86400, "WEEKS": 604800}
_OPERATORS = {
    "IS_EQUAL_TO": "=",
    "IS_EXACTLY": "=",
    "IS_NOT_EQUAL_TO": "!=",
    "IS_GREATER_THAN": ">",
    "IS_LESS_THAN": "<",
    "IS_ANY_OF": "in",
    "IS_NONE_OF": "not in",
}
_SYMBOLS = {
    "=": "IS_EQUAL_TO",
    "!=": "IS_NOT_EQUAL_TO",
    ">": "IS_GREATER_THAN",
    "<": "IS_LESS_THAN",
}
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SIMPLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|>|<)\s*(.+?)\s*$")


def is_hubspot_flow(data: Any) -> bool:
    """Whether plain data read from JSON is a HubSpot v4 flow."""
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("actions"), list)
        and ("startActionId" in data or "flowType" in data or "enrollmentCriteria" in data)
    )


def _literal(value: Any) -> str:
    text = str(value)
    try:
        return f"{float(text):g}" if not isinstance(value, bool) else repr(text.lower())
    except ValueError:
        return repr(text)


def _filter_condition(branch: Any) -> str | None:
    """A filter branch (OR of ANDs of property filters) as a condition, or None when it holds
    anything but plain property comparisons."""
    if not isinstance(branch, Mapping):
        return None
    kind = branch.get("filterBranchType", "AND")
    parts = []
    for child in branch.get("filterBranches") or []:
        text = _filter_condition(child)
        if text is None:
            return None
        parts.append(f"({text})" if " or " in text else text)
    for item in branch.get("filters") or []:
        operation = item.get("operation") or {}
        symbol = _OPERATORS.get(operation.get("operator"))
        if item.get("filterType", "PROPERTY") != "PROPERTY" or symbol is None:
            return None
        values = operation.get("values")
        values = values if values is not None else [operation.get("value")]
        prop = str(item.get("property"))
        if symbol in ("in", "not in"):
            parts.append(f"{prop} {symbol} ({', '.join(_literal(v) for v in values)},)")
        elif len(values) == 1:
            parts.append(f"{prop} {symbol} {_literal(values[0])}")
        else:
            return None
    if not parts or kind not in ("AND", "OR"):
        return None
    return (" or " if kind == "OR" else " and ").join(parts)


_MEMBER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(not in|in)\s+\((.*)\)\s*$")


def _condition_filters(condition: str | None) -> dict[str, Any] | None:
    """The filter branch of a simple ``prop OP value`` or ``prop in (...)`` condition (the
    writer's inverse of :func:`_filter_condition`)."""
    member = _MEMBER.match(condition or "")
    match = _SIMPLE.match(condition or "")
    if member:
        prop, symbol, listed = member.groups()
        values = [v.strip().strip("'\"") for v in listed.split(",") if v.strip()]
        operator = "IS_ANY_OF" if symbol == "in" else "IS_NONE_OF"
        operation = {"operator": operator, "values": values}
    elif match:
        prop, symbol, value = match.groups()
        operation = {"operator": _SYMBOLS[symbol], "values": [value.strip("'\"")]}
    else:
        return None
    return {
        "filterBranchType": "OR",
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranches": [],
                "filters": [{"filterType": "PROPERTY", "property": prop, "operation": operation}],
            }
        ],
        "filters": [],
    }


def _next(connection: Any) -> str | None:
    if isinstance(connection, Mapping) and connection.get("nextActionId") not in (None, ""):
        return str(connection["nextActionId"])
    return None


def _delay(fields: Mapping[str, Any]) -> timedelta:
    unit = _UNITS.get(str(fields.get("time_unit", "MINUTES")).upper(), 60)
    try:
        return timedelta(seconds=float(fields.get("delta") or 0) * unit)
    except (TypeError, ValueError):
        return timedelta(0)


def hubspot_to_workflow(data: Any, source: str = "<hubspot>") -> tuple[Workflow, MappingReport]:
    """A HubSpot v4 flow (plain data from its JSON) as a validated workflow, and the report of
    how every action and branch mapped."""
    report = MappingReport(PLATFORM, source, title=TITLE)
    actions = {str(a.get("actionId")): a for a in data["actions"] if isinstance(a, Mapping)}
    if not actions:
        raise WorkflowError([f"{source}: the HubSpot flow has no actions"])
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    end = EndNode("end", "Leaves the workflow")
    # the static branch on a delay-until-event's outcome is part of that wait
    absorbed = {
        str(actions[_next(a.get("connection")) or ""]["actionId"])
        for aid, a in actions.items()
        if str(a.get("actionTypeId")) == WAIT_FOR_EVENT
        and _met_branch(actions.get(_next(a.get("connection")) or ""), aid) is not None
    }

    def to(target: str | None) -> str:
        return end.to(
            target, actions, report, "a connection to action {target}, which is not there"
        )

    for aid, action in actions.items():
        kind = action.get("type", "SINGLE_CONNECTION")
        fields = action.get("fields") or {}
        type_id = str(action.get("actionTypeId") or "")
        after = _next(action.get("connection"))
        if aid in absorbed:
            continue
        if kind == "SINGLE_CONNECTION" and type_id == DELAY:
            wait = _delay(fields)
            node = {"id": aid, "type": "wait", "name": f"Delay {format_duration(wait)}"}
            clock = fields.get("time_of_day")
            if isinstance(clock, Mapping) and not wait:
                node["until"] = f"{int(clock.get('hour', 0)):02d}:{int(clock.get('minute', 0)):02d}"
                node["name"] = f"Delay until {node['until']}"
            else:
                node["duration"] = format_duration(wait)
                if isinstance(clock, Mapping):
                    report.unmapped.append(
                        f"delay {aid}: its time of day after the delay is not kept (the delay is)"
                    )
            nodes.append(node)
            edges.append({"from": aid, "to": to(after)})
            report.mapped.append(f"action {aid} (delay) -> wait {format_duration(wait)}")
        elif kind == "SINGLE_CONNECTION" and type_id == WAIT_FOR_EVENT:
            minutes = float(fields.get("expiration_minutes") or 0)
            branches = [b.get("eventTypeId") for b in fields.get("event_filter_branches") or []]
            event = f"hubspot_event_{branches[0]}" if branches and branches[0] else "hubspot_event"
            met = _met_branch(actions.get(after or ""), aid)
            if met is not None:
                on_event, on_timeout = met
            else:
                on_event = on_timeout = after
                report.unmapped.append(
                    f"action {aid} waits for an event with no branch on whether it came: both "
                    "exits go on to the next action"
                )
            if not minutes:
                report.unmapped.append(f"action {aid} waits with no expiry: taken as 30 days")
                minutes = 30 * 24 * 60
            name = f"Wait for {event}"
            nodes.append(
                {
                    "id": aid,
                    "type": "wait_for_event",
                    "name": name,
                    "event": event,
                    "timeout": format_duration(timedelta(minutes=minutes)),
                    "activities": [name],
                }
            )
            edges.append({"from": aid, "to": to(on_event), "exit": "event"})
            edges.append({"from": aid, "to": to(on_timeout), "exit": "timeout"})
            report.mapped.append(f"action {aid} (delay until event) -> wait_for_event {event!r}")
        elif kind in ("STATIC_BRANCH", "LIST_BRANCH"):
            nodes.append({"id": aid, "type": "decision", "name": f"Branch {aid}"})
            for i, (condition, label, target) in enumerate(_branches(action, kind)):
                if condition is None:
                    condition = f"hubspot_branch_{aid}_{i + 1}"
                    report.unmapped.append(
                        f"branch {label!r} of action {aid}: its filters are not plain property "
                        f"comparisons; the edge carries the attribute {condition!r} instead"
                    )
                edges.append(
                    {"from": aid, "to": to(target), "condition": condition, "label": label}
                )
            default = action.get("defaultBranch")
            edges.append(
                {
                    "from": aid,
                    "to": to(_next(default)),
                    "default": True,
                    "label": str(action.get("defaultBranchName") or ""),
                }
            )
            report.mapped.append(f"action {aid} ({kind.lower()}) -> decision")
        elif kind == "AB_TEST_BRANCH":
            targets = [_next(c) for c in action.get("testBranches") or []]
            nodes.append({"id": aid, "type": "decision", "mode": "split", "name": f"A/B {aid}"})
            for target, weight in zip(targets, even_weights(len(targets)), strict=True):
                edges.append({"from": aid, "to": to(target), "weight": weight})
            report.unmapped.append(f"A/B test {aid}: its split is not in the flow; taken as even")
        else:
            action_type, name = _ACTIONS.get(type_id, ("webhook", ""))
            if kind == "WEBHOOK":
                name = f"Webhook {action.get('method', 'POST')} {action.get('webhookUrl', '')}"
            elif kind == "CUSTOM_CODE":
                name = "Custom code"
                report.unmapped.append(
                    f"action {aid} runs custom code: Mejora cannot tell what it does; a generic "
                    "action (written back as it was)"
                )
            elif not name:
                name = f"Action {type_id}"
                report.unmapped.append(
                    f"action {aid}: action type {type_id!r} has no Mejora equivalent; a generic "
                    "action (written back as it was)"
                )
            detail = fields.get("content_id") or fields.get("property_name") or ""
            name = f"{name} {detail}".strip()
            raw = {k: v for k, v in action.items() if k not in ("actionId", "connection")}
            nodes.append(
                {
                    "id": aid,
                    "type": "action",
                    "action": action_type,
                    "name": name,
                    "params": {"hubspot": raw},
                    "activities": [name],
                }
            )
            edges.append({"from": aid, "to": to(after)})
            report.mapped.append(f"action {aid} ({type_id or kind}) -> {action_type} {name!r}")
    nodes += end.nodes()
    start = str(data.get("startActionId") or next(iter(actions)))
    plain = {
        "id": f"hubspot-{data['id']}" if data.get("id") else "hubspot-flow",
        "name": str(data.get("name") or "HubSpot workflow"),
        "version": _revision(data.get("revisionId")),
        "status": "active" if data.get("isEnabled") else "draft",
        "objective": str(data.get("description") or ""),
        "entry": _entry(data, report),
        "start": start,
        "nodes": nodes,
        "edges": edges,
    }
    goal = _goal(data, report)
    if goal:
        plain["goals"] = [goal]
    window = _window(data, report)
    if window:
        plain["send_window"] = window
    return parse_workflow(plain, source=source), report


def _revision(value: Any) -> int:
    text = str(value or "1")
    return int(text) if text.isdigit() and int(text) > 0 else 1


def _met_branch(follower: Any, wait_id: str) -> tuple[str | None, str | None] | None:
    """(met, not met) targets of the static branch on a wait's ``hs_event_criteria_met``."""
    if not isinstance(follower, Mapping) or follower.get("type") != "STATIC_BRANCH":
        return None
    value = follower.get("inputValue") or {}
    if str(value.get("actionId")) != wait_id or value.get("dataKey") != MET:
        return None
    met = next(
        (_next(b.get("connection")) for b in follower.get("staticBranches") or []
         if str(b.get("branchValue")).lower() == "true"),
        None,
    )  # fmt: skip
    return met, _next(follower.get("defaultBranch"))


def _branches(action: Mapping[str, Any], kind: str) -> list[tuple[str | None, str, str | None]]:
    """(condition, label, target) of each non-default branch."""
    if kind == "LIST_BRANCH":
        return [
            (_filter_condition(b.get("filterBranch")), str(b.get("branchName") or ""),
             _next(b.get("connection")))
            for b in action.get("listBranches") or []
        ]  # fmt: skip
    value = action.get("inputValue") or {}
    subject = value.get("propertyName") or (
        f"action_{value.get('actionId')}_{value.get('dataKey')}" if value.get("dataKey") else None
    )
    return [
        (f"{subject} = {_literal(b.get('branchValue'))}" if subject else None,
         str(b.get("branchValue")), _next(b.get("connection")))
        for b in action.get("staticBranches") or []
    ]  # fmt: skip


def _entry(data: Mapping[str, Any], report: MappingReport) -> dict[str, Any]:
    criteria = data.get("enrollmentCriteria") or {}
    kind = str(criteria.get("type") or "MANUAL")
    events = [b.get("eventTypeId") for b in criteria.get("eventFilterBranches") or []]
    described = f"HubSpot {kind.lower().replace('_', ' ')} enrollment" + (
        f" ({', '.join(str(e) for e in events)})" if events else ""
    )
    condition = _filter_condition(criteria.get("listFilterBranch"))
    trigger = {"type": {"EVENT_BASED": "event", "LIST_BASED": "list"}.get(kind, "manual")}
    trigger["description"] = described
    if condition:
        trigger["condition"] = condition
    elif criteria.get("listFilterBranch"):
        report.unmapped.append("the enrollment filters are not plain property comparisons")
    entry: dict[str, Any] = {
        "triggers": [trigger],
        "reenrollment": {"allowed": bool(criteria.get("shouldReEnroll"))},
    }
    lists = data.get("suppressionListIds") or []
    if lists:
        entry["suppression"] = [f"list {n}" for n in lists]
    return entry


def _goal(data: Mapping[str, Any], report: MappingReport) -> dict[str, Any] | None:
    branch = data.get("goalFilterBranch")
    if not branch:
        return None
    condition = _filter_condition(branch)
    if condition is None:
        report.unmapped.append("the goal's filters are not plain property comparisons")
    goal = {"id": "goal", "description": "HubSpot goal criteria"}
    if condition:
        goal["condition"] = condition
    return goal


def _window(data: Mapping[str, Any], report: MappingReport) -> dict[str, Any] | None:
    windows = [w for w in data.get("timeWindows") or [] if isinstance(w, Mapping)]
    if not windows:
        return None

    def clock(value: Any) -> str:
        value = value or {}
        return f"{int(value.get('hour', 0)):02d}:{int(value.get('minute', 0)):02d}"

    first = windows[0]
    if any(clock(w.get("startTime")) != clock(first.get("startTime")) for w in windows):
        report.unmapped.append("time windows of different hours per day: the first day's are kept")
    report.unmapped.append(
        "time windows are in the HubSpot account's time zone, which the flow does not say: "
        "taken as UTC (set send_window.timezone)"
    )
    days = [d[:3].lower() for d in _DAYS if any(w.get("day") == d for w in windows)]
    return {
        "timezone": "UTC",
        "days": days,
        "start": clock(first.get("startTime")),
        "end": clock(first.get("endTime")),
    }


# ------------------------------------------------------------------------------------ writer


def workflow_to_hubspot(workflow: Workflow) -> tuple[dict[str, Any], MappingReport]:
    """A workflow as a HubSpot v4 flow (what ``PUT /automation/v4/flows/{flowId}`` takes, with
    the flow's current ``revisionId``), and what could not be written exactly."""
    report = MappingReport(PLATFORM, workflow.source or workflow.id, title=TITLE)
    numbers: dict[str, str] = {}
    taken = {int(n.id) for n in workflow.nodes if n.id.isdigit()}
    counter = max(taken, default=0)

    def number(node_id: str) -> str:
        nonlocal counter
        if node_id.isdigit():
            return node_id
        if node_id not in numbers:
            counter += 1
            while counter in taken:
                counter += 1
            numbers[node_id] = str(counter)
        return numbers[node_id]

    def connection(target: str) -> dict[str, Any] | None:
        if workflow.node(target).type == "end":
            return None
        return {"edgeType": "STANDARD", "nextActionId": number(target)}

    actions: list[dict[str, Any]] = []
    for node in workflow.nodes:
        out = workflow.outgoing(node.id)
        if node.type == "end":
            continue
        aid = number(node.id)
        if node.type == "wait":
            fields: dict[str, Any] = {"delta": "0", "time_unit": "MINUTES"}
            if node.duration is not None:
                fields["delta"] = f"{node.duration.total_seconds() / 60:g}"
            if node.until:
                hour, minute = node.until.split(":")
                fields["time_of_day"] = {"hour": int(hour), "minute": int(minute)}
            action = {"type": "SINGLE_CONNECTION", "actionId": aid, "actionTypeVersion": 0,
                      "actionTypeId": DELAY, "fields": fields}  # fmt: skip
            _connect(action, connection(out[0].target) if out else None)
            actions.append(action)
        elif node.type == "wait_for_event":
            event = node.event or ""
            prefix = "hubspot_event_"
            type_id = event.removeprefix(prefix) if event.startswith(prefix) else ""
            if not type_id:
                report.unmapped.append(
                    f"wait_for_event {node.id!r} waits for {event!r}: set the event it waits for "
                    "in HubSpot (the flow names events by HubSpot's own event type ids)"
                )
            minutes = (node.timeout or timedelta(0)).total_seconds() / 60
            branch_id = number(f"{node.id}__met")
            filters = [{"eventTypeId": type_id, "operator": "HAS_COMPLETED",
                        "filterBranchType": "UNIFIED_EVENTS", "filterBranchOperator": "AND",
                        "filterBranches": [], "filters": []}]  # fmt: skip
            action = {"type": "SINGLE_CONNECTION", "actionId": aid, "actionTypeVersion": 0,
                      "actionTypeId": WAIT_FOR_EVENT,
                      "fields": {"event_filter_branches": filters,
                                 "expiration_minutes": f"{minutes:g}"}}  # fmt: skip
            _connect(action, {"edgeType": "STANDARD", "nextActionId": branch_id})
            exits = {e.exit: e.target for e in out}
            branch = {"type": "STATIC_BRANCH", "actionId": branch_id,
                      "inputValue": {"type": "FIELD_DATA", "actionId": aid, "dataKey": MET},
                      "staticBranches": [{"branchValue": "true"}],
                      "defaultBranchName": "Not met"}  # fmt: skip
            _connect(branch["staticBranches"][0], connection(exits["event"]))
            _connect(branch, connection(exits["timeout"]), key="defaultBranch")
            actions += [action, branch]
        elif node.type == "decision" and node.mode == "split":
            action = {"type": "AB_TEST_BRANCH", "actionId": aid,
                      "testBranches": [connection(e.target) or {} for e in out]}  # fmt: skip
            if len({e.weight for e in out}) > 1:
                report.unmapped.append(f"split {node.id!r}: its weights are set in HubSpot")
            actions.append(action)
        elif node.type == "decision":
            branches = []
            default = None
            for edge in out:
                if edge.default:
                    default = edge
                    continue
                filters = _condition_filters(edge.condition)
                if filters is None:
                    report.unmapped.append(
                        f"decision {node.id!r}: condition {edge.condition!r} is not a simple "
                        "comparison; set the branch's filters in HubSpot"
                    )
                    filters = {"filterBranchType": "OR", "filterBranches": [], "filters": []}
                entry = {"branchName": edge.label or edge.condition, "filterBranch": filters}
                _connect(entry, connection(edge.target))
                branches.append(entry)
            action = {"type": "LIST_BRANCH", "actionId": aid, "listBranches": branches}
            if default is not None:
                action["defaultBranchName"] = default.label
                _connect(action, connection(default.target), key="defaultBranch")
            actions.append(action)
        else:
            raw = dict(dict(node.params).get("hubspot") or {})
            if not raw:
                type_id = _DEFAULT_TYPE.get(node.action or "", "")
                raw = {"type": "SINGLE_CONNECTION", "actionTypeVersion": 0,
                       "actionTypeId": type_id, "fields": _fields(node)}  # fmt: skip
                if not type_id:
                    raw = {"type": "WEBHOOK", "method": "POST", "webhookUrl": ""}
                    report.unmapped.append(f"action {node.id!r}: set the webhook URL in HubSpot")
            action = {"actionId": aid, **raw}
            _connect(action, connection(out[0].target) if out else None)
            actions.append(action)
    for node_id, aid in numbers.items():
        if not node_id.endswith("__met"):
            report.unmapped.append(f"node {node_id!r} is action {aid} in HubSpot")
    flow: dict[str, Any] = {
        "name": workflow.name,
        "description": workflow.objective,
        "isEnabled": workflow.status == "active",
        "flowType": "WORKFLOW",
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "revisionId": str(workflow.version),
        "startActionId": number(workflow.start),
        "nextAvailableActionId": str(max([int(a["actionId"]) for a in actions], default=0) + 1),
        "actions": actions,
        "enrollmentCriteria": _criteria_back(workflow, report),
        "timeWindows": _windows_back(workflow),
        "suppressionListIds": [
            int(words[-1])
            for words in (s.split() for s in workflow.suppression)
            if words and words[-1].isdigit()
        ],
    }
    flow_id = workflow.id.removeprefix("hubspot-")
    if flow_id.isdigit():
        flow = {"id": flow_id, **flow}
    if workflow.goals:
        filters = _condition_filters(workflow.goals[0].condition)
        if filters:
            flow["goalFilterBranch"] = filters
        else:
            report.unmapped.append("the goal: set its criteria in HubSpot")
    return flow, report


_EVENT_IDS = re.compile(r"\(([0-9-]+(?:, [0-9-]+)*)\)$")


def _criteria_back(workflow: Workflow, report: MappingReport) -> dict[str, Any]:
    """Enrollment criteria from the triggers: the event types a HubSpot flow enrolled on are
    named in its trigger's description; other triggers are reported."""
    criteria: dict[str, Any] = {"type": "MANUAL", "shouldReEnroll": workflow.reenrollment.allowed}
    events = [
        e
        for t in workflow.triggers
        if t.type == "event" and (found := _EVENT_IDS.search(t.description))
        for e in found.group(1).split(", ")
    ]
    if events:
        criteria["type"] = "EVENT_BASED"
        criteria["eventFilterBranches"] = [
            {"eventTypeId": e, "operator": "HAS_COMPLETED", "filterBranchType": "UNIFIED_EVENTS",
             "filterBranchOperator": "AND", "filterBranches": [], "filters": []}
            for e in events
        ]  # fmt: skip
        criteria["listMembershipFilterBranches"] = []
    elif workflow.triggers:
        report.unmapped.append(
            "enrollment triggers: written as manual enrollment; set the triggers in HubSpot"
        )
    return criteria


def _connect(target: dict[str, Any], link: dict[str, Any] | None, key: str = "connection") -> None:
    if link is not None:
        target[key] = link


def _fields(node: Any) -> dict[str, Any]:
    params = dict(node.params)
    if node.action == "send_email":
        return {"content_id": str(params.get("email", node.id))}
    if node.action == "set_property":
        return {"property_name": str(params.get("property", "")), "value": {}}
    return {}


def _windows_back(workflow: Workflow) -> list[dict[str, Any]]:
    window = workflow.send_window
    if window is None:
        return []

    def clock(text: str) -> dict[str, int]:
        hour, minute = text.split(":")
        return {"hour": int(hour), "minute": int(minute)}

    return [
        {"day": day, "startTime": clock(window.start), "endTime": clock(window.end)}
        for day in _DAYS
        if day[:3].lower() in window.days
    ]


def write_hubspot(workflow: Workflow, path: str | Path) -> MappingReport:
    """Write ``workflow`` as HubSpot v4 flow JSON (see :func:`workflow_to_hubspot`)."""
    flow, report = workflow_to_hubspot(workflow)
    Path(path).write_text(json.dumps(flow, indent=2, ensure_ascii=False) + "\n")
    return report
