"""SQL of the filters: each returns a statement selecting the events of ``events`` that pass.

Values arrive already quoted as SQL literals by the caller (``mining/_filters.py``).
"""

from __future__ import annotations

from mining._queries.scans import CASE_ORDER


def _keep_cases(events: str, case_query: str, keep: bool) -> str:
    return f"SELECT * FROM {events} WHERE case_id {'IN' if keep else 'NOT IN'} ({case_query})"


def filter_time_range(events: str, start: str, end: str, mode: str) -> str:
    """Cases contained in / intersecting / started in [start, end), or events inside it."""
    if mode == "events":
        return f"SELECT * FROM {events} WHERE timestamp >= {start} AND timestamp < {end}"
    having = {
        "contained": f"min(timestamp) >= {start} AND max(timestamp) < {end}",
        "intersecting": f"max(timestamp) >= {start} AND min(timestamp) < {end}",
        "started": f"min(timestamp) >= {start} AND min(timestamp) < {end}",
    }[mode]
    return _keep_cases(
        events, f"SELECT case_id FROM {events} GROUP BY case_id HAVING {having}", True
    )


def filter_attribute_cases(events: str, column: str, values: str, keep: bool) -> str:
    """Cases with at least one event whose ``column`` is among ``values``."""
    return _keep_cases(events, f"SELECT case_id FROM {events} WHERE {column} IN ({values})", keep)


def filter_attribute_events(events: str, column: str, values: str, keep: bool) -> str:
    """Events whose ``column`` is (or is not) among ``values``."""
    condition = f"{column} IN ({values})"
    if not keep:
        condition = f"({column} IS NULL OR NOT {condition})"
    return f"SELECT * FROM {events} WHERE {condition}"


def filter_endpoint_activities(events: str, which: str, values: str, keep: bool) -> str:
    """Cases whose first (``which`` = 'start') or last ('end') activity is among ``values``."""
    pick = "arg_min" if which == "start" else "arg_max"
    cases = (
        f"SELECT case_id FROM {events} GROUP BY case_id "
        f"HAVING {pick}(activity, (timestamp, event_idx)) IN ({values})"
    )
    return _keep_cases(events, cases, keep)


def filter_case_size(events: str, low: str, high: str) -> str:
    """Cases with between ``low`` and ``high`` events (inclusive; NULL = unbounded)."""
    having = f"count(*) >= coalesce({low}, 0) AND count(*) <= coalesce({high}, count(*))"
    return _keep_cases(
        events, f"SELECT case_id FROM {events} GROUP BY case_id HAVING {having}", True
    )


def filter_case_duration(events: str, low: str, high: str) -> str:
    """Cases lasting between ``low`` and ``high`` seconds (inclusive; NULL = unbounded)."""
    seconds = "(epoch_us(max(timestamp)) - epoch_us(min(timestamp))) / 1e6"
    having = f"{seconds} >= coalesce({low}, 0) AND {seconds} <= coalesce({high}, {seconds})"
    return _keep_cases(
        events, f"SELECT case_id FROM {events} GROUP BY case_id HAVING {having}", True
    )


def filter_variants(events: str, top: str, coverage: str) -> str:
    """Cases of the ``top`` most frequent variants and / or of the most frequent variants that
    together cover ``coverage`` of the cases (ties broken by the variant itself)."""
    return f"""
WITH traces AS (
    SELECT case_id, list(activity ORDER BY timestamp, event_idx) AS v FROM {events} GROUP BY case_id
), ranked AS (
    SELECT v, row_number() OVER (ORDER BY count(*) DESC, v) AS rank,
           sum(count(*)) OVER (ORDER BY count(*) DESC, v ROWS UNBOUNDED PRECEDING) - count(*)
               AS before, sum(count(*)) OVER () AS total
    FROM traces GROUP BY v
)
SELECT * FROM {events} WHERE case_id IN (
    SELECT case_id FROM traces JOIN ranked USING (v)
    WHERE rank <= coalesce({top}, rank) AND before < coalesce({coverage}, 1.0) * total
)
"""


def filter_follows(
    events: str, first: str, then: str, directly: bool, keep: bool, among: str | None = None
) -> str:
    """Cases where ``first`` is followed by ``then``, directly or eventually; ``among`` (a
    quoted list) makes "directly" count only the events of those activities."""
    if directly:
        only = f" WHERE activity IN ({among})" if among else ""
        cases = (
            f"SELECT case_id FROM (SELECT case_id, activity, lead(activity) OVER "
            f"({CASE_ORDER}) AS next_activity FROM {events}{only}) "
            f"WHERE activity = {first} AND next_activity = {then}"
        )
    else:  # some ``first`` comes before some ``then``: compare positions, in one pass
        cases = (
            f"SELECT case_id FROM (SELECT case_id, activity, row_number() OVER "
            f"({CASE_ORDER}) AS position FROM {events}) GROUP BY case_id "
            f"HAVING min(position) FILTER (WHERE activity = {first}) "
            f"< max(position) FILTER (WHERE activity = {then})"
        )
    return _keep_cases(events, cases, keep)


def filter_rework(events: str, activity: str, min_count: str, keep: bool) -> str:
    """Cases where one activity (or the given one) occurs at least ``min_count`` times."""
    where = f"WHERE activity = {activity}" if activity != "NULL" else ""
    cases = (
        f"SELECT case_id FROM {events} {where} GROUP BY case_id, activity "
        f"HAVING count(*) >= {min_count}"
    )
    return _keep_cases(events, cases, keep)
