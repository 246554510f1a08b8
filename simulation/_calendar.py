"""Calendars of the simulator: weekly open hours and daily clock times as epoch seconds."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from simulation._behaviour import WEEKDAY_NAMES


def _clock(text: str) -> tuple[int, int]:
    hours, minutes = str(text).split(":")
    return int(hours), int(minutes)


def _midnight_utc(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class _Calendar:
    """Open hours of a weekly schedule in a time zone as sorted epoch-second intervals.

    ``next_open(t)`` is ``t`` when open, else the next opening; ``add(t, s)`` adds ``s`` seconds
    of open time. Both are binary searches; the intervals grow on demand.
    """

    def __init__(self, timezone: str, days: Iterable[str], start: str, end: str, first: date):
        self.zone = ZoneInfo(timezone)
        self.weekdays = frozenset(WEEKDAY_NAMES.index(str(d).lower()[:3]) for d in days)
        self.start, self.end = _clock(start), _clock(end)
        if not self.weekdays or self.start == self.end:
            raise ValueError(f"the schedule {list(days)} {start}-{end} is never open")
        self.opens: list[int] = []
        self.closes: list[int] = []
        self.cum = [0]  # open seconds before interval i
        self._next_day = first
        self._grow(400)

    def _at(self, day: date, clock: tuple[int, int]) -> int:
        return int(datetime(day.year, day.month, day.day, *clock, tzinfo=self.zone).timestamp())

    def _grow(self, n_days: int) -> None:
        for _ in range(n_days):
            day = self._next_day
            self._next_day = day + timedelta(days=1)
            if day.weekday() not in self.weekdays:
                continue
            opens = self._at(day, self.start)
            closes = self._at(day if self.end > self.start else day + timedelta(days=1), self.end)
            if self.closes and opens < self.closes[-1]:
                opens = self.closes[-1]
            if closes <= opens:
                continue
            self.opens.append(opens)
            self.closes.append(closes)
            self.cum.append(self.cum[-1] + closes - opens)

    def next_open(self, t: int) -> int:
        while t >= self.closes[-1]:
            self._grow(366)
        opens = self.opens[bisect.bisect_right(self.closes, t)]
        return opens if opens > t else t

    def add(self, t: int, seconds: int) -> int:
        while t >= self.closes[-1]:
            self._grow(366)
        i = bisect.bisect_right(self.closes, t)
        opens = self.opens[i]
        pos = self.cum[i] + (t - opens if t > opens else 0) + seconds
        while pos >= self.cum[-1]:
            self._grow(366)
        j = bisect.bisect_right(self.cum, pos) - 1
        return self.opens[j] + pos - self.cum[j]


class _Daily:
    """The instants of a time of day (HH:MM) in a zone: ``next_at(t)`` is the first >= t."""

    def __init__(self, timezone: str, clock: str, first: date):
        self.zone = ZoneInfo(timezone)
        self.clock = _clock(clock)
        self.instants: list[int] = []
        self._next_day = first
        self._grow(400)

    def _grow(self, n_days: int) -> None:
        for _ in range(n_days):
            d = self._next_day
            self._next_day = d + timedelta(days=1)
            self.instants.append(
                int(datetime(d.year, d.month, d.day, *self.clock, tzinfo=self.zone).timestamp())
            )

    def next_at(self, t: int) -> int:
        while t > self.instants[-1]:
            self._grow(366)
        return self.instants[bisect.bisect_left(self.instants, t)]
