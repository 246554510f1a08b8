"""Event scans as public verbs: each runs one query of ``_queries`` in DuckDB on an EventLog."""

from __future__ import annotations

import pandas as pd

from mining import _queries
from mining._eventlog import EventLog
from mining._results import DFG, EDGE_COLUMNS, Variants


def discover_dfg(log: EventLog) -> DFG:
    """Directly-follows graph with frequency and time on each edge, start and end activities.

    Example:
        >>> dfg = discover_dfg(log)                       # doctest: +SKIP
        >>> dfg.edges.sort_values("frequency").tail(3)    # doctest: +SKIP
    """
    rows = log.connection.execute(_queries.directly_follows(log.events_ref)).fetchall()
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    edges = []
    for source, target, frequency, n_starts, mean, quantiles, low, high in rows:
        if n_starts:
            starts[source] = starts.get(source, 0) + n_starts
        if target is None:
            ends[source] = frequency
        else:
            edges.append((source, target, frequency, mean, *quantiles, low, high))
    return _dfg(edges, starts, ends)


def _dfg(edges: list[tuple], starts: dict[str, int], ends: dict[str, int]) -> DFG:
    """The DFG from edge rows (``EDGE_COLUMNS`` order), start and end counts; shared with the
    follows index so both build the very same frames."""
    frame = pd.DataFrame(edges, columns=EDGE_COLUMNS).astype({"frequency": "int64"})
    frame = frame.sort_values(["frequency", "source", "target"], ascending=[False, True, True])
    return DFG(
        edges=frame.reset_index(drop=True),
        start_activities=_by_count(starts),
        end_activities=_by_count(ends),
    )


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def get_variants(log: EventLog) -> Variants:
    """Variants with their case counts, most frequent first.

    Example:
        >>> get_variants(log).to_list(top=3)              # doctest: +SKIP
    """
    rows = log.connection.execute(_queries.variants(log.events_ref)).fetchall()
    table = pd.DataFrame(
        {"activities": [tuple(a) for a, _ in rows], "cases": [int(n) for _, n in rows]},
        columns=["activities", "cases"],
    )
    return Variants(table=table.astype({"cases": "int64"}))


def case_statistics(log: EventLog) -> pd.DataFrame:
    """Per case: start, end, duration in seconds and number of events."""
    return log.connection.execute(_queries.case_statistics(log.events_ref)).df()


def activity_statistics(log: EventLog) -> pd.DataFrame:
    """Per activity: events, cases and repeats within a case."""
    return log.connection.execute(_queries.activity_statistics(log.events_ref)).df()
