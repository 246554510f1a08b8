"""Designed workflows: the format validates with precise messages, lint finds design smells."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from automation import (
    Node,
    WorkflowError,
    format_duration,
    lint_workflow,
    outline,
    parse_duration,
    parse_workflow,
    read_workflow,
    workflow_schema,
)
from mejora.cli import main
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "sample_logs" / "workflows").glob("*.yaml"))
REENGAGEMENT = ROOT / "sample_logs" / "workflows" / "reengagement.yaml"

MINIMAL = {
    "id": "t",
    "name": "test",
    "version": 1,
    "start": "a",
    "goals": [{"id": "g", "activities": ["Won"]}],
    "nodes": [
        {"id": "a", "type": "action", "action": "set_property"},
        {"id": "z", "type": "end"},
    ],
    "edges": [{"from": "a", "to": "z"}],
}


def _with(**changes):
    data = json.loads(json.dumps(MINIMAL))
    data.update(changes)
    return data


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_workflows_validate_and_match_the_published_schema(path):
    workflow = read_workflow(path)
    assert workflow.start in {n.id for n in workflow.nodes}
    jsonschema.validate(yaml.safe_load(path.read_text()), workflow_schema())
    jsonschema.validate(workflow.to_dict(), workflow_schema())


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_round_trip_through_dict_and_json(path, tmp_path):
    workflow = read_workflow(path)
    assert parse_workflow(workflow.to_dict(), source=str(path)) == workflow
    as_json = tmp_path / "wf.json"
    as_json.write_text(json.dumps(workflow.to_dict()))
    again = read_workflow(as_json)
    assert again.nodes == workflow.nodes and again.edges == workflow.edges


def test_every_node_lists_log_labels_that_join_with_the_design():
    workflow = read_workflow(ROOT / "sample_logs" / "workflows" / "welcome_nurture.yaml")
    labels = workflow.activity_map()
    assert labels["Welcome email sent"] == "welcome_email"
    assert labels["Nurture email 1 clicked"] == "nurture_1_click"


def test_problems_name_the_file_and_the_node_all_at_once():
    data = _with(
        nodes=[
            {"id": "a", "type": "action", "action": "send_sms"},
            {"id": "w", "type": "wait", "duration": "3 days"},
            {"id": "z", "type": "end"},
        ],
        edges=[{"from": "a", "to": "w"}, {"from": "w", "to": "zz"}],
    )
    with pytest.raises(WorkflowError) as info:
        parse_workflow(data, source="wf.yaml")
    problems = info.value.problems
    assert "wf.yaml, node 'a': action must be one of send_email" in problems[0]
    assert any(
        p.startswith("wf.yaml, node 'w': '3 days' is not an ISO-8601 duration") for p in problems
    )
    assert any("edge #2 (w -> zz): 'to' names no node: 'zz'" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"version": 0}, "version must be a positive integer"),
        ({"status": "live"}, "status must be one of draft, active, archived"),
        ({"start": "nope"}, "start node 'nope' is not among the nodes"),
        ({"colour": "red"}, "unknown field 'colour'"),
        (
            {
                "nodes": [
                    {"id": "a", "type": "action", "action": "webhook", "timeout": "P1D"},
                    {"id": "z", "type": "end"},
                ]
            },
            "node 'a': field 'timeout' does not apply to a action node",
        ),
        (
            {
                "nodes": [
                    {"id": "a b", "type": "action", "action": "webhook"},
                    {"id": "z", "type": "end"},
                ],
                "start": "a b",
                "edges": [{"from": "a b", "to": "z"}],
            },
            "node 'a b': ids use letters, digits",
        ),
        ({"edges": [{"from": "a", "to": "z", "exit": "event"}]}, "only a wait_for_event's edges"),
        ({"edges": [{"from": "a", "to": "z", "colour": 1}]}, r"edge #1 \(a -> z\): unknown field"),
        (
            {
                "nodes": [{"id": "a", "type": "decision"}, {"id": "z", "type": "end"}],
                "edges": [{"from": "a", "to": "z", "weight": 0.5, "default": True}],
            },
            "weights belong to A/B splits",
        ),
        (
            {"edges": [{"from": "a", "to": "z"}, {"from": "a", "to": "a"}]},
            "node 'a': a action continues along one edge, not 2; add a decision",
        ),
        ({"edges": [{"from": "a", "to": "z", "condition": "x > 1"}]}, "only decisions carry"),
        (
            {
                "nodes": [
                    {"id": "a", "type": "wait_for_event", "event": "email_click", "timeout": "P3D"},
                    {"id": "z", "type": "end"},
                ],
                "edges": [{"from": "a", "to": "z", "exit": "event"}],
            },
            "needs exactly two edges, one with exit: event and one with exit: timeout",
        ),
        (
            {
                "nodes": [
                    {"id": "a", "type": "decision", "mode": "split"},
                    {"id": "z", "type": "end"},
                ],
                "edges": [
                    {"from": "a", "to": "z", "weight": 0.5},
                    {"from": "a", "to": "z", "weight": 0.2},
                ],
            },
            "an A/B split needs a weight on every edge, adding up to 1",
        ),
    ],
)
def test_structural_rules(change, expected):
    with pytest.raises(WorkflowError, match=expected):
        parse_workflow(_with(**change), source="wf.yaml")


def test_yaml_on_key_trap_is_explained(tmp_path):
    text = yaml.safe_dump(MINIMAL).replace("- from: a\n", "- from: a\n  on: event\n")
    path = tmp_path / "wf.yaml"
    path.write_text(text)
    with pytest.raises(WorkflowError, match="use 'exit: event'"):
        read_workflow(path)


def test_durations():
    assert parse_duration("P1DT6H") == timedelta(days=1, hours=6)
    assert parse_duration("PT90M") == timedelta(minutes=90)
    assert format_duration(timedelta(days=7)) == "P7D"
    assert format_duration(timedelta(hours=26, minutes=5)) == "P1DT2H5M"
    assert format_duration(parse_duration("PT1.5S")) == "PT1.5S"
    for bad in ("P1M2D", "P", "PT", "P1DT", "3d", "P1Y"):
        with pytest.raises(ValueError, match="is not an ISO-8601 duration"):
            parse_duration(bad)


def test_planted_design_smells_of_the_reengagement_workflow():
    findings = {f.id for f in lint_workflow(read_workflow(REENGAGEMENT))}
    assert findings == {
        "branch-on-opens:winback_open",
        "no-goal",
        "no-send-window",
        "reenrollment-without-cooldown",
        "wait-before-end:cool_off",
    }


@pytest.mark.parametrize("path", [p for p in SAMPLES if p != REENGAGEMENT], ids=lambda p: p.stem)
def test_well_designed_samples_are_clean(path):
    assert lint_workflow(read_workflow(path)) == []


def test_graph_smells():
    data = _with(
        nodes=[
            {"id": "a", "type": "action", "action": "set_property"},
            {"id": "d", "type": "decision"},
            {"id": "w1", "type": "wait", "duration": "P1D"},
            {"id": "w2", "type": "wait", "duration": "P1D"},
            {"id": "loop1", "type": "action", "action": "set_property"},
            {"id": "loop2", "type": "action", "action": "set_property"},
            {"id": "orphan", "type": "action", "action": "webhook"},
            {"id": "z", "type": "end"},
        ],
        edges=[
            {"from": "a", "to": "d"},
            {"from": "d", "to": "w1", "condition": "x"},
            {"from": "d", "to": "loop1", "condition": "y"},
            {"from": "w1", "to": "w2"},
            {"from": "loop1", "to": "loop2"},
            {"from": "loop2", "to": "loop1"},
            {"from": "orphan", "to": "z"},
        ],
    )
    found = {f.id for f in lint_workflow(parse_workflow(data))}
    assert found == {
        "consecutive-waits:w1",
        "dead-end:w2",
        "decision-without-default:d",
        "loop-without-exit:loop1",
        "unreachable:orphan",
        "unreachable:z",
    }


def test_outline_reads_in_contact_order():
    text = outline(read_workflow(REENGAGEMENT))
    assert text.splitlines()[0] == "Win back inactive contacts (reengagement, version 2, active)"
    assert " 2. Opened the win-back email? (wait for email_open, at most P5D)" in text
    assert "-> 4. Last chance - stay subscribed?  (on timeout)" in text


def test_cli(capsys, tmp_path):
    assert main(["workflow", "validate", str(REENGAGEMENT)]) == 0
    assert "valid workflow 'reengagement' version 2 (9 nodes, 8 edges)" in capsys.readouterr().out
    assert main(["workflow", "lint", str(REENGAGEMENT), "--json"]) == 0
    rules = [f["rule"] for f in json.loads(capsys.readouterr().out)]
    assert "branch-on-opens" in rules
    assert main(["workflow", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Mejora designed workflow"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(_with(start="nope", status="live")))
    assert main(["workflow", "validate", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith(f"mejora: error: {broken}") for line in err)
    assert main(["workflow", "show", str(Path("missing.yaml"))]) == 2


def test_yaml_scalars_in_text_fields_stay_text():
    data = _with(
        nodes=[
            {"id": "a", "type": "wait_for_event", "event": 404, "timeout": "P1D"},
            {"id": "d", "type": "decision"},
            {"id": "z", "type": "end"},
        ],
        edges=[
            {"from": "a", "to": "d", "exit": "event"},
            {"from": "a", "to": "z", "exit": "timeout"},
            {"from": "d", "to": "z", "condition": True},
            {"from": "d", "to": "z", "default": True},
        ],
    )
    workflow = parse_workflow(data)
    assert workflow.node("a").event == "404"
    assert workflow.outgoing("d")[0].condition == "True"
    assert parse_workflow(workflow.to_dict()) == workflow


def test_the_documented_example_is_a_valid_clean_workflow():
    text = (ROOT / "docs" / "workflows.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow = parse_workflow(yaml.safe_load(block), source="docs/workflows.md")
    assert workflow.id == "welcome-nurture"
    assert lint_workflow(workflow) == []


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("email_click", "clicked"),
        ("clicked_invite_link", "clicked"),
        ("email_open", "opened"),
        ("proposal_reply", "replied"),
        ("respuesta_cliente", "replied"),
        ("form_submitted", "form_submitted"),
        ("webinar_started", None),
    ],
)
def test_what_a_wait_for_event_waits_for_is_read_from_its_name(event, kind):
    """Rules, the what-if and the simulator read a wait's event by its words, not its literal
    name, so a platform's own names (an n8n or journey tool export) mean the same."""
    wait = Node("w", "wait_for_event", event=event, timeout=timedelta(days=1))
    assert wait.awaits == kind
    assert Node("w", "wait", duration=timedelta(days=1)).awaits is None
