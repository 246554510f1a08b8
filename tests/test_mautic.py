"""Mautic campaigns as workflows: both shapes Mautic gives (the REST API's and the campaign
export's) read to one workflow, every event and connection is accounted for in the mapping
report, a read -> write -> read round trip keeps every node, edge, wait and condition, and the
campaign log of the same campaign checks against it by the event names Mautic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mining
from automation import read_workflow
from automation._mautic import NO_PATH, is_mautic_campaign, mautic_to_workflow, workflow_to_mautic
from automation._petri import workflow_to_petri_net
from mejora.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
API = FIXTURES / "mautic" / "campaign_3_bienvenida.json"
EXPORT = FIXTURES / "mautic" / "campaign_3_export.json"


def _read(path: Path):
    return mautic_to_workflow(json.loads(path.read_text()), str(path))


def test_the_api_and_the_export_shapes_read_to_the_same_workflow():
    (api, report), (export, _) = _read(API), _read(EXPORT)
    assert (api.nodes, api.edges, api.start, api.triggers) == (
        export.nodes,
        export.edges,
        export.start,
        export.triggers,
    )
    assert api.id == "mautic-3" and api.name == "Bienvenida" and api.status == "active"
    kinds = {n.id: n.type for n in api.nodes}
    assert kinds == {
        "11": "action",
        "12": "wait_for_event",
        "12_no": "wait",
        "13": "action",
        "14": "action",
        "end": "end",
    }
    decision = api.node("12")
    assert (decision.event, decision.timeout.days, decision.awaits) == ("email_open", 3, "opened")
    assert api.node("12_no").activities == ("¿Abre el email?" + NO_PATH, "event 12" + NO_PATH)
    assert api.node("13").activities == ("Enviar recordatorio", "event 13")  # joins by id too
    assert {(e.source, e.target, e.exit) for e in api.outgoing("12")} == {
        ("12", "14", "event"),
        ("12", "12_no", "timeout"),
    }
    assert len(report.mapped) == 4 and report.unmapped == []  # every event, exactly
    assert [t.description for t in api.triggers] == ["segment 4"]


def test_a_read_write_read_round_trip_keeps_every_node_edge_wait_and_condition():
    for path in (API, EXPORT):
        first, _ = _read(path)
        written, report = workflow_to_mautic(first)
        again, _ = mautic_to_workflow(json.loads(json.dumps(written)))
        assert (again.nodes, again.edges, again.start) == (first.nodes, first.edges, first.start)
        assert report.unmapped == []
        events = {e["id"]: e for e in written["campaign"]["events"]}
        assert events[13]["triggerInterval"] == 3 and events[13]["decisionPath"] == "no"
        assert events[12]["type"] == "email.open" and events[14]["parent"] == 12


COMPLEX = {
    "campaign": {
        "id": 9,
        "name": "Nurture with everything",
        "isPublished": False,
        "events": [
            {"id": 1, "name": "Has 10 points?", "type": "lead.points", "eventType": "condition",
             "order": 1, "properties": {"operator": "gte", "score": 10}, "triggerMode": "immediate",
             "parent": None, "decisionPath": None},
            {"id": 2, "name": "Send offer", "type": "email.send", "eventType": "action",
             "order": 2, "properties": {"email": 5}, "triggerMode": "interval",
             "triggerInterval": 2, "triggerIntervalUnit": "h", "parent": {"id": 1},
             "decisionPath": "yes"},
            {"id": 3, "name": "Tag as cold", "type": "lead.changetags", "eventType": "action",
             "order": 2, "properties": {"add_tags": ["cold"]}, "triggerMode": "immediate",
             "parent": {"id": 1}, "decisionPath": "no"},
            {"id": 4, "name": "Clicked the offer?", "type": "email.click",
             "eventType": "decision", "order": 3, "properties": {}, "parent": {"id": 2}},
            {"id": 5, "name": "Push to the CRM", "type": "plugin.leadpush", "eventType": "action",
             "order": 4, "properties": {}, "triggerMode": "immediate", "parent": {"id": 4},
             "decisionPath": "yes"},
            {"id": 6, "name": "Notify the owner", "type": "email.send.to.user",
             "eventType": "action", "order": 4, "properties": {}, "triggerMode": "immediate",
             "parent": {"id": 4}, "decisionPath": "yes"},
            {"id": 7, "name": "Country is Spain?", "type": "lead.field_value",
             "eventType": "condition", "order": 2, "properties":
             {"field": "country", "operator": "=", "value": "Spain"}, "parent": {"id": 3},
             "decisionPath": None},
            {"id": 8, "name": "Spring sale", "type": "email.send", "eventType": "action",
             "order": 3, "properties": {"email": 6}, "triggerMode": "date",
             "triggerDate": "2025-04-01T09:00:00+00:00", "parent": {"id": 7},
             "decisionPath": "yes"},
            {"id": 9, "name": "Quarterly check", "type": "lead.updatelead", "eventType": "action",
             "order": 3, "properties": {}, "triggerMode": "interval", "triggerInterval": 3,
             "triggerIntervalUnit": "m", "parent": {"id": 7}, "decisionPath": "no"},
        ],
    }
}  # fmt: skip


def test_what_mautic_has_and_mejora_has_not_is_reported_and_conformance_still_runs():
    workflow, report = mautic_to_workflow(COMPLEX, "complex.json")
    unmapped = " | ".join(report.unmapped)
    assert "events 5, 6 run in parallel" in unmapped
    assert "plugin.leadpush" in unmapped  # no Mejora equivalent: a generic action
    assert "event 8 'Spring sale' runs on a fixed date" in unmapped
    assert "waits 3 months: taken as 90 days" in unmapped
    assert "decision 4 'Clicked the offer?' has no timed no-action path" in unmapped
    assert workflow.status == "draft"
    conditions = {e.target: e.condition for e in workflow.outgoing("1")}
    assert conditions == {"2_wait": "points >= 10", "3": None}
    assert workflow.node("2_wait").duration.total_seconds() == 7200
    assert {e.condition for e in workflow.outgoing("7")} == {"country = 'Spain'", None}
    assert workflow.node("6").action == "notify_sales"
    net, _, _ = workflow_to_petri_net(workflow)  # conformance takes it
    assert len(net.transitions) > len(workflow.nodes)
    # and it writes back with the same nodes, edges, waits and conditions
    written, _ = workflow_to_mautic(workflow)
    again, _ = mautic_to_workflow(json.loads(json.dumps(written)))
    assert (again.nodes, again.edges) == (workflow.nodes, workflow.edges)


def test_the_documentation_example_reads():
    """The ``GET /campaigns/ID`` response of Mautic's REST API documentation, as printed."""
    docs = {"campaign": {"id": 3, "name": "Email A/B Test", "description": None,
            "isPublished": True, "events": {"28": {"id": 28, "type": "lead.changepoints",
            "eventType": "action", "name": "Adjust lead points", "description": None,
            "order": 1, "properties": {"points": 20}, "triggerDate": None,
            "triggerInterval": 1, "triggerIntervalUnit": "d", "triggerMode": "immediate",
            "children": [], "parent": None, "decisionPath": None}}}}  # fmt: skip
    assert is_mautic_campaign(docs)
    workflow, report = mautic_to_workflow(docs)
    assert [n.id for n in workflow.nodes] == ["28", "end"] and report.unmapped == []
    assert workflow.node("28").params["properties"] == {"points": 20}


def test_read_workflow_sniffs_the_content_and_mejoras_own_files_are_not_taken_for_mautic():
    assert read_workflow(API).id == "mautic-3"
    own = Path(__file__).parent.parent / "sample_logs" / "workflows" / "welcome_nurture.yaml"
    assert not is_mautic_campaign(__import__("yaml").safe_load(own.read_text()))
    assert read_workflow(own).id == "welcome-nurture"


def test_the_campaign_log_checks_against_the_campaign_by_mautics_own_names(tmp_path):
    log = mining.read_log(FIXTURES / "crm" / "mautic_campaign_events.csv")
    result = mining.check_conformance(log, *workflow_to_petri_net(read_workflow(API)))
    fitness = result.cases.set_index("case_id")["fitness"]
    # the no-action path (event 12 then the reminder) and the yes path both fit
    assert fitness["lead 17 / campaign 3 / rotation 1"] == 1.0
    assert fitness["lead 17 / campaign 3 / rotation 2"] == 1.0


def test_import_and_export_from_the_command_line(tmp_path, capsys):
    store = ["--workflows", str(tmp_path / "wf")]
    assert main(["workflow", "import", str(API), "--by", "ana", *store]) == 0
    out = capsys.readouterr().out
    assert "a workflow exported from Mautic, saved as 'mautic-3' revision 1" in out
    assert "decision 12 '¿Abre el email?' (email.open) -> wait_for_event" in out
    target = tmp_path / "back.json"
    assert main(["workflow", "export", "mautic-3", "-o", str(target), *store]) == 0
    assert read_workflow(target).nodes == read_workflow(API).nodes
    assert main(["workflow", "validate", str(target)]) == 0
    assert "(read from a Mautic export)" in capsys.readouterr().out
    unknown = ["workflow", "export", "mautic-3", "-o", str(target), "-f", "salesforce"]
    assert main([*unknown, *store]) == 2


def test_a_second_way_into_an_event_is_reported_not_followed_round_and_round():
    looped = json.loads(API.read_text())
    looped["campaign"]["canvasSettings"]["connections"].append(
        {"sourceId": "13", "targetId": "11", "anchors": {"source": "bottom", "target": "top"}}
    )
    workflow, report = mautic_to_workflow(looped)
    assert report.unmapped == [
        "event 11 has a second way in (from 13); a Mautic campaign is a tree, so only the "
        "first connection is kept"
    ]
    assert (workflow.nodes, workflow.edges) == (read_workflow(API).nodes, read_workflow(API).edges)


def test_a_damaged_campaign_is_refused_naming_the_file(tmp_path):
    from automation import WorkflowError

    broken = json.loads(API.read_text())
    broken["campaign"]["events"]["99"] = {"name": "no id", "eventType": "action"}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(WorkflowError, match=r"broken\.json: a campaign event without an id"):
        read_workflow(path)


def test_a_jump_to_event_is_a_join_and_a_join_is_written_as_one():
    jumping = json.loads(API.read_text())
    jumping["campaign"]["events"]["15"] = {
        "id": 15, "name": "Volver a bienvenida", "type": "campaign.jump_to_event",
        "eventType": "action", "order": 4, "properties": {"jumpToEvent": 12},
        "triggerMode": "interval", "triggerInterval": 7, "triggerIntervalUnit": "d",
        "parent": {"id": 13}, "decisionPath": None,
    }  # fmt: skip
    jumping["campaign"]["canvasSettings"]["connections"].append(
        {"sourceId": "13", "targetId": "15", "anchors": {"source": "bottom", "target": "top"}}
    )
    workflow, report = mautic_to_workflow(jumping)
    assert report.unmapped == []
    assert [e.target for e in workflow.outgoing("15")] == ["12"]  # back to the decision
    assert [e.target for e in workflow.outgoing("13")] == ["15_wait"]
    written, _ = workflow_to_mautic(workflow)
    again, _ = mautic_to_workflow(json.loads(json.dumps(written)))
    assert (again.nodes, again.edges) == (workflow.nodes, workflow.edges)
    # a workflow of Mejora's own whose paths meet is written with jumps, not cut
    own = read_workflow(Path(__file__).parent.parent / "sample_logs/workflows/welcome_nurture.yaml")
    written, report = workflow_to_mautic(own)
    jumps = [e for e in written["campaign"]["events"] if e["type"] == "campaign.jump_to_event"]
    assert len(jumps) == sum("jump to event" in line for line in report.unmapped) >= 1
    names = {e["name"] for e in written["campaign"]["events"]}
    assert {n.name for n in own.nodes if n.type in ("action", "wait_for_event")} <= names


def test_a_log_without_event_names_joins_the_campaign_by_event_id(tmp_path):
    """Mautic's log reader names an event 'event <id>' when the export left its name out; the
    campaign's nodes answer to that name too, so the case still fits."""
    source = FIXTURES / "crm" / "mautic_campaign_events.csv"
    text = source.read_text().replace(",13,Enviar recordatorio,", ",13,,")
    nameless = tmp_path / "campaign_events.csv"
    nameless.write_text(text)
    log = mining.read_log(nameless)
    labels = set(log.activity_labels())
    assert "event 13" in labels and "Enviar recordatorio" not in labels
    result = mining.check_conformance(log, *workflow_to_petri_net(read_workflow(API)))
    fitness = result.cases.set_index("case_id")["fitness"]
    assert fitness["lead 17 / campaign 3 / rotation 1"] == 1.0


def test_the_format_can_be_forced_and_a_wrong_one_is_named(tmp_path, capsys):
    assert main(["workflow", "validate", str(API), "--workflow-format", "mautic"]) == 0
    assert "(read from a Mautic export)" in capsys.readouterr().out
    assert main(["workflow", "validate", str(API), "--workflow-format", "hubspot"]) == 2
    assert "cannot be read as a hubspot workflow" in capsys.readouterr().err
    assert main(["workflow", "validate", str(API), "--workflow-format", "mejora"]) == 2
    assert "missing required field" in capsys.readouterr().err  # read as Mejora's own format
    assert main(["workflow", "validate", str(API), "--workflow-format", "bpmn"]) == 2
    assert "expected one of auto, mejora" in capsys.readouterr().err


def test_export_writes_the_platform_a_workflow_came_from_unless_told(tmp_path, capsys):
    store = ["--workflows", str(tmp_path / "wf")]
    own = Path(__file__).parent.parent / "sample_logs" / "workflows" / "welcome_nurture.yaml"
    assert main(["workflow", "save", str(own), "--by", "ana", *store]) == 0
    target = tmp_path / "out.json"
    assert main(["workflow", "export", "welcome-nurture", "-o", str(target), *store]) == 2
    assert "came from no platform: say which with --format" in capsys.readouterr().err
    assert (
        main(["workflow", "export", "welcome-nurture", "-o", str(target), "-f", "n8n", *store]) == 0
    )
    assert json.loads(target.read_text())["nodes"]  # an n8n workflow
