"""Run rules: patterns on a control chart that a stable process rarely makes.

Two sets, selectable with ``rules=``:

- ``"nelson"``: Nelson's eight tests (Journal of Quality Technology, 1984);
- ``"we"``: the four Western Electric rules (Statistical Quality Control Handbook, 1956).

Zones are measured in standard errors of the plotted point (σ of the point, which may vary with
the sample size), from the centre line. A point exactly on the centre line belongs to neither side
and ends a run. Every signal names its rule, the 1-based points that make the pattern, the point at
which the pattern is first complete, and one plain sentence on what it suggests.

    signals = run_rules(values, center=10, sigma=1, lcl=7, ucl=13, rules="we")
    [s.sentence for s in signals]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

RuleSet = Literal["nelson", "we", "limits"]

RULES: dict[str, str] = {
    "nelson-1": "one point beyond the control limits",
    "nelson-2": "nine points in a row on the same side of the centre line",
    "nelson-3": "six points in a row steadily increasing or decreasing",
    "nelson-4": "fourteen points in a row alternating up and down",
    "nelson-5": "two of three points in a row more than 2σ from the centre line, same side",
    "nelson-6": "four of five points in a row more than 1σ from the centre line, same side",
    "nelson-7": "fifteen points in a row within 1σ of the centre line",
    "nelson-8": "eight points in a row more than 1σ from the centre line, on both sides",
    "we-1": "one point beyond the control limits",
    "we-2": "two of three points in a row more than 2σ from the centre line, same side",
    "we-3": "four of five points in a row more than 1σ from the centre line, same side",
    "we-4": "eight points in a row on the same side of the centre line",
}
RULE_SETS: dict[str, tuple[str, ...]] = {
    "nelson": tuple(f"nelson-{i}" for i in range(1, 9)),
    "we": tuple(f"we-{i}" for i in range(1, 5)),
    "limits": ("nelson-1",),
}

_WORDS = {
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
}


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


@dataclass(frozen=True)
class Signal:
    """One run-rule signal: ``rule`` id (``"nelson-2"``), the 1-based ``points`` in the pattern,
    ``detected_at`` (the point completing it first), ``direction`` (``"up"``, ``"down"`` or
    ``""``) and a plain ``sentence``."""

    rule: str
    points: tuple[int, ...]
    detected_at: int
    direction: str
    sentence: str

    @property
    def description(self) -> str:
        """The rule in general terms (e.g. "nine points in a row on the same side ...")."""
        return RULES.get(self.rule, self.rule)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "rule": self.rule,
            "points": list(self.points),
            "detected_at": self.detected_at,
            "direction": self.direction,
            "sentence": self.sentence,
        }


def _side(up: bool) -> str:
    return "above" if up else "below"


def _sentence(rule: str, n: int, direction: str) -> str:
    up = direction == "up"
    kind = rule.split("-")[1] if rule.startswith("we-") else rule
    if rule.startswith("we-"):
        kind = {"1": "nelson-1", "2": "nelson-5", "3": "nelson-6", "4": "nelson-2"}[kind]
    if kind == "nelson-1":
        limit = "upper" if up else "lower"
        return (
            f"a point beyond the {limit} control limit: something unusual happened there "
            "(a special cause worth investigating)"
        )
    if kind == "nelson-2":
        return (
            f"{_count(n)} points in a row {_side(up)} the centre line: the process mean has shifted"
        )
    if kind == "nelson-3":
        trend = "increasing" if up else "decreasing"
        return f"{_count(n)} points in a row steadily {trend}: the process is drifting (a trend)"
    if kind == "nelson-4":
        return (
            f"{_count(n)} points in a row alternating up and down: two sources take turns "
            "(e.g. two teams or systems) or someone keeps over-adjusting"
        )
    if kind == "nelson-5":
        return (
            f"points more than 2σ {_side(up)} the centre line, two of three in a row: the process "
            "mean has probably shifted"
        )
    if kind == "nelson-6":
        return (
            f"points more than 1σ {_side(up)} the centre line, four of five in a row: a small "
            "but real shift in the process mean"
        )
    if kind == "nelson-7":
        return (
            f"{_count(n)} points in a row within 1σ of the centre line: less variation than the "
            "limits assume (the limits may be too wide, or the data mix several sources)"
        )
    return (
        f"{_count(n)} points in a row more than 1σ from the centre line on both sides, none near "
        "it: two different processes (or populations) are mixed"
    )


def _merge(rule: str, windows: list[tuple[int, int, str, list[int]]], spans: bool) -> list[Signal]:
    """Merge overlapping firing windows of one rule and direction into one signal each.

    ``windows`` holds (start, end, direction, qualifying points), 0-based inclusive. With
    ``spans`` the signal's points are the whole merged run, else the qualifying points only.
    """
    signals: list[Signal] = []
    current: dict[str, Any] | None = None
    for start, end, direction, points in windows:
        if current and current["direction"] == direction and start <= current["end"]:
            current["end"] = max(current["end"], end)
            current["points"].update(points)
            continue
        if current:
            signals.append(_signal(rule, current, spans))
        current = {
            "start": start,
            "end": end,
            "direction": direction,
            "first": end,
            "points": set(points),
        }
    if current:
        signals.append(_signal(rule, current, spans))
    return signals


def _signal(rule: str, run: dict[str, Any], spans: bool) -> Signal:
    points = (
        tuple(range(run["start"] + 1, run["end"] + 2))
        if spans
        else tuple(sorted(p + 1 for p in run["points"]))
    )
    return Signal(
        rule=rule,
        points=points,
        detected_at=run["first"] + 1,
        direction=run["direction"],
        sentence=_sentence(rule, len(points), run["direction"]),
    )


def _same_side(z: np.ndarray, length: int) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    sign = np.sign(z)
    for end in range(length - 1, len(z)):
        window = sign[end - length + 1 : end + 1]
        if np.all(window > 0) or np.all(window < 0):
            direction = "up" if window[0] > 0 else "down"
            windows.append((end - length + 1, end, direction, []))
    return windows


def _trend(values: np.ndarray, length: int) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    steps = np.sign(np.diff(values))
    for end in range(length - 1, len(values)):
        window = steps[end - length + 1 : end]
        if np.all(window > 0) or np.all(window < 0):
            windows.append((end - length + 1, end, "up" if window[0] > 0 else "down", []))
    return windows


def _alternating(values: np.ndarray, length: int) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    steps = np.sign(np.diff(values))
    for end in range(length - 1, len(values)):
        window = steps[end - length + 1 : end]
        if np.all(window != 0) and np.all(window[1:] == -window[:-1]):
            windows.append((end - length + 1, end, "", []))
    return windows


def _k_of_m(z: np.ndarray, k: int, m: int, beyond: float) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    for end in range(m - 1, len(z)):
        window = z[end - m + 1 : end + 1]
        for direction, hits in (("up", window > beyond), ("down", window < -beyond)):
            if hits.sum() >= k:
                points = [end - m + 1 + int(i) for i in np.flatnonzero(hits)]
                windows.append((end - m + 1, end, direction, points))
    windows.sort(key=lambda w: (w[2], w[0]))
    return windows


def _within(z: np.ndarray, length: int) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    for end in range(length - 1, len(z)):
        if np.all(np.abs(z[end - length + 1 : end + 1]) < 1):
            windows.append((end - length + 1, end, "", []))
    return windows


def _mixture(z: np.ndarray, length: int) -> list[tuple[int, int, str, list[int]]]:
    windows = []
    for end in range(length - 1, len(z)):
        window = z[end - length + 1 : end + 1]
        if np.all(np.abs(window) > 1) and (window > 0).any() and (window < 0).any():
            windows.append((end - length + 1, end, "", []))
    return windows


def run_rules(
    values: Sequence[float],
    *,
    center: float | Sequence[float],
    sigma: float | Sequence[float],
    lcl: float | Sequence[float] | None = None,
    ucl: float | Sequence[float] | None = None,
    rules: RuleSet = "nelson",
) -> tuple[Signal, ...]:
    """Signals of the chosen rule set on ``values`` around ``center``.

    ``sigma`` is the standard error of each plotted point (a number or one per point); the 1σ and
    2σ zones are measured with it. A NaN value is a missing point: it ends every run. ``lcl`` /
    ``ucl`` (default: 3σ) define "beyond the limits", so a lower limit clipped at zero is
    respected. ``rules="limits"`` checks the limits only (as on range, moving-range and S
    charts, whose points are not independent enough for run tests). Signals are ordered by the
    point that completes them.

    Example:
        >>> values = [10, 11, 10.5, 10.2, 10.4, 10.8, 10.1, 10.6, 10.3, 10.9]
        >>> [s.rule for s in run_rules(values, center=10, sigma=1)]
        ['nelson-2']
        >>> run_rules(values, center=10, sigma=1)[0].points
        (2, 3, 4, 5, 6, 7, 8, 9, 10)
    """
    if rules not in RULE_SETS:
        raise ValueError(f"rules must be one of {', '.join(RULE_SETS)}, not {rules!r}")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if np.any(np.isinf(x)):
        raise ValueError("values must be finite numbers (NaN marks a point with no value)")
    n = len(x)
    centre = np.broadcast_to(np.asarray(center, dtype=float), (n,))
    scale = np.broadcast_to(np.asarray(sigma, dtype=float), (n,))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale > 0, (x - centre) / scale, 0.0)
    upper = centre + 3 * scale if ucl is None else np.broadcast_to(np.asarray(ucl, float), (n,))
    lower = centre - 3 * scale if lcl is None else np.broadcast_to(np.asarray(lcl, float), (n,))

    found: list[Signal] = []
    for rule in RULE_SETS[rules]:
        number = int(rule.split("-")[1])
        table = "we" if rule.startswith("we-") else "nelson"
        test = number if table == "nelson" else {1: 1, 2: 5, 3: 6, 4: 9}[number]
        if test == 1:
            for i in np.flatnonzero((x > upper) | (x < lower)):
                direction = "up" if x[i] > upper[i] else "down"
                found.append(
                    Signal(
                        rule, (int(i) + 1,), int(i) + 1, direction, _sentence(rule, 1, direction)
                    )
                )
            continue
        if test == 2:
            found += _merge(rule, _same_side(z, 9), spans=True)
        elif test == 9:  # Western Electric 4: eight in a row on one side
            found += _merge(rule, _same_side(z, 8), spans=True)
        elif test == 3:
            found += _merge(rule, _trend(x, 6), spans=True)
        elif test == 4:
            found += _merge(rule, _alternating(x, 14), spans=True)
        elif test == 5:
            found += _merge(rule, _k_of_m(z, 2, 3, 2.0), spans=False)
        elif test == 6:
            found += _merge(rule, _k_of_m(z, 4, 5, 1.0), spans=False)
        elif test == 7:
            found += _merge(rule, _within(z, 15), spans=True)
        elif test == 8:
            found += _merge(rule, _mixture(z, 8), spans=True)
    order = {rule: i for i, rule in enumerate(RULE_SETS[rules])}
    return tuple(sorted(found, key=lambda s: (s.detected_at, order[s.rule])))
