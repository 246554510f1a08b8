"""Lean and Theory of Constraints on an event log: takt time against the cycle time of each step,
the value-added share of the time, and the constraint with the throughput it allows.

- **Takt time** = available working time / demand: how often, in working time, a case has to
  be finished to keep up. Demand is the cases that arrived (observed) or a figure you give.
  A step done ``v`` times per case on average must complete one execution every
  ``takt / v`` (its *required* cycle time).
- **Cycle time of a step** = working time between two completions at full capacity. With start
  timestamps: the mean service time divided by the number of resources doing the step. Without
  them the log cannot tell work from waiting, so the *demonstrated* cycle time is used: the
  working time of the step's best week divided by the executions it completed that week.
- **Value-added share** = service time / (service + waiting time), from
  ``mining.activity_times``; it needs start timestamps, otherwise it cannot be split.
- **Constraint** (Theory of Constraints) = the step with the highest utilisation (busy time
  over available resource time; needs start timestamps), or else the step with the longest
  queue: the average number of cases waiting for it during working time (Little's law:
  total waiting time / available time). Its capacity caps the whole process at
  ``capacity / visits per case`` cases per working day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mining import (
    BusinessCalendar,
    EventAttribute,
    EventLog,
    FilterStack,
    activity_times,
    arrivals_and_wip,
    discover_dfg,
    rework,
    throughput_times,
)

PERIODS = ("day", "week", "month")
STEP_COLUMNS = [
    "activity",
    "events",
    "cases",
    "visits_per_case",
    "resources",
    "cycle_seconds",
    "cycle_basis",
    "required_cycle_seconds",
    "load",
    "utilisation",
    "queue",
    "capacity_per_day",
    "throughput_cap_per_day",
    "service_seconds_mean",
    "waiting_seconds_mean",
    "constraint",
]


def _hours(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    if abs(seconds) >= 86400:
        return f"{seconds / 3600:,.0f} h"
    if abs(seconds) >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


@dataclass(frozen=True)
class LeanAnalysis:
    """Takt time, the steps against it, the value-added split and the constraint.

    ``steps`` has one row per activity (``STEP_COLUMNS``): executions, ``visits_per_case``,
    ``resources`` doing it, ``cycle_seconds`` and its basis (``service`` or ``demonstrated``),
    ``required_cycle_seconds`` (takt / visits), ``load`` (cycle / required: above 1 the step
    cannot keep up with demand), ``utilisation`` (with start timestamps), ``queue`` (average
    cases waiting for the step in working time), ``capacity_per_day`` (executions per working
    day), ``throughput_cap_per_day`` (cases per working day the step allows) and
    ``constraint``. Times are working seconds of ``calendar``.

    Example:
        >>> lean = takt_time(log, demand=60, per="week")      # doctest: +SKIP
        >>> lean.constraint, lean.throughput_cap_per_day       # doctest: +SKIP
        >>> print("\\n".join(lean.sentences()))                # doctest: +SKIP
    """

    takt_seconds: float
    demand_per_day: float
    demand_source: str
    working_days: float
    day_seconds: float
    steps: pd.DataFrame
    constraint: str | None
    constraint_basis: str
    throughput_cap_per_day: float
    actual_per_day: float
    value_added_share: float | None
    waiting_share: float | None
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """The steps (a copy)."""
        return self.steps.copy()

    def sentences(self) -> list[str]:
        """The findings in plain words."""
        cal = self.calendar
        days = ", ".join(cal.workdays)
        lines = [
            f"Takt time: {_hours(self.takt_seconds)} of working time per case — demand "
            f"{self.demand_per_day:.1f} cases per working day ({self.demand_source}); working "
            f"time {cal.start}–{cal.end} {cal.timezone} on {days}, {self.working_days:,.1f} "
            "working days in the log."
        ]
        behind = self.steps[self.steps["load"] > 1]
        demonstrated = (self.steps["cycle_basis"] == "demonstrated").any()
        if len(behind):
            names = ", ".join(
                f"{row.activity} ({row.load:.1f}× its required cycle)"
                for row in behind.itertuples()
            )
            if demonstrated:
                lines.append(f"Steps whose best week so far falls short of takt: {names}.")
            else:
                lines.append(f"Steps slower than takt: {names}.")
        elif self.steps["load"].notna().any():
            lines.append("Every step's cycle time is within its takt: capacity meets demand.")
        if self.constraint is not None:
            row = self.steps.set_index("activity").loc[self.constraint]
            if row["cycle_basis"] == "demonstrated":
                cap = (
                    f"Its best week so far supports about {self.throughput_cap_per_day:.1f} cases "
                    "per working day"
                )
            else:
                cap = (
                    f"It caps throughput at {self.throughput_cap_per_day:.1f} cases per working day"
                )
            lines.append(
                f"Constraint: {self.constraint} ({self.constraint_basis}). {cap} (demand "
                f"{self.demand_per_day:.1f}, actual {self.actual_per_day:.1f})."
            )
        if self.value_added_share is None:
            lines.append(
                "Value-added vs waiting cannot be split: the log has no start timestamps, so the "
                "time between two events mixes work and waiting."
            )
        else:
            lines.append(
                f"Value-added (service) time is {self.value_added_share:.0%} of the time in the "
                f"steps; waiting is {self.waiting_share:.0%}."
            )
        return lines + list(self.notes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "takt_seconds": self.takt_seconds,
            "demand_per_day": self.demand_per_day,
            "demand_source": self.demand_source,
            "working_days": self.working_days,
            "day_seconds": self.day_seconds,
            "calendar": self.calendar.to_dict(),
            "constraint": self.constraint,
            "constraint_basis": self.constraint_basis,
            "throughput_cap_per_day": self.throughput_cap_per_day,
            "actual_per_day": self.actual_per_day,
            "value_added_share": self.value_added_share,
            "waiting_share": self.waiting_share,
            "steps": self.steps.to_dict("records"),
            "sentences": self.sentences(),
        }


def _per_working_day(demand: float, per: str, calendar: BusinessCalendar) -> float:
    if per not in PERIODS:
        raise ValueError(f"per must be one of {', '.join(PERIODS)}, not {per!r}")
    if not demand > 0:
        raise ValueError(f"demand must be a positive number of cases, not {demand!r}")
    days_per_week = len(calendar.workdays)
    if per == "day":
        return float(demand)
    if per == "week":
        return float(demand) / days_per_week
    return float(demand) / (days_per_week * 52 / 12)


def _best_week(log: EventLog, activity: str) -> int:
    """Most executions of one activity in a calendar week (Monday to Sunday, UTC)."""
    view = FilterStack([EventAttribute("activity", (activity,))]).apply(log)
    weeks = arrivals_and_wip(view, freq="W")
    return int(weeks["events"].max()) if len(weeks) else 0


def takt_time(
    log: EventLog,
    *,
    demand: float | None = None,
    per: Literal["day", "week", "month"] = "week",
    calendar: BusinessCalendar | None = None,
) -> LeanAnalysis:
    """Takt time against the cycle time of every step, the value-added share and the
    constraint (see the module docstring for the definitions).

    ``demand`` cases per ``per`` (a month is 52/12 weeks) sets the demand; without it the
    demand is the cases that started in the log, over its working days. ``calendar`` gives the
    working time (default Monday to Friday, 09:00–18:00 UTC).

    Example:
        >>> takt_time(log).sentences()[0]                       # doctest: +SKIP
        >>> takt_time(log, demand=12, per="day", calendar=BusinessCalendar("Europe/Madrid"))
        ... # doctest: +SKIP
    """
    calendar = calendar or BusinessCalendar()
    times = throughput_times(log)
    if times.empty:
        raise ValueError(f"log {log.name!r} has no cases: no takt time")
    first, last = times["start"].min(), times["end"].max()
    available = float(calendar.working_seconds(first, last))
    day = float(calendar.day_seconds)
    working_days = available / day if day else 0.0
    if working_days <= 0:
        raise ValueError("the log spans no working time in this calendar: no takt time")
    n_cases = len(times)
    if demand is None:
        demand_per_day = n_cases / working_days
        source = f"observed: {n_cases:,} cases arrived"
    else:
        demand_per_day = _per_working_day(demand, per, calendar)
        source = f"given: {demand:g} per {per}"
    takt = day / demand_per_day
    actual = n_cases / working_days
    has_start = log.has_start_timestamp
    acts = activity_times(log, calendar=calendar)
    starts = discover_dfg(log).start_activities
    resources = pd.Series(dtype=float)
    if log.has_resource:
        resources = rework(log, by="resource").groupby("activity", observed=True).size()
        resources.index = resources.index.astype(str)
    rows = []
    for row in acts.itertuples():
        name = str(row.activity)
        events = int(row.events)
        visits = events / n_cases
        waits = events - int(starts.get(name, 0))
        waiting_mean = float(row.waiting_seconds_mean)
        waiting_total = waiting_mean * waits if waits and waiting_mean == waiting_mean else 0.0
        staff = float(resources.get(name, np.nan))
        service_mean = float(getattr(row, "service_seconds_mean", np.nan)) if has_start else np.nan
        if has_start and service_mean == service_mean and service_mean > 0:
            servers = staff if staff == staff else 1.0
            cycle = service_mean / servers
            basis = "service"
            utilisation = events * service_mean / (servers * available)
            capacity = servers * day / service_mean
        else:
            best = _best_week(log, name)
            cycle = day * len(calendar.workdays) / best if best else np.nan
            basis = "demonstrated"
            utilisation = np.nan
            capacity = best / len(calendar.workdays) if best else np.nan
        required = takt / visits if visits else np.nan
        rows.append(
            {
                "activity": name,
                "events": events,
                "cases": int(row.cases),
                "visits_per_case": visits,
                "resources": staff,
                "cycle_seconds": cycle,
                "cycle_basis": basis,
                "required_cycle_seconds": required,
                "load": cycle / required if required == required else np.nan,
                "utilisation": utilisation,
                "queue": waiting_total / available,
                "capacity_per_day": capacity,
                "throughput_cap_per_day": capacity / visits if visits else np.nan,
                "service_seconds_mean": service_mean,
                "waiting_seconds_mean": waiting_mean,
                "constraint": False,
            }
        )
    steps = pd.DataFrame(rows, columns=STEP_COLUMNS)
    constraint, basis_text, cap = None, "no steps", float("nan")
    if len(steps):
        if steps["utilisation"].notna().any():
            index = int(steps["utilisation"].idxmax())
            basis_text = f"highest utilisation, {steps.loc[index, 'utilisation']:.0%}"
        else:
            index = int(steps["queue"].idxmax())
            basis_text = (
                f"longest queue, {steps.loc[index, 'queue']:.1f} cases waiting on average; "
                "without start timestamps utilisation cannot be measured"
            )
        steps.loc[index, "constraint"] = True
        constraint = str(steps.loc[index, "activity"])
        cap = float(steps.loc[index, "throughput_cap_per_day"])
    notes = []
    if not has_start:
        notes.append(
            "Cycle times are demonstrated (best week) and queues count the whole time since "
            "the previous event, which here includes the work itself and any wait for the "
            "customer."
        )
    va_share = waiting_share = None
    if has_start:
        service = float((steps["service_seconds_mean"].fillna(0) * steps["events"]).sum())
        waiting = float((steps["waiting_seconds_mean"].fillna(0) * _waits(steps, starts)).sum())
        if service + waiting > 0:
            va_share = service / (service + waiting)
            waiting_share = waiting / (service + waiting)
    return LeanAnalysis(
        takt_seconds=takt,
        demand_per_day=demand_per_day,
        demand_source=source,
        working_days=working_days,
        day_seconds=day,
        steps=steps,
        constraint=constraint,
        constraint_basis=basis_text,
        throughput_cap_per_day=cap,
        actual_per_day=actual,
        value_added_share=va_share,
        waiting_share=waiting_share,
        calendar=calendar,
        notes=tuple(notes),
    )


def _waits(steps: pd.DataFrame, starts: dict[str, int]) -> pd.Series:
    """Executions of each step that have a previous event in their case (so a waiting time)."""
    return steps["events"] - steps["activity"].map(lambda a: starts.get(a, 0))
