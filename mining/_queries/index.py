"""SQL of the follows index (``mining.FollowsIndex``): the events keyed by case number, in case
order, and what the index reads from them.

DuckDB only (the index lives in an in-process DuckDB database): ``* REPLACE`` keeps the columns
in place while the case identifier becomes its rank.
"""

from __future__ import annotations

POSITION = "event_position"


def keyed_events(events: str) -> str:
    """Every event with ``case_id`` replaced by its case number (0, 1, … in ``case_id`` order)
    and ``event_position`` its place in case order (case, timestamp, event_idx), in that order.
    Filters give the same cases on it: they only group, partition and match on ``case_id``."""
    return f"""
SELECT * REPLACE (CAST(dense_rank() OVER (ORDER BY case_id) - 1 AS INTEGER) AS case_id),
       row_number() OVER (ORDER BY case_id, timestamp, event_idx) - 1 AS {POSITION}
FROM {events}
ORDER BY {POSITION}
"""


def keyed_arrays(keyed: str) -> str:
    """Per event in case order: case number, activity code (its rank among the activities) and
    time in microseconds since the epoch."""
    return f"""
SELECT case_id, CAST(dense_rank() OVER (ORDER BY activity) - 1 AS INTEGER) AS activity_code,
       epoch_us(timestamp) AS at
FROM {keyed}
ORDER BY {POSITION}
"""


def case_names(events: str) -> str:
    """The distinct case identifiers in their order (a case's number is its place here)."""
    return f"SELECT DISTINCT case_id FROM {events} ORDER BY case_id"


def activity_names(events: str) -> str:
    """The distinct activities in their order (the code of an activity is its place here)."""
    return f"SELECT DISTINCT activity FROM {events} ORDER BY activity"


def event_positions(events: str) -> str:
    """Where the events of a (filtered) keyed view stand in case order."""
    return f"SELECT {POSITION} FROM {events}"


def describe(query: str) -> str:
    """The columns and types a statement returns (nothing is run)."""
    return f"DESCRIBE {query}"


def create_keyed(table: str, columns: list[tuple[str, str]]) -> str:
    """The keyed table with the source's column types (ENUMs arrive through Arrow as text)."""
    return f"CREATE TABLE {table} (" + ", ".join(f"{n} {t}" for n, t in columns) + ")"


def fill_keyed(table: str, incoming: str) -> str:
    """Copy the keyed events in (in case order)."""
    return f"INSERT INTO {table} SELECT * FROM {incoming}"


def interpolation_probe(lo: float, hi: float, d: float) -> str:
    """``quantile_cont`` at ``d`` between two values (no events): how this DuckDB interpolates."""
    return (
        f"SELECT quantile_cont(x, CAST('{d!r}' AS DOUBLE)) "
        f"FROM (VALUES (CAST('{lo!r}' AS DOUBLE)), (CAST('{hi!r}' AS DOUBLE))) AS t(x)"
    )
