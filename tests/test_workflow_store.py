"""The workflow store: revisions are immutable, saves check their base, concurrent saves race
safely (one winner, nothing half-written)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing

import pytest

from automation import read_workflow
from automation._store import WorkflowStore
from automation.exceptions import RevisionConflictError
from tests.conftest import ROOT

WELCOME = ROOT / "sample_logs" / "workflows" / "welcome_nurture.yaml"


def test_each_save_is_a_new_revision(tmp_path):
    store = WorkflowStore(tmp_path)
    original = read_workflow(WELCOME)
    first = store.save(original, base=None, author="ana", message="imported")
    changed = dataclasses.replace(original, objective="Hand leads to sales within 12 hours")
    second = store.save(changed, base=1, author="luis", message="faster hand-off")
    assert (first.number, second.number, second.base) == (1, 2, 1)
    assert store.load("welcome-nurture", 1) == dataclasses.replace(
        original, source=store.load("welcome-nurture", 1).source
    )
    assert store.load("welcome-nurture").objective == "Hand leads to sales within 12 hours"
    assert [r.author for r in store.revisions("welcome-nurture")] == ["ana", "luis"]
    assert store.workflows() == ["welcome-nurture"]
    log = (tmp_path / "welcome-nurture" / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["number"] for line in log] == [1, 2]


def test_a_stale_base_is_refused_with_what_changed(tmp_path):
    store = WorkflowStore(tmp_path)
    workflow = read_workflow(WELCOME)
    store.save(workflow, base=None, author="ana")
    store.save(workflow, base=1, author="luis", message="new wait")
    with pytest.raises(RevisionConflictError, match=r"now at revision 2, saved by luis .*new wait"):
        store.save(workflow, base=1, author="marta")
    with pytest.raises(RevisionConflictError):
        store.save(workflow, base=None, author="marta")
    assert len(store.revisions("welcome-nurture")) == 2


def _racer(root: str, name: str, barrier, results) -> None:
    store = WorkflowStore(root)
    workflow = read_workflow(WELCOME)
    barrier.wait()
    try:
        store.save(workflow, base=1, author=name)
        results.put((name, "won"))
    except RevisionConflictError:
        results.put((name, "conflict"))


def test_concurrent_saves_have_exactly_one_winner(tmp_path):
    store = WorkflowStore(tmp_path)
    store.save(read_workflow(WELCOME), base=None, author="setup")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    results = context.Queue()
    racers = [
        context.Process(target=_racer, args=(str(tmp_path), f"admin{i}", barrier, results))
        for i in range(4)
    ]
    for p in racers:
        p.start()
    for p in racers:
        p.join(60)
    outcomes = sorted(results.get(timeout=5)[1] for _ in racers)
    assert outcomes == ["conflict", "conflict", "conflict", "won"]
    revisions = store.revisions("welcome-nurture")
    assert [r.number for r in revisions] == [1, 2]
    assert store.load("welcome-nurture", 2).id == "welcome-nurture"  # complete, parseable
    assert not list((tmp_path / "welcome-nurture").glob(".incoming-*"))


def test_cli_save_and_history(tmp_path, monkeypatch, capsys):
    from mejora.cli import main

    monkeypatch.setenv("MEJORA_WORKFLOWS", str(tmp_path))
    assert main(["workflow", "save", str(WELCOME), "--by", "ana", "-m", "first"]) == 0
    assert "as revision 1" in capsys.readouterr().out
    assert main(["workflow", "save", str(WELCOME), "--by", "luis"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "(--base 1)" in err
    assert main(["workflow", "save", str(WELCOME), "--by", "luis", "--base", "1"]) == 0
    capsys.readouterr()
    assert main(["workflow", "history", "welcome-nurture", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(r["number"], r["author"], r["base"]) for r in history] == [
        (1, "ana", None),
        (2, "luis", 1),
    ]
