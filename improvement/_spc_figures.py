"""Pure figure builders for control charts and capability: plotly only, no Dash.

control_chart_figure(result).write_html("chart.html", include_plotlyjs=True)
capability_figure(capability(values, usl=24)).show()
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import special, stats

from improvement._capability import CapabilityResult
from improvement._control_charts import TITLES, ControlChartResult
from improvement._kpi_series import signal_text
from improvement._locale import Text, check_lang

_POINT = "#2c3e50"
_CENTER = "#1e8449"
_LIMIT = "#c0392b"
_ZONE = "#95a5a6"
_SIGNAL = "#e74c3c"
_EXCLUDED = "#7f8c8d"
_HIST = "#5dade2"
_TITLES_ES = {
    "imr": "Gráfico de individuos (I-MR)",
    "xbar-r": "Gráfico X̄-R",
    "xbar-s": "Gráfico X̄-S",
    "p": "Gráfico p",
    "np": "Gráfico np",
    "c": "Gráfico c",
    "u": "Gráfico u",
    "laney-p": "Gráfico p′ de Laney",
    "laney-u": "Gráfico u′ de Laney",
    "ewma": "Gráfico EWMA",
    "cusum": "Gráfico CUSUM",
    "mr": "Gráfico de rangos móviles",
    "r": "Gráfico de rangos",
    "s": "Gráfico de desviaciones típicas",
}
_STATISTICS_ES = {
    "value": "valor",
    "subgroup mean": "media del subgrupo",
    "proportion": "proporción",
    "number of items": "número de elementos",
    "count": "recuento",
    "count per unit": "recuento por unidad",
    "weighted average": "media ponderada",
    "cumulative sum (standard errors)": "suma acumulada (errores típicos)",
    "moving range": "rango móvil",
    "subgroup range": "rango del subgrupo",
    "subgroup standard deviation": "desviación típica del subgrupo",
}
W = {
    "zone": Text("{k}σ zone", "zona {k}σ"),
    "UCL": Text("UCL", "LCS"),
    "LCL": Text("LCL", "LCI"),
    "limits": Text("control limits", "límites de control"),
    "centre": Text("centre line", "línea central"),
    "centre_hover": Text("centre %{y:.4g}<extra></extra>", "centro %{y:.4g}<extra></extra>"),
    "upper CUSUM": Text("upper CUSUM", "CUSUM superior"),
    "lower CUSUM": Text("lower CUSUM", "CUSUM inferior"),
    "left_out": Text("left out of the estimate", "excluido de la estimación"),
    "left_out_hover": Text(
        "left out of the limit estimate<extra></extra>",
        "excluido de la estimación de los límites<extra></extra>",
    ),
    "signal": Text("signal", "señal"),
    "baseline": Text("baseline ◀ │ ▶ new data", "línea base ◀ │ ▶ datos nuevos"),
    "sample": Text("sample", "muestra"),
    "values": Text("values", "valores"),
    "within": Text("normal, within σ", "normal, σ intra"),
    "overall": Text("normal, overall σ", "normal, σ global"),
    "boxcox": Text("Box-Cox normal (λ = {lam})", "normal de Box-Cox (λ = {lam})"),
    "fitted": Text("fitted {method}", "{method} ajustada"),
    "LSL": Text("LSL", "LIE"),
    "USL": Text("USL", "LSE"),
    "target": Text("target", "objetivo"),
    "capability": Text("Capability", "Capacidad"),
    "of": Text(" of {name}", " de {name}"),
    "value": Text("value", "valor"),
    "density": Text("density", "densidad"),
}


def _chart_title(kind: str, lang: str) -> str:
    english = TITLES.get(kind, kind)
    return _TITLES_ES.get(kind, english) if lang == "es" else english


def _statistic(result: ControlChartResult, lang: str) -> str:
    statistic = result.statistic
    return _STATISTICS_ES.get(statistic, statistic) if lang == "es" else statistic


def _es(value: float, spec: str = ".4g") -> str:
    return format(value, spec).replace(".", ",")


def _summary_es(result: ControlChartResult) -> str:
    """The chart's one-sentence meaning in Spanish (a shorter twin of ``result.summary``)."""
    title = _chart_title(result.kind, "es") + (f" de {result.name}" if result.name else "")
    signals = result.all_signals()
    new = [s for s in signals if not result.baseline[s.detected_at - 1]]
    lcl, ucl = result.lcl, result.ucl
    if result.kind == "cusum":
        expect = f"las sumas acumuladas quedan dentro de ±{_es(result.parameters['h'])}"
    elif isinstance(lcl, tuple) or isinstance(ucl, tuple):
        expect = "cada punto debe quedar dentro de sus propios límites (escalonados)"
    else:
        expect = f"se esperan puntos entre {_es(lcl)} y {_es(ucl)}"
    phase_one = result.n_baseline == len(result)
    if phase_one:
        source, caveat, found, after = "", "", signals, ""
    else:
        first_points = "de los primeros" if result.baseline[0] else "de"
        source = f" (límites {first_points} {result.n_baseline} puntos de la línea base)"
        old = len(signals) - len(new)
        caveat = (
            f" (la propia línea base tiene {_count(old)}, así que sus límites son solo "
            "orientativos)"
            if old
            else ""
        )
        found, after = new, " tras la línea base"
    if not found:
        return f"{title}{source}: sin señales, solo variación por causas comunes; {expect}{caveat}."
    first = found[0]
    where = f"punto {first.detected_at}"
    label = result.labels[first.detected_at - 1]
    if label != str(first.detected_at):
        where += f" ({label})"
    return (
        f"{title}{source}: {_count(len(found))}{after}, la primera en el {where}: "
        f"{signal_text(first).es}{caveat}."
    )


def _count(n: int) -> str:
    return f"{n} señal" if n == 1 else f"{n} señales"


def _capability_summary_es(result: CapabilityResult) -> str:
    """The capability verdict in Spanish (a shorter twin of ``result.summary``)."""
    key = result.index("Cpk") or result.index("Ppk")
    spec = " y ".join(
        f"{name} {_es(value)}"
        for name, value in (("LIE", result.lsl), ("LSE", result.usl))
        if value is not None
    )
    if key is None:
        return f"No se pudo calcular ningún índice de capacidad frente a {spec}."
    if key.value >= 1.67:
        verdict = "es holgadamente capaz: los resultados quedan bien dentro de la especificación"
    elif key.value >= 1.33:
        verdict = "es capaz: los resultados quedan dentro de la especificación con margen"
    elif key.value >= 1.0:
        verdict = "es apenas capaz: una pequeña deriva sacaría resultados de la especificación"
    else:
        verdict = "no es capaz: produce a menudo resultados fuera de la especificación"
    dpmo = f"{result.dpmo:,.0f}".replace(",", ".")
    return (
        f"{key.name} {_es(key.value, '.2f')} frente a {spec}: el proceso {verdict}; unos "
        f"{dpmo} defectos por millón a largo plazo, nivel sigma {result.sigma_text('es')}."
    )


def _subtitle(text: str, width: int = 130) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def _ticks(labels: tuple[str, ...], most: int = 16) -> dict[str, Any]:
    n = len(labels)
    step = max(1, math.ceil(n / most))
    positions = list(range(1, n + 1, step))
    return {"tickvals": positions, "ticktext": [labels[p - 1] for p in positions]}


def _add_chart(
    figure: go.Figure,
    result: ControlChartResult,
    row: int,
    *,
    zones: bool = True,
    lang: str = "en",
) -> None:
    x = np.arange(1, len(result) + 1)
    values = np.asarray(result.values, dtype=float)
    center = np.asarray(result.center_line, dtype=float)
    sigma = np.asarray(result.point_sigma, dtype=float)
    shape = "hvh" if result.limits_vary else "linear"
    name = _chart_title(result.kind, lang)
    legend = row == 1
    if zones and result.kind not in ("ewma", "cusum"):
        for k, dash in ((1, "dot"), (2, "dash")):
            for sign in (1, -1):
                figure.add_trace(
                    go.Scatter(
                        x=x,
                        y=center + sign * k * sigma,
                        mode="lines",
                        line={"color": _ZONE, "width": 1, "dash": dash, "shape": shape},
                        name=W["zone"](lang).format(k=k),
                        legendgroup=f"zone{k}",
                        showlegend=legend and sign == 1,
                        hoverinfo="skip",
                    ),
                    row=row,
                    col=1,
                )
    for limit, key in ((result.upper_limit, "UCL"), (result.lower_limit, "LCL")):
        label = W[key](lang)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=list(limit),
                mode="lines",
                line={"color": _LIMIT, "width": 1.5, "dash": "dash", "shape": shape},
                name=W["limits"](lang),
                legendgroup="limits",
                showlegend=legend and key == "UCL",
                customdata=list(result.labels),
                hovertemplate=f"{label} %{{y:.4g}}<br>%{{customdata}}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=center,
            mode="lines",
            line={"color": _CENTER, "width": 1.5, "shape": shape},
            name=W["centre"](lang),
            legendgroup="center",
            showlegend=legend,
            hovertemplate=W["centre_hover"](lang),
        ),
        row=row,
        col=1,
    )
    series = [(values, _statistic(result, lang))]
    if result.lower_values is not None:
        series = [
            (values, W["upper CUSUM"](lang)),
            (np.asarray(result.lower_values), W["lower CUSUM"](lang)),
        ]
    for y, label in series:
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                line={"color": _POINT, "width": 1.2},
                marker={"size": 6, "color": _POINT},
                name=label if row == 1 else name,
                customdata=list(result.labels),
                hovertemplate=f"%{{customdata}}<br>{label} %{{y:.4g}}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    if result.excluded:
        points = [p for p in result.excluded if p <= len(result)]
        figure.add_trace(
            go.Scatter(
                x=points,
                y=[values[p - 1] for p in points],
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": _EXCLUDED},
                name=W["left_out"](lang),
                showlegend=legend,
                hovertemplate=W["left_out_hover"](lang),
            ),
            row=row,
            col=1,
        )
    notes: dict[int, list[str]] = {}
    heights: dict[int, float] = {}
    for signal in result.signals:
        lower = result.lower_values is not None and signal.direction == "down"
        for point in signal.points:
            sentence = signal_text(signal).es if lang == "es" else signal.sentence
            notes.setdefault(point, []).append(f"<b>{signal.rule}</b>: {sentence}")
            source = result.lower_values if lower and result.lower_values else result.values
            heights[point] = source[point - 1]
    if notes:
        points = sorted(notes)
        figure.add_trace(
            go.Scatter(
                x=points,
                y=[heights[p] for p in points],
                mode="markers",
                marker={
                    "size": 12,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": _SIGNAL, "width": 2.5},
                },
                name=W["signal"](lang),
                legendgroup="signal",
                showlegend=legend,
                text=[f"{result.labels[p - 1]}<br>" + "<br>".join(_wrap(notes[p])) for p in points],
                hovertemplate="%{text}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    baseline = list(result.baseline)
    if 0 < sum(baseline) < len(baseline) and baseline[0]:
        end = baseline.index(False)
        figure.add_vline(
            x=end + 0.5,
            line={"color": _ZONE, "dash": "dashdot", "width": 1},
            row=row,
            col=1,
        )
        if row == 1:
            figure.add_annotation(
                x=end + 0.5,
                y=1.0,
                yref="y domain",
                text=W["baseline"](lang),
                showarrow=False,
                font={"size": 11, "color": _EXCLUDED},
                yanchor="bottom",
            )


def _wrap(lines: list[str], width: int = 70) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width)
    return out


def control_chart_figure(
    result: ControlChartResult, *, title: str | None = None, lang: str = "en"
) -> go.Figure:
    """The chart: points, centre line, control limits (stepped when they vary), the 1σ and 2σ
    zones, signalled points circled in red with the rule and its meaning on hover, points left
    out of the estimate crossed, and the end of the baseline marked. I-MR, X̄-R and X̄-S get their
    dispersion chart underneath. ``lang`` ("en" or "es") is the language of its words.

    Example:
        >>> result = control_chart(values, kind="imr", baseline=20)         # doctest: +SKIP
        >>> figure = control_chart_figure(result)                          # doctest: +SKIP
        >>> figure.write_html("chart.html", include_plotlyjs=True)         # doctest: +SKIP
    """
    check_lang(lang)
    rows = 2 if result.secondary is not None else 1
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.68, 0.32] if rows == 2 else [1.0],
        subplot_titles=(
            [_statistic(result, lang), _chart_title(result.secondary.kind, lang)]
            if result.secondary
            else None
        ),
    )
    _add_chart(figure, result, 1, lang=lang)
    if result.secondary is not None:
        _add_chart(figure, result.secondary, 2, zones=False, lang=lang)
    if lang == "es":
        named = f" de {result.name}" if result.name else ""
        heading = title or _chart_title(result.kind, lang) + named
        summary = _summary_es(result)
    else:
        heading, summary = title or result.title, result.summary
    figure.update_layout(
        title={"text": f"{heading}<br><sup>{_subtitle(summary)}</sup>"},
        template="plotly_white",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.12},
        margin={"t": 110},
    )
    ticks = _ticks(result.labels)
    figure.update_xaxes(**ticks, row=rows, col=1)
    sample = W["sample"](lang) if ticks["ticktext"][:1] == ["1"] else ""
    figure.update_xaxes(title_text=sample, row=rows)
    figure.update_yaxes(title_text=_statistic(result, lang), row=1, col=1)
    if lang == "es":
        figure.update_layout(separators=",.")
    return figure


def _density(
    result: CapabilityResult, grid: np.ndarray, lang: str = "en"
) -> list[tuple[str, np.ndarray, str]]:
    """(name, density on grid, dash) of the model behind the indices."""
    if result.method == "normal":
        curves = [(W["overall"](lang), stats.norm.pdf(grid, result.mean, result.sigma_overall))]
        if math.isfinite(result.sigma_within) and result.sigma_within > 0:
            curves.insert(
                0, (W["within"](lang), stats.norm.pdf(grid, result.mean, result.sigma_within))
            )
        return [(n, d, "solid" if i == 0 else "dash") for i, (n, d) in enumerate(curves)]
    if result.method == "boxcox":
        lam = result.parameters["lambda"]
        centre = result.parameters["mean_transformed"]
        positive = np.clip(grid, 1e-12, None)
        transformed = special.boxcox(positive, lam)
        jacobian = positive ** (lam - 1)
        spread = result.parameters["sigma_overall_transformed"]
        density = stats.norm.pdf(transformed, centre, spread) * jacobian
        density[grid <= 0] = 0.0
        lam_text = f"{lam:.2f}" if lang == "en" else _es(lam, ".2f")
        return [(W["boxcox"](lang).format(lam=lam_text), density, "solid")]
    p = result.parameters
    families = {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
    if result.method in families:
        dist = families[result.method](p["shape"], loc=p["loc"], scale=p["scale"])
    else:
        dist = stats.norm(loc=p["loc"], scale=p["scale"])
    return [(W["fitted"](lang).format(method=result.method), dist.pdf(grid), "solid")]


def capability_figure(
    result: CapabilityResult, *, title: str | None = None, lang: str = "en"
) -> go.Figure:
    """Histogram of the values with the specification limits, the target and the fitted curve
    (normal with within and overall σ, the back-transformed Box-Cox normal, or the fitted
    distribution); the title gives Cpk / Ppk and the one-sentence meaning, in ``lang`` ("en" or
    "es").

    Example:
        >>> capability_figure(capability(times, usl=24, method="auto")).show()   # doctest: +SKIP
    """
    check_lang(lang)
    values = np.asarray(result.values, dtype=float)
    figure = go.Figure()
    figure.add_trace(
        go.Histogram(
            x=values,
            histnorm="probability density",
            name=W["values"](lang),
            marker={"color": _HIST, "line": {"color": "white", "width": 1}},
            opacity=0.75,
        )
    )
    edges = [v for v in (result.lsl, result.usl, result.target) if v is not None]
    low = min([values.min(), *edges]) if len(values) else 0.0
    high = max([values.max(), *edges]) if len(values) else 1.0
    pad = (high - low) * 0.08 or 1.0
    grid = np.linspace(low - pad, high + pad, 400)
    for name, density, dash in _density(result, grid, lang):
        figure.add_trace(
            go.Scatter(
                x=grid,
                y=density,
                mode="lines",
                name=name,
                line={"color": _POINT, "dash": dash, "width": 2},
            )
        )
    for value, key, color, dash in (
        (result.lsl, "LSL", _LIMIT, "dash"),
        (result.usl, "USL", _LIMIT, "dash"),
        (result.target, "target", _CENTER, "dot"),
    ):
        if value is not None:
            number = f"{value:.4g}" if lang == "en" else _es(value)
            figure.add_vline(
                x=value,
                line={"color": color, "dash": dash, "width": 2},
                annotation_text=f"{W[key](lang)} {number}",
                annotation_position="top",
            )
    key = [i for i in result.indices if i.name in ("Cpk", "Ppk")]
    head = " · ".join(
        f"{i.name} {i.value:.2f}" if lang == "en" else f"{i.name} {_es(i.value, '.2f')}"
        for i in key
    )
    named = W["of"](lang).format(name=result.name) if result.name else ""
    heading = title or (W["capability"](lang) + named)
    summary = result.summary if lang == "en" else _capability_summary_es(result)
    figure.update_layout(
        title={"text": f"{heading} — {head}<br><sup>{_subtitle(summary)}</sup>"},
        template="plotly_white",
        bargap=0.02,
        xaxis_title=result.name or W["value"](lang),
        yaxis_title=W["density"](lang),
        legend={"orientation": "h", "y": -0.15},
        margin={"t": 110},
    )
    if lang == "es":
        figure.update_layout(separators=",.")
    return figure
