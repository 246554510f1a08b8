"""Control charts: is a process stable, and when did it change?

Kinds (``kind=``):

- variables: ``"imr"`` (individuals and moving range), ``"xbar-r"`` and ``"xbar-s"`` (subgroup means
  with ranges or standard deviations);
- attributes: ``"p"`` (proportion of defective items), ``"np"`` (number of defective items, equal
  samples), ``"c"`` (count of defects), ``"u"`` (defects per unit); with varying sample sizes the
  limits step with each sample's size;
- ``"laney-p"`` and ``"laney-u"``: Laney's p′ and u′ for large, overdispersed samples (email and
  lead volumes): the limits widen by σ_z, the between-sample variation the binomial or Poisson
  model misses, measured by the moving range of the standardised points;
- ``"ewma"`` (exponentially weighted moving average) and ``"cusum"`` (tabular cumulative sum, in
  standard errors, as qcc plots it): both catch small sustained shifts sooner.

Phase I / phase II: the limits are estimated on a baseline (``baseline=``: the first N points or a
mask), optionally leaving out points with a known cause (``exclude=``) or, with
``exclude_out_of_control=True``, the baseline points beyond the first limits (one round, as
qcc's revised chart), then applied to every point. Sigma estimates follow qcc's defaults:
``R̄ / d2`` of the subgroups (UWAVE-R) for X̄-R, EWMA and CUSUM, ``mean(sᵢ / c4)`` (UWAVE-SD) for
X̄-S, ``MR̄ / d2(2)`` for individuals. ``constants="qcc"`` takes d2 and d3 from the rounded tables
qcc 3.0 uses (d2(5) = 2.326, not 2.3259289) so its published numbers reproduce digit for digit;
the default ``"exact"`` computes them (see ``improvement._constants``).

    chart = ControlChart(kind="xbar-r")
    chart.fit(frame["diameter"], subgroups=frame["sample"], baseline=25)
    chart.center_, chart.sigma_, chart.result_.summary
    control_chart(counts, kind="p", sizes=sizes)          # the one-shot twin
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from improvement._constants import Constants, c4, check_constants, d2, d3
from improvement._run_rules import RULE_SETS, RuleSet, Signal, run_rules

ChartKind = Literal[
    "imr", "xbar-r", "xbar-s", "p", "np", "c", "u", "laney-p", "laney-u", "ewma", "cusum"
]
CHART_KINDS: tuple[str, ...] = (
    "imr",
    "xbar-r",
    "xbar-s",
    "p",
    "np",
    "c",
    "u",
    "laney-p",
    "laney-u",
    "ewma",
    "cusum",
)
TITLES = {
    "imr": "Individuals chart (I-MR)",
    "xbar-r": "X̄-R chart",
    "xbar-s": "X̄-S chart",
    "p": "p chart",
    "np": "np chart",
    "c": "c chart",
    "u": "u chart",
    "laney-p": "Laney p′ chart",
    "laney-u": "Laney u′ chart",
    "ewma": "EWMA chart",
    "cusum": "CUSUM chart",
    "mr": "Moving-range chart",
    "r": "Range chart",
    "s": "Standard-deviation chart",
}
STATISTICS = {
    "imr": "value",
    "xbar-r": "subgroup mean",
    "xbar-s": "subgroup mean",
    "p": "proportion",
    "np": "number of items",
    "c": "count",
    "u": "count per unit",
    "laney-p": "proportion",
    "laney-u": "count per unit",
    "ewma": "weighted average",
    "cusum": "cumulative sum (standard errors)",
    "mr": "moving range",
    "r": "subgroup range",
    "s": "subgroup standard deviation",
}
_GROUPED = ("xbar-r", "xbar-s")
_ATTRIBUTE = ("p", "np", "c", "u", "laney-p", "laney-u")
_SIZED = ("p", "np", "u", "laney-p", "laney-u")


class NotFittedError(ValueError, AttributeError):
    """A ControlChart was used before ``fit``."""


def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.4g}"


def _label(value: Any) -> str:
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        midnight = stamp == stamp.normalize()
        return stamp.date().isoformat() if midnight else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _collapse(values: tuple[float, ...]) -> float | tuple[float, ...]:
    """One number when every point shares it, else the tuple."""
    if not values:
        return float("nan")
    first = values[0]
    if all(v == first or (math.isnan(v) and math.isnan(first)) for v in values):
        return first
    return values


@dataclass(frozen=True)
class ControlChartResult:
    """A control chart: the plotted points, their centre line and limits, and the signals.

    Per-point fields (``values``, ``center_line``, ``lower_limit``, ``upper_limit``,
    ``point_sigma``, ``sizes``, ``labels``, ``baseline``) have one entry per sample; ``center``,
    ``lcl`` and ``ucl`` give one number when it is the same for every point, else the tuple
    (stepped limits). ``sigma`` is the process standard deviation (per measurement, or per unit
    for attribute charts); ``point_sigma`` the standard error of each plotted point, which the
    1σ / 2σ zones use. ``secondary`` holds the dispersion chart of I-MR, X̄-R and X̄-S.
    ``constants`` says which d2 / d3 were used: ``"exact"`` or ``"qcc"`` (qcc 3.0's tables).

    Example:
        >>> result = control_chart([5.1, 4.9, 5.3, 5.0, 4.8, 5.2, 5.1, 9.0], baseline=7)
        >>> result.signals[0].rule, result.signals[0].points
        ('nelson-1', (8,))
        >>> print(result.summary)                                     # doctest: +SKIP
    """

    kind: str
    values: tuple[float, ...]
    center_line: tuple[float, ...]
    lower_limit: tuple[float, ...]
    upper_limit: tuple[float, ...]
    point_sigma: tuple[float, ...]
    sigma: float
    labels: tuple[str, ...]
    baseline: tuple[bool, ...]
    signals: tuple[Signal, ...]
    rules: str
    nsigmas: float = 3.0
    sizes: tuple[float, ...] | None = None
    excluded: tuple[int, ...] = ()
    secondary: ControlChartResult | None = None
    lower_values: tuple[float, ...] | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    name: str = ""
    constants: str = "exact"

    # -- shape ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.values)

    @property
    def title(self) -> str:
        """The chart's name, with the measure charted when known."""
        base = TITLES.get(self.kind, self.kind)
        return f"{base} of {self.name}" if self.name else base

    @property
    def statistic(self) -> str:
        """What each point is (value, subgroup mean, proportion, ...)."""
        return STATISTICS.get(self.kind, "value")

    @property
    def center(self) -> float | tuple[float, ...]:
        """The centre line: a number, or one per point when it depends on the sample size."""
        return _collapse(self.center_line)

    @property
    def lcl(self) -> float | tuple[float, ...]:
        """Lower control limit: a number, or one per point (stepped limits)."""
        return _collapse(self.lower_limit)

    @property
    def ucl(self) -> float | tuple[float, ...]:
        """Upper control limit: a number, or one per point (stepped limits)."""
        return _collapse(self.upper_limit)

    @property
    def limits_vary(self) -> bool:
        """Whether the limits step from point to point (varying sample sizes, EWMA start-up)."""
        return isinstance(self.lcl, tuple) or isinstance(self.ucl, tuple)

    @property
    def n_baseline(self) -> int:
        """Points in the baseline (phase I) the limits were estimated on."""
        return int(sum(self.baseline))

    @property
    def in_control(self) -> bool:
        """No signal on this chart nor on its dispersion chart."""
        own = not self.signals
        return own and (self.secondary is None or not self.secondary.signals)

    def signalled_points(self) -> tuple[int, ...]:
        """1-based points involved in any signal, sorted."""
        return tuple(sorted({p for s in self.signals for p in s.points}))

    # -- words ------------------------------------------------------------------------------
    def _where(self, point: int) -> str:
        label = self.labels[point - 1]
        return f"point {point}" if label == str(point) else f"point {point} ({label})"

    def all_signals(self) -> tuple[Signal, ...]:
        """Signals of this chart and of its dispersion chart, by the point completing them."""
        signals = list(self.signals)
        if self.secondary is not None:
            signals += list(self.secondary.signals)
        return tuple(sorted(signals, key=lambda s: s.detected_at))

    @property
    def summary(self) -> str:
        """One sentence saying what the chart means."""
        signals = self.all_signals()
        if self.kind == "cusum":
            expect = f"the cumulative sums stay within ±{_fmt(self.parameters['h'])}"
        else:
            expect = self._range_text()
        new = [s for s in signals if not self.baseline[s.detected_at - 1]]
        if self.n_baseline == len(self):  # phase I only
            if not signals:
                return (
                    f"{self.title}: no signals — the {self.statistic} varies only as a stable "
                    f"process does (common-cause variation); {expect}."
                )
            first = signals[0]
            return (
                f"{self.title}: {_plural(len(signals), 'signal')}, so the process is not in "
                f"statistical control; the first at {self._where(first.detected_at)}: "
                f"{first.sentence}."
            )
        old = len(signals) - len(new)
        caveat = (
            f" (the baseline itself has {_plural(old, 'signal')}, so its limits are only a rough "
            "guide)"
            if old
            else ""
        )
        source = (
            f"limits from the first {self.n_baseline} points"
            if self.baseline[0]
            else (f"limits from {self.n_baseline} baseline points")
        )
        if not new:
            return (
                f"{self.title} ({source}): the {len(self) - self.n_baseline} new points show no "
                f"change from the baseline — {expect}{caveat}."
            )
        first = new[0]
        return (
            f"{self.title} ({source}): the new data signal a change, first at "
            f"{self._where(first.detected_at)}: {first.sentence}; "
            f"{_plural(len(new), 'signal')} after the baseline{caveat}."
        )

    def _range_text(self) -> str:
        lcl, ucl = self.lcl, self.ucl
        if isinstance(lcl, tuple) or isinstance(ucl, tuple):
            return "each point should stay within its own (stepped) limits"
        return f"expect points between {_fmt(lcl)} and {_fmt(ucl)}"

    def explain(self) -> str:
        """The summary, then one line per signal and any notes, in plain words."""
        lines = [self.summary]
        own = set(map(id, self.signals))
        for signal in self.all_signals():
            where = ", ".join(_ranges(signal.points))
            prefix = (
                ""
                if id(signal) in own or self.secondary is None
                else (f"{TITLES[self.secondary.kind]}: ")
            )
            label = self.labels[signal.detected_at - 1]
            when = "" if label == str(signal.detected_at) else f" (complete at {label})"
            word = "point" if len(signal.points) == 1 else "points"
            lines.append(f"- {prefix}{signal.rule} at {word} {where}{when}: {signal.sentence}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    # -- conversions ------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per point: value, centre, limits, sigma of the point, phase and signals."""
        rules: list[list[str]] = [[] for _ in self.values]
        for signal in self.signals:
            for point in signal.points:
                if signal.rule not in rules[point - 1]:
                    rules[point - 1].append(signal.rule)
        frame = pd.DataFrame(
            {
                "point": np.arange(1, len(self) + 1, dtype=np.int64),
                "label": list(self.labels),
                "value": np.asarray(self.values, dtype=float),
                "center": np.asarray(self.center_line, dtype=float),
                "lcl": np.asarray(self.lower_limit, dtype=float),
                "ucl": np.asarray(self.upper_limit, dtype=float),
                "sigma": np.asarray(self.point_sigma, dtype=float),
                "phase": ["baseline" if b else "new" for b in self.baseline],
                "excluded": [i + 1 in self.excluded for i in range(len(self))],
                "signal": [bool(r) for r in rules],
                "rules": [", ".join(r) for r in rules],
            }
        )
        if self.sizes is not None:
            frame.insert(3, "size", np.asarray(self.sizes, dtype=float))
        if self.lower_values is not None:
            frame.insert(3, "lower_value", np.asarray(self.lower_values, dtype=float))
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``chart``, ``center``, ``lcl``, ``ucl``, ``sigma``, ``signals`` (each with
        ``rule`` and 1-based ``points``), then the points and details. Limits are lists when
        they vary by point."""

        def plain(value: float | tuple[float, ...]) -> float | list[float]:
            return list(value) if isinstance(value, tuple) else value

        data: dict[str, Any] = {
            "chart": self.kind,
            "center": plain(self.center),
            "lcl": plain(self.lcl),
            "ucl": plain(self.ucl),
            "sigma": self.sigma,
            "signals": [s.to_dict() for s in self.signals],
            "title": self.title,
            "summary": self.summary,
            "nsigmas": self.nsigmas,
            "rules": self.rules,
            "sigma_points": plain(_collapse(self.point_sigma)),
            "values": list(self.values),
            "labels": list(self.labels),
            "baseline_points": self.n_baseline,
            "excluded": list(self.excluded),
            "parameters": dict(self.parameters),
            "notes": list(self.notes),
            "constants": self.constants,
        }
        if self.sizes is not None:
            data["sizes"] = list(self.sizes)
        if self.lower_values is not None:
            data["lower_values"] = list(self.lower_values)
        data["secondary"] = None if self.secondary is None else self.secondary.to_dict()
        return data


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _ranges(points: tuple[int, ...]) -> list[str]:
    """(3, 4, 5, 9) -> ['3–5', '9']."""
    out: list[str] = []
    start = prev = None
    for p in points:
        if prev is not None and p == prev + 1:
            prev = p
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = p
    if start is not None:
        out.append(str(start) if start == prev else f"{start}–{prev}")
    return out


# -- input ----------------------------------------------------------------------------------
@dataclass
class _Points:
    """The samples of a chart: the statistic to plot and what its limits need."""

    stat: np.ndarray  # individual values, subgroup means, counts
    sizes: np.ndarray  # subgroup / sample sizes (1 for individuals)
    labels: tuple[str, ...]
    groups: list[np.ndarray] | None = None  # subgroup values (grouped data)

    def __len__(self) -> int:
        return len(self.stat)

    @property
    def spread(self) -> tuple[np.ndarray, np.ndarray]:
        """Range and standard deviation of each subgroup."""
        assert self.groups is not None
        ranges = np.array([g.max() - g.min() for g in self.groups])
        sds = np.array([g.std(ddof=1) for g in self.groups])
        return ranges, sds


def _numbers(values: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers: {exc}") from exc
    return array


def _points(
    kind: str,
    values: Any,
    subgroups: Any = None,
    sizes: Any = None,
    labels: Sequence[Any] | None = None,
) -> _Points:
    """Turn the caller's data into samples, checking what the chart kind needs."""
    grouped_input = subgroups is not None or (
        isinstance(values, pd.DataFrame) or np.ndim(values) == 2
    )
    if kind in _GROUPED and not grouped_input:
        raise ValueError(
            f"a {TITLES[kind]} needs subgroups: pass subgroups= (a label per measurement) or a "
            "2-D table with one row per subgroup"
        )
    if grouped_input:
        if kind not in (*_GROUPED, "ewma", "cusum"):
            raise ValueError(f"subgroups apply to X̄-R, X̄-S, EWMA and CUSUM charts, not {kind!r}")
        groups, group_labels = _grouped(values, subgroups)
        if any(len(g) < 2 for g in groups):
            small = [lab for g, lab in zip(groups, group_labels, strict=True) if len(g) < 2]
            raise ValueError(
                f"every subgroup needs at least 2 measurements; too few in {', '.join(small[:5])}"
            )
        stat = np.array([g.mean() for g in groups])
        n = np.array([len(g) for g in groups], dtype=float)
        names = tuple(group_labels) if labels is None else tuple(_label(v) for v in labels)
        if len(names) != len(stat):
            raise ValueError(f"labels has {len(names)} entries for {len(stat)} subgroups")
        return _Points(stat=stat, sizes=n, labels=names, groups=groups)

    stat = _numbers(values, "values")
    if stat.ndim != 1:
        raise ValueError("values must be one-dimensional (or a table of subgroups)")
    if not np.all(np.isfinite(stat)):
        bad = int(np.flatnonzero(~np.isfinite(stat))[0]) + 1
        raise ValueError(f"values must be finite numbers; point {bad} is missing or infinite")
    if kind in _SIZED and sizes is None:
        raise ValueError(f"a {TITLES[kind]} needs sizes= (the sample size of each point)")
    if kind in ("imr", "c", "ewma", "cusum") and sizes is not None:
        if kind == "c":
            raise ValueError("a c chart has no sample sizes; with sizes use a u chart")
        raise ValueError(f"sizes do not apply to a {TITLES[kind]}")
    n = np.ones(len(stat)) if sizes is None else _numbers(sizes, "sizes")
    if n.ndim == 0:
        n = np.full(len(stat), float(n))
    if len(n) != len(stat):
        raise ValueError(f"sizes has {len(n)} entries for {len(stat)} points")
    if not np.all(np.isfinite(n)) or np.any(n <= 0):
        bad = int(np.flatnonzero(~(np.isfinite(n) & (n > 0)))[0]) + 1
        raise ValueError(f"sizes must be positive numbers; point {bad} has {n[bad - 1]!r}")
    if kind in _ATTRIBUTE and np.any(stat < 0):
        bad = int(np.flatnonzero(stat < 0)[0]) + 1
        raise ValueError(f"counts cannot be negative; point {bad} has {stat[bad - 1]!r}")
    if kind in ("p", "np", "laney-p") and np.any(stat > n):
        bad = int(np.flatnonzero(stat > n)[0]) + 1
        raise ValueError(
            f"point {bad} has {stat[bad - 1]:g} defectives in a sample of {n[bad - 1]:g}; "
            "a proportion chart needs counts no larger than the sample (for rates use u)"
        )
    if labels is None:
        if isinstance(values, pd.Series) and _named(values.index):
            names = tuple(_label(v) for v in values.index)
        else:
            names = tuple(str(i) for i in range(1, len(stat) + 1))
    else:
        names = tuple(_label(v) for v in labels)
    if len(names) != len(stat):
        raise ValueError(f"labels has {len(names)} entries for {len(stat)} points")
    return _Points(stat=stat, sizes=n, labels=names)


def _named(index: pd.Index) -> bool:
    """Whether an index names the points (dates, labels) rather than numbering rows."""
    return not pd.api.types.is_integer_dtype(index.dtype)


def _grouped(values: Any, subgroups: Any) -> tuple[list[np.ndarray], list[str]]:
    if subgroups is None:
        table = values if isinstance(values, pd.DataFrame) else pd.DataFrame(np.asarray(values))
        rows = _numbers(table.to_numpy(dtype=float, na_value=np.nan), "values")
        groups = [row[np.isfinite(row)] for row in rows]
        if isinstance(values, pd.DataFrame) and _named(values.index):
            names = [_label(v) for v in values.index]
        else:
            names = [str(i) for i in range(1, len(groups) + 1)]
        return groups, names
    x = _numbers(values, "values")
    keys = pd.Series(np.asarray(subgroups, dtype=object))
    if x.ndim != 1 or len(x) != len(keys):
        raise ValueError(f"values ({x.size}) and subgroups ({len(keys)}) must have the same length")
    if keys.isna().any():
        raise ValueError(f"subgroup label missing for measurement {int(keys.isna().argmax()) + 1}")
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.isfinite(x))[0]) + 1
        raise ValueError(f"values must be finite numbers; measurement {bad} is missing")
    codes, uniques = pd.factorize(keys, sort=False)
    groups = [x[codes == i] for i in range(len(uniques))]
    return groups, [_label(v) for v in uniques]


def _mask(baseline: Any, n: int) -> np.ndarray:
    if baseline is None:
        return np.ones(n, dtype=bool)
    if isinstance(baseline, bool | np.bool_):
        raise ValueError("baseline must be a number of points or one True/False per point")
    if isinstance(baseline, int | np.integer):
        if not 0 < baseline <= n:
            raise ValueError(f"baseline must be between 1 and {n} points, not {baseline}")
        mask = np.zeros(n, dtype=bool)
        mask[: int(baseline)] = True
        return mask
    mask = np.asarray(baseline, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"baseline mask has {mask.size} entries for {n} points")
    if not mask.any():
        raise ValueError("the baseline holds no points")
    return mask


# -- estimation -----------------------------------------------------------------------------
def _moving_sigma(x: np.ndarray, constants: Constants = "exact") -> float:
    if len(x) < 2:
        raise ValueError("estimating sigma from moving ranges needs at least 2 baseline points")
    return float(np.mean(np.abs(np.diff(x))) / d2(2, constants))


def _estimate(
    kind: str,
    pts: _Points,
    use: np.ndarray,
    center: float | None,
    sigma: float | None,
    constants: Constants = "exact",
) -> dict[str, float]:
    """Centre and sigma from the points in ``use`` (baseline minus exclusions); ``constants``
    picks exact or qcc-table d2 for the range-based estimates."""
    if not use.any():
        raise ValueError("no baseline points are left to estimate the limits from")
    x, n = pts.stat[use], pts.sizes[use]
    params: dict[str, float] = {}
    if kind in ("imr", "xbar-r", "xbar-s", "ewma", "cusum"):
        params["center"] = float(np.sum(x * n) / np.sum(n)) if center is None else float(center)
        if sigma is not None:
            params["sigma"] = float(sigma)
        elif pts.groups is None:
            params["sigma"] = _moving_sigma(x, constants)
        else:
            ranges, sds = pts.spread
            sizes = pts.sizes.astype(int)
            if kind == "xbar-s":
                params["sigma"] = float(
                    np.mean([s / c4(m) for s, m in zip(sds[use], sizes[use], strict=True)])
                )
            else:
                params["sigma"] = float(
                    np.mean(
                        [r / d2(m, constants) for r, m in zip(ranges[use], sizes[use], strict=True)]
                    )
                )
        return params
    if kind in ("p", "np", "laney-p"):
        bar = float(np.sum(x) / np.sum(n)) if center is None else float(center)
        if kind == "np" and center is not None:
            bar = float(center) / float(pts.sizes[0])
        params["center"] = bar
        params["sigma"] = math.sqrt(bar * (1 - bar))
    else:  # c, u, laney-u
        bar = float(np.sum(x) / np.sum(n)) if center is None else float(center)
        params["center"] = bar
        params["sigma"] = math.sqrt(bar)
    if kind.startswith("laney"):
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (x / n - params["center"]) / (params["sigma"] / np.sqrt(n))
        params["sigma_z"] = _moving_sigma(z, constants) if params["sigma"] > 0 else 1.0
    return params


# -- limits ---------------------------------------------------------------------------------
@dataclass
class _Chart:
    values: np.ndarray
    center: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    point_sigma: np.ndarray
    lower_values: np.ndarray | None = None


def _limits(
    kind: str,
    pts: _Points,
    p: dict[str, float],
    nsigmas: float,
    options: dict[str, float],
    constants: Constants = "exact",
) -> tuple[_Chart, _Chart | None]:
    k = len(pts)
    L = nsigmas
    n = pts.sizes
    full = np.full
    if kind == "imr":
        s = full(k, p["sigma"])
        main = _Chart(pts.stat, full(k, p["center"]), p["center"] - L * s, p["center"] + L * s, s)
        mr = np.concatenate([[np.nan], np.abs(np.diff(pts.stat))])
        centre = d2(2, constants) * p["sigma"]
        spread = d3(2, constants) * p["sigma"]
        second = _Chart(
            mr,
            full(k, centre),
            full(k, max(0.0, centre - L * spread)),
            full(k, centre + L * spread),
            full(k, spread),
        )
        return main, second
    if kind in _GROUPED:
        s = p["sigma"] / np.sqrt(n)
        main = _Chart(pts.stat, full(k, p["center"]), p["center"] - L * s, p["center"] + L * s, s)
        ranges, sds = pts.spread
        sizes = n.astype(int)
        if kind == "xbar-r":
            centre = np.array([d2(m, constants) for m in sizes]) * p["sigma"]
            spread = np.array([d3(m, constants) for m in sizes]) * p["sigma"]
            values = ranges
        else:
            c = np.array([c4(m) for m in sizes])
            centre = c * p["sigma"]
            spread = p["sigma"] * np.sqrt(1 - c * c)
            values = sds
        lower = np.maximum(0.0, centre - L * spread)
        return main, _Chart(values, centre, lower, centre + L * spread, spread)
    if kind in ("p", "laney-p"):
        s = p["sigma"] / np.sqrt(n) * p.get("sigma_z", 1.0)
        centre = full(k, p["center"])
        lower = np.clip(centre - L * s, 0.0, 1.0)
        upper = np.clip(centre + L * s, 0.0, 1.0)
        return _Chart(pts.stat / n, centre, lower, upper, s), None
    if kind == "np":
        s = p["sigma"] * np.sqrt(n)
        centre = p["center"] * n
        lower = np.clip(centre - L * s, 0.0, n)
        upper = np.clip(centre + L * s, 0.0, n)
        return _Chart(pts.stat, centre, lower, upper, s), None
    if kind == "c":
        s = full(k, p["sigma"])
        centre = full(k, p["center"])
        return _Chart(pts.stat, centre, np.maximum(0.0, centre - L * s), centre + L * s, s), None
    if kind in ("u", "laney-u"):
        s = p["sigma"] / np.sqrt(n) * p.get("sigma_z", 1.0)
        centre = full(k, p["center"])
        values = pts.stat / n
        return _Chart(values, centre, np.maximum(0.0, centre - L * s), centre + L * s, s), None
    if kind == "ewma":
        lam = options["lambda"]
        z = np.empty(k)
        previous = p["center"]
        for i, x in enumerate(pts.stat):
            previous = lam * x + (1 - lam) * previous
            z[i] = previous
        steps = np.arange(1, k + 1)
        s = p["sigma"] / np.sqrt(n) * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * steps)))
        centre = full(k, p["center"])
        return _Chart(z, centre, centre - L * s, centre + L * s, s), None
    # cusum, in standard errors of the plotted statistic (qcc's scale)
    shift, h = options["shift"], options["h"]
    z = (pts.stat - p["center"]) / (p["sigma"] / np.sqrt(n))
    upper_sum = np.empty(k)
    lower_sum = np.empty(k)
    up = down = 0.0
    for i, value in enumerate(z):
        up = max(0.0, up + value - shift / 2)
        down = max(0.0, down - value - shift / 2)
        upper_sum[i], lower_sum[i] = up, down
    return (
        _Chart(upper_sum, full(k, 0.0), full(k, -h), full(k, h), full(k, 1.0), -lower_sum),
        None,
    )


def _beyond(chart: _Chart) -> np.ndarray:
    values = np.nan_to_num(chart.values, nan=0.0)
    out = (values > chart.upper) | (values < chart.lower)
    if chart.lower_values is not None:
        out |= chart.lower_values < chart.lower
    return out


def _runs(flags: np.ndarray, direction: np.ndarray) -> list[tuple[int, int, str]]:
    """Consecutive flagged points with the same direction, 0-based inclusive."""
    runs: list[tuple[int, int, str]] = []
    for i in np.flatnonzero(flags):
        d = str(direction[i])
        if runs and runs[-1][1] == i - 1 and runs[-1][2] == d:
            runs[-1] = (runs[-1][0], int(i), d)
        else:
            runs.append((int(i), int(i), d))
    return runs


def _special_signals(kind: str, chart: _Chart, options: dict[str, float]) -> tuple[Signal, ...]:
    """Signals of EWMA (beyond its limits) and CUSUM (beyond the decision interval)."""
    signals = []
    if kind == "ewma":
        flags = (chart.values > chart.upper) | (chart.values < chart.lower)
        direction = np.where(chart.values > chart.upper, "up", "down")
        for start, end, d in _runs(flags, direction):
            side = "upper" if d == "up" else "lower"
            sentence = (
                f"the weighted average of recent points crossed the {side} limit: the process "
                f"mean has drifted {d} (a small but sustained shift)"
            )
            points = tuple(range(start + 1, end + 2))
            signals.append(Signal("ewma", points, start + 1, d, sentence))
        return tuple(signals)
    h = options["h"]
    assert chart.lower_values is not None
    for values, d in ((chart.values, "up"), (-chart.lower_values, "down")):
        flags = values > h
        for start, end, _ in _runs(flags, np.full(len(values), d)):
            word = "above" if d == "up" else "below"
            sentence = (
                f"deviations {word} the target have accumulated past the decision interval "
                f"(±{h:g} standard errors): a sustained {d}ward shift of the process mean"
            )
            points = tuple(range(start + 1, end + 2))
            signals.append(Signal("cusum", points, start + 1, d, sentence))
    return tuple(sorted(signals, key=lambda s: s.detected_at))


def _tuple(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _chart_result(
    kind: str,
    chart: _Chart,
    pts: _Points,
    params: dict[str, float],
    *,
    rules: RuleSet,
    nsigmas: float,
    baseline: np.ndarray,
    excluded: tuple[int, ...],
    options: dict[str, float],
    secondary: ControlChartResult | None = None,
    notes: tuple[str, ...] = (),
    name: str = "",
    dispersion: bool = False,
    constants: str = "exact",
) -> ControlChartResult:
    if kind in ("ewma", "cusum"):
        signals = _special_signals(kind, chart, options)
    else:
        signals = run_rules(
            chart.values,
            center=chart.center,
            sigma=chart.point_sigma,
            lcl=chart.lower,
            ucl=chart.upper,
            rules=rules,
        )
        if dispersion:  # ranges and moving ranges: only points beyond the limits
            signals = tuple(s for s in signals if s.rule.endswith("-1"))
    parameters = {key: float(value) for key, value in params.items() if key != "center"}
    if kind == "ewma":
        parameters["lambda"] = options["lambda"]
    if kind == "cusum":
        parameters["shift"] = options["shift"]
        parameters["h"] = options["h"]
        parameters["target"] = params["center"]
    sized = kind in _ATTRIBUTE or pts.groups is not None
    return ControlChartResult(
        kind=kind,
        values=_tuple(chart.values),
        center_line=_tuple(chart.center),
        lower_limit=_tuple(chart.lower),
        upper_limit=_tuple(chart.upper),
        point_sigma=_tuple(chart.point_sigma),
        sigma=float(params["sigma"]),
        labels=pts.labels,
        baseline=tuple(bool(b) for b in baseline),
        signals=signals,
        rules=rules,
        nsigmas=nsigmas,
        sizes=_tuple(pts.sizes) if sized else None,
        excluded=excluded,
        secondary=secondary,
        lower_values=None if chart.lower_values is None else _tuple(chart.lower_values),
        parameters=parameters,
        notes=notes,
        name=name,
        constants=constants,
    )


# -- the estimator --------------------------------------------------------------------------
class ControlChart:
    """A control chart of one ``kind``: ``fit`` learns the centre and sigma on a baseline and
    charts every point; ``apply`` charts new data against the learned limits (phase II).

    Parameters (keyword-only): ``kind`` (see ``CHART_KINDS``), ``rules`` (``"nelson"``, ``"we"`` or
    ``"limits"``), ``nsigmas`` (3), ``exclude_out_of_control`` (drop baseline points beyond the
    first limits and estimate again, one round), ``lam`` (EWMA weight λ, 0.2), ``shift`` (CUSUM:
    the shift to detect in standard errors, k = shift / 2), ``decision_interval`` (CUSUM h, 5),
    ``center`` / ``sigma`` (known standard values instead of estimates), ``name`` (what is
    charted, for titles), ``constants`` (``"exact"`` d2 / d3, or ``"qcc"``: the rounded tables
    qcc 3.0 uses, to reproduce its printed numbers).

    Learned: ``center_``, ``sigma_`` (process standard deviation), ``sigma_z_`` (Laney),
    ``lcl_`` / ``ucl_`` (one per fitted point), ``baseline_`` (mask), ``excluded_`` (1-based
    points left out of the estimate), ``result_`` (the :class:`ControlChartResult`).

    Example:
        >>> chart = ControlChart(kind="p").fit([12, 15, 8, 10, 4, 7], sizes=50)
        >>> round(chart.center_, 4)
        0.1867
        >>> chart.apply([30], sizes=50).signals[0].rule
        'nelson-1'
    """

    def __init__(
        self,
        *,
        kind: ChartKind = "imr",
        rules: RuleSet = "nelson",
        nsigmas: float = 3.0,
        exclude_out_of_control: bool = False,
        lam: float = 0.2,
        shift: float = 1.0,
        decision_interval: float = 5.0,
        center: float | None = None,
        sigma: float | None = None,
        name: str = "",
        constants: Constants = "exact",
    ) -> None:
        self.kind = kind
        self.rules = rules
        self.nsigmas = nsigmas
        self.exclude_out_of_control = exclude_out_of_control
        self.lam = lam
        self.shift = shift
        self.decision_interval = decision_interval
        self.center = center
        self.sigma = sigma
        self.name = name
        self.constants = constants

    def __repr__(self) -> str:
        return f"ControlChart(kind={self.kind!r}, rules={self.rules!r})"

    def _check(self) -> dict[str, float]:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"kind must be one of {', '.join(CHART_KINDS)}, not {self.kind!r}")
        if self.rules not in RULE_SETS:
            raise ValueError(f"rules must be one of {', '.join(RULE_SETS)}, not {self.rules!r}")
        if not self.nsigmas > 0:
            raise ValueError(f"nsigmas must be positive, not {self.nsigmas!r}")
        if not 0 < self.lam <= 1:
            raise ValueError(f"the EWMA weight lam must be in (0, 1], not {self.lam!r}")
        if not self.decision_interval > 0:
            raise ValueError("the CUSUM decision interval must be positive")
        if self.sigma is not None and not self.sigma > 0:
            raise ValueError(f"sigma must be positive, not {self.sigma!r}")
        check_constants(self.constants)
        return {"lambda": self.lam, "shift": self.shift, "h": self.decision_interval}

    def fit(
        self,
        values: Any,
        *,
        subgroups: Any = None,
        sizes: Any = None,
        labels: Sequence[Any] | None = None,
        baseline: int | Sequence[bool] | None = None,
        exclude: Sequence[int] = (),
    ) -> ControlChart:
        """Estimate the limits on the baseline and chart every point; returns ``self``.

        ``values``: one number per point (individuals, counts of defectives / defects), or one
        per measurement with ``subgroups=`` (a label each), or a 2-D table with a row per
        subgroup. ``sizes``: sample size per point (p, np, u, Laney), or one number for all.
        ``baseline``: the first N points or a True/False mask (default: all points).
        ``exclude``: 1-based points with a known cause, left out of the estimate.

        Example:
            >>> ControlChart(kind="imr").fit([3.1, 2.9, 3.4, 3.0, 3.2]).center_
            3.12
        """
        options = self._check()
        pts = _points(self.kind, values, subgroups, sizes, labels)
        if len(pts) < 2:
            raise ValueError("a control chart needs at least 2 points")
        if self.kind == "np" and len(set(pts.sizes)) > 1:
            raise ValueError(
                "an np chart needs equal sample sizes; with varying sizes use a p chart"
            )
        mask = _mask(baseline, len(pts))
        excluded = {int(p) for p in exclude}
        if any(not 1 <= p <= len(pts) for p in excluded):
            raise ValueError(f"exclude lists points outside 1..{len(pts)}")
        use = mask & ~np.isin(np.arange(1, len(pts) + 1), sorted(excluded))
        params = _estimate(self.kind, pts, use, self.center, self.sigma, self.constants)
        notes: list[str] = []
        if self.exclude_out_of_control:
            main, second = _limits(self.kind, pts, params, self.nsigmas, options, self.constants)
            if self.kind in ("ewma", "cusum"):  # judge points on their own Shewhart limits
                s = params["sigma"] / np.sqrt(pts.sizes)
                out = np.abs(pts.stat - params["center"]) > self.nsigmas * s
            else:
                out = _beyond(main) | (_beyond(second) if second is not None else False)
            dropped = sorted(int(i) + 1 for i in np.flatnonzero(out & use))
            if dropped:
                excluded.update(dropped)
                use &= ~out
                params = _estimate(self.kind, pts, use, self.center, self.sigma, self.constants)
                notes.append(
                    f"points {', '.join(_ranges(tuple(dropped)))} were beyond the first limits "
                    "and were left out of the estimate (limits re-estimated once)"
                )
        self.params_ = params
        self.options_ = options
        self.center_ = params["center"]
        self.sigma_ = params["sigma"]
        self.sigma_z_ = params.get("sigma_z")
        self.baseline_ = mask
        self.excluded_ = tuple(sorted(excluded))
        self.n_baseline_ = int(mask.sum())
        if excluded:
            notes.insert(0, f"{len(excluded)} baseline points excluded from the estimate")
        self._notes = tuple(notes)
        self.result_ = self._chart(pts, mask, self.excluded_, self._notes)
        self.lcl_ = np.asarray(self.result_.lower_limit)
        self.ucl_ = np.asarray(self.result_.upper_limit)
        return self

    def _chart(
        self, pts: _Points, mask: np.ndarray, excluded: tuple[int, ...], notes: tuple[str, ...]
    ) -> ControlChartResult:
        main, second = _limits(
            self.kind, pts, self.params_, self.nsigmas, self.options_, self.constants
        )
        common = {
            "rules": self.rules,
            "nsigmas": self.nsigmas,
            "baseline": mask,
            "excluded": excluded,
            "options": self.options_,
            "constants": self.constants,
        }
        secondary = None
        if second is not None:
            sub = {"imr": "mr", "xbar-r": "r", "xbar-s": "s"}[self.kind]
            secondary = _chart_result(
                sub, second, pts, self.params_, **common, dispersion=True, name=self.name
            )
            if sub == "mr":
                secondary = replace(secondary, sizes=None)
        return _chart_result(
            self.kind,
            main,
            pts,
            self.params_,
            **common,
            secondary=secondary,
            notes=notes,
            name=self.name,
        )

    def _fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("this ControlChart is not fitted yet: call fit(...) first")

    def apply(
        self,
        values: Any,
        *,
        subgroups: Any = None,
        sizes: Any = None,
        labels: Sequence[Any] | None = None,
    ) -> ControlChartResult:
        """Chart new data against the learned centre and sigma (phase II); EWMA and CUSUM start
        afresh at the centre. To continue them from the baseline, ``fit`` the whole series with
        ``baseline=``.

        Example:
            >>> chart = ControlChart(kind="c").fit([4, 6, 5, 3, 7, 5])
            >>> chart.apply([5, 16]).signalled_points()
            (2,)
        """
        self._fitted()
        pts = _points(self.kind, values, subgroups, sizes, labels)
        if self.kind == "np" and len(set(pts.sizes)) > 1:
            raise ValueError("an np chart needs equal sample sizes; use a p chart")
        if self.kind == "np" and self.result_.sizes and pts.sizes[0] != self.result_.sizes[0]:
            raise ValueError("an np chart applies only to samples of the baseline's size")
        return self._chart(pts, np.zeros(len(pts), dtype=bool), (), ())


def control_chart(
    values: Any,
    *,
    kind: ChartKind = "imr",
    subgroups: Any = None,
    sizes: Any = None,
    labels: Sequence[Any] | None = None,
    baseline: int | Sequence[bool] | None = None,
    exclude: Sequence[int] = (),
    rules: RuleSet = "nelson",
    nsigmas: float = 3.0,
    exclude_out_of_control: bool = False,
    lam: float = 0.2,
    shift: float = 1.0,
    decision_interval: float = 5.0,
    center: float | None = None,
    sigma: float | None = None,
    name: str = "",
    constants: Constants = "exact",
) -> ControlChartResult:
    """One-shot twin of :class:`ControlChart`: fit on the baseline, chart every point.

    Example:
        >>> result = control_chart([12, 15, 8, 10, 4, 7, 30], kind="p", sizes=50, baseline=6)
        >>> result.center, [s.points for s in result.signals]
        (0.18666666666666668, [(7,)])
        >>> result.to_dict()["ucl"]                                      # doctest: +SKIP
    """
    chart = ControlChart(
        kind=kind,
        rules=rules,
        nsigmas=nsigmas,
        exclude_out_of_control=exclude_out_of_control,
        lam=lam,
        shift=shift,
        decision_interval=decision_interval,
        center=center,
        sigma=sigma,
        name=name,
        constants=constants,
    )
    chart.fit(
        values, subgroups=subgroups, sizes=sizes, labels=labels, baseline=baseline, exclude=exclude
    )
    return chart.result_
