"""SQL of the process statistics: throughput, activity (service and waiting) times, rework,
handover of work, arrivals and work in progress, attribute summaries.

Each function returns one statement over ``events`` (a table name or a parenthesised sub-query
with the canonical columns). Durations are ``(epoch_us(b) - epoch_us(a)) / 1e6`` seconds.

Order inside a case is ``timestamp, event_idx`` (``CASE_ORDER``), except for waiting times on
logs with start timestamps: there the previous event is the previous one *by start time*
(``start_timestamp, timestamp, event_idx``), as in pm4py's performance DFG on interval logs.
"""

from __future__ import annotations

from mining._queries.scans import CASE_ORDER

START_ORDER = (
    "PARTITION BY case_id ORDER BY coalesce(start_timestamp, timestamp), timestamp, event_idx"
)
UNITS = {"D": "day", "W": "week", "M": "month"}


def _seconds(a: str, b: str) -> str:
    return f"(epoch_us({b}) - epoch_us({a})) / 1e6"


def throughput_times(events: str, has_start: bool) -> str:
    """Per case: start (first start time, or first timestamp without start times), end (last
    timestamp), throughput in seconds, number of events.

    Without start timestamps this is exactly ``case_statistics`` with ``duration_seconds``
    called ``throughput_seconds``.
    """
    start = "coalesce(start_timestamp, timestamp)" if has_start else "timestamp"
    return f"""
SELECT case_id, min({start}) AS start, max(timestamp) AS end,
       {_seconds(f"min({start})", "max(timestamp)")} AS throughput_seconds,
       count(*) AS events
FROM {events} GROUP BY case_id ORDER BY case_id
"""


def activity_intervals(events: str, has_start: bool) -> str:
    """Per event: case, activity, the service interval (``service_from`` .. ``service_to``; NULL
    without start timestamps) and the waiting interval (``waiting_from`` = completion of the
    previous event of the case, NULL for the first one; ``waiting_to`` = this event's start, or
    its timestamp without start timestamps)."""
    if has_start:
        return f"""
SELECT case_id, activity, start_timestamp AS service_from, timestamp AS service_to,
       lag(timestamp) OVER w AS waiting_from,
       coalesce(start_timestamp, timestamp) AS waiting_to
FROM {events}
WINDOW w AS ({START_ORDER})
"""
    return f"""
SELECT case_id, activity, NULL::TIMESTAMPTZ AS service_from, NULL::TIMESTAMPTZ AS service_to,
       lag(timestamp) OVER w AS waiting_from, timestamp AS waiting_to
FROM {events}
WINDOW w AS ({CASE_ORDER})
"""


def activity_times(events: str, has_start: bool) -> str:
    """Per activity: events, cases, then (with start timestamps) service time mean / median /
    p90 and waiting time (start minus the previous event's completion, floored at 0) mean /
    median / p90; without start timestamps only the waiting columns, holding the time since the
    previous event (so they include the service time)."""
    service = ""
    if has_start:
        service = """
       avg(service) AS service_seconds_mean, median(service) AS service_seconds_median,
       quantile_cont(service, 0.9) AS service_seconds_p90,"""
    return f"""
WITH intervals AS ({activity_intervals(events, has_start)}
), durations AS (
    SELECT case_id, activity,
           {_seconds("service_from", "service_to")} AS service,
           CASE WHEN waiting_from IS NOT NULL
                THEN greatest({_seconds("waiting_from", "waiting_to")}, 0.0) END AS waiting
    FROM intervals
)
SELECT activity, count(*) AS events, count(DISTINCT case_id) AS cases,{service}
       avg(waiting) AS waiting_seconds_mean, median(waiting) AS waiting_seconds_median,
       quantile_cont(waiting, 0.9) AS waiting_seconds_p90
FROM durations GROUP BY activity ORDER BY events DESC, activity::VARCHAR
"""


def rework(events: str, by_resource: bool) -> str:
    """Per activity (or per resource and activity): cases where it occurs (performed by that
    resource), cases where it occurs more than once, their share, and executions beyond the
    first per case. Events without a resource are left out when grouping by resource."""
    keys = "resource, activity" if by_resource else "activity"
    where = "WHERE resource IS NOT NULL" if by_resource else ""
    order = "resource, activity::VARCHAR" if by_resource else "activity::VARCHAR"
    return f"""
WITH per_case AS (
    SELECT {keys}, case_id, count(*) AS n FROM {events} {where} GROUP BY {keys}, case_id
)
SELECT {keys}, count(*) AS cases, count(*) FILTER (WHERE n > 1) AS rework_cases,
       count(*) FILTER (WHERE n > 1) / count(*) AS rework_share,
       sum(n - 1)::BIGINT AS extra_executions
FROM per_case GROUP BY {keys}
ORDER BY rework_cases DESC, extra_executions DESC, {order}
"""


def handovers(events: str) -> str:
    """Handover of work: pairs of consecutive events of a case (among the events that have a
    resource) done by different resources, with the number of handovers, of cases, and the
    median time in seconds between the two events' timestamps."""
    return f"""
WITH steps AS (
    SELECT case_id, resource AS source, lead(resource) OVER w AS target,
           {_seconds("timestamp", "lead(timestamp) OVER w")} AS gap
    FROM {events} WHERE resource IS NOT NULL
    WINDOW w AS ({CASE_ORDER})
)
SELECT source, target, count(*) AS handovers, count(DISTINCT case_id) AS cases,
       median(gap) AS median_gap_seconds
FROM steps WHERE target IS NOT NULL AND target <> source
GROUP BY source, target ORDER BY handovers DESC, source, target
"""


def arrivals_and_wip(events: str, unit: str, has_start: bool) -> str:
    """Per period (``unit`` = day, week (from Monday) or month, in UTC; every period from the
    first case start to the last case end): cases started, cases ended, cases open at the end of
    the period, and events (by timestamp) in the period."""
    start = "coalesce(start_timestamp, timestamp)" if has_start else "timestamp"

    def bucket(expr: str) -> str:
        return f"date_trunc('{unit}', ({expr}) AT TIME ZONE 'UTC')"

    return f"""
WITH cases AS (
    SELECT {bucket(f"min({start})")} AS started, {bucket("max(timestamp)")} AS ended
    FROM {events} GROUP BY case_id
), periods AS (
    SELECT unnest(generate_series(min(started), max(ended), INTERVAL '1 {unit}')) AS period
    FROM cases
), arrived AS (
    SELECT started AS period, count(*) AS n FROM cases GROUP BY started
), left_ AS (
    SELECT ended AS period, count(*) AS n FROM cases GROUP BY ended
), happened AS (
    SELECT {bucket("timestamp")} AS period, count(*) AS n FROM {events} GROUP BY period
)
SELECT p.period AT TIME ZONE 'UTC' AS period,
       coalesce(a.n, 0) AS arrivals, coalesce(l.n, 0) AS ended,
       sum(coalesce(a.n, 0) - coalesce(l.n, 0)) OVER (ORDER BY p.period)::BIGINT AS wip,
       coalesce(h.n, 0) AS events
FROM periods p
LEFT JOIN arrived a USING (period) LEFT JOIN left_ l USING (period)
LEFT JOIN happened h USING (period)
ORDER BY p.period
"""


def column_types(events: str) -> str:
    """Name and DuckDB type of every column (``DESCRIBE``)."""
    return f"DESCRIBE SELECT * FROM {events}"


def constant_in_case(events: str, columns: list[str]) -> str:
    """One row, one boolean per (quoted) column: whether no case has two different non-null
    values in it (true on an empty log)."""
    counts = ", ".join(f"count(DISTINCT {c}) AS n{i}" for i, c in enumerate(columns))
    checks = ", ".join(f"coalesce(max(n{i}), 0) <= 1" for i in range(len(columns)))
    return f"SELECT {checks} FROM (SELECT {counts} FROM {events} GROUP BY case_id)"


def attribute_summary(events: str, column: str, case_level: bool, kind: str, top: int) -> str:
    """One row for one (quoted) column, over events or (``case_level``) over cases (one value
    per case): values, non-null values, distinct values, then min / median / max for ``kind``
    number (as DOUBLE) or time, or the ``top`` most frequent values for other kinds."""
    if case_level:
        values = f"SELECT any_value({column}) AS v FROM {events} GROUP BY case_id"
    else:
        values = f"SELECT {column} AS v FROM {events}"
    if kind == "number":
        spread = "min(v)::DOUBLE, median(v)::DOUBLE, max(v)::DOUBLE"
    elif kind == "time":
        spread = "min(v), median(v), max(v)"
    else:
        spread = "NULL, NULL, NULL"
    if kind in ("number", "time"):
        top_values = "NULL"
    else:
        top_values = f"""(
        SELECT list(struct_pack(value := value, n := n) ORDER BY n DESC, value)
        FROM (SELECT v::VARCHAR AS value, count(*) AS n FROM vals WHERE v IS NOT NULL
              GROUP BY value ORDER BY n DESC, value LIMIT {int(top)}))"""
    return f"""
WITH vals AS ({values})
SELECT count(*) AS n, count(v) AS non_null, count(DISTINCT v) AS distinct_values,
       {spread}, {top_values} AS top_values
FROM vals
"""
