"""SQL behind the fatigue check: the marketing emails each contact got per calendar week, and
from how many cases and workflows they came."""

from __future__ import annotations


def contact_weeks(events: str, contact: str, is_send: str, workflow: str) -> str:
    """Per contact and calendar week (starting Monday, UTC): the sends (events matching the
    condition ``is_send``), the cases and the distinct ``workflow`` values they came from, and
    the first and last send; ``contact`` and ``workflow`` are quoted columns (or expressions)."""
    return f"""
SELECT CAST({contact} AS VARCHAR) AS contact,
       date_trunc('week', timezone('UTC', timestamp)) AS week,
       count(*) AS sends,
       count(DISTINCT case_id) AS cases,
       count(DISTINCT CAST({workflow} AS VARCHAR)) AS workflows,
       min(timestamp) AS first_send,
       max(timestamp) AS last_send
FROM {events}
WHERE ({is_send}) AND {contact} IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
"""
