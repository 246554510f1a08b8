"""Pure figure builders for mining results: plotly only, no Graphviz, no Dash."""

from __future__ import annotations

import math
from typing import Literal

import plotly.graph_objects as go

from mining._discovery import ProcessMap
from mining._layout import layers

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


def process_map_figure(
    pmap: ProcessMap, *, metric: Literal["frequency", "performance"] = "frequency"
) -> go.Figure:
    """The process map drawn left to right: activities as boxes with their counts, paths as
    arrows whose width follows frequency; with ``metric="performance"`` each path is labelled
    with its median time and the slowest ones are drawn in red.

    Example:
        >>> process_map_figure(process_map(log, paths=0.6), metric="performance").show()
        ... # doctest: +SKIP
    """
    if metric not in ("frequency", "performance"):
        raise ValueError(f"metric must be 'frequency' or 'performance', not {metric!r}")
    nodes = list(pmap.nodes["activity"])
    edges = list(zip(pmap.edges["source"], pmap.edges["target"], strict=True))
    starts = {a: n for a, n in zip(pmap.nodes["activity"], pmap.nodes["starts"], strict=True) if n}
    ends = {a: n for a, n in zip(pmap.nodes["activity"], pmap.nodes["ends"], strict=True) if n}
    graph_edges = [(START, a) for a in starts] + edges + [(a, END) for a in ends]
    layer = layers([START, *nodes, END], graph_edges)
    layer[END] = max(layer.values()) + (1 if layer[END] <= max(layer[n] for n in nodes) else 0)
    rows: dict[int, list[str]] = {}
    for node in sorted(layer, key=lambda n: (layer[n], str(n))):
        rows.setdefault(layer[node], []).append(node)
    position = {
        node: (layer[node] * 3.0, -(i - (len(members) - 1) / 2) * 1.6)
        for members in rows.values()
        for i, node in enumerate(members)
    }
    figure = go.Figure()
    top = max(int(pmap.edges["frequency"].max()) if len(pmap.edges) else 1, 1)
    slow_cut = pmap.edges["median_seconds"].quantile(0.8) if len(pmap.edges) else math.inf
    frequency = dict(zip(edges, pmap.edges["frequency"], strict=True))
    median = dict(zip(edges, pmap.edges["median_seconds"], strict=True))
    for source, target in graph_edges:
        (x0, y0), (x1, y1) = position[source], position[target]
        count = frequency.get((source, target)) or starts.get(target) or ends.get(source) or 0
        slow = metric == "performance" and median.get((source, target), 0) >= slow_cut
        if (source, target) in median and metric == "performance":
            label = _duration(median[(source, target)])
        else:
            label = f"{int(count):,}"
        figure.add_annotation(
            x=x1 - 0.45,
            y=y1,
            ax=x0 + 0.45,
            ay=y0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1,
            arrowwidth=1 + 5 * math.sqrt(count / top),
            arrowcolor=_SLOW if slow else _PATH,
            opacity=0.8,
            text="",
        )
        figure.add_annotation(
            x=(x0 + x1) / 2,
            y=(y0 + y1) / 2 + 0.18,
            text=label,
            showarrow=False,
            font={"size": 11, "color": _SLOW if slow else "#333"},
            bgcolor="rgba(255,255,255,0.8)",
        )
    events = dict(zip(pmap.nodes["activity"], pmap.nodes["events"], strict=True))
    cases = dict(zip(pmap.nodes["activity"], pmap.nodes["cases"], strict=True))
    shown = [START, *nodes, END]
    figure.add_trace(
        go.Scatter(
            x=[position[n][0] for n in shown],
            y=[position[n][1] for n in shown],
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": 46,
                "color": ["#e8eef3" if n in (START, END) else "#cfe3f7" for n in shown],
                "line": {"color": "#2c5d8a", "width": 1.5},
            },
            text=[n if n in (START, END) else f"<b>{n}</b><br>{int(events[n]):,}" for n in shown],
            textposition="middle center",
            hovertext=[
                n
                if n in (START, END)
                else f"{n}: {int(events[n]):,} events in {int(cases[n]):,} cases"
                for n in shown
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    figure.update_layout(
        title=(
            f"Process map ({metric}): {pmap.activity_coverage:.0%} of events, "
            f"{pmap.path_coverage:.0%} of transitions"
        ),
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="white",
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
        height=max(360, 140 * max(len(m) for m in rows.values())),
    )
    return figure
