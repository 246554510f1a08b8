"""The layered layout every process map and workflow drawing uses: clean on the real public
logs and the samples (no box or label on another, no edge through a box), start on the left and
end on the right, the same picture for the same log, and fewer crossings than a naive order."""

from __future__ import annotations

import warnings

import pytest

import mining
from mining._figures import END, START
from mining._layout import Box, count_crossings, layered_layout, wrap
from sample_logs import load_sample, sample_names

REAL = ["running-example.xes", "receipt.xes", "helpdesk.xes.gz", "sepsis.xes.gz",
        "roadtraffic100traces.xes"]  # fmt: skip


def _check(layout: mining.Layout) -> None:
    assert layout.problems() == []
    left = min(b.left for b in layout.boxes.values())
    right = max(b.right for b in layout.boxes.values())
    assert layout.boxes[START].left == left and layout.boxes[END].right == right
    assert {layout.layer[START]} == {0} and layout.layer[END] == max(layout.layer.values())
    assert all(0 < v < layout.layer[END] for n, v in layout.layer.items() if n not in (START, END))


@pytest.mark.parametrize("name", REAL)
def test_the_map_of_a_real_log_is_clean(shared_logs, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = mining.read_log(shared_logs / name)
    for paths in (1.0, 0.8):
        pmap = mining.process_map(log, paths=paths)
        layout = mining.map_layout(pmap)
        _check(layout)
        assert len(layout.routes) == len(pmap.edges) + int(pmap.nodes["starts"].gt(0).sum()) + int(
            pmap.nodes["ends"].gt(0).sum()
        )
    # the same log gives the same picture
    again = mining.map_layout(mining.process_map(log, paths=0.8))
    assert again.boxes == layout.boxes and again.routes == layout.routes


@pytest.mark.parametrize("name", sample_names())
def test_the_map_of_a_sample_is_clean_and_labels_every_path(name):
    pmap = mining.process_map(load_sample(name))
    layout = mining.map_layout(pmap, "performance")
    _check(layout)
    assert layout.hidden_labels() <= len(layout.routes) // 10


def test_long_names_wrap_and_are_shortened_past_three_lines():
    lines, cut = wrap("T07-2 Draft intern advice aspect 2")
    assert lines == ["T07-2 Draft intern", "advice aspect 2"] and not cut
    lines, cut = wrap("a very long activity name that goes on and on and on for ever and ever")
    assert len(lines) == 3 and lines[-1].endswith("…") and cut
    assert all(len(line) <= 22 for line in lines)


def test_ordering_removes_the_crossings_of_a_twisted_graph():
    # two chains whose members are listed crosswise: a naive order draws every hop crossed
    nodes = ["s", "a1", "b1", "a2", "b2", "a3", "b3", "e"]
    edges = [("s", "a1"), ("s", "b1"), ("a1", "b2"), ("b1", "a2"), ("b2", "a3"), ("a2", "b3"),
             ("a3", "e"), ("b3", "e")]  # fmt: skip
    sizes = {n: (40.0, 30.0) for n in nodes}
    layout = layered_layout(nodes, edges, sizes, first="s", last="e")
    assert layout.crossings() == 0 and layout.problems() == []
    assert [layout.layer[n] for n in nodes] == [0, 1, 1, 2, 2, 3, 3, 4]


def test_long_edges_go_round_the_boxes_between_their_ends():
    nodes = ["s", "a", "b", "c", "e"]
    edges = [("s", "a"), ("a", "b"), ("b", "c"), ("c", "e"), ("a", "c"), ("s", "e"), ("c", "a")]
    layout = layered_layout(nodes, edges, {n: (60.0, 30.0) for n in nodes}, first="s", last="e",
                            labels={e: "12" for e in edges})  # fmt: skip
    assert layout.problems() == []
    skip = next(r for r in layout.routes if (r.source, r.target) == ("a", "c"))
    assert len(skip.points) > 2  # it bends past b instead of running through it
    back = next(r for r in layout.routes if (r.source, r.target) == ("c", "a"))
    assert back.points[0][0] > back.points[-1][0]  # a return runs right to left


def test_the_checks_catch_what_a_reader_would_stumble_on():
    one, two = Box(0, 0, 40, 20), Box(30, 5, 40, 20)
    assert one.overlaps(two) and not one.overlaps(Box(100, 0, 40, 20))
    assert one.cut_by((-50, 0), (50, 0)) and not one.cut_by((-50, 30), (50, 30))
    layout = mining.Layout({"a": one, "b": two}, [], 100, 100)
    assert layout.problems() == ["boxes 'a' and 'b' overlap"]
    crossing = [[((0, 0), (10, 10))], [((0, 10), (10, 0))]]
    touching = [[((0, 0), (10, 10))], [((10, 10), (20, 0))]]
    assert count_crossings(crossing) == 1 and count_crossings(touching) == 0
