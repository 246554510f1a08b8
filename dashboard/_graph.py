"""Cytoscape elements for the process map and the designed workflow (drawing only: the numbers
come from ``mining.process_map`` and the conformance check)."""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd

import mining
from automation import Workflow
from dashboard._components import duration, number, share
from mining import ProcessMap

START, END = "__start__", "__end__"
# top to bottom, in a box that grows with the activities (see ``map_height``): a map fitted into
# a fixed box shrank a 14-activity map's labels to 5 px
# the map's places come from mining.map_layout (the same layered layout as --figure), drawn at
# full size in a box as tall as the map: a map fitted into a fixed box shrank a 14-activity
# map's labels to 5 px
LAYOUT = {"name": "preset", "animate": False, "fit": False, "padding": 20}
MAP_MIN_HEIGHT, MAP_MAX_HEIGHT = 360, 2400  # pixels


WORKFLOW_LAYOUT = LAYOUT

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
    {
        "selector": ".routed",
        "style": {
            "curve-style": "segments",
            "segment-weights": "data(bend_weights)",
            "segment-distances": "data(bend_distances)",
            "edge-distances": "node-position",
            "label": "",
        },
    },
    {"selector": ".loop", "style": {"loop-direction": "0deg", "loop-sweep": "-40deg", "label": ""}},
    {
        "selector": ".edge-label",
        "style": {
            "shape": "rectangle",
            "background-opacity": 0.85,
            "border-width": 0,
            "font-size": 10,
            "events": "no",
            "padding": 0,
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
    """Nodes (activities, plus start and end), edges (paths) and edge labels of a process map
    at the places ``mining.map_layout`` gives them (the same picture as ``--figure``): long
    paths bend through their own slots, each label sits on its path; frequency labels counts,
    performance labels the median time and draws the slowest fifth in red."""
    layout = mining.map_layout(pmap, metric, number=number, duration=duration, start=START, end=END)
    nodes, edges = pmap.nodes, pmap.edges
    most = max(int(nodes["events"].max()) if len(nodes) else 1, 1)
    elements: list[dict] = []
    for node in (START, END):
        box = layout.boxes[node]
        elements.append(
            {
                "data": {
                    "id": node,
                    "label": "",
                    "kind": "endpoint",
                    "colour": "#7f8c8d",
                    "ink": "#000",
                },
                "position": {"x": box.x, "y": box.y},
                "classes": "endpoint",
            }
        )
    for row in nodes.itertuples():
        colour, ink = _blue(0.15 + 0.85 * row.events / most)
        box = layout.boxes[str(row.activity)]
        elements.append(
            {
                "data": {
                    "id": f"a:{row.activity}",
                    "label": "\n".join(layout.texts[str(row.activity)]),
                    "w": box.w,
                    "h": box.h,
                    "activity": str(row.activity),
                    "kind": "activity",
                    "colour": colour,
                    "ink": ink,
                },
                "position": {"x": box.x, "y": box.y},
            }
        )
    frequency = {
        (START, str(a)): n for a, n in zip(nodes["activity"], nodes["starts"], strict=True)
    }
    frequency |= {(str(a), END): n for a, n in zip(nodes["activity"], nodes["ends"], strict=True)}
    medians = {}
    for r in edges.itertuples():
        frequency[(str(r.source), str(r.target))] = r.frequency
        medians[(str(r.source), str(r.target))] = r.median_seconds
    busiest = max(frequency.values(), default=1) or 1
    known = pd.Series(list(medians.values()), dtype=float)
    slow = known.quantile(0.8) if known.notna().any() else float("inf")
    for route in layout.routes:
        source, target = route.source, route.target
        median = medians.get((source, target), float("nan"))
        red = metric == "performance" and median == median and median >= slow
        ends = START in (source, target) or END in (source, target)
        label = (
            number(frequency[(source, target)])
            if metric == "frequency" or ends
            else duration(median)
        )
        path_id = f"p:{source}->{target}"
        elements.append(
            {
                "data": {
                    # the id names the path, so a redrawn map never reuses an id for another
                    # path (Cytoscape keeps an element's ends by id and would drop the arrow)
                    "id": path_id,
                    "source": source if source in (START, END) else f"a:{source}",
                    "target": target if target in (START, END) else f"a:{target}",
                    "from": str(source),
                    "to": str(target),
                    "kind": "end" if ends else "path",
                    "label": label,
                    "width": round(1 + 7 * frequency[(source, target)] / busiest, 2),
                    "colour": "#c0392b" if red else "#7f8c8d",
                    **_bends(route, layout),
                },
                "classes": "loop" if source == target else "routed",
            }
        )
        if route.label is not None:
            elements.append(_label_element(f"l:{path_id}", label, route.label, red))
    return elements


def _label_element(element_id: str, text: str, box: Any, red: bool) -> dict:
    """An edge's label as a node of its own at the place the layout found for it (Cytoscape's
    own edge labels sit at the middle of the edge, on top of other labels)."""
    return {
        "data": {
            "id": element_id,
            "label": text,
            "kind": "label",
            "w": box.w,
            "h": box.h,
            "colour": "#ffffff",
            "ink": "#c0392b" if red else "#333333",
        },
        "position": {"x": box.x, "y": box.y},
        "classes": "edge-label",
        "selectable": False,
        "grabbable": False,
    }


def _bends(route: Any, layout: Any) -> dict[str, list[float]]:
    """A routed path's bends as Cytoscape's segment weights (along the line between the two
    centres) and distances (across it), for ``curve-style: segments``."""
    if route.source == route.target:
        return {}
    a, b = layout.boxes[route.source], layout.boxes[route.target]
    dx, dy = b.x - a.x, b.y - a.y
    length2 = dx * dx + dy * dy or 1.0
    weights, distances = [], []
    # the ends as bends just outside the boxes, so Cytoscape leaves and enters each box at its
    # port, from the side, as the layout drew it (not towards the box's centre)
    (x0, y0), (x1, y1) = route.points[0], route.points[-1]
    out = 2.0 if route.points[1][0] >= x0 else -2.0
    into = 2.0 if route.points[-2][0] <= x1 else -2.0
    bends = [(x0 + out, y0), *route.points[1:-1], (x1 - into, y1)]
    for x, y in bends:
        px, py = x - a.x, y - a.y
        weights.append(round((px * dx + py * dy) / length2, 5))
        distances.append(round((dx * py - dy * px) / math.sqrt(length2), 2))
    return {"bend_weights": weights, "bend_distances": distances}


def map_height(layout_height: float) -> int:
    """Pixels for a map or workflow drawn at full size: its layout's height, within bounds."""
    return int(min(max(layout_height + 40, MAP_MIN_HEIGHT), MAP_MAX_HEIGHT))


def elements_height(elements: list[dict]) -> float:
    """How far down a drawn map's elements reach."""
    return max(
        (e["position"]["y"] + e["data"].get("h", 30) / 2 for e in elements if "position" in e),
        default=0.0,
    )


def workflow_elements(
    workflow: Workflow,
    usage: pd.DataFrame,
    branches: pd.DataFrame,
    deviations: pd.DataFrame,
    cases: int,
) -> list[dict]:
    """The designed workflow with observed traffic, laid out like the process map: per node the
    cases that did its activities and the share that skipped them, per branch the cases that
    took it (never-taken dashed red)."""
    fired = usage.groupby("label")["cases"].max() if len(usage) else pd.Series(dtype=float)
    skipped = (
        deviations[deviations["kind"] == "skipped"].set_index("activity")["cases"]
        if len(deviations)
        else {}
    )
    taken = {(r.node, r.target): r for r in branches.itertuples()}
    most = max(cases, 1)
    texts: dict[str, tuple[str, ...]] = {}
    fills: dict[str, tuple[str, str]] = {}
    for node in workflow.nodes:
        traffic = max((int(fired.get(a, 0)) for a in node.activities), default=None)
        skips = sum(int(skipped.get(a, 0)) for a in node.activities) if len(node.activities) else 0
        lines, _ = mining.wrap_label(node.label)
        if traffic is not None:
            lines.append(f"{number(traffic)} cases")
        if skips:
            lines.append(f"skipped {share(skips / most)}")
        texts[node.id] = tuple(lines)
        fills[node.id] = _blue(0.1 + 0.8 * (traffic or 0) / most)
        if skips:
            fills[node.id] = ("#f5b7b1", "#1b2631")
    labels: dict[tuple[str, str], str] = {}
    for edge in workflow.edges:
        branch = taken.get((edge.source, edge.target))
        label = edge.label or edge.condition or edge.exit or ""
        if branch is not None and branch.cases_at_node:
            label = f"{label} {number(branch.cases)}/{number(branch.cases_at_node)}".strip()
        labels.setdefault((edge.source, edge.target), label[:40])
    layout = mining.layered_layout(
        [n.id for n in workflow.nodes],
        [(e.source, e.target) for e in workflow.edges],
        {n: mining.box_size(lines, bold_lines=0) for n, lines in texts.items()},
        labels=labels,
        texts=texts,
    )
    elements: list[dict] = []
    for node in workflow.nodes:
        box = layout.boxes[node.id]
        colour, ink = fills[node.id]
        elements.append(
            {
                "data": {
                    "id": node.id,
                    "label": "\n".join(texts[node.id]),
                    "colour": colour,
                    "ink": ink,
                    "w": box.w,
                    "h": box.h,
                },
                "position": {"x": box.x, "y": box.y},
            }
        )
    routes = {(r.source, r.target): r for r in layout.routes}
    labelled: set[tuple[str, str]] = set()  # one label for paths with the same two ends
    for i, edge in enumerate(workflow.edges):
        branch = taken.get((edge.source, edge.target))
        never = bool(branch is not None and branch.never_taken)
        route = routes[(edge.source, edge.target)]
        edge_id = f"w:{edge.source}->{edge.target}#{i}"
        elements.append(
            {
                "data": {
                    "id": edge_id,
                    "source": edge.source,
                    "target": edge.target,
                    "label": labels[(edge.source, edge.target)],
                    "width": 2,
                    "colour": "#c0392b" if never else "#7f8c8d",
                    **_bends(route, layout),
                },
                "classes": ("loop" if edge.source == edge.target else "routed")
                + (" never" if never else ""),
            }
        )
        label = labels[(edge.source, edge.target)]
        if route.label is not None and label and (edge.source, edge.target) not in labelled:
            labelled.add((edge.source, edge.target))
            elements.append(_label_element(f"l:{edge_id}", label, route.label, never))
    return elements
