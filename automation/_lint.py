"""Static lint of a designed workflow: the design-only smells, each explained in plain words.

These need no event log. The smells that compare design with the log (a branch almost never
taken, a wait far too long...) are found later from conformance results.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx

from automation._workflow import Workflow

_OPENS = re.compile(r"\bopen(s|ed)?\b|email_open", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One smell: a stable rule id, the node it concerns (if any) and what it means."""

    rule: str
    node: str | None
    message: str

    @property
    def id(self) -> str:
        """Stable id of this finding: rule and node."""
        return f"{self.rule}:{self.node}" if self.node else self.rule

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"id": self.id, **asdict(self)}


def lint_workflow(workflow: Workflow) -> list[Finding]:
    """Every design smell of ``workflow``, in a stable order (rule, then node)."""
    findings: list[Finding] = []
    reachable = workflow.reachable()
    for node in workflow.nodes:
        out = workflow.outgoing(node.id)
        targets = [workflow.node(e.target) for e in out]
        if node.id not in reachable:
            findings.append(
                Finding("unreachable", node.id, "no path from the start reaches this step")
            )
        if node.type != "end" and not out:
            findings.append(
                Finding(
                    "dead-end",
                    node.id,
                    "contacts stop here without reaching an end or a goal; add an edge or an end",
                )
            )
        if node.type == "decision" and node.mode == "exclusive" and not any(e.default for e in out):
            findings.append(
                Finding(
                    "decision-without-default",
                    node.id,
                    "when no condition holds, contacts are stuck; mark one edge as default",
                )
            )
        if node.type == "decision" and len(out) == 1 and len(workflow.incoming(node.id)) == 1:
            findings.append(
                Finding(
                    "pointless-decision",
                    node.id,
                    "one way in and one way out: the decision decides nothing",
                )
            )
        if node.type == "wait" and any(t.type == "end" for t in targets):
            findings.append(
                Finding(
                    "wait-before-end",
                    node.id,
                    "waiting right before the end only delays the exit; remove the wait",
                )
            )
        if node.type == "wait" and any(t.type == "wait" for t in targets):
            findings.append(
                Finding(
                    "consecutive-waits",
                    node.id,
                    "two waits in a row: merge them into one wait of the combined length",
                )
            )
        opens = node.awaits == "opened" or (
            node.type == "wait_for_event" and _OPENS.search(node.event or "")
        )
        opens = opens or any(_OPENS.search(e.condition or "") for e in out)
        if opens:
            findings.append(
                Finding(
                    "branch-on-opens",
                    node.id,
                    "branches on email opens, which mail privacy features fake (Apple Mail "
                    "pre-fetches every pixel); branch on clicks instead",
                )
            )
    for component in _loops(workflow):
        leaves = any(e.target not in component for n in component for e in workflow.outgoing(n))
        if not leaves:
            first = min(component)
            findings.append(
                Finding(
                    "loop-without-exit",
                    first,
                    f"the loop through {', '.join(sorted(component))} has no way out: contacts "
                    "cycle forever; add an exit condition or a counter",
                )
            )
    if not workflow.goals:
        findings.append(
            Finding(
                "no-goal",
                None,
                "no goal: contacts who convert keep receiving nurture emails; add a goal that "
                "exits them (e.g. became a customer or a sales-qualified lead)",
            )
        )
    sends = [n for n in workflow.nodes if n.action == "send_email"]
    if sends and workflow.send_window is None:
        findings.append(
            Finding(
                "no-send-window",
                None,
                "emails go out at any hour, including nights and weekends; set a send window",
            )
        )
    re_entry = workflow.reenrollment
    if re_entry.allowed and re_entry.cooldown is None and not workflow.suppression:
        findings.append(
            Finding(
                "reenrollment-without-cooldown",
                None,
                "contacts can re-enter at once and be mailed again; add a cool-down or a "
                "suppression list",
            )
        )
    return sorted(findings, key=lambda f: (f.rule, f.node or ""))


def _loops(workflow: Workflow) -> list[set[str]]:
    """Strongly connected components that contain a cycle (networkx's iterative algorithm: a
    10,000-step workflow is no recursion-depth problem)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in workflow.nodes)
    graph.add_edges_from((e.source, e.target) for e in workflow.edges)
    return [
        set(component)
        for component in nx.strongly_connected_components(graph)
        if len(component) > 1 or any(graph.has_edge(n, n) for n in component)
    ]
