"""Workflows to BPMN 2.0 and back: lossless round trip, a diagram that opens in bpmn.io, safe
parsing, and the mapping of files from other tools."""

from __future__ import annotations

import dataclasses
import json
import random
from itertools import pairwise
from pathlib import Path

import pytest
from lxml import etree

from automation import (
    WorkflowError,
    bpmn_to_workflow,
    lint_workflow,
    parse_workflow,
    read_bpmn,
    read_workflow,
    workflow_to_bpmn,
    write_bpmn,
)
from mejora.cli import main
from mining import UnsafeFileError
from mining.safe_xml import parse as parse_xml
from tests.conftest import LOGS, ROOT

SAMPLES = sorted((ROOT / "sample_logs" / "workflows").glob("*.yaml"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "boundaryEvent",
    "task",
    "sendTask",
    "serviceTask",
    "userTask",
    "receiveTask",
    "exclusiveGateway",
}

# every node kind and option the format has, with ids and texts that XML has to escape
EVERYTHING = {
    "id": "every-feature",
    "name": "All node kinds & <options>",
    "version": 3,
    "status": "draft",
    "objective": 'Line one\nline two with "quotes" & <tags>',
    "entry": {
        "triggers": [
            {"type": "list", "description": "Joined a list", "condition": "list = 'x'"},
            {"type": "event"},
        ],
        "reenrollment": {"allowed": True, "cooldown": "P1DT1.5S"},
        "suppression": ["unsubscribed", "customers"],
    },
    "goals": [
        {"id": "g1", "condition": "stage = 'won'"},
        {"id": "g2", "description": "Bought", "activities": ["Order placed", "Paid"]},
    ],
    "send_window": {"timezone": "UTC", "days": ["sat", "sun"], "start": "08:00", "end": "20:00"},
    "start": "hello",
    "nodes": [
        {
            "id": "hello",
            "type": "action",
            "action": "webhook",
            "name": "Call the CRM",
            "params": {"url": "https://crm.invalid/x?a=1&b=2", "nested": {"a": [1, 2.5, None]}},
            "activities": ["Hook called"],
        },
        {"id": "1st-step", "type": "action", "action": "add_to_list", "params": {"list": "x"}},
        {"id": "morning", "type": "wait", "until": "09:00", "name": "Next morning"},
        {"id": "pause", "type": "wait", "duration": "PT90M"},
        {"id": "ab", "type": "decision", "mode": "split", "name": "A/B test"},
        {"id": "a_branch", "type": "action", "action": "send_email", "activities": ["A sent"]},
        {"id": "b_branch", "type": "action", "action": "notify_sales", "name": "b_branch"},
        {
            "id": "clicked",
            "type": "wait_for_event",
            "event": "email_click",
            "timeout": "P2D",
            "activities": ["Clicked"],
        },
        {"id": "check", "type": "decision", "name": "Try again?"},
        {"id": "spin", "type": "decision"},
        {"id": "orphan", "type": "action", "action": "create_task"},
        {"id": "done", "type": "end", "name": "Done", "activities": ["Finished"]},
    ],
    "edges": [
        {"from": "hello", "to": "1st-step"},
        {"from": "1st-step", "to": "morning"},
        {"from": "morning", "to": "pause"},
        {"from": "pause", "to": "ab"},
        {"from": "ab", "to": "a_branch", "weight": 0.25, "label": "A"},
        {"from": "ab", "to": "b_branch", "weight": 0.75},
        {"from": "a_branch", "to": "clicked"},
        {"from": "b_branch", "to": "clicked"},
        {"from": "clicked", "to": "done", "exit": "timeout"},
        {"from": "clicked", "to": "check", "exit": "event"},
        {"from": "check", "to": "hello", "condition": "retries < 3", "label": "again"},
        {"from": "check", "to": "spin", "condition": " maybe\n", "label": "perhaps"},
        {"from": "check", "to": "done", "default": True},
        {"from": "spin", "to": "spin", "condition": "still spinning"},
        {"from": "spin", "to": "done", "default": True},
        {"from": "orphan", "to": "done"},
    ],
}


def _same(a, b) -> bool:
    return dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


def _bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    assert b is not None, f"shape {shape.get('bpmnElement')} has no dc:Bounds"
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def _on_border(point, box) -> bool:
    x, y, w, h = box
    px, py = point
    inside = x - 0.5 <= px <= x + w + 0.5 and y - 0.5 <= py <= y + h + 0.5
    edge = min(abs(px - x), abs(px - x - w), abs(py - y), abs(py - y - h))
    return inside and edge < 0.5


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _crosses(a, b, box) -> bool:
    """Whether an axis-parallel segment runs through the inside of a box."""
    x, y, w, h = box
    (x1, y1), (x2, y2) = a, b
    return (
        max(x1, x2) > x + 1
        and min(x1, x2) < x + w - 1
        and max(y1, y2) > y + 1
        and (min(y1, y2) < y + h - 1)
    )


def check_bpmn(path: Path, workflow=None) -> etree._ElementTree:
    """Structural checks a modeler relies on; returns the parsed tree."""
    tree = parse_xml(path)
    root = tree.getroot()
    assert root.tag == f"{{{NS['bpmn']}}}definitions"
    process = root.find("bpmn:process", NS)
    nodes = {
        e.get("id"): e
        for e in process
        if isinstance(e.tag, str) and etree.QName(e).localname in FLOW_NODES
    }
    flows = {f.get("id"): f for f in process.findall("bpmn:sequenceFlow", NS)}
    ids = [
        e.get("id")
        for e in root.iter()
        if e.get("id") is not None and etree.QName(e).namespace in (NS["bpmn"], NS["bpmndi"])
    ]
    assert len(ids) == len(set(ids)), "XML ids must be unique"
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert set(shapes) == set(nodes), "every flow node has exactly one BPMNShape"
    assert set(edges) == set(flows), "every sequence flow has exactly one BPMNEdge"
    boxes = {key: _bounds(shape) for key, shape in shapes.items()}
    for key, (x, y, w, h) in boxes.items():
        assert x > 0 and y > 0 and w > 0 and h > 0, f"{key} is at ({x}, {y})"
    hosts = {e.get("id"): e.get("attachedToRef") for e in process.findall("bpmn:boundaryEvent", NS)}
    keys = sorted(boxes)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if hosts.get(a) == b or hosts.get(b) == a:
                continue
            assert not _overlap(boxes[a], boxes[b]), f"{a} overlaps {b}"
    for flow_id, flow in flows.items():
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        assert source in nodes and target in nodes, f"{flow_id} joins missing elements"
        points = [
            (float(p.get("x")), float(p.get("y")))
            for p in edges[flow_id].findall("di:waypoint", NS)
        ]
        assert len(points) >= 2
        assert all(x > 0 and y > 0 for x, y in points)
        assert _on_border(points[0], boxes[source]), f"{flow_id} does not leave {source}"
        assert _on_border(points[-1], boxes[target]), f"{flow_id} does not reach {target}"
        for (x1, y1), (x2, y2) in pairwise(points):
            assert x1 == x2 or y1 == y2, f"{flow_id} has a diagonal segment"
            for key, box in boxes.items():
                if key not in (source, target, hosts.get(source)):
                    assert not _crosses((x1, y1), (x2, y2), box), f"{flow_id} crosses {key}"
        for ref in nodes[source].findall("bpmn:outgoing", NS):
            if ref.text == flow_id:
                break
        else:
            pytest.fail(f"{source} does not list {flow_id} as outgoing")
    for gateway in process.findall("bpmn:exclusiveGateway", NS):
        outgoing = {f for f, flow in flows.items() if flow.get("sourceRef") == gateway.get("id")}
        if gateway.get("default"):
            assert gateway.get("default") in outgoing
        for f in outgoing:
            condition = flows[f].find("bpmn:conditionExpression", NS)
            if condition is not None:
                assert condition.get(f"{{{NS['xsi']}}}type") == "bpmn:tFormalExpression"
    for boundary_id, host_id in hosts.items():
        host = nodes[host_id]
        assert etree.QName(host).localname == "receiveTask"
        assert nodes[boundary_id].get("cancelActivity") == "true"
        timer = nodes[boundary_id].find("bpmn:timerEventDefinition/bpmn:timeDuration", NS)
        assert timer is not None and timer.text.startswith("P")
        hx, hy, hw, hh = boxes[host_id]
        bx, by, bw, bh = boxes[boundary_id]
        assert by + bh / 2 == hy + hh, "the timer sits on the bottom border of its task"
        assert hx <= bx and bx + bw <= hx + hw
    if workflow is not None:
        for node in workflow.nodes:
            if node.type == "wait_for_event":
                tasks = [
                    e
                    for e in nodes.values()
                    if etree.QName(e).localname == "receiveTask"
                    and e.find(".//{https://mejora.invalid/bpmn}node").get("nodeId") == node.id
                ]
                assert len(tasks) == 1
                assert tasks[0].get("id") in hosts.values()
    return tree


# -- export and round trip ------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_workflows_round_trip_through_bpmn(path, tmp_path):
    workflow = read_workflow(path)
    out = write_bpmn(workflow, tmp_path / f"{path.stem}.bpmn")
    check_bpmn(out, workflow)
    back = bpmn_to_workflow(out)
    assert back.source == str(out)
    assert _same(back, workflow)
    assert read_bpmn(out) == back


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_exports_use_the_standard_elements(path, tmp_path):
    workflow = read_workflow(path)
    out = write_bpmn(workflow, tmp_path / "wf.bpmn")
    process = parse_xml(out).getroot().find("bpmn:process", NS)
    assert len(process.findall("bpmn:startEvent", NS)) == 1
    kinds = {e.get("id"): etree.QName(e).localname for e in process}
    expected = {
        "send_email": "sendTask",
        "set_property": "serviceTask",
        "add_to_list": "serviceTask",
        "webhook": "serviceTask",
        "create_task": "userTask",
        "notify_sales": "userTask",
    }
    for node in workflow.nodes:
        kind = kinds[node.id]  # the sample ids are valid XML ids and are kept
        if node.type == "action":
            assert kind == expected[node.action]
        else:
            assert (
                kind
                == {
                    "wait": "intermediateCatchEvent",
                    "wait_for_event": "receiveTask",
                    "decision": "exclusiveGateway",
                    "end": "endEvent",
                }[node.type]
            )
    start = process.find("bpmn:startEvent", NS)
    first = process.find(f"bpmn:sequenceFlow[@sourceRef='{start.get('id')}']", NS)
    assert first.get("targetRef") == workflow.start
    assert start.get("name") == "; ".join(t.description for t in workflow.triggers)


def test_every_option_round_trips_and_lays_out(tmp_path):
    workflow = parse_workflow(EVERYTHING, source="everything")
    out = write_bpmn(workflow, tmp_path / "everything.bpmn")
    tree = check_bpmn(out, workflow)
    assert _same(bpmn_to_workflow(out), workflow)
    process = tree.getroot().find("bpmn:process", NS)
    # a wait until a clock time: a timer without a duration, the time in the extension
    morning = process.find("bpmn:intermediateCatchEvent[@id='morning']", NS)
    assert morning.find("bpmn:timerEventDefinition", NS) is not None
    assert morning.find(".//bpmn:timeDuration", NS) is None
    assert morning.find(".//{https://mejora.invalid/bpmn}node").get("until") == "09:00"
    assert "09:00" in morning.find("bpmn:documentation", NS).text
    pause = process.find("bpmn:intermediateCatchEvent[@id='pause']", NS)
    assert pause.find(".//bpmn:timeDuration", NS).text == "PT1H30M"
    # the split keeps its weights on the flows
    weights = sorted(
        float(f.get("{https://mejora.invalid/bpmn}weight"))
        for f in process.findall("bpmn:sequenceFlow[@sourceRef='ab']", NS)
    )
    assert weights == [0.25, 0.75]
    # an id that is no XML id (leading digit) is renamed in the XML and restored on import
    assert process.find("bpmn:serviceTask[@id='_1st-step']", NS) is not None
    # loops (a back edge and a self loop) are routed too
    assert process.find("bpmn:sequenceFlow[@sourceRef='spin'][@targetRef='spin']", NS) is not None
    params = process.find(".//{https://mejora.invalid/bpmn}node[@nodeId='hello']")
    assert json.loads(params.find("{https://mejora.invalid/bpmn}params").text) == dict(
        workflow.node("hello").params
    )


def _random_workflow(seed: int) -> dict:
    """A valid workflow with random branches, long edges, loops and unreachable steps."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(4 + seed % 25)]
    kinds = ["action", "action", "wait", "wait_for_event", "decision", "end"]
    nodes, edges = [], []
    for i, node_id in enumerate(ids):
        kind = "end" if node_id == ids[-1] else rng.choice(kinds)
        later = ids[i + 1 :] or ids[-1:]

        def target(later=later):
            return rng.choice(later) if rng.random() < 0.8 else rng.choice(ids)

        node = {"id": node_id, "type": kind}
        if kind == "action":
            node["action"] = rng.choice(["send_email", "webhook", "create_task"])
            edges.append({"from": node_id, "to": target()})
        elif kind == "wait":
            node["duration"] = "P1D"
            edges.append({"from": node_id, "to": target()})
        elif kind == "wait_for_event":
            node.update(event="email_click", timeout="P2D")
            edges.append({"from": node_id, "to": target(), "exit": "event"})
            edges.append({"from": node_id, "to": target(), "exit": "timeout"})
        elif kind == "decision":
            ways = rng.randint(2, 3)
            for j in range(ways):
                extra = {"default": True} if j == ways - 1 else {"condition": f"c{j}"}
                edges.append({"from": node_id, "to": target(), **extra})
        nodes.append(node)
    data = {"id": f"r{seed}", "name": "random", "version": 1, "start": "n0"}
    return {**data, "nodes": nodes, "edges": edges}


@pytest.mark.parametrize("seed", range(60))
def test_random_designs_lay_out_cleanly_and_round_trip(seed, tmp_path):
    workflow = parse_workflow(_random_workflow(seed), source="random")
    out = write_bpmn(workflow, tmp_path / "random.bpmn")
    check_bpmn(out, workflow)  # no overlaps, no edge through a shape, borders joined
    assert _same(bpmn_to_workflow(out), workflow)


def test_the_extension_has_no_id_attributes(tmp_path):
    # engines that index every element with an id would take mejora:node for the task
    root = etree.fromstring(workflow_to_bpmn(parse_workflow(EVERYTHING)))
    mejora = [e for e in root.iter() if etree.QName(e).namespace == "https://mejora.invalid/bpmn"]
    assert mejora and not [e for e in mejora if "id" in e.attrib]


def test_layout_goes_left_to_right_with_branches_below(tmp_path):
    workflow = read_workflow(ROOT / "sample_logs" / "workflows" / "reengagement.yaml")
    root = etree.fromstring(workflow_to_bpmn(workflow))
    boxes = {s.get("bpmnElement"): _bounds(s) for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    x = {key: box[0] + box[2] / 2 for key, box in boxes.items()}
    y = {key: box[1] + box[3] / 2 for key, box in boxes.items()}
    for edge in workflow.edges:
        assert x[edge.source] < x[edge.target]
    assert y["offer_email"] == y["winback_open"]  # exit: event goes straight on
    assert y["last_chance_email"] > y["winback_open"]  # exit: timeout goes below


def test_a_name_changed_in_a_modeler_is_kept(tmp_path):
    workflow = read_workflow(SAMPLES[0])
    node = workflow.nodes[1]
    root = etree.fromstring(workflow_to_bpmn(workflow))
    root.find(f".//*[@id='{node.id}']").set("name", "Renamed in Camunda")
    path = tmp_path / "edited.bpmn"
    path.write_bytes(etree.tostring(root))
    back = bpmn_to_workflow(path)
    assert back.node(node.id).name == "Renamed in Camunda"
    changed = tuple(
        dataclasses.replace(n, name="Renamed in Camunda") if n.id == node.id else n
        for n in workflow.nodes
    )
    assert _same(back, dataclasses.replace(workflow, nodes=changed))


# -- safety ---------------------------------------------------------------------------------


def test_a_bpmn_with_a_dtd_is_refused(tmp_path):
    path = tmp_path / "bomb.bpmn"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n'
        f'<bpmn:definitions xmlns:bpmn="{NS["bpmn"]}"><bpmn:process id="p">'
        '<bpmn:startEvent id="s" name="&lol2;"/></bpmn:process></bpmn:definitions>\n'
    )
    with pytest.raises(UnsafeFileError, match="DTD"):
        bpmn_to_workflow(path)


def test_missing_and_non_bpmn_files_are_workflow_errors(tmp_path):
    with pytest.raises(WorkflowError, match="no such file"):
        bpmn_to_workflow(tmp_path / "nope.bpmn")
    other = tmp_path / "other.xml"
    other.write_text("<log><trace/></log>")
    with pytest.raises(WorkflowError, match=r"not a BPMN 2\.0 file"):
        bpmn_to_workflow(other)


# -- files from other tools -----------------------------------------------------------------


def _foreign(tmp_path: Path, body: str, name: str = "foreign.bpmn") -> Path:
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions xmlns="{NS["bpmn"]}" xmlns:xsi="{NS["xsi"]}" id="d" '
        'targetNamespace="http://example.invalid">\n'
        f'<process id="Order-Process" name="Order handling" isExecutable="true">{body}</process>'
        "</definitions>\n",
        encoding="utf-8",
    )
    return path


FOREIGN = """
  <startEvent id="Start" name="Order received"/>
  <task id="Task-Register" name="Register  order"/>
  <exclusiveGateway id="Gw_Split" name="Big order?" default="f_small"/>
  <userTask id="Task_Check" name="Check credit"/>
  <sendTask id="Task_Confirm" name="Send confirmation"/>
  <intermediateCatchEvent id="Wait2" name="Two days">
    <timerEventDefinition><timeDuration>P2D</timeDuration></timerEventDefinition>
  </intermediateCatchEvent>
  <exclusiveGateway id="Gw_Merge"/>
  <endEvent id="End" name="Done"/>
  <sequenceFlow id="f0" sourceRef="Start" targetRef="Task-Register"/>
  <sequenceFlow id="f1" sourceRef="Task-Register" targetRef="Gw_Split"/>
  <sequenceFlow id="f_big" name="big" sourceRef="Gw_Split" targetRef="Task_Check">
    <conditionExpression xsi:type="tFormalExpression">${amount &gt; 1000}</conditionExpression>
  </sequenceFlow>
  <sequenceFlow id="f_small" sourceRef="Gw_Split" targetRef="Wait2"/>
  <sequenceFlow id="f2" sourceRef="Task_Check" targetRef="Gw_Merge"/>
  <sequenceFlow id="f3" sourceRef="Wait2" targetRef="Gw_Merge"/>
  <sequenceFlow id="f4" sourceRef="Gw_Merge" targetRef="Task_Confirm"/>
  <sequenceFlow id="f5" sourceRef="Task_Confirm" targetRef="End"/>
"""


def test_a_bpmn_from_another_tool_is_mapped(tmp_path):
    workflow = bpmn_to_workflow(_foreign(tmp_path, FOREIGN))
    assert (workflow.id, workflow.name, workflow.version, workflow.status) == (
        "Order_Process",
        "Order handling",
        1,
        "draft",
    )
    assert workflow.start == "Task_Register"
    assert [t.description for t in workflow.triggers] == ["Order received"]
    kinds = {n.id: (n.type, n.action) for n in workflow.nodes}
    assert kinds == {
        "Task_Register": ("action", "set_property"),
        "Gw_Split": ("decision", None),
        "Task_Check": ("action", "create_task"),
        "Task_Confirm": ("action", "send_email"),
        "Wait2": ("wait", None),
        "End": ("end", None),
    }  # the merge-only gateway is folded into its successor
    register = workflow.node("Task_Register")
    assert register.name == "Register order"
    assert register.activities == ("Register order",)
    assert workflow.node("Wait2").duration.days == 2
    split = {e.target: e for e in workflow.outgoing("Gw_Split")}
    assert split["Task_Check"].condition == "${amount > 1000}"
    assert split["Task_Check"].label == "big"
    assert split["Wait2"].default and not split["Task_Check"].default
    assert [e.target for e in workflow.outgoing("Task_Check")] == ["Task_Confirm"]
    assert [e.target for e in workflow.outgoing("Wait2")] == ["Task_Confirm"]
    assert not [f for f in lint_workflow(workflow) if f.rule in ("dead-end", "unreachable")]


def test_a_foreign_gateway_without_default_is_left_to_lint(tmp_path):
    body = FOREIGN.replace(' default="f_small"', "")
    workflow = bpmn_to_workflow(_foreign(tmp_path, body))
    assert not any(e.default for e in workflow.outgoing("Gw_Split"))
    rules = {(f.rule, f.node) for f in lint_workflow(workflow)}
    assert ("decision-without-default", "Gw_Split") in rules


def test_a_foreign_receive_task_with_a_timer_becomes_a_wait_for_event(tmp_path):
    body = """
      <startEvent id="s"/>
      <receiveTask id="reply" name="Customer replied" messageRef="m1"/>
      <boundaryEvent id="late" attachedToRef="reply">
        <timerEventDefinition><timeDuration>PT12H</timeDuration></timerEventDefinition>
      </boundaryEvent>
      <endEvent id="ok"/><endEvent id="chase"/>
      <sequenceFlow id="a" sourceRef="s" targetRef="reply"/>
      <sequenceFlow id="b" sourceRef="reply" targetRef="ok"/>
      <sequenceFlow id="c" sourceRef="late" targetRef="chase"/>
    """
    path = _foreign(tmp_path, body)
    text = path.read_text().replace("<process", '<message id="m1" name="reply_received"/><process')
    path.write_text(text)
    workflow = bpmn_to_workflow(path)
    node = workflow.node("reply")
    assert (node.type, node.event, node.timeout.total_seconds()) == (
        "wait_for_event",
        "reply_received",
        12 * 3600,
    )
    assert {(e.target, e.exit) for e in workflow.outgoing("reply")} == {
        ("ok", "event"),
        ("chase", "timeout"),
    }


def test_parallel_gateways_are_refused(tmp_path):
    body = """
      <startEvent id="s"/><parallelGateway id="fork"/><task id="a"/><task id="b"/>
      <parallelGateway id="join"/><endEvent id="e"/>
      <sequenceFlow id="f1" sourceRef="s" targetRef="fork"/>
      <sequenceFlow id="f2" sourceRef="fork" targetRef="a"/>
      <sequenceFlow id="f3" sourceRef="fork" targetRef="b"/>
      <sequenceFlow id="f4" sourceRef="a" targetRef="join"/>
      <sequenceFlow id="f5" sourceRef="b" targetRef="join"/>
      <sequenceFlow id="f6" sourceRef="join" targetRef="e"/>
    """
    path = _foreign(tmp_path, body)
    with pytest.raises(WorkflowError) as info:
        bpmn_to_workflow(path)
    assert len(info.value.problems) == 2
    assert all(str(path) in p and "state machines" in p for p in info.value.problems)
    assert "'fork'" in info.value.problems[0] and "'join'" in info.value.problems[1]


def test_implicit_parallel_splits_and_other_gateways_are_refused(tmp_path):
    body = """
      <startEvent id="s"/><task id="a"/><endEvent id="e1"/><endEvent id="e2"/>
      <inclusiveGateway id="inc"/>
      <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
      <sequenceFlow id="f2" sourceRef="a" targetRef="e1"/>
      <sequenceFlow id="f3" sourceRef="a" targetRef="e2"/>
    """
    with pytest.raises(WorkflowError, match="inclusiveGateway 'inc'"):
        bpmn_to_workflow(_foreign(tmp_path, body))
    with pytest.raises(WorkflowError, match=r"task 'a' has 2 outgoing flows.*state machines"):
        bpmn_to_workflow(_foreign(tmp_path, body.replace('<inclusiveGateway id="inc"/>', "")))


def test_the_running_example_is_refused_for_its_parallel_gateway(shared_logs):
    path = LOGS / "running-example.bpmn"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    with pytest.raises(WorkflowError) as info:
        bpmn_to_workflow(path)
    message = str(info.value)
    assert "parallel gateway" in message and str(path) in message
    assert "idffd64fe5-2f7f-4ab0-b08d-121be76f6dd8" in message
    assert "no parallel branches" in message


# -- command line ---------------------------------------------------------------------------


def test_cli_export_bpmn(tmp_path, capsys):
    path = ROOT / "sample_logs" / "workflows" / "welcome_nurture.yaml"
    out = tmp_path / "welcome.bpmn"
    assert main(["workflow", "export-bpmn", str(path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "19 flow nodes" in printed and "19 sequence flows" in printed
    check_bpmn(out)
    assert _same(bpmn_to_workflow(out), read_workflow(path))


def test_cli_export_bpmn_of_an_invalid_workflow_fails_cleanly(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: x\nversion: 1\nstart: a\nnodes: []\nedges: []\n")
    assert main(["workflow", "export-bpmn", str(bad), "-o", str(tmp_path / "x.bpmn")]) == 2
    assert "nodes must be a non-empty list" in capsys.readouterr().err
    assert not (tmp_path / "x.bpmn").exists()
