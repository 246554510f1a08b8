"""BPMN import: a BPMN 2.0 file as a validated workflow (the mapping: :mod:`automation._bpmn`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from automation._bpmn_common import ACTION_TASKS, BPMN, MEJORA, TASK_ACTIONS, _flow_name, _q
from automation._workflow import WEEKDAYS, Workflow, parse_workflow
from automation.exceptions import WorkflowError
from mining.safe_xml import localname
from mining.safe_xml import parse as parse_xml

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


def _node_id(bpmn_id: str, used: set[str]) -> str:
    """A workflow node id from a BPMN id: letters, digits and underscores, unique."""
    text = re.sub(r"[^A-Za-z0-9_]+", "_", bpmn_id).strip("_") or "node"
    candidate, n = text, 2
    while candidate in used:
        candidate, n = f"{text}_{n}", n + 1
    used.add(candidate)
    return candidate


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
        >>> wf = bpmn_to_workflow("onboarding.bpmn")  # doctest: +SKIP
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
