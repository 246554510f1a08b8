"""KPI time series by day, week or month, each with its target, a control chart behind it
(improvement's SPC: the chart kind is chosen automatically), a forecast with prediction intervals,
and drift alerts: a run rule firing in the recent points, or a recent point leaving the interval
the earlier points forecast for it.

    trend = kpi_trend(log, "cycle_time", freq="W", baseline_until="2025-12-01")
    trend.chart.summary, trend.forecast.to_frame(), [a.message("es") for a in trend.alerts]
    kpi_trends(log, period="2025-12")       # every KPI with a series, for a report

A series is built from the KPI's ``items`` (one row per case, email or event behind the value):
a share per period for proportions (p / Laney p′ chart), the median per period for times
(I-MR chart), the number per period for counts (c / u chart). Periods are UTC days, weeks from
Monday, or months, by the time of each item (a case's start, an email's send).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

import mining
from improvement._change_points import ChangePoint, last_shift
from improvement._control_charts import ControlChartResult
from improvement._forecast import MIN_POINTS, Forecast, forecast_series
from improvement._kpi_base import KPI_DEFINITIONS, KpiDefinition, KpiResult, KpiSettings
from improvement._kpi_catalogue import KpiTable, _compute, compute_kpi, compute_kpis
from improvement._kpi_period import Period
from improvement._locale import Text, percent, value_text
from improvement._run_rules import Signal
from improvement._spc_series import KpiSeries, kpi_control_chart

Freq = Literal["D", "W", "M"]
MIN_BASELINE = 6  # fewer baseline points give limits too rough to judge new points by
RECENT = 3  # without a period, the last points watched for drift
# rules about the spread (too little variation, alternation) say nothing about a drift
NOT_DRIFT = ("nelson-4", "nelson-7")
_OFFSETS = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(days=7), "M": pd.DateOffset(months=1)}


def period_starts(times: pd.Series, freq: str) -> pd.Series:
    """The start (UTC) of the day, week (from Monday) or month of each time.

    Example:
        >>> period_starts(pd.Series(pd.to_datetime(["2025-12-17"], utc=True)), "W")[0].date()
        datetime.date(2025, 12, 15)
    """
    if freq not in _OFFSETS:
        raise ValueError(f"freq must be D, W or M, not {freq!r}")
    naive = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    if freq == "D":
        starts = naive.dt.floor("D")
    else:
        starts = naive.dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time
    return starts.dt.tz_localize("UTC")


def _label(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).date().isoformat()


def _range(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> list[pd.Timestamp]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = current + _OFFSETS[freq]
    return out


# -- Spanish and English words for the charts ---------------------------------------------
CHART_NAMES: dict[str, Text] = {
    "imr": Text("individuals chart (I-MR)", "gráfico de individuos (I-MR)"),
    "xbar-s": Text("X̄-S chart", "gráfico X̄-S"),
    "xbar-r": Text("X̄-R chart", "gráfico X̄-R"),
    "p": Text("p chart", "gráfico p"),
    "np": Text("np chart", "gráfico np"),
    "c": Text("c chart", "gráfico c"),
    "u": Text("u chart", "gráfico u"),
    "laney-p": Text("Laney p′ chart", "gráfico p′ de Laney"),
    "laney-u": Text("Laney u′ chart", "gráfico u′ de Laney"),
    "ewma": Text("EWMA chart", "gráfico EWMA"),
    "cusum": Text("CUSUM chart", "gráfico CUSUM"),
}
_WE = {"we-1": "nelson-1", "we-2": "nelson-5", "we-3": "nelson-6", "we-4": "nelson-2"}


def signal_text(signal: Signal) -> Text:
    """A run-rule signal in plain English and Spanish.

    Example:
        >>> signal_text(Signal("nelson-2", tuple(range(1, 10)), 9, "up", "")).es
        'nueve puntos seguidos por encima de la línea central: la media del proceso ha cambiado'
    """
    rule = _WE.get(signal.rule, signal.rule)
    up = signal.direction == "up"
    n = len(signal.points)
    words_es = {
        2: "dos",
        3: "tres",
        4: "cuatro",
        5: "cinco",
        6: "seis",
        7: "siete",
        8: "ocho",
        9: "nueve",
        10: "diez",
        11: "once",
        12: "doce",
        13: "trece",
        14: "catorce",
        15: "quince",
    }
    n_es = words_es.get(n, str(n))
    side = Text("above" if up else "below", "por encima de" if up else "por debajo de")
    texts = {
        "nelson-1": Text(
            f"a point beyond the {'upper' if up else 'lower'} control limit: something unusual "
            "happened (a special cause worth investigating)",
            f"un punto fuera del límite de control {'superior' if up else 'inferior'}: ocurrió "
            "algo inusual (una causa especial que conviene investigar)",
        ),
        "nelson-2": Text(
            f"{n} points in a row {side.en} the centre line: the process mean has shifted",
            f"{n_es} puntos seguidos {side.es} la línea central: la media del proceso ha cambiado",
        ),
        "nelson-3": Text(
            f"{n} points in a row steadily {'increasing' if up else 'decreasing'}: a trend",
            f"{n_es} puntos seguidos {'subiendo' if up else 'bajando'}: una tendencia",
        ),
        "nelson-4": Text(
            f"{n} points in a row alternating up and down: two sources take turns",
            f"{n_es} puntos seguidos alternando arriba y abajo: dos fuentes se turnan",
        ),
        "nelson-5": Text(
            f"two of three points more than 2σ {side.en} the centre line: the mean has "
            "probably shifted",
            f"dos de tres puntos a más de 2σ {side.es} la línea central: la media "
            "probablemente ha cambiado",
        ),
        "nelson-6": Text(
            f"four of five points more than 1σ {side.en} the centre line: a small but real shift",
            f"cuatro de cinco puntos a más de 1σ {side.es} la línea central: un cambio "
            "pequeño pero real",
        ),
        "nelson-7": Text(
            f"{n} points in a row within 1σ of the centre line: less variation than the "
            "limits assume",
            f"{n_es} puntos seguidos a menos de 1σ de la línea central: menos variación de la "
            "que suponen los límites",
        ),
        "nelson-8": Text(
            f"{n} points in a row more than 1σ from the centre line on both sides: two "
            "processes are mixed",
            f"{n_es} puntos seguidos a más de 1σ de la línea central por ambos lados: se "
            "mezclan dos procesos",
        ),
    }
    return texts.get(rule, Text(signal.sentence, signal.sentence))


@dataclass(frozen=True)
class DriftAlert:
    """A KPI drifting: ``kind`` ``"run_rule"`` (a control-chart rule fired in the recent
    points), ``"forecast"`` (a recent point left the interval the earlier points forecast) or
    ``"change_point"`` (the series' mean shifted there, found without a baseline date).
    ``label`` is the period that completed it; ``message`` says it in English and Spanish."""

    kpi: str
    kind: Literal["run_rule", "forecast", "change_point"]
    label: str
    message: Text
    rule: str = ""
    direction: str = ""
    value: float = math.nan
    expected: tuple[float, float] | None = None
    worse: bool | None = None

    def verdict(self) -> Text:
        """Whether the drift makes the KPI worse or better (or just different)."""
        if self.worse is None:
            return Text("change", "cambio")
        return Text("worse", "peor") if self.worse else Text("better", "mejor")

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "kpi": self.kpi,
            "kind": self.kind,
            "label": self.label,
            "rule": self.rule,
            "direction": self.direction,
            "value": None if not math.isfinite(self.value) else self.value,
            "expected": None if self.expected is None else list(self.expected),
            "worse": self.worse,
            "message": self.message(lang) if lang else self.message.to_dict(),
        }


@dataclass(frozen=True)
class KpiTrend:
    """A KPI over time: the ``series`` (improvement's KpiSeries), the ``target``, the control
    ``chart`` (None with fewer than 2 points), the ``check`` forecast (fitted on the points
    before the recent ones, over them), the ``forecast`` ahead (fitted on every point), the
    drift ``alerts``, and ``recent``: how many of the last points are "new" (the period's).

    Example:
        >>> trend = kpi_trend(log, "click_rate", freq="W")                 # doctest: +SKIP
        >>> trend.to_frame().tail(), trend.alerts                          # doctest: +SKIP
    """

    definition: KpiDefinition
    series: KpiSeries
    target: float | None
    chart: ControlChartResult | None
    check: Forecast | None
    forecast: Forecast | None
    alerts: tuple[DriftAlert, ...]
    recent: int
    notes: tuple[Text, ...] = field(default_factory=tuple)
    shift: ChangePoint | None = None  # the last shift in mean, when no baseline date was given

    @property
    def id(self) -> str:
        """The KPI's id."""
        return self.definition.id

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``label``, ``start``, ``value``, ``size``, ``center``, ``lcl``,
        ``ucl``, ``signal``, ``target``, ``phase`` (baseline / new), then ``expected``,
        ``expected_low`` and ``expected_high`` from the check forecast on the recent points."""
        frame = self.series.to_frame()
        n = len(frame)
        if self.chart is not None:
            chart = self.chart.to_frame()
            for column in ("center", "lcl", "ucl", "signal", "phase"):
                frame[column] = chart[column].to_numpy()
        frame["target"] = self.target if self.target is not None else np.nan
        for column in ("expected", "expected_low", "expected_high"):
            frame[column] = np.nan
        if self.check is not None:
            k = self.check.horizon
            frame.loc[n - k :, "expected"] = self.check.mean
            frame.loc[n - k :, "expected_low"] = self.check.lower
            frame.loc[n - k :, "expected_high"] = self.check.upper
        return frame

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready: the points, the chart, both forecasts and the alerts."""
        frame = self.to_frame()
        if "start" in frame:
            frame["start"] = frame["start"].map(lambda t: t.isoformat())
        return {
            "kpi": self.id,
            "freq": self.series.freq,
            "target": self.target,
            "points": frame.replace({np.nan: None}).to_dict("records"),
            "chart": None if self.chart is None else self.chart.to_dict(),
            "check": None if self.check is None else self.check.to_dict(),
            "forecast": None if self.forecast is None else self.forecast.to_dict(),
            "alerts": [a.to_dict(lang) for a in self.alerts],
            "notes": [n(lang) if lang else n.to_dict() for n in self.notes],
        }


def series_of(
    result: KpiResult,
    *,
    freq: Freq = "W",
    until: pd.Timestamp | None = None,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> KpiSeries:
    """The KPI's series per ``freq`` period from its items (those before ``until``); a count
    series covers every period of ``span`` (first and last time), zeros included.

    Example:
        >>> series_of(compute_kpi(log, "win_rate"), freq="M").to_frame()  # doctest: +SKIP
    """
    kind = result.definition.series
    if kind is None or result.items is None:
        raise ValueError(f"KPI {result.id!r} has no time series")
    data = result.items.dropna(subset=["time"])
    if until is not None:
        data = data[data["time"] < until]
    data = data.assign(period=period_starts(data["time"], freq))
    unit = result.definition.unit
    name = result.definition.name("en")
    if kind == "count":
        counts = data.groupby("period")["value"].sum()
        if span is not None:
            first, last = period_starts(pd.Series(list(span)), freq)
            if until is not None:
                last = min(
                    last, period_starts(pd.Series([until - pd.Timedelta(seconds=1)]), freq)[0]
                )
            counts = counts.reindex(_range(first, last, freq), fill_value=0.0)
        values = tuple(float(v) for v in counts)
        return KpiSeries(
            name=name,
            kind="count",
            labels=tuple(map(_label, counts.index)),
            values=values,
            counts=values,
            starts=tuple(counts.index),
            unit=unit,
            freq=freq,
        )
    groups = data.groupby("period", sort=True)["value"]
    if kind == "proportion":
        counts, sizes = groups.sum(), groups.count()
        return KpiSeries(
            name=name,
            kind="proportion",
            labels=tuple(map(_label, counts.index)),
            values=tuple(float(c / n) for c, n in zip(counts, sizes, strict=True)),
            counts=tuple(map(float, counts)),
            sizes=tuple(map(float, sizes)),
            starts=tuple(counts.index),
            unit=unit,
            freq=freq,
        )
    medians = groups.median()
    return KpiSeries(
        name=name,
        kind="continuous",
        labels=tuple(map(_label, medians.index)),
        values=tuple(map(float, medians)),
        starts=tuple(medians.index),
        unit=unit,
        freq=freq,
        statistic="median",
        observations=tuple(tuple(map(float, g)) for _, g in groups),
    )


def _worse(definition: KpiDefinition, direction: str) -> bool | None:
    if definition.direction == "neutral" or direction not in ("up", "down"):
        return None
    return (direction == "up") == (definition.direction == "lower")


def _bounds(definition: KpiDefinition) -> tuple[float | None, float | None]:
    if definition.unit == "share":
        return (0.0, 1.0)
    if definition.unit in ("days", "hours", "count"):
        return (0.0, None)
    return (None, None)


def _future(last: pd.Timestamp, freq: str, horizon: int) -> list[str]:
    return [_label(last + _OFFSETS[freq] * (i + 1)) for i in range(horizon)]


def trend_of(
    result: KpiResult,
    *,
    freq: Freq = "W",
    until: pd.Timestamp | None = None,
    baseline_until: pd.Timestamp | str | None = None,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    horizon: int = 4,
    target: float | None = None,
) -> KpiTrend:
    """:func:`kpi_trend` from an already computed KPI result (its items).

    Example:
        >>> trend_of(compute_kpi(log, "cycle_time"), baseline_until="2025-12-01")  # doctest: +SKIP
    """
    definition = result.definition
    series = series_of(result, freq=freq, until=until, span=span)
    notes: list[Text] = []
    n = len(series)
    target = result.target if target is None else target
    if n < 2:
        notes.append(Text("fewer than 2 periods: no chart", "menos de 2 periodos: sin gráfico"))
        return KpiTrend(definition, series, target, None, None, None, (), 0, tuple(notes))
    starts = pd.to_datetime(list(series.starts or ()), utc=True)
    shift, baseline, watch_from = None, None, 0
    if baseline_until is not None:
        limit = pd.Timestamp(baseline_until)
        limit = limit.tz_localize("UTC") if limit.tzinfo is None else limit
        new = np.asarray(starts >= limit)
    else:
        # no baseline date: the phase before the series' last shift in mean (PELT) is the
        # baseline, and the shift is itself an alert; without a shift, the last periods are new
        shift, phases = last_shift(series.values, series.labels, min_baseline=MIN_BASELINE)
        if phases is not None:
            baseline, new = phases
            watch_from = n - min(RECENT, n // 4)  # the shift says the rest: watch the newest
        else:
            new = np.arange(n) >= n - min(RECENT, n // 4)
    recent = int(new.sum())
    baseline = ~new if baseline is None else baseline
    if baseline.sum() < MIN_BASELINE:
        notes.append(
            Text(
                "only {k} periods before the recent ones: limits from all {n} periods",
                "solo {k} periodos antes de los recientes: límites con los {n} periodos",
            ).format(k=int(baseline.sum()), n=n)
        )
        baseline = np.ones(n, dtype=bool)
    chart = kpi_control_chart(series, baseline=list(baseline))
    alerts: list[DriftAlert] = []
    first_new = n - recent
    for signal in chart.all_signals():
        if signal.rule in NOT_DRIFT:
            continue
        if signal.detected_at - 1 >= max(first_new, watch_from) and recent:
            alerts.append(
                DriftAlert(
                    definition.id,
                    "run_rule",
                    series.labels[signal.detected_at - 1],
                    signal_text(signal),
                    rule=signal.rule,
                    direction=signal.direction,
                    value=series.values[signal.detected_at - 1],
                    worse=_worse(definition, signal.direction),
                )
            )
    bounds = _bounds(definition)
    check = None
    if recent and first_new >= MIN_POINTS:
        check = forecast_series(
            series.values[:first_new],
            horizon=recent,
            bounds=bounds,
            labels=series.labels[first_new:],
        )
        for i, outside in enumerate(check.outside(series.values[first_new:])):
            if outside and first_new + i >= watch_from:
                value = series.values[first_new + i]
                low, high = check.lower[i], check.upper[i]
                shown = [
                    value_text(v, definition.unit, lang)
                    for lang in ("en", "es")
                    for v in (value, low, high)
                ]
                alerts.append(
                    DriftAlert(
                        definition.id,
                        "forecast",
                        series.labels[first_new + i],
                        Text(
                            f"{shown[0]} is outside the {percent(check.level, 'en', 0)} interval "
                            f"forecast from the earlier periods ({shown[1]} to {shown[2]})",
                            f"{shown[3]} queda fuera del intervalo del "
                            f"{percent(check.level, 'es', 0)} previsto con los periodos "
                            f"anteriores ({shown[4]} a {shown[5]})",
                        ),
                        direction="up" if value > high else "down",
                        value=value,
                        expected=(low, high),
                        worse=_worse(definition, "up" if value > high else "down"),
                    )
                )
    elif recent:
        notes.append(
            Text(
                "fewer than {k} earlier periods: no forecast check",
                "menos de {k} periodos anteriores: sin comprobación de la previsión",
            ).format(k=MIN_POINTS)
        )
    forecast = None
    if n >= MIN_POINTS:
        forecast = forecast_series(
            series.values,
            horizon=horizon,
            bounds=bounds,
            labels=_future(starts[-1], freq, horizon),
        )
    if shift is not None:
        alerts.append(_shift_alert(definition, shift))
    alerts.sort(key=lambda a: (a.label, a.kind))
    return KpiTrend(
        definition,
        series,
        target,
        chart,
        check,
        forecast,
        tuple(alerts),
        recent,
        tuple(notes),
        shift=shift,
    )


def _shift_alert(definition: KpiDefinition, shift: ChangePoint) -> DriftAlert:
    direction = "up" if shift.after > shift.before else "down"
    means = (shift.before, shift.after)
    shown = [value_text(v, definition.unit, lang) for lang in ("en", "es") for v in means]
    return DriftAlert(
        definition.id,
        "change_point",
        shift.label,
        Text(
            f"the level moved from {shown[0]} to {shown[1]} from {shift.label} on "
            "(change point found by PELT with the MBIC penalty, no baseline date given)",
            f"el nivel pasó de {shown[2]} a {shown[3]} desde {shift.label} (punto de cambio "
            "hallado con PELT y penalización MBIC, sin fecha de referencia)",
        ),
        rule="pelt-mbic",
        direction=direction,
        value=shift.after,
        expected=(shift.before, shift.before),
        worse=_worse(definition, direction),
    )


def _span(log: mining.EventLog) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    times = mining.throughput_times(log)
    if times.empty:
        return None
    return pd.Timestamp(times["start"].min()), pd.Timestamp(times["end"].max())


def kpi_trend(
    log: mining.EventLog,
    kpi_id: str,
    *,
    freq: Freq = "W",
    settings: KpiSettings | None = None,
    until: str | pd.Timestamp | None = None,
    baseline_until: str | pd.Timestamp | None = None,
    horizon: int = 4,
) -> KpiTrend:
    """A KPI's series per ``freq`` period (items before ``until``), its control chart with
    limits from the periods before ``baseline_until`` (default: the last 3 periods are "new"),
    a forecast ``horizon`` periods ahead, and drift alerts on the new periods. Raises
    ValueError when the KPI has no series or cannot be computed (with the reason).

    Example:
        >>> trend = kpi_trend(log, "cycle_time", baseline_until="2025-12-15")  # doctest: +SKIP
        >>> [a.message("en") for a in trend.alerts]                            # doctest: +SKIP
    """
    if kpi_id not in KPI_DEFINITIONS:
        raise ValueError(f"unknown KPI {kpi_id!r}; KPIs: {', '.join(KPI_DEFINITIONS)}")
    if KPI_DEFINITIONS[kpi_id].series is None:
        raise ValueError(f"KPI {kpi_id!r} has no time series")
    result = compute_kpi(log, kpi_id, settings=settings)
    if not isinstance(result, KpiResult):
        raise ValueError(f"{kpi_id} cannot be computed: {result.reason('en')}")
    stop = None if until is None else pd.Timestamp(until)
    if stop is not None and stop.tzinfo is None:
        stop = stop.tz_localize("UTC")
    return trend_of(
        result,
        freq=freq,
        until=stop,
        baseline_until=baseline_until,
        span=_span(log),
        horizon=horizon,
    )


def kpi_trends(
    log: mining.EventLog,
    kpis: Sequence[str] | None = None,
    *,
    period: str | Period | None = None,
    freq: Freq | None = None,
    settings: KpiSettings | None = None,
    horizon: int = 4,
) -> list[KpiTrend]:
    """The trends of every computable KPI with a series (or of ``kpis``): up to the end of
    ``period``, with the period's points as the new ones (default: the last 3 periods), at
    ``freq`` (default: weeks for a month, days for a week, months for a year).

    Example:
        >>> [t.id for t in kpi_trends(log, period="2025-12") if t.alerts]   # doctest: +SKIP
    """
    chosen = Period.parse(period) if isinstance(period, str) else period
    ids = [k for k in (kpis or KPI_DEFINITIONS) if KPI_DEFINITIONS[k].series is not None]
    table = compute_kpis(log, ids, settings=settings)
    return trends_of(table, log, period=chosen, freq=freq, horizon=horizon)


def kpi_overview(
    log: mining.EventLog,
    *,
    settings: KpiSettings | None = None,
    horizon: int = 4,
) -> tuple[KpiTable, list[KpiTrend]]:
    """Every KPI of the catalogue on ``log`` and the weekly trends of those with a series (as
    ``compute_kpis(log)`` and ``kpi_trends(log)``, the same numbers): the KPIs computed once,
    over one shared per-case scan, and every trend built from their items, for a dashboard.

    Example:
        >>> table, trends = kpi_overview(log)                               # doctest: +SKIP
        >>> [(t.id, len(t.series)) for t in trends]                          # doctest: +SKIP
    """
    table, ctx = _compute(log, list(KPI_DEFINITIONS), settings or KpiSettings(), None)
    span = None
    if not log.has_start_timestamp:  # then the cases' first and last events span the log
        flags = ctx.flags()
        if not flags.empty:
            span = (pd.Timestamp(flags["start"].min()), pd.Timestamp(flags["end"].max()))
    else:
        span = _span(log)
    return table, _trends(table, span, period=None, freq=None, horizon=horizon)


def trends_of(
    table: KpiTable,
    log: mining.EventLog,
    *,
    period: Period | None = None,
    freq: Freq | None = None,
    horizon: int = 4,
) -> list[KpiTrend]:
    """:func:`kpi_trends` from KPIs already computed on the whole ``log``.

    Example:
        >>> trends_of(compute_kpis(log), log, period=Period.parse("2025-12"))  # doctest: +SKIP
    """
    return _trends(table, _span(log), period=period, freq=freq, horizon=horizon)


def _trends(
    table: KpiTable,
    span: tuple[pd.Timestamp, pd.Timestamp] | None,
    *,
    period: Period | None,
    freq: Freq | None,
    horizon: int,
) -> list[KpiTrend]:
    step: Freq = freq or (period.freq if period is not None else "W")  # type: ignore[assignment]
    trends = []
    for result in table.computed():
        if result.definition.series is None or result.items is None or result.items.empty:
            continue
        trends.append(
            trend_of(
                result,
                freq=step,
                until=None if period is None else period.end,
                baseline_until=None if period is None else period.start,
                span=span,
                horizon=horizon,
            )
        )
    return trends
