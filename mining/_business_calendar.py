"""Business calendar: count only working time between two instants, vectorised with numpy.

A calendar is a weekly working window (the same hours on each working day) in a time zone, minus
holidays. ``working_seconds(start, end)`` converts the instants to local wall-clock time and
counts the seconds inside the windows with ``numpy.busday_count``: no per-row Python.

Working time is measured on the local wall clock. Daylight-saving changes happen at night in
real zones, outside working hours, so a working hour is always an hour; a window that contains a
change (e.g. ``start="00:00", end="24:00"``) counts the day as its wall-clock length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = 86_400


def _clock(text: str) -> int:
    """'HH:MM' or 'HH:MM:SS' (up to '24:00') as seconds after midnight."""
    try:
        parts = [int(p) for p in str(text).split(":")]
        hours, minutes, seconds = [*parts, 0, 0][:3]
        if len(parts) not in (2, 3) or not (0 <= minutes < 60 and 0 <= seconds < 60):
            raise ValueError
        value = hours * 3600 + minutes * 60 + seconds
        if not 0 <= value <= _DAY:
            raise ValueError
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a time of day such as '09:00' or '18:30'") from exc
    return value


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours in a time zone, with holidays (local dates).

    Example:
        >>> cal = BusinessCalendar("Europe/Madrid", start="09:00", end="18:00",
        ...                        holidays=("2024-12-25",))
        >>> cal.working_seconds("2024-12-24 15:00Z", "2024-12-26 09:00Z")   # 2 h + 1 h
        10800.0
    """

    timezone: str = "UTC"
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "18:00"
    holidays: tuple[str | date, ...] = ()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        days = tuple(str(d).strip().lower()[:3] for d in self.workdays)
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {', '.join(WEEKDAYS)}")
        object.__setattr__(self, "workdays", tuple(d for d in WEEKDAYS if d in days))
        if _clock(self.start) >= _clock(self.end):
            raise ValueError(f"the working day must start before it ends: {self.start}-{self.end}")
        try:
            holidays = sorted({pd.Timestamp(h).date().isoformat() for h in self.holidays})
        except (ValueError, TypeError) as exc:
            raise ValueError(f"holidays must be dates such as '2024-12-25': {exc}") from exc
        object.__setattr__(self, "holidays", tuple(holidays))

    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day."""
        return _clock(self.end) - _clock(self.start)

    def _busdays(self) -> np.busdaycalendar:
        return np.busdaycalendar(
            weekmask=[int(d in self.workdays) for d in WEEKDAYS],
            holidays=np.array(self.holidays, dtype="datetime64[D]"),
        )

    def _local(self, values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local dates, wall-clock seconds after midnight, and a mask of missing values."""
        instants = pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"))
        wall = instants.tz_convert(self.timezone).tz_localize(None).to_numpy()
        missing = np.isnat(wall)
        days = wall.astype("datetime64[D]")
        days[missing] = np.datetime64("1970-01-01", "D")
        tod = (wall - days.astype(wall.dtype)) / np.timedelta64(1, "s")
        return days, np.where(missing, 0.0, tod), missing

    def working_seconds(self, start: Any, end: Any) -> Any:
        """Working seconds from ``start`` to ``end`` (negative when ``end`` is earlier; NaN when
        either is missing). Takes instants as scalars, arrays or Series (naive values are UTC);
        returns a float, an array, or a Series on ``start``'s index.

        Example:
            >>> BusinessCalendar().working_seconds("2024-01-05 17:00", "2024-01-08 10:00")
            7200.0
        """
        scalar = np.ndim(start) == 0 and np.ndim(end) == 0
        index = start.index if isinstance(start, pd.Series) else None
        a_days, a_tod, a_missing = self._local(start if np.ndim(start) else np.atleast_1d(start))
        b_days, b_tod, b_missing = self._local(end if np.ndim(end) else np.atleast_1d(end))
        if not self.workdays:  # numpy refuses a calendar without working days
            result = np.zeros(np.broadcast(a_days, b_days).shape)
        else:
            calendar = self._busdays()
            opens, length = _clock(self.start), self.day_seconds

            def partial(days: np.ndarray, tod: np.ndarray) -> np.ndarray:
                inside = np.clip(tod - opens, 0, length)
                return np.where(np.is_busday(days, busdaycal=calendar), inside, 0.0)

            full = np.busday_count(a_days, b_days, busdaycal=calendar).astype(float)
            result = full * length - partial(a_days, a_tod) + partial(b_days, b_tod)
        result = np.where(a_missing | b_missing, np.nan, result)
        if scalar:
            return float(result[0])
        if index is not None:
            return pd.Series(result, index=index)
        return result

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "timezone": self.timezone,
            "workdays": list(self.workdays),
            "start": self.start,
            "end": self.end,
            "holidays": list(self.holidays),
        }
