"""SQL of the per-case tables the improvement statistics work on: one row per case with its case
attributes, the activities of each case, and the totals of one event column.

Each function returns one statement over ``events`` (a table name or a parenthesised sub-query
with the canonical columns). Order inside a case is ``timestamp, event_idx`` (``CASE_ORDER``):
"first" means first in that order.
"""

from __future__ import annotations

from collections.abc import Sequence

_ORDER = "(timestamp, event_idx)"
VARIANT_SEPARATOR = " → "


def case_table(events: str, columns: Sequence[tuple[str, str]]) -> str:
    """Per case: ``start``, ``end`` (first and last timestamp), ``duration_seconds``,
    ``n_events``, ``variant`` (the activities in order, joined by ``VARIANT_SEPARATOR``),
    ``start_activity``, ``end_activity``, then for each (quoted column, quoted alias) of
    ``columns`` the column's first non-null value in the case (its value, when it is constant in
    the case)."""
    values = "".join(
        f",\n       arg_min({column}, {_ORDER}) FILTER (WHERE {column} IS NOT NULL) AS {alias}"
        for column, alias in columns
    )
    return f"""
SELECT case_id, min(timestamp) AS start, max(timestamp) AS end,
       (epoch_us(max(timestamp)) - epoch_us(min(timestamp))) / 1e6 AS duration_seconds,
       count(*) AS n_events,
       array_to_string(list(CAST(activity AS VARCHAR) ORDER BY timestamp, event_idx),
                       '{VARIANT_SEPARATOR}') AS variant,
       CAST(arg_min(activity, {_ORDER}) AS VARCHAR) AS start_activity,
       CAST(arg_max(activity, {_ORDER}) AS VARCHAR) AS end_activity{values}
FROM {events} GROUP BY case_id ORDER BY case_id
"""


def case_activities(events: str) -> str:
    """Per case and activity: ``occurrences`` and the ``first`` and ``last`` timestamp."""
    return f"""
SELECT case_id, CAST(activity AS VARCHAR) AS activity, count(*) AS occurrences,
       min(timestamp) AS first, max(timestamp) AS last
FROM {events} GROUP BY case_id, activity ORDER BY case_id, activity
"""


def attribute_counts(events: str, column: str, weight: str | None) -> str:
    """Per value of one (quoted) event column, as text (NULL for missing values): ``events``,
    ``cases`` it occurs in, and the sum of the (quoted) ``weight`` column over those events
    (NULL without one). Most events first."""
    total = f"sum({weight})::DOUBLE" if weight else "NULL::DOUBLE"
    return f"""
SELECT CAST({column} AS VARCHAR) AS value, count(*) AS events,
       count(DISTINCT case_id) AS cases, {total} AS weight
FROM {events} GROUP BY value ORDER BY events DESC, value NULLS LAST
"""


def step_dwell(events: str, quantile: float) -> str:
    """Per activity: ``occurrences``, ``moved_on`` (occurrences followed by another event of the
    case), ``last_share`` (the share that were the case's last event), and the seconds from it
    to the case's next event: ``dwell_median_seconds`` and ``dwell_limit_seconds`` (the
    ``quantile``, a float in (0, 1), of the times above zero: a step logged together with the
    next one says nothing about how long a case may wait there)."""
    q = float(quantile)
    if not 0 < q < 1:
        raise ValueError(f"quantile must be in (0, 1), not {quantile!r}")
    return f"""
WITH steps AS (
    SELECT CAST(activity AS VARCHAR) AS activity,
           (epoch_us(lead(timestamp) OVER w) - epoch_us(timestamp)) / 1e6 AS dwell
    FROM {events}
    WINDOW w AS (PARTITION BY case_id ORDER BY timestamp, event_idx)
)
SELECT activity, count(*) AS occurrences, count(dwell) AS moved_on,
       1 - count(dwell) / count(*) AS last_share,
       quantile_cont(dwell, 0.5) AS dwell_median_seconds,
       quantile_cont(dwell, {q!r}) FILTER (WHERE dwell > 0) AS dwell_limit_seconds
FROM steps GROUP BY activity ORDER BY activity
"""
