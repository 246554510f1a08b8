"""Which designed branches the cases really take: a branch nobody takes is a finding."""

from __future__ import annotations

import pandas as pd

from automation._petri import branch_transitions
from automation._workflow import Workflow
from mining import ConformanceResult

COLUMNS = ["node", "node_name", "target", "condition", "cases_at_node", "cases", "share"]


def branch_usage(workflow: Workflow, result: ConformanceResult) -> pd.DataFrame:
    """Per branch of every decision and wait-for-event: cases that reached the node, cases that
    took the branch, and the share; ``result`` is a conformance check of the log against
    ``workflow_to_petri_net(workflow)`` (alignments or token replay). Never-taken branches
    come first.

    Example:
        >>> usage = branch_usage(workflow, check_conformance(log, *workflow_to_petri_net(workflow)))
        >>> usage[usage.cases == 0]                                     # doctest: +SKIP
    """
    branches = branch_transitions(workflow)
    fired_sets = [set(t) for t in result.variants["transitions"]]
    counts = [int(n) for n in result.variants["cases"]]

    def cases_firing(names: set[str]) -> int:
        return sum(n for fired, n in zip(fired_sets, counts, strict=True) if fired & names)

    by_node: dict[str, set[str]] = {}
    for (node_id, _), names in branches.items():
        by_node.setdefault(node_id, set()).update(names)
    nodes = {n.id: n for n in workflow.nodes}
    rows = []
    for (node_id, target), names in branches.items():
        edge = next(e for e in workflow.outgoing(node_id) if e.target == target)
        condition = edge.condition or edge.exit or ("default" if edge.default else "")
        at_node = cases_firing(by_node[node_id])
        taken = cases_firing(set(names))
        rows.append(
            (node_id, nodes[node_id].name, target, condition, at_node, taken, taken / at_node)
            if at_node
            else (node_id, nodes[node_id].name, target, condition, 0, taken, float("nan"))
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["never_taken"] = (frame["cases"] == 0) & (frame["cases_at_node"] > 0)
    return frame.sort_values(["never_taken", "node"], ascending=[False, True]).reset_index(
        drop=True
    )
