"""Pure figure builders for mining results: plotly only, no Graphviz, no Dash."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import plotly.graph_objects as go

from mining._discovery import ProcessMap
from mining._layout import Layout, box_size, layered_layout, wrap

START, END = "▶ start", "■ end"
_SLOW = "#c0392b"
_PATH = "#5b7083"


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _count(value: float) -> str:
    return f"{int(value):,}"


def map_layout(
    pmap: ProcessMap,
    metric: Literal["frequency", "performance"] = "frequency",
    *,
    number: Callable[[float], str] = _count,
    duration: Callable[[float], str] = _duration,
    start: str = START,
    end: str = END,
) -> Layout:
    """The layered layout of a process map, start on the left and end on the right, each
    activity's box sized to its wrapped name and count, each path labelled by its count (or,
    with ``metric="performance"``, its median time) in the given formats; the figure here and
    the dashboard's map both draw it, so they show the same picture. ``start`` and ``end`` name
    the two end points among the layout's nodes."""
    if metric not in ("frequency", "performance"):
        raise ValueError(f"metric must be 'frequency' or 'performance', not {metric!r}")
    nodes = [str(a) for a in pmap.nodes["activity"]]
    sizes = {start: (30.0, 30.0), end: (30.0, 30.0)}
    texts: dict[str, tuple[str, ...]] = {start: (), end: ()}
    for name, events in zip(nodes, pmap.nodes["events"], strict=True):
        lines, _ = wrap(name)
        texts[name] = (*lines, number(events))
        sizes[name] = box_size(texts[name], bold_lines=len(lines))
    edges, labels, weights = _paths(pmap, metric, number, duration, start, end)
    return layered_layout(
        [start, *nodes, end],
        edges,
        sizes,
        labels=labels,
        weights=weights,
        first=start,
        last=end,
        texts=texts,
    )


def _paths(
    pmap: ProcessMap,
    metric: str,
    number: Callable[[float], str] = _count,
    duration: Callable[[float], str] = _duration,
    start: str = START,
    end: str = END,
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str], dict[tuple[str, str], float]]:
    """The map's edges (from start, between activities, to end), their labels and counts."""
    edges: list[tuple[str, str]] = []
    labels: dict[tuple[str, str], str] = {}
    weights: dict[tuple[str, str], float] = {}
    for activity, starts, ends in zip(
        pmap.nodes["activity"], pmap.nodes["starts"], pmap.nodes["ends"], strict=True
    ):
        if starts:
            edges.append((start, str(activity)))
            weights[edges[-1]] = float(starts)
            labels[edges[-1]] = number(starts)
        if ends:
            edges.append((str(activity), end))
            weights[edges[-1]] = float(ends)
            labels[edges[-1]] = number(ends)
    for source, target, count, median in zip(
        pmap.edges["source"],
        pmap.edges["target"],
        pmap.edges["frequency"],
        pmap.edges["median_seconds"],
        strict=True,
    ):
        edge = (str(source), str(target))
        edges.append(edge)
        weights[edge] = float(count)
        labels[edge] = duration(median) if metric == "performance" else number(count)
    return edges, labels, weights


def process_map_figure(
    pmap: ProcessMap, *, metric: Literal["frequency", "performance"] = "frequency"
) -> go.Figure:
    """The process map drawn left to right at full size (one pixel per layout pixel, so labels
    fit their boxes): activities as boxes with their counts, paths as arrows whose width follows
    frequency, routed around the boxes; with ``metric="performance"`` each path is labelled
    with its median time and the slowest fifth are drawn in red. Names too long for three lines
    are shortened, in full on hover.

    Example:
        >>> process_map_figure(process_map(log, paths=0.6), metric="performance").show()
        ... # doctest: +SKIP
    """
    layout = map_layout(pmap, metric)
    nodes, paths = pmap.nodes, pmap.edges
    events = {str(a): int(n) for a, n in zip(nodes["activity"], nodes["events"], strict=True)}
    cases = {str(a): int(n) for a, n in zip(nodes["activity"], nodes["cases"], strict=True)}
    median = {
        (str(s), str(t)): m
        for s, t, m in zip(paths["source"], paths["target"], paths["median_seconds"], strict=True)
    }
    _, _, weights = _paths(pmap, "frequency")
    top = max(weights.values(), default=1.0) or 1.0
    known = [m for m in median.values() if m == m]
    slow_cut = sorted(known)[int(0.8 * (len(known) - 1))] if known else math.inf
    figure = go.Figure()
    heads_x, heads_y, heads_angle, heads_colour = [], [], [], []
    for route in layout.routes:
        edge = (route.source, route.target)
        slow = metric == "performance" and median.get(edge, -1.0) >= slow_cut
        colour = _SLOW if slow else _PATH
        xs, ys = zip(*route.points, strict=True)
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": colour, "width": 1 + 5 * math.sqrt(weights[edge] / top)},
                opacity=0.8,
                hoverinfo="skip",
                showlegend=False,
                meta={"edge": [route.source, route.target]},
            )
        )
        (x0, y0), (x1, y1) = route.points[-2], route.points[-1]
        length = math.dist((x0, y0), (x1, y1)) or 1.0
        heads_x.append(x1 - 4 * (x1 - x0) / length)  # the tip touches the box, not inside it
        heads_y.append(y1 - 4 * (y1 - y0) / length)
        heads_angle.append(math.degrees(math.atan2(x1 - x0, y0 - y1)) % 360)
        heads_colour.append(colour)
    figure.add_trace(
        go.Scatter(
            x=heads_x,
            y=heads_y,
            mode="markers",
            marker={
                "symbol": "triangle-up",
                "size": 9,
                "angle": heads_angle,
                "color": heads_colour,
                "standoff": 0,
            },
            hoverinfo="skip",
            showlegend=False,
        )
    )
    _, labels, _ = _paths(pmap, metric)
    for route in layout.routes:
        edge = (route.source, route.target)
        if route.label is None:
            continue
        slow = metric == "performance" and median.get(edge, -1.0) >= slow_cut
        figure.add_annotation(
            x=route.label.x,
            y=route.label.y,
            text=labels[edge],
            showarrow=False,
            font={"size": 10, "color": _SLOW if slow else "#333"},
            bgcolor="rgba(255,255,255,0.85)",
            borderpad=1,
            name=f"edge:{route.source}->{route.target}",
        )
    shown = [START, *events, END]
    for node in shown:
        box = layout.boxes[node]
        endpoint = node in (START, END)
        figure.add_shape(
            type="circle" if endpoint else "rect",
            x0=box.left,
            x1=box.right,
            y0=box.top,
            y1=box.bottom,
            fillcolor="#e8eef3" if endpoint else "#cfe3f7",
            line={"color": "#2c5d8a", "width": 1.5},
            layer="above",
            name=f"node:{node}",
        )
        if endpoint:
            text = "▶" if node == START else "■"
        else:
            lines, _ = wrap(node)
            text = "<br>".join(f"<b>{line}</b>" for line in lines) + f"<br>{events[node]:,}"
        figure.add_annotation(
            x=box.x,
            y=box.y,
            text=text,
            showarrow=False,
            font={"size": 11, "color": "#1b2631"},
            name=f"text:{node}",
        )
    figure.add_trace(
        go.Scatter(
            x=[layout.boxes[n].x for n in shown],
            y=[layout.boxes[n].y for n in shown],
            mode="markers",
            marker={"size": 20, "opacity": 0},
            hovertext=[
                n if n in (START, END) else f"{n}: {events[n]:,} events in {cases[n]:,} cases"
                for n in shown
            ],
            hoverinfo="text",
            showlegend=False,
            name="activities",
        )
    )
    hidden = [r for r in layout.routes if r.label is None and labels.get((r.source, r.target))]
    if hidden:  # the numbers of paths whose label found no free place are still on hover
        figure.add_trace(
            go.Scatter(
                x=[(r.points[-2][0] + r.points[-1][0]) / 2 for r in hidden],
                y=[(r.points[-2][1] + r.points[-1][1]) / 2 for r in hidden],
                mode="markers",
                marker={"size": 8, "opacity": 0},
                hovertext=[
                    f"{r.source} → {r.target}: {labels[r.source, r.target]}" for r in hidden
                ],
                hoverinfo="text",
                showlegend=False,
            )
        )
    margin = {"l": 10, "r": 10, "t": 50, "b": 10}
    width, height = math.ceil(max(layout.width, 460.0)), math.ceil(layout.height)
    figure.update_layout(
        title=(
            f"Process map ({metric}): {pmap.activity_coverage:.0%} of events, "
            f"{pmap.path_coverage:.0%} of transitions"
        ),
        xaxis={"visible": False, "range": [0, width]},
        yaxis={"visible": False, "range": [height, 0]},
        plot_bgcolor="white",
        margin=margin,
        autosize=False,
        width=width + margin["l"] + margin["r"],
        height=height + margin["t"] + margin["b"],
        hovermode="closest",
    )
    return figure
