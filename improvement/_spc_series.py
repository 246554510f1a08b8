"""KPI series from event logs, and the right control chart for each, chosen automatically.

A :class:`KpiSeries` is one value per period (or sample) and says what kind of number it is:

- ``continuous`` (a median throughput time): I-MR on the period values, or X̄-S when each
  period holds the raw measurements and the KPI is their mean;
- ``proportion`` (the share of cases reaching an activity, breaching an SLA): a p chart with limits
  stepping with each period's number of cases, or Laney p′ when the periods vary more than the
  binomial model allows (large samples almost always do);
- ``count`` (cases arriving per week): a c chart, a u chart when the exposure varies, Laney u′
  when overdispersed.

:func:`choose_chart` returns the choice with a sentence explaining the subgroup choice;
:func:`kpi_control_chart` charts the series with a baseline (e.g. ``baseline_until="2025-12-15"``).

Log KPI series, built from ``mining``'s verbs (periods are UTC days, weeks from Monday, months, by
the case's start):

    throughput_series(log, freq="W")                # weekly median throughput time (days)
    arrivals_series(log)                            # weekly case arrivals
    activity_share_series(log, "Deal won")        # weekly share of cases reaching an activity
    sla_breach_series(log, hours=72)                # weekly share of cases over 72 h
    kpi_series(log, "reach:Deal won")             # the same by name, as the CLI does
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

import mining
from improvement._constants import Constants
from improvement._control_charts import CHART_KINDS, TITLES, ControlChartResult, control_chart
from improvement._run_rules import RuleSet

SeriesKind = Literal["continuous", "proportion", "count"]
Freq = Literal["D", "W", "M"]
_PERIOD_WORDS = {"D": "day", "W": "week", "M": "month"}
_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


@dataclass(frozen=True)
class KpiSeries:
    """One KPI value per period (or sample), with what a control chart needs to know.

    ``values``: the KPI per period (a time, a share, a count). ``counts`` / ``sizes``: for a
    proportion the numerator and denominator (cases breaching / cases), for a count the count and
    its exposure (None when equal). ``starts``: period start times, for a baseline by date.
    ``observations``: the raw measurements of each period, when the KPI aggregates them.

    Example:
        >>> series = KpiSeries.from_values([3, 5, 4, 6], kind="count", name="complaints")
        >>> series.kind, series.values
        ('count', (3.0, 5.0, 4.0, 6.0))
    """

    name: str
    kind: SeriesKind
    labels: tuple[str, ...]
    values: tuple[float, ...]
    counts: tuple[float, ...] | None = None
    sizes: tuple[float, ...] | None = None
    starts: tuple[pd.Timestamp, ...] | None = None
    unit: str = ""
    freq: str = ""
    statistic: str = ""
    observations: tuple[tuple[float, ...], ...] | None = None
    description: str = ""

    def __len__(self) -> int:
        return len(self.values)

    @property
    def period(self) -> str:
        """ "week", "day", "month" or "sample"."""
        return _PERIOD_WORDS.get(self.freq, "sample")

    @classmethod
    def from_values(
        cls,
        values: Sequence[float],
        *,
        kind: SeriesKind = "continuous",
        sizes: Sequence[float] | None = None,
        labels: Sequence[Any] | None = None,
        name: str = "KPI",
    ) -> KpiSeries:
        """A series from plain numbers: for ``proportion`` give the counts as ``values`` and the
        sample sizes as ``sizes``; for ``count`` the counts (and exposures as ``sizes``).

        Example:
            >>> KpiSeries.from_values([4, 6], kind="proportion", sizes=[50, 60]).values
            (0.08, 0.1)
        """
        if kind not in ("continuous", "proportion", "count"):
            raise ValueError(f"kind must be continuous, proportion or count, not {kind!r}")
        x = tuple(float(v) for v in values)
        n = None if sizes is None else tuple(float(v) for v in sizes)
        if kind == "proportion" and n is None:
            raise ValueError("a proportion series needs sizes (the denominators)")
        if n is not None and len(n) != len(x):
            raise ValueError(f"sizes has {len(n)} entries for {len(x)} values")
        names = (
            tuple(str(i) for i in range(1, len(x) + 1))
            if labels is None
            else tuple(str(v) for v in labels)
        )
        shown = x
        if kind == "proportion":
            assert n is not None
            shown = tuple(c / s for c, s in zip(x, n, strict=True))
        return cls(
            name=name,
            kind=kind,
            labels=names,
            values=shown,
            counts=x if kind != "continuous" else None,
            sizes=n if kind != "continuous" else None,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``label``, ``start`` (when known), ``value``, ``count``, ``size``."""
        frame = pd.DataFrame({"label": list(self.labels), "value": list(self.values)})
        if self.starts is not None:
            frame.insert(1, "start", pd.to_datetime(list(self.starts), utc=True))
        if self.counts is not None:
            frame["count"] = list(self.counts)
        if self.sizes is not None:
            frame["size"] = list(self.sizes)
        elif self.observations is not None:
            frame["size"] = [len(o) for o in self.observations]
        return frame


@dataclass(frozen=True)
class ChartChoice:
    """The chart chosen for a KPI series and why, in one sentence."""

    kind: str
    reason: str
    dispersion: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"chart": self.kind, "reason": self.reason, "dispersion": self.dispersion}


# -- choosing -------------------------------------------------------------------------------
def _dispersion(counts: np.ndarray, sizes: np.ndarray, binomial: bool) -> float:
    """Laney's σ_z: the moving-range spread of the standardised points (1 = as the model says)."""
    bar = counts.sum() / sizes.sum()
    unit = math.sqrt(bar * (1 - bar)) if binomial else math.sqrt(bar)
    if unit == 0 or len(counts) < 3:
        return 1.0
    z = (counts / sizes - bar) / (unit / np.sqrt(sizes))
    return float(np.mean(np.abs(np.diff(z))) / 1.128379167)


def _overdispersed(sigma_z: float, k: int) -> bool:
    # σ_z estimated from k moving ranges has a relative standard error of about 0.95 / √k
    # (simulated binomial samples); overdispersion = more than two standard errors above 1
    return sigma_z > 1 + 2 * 0.95 / math.sqrt(max(k, 2))


def choose_chart(series: KpiSeries, baseline: Sequence[bool] | None = None) -> ChartChoice:
    """The right chart for ``series`` (judged on the ``baseline`` points) and why.

    Example:
        >>> choose_chart(KpiSeries.from_values([12.0, 14.5, 13.1], name="median days")).kind
        'imr'
    """
    period = series.period
    mask = np.ones(len(series), dtype=bool) if baseline is None else np.asarray(baseline, bool)
    if series.kind == "continuous":
        obs = series.observations
        if obs is not None and series.statistic == "mean" and all(len(o) >= 2 for o in obs):
            sizes = [len(o) for o in obs]
            return ChartChoice(
                "xbar-s",
                f"each {period} holds several measurements ({min(sizes)}–{max(sizes)}), so each "
                f"{period} is a subgroup: X̄-S charts its mean and its spread (S rather than R "
                "because the subgroup sizes vary or are large)",
            )
        behind = (
            ", which also absorbs the variation between the cases behind each value"
            if obs is not None
            else ""
        )
        return ChartChoice(
            "imr",
            f"one value per {period} ({series.name}), so each {period} is an individual point: "
            f"I-MR, with limits from the {period}-to-{period} moving range{behind}",
        )
    assert series.counts is not None
    counts = np.asarray(series.counts, float)
    sizes = np.ones(len(counts)) if series.sizes is None else np.asarray(series.sizes, float)
    binomial = series.kind == "proportion"
    sigma_z = _dispersion(counts[mask], sizes[mask], binomial)
    typical = f"{np.median(sizes):,.0f}"
    if _overdispersed(sigma_z, int(mask.sum())):
        kind = "laney-p" if binomial else "laney-u"
        model = "binomial" if binomial else "Poisson"
        return ChartChoice(
            kind,
            f"the {period}-to-{period} variation is {sigma_z:.1f}× what a {model} model expects "
            f"(samples of about {typical}), so plain limits would flag ordinary {period}s: "
            f"{TITLES[kind]} widens them by that factor",
            sigma_z,
        )
    if binomial:
        return ChartChoice(
            "p",
            f"each {period} is a sample of cases (about {typical}) and the KPI is the share of "
            f"them: a p chart, its limits stepping with each {period}'s number of cases",
            sigma_z,
        )
    if series.sizes is None or len(set(series.sizes)) == 1:
        return ChartChoice(
            "c",
            f"a count per {period} with the same opportunity each {period}: a c chart "
            "(Poisson limits)",
            sigma_z,
        )
    return ChartChoice(
        "u",
        f"a count per {period} over a varying exposure: a u chart of the rate per unit, its "
        "limits stepping with the exposure",
        sigma_z,
    )


def _instant(value: str | date | datetime | pd.Timestamp) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a date (e.g. 2025-12-15)") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def baseline_mask(series: KpiSeries, until: str | date | datetime | pd.Timestamp) -> np.ndarray:
    """True for the periods that start before ``until`` (naive dates are UTC).

    Example:
        >>> baseline_mask(throughput_series(log), "2025-12-15").sum()       # doctest: +SKIP
    """
    if series.starts is None:
        raise ValueError(f"{series.name!r} has no dates: give the baseline as a number of points")
    limit = _instant(until)
    starts = pd.to_datetime(list(series.starts), utc=True)
    mask = np.asarray(starts < limit)
    if mask.sum() < 2:
        raise ValueError(
            f"only {int(mask.sum())} {series.period}s of {series.name!r} start before {until}; "
            "the baseline needs at least 2"
        )
    return mask


def kpi_control_chart(
    series: KpiSeries,
    *,
    chart: str = "auto",
    baseline_until: str | date | datetime | pd.Timestamp | None = None,
    baseline: int | Sequence[bool] | None = None,
    rules: RuleSet = "nelson",
    exclude_out_of_control: bool = False,
    nsigmas: float = 3.0,
    lam: float = 0.2,
    constants: Constants = "exact",
) -> ControlChartResult:
    """Chart a KPI series: ``chart="auto"`` picks the kind (see :func:`choose_chart`), whose
    reason becomes the first note; limits come from the periods before ``baseline_until`` (or
    the first ``baseline`` points; default: all). ``constants``: exact d2 / d3, or ``"qcc"``'s
    rounded tables (see :class:`ControlChart`).

    Example:
        >>> series = throughput_series(log, freq="W")                       # doctest: +SKIP
        >>> result = kpi_control_chart(series, baseline_until="2025-12-15")  # doctest: +SKIP
        >>> result.explain()                                                 # doctest: +SKIP
    """
    if len(series) < 2:
        raise ValueError(f"{series.name!r} has {len(series)} points; a chart needs at least 2")
    if baseline_until is not None and baseline is not None:
        raise ValueError("give baseline_until or baseline, not both")
    mask = (
        baseline_mask(series, baseline_until)
        if baseline_until is not None
        else _mask_of(baseline, len(series))
    )
    if chart == "auto":
        choice = choose_chart(series, mask)
    else:
        if chart not in CHART_KINDS:
            raise ValueError(
                f"chart must be auto or one of {', '.join(CHART_KINDS)}, not {chart!r}"
            )
        choice = ChartChoice(chart, f"{TITLES[chart]} as requested")
    kind = choice.kind
    common: dict[str, Any] = {
        "kind": kind,
        "labels": series.labels,
        "baseline": mask,
        "rules": rules,
        "exclude_out_of_control": exclude_out_of_control,
        "nsigmas": nsigmas,
        "lam": lam,
        "name": series.name,
        "constants": constants,
    }
    if kind in ("p", "np", "laney-p"):
        if series.kind != "proportion":
            raise ValueError(f"a {TITLES[kind]} needs a proportion KPI; {series.name!r} is not")
        result = control_chart(series.counts, sizes=series.sizes, **common)
    elif kind in ("c", "u", "laney-u"):
        if series.kind == "continuous":
            raise ValueError(f"a {TITLES[kind]} needs counts; {series.name!r} is continuous")
        if kind == "c":
            if series.sizes is not None and len(set(series.sizes)) > 1:
                raise ValueError("a c chart needs equal exposure; use u")
            result = control_chart(series.counts, **common)
        else:
            sizes = series.sizes if series.sizes is not None else [1.0] * len(series)
            result = control_chart(series.counts, sizes=sizes, **common)
    elif kind in ("xbar-r", "xbar-s"):
        if series.observations is None:
            raise ValueError(f"{TITLES[kind]} needs the raw measurements of each period")
        table = pd.DataFrame([list(o) for o in series.observations])
        result = control_chart(table, **common)
    else:  # imr, ewma, cusum on the values
        result = control_chart(list(series.values), **common)
    return replace(result, notes=(choice.reason, *result.notes))


def _mask_of(baseline: int | Sequence[bool] | None, n: int) -> np.ndarray:
    if baseline is None:
        return np.ones(n, dtype=bool)
    if isinstance(baseline, int | np.integer) and not isinstance(baseline, bool):
        if not 0 < baseline <= n:
            raise ValueError(f"baseline must be between 1 and {n} points, not {baseline}")
        return np.arange(n) < baseline
    return np.asarray(baseline, dtype=bool)


# -- KPI series from a log --------------------------------------------------------------------
def _periods(times: pd.Series, freq: Freq) -> pd.Series:
    if freq not in _PERIOD_WORDS:
        raise ValueError(f"freq must be D, W or M, not {freq!r}")
    naive = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    if freq == "D":
        starts = naive.dt.floor("D")
    else:
        starts = naive.dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time
    return starts.dt.tz_localize("UTC")


def _labels(starts: pd.Series | pd.Index) -> tuple[str, ...]:
    return tuple(pd.Timestamp(s).date().isoformat() for s in starts)


def _case_starts(log: mining.EventLog, freq: Freq) -> pd.DataFrame:
    times = mining.throughput_times(log)
    times["period"] = _periods(times["start"], freq)
    return times


def _fitting_unit(seconds: float) -> Literal["seconds", "minutes", "hours", "days"]:
    """The largest unit in which ``seconds`` is at least 2 (days when unknown)."""
    if not math.isfinite(seconds):
        return "days"
    for name in ("days", "hours", "minutes"):
        if seconds >= 2 * _SECONDS[name]:
            return name  # type: ignore[return-value]
    return "seconds"


def throughput_series(
    log: mining.EventLog,
    *,
    freq: Freq = "W",
    statistic: Literal["median", "mean"] = "median",
    unit: Literal["seconds", "minutes", "hours", "days", "auto"] = "auto",
) -> KpiSeries:
    """Median (or mean) throughput time of the cases started in each period, in ``unit``;
    ``auto`` takes the largest unit in which the log's median case lasts 2 or more (days for a
    sales pipeline, minutes for a ticket desk), so an axis never reads in millionths of a day.

    Cases still open when the log was extracted end at their last event, so the last periods
    may look faster than they are. Periods in which no case started are left out.

    Example:
        >>> series = throughput_series(log, freq="W")                # doctest: +SKIP
        >>> series.to_frame().tail()                                  # doctest: +SKIP
    """
    if statistic not in ("median", "mean"):
        raise ValueError(f"statistic must be median or mean, not {statistic!r}")
    if unit not in (*_SECONDS, "auto"):
        raise ValueError(f"unit must be one of {', '.join(_SECONDS)} or auto, not {unit!r}")
    times = _case_starts(log, freq)
    if unit == "auto":
        unit = _fitting_unit(float(times["throughput_seconds"].median()))
    times["value"] = times["throughput_seconds"] / _SECONDS[unit]
    groups = times.groupby("period", sort=True)["value"]
    values = groups.median() if statistic == "median" else groups.mean()
    observations = tuple(tuple(float(v) for v in g) for _, g in groups)
    period = _PERIOD_WORDS[freq]
    return KpiSeries(
        name=f"{statistic} throughput time ({unit})",
        kind="continuous",
        labels=_labels(values.index),
        values=tuple(float(v) for v in values),
        starts=tuple(pd.Timestamp(s) for s in values.index),
        unit=unit,
        freq=freq,
        statistic=statistic,
        observations=observations,
        description=f"{statistic} time from first to last event of the cases started each {period}",
    )


def arrivals_series(log: mining.EventLog, *, freq: Freq = "W") -> KpiSeries:
    """Number of cases started in each period, from the first to the last period with a start.

    Example:
        >>> arrivals_series(log).values[:3]                          # doctest: +SKIP
    """
    frame = mining.arrivals_and_wip(log, freq=freq)
    if frame.empty:
        return KpiSeries("cases arriving", "count", (), (), counts=(), freq=freq)
    frame = frame.sort_values("period").reset_index(drop=True)
    started = frame.index[frame["arrivals"] > 0]
    frame = frame.loc[started.min() : started.max()] if len(started) else frame.iloc[:0]
    starts = pd.to_datetime(frame["period"], utc=True)
    counts = tuple(float(v) for v in frame["arrivals"])
    return KpiSeries(
        name=f"cases arriving per {_PERIOD_WORDS[freq]}",
        kind="count",
        labels=_labels(starts),
        values=counts,
        counts=counts,
        starts=tuple(pd.Timestamp(s) for s in starts),
        unit="cases",
        freq=freq,
        description="number of cases whose first event falls in the period",
    )


def _share(
    times: pd.DataFrame, flag: pd.Series, name: str, freq: Freq, description: str
) -> KpiSeries:
    frame = pd.DataFrame({"period": times["period"], "flag": flag.astype(float)})
    grouped = frame.groupby("period", sort=True)["flag"].agg(["sum", "count"])
    counts = tuple(float(v) for v in grouped["sum"])
    sizes = tuple(float(v) for v in grouped["count"])
    return KpiSeries(
        name=name,
        kind="proportion",
        labels=_labels(grouped.index),
        values=tuple(c / n for c, n in zip(counts, sizes, strict=True)),
        counts=counts,
        sizes=sizes,
        starts=tuple(pd.Timestamp(s) for s in grouped.index),
        unit="share of cases",
        freq=freq,
        description=description,
    )


def activity_share_series(log: mining.EventLog, activity: str, *, freq: Freq = "W") -> KpiSeries:
    """Share of the cases started in each period that reach ``activity`` (at any time).

    Example:
        >>> activity_share_series(log, "Deal won").to_frame().head()   # doctest: +SKIP
    """
    known = set(mining.activity_statistics(log)["activity"].astype(str))
    if known and activity not in known:
        raise ValueError(
            f"log {log.name!r} has no activity {activity!r}; activities: {', '.join(sorted(known))}"
        )
    times = _case_starts(log, freq)
    reaching = mining.FilterStack([mining.CaseAttribute("activity", (activity,))]).apply(log)
    reached = set(mining.throughput_times(reaching)["case_id"])
    flag = times["case_id"].isin(reached)
    return _share(
        times,
        flag,
        f"share of cases reaching {activity}",
        freq,
        f"cases started in the period that (later) reach {activity}, over cases started",
    )


def sla_breach_series(
    log: mining.EventLog, *, hours: float, freq: Freq = "W", share: bool = True
) -> KpiSeries:
    """Cases started in each period whose throughput time exceeds ``hours``: their share
    (``share=True``, a proportion) or their number (a count).

    Example:
        >>> sla_breach_series(log, hours=24 * 30).values[-4:]          # doctest: +SKIP
    """
    if not hours > 0:
        raise ValueError(f"the SLA must be a positive number of hours, not {hours!r}")
    times = _case_starts(log, freq)
    flag = times["throughput_seconds"] > hours * 3600
    label = f"{hours:g} h"
    series = _share(
        times,
        flag,
        f"share of cases over {label}",
        freq,
        f"cases started in the period that took longer than {label} from first to last event",
    )
    if share:
        return series
    return replace(
        series,
        name=f"cases over {label} per {_PERIOD_WORDS[freq]}",
        kind="count",
        values=series.counts,
        sizes=None,
        unit="cases",
    )


KPI_NAMES = ("throughput", "throughput-mean", "arrivals", "reach:ACTIVITY", "sla:HOURS")


def _hours(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(h|d|days?|hours?)?\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a duration; write e.g. sla:72h or sla:3d")
    value = float(match.group(1))
    return value * 24 if (match.group(2) or "h").startswith("d") else value


def kpi_series(log: mining.EventLog, kpi: str, *, freq: Freq = "W") -> KpiSeries:
    """A log KPI series by name: ``throughput`` (median days), ``throughput-mean``,
    ``arrivals``, ``reach:ACTIVITY`` (share of cases reaching it), ``sla:HOURS`` (share of cases
    over the SLA; ``sla:3d`` works too).

    Example:
        >>> kpi_series(log, "sla:30d", freq="W").name                 # doctest: +SKIP
        'share of cases over 720 h'
    """
    name, _, argument = kpi.partition(":")
    name = name.strip().lower()
    if name == "throughput" and not argument:
        return throughput_series(log, freq=freq)
    if name == "throughput-mean" and not argument:
        return throughput_series(log, freq=freq, statistic="mean")
    if name == "arrivals" and not argument:
        return arrivals_series(log, freq=freq)
    if name == "reach" and argument:
        return activity_share_series(log, argument, freq=freq)
    if name == "sla" and argument:
        return sla_breach_series(log, hours=_hours(argument), freq=freq)
    raise ValueError(f"unknown KPI {kpi!r}; use one of {', '.join(KPI_NAMES)}")
