"""Apply / activate / rollback with an audit trail; stale changes refused with what changed;
concurrent processes applying at once: one winner, nothing corrupted; n8n export vs fixture."""

from __future__ import annotations

import copy
import json
import multiprocessing

import jsonschema
import pytest
import yaml

import sample_logs
from automation import (
    AddSuppression,
    ChangeSet,
    Evidence,
    Impact,
    RemoveBranch,
    RevisionConflictError,
    Risk,
    SetWaitDuration,
    StaleChangeError,
    Suggestion,
    Text,
    WorkflowError,
    WorkflowStore,
    activate,
    active_revision,
    apply_suggestion,
    audit_trail,
    diff_revisions,
    load_suggestion,
    parse_workflow,
    read_workflow,
    revision_history,
    revision_of,
    rollback,
    save_suggestions,
    validate_n8n,
    workflow_to_n8n,
)
from automation._suggestion_model import suggestion_id
from tests.conftest import ROOT

WELCOME = sample_logs.workflow_path("welcome_nurture")
FIXTURES = ROOT / "tests" / "fixtures" / "n8n"


def _suggestion(ops, base=1, target="nurture_1_click", rule="wait-too-long") -> Suggestion:
    evidence = Evidence(
        metric=Text(
            "hours from 'Nurture email 1 sent' to 'Nurture email 1 clicked'",
            "horas de «Nurture email 1 sent» a «Nurture email 1 clicked»",
        ),
        value=17.4,
        unit="hours",
        sample_size=275,
        workflow_id="welcome-nurture",
        workflow_version=1,
        revision=base,
        distribution={"p90_hours": 17.4},
        example_cases=("lead 1502 / campaign 1 / rotation 1",),
    )
    return Suggestion(
        id=suggestion_id(rule, "welcome-nurture", base, 1, target),
        rule=rule,
        target=target,
        title=Text("Shorten the wait", "Acortar la espera"),
        explanation=Text("Clicks come within a day.", "Los clics llegan en un día."),
        evidence=evidence,
        confidence=0.99,
        impact=Impact(
            Text("case-days", "días-caso"), "case-days / month", 480, 460, 500, 2889, "x"
        ),
        risk=Risk("low", Text("few clicks lost", "pocos clics perdidos")),
        changes=ChangeSet("welcome-nurture", base, tuple(ops)),
        score=1.0,
    )


def test_a_suggestion_reads_back_in_both_languages_also_when_saved_by_an_older_mejora():
    s = _suggestion([])
    data = json.loads(json.dumps(s.to_dict()))
    assert Suggestion.from_dict(data) == s
    assert s.evidence.describe("es") == (
        "horas de «Nurture email 1 sent» a «Nurture email 1 clicked»: 17,4 horas (n = 275)"
    )
    assert s.risk.describe("es") == "bajo — pocos clics perdidos"
    data["evidence"]["metric"] = s.evidence.metric.en  # as stored before it was bilingual
    old = Suggestion.from_dict(data).evidence
    assert old.metric.get("es") == old.metric.get("en") == s.evidence.metric.en


@pytest.fixture
def store(tmp_path):
    store = WorkflowStore(tmp_path / "workflows")
    store.save(read_workflow(WELCOME), base=None, author="ana", message="imported")
    return store


def test_apply_activate_rollback_round_trip(store):
    suggestion = _suggestion([SetWaitDuration("nurture_1_click", "P1D")])
    save_suggestions(store, [suggestion], read_workflow(WELCOME), fit={"x": 1}, log="campaigns")
    assert load_suggestion(store, suggestion.id).suggestion == suggestion

    dry = apply_suggestion(store, suggestion.id, by="luis", dry_run=True)
    assert dry.revision is None and len(store.revisions("welcome-nurture")) == 1
    assert [c.text() for c in dry.diff.changes] == ["~ node nurture_1_click: timeout P7D → P1D"]

    applied = apply_suggestion(store, suggestion.id, by="luis")
    assert applied.revision.number == 2 and applied.revision.base == 1
    draft = store.load("welcome-nurture", 2)
    assert (draft.status, draft.version) == ("draft", 2)
    assert draft.node("nurture_1_click").timeout.days == 1
    assert active_revision(store, "welcome-nurture") is None  # applying does not make it live

    first = activate(store, "welcome-nurture", 2, by="marta")
    assert (first.revision, first.previous, first.number) == (2, None, 1)
    assert active_revision(store, "welcome-nurture").revision == 2
    with pytest.raises(WorkflowError, match="live already"):
        activate(store, "welcome-nurture", 2, by="marta")

    back = rollback(store, "welcome-nurture", to=1, by="marta")
    assert (back.revision, back.previous, back.action) == (3, 2, "rollback")
    restored = store.load("welcome-nurture", 3)
    assert restored.node("nurture_1_click").timeout.days == 7
    assert (restored.status, restored.version) == ("active", 3)
    assert not diff_revisions(store, "welcome-nurture", 1, 3).changes[1:]  # only the version

    trail = audit_trail(store, "welcome-nurture")
    assert [(e["action"], e["outcome"]) for e in trail] == [
        ("apply", "done"),
        ("activate", "done"),
        ("activate", "refused"),
        ("rollback", "done"),
    ]
    apply_line = trail[0]
    assert apply_line["by"] == "luis" and apply_line["suggestion"] == suggestion.id
    assert apply_line["evidence"]["sample_size"] == 275
    assert apply_line["diff"]["changes"][0]["key"] == "nurture_1_click"
    assert trail[3]["diff"]["changes"][0]["after"]["timeout"] == "P7D"
    rows = revision_history(store, "welcome-nurture")
    assert [(r["number"], r["status"], r["live"]) for r in rows] == [
        (1, "active", False),
        (2, "draft", False),
        (3, "active", True),
    ]
    assert rows[1]["actions"][0]["action"] == "apply"


def test_stale_changes_are_refused_with_what_changed(store):
    old = _suggestion([SetWaitDuration("nurture_1_click", "P1D")])
    other = _suggestion([AddSuppression(("bounced",))], target="suppression", rule="x")
    apply_suggestion(store, other, by="luis")
    with pytest.raises(StaleChangeError) as info:
        apply_suggestion(store, old, by="ana")
    text = str(info.value)
    assert "moved since revision 1" in text and "now at revision 2, saved by luis" in text
    assert '~ setting entry: suppression ["unsubscribed"' in text
    assert isinstance(info.value, RevisionConflictError)
    with pytest.raises(StaleChangeError, match="moved since revision 1"):
        activate(store, "welcome-nurture", 1, by="ana")  # revision 2 exists: use rollback
    with pytest.raises(StaleChangeError, match="moved since revision 1"):
        rollback(store, "welcome-nurture", to=1, by="ana", base=1)
    refused = [e for e in audit_trail(store, "welcome-nurture") if e["outcome"] == "refused"]
    assert [e["action"] for e in refused] == ["apply", "activate", "rollback"]
    assert len(store.revisions("welcome-nurture")) == 2


def test_suggestion_on_an_unsaved_file_is_not_applied(store):
    with pytest.raises(WorkflowError, match="not a stored revision"):
        apply_suggestion(
            store, _suggestion([SetWaitDuration("nurture_1_click", "P1D")], base=None), by="a"
        )
    with pytest.raises(WorkflowError, match="is not a suggestion id"):
        load_suggestion(store, "../../etc/passwd")
    with pytest.raises(WorkflowError, match="no saved suggestion"):
        load_suggestion(store, "s-0123456789")


def test_revision_of_matches_the_design_not_the_status(store):
    workflow = read_workflow(WELCOME)
    draft = parse_workflow({**workflow.to_dict(), "status": "draft"})
    assert revision_of(store, draft) == 1
    changed = RemoveBranch("ready_after_nurture", "notify_sales").apply(workflow)
    assert revision_of(store, changed) is None


def _race(root: str, suggestion: dict, name: str, barrier, results) -> None:
    store = WorkflowStore(root)
    barrier.wait()
    try:
        applied = apply_suggestion(store, Suggestion.from_dict(suggestion), by=name)
        results.put((name, "won", applied.revision.number))
    except RevisionConflictError:
        results.put((name, "conflict", None))


def test_concurrent_applies_have_exactly_one_winner(store):
    suggestion = _suggestion([SetWaitDuration("nurture_1_click", "P1D")])
    n = 6
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(n), context.Queue()
    racers = [
        context.Process(
            target=_race,
            args=(str(store.root), suggestion.to_dict(), f"admin{i}", barrier, results),
        )
        for i in range(n)
    ]
    for p in racers:
        p.start()
    for p in racers:
        p.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in range(n))
    assert [o[1] for o in outcomes].count("won") == 1
    assert [o[1] for o in outcomes].count("conflict") == n - 1
    assert [r.number for r in store.revisions("welcome-nurture")] == [1, 2]
    folder = store.root / "welcome-nurture"
    for path in folder.glob("rev-*.json"):  # every revision is whole, valid JSON
        json.loads(path.read_text())
    assert not list(folder.glob(".incoming-*"))
    trail = audit_trail(store, "welcome-nurture")  # every line parses: none interleaved
    done = [e for e in trail if e["outcome"] == "done"]
    assert len(trail) == n and len(done) == 1
    assert done[0]["by"] == next(o[0] for o in outcomes if o[1] == "won")


def _activate_race(root: str, name: str, barrier, results) -> None:
    barrier.wait()
    try:
        activate(WorkflowStore(root), "welcome-nurture", 1, by=name)
        results.put("won")
    except WorkflowError:
        results.put("refused")


def test_concurrent_activations_have_exactly_one_winner(store):
    n = 4
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(n), context.Queue()
    racers = [
        context.Process(target=_activate_race, args=(str(store.root), f"a{i}", barrier, results))
        for i in range(n)
    ]
    for p in racers:
        p.start()
    for p in racers:
        p.join(30)
    outcomes = [results.get(timeout=5) for _ in range(n)]
    assert outcomes.count("won") == 1
    records = list((store.root / "welcome-nurture" / "activations").glob("act-*.json"))
    assert len(records) == 1 and json.loads(records[0].read_text())["revision"] == 1


# -- n8n export ------------------------------------------------------------------------------------
def _strip(data):
    """The export without what is generated (ids, positions, version id)."""
    data = copy.deepcopy(data)
    for node in data["nodes"]:
        for key in ("id", "position", "webhookId"):
            node.pop(key, None)
        for condition in node["parameters"].get("conditions", {}).get("conditions", []):
            condition.pop("id", None)
    data.pop("versionId", None)
    return data


def test_n8n_export_matches_the_hand_written_fixture():
    workflow = parse_workflow(yaml.safe_load((FIXTURES / "mini_nurture.yaml").read_text()))
    expected = json.loads((FIXTURES / "mini_nurture.n8n.json").read_text())
    exported = workflow_to_n8n(workflow, revision=4, active=True)
    assert _strip(exported) == _strip(expected)
    schema = json.loads((FIXTURES / "workflow.schema.json").read_text())
    jsonschema.validate(expected, schema)
    jsonschema.validate(exported, schema)
    assert workflow_to_n8n(workflow, revision=4, active=True) == exported  # stable ids


@pytest.mark.parametrize("name", ["welcome_nurture", "reengagement", "sales_pipeline"])
def test_every_sample_exports_to_a_valid_n8n_workflow(name):
    workflow = read_workflow(sample_logs.workflow_path(name))
    data = workflow_to_n8n(workflow, revision=1)
    schema = json.loads((FIXTURES / "workflow.schema.json").read_text())
    jsonschema.validate(data, schema)
    names = {n["name"] for n in data["nodes"]}
    targets = {
        link["node"] for o in data["connections"].values() for out in o["main"] for link in out
    }
    assert targets <= names
    ends = [n for n in data["nodes"] if n["type"] == "n8n-nodes-base.noOp"]
    assert len(ends) == sum(1 for n in workflow.nodes if n.type == "end")


def test_validate_n8n_catches_broken_workflows():
    good = json.loads((FIXTURES / "mini_nurture.n8n.json").read_text())
    assert validate_n8n(good) == []
    broken = copy.deepcopy(good)
    broken["nodes"][1]["name"] = broken["nodes"][0]["name"]
    broken["connections"]["Welcome email"]["main"][0][0]["node"] = "Nowhere"
    del broken["nodes"][2]["typeVersion"]
    problems = "\n".join(validate_n8n(broken))
    assert "used twice" in problems
    assert "bad link" in problems
    assert "'typeVersion' must be a positive number" in problems
