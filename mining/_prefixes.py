"""The prefix table: each case as it stood right after each of its events, computed in one
DuckDB scan. It is what a prediction for an open case may know: a row's values come from its
event and the earlier events of the case (and, for the owner's load, earlier events of any case),
never from later ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import prefix_events
from mining._sql import ident
from mining.exceptions import EventLogError

PREFIX_COLUMNS = (
    "case_id",
    "n_events",
    "activity",
    "previous_activity",
    "timestamp",
    "elapsed_seconds",
    "since_previous_seconds",
)


def prefix_table(
    log: EventLog, attributes: Sequence[str] = (), *, load_days: int = 7
) -> pd.DataFrame:
    """One row per event, in case order: ``PREFIX_COLUMNS``; with a resource column, the
    event's ``resource`` and its ``owner_load`` (distinct cases the resource touched in the
    ``load_days`` days up to the event); then each of ``attributes`` as its last non-null value
    so far in the case (an attribute filled in later, such as a loss reason, stays empty).

    Example:
        >>> prefixes = prefix_table(log, ["region", "amount"])           # doctest: +SKIP
        >>> prefixes.groupby("n_events")["elapsed_seconds"].median()    # doctest: +SKIP
    """
    if load_days < 1:
        raise ValueError(f"load_days must be at least 1, not {load_days!r}")
    missing = [a for a in attributes if a not in log.attribute_columns]
    if missing:
        raise EventLogError(
            f"log {log.name!r} has no attribute {', '.join(map(repr, missing))}; "
            f"attributes: {', '.join(log.attribute_columns) or 'none'}"
        )
    taken = set(PREFIX_COLUMNS) | {"resource", "owner_load"}
    aliases = {a: f"attribute_{a}" if a in taken else a for a in attributes}
    query = prefix_events(
        log.events_ref,
        [(ident(a), ident(aliases[a])) for a in attributes],
        log.has_resource,
        load_days,
    )
    frame = log.connection.execute(query).df()
    frame = frame.astype({"n_events": "int64", "elapsed_seconds": "float64"})
    if "owner_load" in frame:
        frame["owner_load"] = frame["owner_load"].astype("int64")
    frame.attrs["attributes"] = {aliases[a]: a for a in attributes}
    return frame
