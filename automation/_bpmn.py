"""Designed workflows to and from BPMN 2.0, with a diagram layout that opens in bpmn.io.

Export (:func:`workflow_to_bpmn`, :func:`write_bpmn`) maps the workflow onto standard BPMN:

============================  ===============================================================
workflow                      BPMN 2.0
============================  ===============================================================
entry triggers                one ``startEvent`` named after the triggers, flowing into ``start``
action ``send_email``         ``sendTask``
action ``webhook``,           ``serviceTask``
``set_property``,
``add_to_list``
action ``create_task``,       ``userTask``
``notify_sales``
wait ``duration``             timer ``intermediateCatchEvent``, ``timeDuration`` = the duration
wait ``until`` HH:MM          timer ``intermediateCatchEvent`` with an empty
                              ``timerEventDefinition``, the clock time in ``mejora:node until``
                              and a ``documentation`` sentence (see below)
wait_for_event                ``receiveTask`` (``messageRef`` -> ``message`` named after the
                              event) + interrupting timer ``boundaryEvent`` (timeout); the
                              ``exit: event`` edge leaves the task, ``exit: timeout`` the timer
decision (exclusive)          ``exclusiveGateway``; ``default`` = the default flow, conditions as
                              ``conditionExpression xsi:type="tFormalExpression"``
decision (split)              ``exclusiveGateway`` (``mejora:node mode="split"``); each flow
                              carries its share in the ``mejora:weight`` attribute
end                           ``endEvent``
goals, objective              ``mejora:workflow`` extension + the process ``documentation``
============================  ===============================================================

Why ``until`` has no ``timeDuration``: "wait until 09:00" is not a fixed duration (it depends
on when the contact arrives) and ``timeDate`` / ``timeCycle`` would claim a date or a repetition
that the design does not have. The BPMN schema allows a timer definition with no child, so the
event still shows as a timer in every modeler; the clock time lives in the extension. An engine
would refuse to run such a timer: the process is exported with ``isExecutable="false"``, as a
design to read and edit, not to deploy as is.

Everything BPMN cannot hold (node ids, actions, params as JSON, activity labels, split mode,
workflow metadata, entry rules, goals, send window) is kept in ``extensionElements`` under the
``mejora`` namespace, so that :func:`bpmn_to_workflow` gives back an equal workflow. The
extension never uses an attribute called ``id`` (``nodeId``, ``workflowId``, ``goalId``): some
engines index every element with an ``id`` and would take ``mejora:node`` for the task itself.

Import (:func:`bpmn_to_workflow`, :func:`read_bpmn`) parses safely through
:func:`mining._xml.parse` (no DTD, no entities). The BPMN structure decides which steps and
flows exist and how they connect, and BPMN's own places win (names, timer durations, message
names, conditions, ``default``); the extension fills in the rest. A name changed in a modeler
is kept. Files from other tools map tasks to actions (``sendTask`` -> ``send_email``,
``userTask`` / ``manualTask`` -> ``create_task``, other tasks -> ``set_property``; the task name
is the activity label), exclusive gateways to decisions (merge-only gateways, with a single
unconditional way out, are folded into their successor: a state machine merges by itself), end
events to ends and ``receiveTask`` + timer boundary to wait_for_event. Parallel, inclusive and
event-based gateways, sub-processes and the like are refused with a :class:`WorkflowError`:
a designed workflow is a state machine, a contact is at one step at a time.

Layout: layered left to right (longest path from the start event over a depth-first spanning
order, back edges of loops ignored; a step nothing leads to sits right before its successor).
A long edge holds a placeholder in every layer it crosses, so its lane stays free. Each step
takes the row of its first predecessor plus the rank of the edge that reaches it (main path
straight, branches below), pushed down when the row is taken. Edges are routed orthogonally
from the middle of a side of one shape to the middle of a side of the other, turning in the gaps
between columns; loops come back through the bands between rows. No edge crosses a shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from pathlib import Path
from typing import Any

from lxml import etree

from automation._workflow import (
    WEEKDAYS,
    Edge,
    Node,
    Workflow,
    format_duration,
    parse_workflow,
)
from automation.exceptions import WorkflowError
from mining._xml import localname
from mining._xml import parse as parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MEJORA = "https://mejora.invalid/bpmn"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "mejora": MEJORA}

ACTION_TASKS = {
    "send_email": "sendTask",
    "webhook": "serviceTask",
    "set_property": "serviceTask",
    "add_to_list": "serviceTask",
    "create_task": "userTask",
    "notify_sales": "userTask",
}
# what a task of another tool becomes (and what an edited task type falls back to)
TASK_ACTIONS = {
    "task": "set_property",
    "serviceTask": "set_property",
    "scriptTask": "set_property",
    "businessRuleTask": "set_property",
    "sendTask": "send_email",
    "userTask": "create_task",
    "manualTask": "create_task",
}
_UNSUPPORTED = {
    "inclusiveGateway": "an inclusive gateway may take several branches at once",
    "complexGateway": "a complex gateway may take several branches at once",
    "eventBasedGateway": (
        "use a receiveTask with a timer boundary event for 'did X happen within T'"
    ),
    "subProcess": "sub-processes are not supported; flatten it",
    "adHocSubProcess": "sub-processes are not supported; flatten it",
    "transaction": "transactions are not supported; flatten it",
    "callActivity": "call activities are not supported; inline the called process",
    "intermediateThrowEvent": "throw events are not supported; use a task",
}
_IGNORED = {
    "laneSet",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "documentation",
    "extensionElements",
    "group",
    "property",
    "ioSpecification",
}
_STATE_MACHINE = (
    "designed workflows are state machines: a contact is at one step at a time, "
    "with no parallel branches"
)

TASK_SIZE = (100.0, 80.0)
EVENT_SIZE = (36.0, 36.0)
GATEWAY_SIZE = (50.0, 50.0)
_COLUMN = 180.0  # distance between the centres of two layers
_ROW = 140.0  # distance between the centres of two rows (room for boundary events and labels)
_X0, _Y0 = 100.0, 100.0


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


# -- durations ------------------------------------------------------------------------------


def _iso(value: timedelta) -> str:
    """ISO-8601 text of a duration, keeping fractions of a second (unlike format_duration)."""
    if not value.microseconds:
        return format_duration(value)
    whole = timedelta(days=value.days, seconds=value.seconds)
    days, rest = divmod(int(whole.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = f"{secs}.{value.microseconds:06d}".rstrip("0")
    text = "P" + (f"{days}D" if days else "") + "T"
    text += (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + f"{fraction}S"


# -- ids ------------------------------------------------------------------------------------


class _Ids:
    """Unique XML ids (NCName) built from readable names."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, base: str) -> str:
        text = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(base)).strip("_") or "id"
        if not re.match(r"[A-Za-z_]", text):
            text = f"_{text}"
        candidate, n = text, 2
        while candidate in self.used:
            candidate, n = f"{text}_{n}", n + 1
        self.used.add(candidate)
        return candidate


def _node_id(bpmn_id: str, used: set[str]) -> str:
    """A workflow node id from a BPMN id: letters, digits and underscores, unique."""
    text = re.sub(r"[^A-Za-z0-9_]+", "_", bpmn_id).strip("_") or "node"
    candidate, n = text, 2
    while candidate in used:
        candidate, n = f"{text}_{n}", n + 1
    used.add(candidate)
    return candidate


# -- export ---------------------------------------------------------------------------------


def _flow_name(condition: Any, weight: float | None) -> str:
    """What a flow shows when it has no label of its own."""
    if condition not in (None, ""):
        return str(condition)
    if weight is not None:
        return f"{weight * 100:g} %"
    return ""


def _sub(parent: etree._Element, ns: str, tag: str, **attrs: Any) -> etree._Element:
    element = etree.SubElement(parent, _q(ns, tag))
    for key, value in attrs.items():
        if value is not None:
            element.set(key, str(value))
    return element


def _extension(element: etree._Element) -> etree._Element:
    """The ``extensionElements`` child (created after any documentation, as the schema wants)."""
    found = element.find(_q(BPMN, "extensionElements"))
    if found is not None:
        return found
    ext = etree.Element(_q(BPMN, "extensionElements"))
    docs = element.findall(_q(BPMN, "documentation"))
    if docs:
        docs[-1].addnext(ext)
    else:
        element.insert(0, ext)
    return ext


def _expression(parent: etree._Element, tag: str, text: str) -> None:
    expression = _sub(parent, BPMN, tag)
    expression.set(_q(XSI, "type"), "bpmn:tFormalExpression")
    expression.text = text


def _documentation(element: etree._Element, text: str) -> None:
    doc = etree.Element(_q(BPMN, "documentation"))
    doc.text = text
    element.insert(len(element.findall(_q(BPMN, "documentation"))), doc)


def _activities(parent: etree._Element, labels: Iterable[str]) -> None:
    for label in labels:
        _sub(parent, MEJORA, "activity").text = str(label)


def _workflow_extension(process: etree._Element, workflow: Workflow) -> None:
    data = _sub(
        _extension(process),
        MEJORA,
        "workflow",
        workflowId=workflow.id,
        name=workflow.name,
        version=workflow.version,
        status=workflow.status,
        objective=workflow.objective or None,
    )
    for trigger in workflow.triggers:
        _sub(
            data,
            MEJORA,
            "trigger",
            type=trigger.type,
            description=trigger.description or None,
            condition=trigger.condition,
        )
    cooldown = workflow.reenrollment.cooldown
    _sub(
        data,
        MEJORA,
        "reenrollment",
        allowed=str(workflow.reenrollment.allowed).lower(),
        cooldown=_iso(cooldown) if cooldown is not None else None,
    )
    for name in workflow.suppression:
        _sub(data, MEJORA, "suppression").text = name
    for goal in workflow.goals:
        element = _sub(
            data,
            MEJORA,
            "goal",
            goalId=goal.id,
            description=goal.description or None,
            condition=goal.condition,
        )
        _activities(element, goal.activities)
    window = workflow.send_window
    if window is not None:
        _sub(
            data,
            MEJORA,
            "sendWindow",
            timezone=window.timezone,
            days=" ".join(window.days),
            start=window.start,
            end=window.end,
        )


def _node_extension(element: etree._Element, node: Node) -> None:
    """What BPMN has no place for; durations, event names and names have one and are not here."""
    data = _sub(_extension(element), MEJORA, "node", nodeId=node.id, type=node.type)
    if node.label != node.name:  # the BPMN name shows the id: remember the node has no name
        data.set("name", node.name)
    if node.action is not None:
        data.set("action", node.action)
    if node.mode != "exclusive":
        data.set("mode", node.mode)
    if node.until is not None:
        data.set("until", node.until)
    # fields the node type does not use are still kept, so the round trip is exact
    if node.duration is not None and node.type != "wait":
        data.set("duration", _iso(node.duration))
    if node.timeout is not None and node.type != "wait_for_event":
        data.set("timeout", _iso(node.timeout))
    if node.event is not None and node.type != "wait_for_event":
        data.set("event", str(node.event))
    if node.params:
        _sub(data, MEJORA, "params").text = json.dumps(
            dict(node.params), ensure_ascii=False, default=str
        )
    _activities(data, node.activities)


@dataclass
class _Shape:
    element_id: str
    kind: str  # task, event, gateway
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.width, self.cy)

    @property
    def left(self) -> tuple[float, float]:
        return (self.x, self.cy)

    @property
    def top(self) -> tuple[float, float]:
        return (self.cx, self.y)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.cx, self.y + self.height)


@dataclass
class _Flow:
    flow_id: str
    source: str  # layout key (start event or node element id)
    target: str
    from_boundary: bool = False
    waypoints: list[tuple[float, float]] = field(default_factory=list)


def _size(kind: str) -> tuple[float, float]:
    return {"task": TASK_SIZE, "event": EVENT_SIZE, "gateway": GATEWAY_SIZE}[kind]


def _layout(
    order: list[str],
    shapes: dict[str, _Shape],
    flows: list[_Flow],
    boundaries: dict[str, _Shape],
) -> None:
    """Place shapes in layers left to right and route every flow between shape borders."""
    succ: dict[str, list[str]] = {key: [] for key in order}
    for flow in sorted(flows, key=lambda f: f.from_boundary):  # the timeout way out goes lower
        if flow.target not in succ[flow.source]:
            succ[flow.source].append(flow.target)
    # depth-first from the start (then from anything unreachable): discovery order, back edges
    index: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in order:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        index[root] = len(index)
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
            elif child not in state:
                state[child] = 1
                index[child] = len(index)
                stack.append((child, iter(succ[child])))
            elif state[child] == 1:
                back.add((current, child))
    forward = {key: [t for t in succ[key] if (key, t) not in back] for key in order}
    preds: dict[str, list[str]] = {key: [] for key in order}
    for key in order:
        for target in forward[key]:
            preds[target].append(key)
    # longest path over the forward edges (Kahn's order, ties by discovery)
    layer = {key: (0 if key == order[0] else 1) for key in order}
    missing = {key: len(preds[key]) for key in order}
    ready = sorted((k for k in order if not missing[k]), key=index.__getitem__)
    topo: list[str] = []
    while ready:
        current = ready.pop(0)
        topo.append(current)
        for target in forward[current]:
            layer[target] = max(layer[target], layer[current] + 1)
            missing[target] -= 1
            if not missing[target]:
                ready.append(target)
                ready.sort(key=index.__getitem__)
    # a step nothing leads to (unreachable) sits right before its first successor
    for key in reversed(topo):
        if key != order[0] and not preds[key] and forward[key]:
            layer[key] = max(1, min(layer[t] for t in forward[key]) - 1)
    # rows: a long edge gets a placeholder in every layer it crosses, so its lane stays free;
    # a node takes the row of its first predecessor, the k-th way out of a node goes k rows lower
    chains: dict[tuple[str, str], list[Any]] = {}
    outs: dict[Any, list[Any]] = {key: [] for key in order}
    ins: dict[Any, list[Any]] = {key: [] for key in order}
    tie: dict[Any, float] = dict(index)
    layer_of: dict[Any, int] = dict(layer)
    for key in order:
        for target in forward[key]:
            chain: list[Any] = [key]
            for step in range(layer[key] + 1, layer[target]):
                placeholder = (key, target, step)
                layer_of[placeholder], tie[placeholder] = step, index[key] + 0.5
                outs[placeholder], ins[placeholder] = [], []
                chain.append(placeholder)
            chain.append(target)
            for before, after in pairwise(chain):
                outs[before].append(after)
                ins[after].append(before)
            chains[(key, target)] = chain
    by_layer: dict[int, list[Any]] = {}
    for item, number in layer_of.items():
        by_layer.setdefault(number, []).append(item)
    row: dict[Any, int] = {}
    for number in sorted(by_layer):
        wanted = {  # steps nothing leads to go below the others
            item: min((row[p] + outs[p].index(item) for p in ins[item] if p in row), default=None)
            for item in by_layer[number]
        }
        last = -1
        for item in sorted(
            by_layer[number],
            key=lambda k: (float("inf") if wanted[k] is None else wanted[k], tie[k]),
        ):
            row[item] = max(wanted[item] or 0, last + 1)
            last = row[item]
    for key in order:
        shape = shapes[key]
        shape.width, shape.height = _size(shape.kind)
        shape.x = _X0 + layer[key] * _COLUMN - shape.width / 2
        shape.y = _Y0 + row[key] * _ROW - shape.height / 2
        if key in boundaries:  # on the bottom border, towards the right corner
            timer = boundaries[key]
            timer.width, timer.height = EVENT_SIZE
            timer.x = shape.x + shape.width - timer.width - 12
            timer.y = shape.y + shape.height - timer.height / 2
    loops = 0
    for flow in flows:
        source = boundaries[flow.source] if flow.from_boundary else shapes[flow.source]
        target = shapes[flow.target]
        if (flow.source, flow.target) in back:
            flow.waypoints = _loop_route(
                source, target, flow.from_boundary, loops, layer[flow.source]
            )
            loops += 1
        else:
            rows = [row[item] for item in chains[(flow.source, flow.target)]]
            lanes = [_Y0 + r * _ROW for r in rows]
            # a vertical line in the source's own column must not cross another step
            low, high = sorted((rows[0], rows[1]))
            straight_down = not any(
                low < row[item] <= high for item in by_layer[layer[flow.source]] if item in shapes
            )
            flow.waypoints = _lane_route(
                source, target, lanes, layer[flow.source], flow.from_boundary, straight_down
            )


def _loop_route(
    source: _Shape, target: _Shape, from_boundary: bool, number: int, column: int
) -> list[tuple[float, float]]:
    """A back edge leaves into the free band above its source (below, from a timer), goes back
    through the gap left of the source's column and comes down into the target's top through
    the free band above the target, so it crosses no step. ``column`` is the source's layer."""
    clearance = 18 + 6 * (number % 4)  # loops side by side do not share a line
    if source is target:
        side = source.x - clearance
        high = source.cy - TASK_SIZE[1] / 2 - clearance
        return [source.top, (source.cx, high), (side, high), (side, source.cy), source.left]
    gap = _X0 + column * _COLUMN - _COLUMN / 2
    band = TASK_SIZE[1] / 2 + clearance  # above the tallest shape of a row
    if from_boundary:
        start = source.bottom
        leave = start[1] + clearance - 8
    else:
        start = source.top
        leave = source.cy - band
    arrive = target.cy - band
    return _simplify(
        [start, (start[0], leave), (gap, leave), (gap, arrive), (target.cx, arrive), target.top]
    )


def _lane_route(
    source: _Shape,
    target: _Shape,
    lanes: list[float],
    first_layer: int,
    from_boundary: bool,
    straight_down: bool,
) -> list[tuple[float, float]]:
    """Orthogonal waypoints along the lanes (the y of each layer crossed), turning in the gaps
    between columns: down right after the source, back up right before the target. A timer or
    a gateway goes straight down (or up) to its lane when ``straight_down`` says the way is
    free, else it first steps into the gap after its column."""

    def gap(i: int) -> float:
        return _X0 + (first_layer + i) * _COLUMN + _COLUMN / 2

    if from_boundary:  # leave the timer downwards
        start = source.bottom
        points = [start]
        if lanes[1] > start[1] and straight_down:
            points.append((start[0], lanes[1]))
        else:
            below = start[1] + 25
            points += [(start[0], below), (gap(0), below), (gap(0), lanes[1])]
        first = 1
    elif source.kind == "gateway" and abs(lanes[1] - lanes[0]) >= 0.5 and straight_down:
        start = source.bottom if lanes[1] > lanes[0] else source.top  # leave from a corner
        points = [start, (start[0], lanes[1])]
        first = 1
    else:
        points = [source.right]
        first = 0
    for i in range(first, len(lanes) - 1):
        if abs(lanes[i + 1] - lanes[i]) >= 0.5:
            points += [(gap(i), lanes[i]), (gap(i), lanes[i + 1])]
    points.append(target.left)
    return _simplify(points)


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle one of three on a line."""
    result: list[tuple[float, float]] = []
    for point in points:
        if result and point == result[-1]:
            continue
        if len(result) >= 2:
            (x1, y1), (x2, y2) = result[-2], result[-1]
            if (x1 == x2 == point[0]) or (y1 == y2 == point[1]):
                result[-1] = point
                continue
        result.append(point)
    return result


def _exporter_version() -> str:
    try:
        return version("mejora")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0"


def _build(workflow: Workflow) -> etree._Element:
    ids = _Ids()
    element_of = {node.id: ids.take(node.id) for node in workflow.nodes}
    process_id = ids.take(f"Process_{workflow.id}")
    start_id = ids.take("StartEvent")
    definitions = etree.Element(_q(BPMN, "definitions"), nsmap=NSMAP)
    definitions.set("id", ids.take(f"Definitions_{workflow.id}"))
    definitions.set("targetNamespace", MEJORA)
    definitions.set("exporter", "Mejora")
    definitions.set("exporterVersion", _exporter_version())

    messages: dict[str, str] = {}
    for node in workflow.nodes:
        if node.type == "wait_for_event" and node.event is not None:
            event = str(node.event)
            if event not in messages:
                messages[event] = ids.take(f"Message_{event}")
                _sub(definitions, BPMN, "message", id=messages[event], name=event)

    process = _sub(
        definitions, BPMN, "process", id=process_id, name=workflow.name, isExecutable="false"
    )
    about = [workflow.objective] if workflow.objective else []
    about += [
        f"Goal {g.id}: {g.description or g.condition or ', '.join(g.activities)}"
        for g in workflow.goals
    ]
    if about:
        _documentation(process, "\n".join(about))
    _workflow_extension(process, workflow)

    trigger_names = [t.description or t.type for t in workflow.triggers]
    start = _sub(process, BPMN, "startEvent", id=start_id, name="; ".join(trigger_names) or "Start")
    shapes: dict[str, _Shape] = {start_id: _Shape(start_id, "event")}
    boundaries: dict[str, _Shape] = {}
    elements: dict[str, etree._Element] = {start_id: start}
    boundary_elements: dict[str, etree._Element] = {}
    for node in workflow.nodes:
        element_id = element_of[node.id]
        if node.type == "action":
            tag, kind = ACTION_TASKS.get(str(node.action), "task"), "task"
        elif node.type == "wait":
            tag, kind = "intermediateCatchEvent", "event"
        elif node.type == "wait_for_event":
            tag, kind = "receiveTask", "task"
        elif node.type == "decision":
            tag, kind = "exclusiveGateway", "gateway"
        else:
            tag, kind = "endEvent", "event"
        element = _sub(process, BPMN, tag, id=element_id, name=node.label)
        if node.type == "wait" and node.until is not None:
            _documentation(
                element,
                f"Waits until the next {node.until} (time of day; the clock time is in "
                "mejora:node until, since it is not a fixed duration).",
            )
        _node_extension(element, node)
        elements[element_id] = element
        shapes[element_id] = _Shape(element_id, kind)
        if node.type == "wait":
            timer = _sub(element, BPMN, "timerEventDefinition")
            if node.duration is not None:
                _expression(timer, "timeDuration", _iso(node.duration))
        if node.type == "wait_for_event":
            if node.event is not None:
                element.set("messageRef", messages[str(node.event)])
            boundary_id = ids.take(f"{element_id}_timeout")
            timeout = _iso(node.timeout) if node.timeout is not None else None
            boundary = _sub(
                process,
                BPMN,
                "boundaryEvent",
                id=boundary_id,
                name=f"timeout {timeout}" if timeout else "timeout",
                attachedToRef=element_id,
                cancelActivity="true",
            )
            timer = _sub(boundary, BPMN, "timerEventDefinition")
            if timeout:
                _expression(timer, "timeDuration", timeout)
            boundary_elements[element_id] = boundary
            boundaries[element_id] = _Shape(boundary_id, "event")

    flows = [_Flow(ids.take(f"Flow_start_{workflow.start}"), start_id, element_of[workflow.start])]
    flow_elements = [(flows[0], Edge(source="", target=workflow.start))]
    for edge in workflow.edges:
        source_id, target_id = element_of[edge.source], element_of[edge.target]
        from_boundary = (
            workflow.node(edge.source).type == "wait_for_event" and edge.exit == "timeout"
        )
        flow = _Flow(
            ids.take(f"Flow_{edge.source}_{edge.target}"), source_id, target_id, from_boundary
        )
        flows.append(flow)
        flow_elements.append((flow, edge))
    for flow, edge in flow_elements:
        source_element = (
            boundary_elements[flow.source] if flow.from_boundary else elements[flow.source]
        )
        element = _sub(
            process,
            BPMN,
            "sequenceFlow",
            id=flow.flow_id,
            sourceRef=source_element.get("id"),
            targetRef=flow.target,
        )
        shown = edge.label or _flow_name(edge.condition, edge.weight)
        if shown:
            element.set("name", shown)
        if edge.weight is not None:
            element.set(_q(MEJORA, "weight"), repr(edge.weight))
        is_event = flow.from_boundary or localname(source_element.tag).endswith("Event")
        extra = {
            "exit": edge.exit,
            "label": edge.label if shown != edge.label else None,
            "default": "true" if edge.default and is_event else None,
        }
        if any(v is not None for v in extra.values()):
            _sub(_extension(element), MEJORA, "edge", **extra)
        if edge.condition not in (None, ""):
            _expression(element, "conditionExpression", str(edge.condition))
        if edge.default and not is_event:
            source_element.set("default", flow.flow_id)
        _sub(source_element, BPMN, "outgoing").text = flow.flow_id
        _sub(elements[flow.target], BPMN, "incoming").text = flow.flow_id
    # schema order inside a flow node: documentation, extensionElements, incoming, outgoing,
    # then the event definitions
    for element in [*elements.values(), *boundary_elements.values()]:
        _reorder(element)

    _layout(list(shapes), shapes, flows, boundaries)
    diagram = _sub(definitions, BPMNDI, "BPMNDiagram", id=ids.take("BPMNDiagram_1"))
    plane = _sub(diagram, BPMNDI, "BPMNPlane", id=ids.take("BPMNPlane_1"), bpmnElement=process_id)
    drawn = list(shapes.values())
    for key, timer in boundaries.items():
        drawn.insert(drawn.index(shapes[key]) + 1, timer)
    for shape in drawn:
        di = _sub(
            plane,
            BPMNDI,
            "BPMNShape",
            id=ids.take(f"{shape.element_id}_di"),
            bpmnElement=shape.element_id,
        )
        if shape.kind == "gateway":
            di.set("isMarkerVisible", "true")
        bounds = {"x": shape.x, "y": shape.y, "width": shape.width, "height": shape.height}
        _sub(di, DC, "Bounds", **{k: _num(v) for k, v in bounds.items()})
    for flow in flows:
        di_id = ids.take(f"{flow.flow_id}_di")
        di = _sub(plane, BPMNDI, "BPMNEdge", id=di_id, bpmnElement=flow.flow_id)
        for x, y in flow.waypoints:
            _sub(di, DI, "waypoint", x=_num(x), y=_num(y))
    return definitions


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


_ORDER = {"documentation": 0, "extensionElements": 1, "incoming": 2, "outgoing": 3}


def _reorder(element: etree._Element) -> None:
    children = list(element)
    children.sort(key=lambda child: _ORDER.get(localname(child.tag), 4))  # stable
    for child in children:
        element.append(child)


def workflow_to_bpmn(workflow: Workflow) -> bytes:
    """The workflow as a BPMN 2.0 XML document with diagram layout (BPMN DI).

    Example:
        >>> data = workflow_to_bpmn(read_workflow("welcome_nurture.yaml"))  # doctest: +SKIP
        >>> data[:38]                                                        # doctest: +SKIP
        b"<?xml version='1.0' encoding='UTF-8'?>"
    """
    return etree.tostring(
        _build(workflow), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def write_bpmn(workflow: Workflow, path: str | Path) -> Path:
    """Write the workflow as a ``.bpmn`` file that bpmn.io and Camunda Modeler open."""
    path = Path(path)
    path.write_bytes(workflow_to_bpmn(workflow))
    return path


def bpmn_counts(workflow: Workflow) -> dict[str, int]:
    """How many flow nodes, sequence flows, shapes and edges the export of ``workflow`` has."""
    root = _build(workflow)
    process = root.find(_q(BPMN, "process"))
    flows = process.findall(_q(BPMN, "sequenceFlow"))
    nodes = [
        e
        for e in process
        if isinstance(e.tag, str)
        and localname(e.tag) not in {"sequenceFlow", "documentation", "extensionElements"}
    ]
    return {
        "flow_nodes": len(nodes),
        "sequence_flows": len(flows),
        "shapes": len(root.findall(f".//{_q(BPMNDI, 'BPMNShape')}")),
        "edges": len(root.findall(f".//{_q(BPMNDI, 'BPMNEdge')}")),
    }


# -- import ---------------------------------------------------------------------------------


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _timer(element: etree._Element, where: str, problems: list[str]) -> str | None:
    """The ``timeDuration`` of an element's timer definition (None when it has none)."""
    timer = element.find(_q(BPMN, "timerEventDefinition"))
    if timer is None:
        return None
    for other in ("timeDate", "timeCycle"):
        if timer.find(_q(BPMN, other)) is not None:
            problems.append(f"{where}: a timer with {other} is not supported; use timeDuration")
    return _text(timer.find(_q(BPMN, "timeDuration")))


def _mejora(element: etree._Element, tag: str) -> etree._Element | None:
    ext = element.find(_q(BPMN, "extensionElements"))
    return None if ext is None else ext.find(_q(MEJORA, tag))


def _labels(element: etree._Element | None) -> list[str]:
    if element is None:
        return []
    return [a.text or "" for a in element.findall(_q(MEJORA, "activity"))]


def _plain(name: str | None) -> str:
    return " ".join((name or "").split())


def _definitions(root: etree._Element, source: str) -> etree._Element:
    if root.tag != _q(BPMN, "definitions"):
        raise WorkflowError(
            [f"{source}: not a BPMN 2.0 file (the root is {root.tag!r}, not bpmn:definitions)"]
        )
    processes = [
        p
        for p in root.findall(_q(BPMN, "process"))
        if p.find(_q(BPMN, "startEvent")) is not None
        or p.find(_q(BPMN, "sequenceFlow")) is not None
    ]
    if len(processes) != 1:
        raise WorkflowError(
            [
                f"{source}: expected one process with steps, found {len(processes)}; "
                "a designed workflow is one process (one pool)"
            ]
        )
    return processes[0]


def bpmn_to_workflow(path: str | Path) -> Workflow:
    """Load a BPMN 2.0 file as a validated workflow (safely: no DTD, no entity expansion).

    A file written by :func:`write_bpmn` gives back the same workflow; a file from another
    tool is mapped as described in the module documentation.

    Example:
        >>> wf = bpmn_to_workflow("welcome_nurture.bpmn")  # doctest: +SKIP
        >>> wf.node(wf.start).action                        # doctest: +SKIP
        'send_email'
    """
    path = Path(path)
    if not path.is_file():
        raise WorkflowError([f"{path}: no such file"])
    source = str(path)
    root = parse_xml(path).getroot()
    process = _definitions(root, source)
    messages = {
        m.get("id"): m.get("name") or m.get("id") for m in root.findall(_q(BPMN, "message"))
    }
    problems: list[str] = []
    ours = _mejora(process, "workflow") is not None  # written by write_bpmn: keep texts exact

    starts: list[etree._Element] = []
    steps: list[etree._Element] = []
    boundaries: list[etree._Element] = []
    flows: list[etree._Element] = []
    for child in process:
        if not isinstance(child.tag, str) or not child.tag.startswith(f"{{{BPMN}}}"):
            continue
        tag, bpmn_id = localname(child.tag), child.get("id", "?")
        if tag == "startEvent":
            starts.append(child)
        elif tag == "boundaryEvent":
            boundaries.append(child)
        elif tag == "sequenceFlow":
            flows.append(child)
        elif tag == "parallelGateway":
            problems.append(
                f"{source}: parallel gateway {bpmn_id!r} is not supported: {_STATE_MACHINE}"
            )
        elif tag in _UNSUPPORTED:
            problems.append(f"{source}: {tag} {bpmn_id!r} is not supported: {_UNSUPPORTED[tag]}")
        elif tag in TASK_ACTIONS or tag in {
            "receiveTask",
            "intermediateCatchEvent",
            "exclusiveGateway",
            "endEvent",
        }:
            steps.append(child)
        elif tag not in _IGNORED:
            problems.append(f"{source}: {tag} {bpmn_id!r} is not supported")
    if len(starts) != 1:
        problems.append(
            f"{source}: a designed workflow has exactly one start event, found {len(starts)}"
        )
    if problems:
        raise WorkflowError(problems)

    # workflow node ids: the extension's first, then sanitised BPMN ids
    used: set[str] = set()
    node_of: dict[str, str] = {}
    for step in steps:
        data = _mejora(step, "node")
        if data is not None and data.get("nodeId") and data.get("nodeId") not in used:
            node_of[step.get("id")] = data.get("nodeId")
            used.add(data.get("nodeId"))
    for step in steps:
        if step.get("id") not in node_of:
            node_of[step.get("id")] = _node_id(step.get("id", "node"), used)
    element_by_id = {e.get("id"): e for e in [*starts, *steps, *boundaries]}

    timeout_of: dict[str, str | None] = {}  # receiveTask id -> timeout
    boundary_host: dict[str, str] = {}
    for boundary in boundaries:
        where = f"{source}: boundary event {boundary.get('id')!r}"
        host = element_by_id.get(boundary.get("attachedToRef"))
        if host is None or localname(host.tag) != "receiveTask":
            problems.append(
                f"{where}: only a timer on a receiveTask is supported (a wait_for_event)"
            )
            continue
        if boundary.find(_q(BPMN, "timerEventDefinition")) is None:
            problems.append(f"{where}: only timer boundary events are supported")
            continue
        if boundary.get("cancelActivity", "true") == "false":
            problems.append(
                f"{where}: a non-interrupting timer starts a parallel branch; {_STATE_MACHINE}"
            )
            continue
        timeout_of[host.get("id")] = _timer(boundary, where, problems)
        boundary_host[boundary.get("id")] = host.get("id")

    # merge-only gateways of other tools fold into their successor
    out_flows: dict[str, list[etree._Element]] = {}
    for flow in flows:
        out_flows.setdefault(flow.get("sourceRef"), []).append(flow)
    merges: dict[str, str] = {}
    for step in steps:
        outs = out_flows.get(step.get("id"), [])
        if (
            localname(step.tag) == "exclusiveGateway"
            and _mejora(step, "node") is None
            and len(outs) == 1
            and outs[0].find(_q(BPMN, "conditionExpression")) is None
        ):
            merges[step.get("id")] = outs[0].get("targetRef")

    def resolve(bpmn_id: str | None) -> str | None:
        seen = set()
        while bpmn_id in merges and bpmn_id not in seen:
            seen.add(bpmn_id)
            bpmn_id = merges[bpmn_id]
        return bpmn_id

    nodes = [
        _import_node(step, node_of[step.get("id")], messages, timeout_of, source, problems)
        for step in steps
        if step.get("id") not in merges
    ]
    edges = []
    start_targets = []
    for flow in flows:
        raw_source = flow.get("sourceRef")
        if raw_source in merges:
            continue
        target = resolve(flow.get("targetRef"))
        if raw_source == starts[0].get("id"):
            start_targets.append(target)
            continue
        from_boundary = raw_source in boundary_host
        host_id = boundary_host.get(raw_source, raw_source)
        host = element_by_id.get(host_id)
        edge = _import_edge(flow, host, from_boundary, node_of, ours)
        edge["to"] = node_of.get(target, target)
        edges.append(edge)
        if (
            host is not None
            and localname(host.tag) in TASK_ACTIONS
            and len(out_flows.get(host_id, [])) > 1
            and _mejora(host, "node") is None
        ):
            problems.append(
                f"{source}: task {host_id!r} has {len(out_flows[host_id])} outgoing flows, "
                f"which BPMN follows all at once; {_STATE_MACHINE} (add an exclusive gateway)"
            )
    if len(start_targets) != 1:
        problems.append(
            f"{source}: the start event needs exactly one outgoing flow, found "
            f"{len(start_targets)} ({_STATE_MACHINE})"
        )
    if problems:
        raise WorkflowError(sorted(set(problems), key=problems.index))

    data = _import_workflow(process, path)
    data["start"] = node_of.get(start_targets[0], start_targets[0])
    data["nodes"] = nodes
    data["edges"] = edges
    if not ours and starts[0].get("name"):
        data["entry"] = {
            "triggers": [{"type": "start_event", "description": _plain(starts[0].get("name"))}]
        }
    return parse_workflow(data, source=source)


def read_bpmn(path: str | Path) -> Workflow:
    """Same as :func:`bpmn_to_workflow`."""
    return bpmn_to_workflow(path)


def _import_workflow(process: etree._Element, path: Path) -> dict[str, Any]:
    data = _mejora(process, "workflow")
    if data is None:
        return {
            "id": _node_id(process.get("id") or path.stem, set()),
            "name": _plain(process.get("name")) or path.stem,
            "version": 1,
            "status": "draft",
        }
    version = data.get("version", "1")
    result: dict[str, Any] = {
        "id": data.get("workflowId") or path.stem,
        "name": process.get("name") if process.get("name") is not None else data.get("name"),
        "version": int(version) if version.isdigit() else version,  # parse_workflow reports
        "status": data.get("status", "draft"),
    }
    if data.get("objective") is not None:
        result["objective"] = data.get("objective")
    triggers = [
        {k: v for k, v in t.attrib.items() if k in ("type", "description", "condition")}
        for t in data.findall(_q(MEJORA, "trigger"))
    ]
    entry: dict[str, Any] = {"triggers": triggers}
    again = data.find(_q(MEJORA, "reenrollment"))
    if again is not None:
        entry["reenrollment"] = {"allowed": again.get("allowed") == "true"}
        if again.get("cooldown"):
            entry["reenrollment"]["cooldown"] = again.get("cooldown")
    entry["suppression"] = [s.text or "" for s in data.findall(_q(MEJORA, "suppression"))]
    result["entry"] = entry
    goals = []
    for goal in data.findall(_q(MEJORA, "goal")):
        item = {k: v for k, v in goal.attrib.items() if k in ("description", "condition")}
        item["id"] = goal.get("goalId", "")
        item["activities"] = _labels(goal)
        goals.append(item)
    if goals:
        result["goals"] = goals
    window = data.find(_q(MEJORA, "sendWindow"))
    if window is not None:
        result["send_window"] = {
            "timezone": window.get("timezone", ""),
            "days": (window.get("days") or "").split()
            if window.get("days") is not None
            else list(WEEKDAYS[:5]),
            **{k: window.get(k) for k in ("start", "end") if window.get(k) is not None},
        }
    return result


def _import_node(
    step: etree._Element,
    node_id: str,
    messages: Mapping[str, str],
    timeout_of: Mapping[str, str | None],
    source: str,
    problems: list[str],
) -> dict[str, Any]:
    tag, bpmn_id = localname(step.tag), step.get("id", "?")
    data = _mejora(step, "node")
    ext = dict(data.attrib) if data is not None else {}
    shown = step.get("name")
    node: dict[str, Any] = {"id": node_id}
    if data is None:
        name = _plain(shown)
    elif "name" in ext and shown == (ext["name"] or node_id):
        name = ext["name"]  # unchanged since export
    else:
        name = shown if shown is not None else ext.get("name", "")
    if name:
        node["name"] = name
    for key in ("mode", "until", "duration", "timeout", "event"):
        if key in ext:
            node[key] = ext[key]
    if data is not None and data.find(_q(MEJORA, "params")) is not None:
        try:
            node["params"] = json.loads(data.find(_q(MEJORA, "params")).text or "{}")
        except json.JSONDecodeError as exc:
            problems.append(f"{source}: {bpmn_id!r}: mejora:params is not JSON: {exc}")
    labels = _labels(data) if data is not None else ([name] if name else [])
    if labels:
        node["activities"] = labels
    if tag in TASK_ACTIONS:
        node["type"] = "action"
        action = ext.get("action")
        node["action"] = action if ACTION_TASKS.get(action or "") == tag else TASK_ACTIONS[tag]
    elif tag == "receiveTask":
        node["type"] = "wait_for_event"
        message = step.get("messageRef")
        node["event"] = messages.get(message, message) if message else (name or node_id)
        if bpmn_id in timeout_of:
            node["timeout"] = timeout_of[bpmn_id]
        else:
            problems.append(
                f"{source}: receiveTask {bpmn_id!r} needs an interrupting timer boundary event "
                "(the timeout of the wait_for_event)"
            )
    elif tag == "intermediateCatchEvent":
        node["type"] = "wait"
        if step.find(_q(BPMN, "timerEventDefinition")) is None:
            problems.append(
                f"{source}: intermediate event {bpmn_id!r}: only timer catch events are "
                "supported (for 'did X happen within T' use a receiveTask with a timer)"
            )
        duration = _timer(step, f"{source}: intermediate event {bpmn_id!r}", problems)
        if duration is not None:
            node["duration"] = duration
        if data is None:
            node.pop("activities", None)  # a foreign timer's name is not a logged activity
    elif tag == "exclusiveGateway":
        node["type"] = "decision"
        if data is None:
            node.pop("activities", None)
    else:
        node["type"] = "end"
        if data is None:
            node.pop("activities", None)
    return node


def _import_edge(
    flow: etree._Element,
    host: etree._Element | None,
    from_boundary: bool,
    node_of: Mapping[str, str],
    ours: bool,
) -> dict[str, Any]:
    source_id = host.get("id") if host is not None else flow.get("sourceRef")
    data = _mejora(flow, "edge")
    ext = dict(data.attrib) if data is not None else {}
    edge: dict[str, Any] = {"from": node_of.get(source_id, source_id)}
    condition = flow.find(_q(BPMN, "conditionExpression"))
    if condition is not None and condition.text is not None:
        edge["condition"] = condition.text if ours else condition.text.strip()
    weight = flow.get(_q(MEJORA, "weight"))
    if weight is not None:
        try:
            edge["weight"] = float(weight)
        except ValueError:
            edge["weight"] = weight  # parse_workflow reports it
    shown = flow.get("name")
    if "label" in ext and (shown or "") == _flow_name(edge.get("condition"), edge.get("weight")):
        label = ext["label"]  # unchanged since export
    else:
        label = shown if ours else _plain(shown)
    if label:
        edge["label"] = label
    host_tag = localname(host.tag) if host is not None else ""
    if host_tag == "receiveTask":
        edge["exit"] = "timeout" if from_boundary else "event"
    elif "exit" in ext:
        edge["exit"] = ext["exit"]
    if from_boundary or host is None or host_tag.endswith("Event"):
        default = ext.get("default") == "true"
    else:
        default = host.get("default") == flow.get("id")
    if default:
        edge["default"] = True
    return edge
