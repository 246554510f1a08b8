"""Composable filters: small objects that run in the engine, describe themselves as one line of
text and as Python code, and round-trip to JSON (so a dashboard or a report can reproduce them).

    stack = FilterStack([TimeRange("2025-10-01", "2026-01-01"), VariantsFilter(top=10)])
    view = stack.apply(log)          # an EventLog over the filtered events (nothing is copied)
    stack.describe()                 # ['cases started in [2025-10-01, 2026-01-01)', ...]
    FilterStack.from_json(stack.to_json()) == stack
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from mining import _queries
from mining._eventlog import EventLog
from mining._sql import ident, literal
from mining._vocabulary import REACTION_KINDS
from mining.exceptions import EventLogError

CANONICAL = ("case_id", "activity", "timestamp", "resource", "start_timestamp", "event_idx")


def _values(values: Iterable[Any]) -> str:
    items = list(values)
    if not items:
        raise ValueError("a filter needs at least one value")
    return ", ".join(_literal(v) for v in items)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return literal(str(value))


def _instant(text: str | None, default: str) -> str:
    if text is None:
        return default
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO date or time (e.g. 2025-10-01)") from exc
    if moment.tzinfo is None:
        return f"TIMESTAMPTZ {literal(moment.isoformat() + '+00:00')}"
    return f"TIMESTAMPTZ {literal(moment.isoformat())}"


def _number(value: float | None) -> str:
    return "NULL" if value is None else repr(float(value))


@dataclass(frozen=True)
class Filter:
    """Base of every filter: subclasses give ``kind``, ``sql`` and ``describe``."""

    kind: ClassVar[str] = ""

    def sql(self, events: str, log: EventLog) -> str:
        """The statement selecting the events of ``events`` that pass."""
        raise NotImplementedError

    def describe(self, lang: str = "en") -> str:
        """One line of plain text, in English (``"en"``) or Spanish (``"es"``)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the kind and the fields."""
        data = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    def to_code(self) -> str:
        """Python that rebuilds this filter."""
        args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({args})"


def _pick(words: tuple[str, str], lang: str) -> str:
    """The English or Spanish of a pair."""
    if lang not in ("en", "es"):
        raise ValueError(f"lang must be 'en' or 'es', not {lang!r}")
    return words[1] if lang == "es" else words[0]


def _attribute(log: EventLog, column: str) -> str:
    if column not in log.columns:
        raise EventLogError(
            f"log {log.name!r} has no column {column!r}; columns: {', '.join(log.columns)}"
        )
    return ident(column)


@dataclass(frozen=True)
class TimeRange(Filter):
    """Cases ``contained`` in, ``intersecting`` or ``started`` in [start, end); or, with mode
    ``events``, only the events inside it. Naive dates are UTC."""

    start: str | None = None
    end: str | None = None
    mode: str = "started"
    kind: ClassVar[str] = "time_range"

    def __post_init__(self) -> None:
        if self.mode not in ("contained", "intersecting", "started", "events"):
            raise ValueError(
                f"mode must be contained, intersecting, started or events: {self.mode!r}"
            )

    def sql(self, events: str, log: EventLog) -> str:
        start = _instant(self.start, "TIMESTAMPTZ '-infinity'")
        end = _instant(self.end, "TIMESTAMPTZ 'infinity'")
        return _queries.filter_time_range(events, start, end, self.mode)

    def describe(self, lang: str = "en") -> str:
        span = f"[{self.start or '…'}, {self.end or '…'})"
        words = {
            "contained": ("cases entirely within", "casos enteros dentro de"),
            "intersecting": ("cases overlapping", "casos que se solapan con"),
            "started": ("cases started in", "casos empezados en"),
            "events": ("events within", "eventos dentro de"),
        }[self.mode]
        return f"{_pick(words, lang)} {span}"


@dataclass(frozen=True)
class CaseAttribute(Filter):
    """Keep (or drop) cases with an event whose ``column`` takes one of ``values``."""

    column: str
    values: tuple[Any, ...]
    keep: bool = True
    kind: ClassVar[str] = "case_attribute"

    def sql(self, events: str, log: EventLog) -> str:
        column = _attribute(log, self.column)
        return _queries.filter_attribute_cases(events, column, _values(self.values), self.keep)

    def describe(self, lang: str = "en") -> str:
        verb = ("cases with", "casos con") if self.keep else ("cases without", "casos sin")
        within = _pick(("in", "en"), lang)
        return f"{_pick(verb, lang)} {self.column} {within} {', '.join(map(str, self.values))}"


@dataclass(frozen=True)
class EventAttribute(Filter):
    """Keep (or drop) the events whose ``column`` takes one of ``values``."""

    column: str
    values: tuple[Any, ...]
    keep: bool = True
    kind: ClassVar[str] = "event_attribute"

    def sql(self, events: str, log: EventLog) -> str:
        column = _attribute(log, self.column)
        return _queries.filter_attribute_events(events, column, _values(self.values), self.keep)

    def describe(self, lang: str = "en") -> str:
        verb = ("events with", "eventos con") if self.keep else ("events without", "eventos sin")
        within = _pick(("in", "en"), lang)
        return f"{_pick(verb, lang)} {self.column} {within} {', '.join(map(str, self.values))}"


@dataclass(frozen=True)
class StartActivities(Filter):
    """Keep (or drop) cases whose first activity is one of ``activities``."""

    activities: tuple[str, ...]
    keep: bool = True
    kind: ClassVar[str] = "start_activities"

    def sql(self, events: str, log: EventLog) -> str:
        return _queries.filter_endpoint_activities(
            events, "start", _values(self.activities), self.keep
        )

    def describe(self, lang: str = "en") -> str:
        if self.keep:
            verb = ("cases starting with", "casos que empiezan por")
        else:
            verb = ("cases not starting with", "casos que no empiezan por")
        return f"{_pick(verb, lang)} {', '.join(self.activities)}"


@dataclass(frozen=True)
class EndActivities(Filter):
    """Keep (or drop) cases whose last activity is one of ``activities``."""

    activities: tuple[str, ...]
    keep: bool = True
    kind: ClassVar[str] = "end_activities"

    def sql(self, events: str, log: EventLog) -> str:
        return _queries.filter_endpoint_activities(
            events, "end", _values(self.activities), self.keep
        )

    def describe(self, lang: str = "en") -> str:
        if self.keep:
            verb = ("cases ending with", "casos que terminan en")
        else:
            verb = ("cases not ending with", "casos que no terminan en")
        return f"{_pick(verb, lang)} {', '.join(self.activities)}"


@dataclass(frozen=True)
class CaseSize(Filter):
    """Cases with at least ``min_events`` and at most ``max_events`` events."""

    min_events: int | None = None
    max_events: int | None = None
    kind: ClassVar[str] = "case_size"

    def sql(self, events: str, log: EventLog) -> str:
        low = "NULL" if self.min_events is None else str(int(self.min_events))
        high = "NULL" if self.max_events is None else str(int(self.max_events))
        return _queries.filter_case_size(events, low, high)

    def describe(self, lang: str = "en") -> str:
        span = f"{self.min_events or 0}–{self.max_events or '∞'}"
        return _pick((f"cases with {span} events", f"casos con {span} eventos"), lang)


@dataclass(frozen=True)
class CaseDuration(Filter):
    """Cases lasting between ``min_seconds`` and ``max_seconds``."""

    min_seconds: float | None = None
    max_seconds: float | None = None
    kind: ClassVar[str] = "case_duration"

    def sql(self, events: str, log: EventLog) -> str:
        return _queries.filter_case_duration(
            events, _number(self.min_seconds), _number(self.max_seconds)
        )

    def describe(self, lang: str = "en") -> str:
        def days(value: float | None) -> str:
            return "∞" if value is None else f"{value / 86400:g} d"

        span = f"{days(self.min_seconds or 0)}–{days(self.max_seconds)}"
        return _pick((f"cases lasting {span}", f"casos que duran {span}"), lang)


@dataclass(frozen=True)
class VariantsFilter(Filter):
    """Cases of the ``top`` most frequent variants and / or of the most frequent variants that
    together cover ``coverage`` (0–1) of the cases."""

    top: int | None = None
    coverage: float | None = None
    kind: ClassVar[str] = "variants"

    def sql(self, events: str, log: EventLog) -> str:
        top = "NULL" if self.top is None else str(int(self.top))
        return _queries.filter_variants(events, top, _number(self.coverage))

    def describe(self, lang: str = "en") -> str:
        parts = []
        if self.top is not None:
            parts.append(
                _pick(
                    (
                        f"the {self.top} most frequent variants",
                        f"las {self.top} variantes más frecuentes",
                    ),
                    lang,
                )
            )
        if self.coverage is not None:
            share = f"{self.coverage:.0%}"
            parts.append(
                _pick(
                    (
                        f"the variants covering {share} of cases",
                        f"las variantes que cubren el {share} de los casos",
                    ),
                    lang,
                )
            )
        joined = _pick((" and ", " y "), lang).join(parts)
        if lang == "es":
            return "casos de " + (joined or "cualquier variante")
        return "cases of " + (joined or "every variant")


@dataclass(frozen=True)
class Follows(Filter):
    """Keep (or drop) cases where ``first`` is followed by ``then``, directly or eventually.
    With ``among`` (the activities a simplified process map shows), "directly" counts only
    those activities, so the others may come in between: the path the map draws."""

    first: str
    then: str
    directly: bool = True
    keep: bool = True
    among: tuple[str, ...] = ()
    kind: ClassVar[str] = "follows"

    def sql(self, events: str, log: EventLog) -> str:
        among = ", ".join(literal(a) for a in self.among) if self.among else None
        return _queries.filter_follows(
            events, literal(self.first), literal(self.then), self.directly, self.keep, among
        )

    def describe(self, lang: str = "en") -> str:
        if lang == "es":
            how = "justo después" if self.directly else "en algún momento después"
            verb = "casos en que" if self.keep else "casos en que no"
            text = f"{verb} {self.then} viene {how} de {self.first}"
            if self.among and self.directly:
                text += f" (contando solo las {len(self.among)} actividades mostradas)"
            return text
        how = "directly" if self.directly else "eventually"
        verb = "cases where" if self.keep else "cases where not"
        text = f"{verb} {self.first} is {how} followed by {self.then}"
        if self.among and self.directly:
            text += f" (counting only the {len(self.among)} activities shown)"
        return text


@dataclass(frozen=True)
class Rework(Filter):
    """Keep (or drop) cases where ``activity`` (or any activity) occurs ``min_count`` times or
    more."""

    activity: str | None = None
    min_count: int = 2
    keep: bool = True
    kind: ClassVar[str] = "rework"

    def sql(self, events: str, log: EventLog) -> str:
        activity = "NULL" if self.activity is None else literal(self.activity)
        return _queries.filter_rework(events, activity, str(int(self.min_count)), self.keep)

    def describe(self, lang: str = "en") -> str:
        if lang == "es":
            what = self.activity or "una actividad"
            verb = "casos en que" if self.keep else "casos en que no"
            return f"{verb} {what} se repite ({self.min_count} veces o más)"
        what = self.activity or "an activity"
        verb = "cases where" if self.keep else "cases where not"
        return f"{verb} {what} repeats ({self.min_count}× or more)"


FILTERS: dict[str, type[Filter]] = {
    cls.kind: cls
    for cls in (
        TimeRange,
        CaseAttribute,
        EventAttribute,
        StartActivities,
        EndActivities,
        CaseSize,
        CaseDuration,
        VariantsFilter,
        Follows,
        Rework,
    )
}


def filter_from_dict(data: dict[str, Any]) -> Filter:
    """Inverse of :meth:`Filter.to_dict`."""
    data = dict(data)
    kind = data.pop("kind", None)
    if kind not in FILTERS:
        raise ValueError(f"unknown filter kind {kind!r}; kinds: {', '.join(FILTERS)}")
    cls = FILTERS[kind]
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(names)
    if unknown:
        raise ValueError(f"filter {kind!r} has no field(s) {sorted(unknown)}")
    for name, value in data.items():
        if isinstance(value, list):
            data[name] = tuple(value)
    return cls(**data)


@dataclass(frozen=True)
class FilterStack:
    """Filters applied in order, in the engine."""

    filters: tuple[Filter, ...] = field(default_factory=tuple)

    def __init__(self, filters: Sequence[Filter] = ()) -> None:
        object.__setattr__(self, "filters", tuple(filters))

    def apply(self, log: EventLog) -> EventLog:
        """An EventLog over the events that pass every filter (a view: nothing is copied).

        Example:
            >>> FilterStack([VariantsFilter(top=5)]).apply(log).n_cases   # doctest: +SKIP
        """
        if not self.filters:
            return log
        sql = f"SELECT * FROM {log.events_ref}"
        for item in self.filters:
            sql = item.sql(f"({sql})", log)
        digest = hashlib.sha1(f"{log.events_ref}\n{sql}".encode()).hexdigest()[:16]
        view = f"filtered_{digest}"
        log.connection.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS {sql}")
        return log.with_events(view, tuple(f.to_dict() for f in self.filters))

    def describe(self, lang: str = "en") -> list[str]:
        """One line of text per filter, in English or Spanish."""
        return [f.describe(lang) for f in self.filters]

    def to_code(self) -> str:
        """Python that rebuilds the stack."""
        return "FilterStack([" + ", ".join(f.to_code() for f in self.filters) + "])"

    def to_json(self) -> str:
        """The stack as JSON (a list of filter objects)."""
        return json.dumps([f.to_dict() for f in self.filters], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> FilterStack:
        """Inverse of :meth:`to_json`."""
        return cls([filter_from_dict(item) for item in json.loads(text)])


def without_reactions(log: EventLog, steps: Iterable[str]) -> tuple[EventLog, tuple[str, ...]]:
    """``log`` without the contacts' reactions to an email (the vocabulary's opened, clicked,
    unsubscribed...) that are none of the process ``steps``, and the labels left out: an open
    is no step of the process a model or a design describes."""
    known = set(steps)
    reactions = tuple(a for a in log.vocabulary.labels(*REACTION_KINDS) if a not in known)
    if not reactions:
        return log, ()
    return FilterStack([EventAttribute("activity", reactions, keep=False)]).apply(log), reactions
