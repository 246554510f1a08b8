"""Designed workflows as Petri nets: traces that follow the design replay perfectly in pm4py."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from automation import read_workflow
from automation._petri import workflow_to_petri_net
from automation._workflow import Workflow
from mining._pm4py_adapter import alignment_fitness, token_replay_fitness
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "sample_logs" / "workflows").glob("*.yaml"))


def _walk(workflow: Workflow, rng: random.Random) -> list[str]:
    """One path through the design, with the activity labels it leaves in the log."""
    trace, node = [], workflow.node(workflow.start)
    for _ in range(100):
        out = workflow.outgoing(node.id)
        if node.type == "wait_for_event":
            edge = rng.choice(out)
            if edge.exit == "event":
                trace.append(rng.choice(node.activities))
        else:
            if node.activities:
                trace.append(rng.choice(node.activities))
            if node.type == "end" or not out:
                return trace
            edge = rng.choice(out)
        node = workflow.node(edge.target)
    raise AssertionError("walk did not end")


def _frame(traces: list[list[str]]) -> pd.DataFrame:
    rows = [
        {
            "case:concept:name": f"c{i}",
            "concept:name": activity,
            "time:timestamp": pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=j),
        }
        for i, trace in enumerate(traces)
        for j, activity in enumerate(trace)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_designed_paths_replay_with_fitness_one(path):
    workflow = read_workflow(path)
    rng = random.Random(11)
    traces = [_walk(workflow, rng) for _ in range(200)]
    assert len({tuple(t) for t in traces}) >= 2  # every sample has at least two paths
    net, im, fm = workflow_to_petri_net(workflow)
    frame = _frame(traces)
    assert token_replay_fitness(frame, net, im, fm)["log_fitness"] == pytest.approx(1.0)
    assert alignment_fitness(frame, net, im, fm)["averageFitness"] == pytest.approx(1.0)


def test_a_skipped_step_lowers_fitness():
    workflow = read_workflow(ROOT / "sample_logs" / "workflows" / "sales_pipeline.yaml")
    net, im, fm = workflow_to_petri_net(workflow)
    follows = ["Qualified", "Demo scheduled", "Demo held", "Proposal sent", "Proposal answered"]
    follows += ["Negotiation", "Closed won"]
    skips_demo = [a for a in follows if a != "Demo held"]
    assert alignment_fitness(_frame([follows]), net, im, fm)["averageFitness"] == 1.0
    assert alignment_fitness(_frame([skips_demo]), net, im, fm)["averageFitness"] < 1.0


def test_goal_reached_anywhere_exits_the_workflow():
    workflow = read_workflow(ROOT / "sample_logs" / "workflows" / "welcome_nurture.yaml")
    net, im, fm = workflow_to_petri_net(workflow)
    early = ["Welcome email sent", "Nurture email 1 sent", "Lead qualified"]
    assert token_replay_fitness(_frame([early]), net, im, fm)["log_fitness"] == pytest.approx(1.0)
