"""Reporting periods: a day, an ISO week, a month, a quarter or a year, in UTC, and the one before.

Period.parse("2025-12")         # December 2025: [2025-12-01, 2026-01-01)
Period.parse("2025-W51")        # ISO week 51 (Monday to Monday)
Period.parse("2025-Q4").previous().label    # '2025-Q3'
latest_period(log)              # the month of the last case start
report_period(log)              # the last complete month with enough cases (reports' default)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

import mining
from improvement._locale import Text, day, month

PeriodKind = Literal["day", "week", "month", "quarter", "year"]
_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("day", re.compile(r"(\d{4})-(\d{2})-(\d{2})")),
    ("week", re.compile(r"(\d{4})-W(\d{1,2})", re.IGNORECASE)),
    ("month", re.compile(r"(\d{4})-(\d{1,2})")),
    ("quarter", re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)),
    ("year", re.compile(r"(\d{4})")),
)


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)`` in UTC, with its ``kind`` and ``label``.

    Example:
        >>> p = Period.parse("2025-12")
        >>> p.start.date().isoformat(), p.end.date().isoformat(), p.previous().label
        ('2025-12-01', '2026-01-01', '2025-11')
    """

    kind: PeriodKind
    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from ``2025-12-15``, ``2025-W51``, ``2025-12``, ``2025-Q4`` or ``2025``."""
        value = str(text).strip()
        for kind, pattern in _PATTERNS:
            match = pattern.fullmatch(value)
            if match:
                return cls._make(kind, *(int(g) for g in match.groups()))
        raise ValueError(
            f"{text!r} is not a period; write a day (2025-12-15), an ISO week (2025-W51), "
            "a month (2025-12), a quarter (2025-Q4) or a year (2025)"
        )

    @classmethod
    def _make(cls, kind: PeriodKind, year: int, a: int = 1, b: int = 1) -> Period:
        try:
            if kind == "day":
                start = _utc(f"{year:04d}-{a:02d}-{b:02d}")
                return cls(kind, start, start + pd.Timedelta(days=1), start.date().isoformat())
            if kind == "week":
                monday = pd.Timestamp.fromisocalendar(year, a, 1).tz_localize("UTC")
                return cls(kind, monday, monday + pd.Timedelta(days=7), f"{year:04d}-W{a:02d}")
            if kind == "month":
                start = _utc(f"{year:04d}-{a:02d}-01")
                return cls(kind, start, start + pd.DateOffset(months=1), f"{year:04d}-{a:02d}")
            if kind == "quarter":
                start = _utc(f"{year:04d}-{3 * (a - 1) + 1:02d}-01")
                return cls(kind, start, start + pd.DateOffset(months=3), f"{year:04d}-Q{a}")
            start = _utc(f"{year:04d}-01-01")
            return cls(kind, start, start + pd.DateOffset(years=1), f"{year:04d}")
        except ValueError as exc:
            raise ValueError(f"no such {kind}: {exc}") from exc

    @classmethod
    def containing(cls, moment: pd.Timestamp, kind: PeriodKind = "month") -> Period:
        """The period of ``kind`` that contains ``moment`` (UTC)."""
        stamp = pd.Timestamp(moment)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        if kind == "day":
            return cls._make("day", stamp.year, stamp.month, stamp.day)
        if kind == "week":
            year, week, _ = stamp.isocalendar()
            return cls._make("week", int(year), int(week))
        if kind == "month":
            return cls._make("month", stamp.year, stamp.month)
        if kind == "quarter":
            return cls._make("quarter", stamp.year, (stamp.month - 1) // 3 + 1)
        return cls._make("year", stamp.year)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period.containing(self.start - pd.Timedelta(microseconds=1), self.kind)

    @property
    def freq(self) -> str:
        """The series frequency that shows this period as several points (D, W or M)."""
        return {"day": "D", "week": "D", "month": "W", "quarter": "W", "year": "M"}[self.kind]

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.end - self.start).total_seconds() / 86400

    def time_range(self) -> mining.TimeRange:
        """The filter keeping the cases started in the period."""
        return mining.TimeRange(self.start.isoformat(), self.end.isoformat(), mode="started")

    def describe(self) -> Text:
        """The period in words, e.g. 'December 2025' / 'diciembre 2025'."""
        if self.kind == "month":
            return Text(month(self.start, "en"), month(self.start, "es"))
        if self.kind == "day":
            return Text(day(self.start, "en"), day(self.start, "es"))
        last = self.end - pd.Timedelta(days=1)
        span = Text(
            f"{day(self.start, 'en')} – {day(last, 'en')}",
            f"{day(self.start, 'es')} – {day(last, 'es')}",
        )
        if self.kind == "week":
            return Text(f"week {self.label} ({span.en})", f"semana {self.label} ({span.es})")
        return Text(f"{self.label} ({span.en})", f"{self.label} ({span.es})")


# a period's rates mean something from about 30 cases on: below that a 95 % interval of a rate
# near one half is wider than ±18 points, so a change from one period to the next is mostly noise
MIN_PERIOD_CASES = 30


def report_period(
    log: mining.EventLog, kind: PeriodKind = "month", min_cases: int = MIN_PERIOD_CASES
) -> Period:
    """The period a report shows by default: the latest period of ``kind`` that the log covers
    to its end (its last event is at or after the period's end) and in which at least
    ``min_cases`` cases started; when no period has that many, the latest complete one (and,
    for a log shorter than one period, the period of its latest case start).

    Example:
        >>> report_period(log).label    # doctest: +SKIP
        '2026-01'
    """
    times = mining.throughput_times(log)
    if times.empty:
        raise ValueError(f"log {log.name!r} has no cases, so it has no period to report on")
    starts = pd.to_datetime(times["start"], utc=True)
    seen = pd.to_datetime(times["end"], utc=True).max()
    period = Period.containing(starts.max(), kind)
    complete: Period | None = None
    while period.end > starts.min():
        if period.end <= seen:
            complete = complete or period
            if int(((starts >= period.start) & (starts < period.end)).sum()) >= min_cases:
                return period
        period = period.previous()
    return complete or Period.containing(starts.max(), kind)


def latest_period(log: mining.EventLog, kind: PeriodKind = "month") -> Period:
    """The period of ``kind`` holding the latest case start of ``log``.

    Example:
        >>> latest_period(log).label    # doctest: +SKIP
        '2026-02'
    """
    starts = mining.throughput_times(log)["start"]
    if starts.empty:
        raise ValueError(f"log {log.name!r} has no cases, so it has no period to report on")
    return Period.containing(pd.Timestamp(starts.max()), kind)
