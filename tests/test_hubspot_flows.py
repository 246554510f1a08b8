"""HubSpot workflows (automation v4 flows) as workflows: the documentation's example flow and a
flow with every branch kind read with a mapping report, a read -> write -> read round trip keeps
every node, edge, wait, condition, goal, window and trigger, and the command line imports and
exports them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from automation import hubspot_to_workflow, read_workflow, workflow_to_hubspot
from automation._petri import workflow_to_petri_net
from mejora.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"
DOCS = FIXTURES / "flow_585051946.json"
NURTURE = FIXTURES / "lead_nurturing.json"


def _read(path: Path):
    return hubspot_to_workflow(json.loads(path.read_text()), str(path))


def test_the_documentation_example_reads():
    workflow, report = _read(DOCS)
    assert workflow.id == "hubspot-585051946" and workflow.version == 7
    assert [(n.id, n.type, n.action) for n in workflow.nodes] == [
        ("1", "action", "add_to_list"),
        ("2", "action", "notify_sales"),
        ("end", "end", None),
    ]
    assert workflow.node("1").params["hubspot"]["fields"] == {"operation": "ADD", "list_id": "178"}
    assert workflow.triggers[0].description == "HubSpot event based enrollment (4-1639801)"
    assert report.unmapped == [] and len(report.mapped) == 2


def test_delays_waits_for_events_and_branches_map_to_their_kinds():
    workflow, report = _read(NURTURE)
    kinds = {n.id: n.type for n in workflow.nodes}
    assert kinds == {
        "1": "decision",
        "2": "action",
        "5": "wait",
        "6": "wait_for_event",
        "8": "decision",
        "3": "action",
        "4": "action",
        "end": "end",
    }  # the static branch 7 on the wait's outcome is part of wait 6
    assert workflow.node("5").duration.days == 3
    wait = workflow.node("6")
    assert (wait.timeout.days, wait.event) == (7, "hubspot_event_4-666440")
    assert {(e.exit, e.target) for e in workflow.outgoing("6")} == {
        ("event", "8"),
        ("timeout", "4"),
    }
    static = {e.label: (e.condition, e.default) for e in workflow.outgoing("1")}
    assert static == {
        "NEW": ("hs_lead_status = 'NEW'", False),
        "QUALIFIED": ("hs_lead_status = 'QUALIFIED'", False),
        "Default Path": (None, True),
    }
    assert [e.condition for e in workflow.outgoing("8")] == ["lifecyclestage = 'lead'", None]
    assert workflow.goals[0].condition == "lifecyclestage in ('salesqualifiedlead', 'customer',)"
    assert workflow.send_window.days == ("mon", "tue", "wed", "thu", "fri")
    assert workflow.suppression == ("list 12",) and workflow.status == "draft"
    assert any("time zone" in line for line in report.unmapped)
    workflow_to_petri_net(workflow)  # conformance takes it


def test_a_read_write_read_round_trip_keeps_everything():
    for path in (DOCS, NURTURE):
        first, _ = _read(path)
        flow, report = workflow_to_hubspot(first)
        again, _ = hubspot_to_workflow(json.loads(json.dumps(flow)))
        assert (again.nodes, again.edges, again.start) == (first.nodes, first.edges, first.start)
        assert (again.goals, again.send_window, again.triggers, again.suppression) == (
            first.goals,
            first.send_window,
            first.triggers,
            first.suppression,
        )
        assert report.unmapped == []
    flow, _ = workflow_to_hubspot(_read(NURTURE)[0])
    wait = next(a for a in flow["actions"] if a["actionId"] == "6")
    assert wait["fields"]["expiration_minutes"] == "10080" and flow["revisionId"] == "3"


def test_what_hubspot_cannot_hold_is_reported_when_writing_a_mejora_workflow():
    own = read_workflow(Path(__file__).parent.parent / "sample_logs/workflows/welcome_nurture.yaml")
    flow, report = workflow_to_hubspot(own)
    unmapped = " | ".join(report.unmapped)
    assert "set the event it waits for in HubSpot" in unmapped  # email_click: no event type id
    assert "not a simple comparison" in unmapped  # fit in ('A', 'B') and moment <= 2
    ids = [a["actionId"] for a in flow["actions"]]
    assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
    again, _ = hubspot_to_workflow(json.loads(json.dumps(flow)))
    steps = [n for n in own.nodes if n.type != "end"]  # HubSpot has no end steps: one "end"
    assert len([n for n in again.nodes if n.type != "end"]) == len(steps)


def test_import_and_export_from_the_command_line(tmp_path, capsys):
    store = ["--workflows", str(tmp_path / "wf")]
    assert main(["workflow", "import", str(NURTURE), "--by", "ana", *store]) == 0
    out = capsys.readouterr().out
    assert "a workflow exported from HubSpot, saved as 'hubspot-620145' revision 1" in out
    target = tmp_path / "flow.json"
    args = ["workflow", "export", "hubspot-620145", "-o", str(target), "-f", "hubspot", *store]
    assert main(args) == 0
    assert read_workflow(target).edges == read_workflow(NURTURE).edges


def test_a_log_named_by_the_flows_actions_checks_against_it(tmp_path):
    import mining

    workflow, _ = _read(NURTURE)
    names = {n.id: n.name for n in workflow.nodes}
    rows = []
    for case, path in {
        "new": ["2", "6", "3"],  # email, opened within the week, lead: a task
        "late": ["2", "4"],  # email, no open within the week: set the property
        "odd": ["3", "2"],  # a task first: not the design
    }.items():
        for i, step in enumerate(path):
            rows.append({"case": case, "activity": names[step], "timestamp": f"2025-06-0{i + 1}"})
    source = tmp_path / "runs.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    result = mining.check_conformance(mining.read_log(source), *workflow_to_petri_net(workflow))
    fitness = result.cases.set_index("case_id")["fitness"]
    assert fitness["new"] == fitness["late"] == 1.0 and fitness["odd"] < 1.0
