"""BPMN export: a workflow as BPMN 2.0 XML with its diagram (mapping: :mod:`automation._bpmn`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from lxml import etree

from automation._bpmn_common import (
    ACTION_TASKS,
    BPMN,
    BPMNDI,
    DC,
    DI,
    MEJORA,
    NSMAP,
    XSI,
    _flow_name,
    _q,
)
from automation._bpmn_layout import _Flow, _layout, _Shape
from automation._workflow import Edge, Node, Workflow, format_duration
from mining.safe_xml import localname


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
        >>> data = workflow_to_bpmn(read_workflow("onboarding.yaml"))  # doctest: +SKIP
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
