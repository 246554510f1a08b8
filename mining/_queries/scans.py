"""The heavy scans of events: directly-follows graph, variants, case and activity statistics.

Each function returns one SQL statement over ``events`` (a table name or a parenthesised
sub-query with the canonical columns). The SQL sticks to the common analytical dialect
(window functions, ``GROUP BY``, ``quantile_cont``/``median``) so the same text can later be
transpiled for a distributed engine. Nothing else in Mejora writes SQL over events.

Order inside a case is always ``timestamp, event_idx``: ties in time are broken by source order.
"""

from __future__ import annotations

CASE_ORDER = "PARTITION BY case_id ORDER BY timestamp, event_idx"
_GAP_US = "(epoch_us(next_timestamp) - epoch_us(timestamp))"
_GAP = f"{_GAP_US} / 1e6"
# The mean from the exact sum of the gaps in microseconds: the same double whatever the order
# in which the engine adds them (threads, partitions), and the same as ``FollowsIndex``'s.
_MEAN = f"CAST(sum({_GAP_US}) AS BIGINT) / CAST(count({_GAP_US}) AS DOUBLE) / 1e6"


def directly_follows(events: str) -> str:
    """One sorted pass giving the whole DFG.

    Rows with a ``target`` are edges with their frequency and gap statistics in seconds; rows
    with ``target`` NULL count the cases that end with ``source``; ``starts`` counts, on every
    row, the cases whose first event is ``source`` (sum it per ``source`` for start activities).
    """
    return f"""
SELECT activity AS source, next_activity AS target, count(*) AS frequency,
       count(*) FILTER (WHERE is_first) AS starts,
       {_MEAN} AS mean_seconds,
       quantile_cont({_GAP}, [0.5, 0.9]) AS quantiles,
       min({_GAP}) AS min_seconds, max({_GAP}) AS max_seconds
FROM (
    SELECT activity, timestamp,
           lead(activity) OVER w AS next_activity,
           lead(timestamp) OVER w AS next_timestamp,
           lag(activity) OVER w IS NULL AS is_first
    FROM {events}
    WINDOW w AS ({CASE_ORDER})
)
GROUP BY activity, next_activity
"""


def variants(events: str) -> str:
    """Variants (the ordered activity list of a case) with their number of cases."""
    return f"""
WITH traces AS (
    SELECT list(activity ORDER BY timestamp, event_idx) AS activities
    FROM {events} GROUP BY case_id
)
SELECT activities, count(*) AS cases
FROM traces GROUP BY activities
ORDER BY cases DESC, activities
"""


def case_statistics(events: str) -> str:
    """Per case: first and last timestamp, duration in seconds, number of events."""
    return f"""
SELECT case_id, min(timestamp) AS start, max(timestamp) AS end,
       (epoch_us(max(timestamp)) - epoch_us(min(timestamp))) / 1e6 AS duration_seconds,
       count(*) AS events
FROM {events} GROUP BY case_id ORDER BY case_id
"""


def activity_statistics(events: str) -> str:
    """Per activity: events, cases it appears in, and events beyond the first per case (rework)."""
    return f"""
SELECT activity, count(*) AS events, count(DISTINCT case_id) AS cases,
       count(*) - count(DISTINCT case_id) AS repeats
FROM {events} GROUP BY activity ORDER BY events DESC, activity
"""


def log_counts(events: str) -> str:
    """One row: events, cases, activities, first and last timestamp."""
    return f"""
SELECT count(*) AS events, count(DISTINCT case_id) AS cases,
       count(DISTINCT activity) AS activities,
       min(timestamp) AS first_timestamp, max(timestamp) AS last_timestamp
FROM {events}
"""


def follows_windows(events: str) -> str:
    """For the heuristics miner: pairs two steps apart (kind 'window2') and consecutive triples
    (kind 'triple'), with their counts."""
    return f"""
WITH ordered AS MATERIALIZED (
    SELECT activity AS a, lead(activity) OVER w AS b, lead(activity, 2) OVER w AS c
    FROM {events}
    WINDOW w AS ({CASE_ORDER})
)
SELECT 'window2' AS kind, a, c AS b, NULL AS c, count(*) AS n
FROM ordered WHERE c IS NOT NULL GROUP BY a, c
UNION ALL
SELECT 'triple', a, b, c, count(*) FROM ordered WHERE c IS NOT NULL GROUP BY a, b, c
"""


def gaps_against_design(events: str, designed: str) -> str:
    """Per directly-follows path: transitions, median and p90 gap, the designed delay (from the
    ``designed`` relation with columns source, target, seconds; 0 when absent), and the median
    and p90 of the excess over it (floored at 0)."""
    gap = "(epoch_us(next_timestamp) - epoch_us(timestamp)) / 1e6"
    excess = (
        f"CASE WHEN {gap} > coalesce(d.seconds, 0) THEN {gap} - coalesce(d.seconds, 0) ELSE 0 END"
    )
    return f"""
WITH ordered AS (
    SELECT CAST(activity AS VARCHAR) AS source, timestamp,
           CAST(lead(activity) OVER w AS VARCHAR) AS target,
           lead(timestamp) OVER w AS next_timestamp
    FROM {events}
    WINDOW w AS ({CASE_ORDER})
)
SELECT o.source, o.target, count(*) AS transitions,
       median({gap}) AS median_seconds, quantile_cont({gap}, 0.9) AS p90_seconds,
       coalesce(any_value(d.seconds), 0) AS designed_seconds,
       median({excess}) AS median_excess_seconds,
       quantile_cont({excess}, 0.9) AS p90_excess_seconds
FROM ordered o LEFT JOIN {designed} d ON d.source = o.source AND d.target = o.target
WHERE o.target IS NOT NULL
GROUP BY o.source, o.target
ORDER BY median_excess_seconds DESC, transitions DESC
"""


def variant_cases(events: str) -> str:
    """Each variant with its cases (by id) and their durations in seconds, in one row."""
    return f"""
WITH cases AS (
    SELECT case_id, list(activity ORDER BY timestamp, event_idx) AS activities,
           (epoch_us(max(timestamp)) - epoch_us(min(timestamp))) / 1e6 AS duration_seconds
    FROM {events} GROUP BY case_id
)
SELECT activities, list(case_id ORDER BY case_id) AS case_ids,
       list(duration_seconds ORDER BY case_id) AS durations
FROM cases GROUP BY activities
ORDER BY count(*) DESC, activities
"""
