"""SQL behind figures that need events rather than an aggregate: the dotted chart.

Each function returns one statement over ``events`` (a table name or a parenthesised sub-query
with the canonical columns), in the same common analytical dialect as the rest of the package.
"""

from __future__ import annotations


def dotted_chart(events: str, max_cases: int) -> str:
    """The events of at most ``max_cases`` cases, evenly sampled over the cases ordered by their
    first timestamp (then case id), so the sample spans the whole log and is the same on every
    run. Columns: ``row`` (1 = the earliest sampled case), ``case_id``, ``activity``,
    ``timestamp``, ``case_start`` and ``total_cases`` (cases in the log). Case ``k`` of ``n`` is
    kept when ``k * max_cases mod n < max_cases``: exactly ``min(max_cases, n)`` cases, the first
    one included."""
    keep = max(int(max_cases), 0)
    return f"""
WITH cases AS (
    SELECT case_id, min(timestamp) AS case_start,
           row_number() OVER (ORDER BY min(timestamp), case_id::VARCHAR) - 1 AS position,
           count(*) OVER () AS total_cases
    FROM {events} GROUP BY case_id
), picked AS (
    SELECT case_id, case_start, total_cases, row_number() OVER (ORDER BY position) AS row
    FROM cases WHERE (position * {keep}) % total_cases < {keep}
)
SELECT p.row, CAST(e.case_id AS VARCHAR) AS case_id, CAST(e.activity AS VARCHAR) AS activity,
       e.timestamp, p.case_start, p.total_cases
FROM {events} e JOIN picked p ON e.case_id = p.case_id
ORDER BY p.row, e.timestamp, e.event_idx
"""
