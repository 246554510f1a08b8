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


def test_frequency_map_shows_every_activity_and_path(pmap):
    figure = process_map_figure(pmap)
    assert isinstance(figure, go.Figure)
    [boxes] = figure.data
    assert len(boxes.x) == len(pmap.nodes) + 2  # plus start and end
    assert boxes.hovertext[0] == START and boxes.hovertext[-1] == END
    labels = [a.text for a in figure.layout.annotations if a.text]
    starts = pmap.nodes["starts"].gt(0).sum()
    ends = pmap.nodes["ends"].gt(0).sum()
    assert len(labels) == len(pmap.edges) + starts + ends  # one label per arrow
    qualified = pmap.nodes.set_index("activity").loc["Qualified", "events"]
    assert any(f"{qualified:,}" in str(t) for t in boxes.text)
    # no two boxes on the same spot
    assert len(set(zip(boxes.x, boxes.y, strict=True))) == len(boxes.x)


def test_performance_map_labels_times_and_marks_the_slowest_paths(pmap):
    figure = process_map_figure(pmap, metric="performance")
    labels = [a for a in figure.layout.annotations if a.text]
    assert any(a.text.endswith((" d", " h")) for a in labels)
    slow = [a for a in figure.layout.annotations if not a.text and a.arrowcolor == "#c0392b"]
    assert 1 <= len(slow) <= len(pmap.edges) // 2 + 1
    with pytest.raises(ValueError, match="metric must be"):
        process_map_figure(pmap, metric="speed")


def test_layers_follow_the_paths_left_to_right():
    from mining._layout import layers

    names = ["a", "b", "c", "d"]
    # equal strings built separately must still match (layers compares by value)
    edges = [("a", "b"), ("b", "c"), ("c", "b"), ("".join(["a"]), "d"), ("d", "c")]
    assert layers(names, edges) == {"a": 0, "b": 1, "d": 1, "c": 2}


def test_activities_spread_over_columns(pmap):
    [boxes] = process_map_figure(pmap).data
    assert len(set(boxes.x)) >= 4  # start, the pipeline's stages, end
