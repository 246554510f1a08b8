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

from mining import _xml
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


def _ocel_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xmlocel", ".xml"):
        return "xml"
    if suffix in (".sqlite", ".db", ".sqlite3"):
        return "sqlite"
    with open(path, "rb") as handle:
        head = handle.read(1 << 14)
    return "json1" if b'"ocel:events"' in head or b'"ocel:global-log"' in head else "json"


def read_ocel(path: Path) -> Any:
    """Read an OCEL 2.0 log (json, xml or sqlite; OCEL 1.0 json too) as a pm4py OCEL object."""
    pm4py = _pm4py()
    kind = _ocel_kind(path)
    if kind == "xml":
        _xml.check_no_dtd(path)
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
