"""Discovery: models equal pm4py's mined from the whole log; process maps follow the sliders;
models save as PNML and BPMN with a layout (no Graphviz)."""

from __future__ import annotations

import itertools
import json
import warnings

import pytest
from lxml import etree

import mining
from mining import discover_model, process_map
from mining._pm4py_adapter import _pm4py

LOG = """case,activity,timestamp
A,lead,2025-01-01 09:00
A,demo,2025-01-02 09:00
A,won,2025-01-05 09:00
B,lead,2025-01-03 09:00
B,demo,2025-01-04 09:00
B,lost,2025-01-20 09:00
C,lead,2025-02-01 09:00
C,call,2025-02-01 10:00
C,won,2025-02-02 09:00
D,lead,2025-02-03 09:00
D,demo,2025-02-04 09:00
D,won,2025-02-08 09:00
"""


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes", "helpdesk.xes.gz"])
def test_models_equal_pm4py_mined_from_the_whole_log(shared_logs, name):
    pm4py = _pm4py()
    path = shared_logs / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(path), show_progress_bar=False)
    log = mining.read_log(path, duplicates="keep")
    for noise in (0.0, 0.2):
        theirs = pm4py.discover_process_tree_inductive(frame, noise_threshold=noise)
        assert str(discover_model(log, noise=noise).tree) == str(theirs)
    net, _, _ = pm4py.discover_petri_net_heuristics(frame, dependency_threshold=0.5)
    ours = discover_model(log, algorithm="heuristics").net

    def shape(n):
        return sorted(str(t.label) for t in n.transitions), len(n.places), len(n.arcs)

    assert shape(ours) == shape(net)


def test_process_map_sliders(write_csv):
    log = mining.read_log(write_csv(LOG))
    full = process_map(log)
    assert set(full.nodes["activity"]) == {"lead", "demo", "won", "lost", "call"}
    assert (full.activity_coverage, full.path_coverage) == (1.0, 1.0)
    lead = full.nodes.set_index("activity").loc["lead"]
    assert (lead["events"], lead["cases"], lead["starts"], lead["ends"]) == (4, 4, 4, 0)
    # the least frequent activities go first; their events are removed and the map recomputed
    slim = process_map(log, activities=0.75)
    assert set(slim.nodes["activity"]) == {"lead", "demo", "won"}
    assert ("lead", "won") in set(zip(slim.edges["source"], slim.edges["target"], strict=True))
    with pytest.raises(ValueError, match="activities must be in"):
        process_map(log, activities=0)


def test_path_slider_keeps_the_map_connected():
    import sample_logs

    log = sample_logs.load_sales_activities()
    full = process_map(log)
    thin = process_map(log, paths=0.3)
    shown = set(zip(thin.edges["source"], thin.edges["target"], strict=True))
    assert len(shown) < len(full.edges) and thin.path_coverage < 1.0
    # every activity keeps its strongest way in and out
    assert {a for pair in shown for a in pair} == set(full.nodes["activity"])
    strongest = full.edges.sort_values("frequency").groupby("source").tail(1)
    assert set(zip(strongest["source"], strongest["target"], strict=True)) <= shown


def test_models_save_as_pnml_and_laid_out_bpmn(write_csv, tmp_path):
    log = mining.read_log(write_csv(LOG))
    model = discover_model(log, algorithm="inductive")
    pm4py = _pm4py()
    net, _, _ = pm4py.read_pnml(str(model.write(tmp_path / "m.pnml")))
    assert {t.label for t in net.transitions if t.label} == {"lead", "demo", "won", "lost", "call"}
    tree = etree.parse(str(model.write(tmp_path / "m.bpmn")))
    bounds = [
        tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
        for b in tree.iter("{*}Bounds")
    ]
    assert bounds and all(x > 0 and y > 0 for x, y, _, _ in bounds)
    for i, (x1, y1, w1, h1) in enumerate(bounds):
        for x2, y2, w2, h2 in bounds[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    with pytest.raises(ValueError, match=r"as \.pnml or \.bpmn"):
        model.write(tmp_path / "m.txt")


def test_discover_command(store_path, write_csv, capsys, tmp_path):
    from mejora.cli import main

    assert main(["import", str(write_csv(LOG)), "--name", "deals"]) == 0
    capsys.readouterr()
    assert main(["discover", "deals", "--activities", "0.75", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {n["activity"] for n in data["nodes"]} == {"lead", "demo", "won"}
    assert data["activity_coverage"] == pytest.approx(10 / 12)
    out = tmp_path / "model.bpmn"
    assert main(["discover", "deals", "--algorithm", "heuristics", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["algorithm"] == "heuristics" and out.exists()
    assert main(["discover", "deals", "--algorithm", "alpha"]) == 2


def test_a_discovered_bpmn_of_a_real_log_is_laid_out_cleanly(shared_logs, tmp_path):
    """The BPMN export uses the process maps' layered layout: no shape on another, and no
    flow through a shape it does not join (the old grid ran flows straight across shapes)."""
    from mining._layout import Box

    log = mining.read_log(shared_logs / "receipt.xes")
    tree = etree.parse(str(discover_model(log, algorithm="inductive").write(tmp_path / "r.bpmn")))
    shapes = {}
    for shape in tree.iter("{*}BPMNShape"):
        b = shape.find("{*}Bounds")
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        shapes[shape.get("bpmnElement")] = Box(x + w / 2, y + h / 2, w, h)
    flows = {
        f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in tree.iter("{*}sequenceFlow")
    }
    assert len(shapes) > 20 and flows
    names = sorted(shapes)
    for i, a in enumerate(names):
        assert not any(shapes[a].overlaps(shapes[b]) for b in names[i + 1 :])
    for edge in tree.iter("{*}BPMNEdge"):
        ends = flows[edge.get("bpmnElement")]
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iter("{*}waypoint")]
        for p, q in itertools.pairwise(points):
            hit = [n for n, box in shapes.items() if n not in ends and box.cut_by(p, q, 2.0)]
            assert not hit, (ends, hit)
