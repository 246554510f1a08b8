"""SQL of the consent rules: marketing sends after a contact withdrew (unsubscribe, bounce)."""

from __future__ import annotations


def sends_after_withdrawal(events: str, contact: str, sends: str, stops: str) -> str:
    """Every send (activity in ``sends``) to a contact after that contact's first withdrawal
    (activity in ``stops``), with the withdrawal it broke; ``contact`` is a quoted column."""
    return f"""
WITH withdrawals AS (
    SELECT {contact} AS contact, arg_min(activity, (timestamp, event_idx)) AS withdrawal,
           min(timestamp) AS withdrawn_at
    FROM {events} WHERE activity IN ({stops}) AND {contact} IS NOT NULL
    GROUP BY {contact}
)
SELECT w.contact, e.case_id, e.activity AS send, e.timestamp AS sent_at,
       w.withdrawal, w.withdrawn_at,
       (epoch_us(e.timestamp) - epoch_us(w.withdrawn_at)) / 1e6 AS seconds_after
FROM {events} e JOIN withdrawals w ON e.{contact} = w.contact
WHERE e.activity IN ({sends}) AND e.timestamp > w.withdrawn_at
ORDER BY e.timestamp, w.contact, e.case_id
"""
