"""SQL of the consent rules: marketing sends after a contact withdrew (unsubscribe, bounce) or
before the contact opted in."""

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


def sends_before_opt_in(events: str, contact: str, sends: str, opt_ins: str) -> str:
    """Every send (activity in ``sends``) to a contact who had not opted in yet (no activity in
    ``opt_ins`` at or before it; ``opted_in_at`` is null when the contact never did)."""
    return f"""
WITH opt_ins AS (
    SELECT {contact} AS contact, min(timestamp) AS opted_in_at
    FROM {events} WHERE activity IN ({opt_ins}) AND {contact} IS NOT NULL
    GROUP BY {contact}
)
SELECT e.{contact} AS contact, e.case_id, e.activity AS send, e.timestamp AS sent_at,
       o.opted_in_at,
       (epoch_us(o.opted_in_at) - epoch_us(e.timestamp)) / 1e6 AS seconds_before
FROM {events} e LEFT JOIN opt_ins o ON e.{contact} = o.contact
WHERE e.activity IN ({sends}) AND e.{contact} IS NOT NULL
  AND (o.opted_in_at IS NULL OR e.timestamp < o.opted_in_at)
ORDER BY e.timestamp, e.{contact}, e.case_id
"""


def count_activities(events: str, activities: str) -> str:
    """How many events have an activity in ``activities`` (a quoted list)."""
    return f"SELECT count(*) FROM {events} WHERE activity IN ({activities})"
