"""SQL of the KPI scans: per-case flags (did the case reach a goal, a won or lost stage, an
error, a touch point, and when), the stage funnel, the time spent in each activity, and the
engagement of each marketing message.

Each function returns one statement over ``events`` (a table name or a parenthesised sub-query
with the canonical columns). Lists of activities arrive quoted (``'Deal won', 'Won'``) and
column names quoted as identifiers: nothing here pastes user text. Order inside a case is
``timestamp, event_idx`` (``CASE_ORDER``).
"""

from __future__ import annotations

from collections.abc import Sequence

from mining._queries.scans import CASE_ORDER

_SECONDS = "(epoch_us({b}) - epoch_us({a})) / 1e6"


def _in(activities: str, column: str = "activity") -> str:
    return f"CAST({column} AS VARCHAR) IN ({activities})"


def _first(column: str) -> str:
    """The first non-null value of a quoted column in its case (order: timestamp, source)."""
    return f"arg_min({column}, (timestamp, event_idx)) FILTER (WHERE {column} IS NOT NULL)"


def case_flags(events: str, flags: Sequence[str], values: Sequence[str] = ()) -> str:
    """Per case: ``case_id``, ``start``, ``end``, ``duration_seconds``, ``n_events``,
    ``repeated`` (some activity occurs more than once), then for the i-th quoted activity list of
    ``flags``: ``flag_i`` (the case has one of the activities) and ``flag_i_at`` (the first time
    it does; NULL when it never does), then for the i-th quoted column of ``values``:
    ``value_i``, its first non-null value (as :func:`column_values`), all in one scan."""
    columns = "".join(
        f",\n       coalesce(bool_or({_in(activities)}), false) AS flag_{i}"
        f",\n       min(timestamp) FILTER (WHERE {_in(activities)}) AS flag_{i}_at"
        for i, activities in enumerate(flags)
    ) + "".join(f",\n       {_first(c)} AS value_{i}" for i, c in enumerate(values))
    return f"""
SELECT case_id, min(timestamp) AS start, max(timestamp) AS end,
       {_SECONDS.format(a="min(timestamp)", b="max(timestamp)")} AS duration_seconds,
       count(*) AS n_events,
       count(*) > count(DISTINCT activity) AS repeated{columns}
FROM {events} GROUP BY case_id ORDER BY case_id
"""


def stage_funnel(events: str, stages: Sequence[str], won: str | None, lost: str | None) -> str:
    """Per stage of the ordered, quoted ``stages``: ``position`` (1-based), ``stage``,
    ``reached`` (cases whose furthest stage is this one or a later one), ``recorded`` (cases
    where the stage itself occurs), ``won`` / ``lost`` (of the cases reaching it, those with an
    activity in the quoted ``won`` / ``lost`` lists) and ``cases`` (every case of the log)."""
    values = ", ".join(f"({stage}, {i})" for i, stage in enumerate(stages, start=1))
    won_flag = f"bool_or({_in(won, 'e.activity')})" if won else "false"
    lost_flag = f"bool_or({_in(lost, 'e.activity')})" if lost else "false"
    return f"""
WITH stages(stage, position) AS (VALUES {values}),
per_case AS (
    SELECT e.case_id,
           max(s.position) AS furthest,
           list(DISTINCT s.position) FILTER (WHERE s.position IS NOT NULL) AS recorded,
           {won_flag} AS won,
           {lost_flag} AS lost
    FROM {events} e LEFT JOIN stages s ON CAST(e.activity AS VARCHAR) = s.stage
    GROUP BY e.case_id
)
SELECT s.position, s.stage,
       count(c.case_id) FILTER (WHERE c.furthest >= s.position) AS reached,
       count(c.case_id) FILTER (WHERE list_contains(c.recorded, s.position)) AS recorded,
       count(c.case_id) FILTER (WHERE c.furthest >= s.position AND c.won) AS won,
       count(c.case_id) FILTER (WHERE c.furthest >= s.position AND c.lost) AS lost,
       (SELECT count(*) FROM per_case) AS cases
FROM stages s CROSS JOIN per_case c
GROUP BY s.position, s.stage ORDER BY s.position
"""


def top_variant(events: str, containing: str | None) -> str:
    """The most frequent variant (activities in case order), of the cases with an activity in
    the quoted ``containing`` list when given; ties as ``scans.variants`` orders them (by the
    activity list). Only those cases' traces are built."""
    where = ""
    if containing:
        where = f"\nWHERE case_id IN (SELECT case_id FROM {events} WHERE {_in(containing)})"
    return f"""
WITH traces AS (
    SELECT list(activity ORDER BY timestamp, event_idx) AS activities
    FROM {events}{where} GROUP BY case_id
)
SELECT activities, count(*) AS cases
FROM traces GROUP BY activities
ORDER BY cases DESC, activities LIMIT 1
"""


def stage_order(events: str) -> str:
    """Per activity: ``cases`` it occurs in and ``mean_rank``, the mean 0-based position of its
    first occurrence among the distinct activities of each case (to order a funnel)."""
    return f"""
WITH firsts AS (
    SELECT case_id, CAST(activity AS VARCHAR) AS activity, min(timestamp) AS first,
           min(event_idx) AS first_idx
    FROM {events} GROUP BY case_id, activity
), ranked AS (
    SELECT activity, rank() OVER (PARTITION BY case_id ORDER BY first, first_idx) - 1 AS r
    FROM firsts
)
SELECT activity, count(*) AS cases, avg(r) AS mean_rank
FROM ranked GROUP BY activity ORDER BY mean_rank, activity
"""


def time_in_activity(events: str) -> str:
    """Per activity: ``visits`` (events), ``cases``, ``followed`` (visits with a later event in
    the case) and the time until the case's next event in seconds (``median_seconds``,
    ``mean_seconds``, ``p90_seconds``): the time spent in a stage on a stage-history log."""
    gap = _SECONDS.format(a="timestamp", b="next_timestamp")
    return f"""
WITH ordered AS (
    SELECT case_id, CAST(activity AS VARCHAR) AS activity, timestamp,
           lead(timestamp) OVER w AS next_timestamp
    FROM {events}
    WINDOW w AS ({CASE_ORDER})
)
SELECT activity, count(*) AS visits, count(DISTINCT case_id) AS cases,
       count(next_timestamp) AS followed,
       median({gap}) AS median_seconds, avg({gap}) AS mean_seconds,
       quantile_cont({gap}, 0.9) AS p90_seconds
FROM ordered GROUP BY activity ORDER BY activity
"""


def message_engagement(events: str, message: str, kinds: Sequence[str]) -> str:
    """Per case and value of the quoted ``message`` column (the email sent): ``case_id``,
    ``message`` (as text), ``first`` (its first event), then for the i-th quoted activity list
    of ``kinds`` whether the case has such an event for that message (``kind_i``) and when
    first (``kind_i_at``). Events without a message value are left out."""
    columns = "".join(
        f",\n       coalesce(bool_or({_in(activities)}), false) AS kind_{i}"
        f",\n       min(timestamp) FILTER (WHERE {_in(activities)}) AS kind_{i}_at"
        for i, activities in enumerate(kinds)
    )
    return f"""
SELECT case_id, CAST({message} AS VARCHAR) AS message, min(timestamp) AS first{columns}
FROM {events} WHERE {message} IS NOT NULL
GROUP BY case_id, CAST({message} AS VARCHAR) ORDER BY first, case_id
"""


def send_reactions(
    events: str, contact: str, message: str, sends: str, kinds: Sequence[str]
) -> str:
    """Per send (an activity in the quoted ``sends`` list): ``case_id``, ``contact`` and
    ``message`` (the quoted column expressions, as text), ``send`` (its label), ``sent_at``,
    then for the i-th quoted activity list of ``kinds`` the first such event of the case at or
    after the send and before the case's next send (``kind_i_at``): each reaction belongs to
    the latest email the contact had been sent."""
    reactions = " OR ".join(f"({_in(a)})" for a in kinds) or "false"
    columns = "".join(
        f",\n       min(r.timestamp) FILTER (WHERE {_in(a, 'r.activity')}) AS kind_{i}_at"
        for i, a in enumerate(kinds)
    )
    return f"""
WITH sends AS (
    SELECT case_id, CAST({contact} AS VARCHAR) AS contact, CAST({message} AS VARCHAR) AS message,
           activity AS send, timestamp AS sent_at, event_idx,
           lead(timestamp) OVER (PARTITION BY case_id ORDER BY timestamp, event_idx) AS next_at
    FROM {events} WHERE {_in(sends)}
), reactions AS (
    SELECT case_id, activity, timestamp FROM {events} WHERE {reactions}
)
SELECT s.case_id, s.contact, s.message, s.send, s.sent_at{columns}
FROM sends s LEFT JOIN reactions r ON r.case_id = s.case_id AND r.timestamp >= s.sent_at
     AND (s.next_at IS NULL OR r.timestamp < s.next_at)
GROUP BY s.case_id, s.contact, s.message, s.send, s.sent_at, s.event_idx
ORDER BY s.sent_at, s.case_id, s.event_idx
"""


def column_values(events: str, columns: Sequence[str]) -> str:
    """Per case: the first non-null value (order: timestamp, then source order) of each quoted
    column, under its own name."""
    values = "".join(f",\n       {_first(c)} AS {c}" for c in columns)
    return f"SELECT case_id{values}\nFROM {events} GROUP BY case_id ORDER BY case_id\n"


def purchases_by_day(events: str, customer: str, purchases: str, amount: str | None) -> str:
    """Per customer (the quoted ``customer`` column, as text) and UTC day with a purchase (an
    activity in the quoted ``purchases`` list): ``purchases`` (events) and ``amount`` (the sum of
    the quoted ``amount`` column; NULL without one)."""
    total = f"sum(TRY_CAST({amount} AS DOUBLE))" if amount else "NULL::DOUBLE"
    return f"""
SELECT CAST({customer} AS VARCHAR) AS customer,
       CAST(date_trunc('day', timezone('UTC', timestamp)) AS DATE) AS day,
       count(*) AS purchases, {total} AS amount
FROM {events}
WHERE {_in(purchases)} AND {customer} IS NOT NULL
GROUP BY ALL ORDER BY customer, day
"""
