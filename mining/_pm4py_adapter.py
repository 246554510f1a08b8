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
