"""Discovery: process maps (with Disco's activity and path sliders) and process models.

The heavy part runs in the engine: the map's counts and times come from DuckDB, and the miners
(pm4py's inductive and heuristics miners, through the adapter) are fed the small results —
variant counts, directly-follows counts — never the whole log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from mining import _pm4py_adapter, _queries
from mining._eventlog import EventLog
from mining._filters import EventAttribute, FilterStack
from mining._follows_index import FollowsIndex
from mining._results import DFG
from mining._scans import activity_statistics, discover_dfg, get_variants


@dataclass(frozen=True)
class ProcessMap:
    """A process map: activities (nodes) and directly-follows paths (edges) with frequency and
    time, after simplification. ``activity_coverage`` and ``path_coverage`` are the shares of
    events and of transitions the map shows."""

    nodes: pd.DataFrame  # activity, events, cases, starts, ends
    edges: pd.DataFrame  # source, target, frequency, mean/median/p90/min/max seconds
    activity_coverage: float
    path_coverage: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "nodes": self.nodes.to_dict("records"),
            "edges": self.edges.to_dict("records"),
            "activity_coverage": self.activity_coverage,
            "path_coverage": self.path_coverage,
        }


def _keep_by_share(frame: pd.DataFrame, column: str, share: float) -> pd.Series:
    """Rows, most frequent first, until their cumulative share reaches ``share`` (at least one)."""
    ordered = frame.sort_values(column, ascending=False, kind="stable")
    before = ordered[column].cumsum() - ordered[column]
    keep = before < share * ordered[column].sum()
    keep.iloc[0] = True
    return keep.reindex(frame.index)


def process_map(
    log: EventLog,
    *,
    activities: float = 1.0,
    paths: float = 1.0,
    index: FollowsIndex | None = None,
) -> ProcessMap:
    """The process map at the given activity and path sliders (0–1, like Disco's).

    ``activities`` keeps the most frequent activities covering that share of events and
    recomputes the map on them (in the engine); ``paths`` then keeps the most frequent paths
    covering that share of transitions, plus, for every shown activity, its most frequent way in
    and way out, so the map stays connected. With an ``index`` of the log (``FollowsIndex``) the
    same map comes from the index instead of a sorted scan of the view's events.

    Example:
        >>> m = process_map(log, activities=0.8, paths=0.5)   # doctest: +SKIP
        >>> m.edges.head()                                     # doctest: +SKIP
    """
    for name, value in (("activities", activities), ("paths", paths)):
        if not 0 < value <= 1:
            raise ValueError(f"{name} must be in (0, 1], not {value!r}")
    if index is not None and not index.covers(log):
        index = None
    mask = index.events_of(log) if index is not None else None
    if index is None or mask is None or not mask.any():
        index, mask, stats = None, None, activity_statistics(log)
    else:
        stats = index.activity_statistics(mask)
    if stats.empty:
        empty_edges = discover_dfg(log).edges
        return ProcessMap(stats.assign(starts=0, ends=0), empty_edges, 1.0, 1.0)
    shown = stats[_keep_by_share(stats, "events", activities)]
    kept = [str(a) for a in shown["activity"]] if len(shown) < len(stats) else None
    dfg: DFG
    if index is not None and mask is not None:
        dfg = index.dfg(mask, kept)
    elif kept is not None:
        dfg = discover_dfg(FilterStack([EventAttribute("activity", tuple(kept))]).apply(log))
    else:
        dfg = discover_dfg(log)
    edges = dfg.edges
    if len(edges):
        keep = _keep_by_share(edges, "frequency", paths)
        strongest_out = edges.groupby("source")["frequency"].idxmax()
        strongest_in = edges.groupby("target")["frequency"].idxmax()
        keep.loc[strongest_out.to_numpy()] = True
        keep.loc[strongest_in.to_numpy()] = True
        transitions = edges["frequency"].sum()
        edges = edges[keep].reset_index(drop=True)
        path_share = float(edges["frequency"].sum() / transitions)
    else:
        path_share = 1.0
    nodes = shown.drop(columns=["repeats"]).assign(
        activity=lambda f: f["activity"].astype(str),
        starts=lambda f: f["activity"].map(dfg.start_activities).fillna(0).astype("int64"),
        ends=lambda f: f["activity"].map(dfg.end_activities).fillna(0).astype("int64"),
    )
    activity_share = float(shown["events"].sum() / stats["events"].sum())
    return ProcessMap(nodes.reset_index(drop=True), edges, activity_share, path_share)


@dataclass(frozen=True)
class DiscoveredModel:
    """A discovered process model: a Petri net (pm4py objects) and, for the inductive miner,
    its process tree."""

    algorithm: str
    net: Any
    initial_marking: Any
    final_marking: Any
    tree: Any = None

    def write(self, path: str | Path) -> Path:
        """Save as ``.pnml`` or ``.bpmn`` (BPMN with diagram layout)."""
        path = Path(path)
        if path.suffix.lower() == ".pnml":
            _pm4py_adapter.write_pnml(self.net, self.initial_marking, self.final_marking, str(path))
        elif path.suffix.lower() == ".bpmn":
            bpmn = _pm4py_adapter.petri_net_to_bpmn(
                self.net, self.initial_marking, self.final_marking
            )
            _pm4py_adapter.write_bpmn(bpmn, str(path))
        else:
            raise ValueError(f"{path}: save a model as .pnml or .bpmn")
        return path


def discover_model(
    log: EventLog,
    *,
    algorithm: Literal["inductive", "heuristics"] = "inductive",
    noise: float = 0.0,
    dependency_threshold: float = 0.5,
) -> DiscoveredModel:
    """A process model mined from the log's variants (inductive) or directly-follows counts
    (heuristics): the same model pm4py mines from the whole log, for a fraction of the work.

    Example:
        >>> model = discover_model(log, algorithm="inductive", noise=0.2)   # doctest: +SKIP
        >>> model.write("model.bpmn")                                      # doctest: +SKIP
    """
    if algorithm == "inductive":
        if not 0 <= noise <= 1:
            raise ValueError(f"noise must be between 0 and 1, not {noise!r}")
        tree = _pm4py_adapter.discover_inductive(get_variants(log).to_dict(), noise)
        net, im, fm = _pm4py_adapter.process_tree_to_petri_net(tree)
        return DiscoveredModel("inductive", net, im, fm, tree)
    if algorithm == "heuristics":
        dfg = discover_dfg(log)
        window2: dict[tuple[str, str], int] = {}
        triples: dict[tuple[str, str, str], int] = {}
        rows = log.connection.execute(_queries.scans.follows_windows(log.events_ref)).fetchall()
        for kind, a, b, c, n in rows:
            if kind == "window2":
                window2[(a, b)] = int(n)
            else:
                triples[(a, b, c)] = int(n)
        counts = activity_statistics(log)
        activity_counts = {
            str(a): int(n) for a, n in zip(counts["activity"], counts["events"], strict=True)
        }
        net, im, fm = _pm4py_adapter.discover_heuristics(
            dfg.frequencies(),
            window2,
            triples,
            activity_counts,
            dfg.start_activities,
            dfg.end_activities,
            dependency_threshold,
        )
        return DiscoveredModel("heuristics", net, im, fm)
    raise ValueError(f"algorithm must be 'inductive' or 'heuristics', not {algorithm!r}")
