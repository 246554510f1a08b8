"""Static figures for reports, drawn with matplotlib (Agg, no display, no browser) as SVG text, so
the same picture goes into the self-contained HTML and the PDF: a KPI trend with its control
limits, target, signals and forecast bands, and a Pareto chart.

    svg = trend_svg(kpi_trend(log, "cycle_time"), "es")
    html = f'<img src="{svg_data_uri(svg)}">'
"""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
from babel.numbers import format_decimal
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from improvement._kpi_series import CHART_NAMES, KpiTrend
from improvement._locale import LOCALES, Text, number, percent, value_text
from improvement._pareto import Pareto

_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_POINT = "#2c3e50"
_CENTER = "#1e8449"
_LIMIT = "#c0392b"
_SIGNAL = "#e74c3c"
_TARGET = "#8e44ad"
_FORECAST = "#2e86c1"
_BAR = "#5d6d7e"
_VITAL = "#c0392b"
_STYLE = {
    "svg.fonttype": "none",  # text stays text: small files, searchable
    "svg.hashsalt": "mejora",  # stable ids: the same data gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
LEGEND = {
    "value": Text("value", "valor"),
    "centre": Text("centre line", "línea central"),
    "limits": Text("control limits", "límites de control"),
    "signal": Text("signal", "señal"),
    "target": Text("target", "objetivo"),
    "expected": Text("forecast from earlier periods", "previsión con periodos anteriores"),
    "forecast": Text("forecast", "previsión"),
    "cumulative": Text("cumulative share", "proporción acumulada"),
    "cut": Text("cut", "corte"),
}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")  # drop the XML prolog and DOCTYPE (a DTD reference)
    text = text[start:] if start >= 0 else text
    return _METADATA.sub("", text)  # RDF metadata names outside vocabularies: not needed


def svg_data_uri(svg: str) -> str:
    """A ``data:`` URI holding the SVG, for an ``<img src=...>`` that needs no file or network.

    Example:
        >>> svg_data_uri("<svg/>")
        'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _axis_format(unit: str, lang: str) -> FuncFormatter:
    if unit == "share":
        return FuncFormatter(lambda v, _: percent(v, lang, 1 if abs(v) < 0.1 else 0))
    if unit == "count":
        return FuncFormatter(lambda v, _: number(v, lang, 0))
    # as many decimals as the tick needs (up to 4): small times stay readable
    return FuncFormatter(lambda v, _: format_decimal(v, "#,##0.####", locale=LOCALES[lang]))


def trend_svg(trend: KpiTrend, lang: str, *, width: float = 7.0, height: float = 2.6) -> str:
    """The KPI per period with its control chart's centre line and limits (stepped when they
    vary), the target, signalled points in red, the interval the earlier periods forecast for
    the recent ones, and the forecast ahead; as SVG text.

    Example:
        >>> svg = trend_svg(kpi_trend(log, "click_rate"), "en")          # doctest: +SKIP
    """
    frame = trend.to_frame()
    n = len(frame)
    x = np.arange(n)
    values = frame["value"].to_numpy(dtype=float)
    unit = trend.definition.unit
    with rc_context(_STYLE):
        figure = Figure(figsize=(width, height))
        ax = figure.add_subplot()
        if trend.chart is not None:
            step = "steps-mid" if trend.chart.limits_vary else "default"
            ax.plot(x, frame["center"], color=_CENTER, lw=1, label=LEGEND["centre"](lang))
            ax.plot(
                x,
                frame["ucl"],
                color=_LIMIT,
                lw=1,
                ls="--",
                drawstyle=step,
                label=LEGEND["limits"](lang),
            )
            ax.plot(x, frame["lcl"], color=_LIMIT, lw=1, ls="--", drawstyle=step)
        if trend.target is not None and math.isfinite(trend.target):
            ax.axhline(trend.target, color=_TARGET, lw=1, ls=":", label=LEGEND["target"](lang))
        if trend.check is not None:
            k = trend.check.horizon
            ax.fill_between(
                x[n - k :],
                trend.check.lower,
                trend.check.upper,
                color=_FORECAST,
                alpha=0.15,
                lw=0,
                label=LEGEND["expected"](lang),
            )
        if trend.forecast is not None:
            ahead = np.arange(n, n + trend.forecast.horizon)
            ax.fill_between(
                ahead, trend.forecast.lower, trend.forecast.upper, color=_FORECAST, alpha=0.3, lw=0
            )
            ax.plot(
                np.concatenate([[n - 1], ahead]),
                np.concatenate([[values[-1]], trend.forecast.mean]),
                color=_FORECAST,
                lw=1,
                ls="--",
                label=LEGEND["forecast"](lang),
            )
        ax.plot(x, values, color=_POINT, lw=1.2, marker="o", ms=3, label=LEGEND["value"](lang))
        if "signal" in frame:
            hit = frame["signal"].to_numpy(dtype=bool)
            ax.plot(
                x[hit],
                values[hit],
                ls="none",
                marker="o",
                ms=5,
                color=_SIGNAL,
                label=LEGEND["signal"](lang),
            )
        if trend.recent and trend.recent < n:
            ax.axvline(n - trend.recent - 0.5, color="#999999", lw=0.8)
        labels = list(frame["label"])
        if trend.forecast is not None:
            labels += list(trend.forecast.labels)
        ticks = list(range(0, len(labels), max(1, math.ceil(len(labels) / 10))))
        ax.set_xticks(ticks, [labels[t][5:] if len(labels[t]) == 10 else labels[t] for t in ticks])
        ax.yaxis.set_major_formatter(_axis_format(unit, lang))
        chart = "" if trend.chart is None else CHART_NAMES.get(trend.chart.kind, Text("", ""))(lang)
        ax.set_title(f"{trend.definition.name(lang)} — {chart}", loc="left", fontsize=9)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        figure.tight_layout()
        return _svg(figure)


def pareto_svg(result: Pareto, lang: str, *, width: float = 7.0, height: float = 2.8) -> str:
    """Bars of each category (the vital few in red), the cumulative share and the cut; SVG.

    Example:
        >>> pareto_svg(pareto(pd.Series(["a", "b", "a"])), "es")[:4]      # doctest: +SKIP
        '<svg'
    """
    table = result.table
    with rc_context(_STYLE):
        figure = Figure(figsize=(width, height))
        ax = figure.add_subplot()
        x = np.arange(len(table))
        colors = [_VITAL if v else _BAR for v in table["vital_few"]]
        ax.bar(x, table["value"], color=colors)
        names = [str(c) if len(str(c)) <= 18 else str(c)[:17] + "…" for c in table["category"]]
        ax.set_xticks(x, names, rotation=20, ha="right")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, 0)))
        twin = ax.twinx()
        twin.plot(
            x,
            table["cumulative_share"],
            color=_POINT,
            marker="o",
            ms=3,
            label=LEGEND["cumulative"](lang),
        )
        twin.axhline(result.cut, color=_TARGET, ls=":", lw=1, label=LEGEND["cut"](lang))
        twin.set_ylim(0, 1.05)
        twin.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v, lang, 0)))
        twin.spines["right"].set_visible(True)
        for i, share in enumerate(table["share"]):
            ax.annotate(
                value_text(share, "share", lang),
                (i, table["value"].iloc[i]),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        twin.legend(loc="center right", fontsize=7, frameon=False)
        figure.tight_layout()
        return _svg(figure)
