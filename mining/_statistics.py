"""Process statistics as public verbs: each runs queries of ``_queries.stats`` in DuckDB on an
EventLog (filtered views included) and returns a pandas DataFrame.

What matches pm4py (tested in ``tests/test_statistics.py``):

- ``throughput_times``: ``pm4py.get_all_case_durations`` (last minus first timestamp); with a
  ``BusinessCalendar`` in UTC, its ``business_hours=True`` with the same weekly slots. On logs
  with start timestamps Mejora starts a case at its first *start*, pm4py at its first completion.
- ``activity_times``: service time = ``pm4py.get_service_time(start_timestamp_key=...)``;
  waiting time = pm4py's performance DFG (``discover_performance_dfg``) flow times of the arcs
  into the activity, floored at 0. On interval logs pm4py (and Mejora) take the previous event
  by start time. Without start times both measure completion to completion.
- ``rework(by="activity")``: ``rework_cases`` = ``pm4py.get_rework_cases_per_activity``.
- ``handovers``: counts = pm4py's ``discover_handover_of_work_network`` (beta=0) weights times
  the number of consecutive pairs; pm4py also counts a resource handing over to itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from mining import _queries
from mining._business_calendar import BusinessCalendar
from mining._eventlog import EventLog
from mining._filters import without_reactions
from mining._sql import ident
from mining.exceptions import EventLogError

_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")
_CANONICAL = ("case_id", "activity", "timestamp", "start_timestamp", "event_idx")


def _frame(log: EventLog, query: str) -> pd.DataFrame:
    return log.connection.execute(query).df()


def throughput_times(log: EventLog, calendar: BusinessCalendar | None = None) -> pd.DataFrame:
    """Per case: ``case_id``, ``start``, ``end``, ``throughput_seconds``, ``events``.

    ``start`` is the first timestamp (the first start time on logs with start timestamps), ``end``
    the last timestamp. Without start timestamps this equals ``case_statistics`` (whose
    ``duration_seconds`` is ``throughput_seconds`` here) and pm4py's case durations. With a
    ``calendar`` the seconds count working time only (``frame.attrs["calendar"]`` says which).

    Example:
        >>> times = throughput_times(log)                        # doctest: +SKIP
        >>> times["throughput_seconds"].median() / 86400         # median days  # doctest: +SKIP
        >>> throughput_times(log, calendar=BusinessCalendar("Europe/Madrid"))  # doctest: +SKIP
    """
    frame = _frame(log, _queries.throughput_times(log.events_ref, log.has_start_timestamp))
    frame = frame.astype({"events": "int64"})
    if calendar is not None:
        seconds = calendar.working_seconds(frame["start"], frame["end"])
        frame["throughput_seconds"] = np.asarray(seconds, dtype=float)
        frame.attrs["calendar"] = calendar.to_dict()
    return frame


def activity_times(log: EventLog, calendar: BusinessCalendar | None = None) -> pd.DataFrame:
    """Per activity: ``activity``, ``events``, ``cases``, then seconds as mean / median / p90.

    With start timestamps: ``service_seconds_*`` (completion minus start, as
    ``pm4py.get_service_time``) and ``waiting_seconds_*`` (this event's start minus the
    completion of the case's previous event by start time, floored at 0; the first event of a
    case has none). Without start timestamps there is no service time and ``waiting_seconds_*``
    is the time since the previous event, so it *includes* the service time: the column
    ``waiting_includes_service`` (and ``frame.attrs``) says so. With a ``calendar`` every
    duration counts working time only.

    Example:
        >>> times = activity_times(log).set_index("activity")       # doctest: +SKIP
        >>> times["waiting_seconds_median"].sort_values().tail(3)   # doctest: +SKIP
    """
    has_start = log.has_start_timestamp
    if calendar is None:
        frame = _frame(log, _queries.activity_times(log.events_ref, has_start))
    else:
        frame = _activity_times_on(log, calendar, has_start)
        frame.attrs["calendar"] = calendar.to_dict()
    frame = frame.astype({"events": "int64", "cases": "int64"})
    frame["waiting_includes_service"] = pd.Series(not has_start, index=frame.index, dtype=bool)
    frame.attrs["waiting_includes_service"] = not has_start
    return frame


def _activity_times_on(log: EventLog, calendar: BusinessCalendar, has_start: bool) -> pd.DataFrame:
    """``activity_times`` with working time: the intervals come from DuckDB, the working seconds
    from numpy, the aggregation from pandas (the same statistics as the SQL)."""
    intervals = _frame(log, _queries.activity_intervals(log.events_ref, has_start))
    durations = pd.DataFrame(
        {
            "activity": intervals["activity"],
            "case_id": intervals["case_id"],
            "service": calendar.working_seconds(intervals["service_from"], intervals["service_to"]),
            "waiting": np.clip(
                calendar.working_seconds(intervals["waiting_from"], intervals["waiting_to"]),
                0.0,
                None,
            ),
        }
    )
    groups = durations.groupby("activity", observed=True, sort=False)
    columns: dict[str, pd.Series] = {
        "events": groups.size(),
        "cases": groups["case_id"].nunique(),
    }
    for name in ("service", "waiting") if has_start else ("waiting",):
        column = groups[name]
        columns[f"{name}_seconds_mean"] = column.mean()
        columns[f"{name}_seconds_median"] = column.median()
        columns[f"{name}_seconds_p90"] = column.quantile(0.9)
    frame = pd.DataFrame(columns).rename_axis("activity").reset_index()
    order = frame.assign(_name=frame["activity"].astype(str))
    order = order.sort_values(["events", "_name"], ascending=[False, True])
    return frame.loc[order.index].reset_index(drop=True)


def rework(log: EventLog, by: Literal["activity", "resource"] = "activity") -> pd.DataFrame:
    """Activities done more than once in a case.

    ``by="activity"``: per activity, ``cases`` it occurs in, ``rework_cases`` where it occurs
    more than once (as ``pm4py.get_rework_cases_per_activity``), ``rework_share`` (of ``cases``)
    and ``extra_executions`` (executions beyond the first per case). ``by="resource"``: the same
    per ``resource`` and ``activity``, counting only the resource's own executions: of the cases
    where the resource did the activity, how many had it repeated by that resource. Most rework
    first.

    Example:
        >>> rework(log, by="resource").head(3)      # doctest: +SKIP
    """
    if by not in ("activity", "resource"):
        raise ValueError(f"by must be 'activity' or 'resource', not {by!r}")
    by_resource = by == "resource"
    if by_resource:
        _need_resource(log, "rework by resource")
    frame = _frame(log, _queries.rework(log.events_ref, by_resource))
    return frame.astype({"cases": "int64", "rework_cases": "int64", "extra_executions": "int64"})


def handovers(log: EventLog) -> pd.DataFrame:
    """Handover-of-work network: ``source``, ``target`` (resources), ``handovers`` (consecutive
    events of a case, source's then target's), ``cases`` and ``median_gap_seconds`` (between the
    two events' timestamps). Events without a resource are skipped; a resource following itself
    is not a handover.

    Example:
        >>> handovers(log).head(5)                  # doctest: +SKIP
    """
    _need_resource(log, "handovers")
    frame = _frame(log, _queries.handovers(log.events_ref))
    return frame.astype({"handovers": "int64", "cases": "int64"})


def _need_resource(log: EventLog, what: str) -> None:
    if not log.has_resource:
        raise EventLogError(
            f"{what} needs resources, and log {log.name!r} has none; "
            "map a column to 'resource' when reading it"
        )


def arrivals_and_wip(log: EventLog, freq: Literal["D", "W", "M"] = "D") -> pd.DataFrame:
    """Per period (day, week from Monday, or month; UTC), from the first case start to the last
    case end: ``period`` (its start), ``arrivals`` (cases started), ``ended`` (cases whose last
    event falls in it), ``wip`` (cases open at the end of the period) and ``events``.

    A case is open from its first event (its first start time on interval logs) to its last
    event, so cases still running when the log was extracted count as ended at their last event.

    Example:
        >>> arrivals_and_wip(log, freq="W").plot(x="period", y="wip")   # doctest: +SKIP
    """
    if freq not in _queries.UNITS:
        raise ValueError(f"freq must be one of {', '.join(_queries.UNITS)}, not {freq!r}")
    query = _queries.arrivals_and_wip(log.events_ref, _queries.UNITS[freq], log.has_start_timestamp)
    frame = _frame(log, query)
    return frame.astype({c: "int64" for c in ("arrivals", "ended", "wip", "events")})


def _kind(column_type: str) -> str:
    base = column_type.split("(")[0].upper()
    if base.startswith("U"):
        base = base[1:]
    if base in _NUMBER_TYPES or base == "DECIMAL":
        return "number"
    if base.startswith(("TIMESTAMP", "DATE", "TIME")):
        return "time"
    if base == "BOOLEAN":
        return "boolean"
    if base in ("VARCHAR", "ENUM"):
        return "text"
    return "other"


SUMMARY_COLUMNS = [
    "attribute",
    "type",
    "kind",
    "non_null_share",
    "distinct",
    "top_values",
    "min",
    "median",
    "max",
]


def attribute_summary(
    log: EventLog, level: Literal["case", "event"] = "event", top: int = 5
) -> pd.DataFrame:
    """Per attribute column (``resource`` included): ``attribute``, DuckDB ``type``, ``kind``
    (number, time, text, boolean, other), ``non_null_share``, ``distinct`` values, then
    ``top_values`` (``{value: count}``, the ``top`` most frequent, for text and booleans) or
    ``min`` / ``median`` / ``max`` (numbers and times).

    ``level="event"`` summarises every event and adds ``case_level``: whether the attribute is
    constant within each case (no case has two different non-null values). ``level="case"``
    keeps only those case attributes and counts each case once.

    Example:
        >>> attribute_summary(log, level="case")      # doctest: +SKIP
    """
    if level not in ("case", "event"):
        raise ValueError(f"level must be 'case' or 'event', not {level!r}")
    types = log.connection.execute(_queries.column_types(log.events_ref)).fetchall()
    columns = [(str(name), str(kind)) for name, kind, *_ in types if name not in _CANONICAL]
    constant = [True] * len(columns)
    if columns:
        query = _queries.constant_in_case(log.events_ref, [ident(c) for c, _ in columns])
        constant = [bool(v) for v in log.connection.execute(query).fetchall()[0]]
    rows = []
    for (name, column_type), case_level in zip(columns, constant, strict=True):
        if level == "case" and not case_level:
            continue
        kind = _kind(column_type)
        query = _queries.attribute_summary(log.events_ref, ident(name), level == "case", kind, top)
        n, non_null, distinct, low, middle, high, top_values = log.connection.execute(
            query
        ).fetchall()[0]
        rows.append(
            {
                "attribute": name,
                "type": column_type,
                "kind": kind,
                "non_null_share": non_null / n if n else float("nan"),
                "distinct": int(distinct),
                "top_values": (
                    None if top_values is None else {t["value"]: t["n"] for t in top_values}
                ),
                "min": low,
                "median": middle,
                "max": high,
                "case_level": case_level,
            }
        )
    names = SUMMARY_COLUMNS + (["case_level"] if level == "event" else [])
    frame = pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, "case_level"])[names]
    return frame.astype({"distinct": "int64", "non_null_share": "float64"})


def waits_against_design(
    log: EventLog, designed: Mapping[tuple[str, str], float] | None = None
) -> pd.DataFrame:
    """Per directly-follows path: how long it takes, how much of that the design intends (a
    wait, a timeout), and the excess — the part that is a real bottleneck. Paths are ranked by
    median excess, so a 3-day designed nurture delay does not top the list.

    ``designed`` maps (from activity, to activity) to designed seconds; ``automation``'s
    ``designed_waits(workflow)`` builds it from a workflow. A contact's reactions to an email
    (the vocabulary's opened, clicked, unsubscribed...) that are no designed step are left
    out first: an open between two sends would otherwise split the designed wait in two.

    Example:
        >>> waits_against_design(log, designed_waits(workflow)).head()   # doctest: +SKIP
    """
    steps = {str(a) for pair in (designed or {}) for a in pair}
    if steps:
        log, _ = without_reactions(log, steps)
    rows = [(str(a), str(b), float(s)) for (a, b), s in (designed or {}).items()]
    frame = pd.DataFrame(rows, columns=["source", "target", "seconds"])
    relation = "__designed_waits"
    log.connection.register(relation, frame)
    try:
        query = _queries.scans.gaps_against_design(log.events_ref, relation)
        return log.connection.execute(query).df()
    finally:
        log.connection.unregister(relation)
