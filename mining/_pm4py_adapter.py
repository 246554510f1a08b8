"""The one place Mejora calls pm4py: converts to and from pm4py's column names and result types.

pm4py is imported lazily (it takes seconds), so commands that never need it stay fast.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from mining import safe_xml
from mining._layout import layered_layout
from mining._ocel_census import ocel_kind
from mining.exceptions import EventLogError

if TYPE_CHECKING:
    from mining._eventlog import EventLog

PM4PY_NAMES = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "start_timestamp": "start_timestamp",
}


@functools.cache
def _pm4py() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py
    return pm4py


def to_pm4py_dataframe(log: EventLog) -> pd.DataFrame:
    """The log's events under pm4py's column names, ready for pm4py's dataframe functions."""
    frame = log.to_pandas().rename(columns=PM4PY_NAMES)
    categorical = frame.select_dtypes("category").columns
    return frame.astype({c: "str" for c in categorical})


def read_ocel(path: Path) -> Any:
    """Read an OCEL 2.0 log (json, xml or sqlite; OCEL 1.0 json too) as a pm4py OCEL object."""
    pm4py = _pm4py()
    kind = ocel_kind(path)
    if kind == "xml":
        safe_xml.check_prolog(path)  # pm4py parses on its own: refuse a DTD in any encoding first
    readers = {
        "json": pm4py.read_ocel2_json,
        "json1": pm4py.read_ocel_json,
        "xml": pm4py.read_ocel2_xml,
        "sqlite": pm4py.read_ocel2_sqlite,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return readers[kind](str(path))
    except Exception as exc:  # pm4py raises bare KeyErrors and the like on bad files
        raise EventLogError(f"{path}: cannot be read as an OCEL ({kind}) log: {exc!r}") from exc


def ocel_object_types(ocel: Any) -> list[str]:
    """Object types present in an OCEL log, sorted."""
    return sorted(str(t) for t in ocel.objects["ocel:type"].unique())


def flatten_ocel(ocel: Any, object_type: str) -> pd.DataFrame:
    """pm4py's flattening on one object type: one case per object of that type."""
    return _pm4py().ocel_flattening(ocel, object_type)


def build_petri_net(
    name: str,
    places: list[str],
    transitions: list[tuple[str, str | None]],
    arcs: list[tuple[str, str]],
    initial: dict[str, int],
    final: dict[str, int],
) -> tuple[Any, Any, Any]:
    """A pm4py accepting Petri net from plain data: places, (name, label or None for silent)
    transitions, arcs between them by name, and the initial and final markings."""
    _pm4py()  # imported once, quietly
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet(name)
    nodes: dict[str, Any] = {}
    for place in places:
        nodes[place] = PetriNet.Place(place)
        net.places.add(nodes[place])
    for transition, label in transitions:
        nodes[transition] = PetriNet.Transition(transition, label)
        net.transitions.add(nodes[transition])
    for source, target in arcs:
        petri_utils.add_arc_from_to(nodes[source], nodes[target], net)
    im = Marking({nodes[p]: n for p, n in initial.items()})
    fm = Marking({nodes[p]: n for p, n in final.items()})
    return net, im, fm


def token_replay_fitness(traces: pd.DataFrame, net: Any, im: Any, fm: Any) -> dict[str, float]:
    """pm4py's token-based replay fitness of a pm4py-named event frame on a Petri net."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(_pm4py().fitness_token_based_replay(traces, net, im, fm))


def alignment_fitness(traces: pd.DataFrame, net: Any, im: Any, fm: Any) -> dict[str, float]:
    """pm4py's alignment-based fitness of a pm4py-named event frame on a Petri net."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(_pm4py().fitness_alignments(traces, net, im, fm, multi_processing=False))


def discover_inductive(variants: dict[tuple[str, ...], int], noise: float) -> Any:
    """Inductive miner (IMf when ``noise`` > 0, else IM) on variant counts: a process tree,
    built exactly as pm4py's own ``inductive.apply`` builds it from a log."""
    _pm4py()
    from collections import Counter

    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils import generic as pt_util

    uvcl = Counter({tuple(trace): int(count) for trace, count in variants.items()})
    parameters = {"noise_threshold": noise}
    miner = IMFUVCL(parameters) if noise > 0 else IMUVCL(parameters)
    tree = miner.apply(IMDataStructureUVCL(uvcl), parameters)
    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)
    return tree


def process_tree_to_petri_net(tree: Any) -> tuple[Any, Any, Any]:
    """(net, initial marking, final marking) of a process tree."""
    return _pm4py().convert_to_petri_net(tree)


def discover_heuristics(
    dfg: dict[tuple[str, str], int],
    window2: dict[tuple[str, str], int],
    triples: dict[tuple[str, str, str], int],
    activity_counts: dict[str, int],
    start_activities: dict[str, int],
    end_activities: dict[str, int],
    dependency_threshold: float,
) -> tuple[Any, Any, Any]:
    """Heuristics miner from directly-follows counts, as pm4py's log-based one computes them."""
    _pm4py()
    from pm4py.algo.discovery.heuristics.variants import classic
    from pm4py.objects.conversion.heuristics_net import converter

    heu_net = classic.apply_heu_dfg(
        dfg,
        activities=list(activity_counts),
        activities_occurrences=activity_counts,
        start_activities=start_activities,
        end_activities=end_activities,
        dfg_window_2=window2,
        freq_triples=triples,
        parameters={"dependency_thresh": dependency_threshold},
    )
    return converter.apply(heu_net)


def petri_net_to_bpmn(net: Any, im: Any, fm: Any) -> Any:
    """A pm4py BPMN model of a Petri net."""
    return _pm4py().convert_to_bpmn(net, im, fm)


def write_pnml(net: Any, im: Any, fm: Any, path: str) -> None:
    """Save a Petri net as PNML."""
    _pm4py().write_pnml(net, im, fm, path)


def _lay_out_bpmn(bpmn: Any) -> None:
    """Place every element of a pm4py BPMN model with the layered layout of the process maps
    (left to right, few crossings, flows around the shapes; no Graphviz)."""
    from pm4py.objects.bpmn.obj import BPMN

    nodes = sorted(bpmn.get_nodes(), key=lambda n: (str(n.get_name()), str(n.get_id())))
    key = {node: str(node.get_id()) for node in nodes}
    flows = [(key[f.get_source()], key[f.get_target()]) for f in bpmn.get_flows()]
    sizes = {
        key[n]: (40.0, 40.0) if isinstance(n, BPMN.Event | BPMN.Gateway) else (120.0, 70.0)
        for n in nodes
    }
    starts = [key[n] for n in nodes if isinstance(n, BPMN.StartEvent)]
    ends = [key[n] for n in nodes if isinstance(n, BPMN.EndEvent)]
    placed = layered_layout(
        [key[n] for n in nodes],
        flows,
        sizes,
        first=starts[0] if len(starts) == 1 else None,
        last=ends[0] if len(ends) == 1 else None,
    )
    layout = bpmn.get_layout()
    shift = 60.0  # room on the canvas's top and left edges
    for node in nodes:
        box = placed.boxes[key[node]]
        shape = layout.get(node)
        shape.set_width(box.w)
        shape.set_height(box.h)
        shape.set_x(shift + box.left)
        shape.set_y(shift + box.top)
    routes = {(r.source, r.target): r for r in placed.routes}
    for flow in bpmn.get_flows():
        edge = layout.get(flow)
        edge.del_waypoints()
        for x, y in routes[(key[flow.get_source()], key[flow.get_target()])].points:
            edge.add_waypoint((shift + x, shift + y))


def write_bpmn(bpmn: Any, path: str) -> None:
    """Save a pm4py BPMN model with a diagram layout of our own (pm4py's needs Graphviz)."""
    _lay_out_bpmn(bpmn)
    _pm4py().write_bpmn(bpmn, path, auto_layout=False)


def read_petri_net_model(path: Path, also: tuple[str, ...] = ()) -> tuple[Any, Any, Any]:
    """A model file (.pnml or .bpmn) as an accepting Petri net; XML is checked for DTDs first.
    ``also`` names the other suffixes a model may have, for the error."""
    suffix = path.suffix.lower()
    if suffix not in (".pnml", ".bpmn"):
        kinds = ", ".join((".pnml", ".bpmn", *also))
        raise EventLogError(f"{path}: a model must be a file of one of {kinds}")
    if not path.exists():
        raise EventLogError(f"{path}: no such file")
    safe_xml.check_prolog(path)  # pm4py parses on its own: refuse a DTD in any encoding first
    pm4py = _pm4py()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if suffix == ".pnml":
                return pm4py.read_pnml(str(path))
            return pm4py.convert_to_petri_net(pm4py.read_bpmn(str(path)))
        except Exception as exc:  # pm4py raises bare errors on malformed files
            raise EventLogError(f"{path}: cannot be read as a {suffix[1:]} model: {exc!r}") from exc


def _variant_frame(variants: list[tuple[str, ...]]) -> pd.DataFrame:
    rows = [
        (str(i), activity, pd.Timestamp("2000-01-01", tz="UTC") + pd.Timedelta(seconds=j))
        for i, trace in enumerate(variants)
        for j, activity in enumerate(trace)
    ]
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


def align_variants(
    variants: list[tuple[str, ...]],
    net: Any,
    im: Any,
    fm: Any,
    *,
    workers: int,
    time_budget: float | None,
) -> list[dict[str, Any]]:
    """pm4py alignments of one trace per variant: fitness, cost and the moves of each."""
    pm4py = _pm4py()
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    # pm4py's own default worker count is cpu_count() - 2, i.e. 0 on two cores: always explicit
    parameters: dict[Any, Any] = {
        alignments.Parameters.CORES: max(1, workers),
        "show_progress_bar": False,
        # moves as ((log name, model name), (log label, model label)): which transition fired
        "ret_tuple_as_trans_desc": True,
    }
    if time_budget is not None:
        parameters[alignments.Parameters.PARAM_MAX_ALIGN_TIME_TRACE] = time_budget
    log = pm4py.convert_to_event_log(_variant_frame(variants))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if workers > 1:
            return alignments.apply_multiprocessing(log, net, im, fm, parameters=parameters)
        return alignments.apply(log, net, im, fm, parameters=parameters)


def precision(
    variants: list[tuple[str, ...]],
    counts: list[int],
    net: Any,
    im: Any,
    fm: Any,
    method: str,
) -> float:
    """pm4py's ETConformance precision (token replay or alignments) of the log given as its
    variants and their case counts."""
    pm4py = _pm4py()
    from pm4py.algo.evaluation.precision import algorithm as evaluator

    repeated = [v for v, n in zip(variants, counts, strict=True) for _ in range(n)]
    frame = _variant_frame(repeated)
    variant = (
        evaluator.Variants.ALIGN_ETCONFORMANCE
        if method == "alignments"
        else evaluator.Variants.ETCONFORMANCE_TOKEN
    )
    # pm4py.precision_alignments / precision_token_based_replay, without the progress bar
    parameters = {"show_progress_bar": False, "multiprocessing": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.convert_to_event_log(frame)
        return float(evaluator.apply(log, net, im, fm, variant=variant, parameters=parameters))


def model_transitions(net: Any) -> list[tuple[str, str | None]]:
    """(name, label) of every transition of a Petri net, by name."""
    return sorted(((t.name, t.label) for t in net.transitions), key=lambda x: x[0])


def replay_variants_fast(
    variants: list[tuple[str, ...]], net: Any, im: Any, fm: Any
) -> list[dict[str, Any]]:
    """Token replay with pm4py's algorithm and results, without its per-event net scans."""
    from mining._pm4py_replay import TokenReplayer

    _pm4py()
    return TokenReplayer(net, im, fm).replay(variants)


def alignment_log_fitness(aligned: list[dict[str, Any]]) -> dict[str, float]:
    """pm4py's log-level alignment fitness over (possibly repeated) per-trace alignments."""
    _pm4py()
    from pm4py.algo.evaluation.replay_fitness.variants import alignment_based

    return dict(alignment_based.evaluate(aligned))


def replay_variants(variants: list[tuple[str, ...]], net: Any, im: Any, fm: Any) -> list[dict]:
    """pm4py token-based replay of one trace per variant."""
    pm4py = _pm4py()
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return token_replay.apply(
            pm4py.convert_to_event_log(_variant_frame(variants)),
            net,
            im,
            fm,
            parameters={"show_progress_bar": False},
        )


def token_replay_log_fitness(replayed: list[dict[str, Any]]) -> dict[str, float]:
    """pm4py's log-level token-replay fitness over (possibly repeated) per-trace results."""
    _pm4py()
    from pm4py.algo.evaluation.replay_fitness.variants import token_replay

    return dict(token_replay.evaluate(replayed))
