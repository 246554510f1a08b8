"""SQL of the prefix table: one row per event, describing its case as it stood right after that
event. Every value comes from the event itself or from earlier events (window frames end at the
current row), so a prefix never sees what happened later: what predictions of open cases need.
"""

from __future__ import annotations

from collections.abc import Sequence

_CASE = "PARTITION BY case_id ORDER BY timestamp, event_idx"


def prefix_events(
    events: str, columns: Sequence[tuple[str, str]], resource: bool, load_days: int
) -> str:
    """Per event, in case order: ``case_id``, ``n_events`` (events so far), ``activity``,
    ``previous_activity``, ``timestamp``, ``elapsed_seconds`` since the case's first event,
    ``since_previous_seconds``; with ``resource``, the event's ``resource`` and ``owner_load``
    (distinct cases that resource touched in the ``load_days`` days up to the event); then for
    each (quoted column, quoted alias) the column's last non-null value so far."""
    days = int(load_days)
    load = (
        f""",
       CAST(resource AS VARCHAR) AS resource,
       count(DISTINCT case_id) OVER (PARTITION BY resource ORDER BY timestamp
           RANGE BETWEEN INTERVAL {days} DAY PRECEDING AND CURRENT ROW) AS owner_load"""
        if resource
        else ""
    )
    values = "".join(
        f",\n       last_value({column} IGNORE NULLS) OVER upto AS {alias}"
        for column, alias in columns
    )
    return f"""
SELECT case_id, row_number() OVER upto AS n_events,
       CAST(activity AS VARCHAR) AS activity,
       CAST(lag(activity) OVER ({_CASE}) AS VARCHAR) AS previous_activity,
       timestamp,
       (epoch_us(timestamp) - epoch_us(first_value(timestamp) OVER upto)) / 1e6
           AS elapsed_seconds,
       (epoch_us(timestamp) - epoch_us(lag(timestamp) OVER ({_CASE}))) / 1e6
           AS since_previous_seconds{load}{values}
FROM {events}
WINDOW upto AS ({_CASE} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY case_id, timestamp, event_idx
"""
