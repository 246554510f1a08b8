"""Fault injection on the admin write paths: activate and rollback racing, a process killed at
each step of a rollback, an apply or an activation, a torn audit line, a hand-edited or damaged
revision file. The store stays whole: one winner, every change in the audit trail once, no
duplicate on retry, nothing edited goes live (issue: rollback was not atomic, the trail could
lose entries, and the stored checksum was never checked)."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

import sample_logs
from automation import (
    SetWaitDuration,
    WorkflowError,
    WorkflowStore,
    _admin,
    activate,
    active_revision,
    apply_suggestion,
    audit_trail,
    read_workflow,
    revision_history,
    rollback,
)
from tests.test_admin import _suggestion

WID = "welcome-nurture"
FORK = multiprocessing.get_context("fork")


@pytest.fixture
def store(tmp_path):
    """Revision 1 live, revision 2 an applied draft."""
    store = WorkflowStore(tmp_path / "workflows")
    store.save(read_workflow(sample_logs.workflow_path("welcome_nurture")), base=None, author="ana")
    activate(store, WID, 1, by="ana")
    apply_suggestion(store, _suggestion([SetWaitDuration("nurture_1_click", "P1D")]), by="ana")
    return store


def _consistent(store: WorkflowStore) -> list[dict]:
    """The invariants after any sequence of actions and crashes; returns the trail."""
    trail = audit_trail(store, WID)
    done = [e for e in trail if e["outcome"] == "done"]
    revisions = [r.number for r in store.revisions(WID)]
    records = _admin.activations(store, WID)
    # every revision after the first and every activation has exactly one done line
    assert (
        sorted(e["revision"] for e in done if e["action"] in ("apply", "rollback"))
        == (revisions[1:])
    )
    activated = [e["revision"] for e in done if e["action"] in ("activate", "rollback")]
    assert activated == [r.revision for r in records]
    # (so nothing refused or abandoned left a revision or activation behind) and none pending
    assert not [e for e in trail if e["outcome"] == _admin.PENDING]
    assert revision_history(store, WID)  # the history reads
    return trail


def _race_activate(root: str, barrier, results) -> None:
    barrier.wait()
    try:
        activate(WorkflowStore(root), WID, 2, by="ana")
        results.put("activate won")
    except WorkflowError:
        results.put("activate refused")


def _race_rollback(root: str, barrier, results) -> None:
    barrier.wait()
    try:
        rollback(WorkflowStore(root), WID, to=1, by="luis", base=2)
        results.put("rollback won")
    except WorkflowError:
        results.put("rollback refused")


@pytest.mark.parametrize("round_", range(15))
def test_activate_and_rollback_at_once_leave_one_consistent_story(store, round_):
    barrier, results = FORK.Barrier(2), FORK.Queue()
    racers = [
        FORK.Process(target=target, args=(str(store.root), barrier, results))
        for target in (_race_activate, _race_rollback)
    ]
    for p in racers:
        p.start()
    for p in racers:
        p.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in racers)
    assert "rollback won" in outcomes  # it is valid either first or after the activation
    _consistent(store)
    live = active_revision(store, WID)
    assert live.revision == store.latest(WID).number == 3  # the restored design is live on top
    if "activate refused" in outcomes:
        assert [r.revision for r in _admin.activations(store, WID)] == [1, 3]
    else:
        assert [r.revision for r in _admin.activations(store, WID)] == [1, 2, 3]


def _killed_rollback(root: str, point: str) -> None:
    """A rollback that dies (os._exit, as kill -9) at ``point``."""
    real_save, real_activate = WorkflowStore.save, _admin._activate

    def save(self, *args, **kwargs):
        if point == "before the revision":
            os._exit(9)
        revision = real_save(self, *args, **kwargs)
        if point == "after the revision":
            os._exit(9)
        return revision

    def activation(*args, **kwargs):
        record = real_activate(*args, **kwargs)
        if point == "after the activation":
            os._exit(9)
        return record

    WorkflowStore.save = save
    _admin._activate = activation
    rollback(WorkflowStore(root), WID, to=1, by="luis")


POINTS = ["before the revision", "after the revision", "after the activation"]


@pytest.mark.parametrize("point", POINTS)
def test_a_rollback_killed_at_any_step_is_finished_or_undone_and_a_retry_adds_nothing(store, point):
    child = FORK.Process(target=_killed_rollback, args=(str(store.root), point))
    child.start()
    child.join(30)
    assert child.exitcode == 9
    try:  # the admin retries; the lock finishes what the crash interrupted first
        rollback(store, WID, to=1, by="luis")
    except WorkflowError as exc:
        assert point != "before the revision"
        assert "already restores revision 1 and is live" in str(exc)
    trail = _consistent(store)
    assert [r.number for r in store.revisions(WID)] == [1, 2, 3]  # one restored revision
    assert active_revision(store, WID).revision == 3
    expected = {"before the revision": "abandoned"}.get(point, "done")
    first = next(e for e in trail if e["action"] == "rollback")
    assert first["outcome"] == expected and first.get("recovered", False) == (expected == "done")


def _killed_apply(root: str) -> None:
    real_save = WorkflowStore.save

    def save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        os._exit(9)

    WorkflowStore.save = save
    activate(WorkflowStore(root), WID, 2, by="ana")
    apply_suggestion(
        WorkflowStore(root),
        _suggestion([SetWaitDuration("nurture_1_click", "P2D")], base=2, target="x"),
        by="ana",
    )


def test_an_apply_killed_after_its_revision_still_has_its_audit_line(store):
    child = FORK.Process(target=_killed_apply, args=(str(store.root),))
    child.start()
    child.join(30)
    assert child.exitcode == 9
    activate(store, WID, 3, by="ana")  # the next change recovers the trail first
    trail = _consistent(store)
    applied = [e for e in trail if e["action"] == "apply" and e["outcome"] == "done"]
    assert [e["revision"] for e in applied] == [2, 3] and applied[1]["recovered"] is True


def test_a_torn_audit_line_neither_swallows_the_next_nor_breaks_the_history(store):
    with open(store.root / WID / "audit.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"at": "2026-12-07T10:00:00+00:00", "action": "activ')  # no newline
    activate(store, WID, 2, by="ana")
    trail = audit_trail(store, WID)
    assert trail[-2]["action"] == "unreadable" and trail[-1]["action"] == "activate"
    assert trail[-1]["outcome"] == "done" and trail[-1]["revision"] == 2
    assert revision_history(store, WID)[-1]["state"] == "live"


def test_a_hand_edited_revision_does_not_go_live(store):
    path = store.root / WID / "rev-000002.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["workflow"]["name"] = "Edited by hand"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(WorkflowError, match="was changed after it was saved"):
        activate(store, WID, 2, by="ana")
    assert active_revision(store, WID).revision == 1


def test_a_damaged_revision_file_is_named(store):
    path = store.root / WID / "rev-000002.json"
    path.write_text('{"revision": {', encoding="utf-8")
    with pytest.raises(WorkflowError, match=r"rev-000002\.json: the revision file is damaged"):
        store.load(WID, 2)
