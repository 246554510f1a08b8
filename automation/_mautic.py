"""Mautic campaigns read as workflows and written back, with a report of how each part mapped.

Two shapes of the same campaign are read: the REST API's (``GET /api/campaigns/{id}``:
``events`` with ``eventType``, ``triggerMode``, ``triggerInterval`` / ``triggerIntervalUnit``,
``parent`` / ``decisionPath`` and ``canvasSettings``) and the campaign export of Mautic 6+
(``GET /api/campaigns/export/{id}``: ``campaign`` and ``campaign_event`` rows, snake_case). The
graph comes from the canvas connections when there are any (what the campaign builder shows),
else from each event's parent and decision path.

Mapping. An *action* is an action node (``email.send`` a ``send_email``...; the Mautic type and
properties are kept in its params, so it is written back as it was). A wait in Mautic lives on
the child event (``triggerMode: interval``): it becomes a ``wait`` node before that event. A
*decision* (the contact opens, clicks, submits...) is a ``wait_for_event``: its yes path is the
event exit and the interval of the event on its no path is the timeout; Mautic logs the no path
as "<decision> (no action path)", so a zero-length wait with that label stands on the timeout
exit. A *condition* is a decision node whose yes edge carries the condition and whose no edge is
the default. Events that Mautic runs in parallel (two children on one path) become an even split,
which conformance reads as "any of them". Event ids are the node ids, so a campaign log's
``event_id`` joins the design by id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from automation._platform_mapping import EndNode, MappingReport, even_weights, unique_end_id
from automation._workflow import Node, Workflow, format_duration, parse_workflow
from automation.exceptions import WorkflowError

PLATFORM = "mautic"
NO_PATH = " (no action path)"  # how Mautic's campaign log names a decision's no path
# a decision with no no-action path waits as long as the contact stays in the campaign
UNBOUNDED_WAIT = timedelta(days=30)
_UNITS = {"i": "minutes", "h": "hours", "d": "days", "m": "months", "y": "years"}
_ACTIONS = {
    "email.send": "send_email",
    "email.send.to.user": "notify_sales",
    "lead.changepoints": "set_property",
    "lead.updatelead": "set_property",
    "lead.changetags": "set_property",
    "lead.changeowner": "set_property",
    "stage.change": "set_property",
    "lead.changelist": "add_to_list",
    "lead.addtocompany": "add_to_list",
    "campaign.addremovelead": "add_to_list",
    "campaign.sendwebhook": "webhook",
    "campaign.jump_to_event": "webhook",  # its edge goes to the event it jumps to
}
JUMP = "campaign.jump_to_event"
_DEFAULT_TYPE = {  # the Mautic type written for an action that did not come from Mautic
    "send_email": "email.send",
    "notify_sales": "email.send.to.user",
    "set_property": "lead.updatelead",
    "add_to_list": "lead.changelist",
    "create_task": "campaign.sendwebhook",
    "webhook": "campaign.sendwebhook",
}
_DECISIONS = {
    "email.open": "email_open",
    "email.click": "email_click",
    "email.reply": "email_reply",
    "form.submit": "form_submitted",
    "page.pagehit": "page_visit",
    "asset.download": "asset_download",
}
_EVENTS = {v: k for k, v in _DECISIONS.items()}
_OPERATORS = {"=": "=", "!=": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_SYMBOLS = {v: k for k, v in _OPERATORS.items()}
_SIMPLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*$")


@dataclass
class _Event:
    id: str
    name: str
    type: str
    kind: str  # action / decision / condition
    order: int
    properties: dict[str, Any]
    mode: str | None
    interval: float
    unit: str | None
    parent: str | None
    path: str | None  # yes / no below a decision or condition, else None


def is_mautic_campaign(data: Any) -> bool:
    """Whether plain data read from JSON is a Mautic campaign (API or export shape)."""
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return "campaign_event" in data[0] and "campaign" in data[0]
    if not isinstance(data, Mapping):
        return False
    campaign = data.get("campaign", data)
    if not isinstance(campaign, Mapping):
        return False
    events = campaign.get("events")
    records = events.values() if isinstance(events, Mapping) else events
    return isinstance(records, list | type({}.values())) and any(
        isinstance(e, Mapping) and "eventType" in e for e in records
    )


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return None if value in (None, "", 0, "0") else str(value)


# an event's fields under the names of the API's shape and of the export's (snake_case)
_API_NAMES = {
    "kind": "eventType",
    "order": "order",
    "mode": "triggerMode",
    "interval": "triggerInterval",
    "unit": "triggerIntervalUnit",
    "parent": "parent",
}
_EXPORT_NAMES = {
    "kind": "event_type",
    "order": "event_order",
    "mode": "trigger_mode",
    "interval": "trigger_interval",
    "unit": "trigger_interval_unit",
    "parent": "parent_id",
}


def _event(record: Any, names: Mapping[str, str], source: str) -> _Event:
    if not isinstance(record, Mapping) or "id" not in record:
        raise WorkflowError([f"{source}: a campaign event without an id: {record!r}"[:300]])
    properties = record.get("properties") or {}
    if names is _EXPORT_NAMES:  # the export keeps the form's values one level down
        properties = properties.get("properties") or {} if isinstance(properties, Mapping) else {}
    return _Event(
        id=str(record["id"]),
        name=str(record.get("name") or f"event {record['id']}"),
        type=str(record.get("type") or ""),
        kind=str(record.get(names["kind"]) or "action"),
        order=int(_number(record.get(names["order"]))),
        properties=dict(properties) if isinstance(properties, Mapping) else {},
        mode=record.get(names["mode"]) or None,
        interval=_number(record.get(names["interval"])),
        unit=record.get(names["unit"]) or None,
        parent=_ref(record.get(names["parent"])),
        path=record.get("decisionPath") or None,
    )


def _events_and_campaign(data: Any, source: str) -> tuple[dict[str, Any], list[_Event]]:
    """The campaign's own fields (under the API's names) and its events, from either shape."""
    if isinstance(data, list):  # the export: campaign rows and campaign_event rows
        block = data[0]
        campaign = dict((block.get("campaign") or [{}])[0])
        campaign["canvasSettings"] = campaign.get("canvas_settings") or {}
        campaign["isPublished"] = campaign.get("is_published")
        # the export names the campaign's sources among its dependencies
        needs = [d for d in block.get("dependencies") or [] if isinstance(d, Mapping)]
        links = [link for d in needs for kind in ("lists", "forms") for link in d.get(kind) or []]
        for kind in ("lists", "forms"):
            campaign[kind] = [
                {"id": link[kind]}
                for link in links
                if isinstance(link, Mapping) and "campaign" in link and kind in link
            ]
        rows = block.get("campaign_event") or []
        return campaign, [_event(r, _EXPORT_NAMES, source) for r in rows]
    campaign = dict(data.get("campaign", data))
    records = campaign.get("events") or []
    if isinstance(records, Mapping):
        records = list(records.values())
    return campaign, [_event(r, _API_NAMES, source) for r in records]


def _graph_from_canvas(
    campaign: Mapping[str, Any], events: dict[str, _Event], report: MappingReport
) -> None:
    """Parents and paths as the campaign builder draws them, when it left its canvas. An event
    has one way in (a campaign is a tree): a second connection into it is reported, not kept."""
    connections = (campaign.get("canvasSettings") or {}).get("connections") or []
    if not connections:
        return
    for event in events.values():
        event.parent, event.path = None, None
    entered: set[str] = set()
    for link in connections:
        source, target = str(link.get("sourceId")), str(link.get("targetId"))
        if target not in events:
            continue  # a source (lists, forms) to another source
        if target in entered:
            report.unmapped.append(
                f"event {target} has a second way in (from {source}); a Mautic campaign is a "
                "tree, so only the first connection is kept"
            )
            continue
        entered.add(target)
        if source not in events:
            continue  # a source (lists, forms) to a first event: it starts the campaign
        anchor = (link.get("anchors") or {}).get("source")
        events[target].parent = source
        events[target].path = anchor if anchor in ("yes", "no") else None


def _wait(event: _Event, report: MappingReport) -> timedelta | None:
    """The wait Mautic makes before ``event`` runs (None when it runs at once)."""
    if event.mode == "date":
        report.unmapped.append(
            f"event {event.id} {event.name!r} runs on a fixed date: Mejora waits are durations "
            "or a time of day, so it is taken as running at once"
        )
        return None
    if event.mode != "interval" or event.interval <= 0:
        return None
    unit = _UNITS.get(str(event.unit or "d").lower(), "days")
    amount = event.interval
    if unit in ("months", "years"):
        days = amount * (30 if unit == "months" else 365)
        report.unmapped.append(
            f"event {event.id} {event.name!r} waits {amount:g} {unit}: taken as {days:g} days "
            "(months and years have no fixed length)"
        )
        unit, amount = "days", days
    return timedelta(**{unit: amount})


def _condition(event: _Event, report: MappingReport) -> str:
    props = event.properties
    operator = _OPERATORS.get(str(props.get("operator", "")))
    if event.type == "lead.points" and operator:
        return f"points {operator} {_number(props.get('score')):g}"
    if event.type == "lead.field_value" and operator and props.get("field"):
        value = props.get("value")
        text = f"{_number(value):g}" if _is_number(value) else repr(str(value))
        return f"{props['field']} {operator} {text}"
    name = "mautic_condition_" + re.sub(r"\W", "_", event.id)
    report.unmapped.append(
        f"condition {event.id} {event.name!r} ({event.type}): its test is not translated; "
        f"the yes edge carries the attribute {name!r} instead"
    )
    return name


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def mautic_to_workflow(data: Any, source: str = "<mautic>") -> tuple[Workflow, MappingReport]:
    """A Mautic campaign (plain data from its JSON) as a validated workflow, and the report of
    how every event and connection mapped."""
    report = MappingReport(PLATFORM, source, title="Mautic")
    campaign, listed = _events_and_campaign(data, source)
    events = {e.id: e for e in listed}
    if not events:
        raise WorkflowError([f"{source}: the Mautic campaign has no events"])
    _graph_from_canvas(campaign, events, report)
    children: dict[tuple[str | None, str | None], list[_Event]] = {}
    for event in sorted(events.values(), key=lambda e: (e.order, e.id)):
        parent = event.parent if event.parent in events else None
        path = event.path if parent and events[parent].kind != "action" else None
        children.setdefault((parent, path), []).append(event)

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    end = EndNode(unique_end_id(events), "Leaves the campaign")

    def entry_of(group: list[_Event], owner: str, waits_for: timedelta | None = None) -> str:
        """The node id a list of sibling events starts at (a split when they run in parallel)."""
        if not group:
            return end.reach()
        if len(group) == 1:
            return first_of(group[0], waits_for)
        split = f"{owner}_parallel"
        nodes.append(
            {
                "id": split,
                "type": "decision",
                "mode": "split",
                "name": "Mautic runs these in parallel",
            }
        )
        report.unmapped.append(
            f"events {', '.join(e.id for e in group)} run in parallel in Mautic; Mejora has no "
            "parallel split, so they are an even split (conformance accepts any of them)"
        )
        for event, weight in zip(group, even_weights(len(group)), strict=True):
            edges.append({"from": split, "to": first_of(event, waits_for), "weight": weight})
        return split

    def first_of(event: _Event, waits_for: timedelta | None) -> str:
        """Add ``event`` (and the wait before it) and return the id its path starts at."""
        wait = waits_for if waits_for is not None else _wait(event, report)
        own = add(event)
        if wait and waits_for is None:
            wait_id = f"{event.id}_wait"
            nodes.append(
                {
                    "id": wait_id,
                    "type": "wait",
                    "duration": format_duration(wait),
                    "name": f"Wait before {event.name}",
                }
            )
            edges.append({"from": wait_id, "to": own})
            report.mapped.append(
                f"event {event.id}: its interval ({format_duration(wait)}) -> wait {wait_id!r}"
            )
            return wait_id
        return own

    def add(event: _Event) -> str:
        if event.kind == "decision":
            no_path = children.get((event.id, "no"), [])
            timeouts = [w for w in (_wait(e, report) for e in no_path) if w]
            timeout = min(timeouts) if timeouts else UNBOUNDED_WAIT
            if not timeouts:
                report.unmapped.append(
                    f"decision {event.id} {event.name!r} has no timed no-action path: Mautic "
                    f"waits while the contact stays; taken as {format_duration(timeout)}"
                )
            waits = _DECISIONS.get(event.type, event.type)
            nodes.append(
                {
                    "id": event.id,
                    "type": "wait_for_event",
                    "name": event.name,
                    "event": waits,
                    "timeout": format_duration(timeout),
                    "activities": _labels(event),
                }
            )
            report.mapped.append(
                f"decision {event.id} {event.name!r} ({event.type}) -> wait_for_event "
                f"{waits!r}, timeout {format_duration(timeout)}"
            )
            marker = f"{event.id}_no"
            nodes.append(
                {
                    "id": marker,
                    "type": "wait",
                    "duration": "PT0S",
                    "name": f"{event.name}: no action",
                    "activities": [label + NO_PATH for label in _labels(event)],
                }
            )
            yes = entry_of(children.get((event.id, "yes"), []), f"{event.id}_yes")
            edges.append({"from": event.id, "to": yes, "exit": "event"})
            edges.append({"from": event.id, "to": marker, "exit": "timeout"})
            no = entry_of(no_path, f"{event.id}_no", waits_for=timedelta(0) if no_path else None)
            edges.append({"from": marker, "to": no})
        elif event.kind == "condition":
            nodes.append({"id": event.id, "type": "decision", "name": event.name})
            test = _condition(event, report)
            report.mapped.append(f"condition {event.id} {event.name!r} -> decision on {test!r}")
            yes = entry_of(children.get((event.id, "yes"), []), f"{event.id}_yes")
            no = entry_of(children.get((event.id, "no"), []), f"{event.id}_no")
            edges.append({"from": event.id, "to": yes, "condition": test, "label": "yes"})
            edges.append({"from": event.id, "to": no, "default": True, "label": "no"})
        else:
            action = _ACTIONS.get(event.type)
            jump = str(event.properties.get("jumpToEvent", "")) if event.type == JUMP else None
            if action is None:
                action = "webhook"
                report.unmapped.append(
                    f"action {event.id} {event.name!r}: Mautic type {event.type!r} has no "
                    "Mejora equivalent; kept as a generic action (written back as it was)"
                )
            nodes.append(
                {
                    "id": event.id,
                    "type": "action",
                    "action": action,
                    "name": event.name,
                    "params": {"mautic_type": event.type, "properties": event.properties},
                    "activities": _labels(event),
                }
            )
            report.mapped.append(f"action {event.id} {event.name!r} ({event.type}) -> {action}")
            if jump is not None:  # a join: on to the event it names, once all are in place
                jumps.append((event, jump))
            else:
                after = entry_of(children.get((event.id, None), []), event.id)
                edges.append({"from": event.id, "to": after})
        return event.id

    jumps: list[tuple[_Event, str]] = []

    start = entry_of(children.get((None, None), []), "start")
    reached = {n["id"] for n in nodes}
    for event, target in jumps:
        entry = f"{target}_wait" if f"{target}_wait" in reached else target
        if target not in reached:
            report.unmapped.append(
                f"action {event.id} {event.name!r} jumps to event {target or '?'}, which is not "
                "on any path of the campaign: it ends there"
            )
            entry = end.reach()
        edges.append({"from": event.id, "to": entry})
        report.mapped.append(f"action {event.id} jumps to {entry!r}: a join of two paths")
    for event in events.values():
        if event.id not in reached:
            report.unmapped.append(
                f"event {event.id} {event.name!r} is connected to no path of the campaign: left out"
            )
    nodes += end.nodes()
    triggers = [
        {"type": "segment", "description": f"segment {s.get('id')}"}
        for s in campaign.get("lists") or []
        if isinstance(s, Mapping)
    ] + [
        {"type": "form_submitted", "description": f"form {f.get('id')}"}
        for f in campaign.get("forms") or []
        if isinstance(f, Mapping)
    ]
    version = int(_number(campaign.get("version"))) or 1
    plain = {
        "id": f"mautic-{campaign.get('id')}" if campaign.get("id") else _slug(campaign),
        "name": str(campaign.get("name") or "Mautic campaign"),
        "version": version,
        "status": "active" if campaign.get("isPublished") else "draft",
        "objective": _plain_text(campaign.get("description")),
        "entry": {"triggers": triggers},
        "start": start,
        "nodes": nodes,
        "edges": edges,
    }
    return parse_workflow(plain, source=source), report


def _labels(event: _Event) -> list[str]:
    """What Mautic's campaign log calls the event: its name, or ``event <id>`` when the export
    left the name out (the log reader's words), so a log joins the design by id as well."""
    by_id = f"event {event.id}"
    return [event.name] if event.name == by_id else [event.name, by_id]


def _slug(campaign: Mapping[str, Any]) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", str(campaign.get("name") or "campaign").lower()).strip("-")
    return "mautic-" + (text or "campaign")


def _plain_text(value: Any) -> str:
    return re.sub(r"<[^>]+>", "", str(value or "")).strip()


# ------------------------------------------------------------------------------------ writer


def _interval(wait: timedelta) -> tuple[int, str]:
    seconds = round(wait.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("i", 60)):
        if seconds % size == 0:
            return seconds // size, unit
    return max(1, round(seconds / 60)), "i"


def _event_id(node_id: str) -> int | str:
    """A stored Mautic event keeps its id; a new one gets the ``new_`` id the API expects."""
    if node_id.isdigit():
        return int(node_id)
    return node_id if node_id.startswith("new_") else f"new_{node_id}"


def _condition_properties(condition: str | None) -> tuple[str, dict[str, Any]] | None:
    match = _SIMPLE.match(condition or "")
    if not match or match.group(2) not in _SYMBOLS:
        return None
    name, symbol, value = match.groups()
    operator = _SYMBOLS[symbol]
    literal = value.strip("'\"")
    if name == "points" and _is_number(literal):
        return "lead.points", {"operator": operator, "score": float(literal)}
    return "lead.field_value", {"field": name, "operator": operator, "value": literal}


def _connection(parent: str | None, path: str | None, target: int | str) -> dict[str, Any]:
    """A canvas connection into ``target`` (from the sources when it has no parent)."""
    return {
        "sourceId": _event_id(parent) if parent else "lists",
        "targetId": target,
        "anchors": {
            "source": "leadsource" if parent is None else (path or "bottom"),
            "target": "top",
        },
    }


def _event_at(workflow: Workflow, node_id: str) -> str | None:
    """The first node from ``node_id`` on that is a Mautic event (past waits and splits)."""
    seen: set[str] = set()
    while node_id not in seen:
        seen.add(node_id)
        node = workflow.node(node_id)
        if node.type == "end":
            return None
        if node.type in ("action", "wait_for_event") or (
            node.type == "decision" and node.mode != "split"
        ):
            return node_id
        out = workflow.outgoing(node_id)
        if not out:
            return None
        node_id = out[0].target
    return None


def _carries_timeout(workflow: Workflow, node: Node) -> bool:
    """Whether an event follows ``node``'s timeout exit (past waits of no length)."""
    target = next((e.target for e in workflow.outgoing(node.id) if e.exit == "timeout"), None)
    while target is not None:
        step = workflow.node(target)
        if not _is_marker(step):
            return step.type != "end"
        target = next((e.target for e in workflow.outgoing(target)), None)
    return False


def _is_marker(node: Node) -> bool:
    return (
        node.type == "wait"
        and node.duration == timedelta(0)
        and any(a.endswith(NO_PATH) for a in node.activities)
    )


def workflow_to_mautic(workflow: Workflow) -> tuple[dict[str, Any], MappingReport]:
    """A workflow as a Mautic campaign in the REST API's shape (what ``PUT
    /api/campaigns/{id}/edit`` or ``POST /api/campaigns/new`` take), and what could not be
    written exactly. A campaign read from Mautic is written back with its own ids and types."""
    report = MappingReport(PLATFORM, workflow.source or workflow.id, title="Mautic")
    events: list[dict[str, Any]] = []
    connections: list[dict[str, Any]] = []
    depth: dict[str, int] = {}
    seen: set[str] = set()

    def emit(node_id: str, parent: str | None, path: str | None, wait: timedelta, level: int):
        node = workflow.node(node_id)
        out = workflow.outgoing(node_id)
        if node_id in seen:  # a join: Mautic's "jump to event" action leads there
            target = _event_at(workflow, node_id)
            if target is None:
                return  # both paths end: nothing to join
            jumps_made.append(node_id)
            jump_id = f"new_jump_{len(jumps_made)}"
            events.append(
                {
                    "id": jump_id,
                    "name": f"Jump to {workflow.node(target).label}",
                    "description": None,
                    "order": level,
                    "parent": _event_id(parent) if parent else None,
                    "decisionPath": path,
                    "children": [],
                    "type": JUMP,
                    "eventType": "action",
                    "properties": {"jumpToEvent": _event_id(target)},
                    "triggerMode": "immediate",
                    "triggerInterval": 0,
                    "triggerIntervalUnit": None,
                }
            )
            if wait > timedelta(0):  # the wait on this path before the join
                amount, unit = _interval(wait)
                events[-1].update(
                    triggerMode="interval", triggerInterval=amount, triggerIntervalUnit=unit
                )
            connections.append(_connection(parent, path, jump_id))
            report.unmapped.append(
                f"node {target!r} is reached by more than one path; a Mautic campaign is a tree, "
                f"so the second path reaches it through a 'jump to event' action ({jump_id})"
            )
            return
        if node.type == "end":
            return
        if node.type == "wait":
            seen.add(node_id)
            extra = node.duration or timedelta(0)
            if node.until:
                report.unmapped.append(
                    f"wait {node_id!r} until {node.until}: written as running at once "
                    "(set the event's hour in Mautic)"
                )
            for edge in out:
                emit(edge.target, parent, path, wait + extra, level)
            return
        if node.type == "decision" and node.mode == "split":
            seen.add(node_id)
            for edge in out:
                emit(edge.target, parent, path, wait, level)
            return
        seen.add(node_id)
        eid = _event_id(node_id)
        event: dict[str, Any] = {
            "id": eid,
            "name": node.name or node_id,
            "description": None,
            "order": level,
            "parent": _event_id(parent) if parent else None,
            "decisionPath": path,
            "children": [],
        }
        if wait > timedelta(0):  # below a decision's no path, this is its timeout
            amount, unit = _interval(wait)
            event.update(triggerMode="interval", triggerInterval=amount, triggerIntervalUnit=unit)
        else:
            event.update(triggerMode="immediate", triggerInterval=0, triggerIntervalUnit=None)
        if node.type == "action" and dict(node.params).get("mautic_type") == JUMP:
            out = []  # the jump names its target; the edge to it is not a child
        if node.type == "action":
            params = dict(node.params)
            event.update(
                type=params.get("mautic_type") or _DEFAULT_TYPE.get(node.action or "", ""),
                eventType="action",
                properties=params.get("properties") or {},
            )
            nexts = [(e.target, None, timedelta(0)) for e in out]
        elif node.type == "wait_for_event":
            event.update(
                type=_EVENTS.get(node.event or "", node.event or ""),
                eventType="decision",
                properties={},
            )
            timeout = node.timeout or timedelta(0)
            if not _carries_timeout(workflow, node):
                report.unmapped.append(
                    f"wait_for_event {node_id!r}: no event follows its timeout, and Mautic "
                    f"keeps a decision's timeout ({format_duration(timeout)}) on the event of "
                    "its no path; without one the contact waits while in the campaign"
                )
            nexts = [
                (e.target, "yes", timedelta(0)) if e.exit == "event" else (e.target, "no", timeout)
                for e in out
            ]
        else:  # an exclusive decision: Mautic's condition, yes = the condition, no = default
            branch = next((e for e in out if e.condition), None)
            written = _condition_properties(branch.condition if branch else None)
            if written is None:
                written = ("lead.field_value", {})
                report.unmapped.append(
                    f"decision {node_id!r}: condition {branch.condition if branch else None!r} "
                    "is not a simple comparison; set the condition's test in Mautic"
                )
            if len(out) > 2:
                report.unmapped.append(
                    f"decision {node_id!r} has {len(out)} branches; a Mautic condition has "
                    "two (yes, no): the first condition and the default are written"
                )
            event.update(type=written[0], eventType="condition", properties=written[1])
            default = next((e for e in out if e.default), None)
            nexts = [(branch.target, "yes", timedelta(0))] if branch else []
            nexts += [(default.target, "no", timedelta(0))] if default else []
        events.append(event)
        depth[node_id] = level
        connections.append(_connection(parent, path, eid))
        for target, child_path, child_wait in nexts:
            emit(target, node_id, child_path, child_wait, level + 1)

    jumps_made: list[str] = []
    emit(workflow.start, None, None, timedelta(0), 1)
    for event in events:  # children lists, as the API returns them
        event["children"] = [e["id"] for e in events if e["parent"] == event["id"]]
    per_level: dict[int, int] = {}
    nodes = [{"id": "lists", "positionX": "400", "positionY": "50"}]
    for event in events:
        column = per_level.get(event["order"], 0)
        per_level[event["order"]] = column + 1
        nodes.append(
            {
                "id": event["id"],
                "positionX": str(100 + 250 * column),
                "positionY": str(50 + 150 * event["order"]),
            }
        )
    segments = [t.description.split()[-1:] for t in workflow.triggers if t.type == "segment"]
    lists = [{"id": int(words[0])} for words in segments if words and words[0].isdigit()]
    for goal in workflow.goals:
        report.unmapped.append(
            f"goal {goal.id!r}: Mautic campaigns have no goals; add a 'remove from campaign' "
            "action where it is reached"
        )
    if workflow.send_window:
        report.unmapped.append(
            "the send window: set it per event in Mautic (triggerRestrictedDaysOfWeek, start "
            "and stop hours)"
        )
    campaign_id = workflow.id.removeprefix("mautic-")
    campaign = {
        "name": workflow.name,
        "description": workflow.objective or None,
        "isPublished": workflow.status == "active",
        "version": workflow.version,
        "events": events,
        "lists": lists,
        "forms": [],
        "canvasSettings": {"nodes": nodes, "connections": connections},
    }
    if campaign_id.isdigit():
        campaign = {"id": int(campaign_id), **campaign}
    return {"campaign": campaign}, report


def write_mautic(workflow: Workflow, path: str | Path) -> MappingReport:
    """Write ``workflow`` as Mautic campaign JSON (see :func:`workflow_to_mautic`); returns what
    could not be written exactly."""
    campaign, report = workflow_to_mautic(workflow)
    Path(path).write_text(json.dumps(campaign, indent=2, ensure_ascii=False) + "\n")
    return report
