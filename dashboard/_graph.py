"""Cytoscape elements for the process map and the designed workflow (drawing only: the numbers
come from ``mining.process_map`` and the conformance check)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from automation import Workflow
from dashboard._components import duration, number, share
from mining import ProcessMap

START, END = "__start__", "__end__"
# top to bottom, in a box that grows with the activities (see ``map_height``): a map fitted into
# a fixed box shrank a 14-activity map's labels to 5 px
LAYOUT = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": 30,
    "rankSep": 55,
    "animate": False,
    "fit": False,
    "padding": 20,
}
MAP_MIN_HEIGHT, MAP_MAX_HEIGHT, MAP_ROW = 560, 2400, 95  # pixels; MAP_ROW per activity


def map_height(activities: int) -> int:
    """Pixels for a map of ``activities`` boxes drawn top to bottom at about full size."""
    return int(min(max(MAP_ROW * (activities + 1), MAP_MIN_HEIGHT), MAP_MAX_HEIGHT))


WORKFLOW_LAYOUT = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": 30,
    "rankSep": 45,
    "animate": False,
    "fit": False,
    "padding": 20,
}

STYLESHEET: list[dict[str, Any]] = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "shape": "round-rectangle",
            "text-wrap": "wrap",
            "text-valign": "center",
            "font-size": 11,
            "width": "data(w)",
            "height": "data(h)",
            "background-color": "data(colour)",
            "border-width": 1,
            "border-color": "#34495e",
            "color": "data(ink)",
        },
    },
    {
        "selector": ".endpoint",
        "style": {"shape": "ellipse", "width": 22, "height": 22, "padding": 0},
    },
    {
        "selector": "edge",
        "style": {
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "label": "data(label)",
            "font-size": 10,
            "width": "data(width)",
            "line-color": "data(colour)",
            "target-arrow-color": "data(colour)",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.85,
            "text-background-padding": "2px",
        },
    },
    {"selector": ".never", "style": {"line-style": "dashed"}},
    {"selector": ":selected", "style": {"border-width": 3, "border-color": "#e67e22"}},
]


def _size(label: str) -> dict[str, int]:
    """Box width and height that fit a (multi-line) label at font size 11."""
    lines = label.split("\n")
    return {"w": max(len(line) for line in lines) * 7 + 20, "h": 16 * len(lines) + 14}


def _blue(level: float) -> tuple[str, str]:
    """A fill from pale to deep blue for 0–1, and a readable ink for it."""
    level = min(max(level, 0.0), 1.0)
    low, high = (232, 240, 250), (31, 84, 150)
    rgb = tuple(round(a + (b - a) * level) for a, b in zip(low, high, strict=True))
    return f"rgb{rgb}", "#ffffff" if level > 0.55 else "#1b2631"


def map_elements(pmap: ProcessMap, metric: Literal["frequency", "performance"]) -> list[dict]:
    """Nodes (activities, plus start and end) and edges (paths) of a process map; frequency
    labels counts, performance labels the median time and draws the slowest fifth in red."""
    nodes, edges = pmap.nodes, pmap.edges
    most = max(int(nodes["events"].max()) if len(nodes) else 1, 1)
    elements: list[dict] = []
    for node in (START, END):
        elements.append(
            {
                "data": {
                    "id": node,
                    "label": "",
                    "kind": "endpoint",
                    "colour": "#7f8c8d",
                    "ink": "#000",
                },
                "classes": "endpoint",
            }
        )
    for row in nodes.itertuples():
        colour, ink = _blue(0.15 + 0.85 * row.events / most)
        label = f"{row.activity}\n{number(row.events)}"
        elements.append(
            {
                "data": {
                    "id": f"a:{row.activity}",
                    "label": label,
                    **_size(label),
                    "activity": str(row.activity),
                    "kind": "activity",
                    "colour": colour,
                    "ink": ink,
                }
            }
        )
    paths = [(r.source, r.target, r.frequency, r.median_seconds) for r in edges.itertuples()]
    paths += [
        (START, a, n, float("nan"))
        for a, n in zip(nodes["activity"], nodes["starts"], strict=True)
        if n
    ]
    paths += [
        (a, END, n, float("nan"))
        for a, n in zip(nodes["activity"], nodes["ends"], strict=True)
        if n
    ]
    busiest = max((p[2] for p in paths), default=1) or 1
    medians = pd.Series([p[3] for p in paths], dtype=float)
    slow = medians.quantile(0.8) if medians.notna().any() else float("inf")
    for source, target, frequency, median in paths:
        red = metric == "performance" and median == median and median >= slow
        label = (
            number(frequency)
            if metric == "frequency"
            else ("" if median != median else duration(median))
        )
        elements.append(
            {
                "data": {
                    # the id names the path, so a redrawn map never reuses an id for another
                    # path (Cytoscape keeps an element's ends by id and would drop the arrow)
                    "id": f"p:{source}->{target}",
                    "source": source if source in (START, END) else f"a:{source}",
                    "target": target if target in (START, END) else f"a:{target}",
                    "from": str(source),
                    "to": str(target),
                    "kind": "path"
                    if START not in (source, target) and END not in (source, target)
                    else "end",
                    "label": label,
                    "width": round(1 + 7 * frequency / busiest, 2),
                    "colour": "#c0392b" if red else "#7f8c8d",
                }
            }
        )
    return elements


def workflow_elements(
    workflow: Workflow,
    usage: pd.DataFrame,
    branches: pd.DataFrame,
    deviations: pd.DataFrame,
    cases: int,
) -> list[dict]:
    """The designed workflow with observed traffic: per node the cases that did its activities
    and the share that skipped them, per branch the cases that took it (never-taken dashed red)."""
    fired = usage.groupby("label")["cases"].max() if len(usage) else pd.Series(dtype=float)
    skipped = (
        deviations[deviations["kind"] == "skipped"].set_index("activity")["cases"]
        if len(deviations)
        else {}
    )
    taken = {(r.node, r.target): r for r in branches.itertuples()}
    most = max(cases, 1)
    elements: list[dict] = []
    for node in workflow.nodes:
        traffic = max((int(fired.get(a, 0)) for a in node.activities), default=None)
        skips = sum(int(skipped.get(a, 0)) for a in node.activities) if len(node.activities) else 0
        lines = [node.label]
        if traffic is not None:
            lines.append(f"{number(traffic)} cases")
        if skips:
            lines.append(f"skipped {share(skips / most)}")
        colour, ink = _blue(0.1 + 0.8 * (traffic or 0) / most)
        if skips:
            colour, ink = "#f5b7b1", "#1b2631"
        label = "\n".join(lines)
        elements.append(
            {"data": {"id": node.id, "label": label, "colour": colour, "ink": ink, **_size(label)}}
        )
    for i, edge in enumerate(workflow.edges):
        branch = taken.get((edge.source, edge.target))
        never = bool(branch is not None and branch.never_taken)
        label = edge.label or edge.condition or edge.exit or ""
        if branch is not None and branch.cases_at_node:
            label = f"{label} {number(branch.cases)}/{number(branch.cases_at_node)}".strip()
        elements.append(
            {
                "data": {
                    "id": f"w:{edge.source}->{edge.target}#{i}",
                    "source": edge.source,
                    "target": edge.target,
                    "label": label[:40],
                    "width": 2,
                    "colour": "#c0392b" if never else "#7f8c8d",
                },
                "classes": "never" if never else "",
            }
        )
    return elements
