"""A readable outline of a workflow, for ``mejora workflow show``."""

from __future__ import annotations

from automation._workflow import Edge, Node, Workflow, format_duration


def _detail(node: Node) -> str:
    if node.type == "action":
        return f"{node.action}"
    if node.type == "wait":
        return f"wait {format_duration(node.duration)}" if node.duration else f"until {node.until}"
    if node.type == "wait_for_event":
        timeout = format_duration(node.timeout) if node.timeout else "?"
        return f"wait for {node.event}, at most {timeout}"
    if node.type == "decision":
        return "A/B split" if node.mode == "split" else "decision"
    return "end"


def _edge_text(edge: Edge) -> str:
    if edge.exit:
        return f"on {edge.exit}"
    if edge.default:
        return "otherwise"
    if edge.weight is not None:
        return f"{edge.weight:.0%} of contacts"
    if edge.condition:
        return f"if {edge.condition}"
    return ""


def outline(workflow: Workflow) -> str:
    """Header, entry rules and goals, then every step in the order a contact meets it."""
    lines = [
        f"{workflow.name} ({workflow.id}, version {workflow.version}, {workflow.status})",
    ]
    if workflow.objective:
        lines.append(f"Objective: {workflow.objective}")
    for trigger in workflow.triggers:
        lines.append(
            f"Enters on: {trigger.type}"
            + (f" - {trigger.description}" if trigger.description else "")
        )
    re_entry = workflow.reenrollment
    lines.append(
        "Re-enrolment: "
        + ("allowed" if re_entry.allowed else "no")
        + (f", cool-down {format_duration(re_entry.cooldown)}" if re_entry.cooldown else "")
        + (f"; suppressed: {', '.join(workflow.suppression)}" if workflow.suppression else "")
    )
    for goal in workflow.goals:
        lines.append(f"Goal: {goal.description or goal.id}")
    if workflow.send_window:
        w = workflow.send_window
        lines.append(f"Send window: {', '.join(w.days)} {w.start}-{w.end} ({w.timezone})")
    lines.append("")
    order = _order(workflow)
    number = {node_id: i for i, node_id in enumerate(order, 1)}
    for node_id in order:
        node = workflow.node(node_id)
        shows = f"  [log: {', '.join(node.activities)}]" if node.activities else ""
        lines.append(f"{number[node_id]:>2}. {node.label} ({_detail(node)}){shows}")
        for edge in workflow.outgoing(node_id):
            how = _edge_text(edge)
            target = workflow.node(edge.target)
            lines.append(
                f"      -> {number[edge.target]}. {target.label}" + (f"  ({how})" if how else "")
            )
    return "\n".join(lines)


def _order(workflow: Workflow) -> list[str]:
    """Breadth-first from the start; unreachable nodes last, in file order."""
    seen: list[str] = []
    queue = [workflow.start]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.append(current)
        queue.extend(e.target for e in workflow.outgoing(current))
    return seen + [n.id for n in workflow.nodes if n.id not in seen]
