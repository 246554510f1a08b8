"""Event scans as public verbs: each runs one query of ``_queries`` in DuckDB on an EventLog."""

from __future__ import annotations

import pandas as pd

from mining import _queries
from mining._eventlog import EventLog
from mining._results import DFG, Variants


def discover_dfg(log: EventLog) -> DFG:
    """Directly-follows graph with frequency and time on each edge, start and end activities.

    Example:
        >>> dfg = discover_dfg(log)                       # doctest: +SKIP
        >>> dfg.edges.sort_values("frequency").tail(3)    # doctest: +SKIP
    """
    frame = log.connection.execute(_queries.directly_follows(log.events_ref)).df()
    edges = frame[frame["kind"] == "edge"].drop(columns="kind")
    edges = edges.sort_values(["frequency", "source", "target"], ascending=[False, True, True])
    edges = edges.reset_index(drop=True)
    edges["frequency"] = edges["frequency"].astype("int64")
    edges["cases"] = edges["cases"].astype("int64")

    def counts(kind: str) -> dict[str, int]:
        part = frame[frame["kind"] == kind].sort_values(
            ["frequency", "source"], ascending=[False, True]
        )
        return {str(a): int(n) for a, n in zip(part["source"], part["frequency"], strict=True)}

    return DFG(edges=edges, start_activities=counts("start"), end_activities=counts("end"))


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
