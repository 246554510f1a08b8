"""SQL behind the automation suggestions: per-case gaps of chosen directly-follows transitions,
so a step's delay can be split by case attributes (region, segment, rep)."""

from __future__ import annotations

from mining._queries.scans import CASE_ORDER


def transition_gaps(events: str, pairs: str | None) -> str:
    """Per case and directly-follows transition (``source`` then ``target`` with nothing in
    between): its first occurrence (``at``) and the gap in seconds. ``pairs`` is a relation with
    columns source, target that limits the transitions (None: all of them)."""
    join = (
        f"JOIN {pairs} p ON p.source = o.source AND p.target = o.target"
        if pairs is not None
        else ""
    )
    return f"""
WITH ordered AS (
    SELECT case_id, CAST(activity AS VARCHAR) AS source, timestamp,
           CAST(lead(activity) OVER w AS VARCHAR) AS target,
           lead(timestamp) OVER w AS next_timestamp
    FROM {events}
    WINDOW w AS ({CASE_ORDER})
)
SELECT o.case_id, o.source, o.target, min(o.timestamp) AS at,
       arg_min((epoch_us(o.next_timestamp) - epoch_us(o.timestamp)) / 1e6, o.timestamp)
           AS seconds
FROM ordered o {join}
WHERE o.target IS NOT NULL
GROUP BY o.case_id, o.source, o.target
ORDER BY o.source, o.target, o.case_id
"""
