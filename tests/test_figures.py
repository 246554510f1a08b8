"""Figure builders return plotly figures that show what the result holds (no Graphviz)."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

import sample_logs
from mining import process_map
from mining._figures import END, START, process_map_figure


@pytest.fixture(scope="module")
def pmap():
    return process_map(sample_logs.load_sales_activities(), paths=0.7)


def _boxes(figure: go.Figure) -> dict[str, object]:
    return {s.name.removeprefix("node:"): s for s in figure.layout.shapes}


def _texts(figure: go.Figure) -> dict[str, str]:
    return {a.name: a.text for a in figure.layout.annotations}


def test_frequency_map_shows_every_activity_and_path(pmap):
    figure = process_map_figure(pmap)
    assert isinstance(figure, go.Figure)
    boxes = _boxes(figure)
    assert set(boxes) == {START, END, *pmap.nodes["activity"]}
    lines = [t for t in figure.data if t.mode == "lines"]
    starts = pmap.nodes["starts"].gt(0).sum()
    ends = pmap.nodes["ends"].gt(0).sum()
    assert len(lines) == len(pmap.edges) + starts + ends  # one line per arrow
    texts = _texts(figure)
    edge_labels = [k for k in texts if k.startswith("edge:")]
    assert len(edge_labels) == len(lines)  # every arrow has its number on it
    qualified = pmap.nodes.set_index("activity").loc["Qualified", "events"]
    assert f"{qualified:,}" in texts["text:Qualified"]
    # boxes never share area
    spans = [(b.x0, b.x1, b.y0, b.y1) for b in boxes.values()]
    for i, (a0, a1, b0, b1) in enumerate(spans):
        for c0, c1, d0, d1 in spans[i + 1 :]:
            assert a1 <= c0 or c1 <= a0 or b1 <= d0 or d1 <= b0
    # drawn one pixel per layout pixel: the axes span exactly the plot area
    width = figure.layout.width - figure.layout.margin.l - figure.layout.margin.r
    height = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b
    assert tuple(figure.layout.xaxis.range) == (0, width)
    assert tuple(figure.layout.yaxis.range) == (height, 0)


def test_performance_map_labels_times_and_marks_the_slowest_paths(pmap):
    figure = process_map_figure(pmap, metric="performance")
    labels = [a for a in figure.layout.annotations if a.name.startswith("edge:")]
    assert any(a.text.endswith((" d", " h")) for a in labels)
    slow = [t for t in figure.data if t.mode == "lines" and t.line.color == "#c0392b"]
    assert 1 <= len(slow) <= len(pmap.edges) // 2 + 1
    with pytest.raises(ValueError, match="metric must be"):
        process_map_figure(pmap, metric="speed")


def test_layers_follow_the_paths_left_to_right():
    from mining._layout import layers

    names = ["a", "b", "c", "d"]
    # equal strings built separately must still match (layers compares by value)
    edges = [("a", "b"), ("b", "c"), ("c", "b"), ("".join(["a"]), "d"), ("d", "c")]
    assert layers(names, edges) == {"a": 0, "b": 1, "d": 1, "c": 2}


def test_activities_spread_over_columns_start_left_end_right(pmap):
    boxes = _boxes(process_map_figure(pmap))
    assert len({b.x0 for b in boxes.values()}) >= 4  # start, the pipeline's stages, end
    assert boxes[START].x0 == min(b.x0 for b in boxes.values())
    assert boxes[END].x1 == max(b.x1 for b in boxes.values())
