"""Salesforce flows (``.flow-meta.xml``) as workflows: a record-triggered flow with a decision of
two outcomes, email and Chatter actions, a record update and create, a fault path and a scheduled
path reads with a mapping report; a read -> write -> read round trip keeps every node, edge, wait
and condition; the hardened parser refuses a DTD; a log named by the flow's labels checks
against it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mining
from automation import WorkflowError, read_workflow, salesforce_to_workflow, workflow_to_salesforce
from automation._petri import workflow_to_petri_net
from mejora.cli import main

FLOW = Path(__file__).parent / "fixtures" / "salesforce" / "Opportunity_Follow_Up.flow-meta.xml"


def _by_id(workflow):
    return {n.id: n for n in workflow.nodes}, sorted(workflow.edges, key=repr)


def test_the_flow_maps_every_element_to_its_kind():
    workflow, report = salesforce_to_workflow(FLOW)
    kinds = {n.id: (n.type, n.action) for n in workflow.nodes}
    assert kinds == {
        "Send_Thank_You": ("action", "send_email"),
        "Notify_Owner": ("action", "notify_sales"),
        "Log_Error": ("action", "webhook"),
        "Stage_Outcome": ("decision", None),
        "Mark_Followed_Up": ("action", "set_property"),
        "Create_Reminder_Task": ("action", "set_property"),
        "Three_Days_Later_wait": ("wait", None),
        "start_paths": ("decision", None),
        "end": ("end", None),
    }
    outcomes = {e.label: (e.condition, e.default) for e in workflow.outgoing("Stage_Outcome")}
    assert outcomes == {
        "Won": ("StageName = 'Closed Won' and Amount > 0.0", False),
        "Lost": ("StageName = 'Closed Lost' or IsClosed = True", False),
        "Still open": (None, True),
    }
    assert workflow.node("Three_Days_Later_wait").duration.days == 3
    assert workflow.start == "start_paths" and workflow.node("start_paths").mode == "split"
    assert workflow.status == "active" and workflow.name == "Opportunity follow-up"
    unmapped = " | ".join(report.unmapped)
    assert "its fault path is not kept" in unmapped and "side by side" in unmapped
    assert "(apex): no Mejora equivalent" in unmapped


def test_a_read_write_read_round_trip_keeps_every_node_edge_wait_and_condition(tmp_path):
    first, _ = salesforce_to_workflow(FLOW)
    body, report = workflow_to_salesforce(first)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    path = tmp_path / "Back.flow-meta.xml"
    path.write_bytes(body)
    again, _ = salesforce_to_workflow(path)
    assert _by_id(again) == _by_id(first) and again.start == first.start
    assert again.triggers == first.triggers and report.unmapped == []
    # the actions' own XML (inputs, action names) is written back as it was
    assert b"<stringValue>Gracias por su confianza</stringValue>" in body


def test_a_flow_with_a_dtd_is_refused_before_parsing(tmp_path):
    text = FLOW.read_text().replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Flow [<!ENTITY x "boom">]>',
    )
    path = tmp_path / "Bad.flow-meta.xml"
    path.write_text(text)
    with pytest.raises(WorkflowError, match=r"Bad\.flow-meta\.xml: refused"):
        read_workflow(path)


def test_a_log_named_by_the_flows_labels_checks_against_it(tmp_path):
    rows = []
    for case, path in {
        "006A": ["Send thank-you email", "Mark as followed up"],
        "006B": ["Tell the owner in Chatter"],
        "006C": ["Create reminder task"],
        "006D": ["Mark as followed up"],
    }.items():
        for i, step in enumerate(path):
            rows.append({"case": case, "activity": step, "timestamp": f"2025-04-0{i + 1} 09:00"})
    source = tmp_path / "flow_runs.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    log = mining.read_log(source)
    workflow = read_workflow(FLOW)
    fitness = mining.check_conformance(log, *workflow_to_petri_net(workflow)).cases
    fitness = fitness.set_index("case_id")["fitness"]
    assert fitness["006A"] == fitness["006B"] == fitness["006C"] == 1.0
    assert fitness["006D"] < 1.0  # marked as followed up without the email


def test_import_export_and_conformance_from_the_command_line(tmp_path, capsys):
    store = ["--workflows", str(tmp_path / "wf")]
    assert main(["workflow", "import", str(FLOW), "--by", "ana", *store]) == 0
    out = capsys.readouterr().out
    assert "exported from Salesforce, saved as 'salesforce-Opportunity_Follow_Up'" in out
    target = tmp_path / "Out.flow-meta.xml"
    wid = "salesforce-Opportunity_Follow_Up"
    args = ["workflow", "export", wid, "-o", str(target), "-f", "salesforce-flow", *store]
    assert main(args) == 0
    assert _by_id(read_workflow(target)) == _by_id(read_workflow(FLOW))


def test_suggest_runs_on_every_platforms_design_and_sees_what_it_lacks(tmp_path):
    """A design read from any platform goes through the same rules: the flows without a goal
    get the no-goal suggestion, HubSpot's flow with its goal criteria does not."""
    from automation import suggest

    fixtures = Path(__file__).parent / "fixtures"
    designs = {
        "salesforce": FLOW,
        "n8n": fixtures / "n8n" / "lead_follow_up.json",
        "hubspot": fixtures / "hubspot" / "lead_nurturing.json",
        "mautic": fixtures / "mautic" / "campaign_3_bienvenida.json",
    }
    for platform, path in designs.items():
        workflow = read_workflow(path)
        rows = [
            {"case": f"c{i}", "activity": label, "timestamp": f"2025-05-{i + 1:02d} 0{j}:00"}
            for i in range(12)
            for j, label in enumerate(n.activities[0] for n in workflow.nodes if n.activities)
        ]
        source = tmp_path / f"{platform}.csv"
        pd.DataFrame(rows).to_csv(source, index=False)
        report = suggest(workflow, mining.read_log(source))
        rules = {s.rule for s in report.suggestions}
        assert ("no-goal" in rules) == (platform != "hubspot"), (platform, rules)


def test_a_loop_is_reported_and_the_rest_of_the_flow_still_checks(tmp_path):
    text = FLOW.read_text().replace(
        "<targetReference>Mark_Followed_Up</targetReference>",
        "<targetReference>Each_Contact</targetReference>",
        1,
    )
    loop = """    <loops>
        <name>Each_Contact</name>
        <label>Each contact role</label>
        <collectionReference>Get_Contacts</collectionReference>
        <iterationOrder>Asc</iterationOrder>
        <nextValueConnector>
            <targetReference>Notify_Owner</targetReference>
        </nextValueConnector>
        <noMoreValuesConnector>
            <targetReference>Mark_Followed_Up</targetReference>
        </noMoreValuesConnector>
    </loops>
"""
    text = text.replace("    <processType>", loop + "    <processType>")
    path = tmp_path / "Looping.flow-meta.xml"
    path.write_text(text)
    workflow, report = salesforce_to_workflow(path)
    assert any("loop 'Each_Contact' over a collection" in line for line in report.unmapped)
    assert {e.label for e in workflow.outgoing("Each_Contact")} == {"next value", "no more values"}
    workflow_to_petri_net(workflow)  # conformance runs on the rest
    body, written = workflow_to_salesforce(workflow)
    assert b"<loops>" in body and any("set its collection" in line for line in written.unmapped)
