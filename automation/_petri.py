"""A designed workflow as an accepting Petri net, for conformance checking with pm4py.

Marketing workflows are state machines, so the net is too: one place before every node, one
final place. Logged steps become transitions labelled with their activity labels (several labels
are alternatives); decisions, timeouts and unlogged steps become silent transitions. A goal can
be reached at any point and takes the contact out, so each goal label may fire from every place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mining
from automation._workflow import Workflow, read_workflow

FINAL = "p_end"


def _place(node_id: str) -> str:
    return f"p_{node_id}"


def workflow_to_petri_net(workflow: Workflow) -> tuple[Any, Any, Any]:
    """(net, initial marking, final marking) of ``workflow`` as pm4py objects.

    Example:
        >>> net, im, fm = workflow_to_petri_net(read_workflow("welcome.yaml"))  # doctest: +SKIP
    """
    places = [_place(n.id) for n in workflow.nodes] + [FINAL]
    transitions: list[tuple[str, str | None]] = []
    arcs: list[tuple[str, str]] = []

    def connect(name: str, label: str | None, source: str, target: str) -> None:
        transitions.append((name, label))
        arcs.extend([(source, name), (name, target)])

    def step(node_id: str, key: str, labels: tuple[str, ...], target: str) -> None:
        """Move from a node's place to ``target`` through its labels (or silently)."""
        if not labels:
            connect(f"tau_{node_id}_{key}", None, _place(node_id), target)
        for i, label in enumerate(labels):
            connect(f"t_{node_id}_{key}_{i}", label, _place(node_id), target)

    for node in workflow.nodes:
        out = workflow.outgoing(node.id)
        if node.type == "end" or not out:  # an end, or a dead end: the contact leaves here
            step(node.id, "end", node.activities, FINAL)
        elif node.type in ("action", "wait"):
            step(node.id, "next", node.activities, _place(out[0].target))
        elif node.type == "wait_for_event":
            for edge in out:
                labels = node.activities if edge.exit == "event" else ()
                step(node.id, edge.exit or "next", labels, _place(edge.target))
        else:  # decision: the choice itself leaves no trace in the log
            for i, edge in enumerate(out):
                step(node.id, f"branch{i}", (), _place(edge.target))
    for goal in workflow.goals:
        for label_index, label in enumerate(goal.activities):
            for node in workflow.nodes:
                connect(f"goal_{goal.id}_{label_index}_{node.id}", label, _place(node.id), FINAL)
    return mining.build_petri_net(
        workflow.id,
        places,
        transitions,
        arcs,
        initial={_place(workflow.start): 1},
        final={FINAL: 1},
    )


def branch_transitions(workflow: Workflow) -> dict[tuple[str, str], list[str]]:
    """For every edge out of a decision or a wait-for-event, the net's transitions that take it
    (named as ``workflow_to_petri_net`` names them), keyed by (node id, target id).

    A goal whose label is also what the branch's target logs (a sales pipeline's "Deal won"
    is both its goal and its ``won`` step) can fire straight from the decision's place; an
    alignment may take that shortcut, and it is the same branch."""
    nodes = {n.id: n for n in workflow.nodes}
    branches: dict[tuple[str, str], list[str]] = {}
    for node in workflow.nodes:
        out = workflow.outgoing(node.id)
        if node.type == "decision":
            for i, edge in enumerate(out):
                logged = set(nodes[edge.target].activities)
                shortcuts = [
                    f"goal_{goal.id}_{k}_{node.id}"
                    for goal in workflow.goals
                    for k, label in enumerate(goal.activities)
                    if label in logged
                ]
                branches[(node.id, edge.target)] = [f"tau_{node.id}_branch{i}", *shortcuts]
        elif node.type == "wait_for_event":
            for edge in out:
                key = edge.exit or "next"
                labels = node.activities if edge.exit == "event" else ()
                names = [f"t_{node.id}_{key}_{i}" for i in range(len(labels))]
                branches[(node.id, edge.target)] = names or [f"tau_{node.id}_{key}"]
    return branches


def read_workflow_model(path: Path) -> tuple[Any, Any, Any]:
    """A designed workflow file (.yaml / .json) as an accepting Petri net: registered with
    ``mining.read_model`` so KPI settings and every command that reads a model take one."""
    return workflow_to_petri_net(read_workflow(path))


mining.register_model_format((".yaml", ".yml", ".json"), read_workflow_model)
