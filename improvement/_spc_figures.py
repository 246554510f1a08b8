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

_POINT = "#2c3e50"
_CENTER = "#1e8449"
_LIMIT = "#c0392b"
_ZONE = "#95a5a6"
_SIGNAL = "#e74c3c"
_EXCLUDED = "#7f8c8d"
_HIST = "#5dade2"


def _subtitle(text: str, width: int = 130) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def _ticks(labels: tuple[str, ...], most: int = 16) -> dict[str, Any]:
    n = len(labels)
    step = max(1, math.ceil(n / most))
    positions = list(range(1, n + 1, step))
    return {"tickvals": positions, "ticktext": [labels[p - 1] for p in positions]}


def _add_chart(
    figure: go.Figure, result: ControlChartResult, row: int, *, zones: bool = True
) -> None:
    x = np.arange(1, len(result) + 1)
    values = np.asarray(result.values, dtype=float)
    center = np.asarray(result.center_line, dtype=float)
    sigma = np.asarray(result.point_sigma, dtype=float)
    shape = "hvh" if result.limits_vary else "linear"
    name = TITLES.get(result.kind, result.kind)
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
                        name=f"{k}σ zone",
                        legendgroup=f"zone{k}",
                        showlegend=legend and sign == 1,
                        hoverinfo="skip",
                    ),
                    row=row,
                    col=1,
                )
    for limit, label in ((result.upper_limit, "UCL"), (result.lower_limit, "LCL")):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=list(limit),
                mode="lines",
                line={"color": _LIMIT, "width": 1.5, "dash": "dash", "shape": shape},
                name="control limits",
                legendgroup="limits",
                showlegend=legend and label == "UCL",
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
            name="centre line",
            legendgroup="center",
            showlegend=legend,
            hovertemplate="centre %{y:.4g}<extra></extra>",
        ),
        row=row,
        col=1,
    )
    series = [(values, result.statistic)]
    if result.lower_values is not None:
        series = [(values, "upper CUSUM"), (np.asarray(result.lower_values), "lower CUSUM")]
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
                name="left out of the estimate",
                showlegend=legend,
                hovertemplate="left out of the limit estimate<extra></extra>",
            ),
            row=row,
            col=1,
        )
    notes: dict[int, list[str]] = {}
    heights: dict[int, float] = {}
    for signal in result.signals:
        lower = result.lower_values is not None and signal.direction == "down"
        for point in signal.points:
            notes.setdefault(point, []).append(f"<b>{signal.rule}</b>: {signal.sentence}")
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
                name="signal",
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
                text="baseline ◀ │ ▶ new data",
                showarrow=False,
                font={"size": 11, "color": _EXCLUDED},
                yanchor="bottom",
            )


def _wrap(lines: list[str], width: int = 70) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width)
    return out


def control_chart_figure(result: ControlChartResult, *, title: str | None = None) -> go.Figure:
    """The chart: points, centre line, control limits (stepped when they vary), the 1σ and 2σ
    zones, signalled points circled in red with the rule and its meaning on hover, points left
    out of the estimate crossed, and the end of the baseline marked. I-MR, X̄-R and X̄-S get their
    dispersion chart underneath.

    Example:
        >>> result = control_chart(values, kind="imr", baseline=20)         # doctest: +SKIP
        >>> figure = control_chart_figure(result)                          # doctest: +SKIP
        >>> figure.write_html("chart.html", include_plotlyjs=True)         # doctest: +SKIP
    """
    rows = 2 if result.secondary is not None else 1
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.68, 0.32] if rows == 2 else [1.0],
        subplot_titles=(
            [result.statistic, TITLES[result.secondary.kind]] if result.secondary else None
        ),
    )
    _add_chart(figure, result, 1)
    if result.secondary is not None:
        _add_chart(figure, result.secondary, 2, zones=False)
    heading = title or result.title
    figure.update_layout(
        title={"text": f"{heading}<br><sup>{_subtitle(result.summary)}</sup>"},
        template="plotly_white",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.12},
        margin={"t": 110},
    )
    ticks = _ticks(result.labels)
    figure.update_xaxes(**ticks, row=rows, col=1)
    figure.update_xaxes(title_text="sample" if ticks["ticktext"][:1] == ["1"] else "", row=rows)
    figure.update_yaxes(title_text=result.statistic, row=1, col=1)
    return figure


def _density(result: CapabilityResult, grid: np.ndarray) -> list[tuple[str, np.ndarray, str]]:
    """(name, density on grid, dash) of the model behind the indices."""
    if result.method == "normal":
        curves = [("normal, overall σ", stats.norm.pdf(grid, result.mean, result.sigma_overall))]
        if math.isfinite(result.sigma_within) and result.sigma_within > 0:
            curves.insert(
                0, ("normal, within σ", stats.norm.pdf(grid, result.mean, result.sigma_within))
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
        return [(f"Box-Cox normal (λ = {lam:.2f})", density, "solid")]
    p = result.parameters
    families = {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min}
    if result.method in families:
        dist = families[result.method](p["shape"], loc=p["loc"], scale=p["scale"])
    else:
        dist = stats.norm(loc=p["loc"], scale=p["scale"])
    return [(f"fitted {result.method}", dist.pdf(grid), "solid")]


def capability_figure(result: CapabilityResult, *, title: str | None = None) -> go.Figure:
    """Histogram of the values with the specification limits, the target and the fitted curve
    (normal with within and overall σ, the back-transformed Box-Cox normal, or the fitted
    distribution); the title gives Cpk / Ppk and the one-sentence meaning.

    Example:
        >>> capability_figure(capability(times, usl=24, method="auto")).show()   # doctest: +SKIP
    """
    values = np.asarray(result.values, dtype=float)
    figure = go.Figure()
    figure.add_trace(
        go.Histogram(
            x=values,
            histnorm="probability density",
            name="values",
            marker={"color": _HIST, "line": {"color": "white", "width": 1}},
            opacity=0.75,
        )
    )
    edges = [v for v in (result.lsl, result.usl, result.target) if v is not None]
    low = min([values.min(), *edges]) if len(values) else 0.0
    high = max([values.max(), *edges]) if len(values) else 1.0
    pad = (high - low) * 0.08 or 1.0
    grid = np.linspace(low - pad, high + pad, 400)
    for name, density, dash in _density(result, grid):
        figure.add_trace(
            go.Scatter(
                x=grid,
                y=density,
                mode="lines",
                name=name,
                line={"color": _POINT, "dash": dash, "width": 2},
            )
        )
    for value, label, color, dash in (
        (result.lsl, "LSL", _LIMIT, "dash"),
        (result.usl, "USL", _LIMIT, "dash"),
        (result.target, "target", _CENTER, "dot"),
    ):
        if value is not None:
            figure.add_vline(
                x=value,
                line={"color": color, "dash": dash, "width": 2},
                annotation_text=f"{label} {value:.4g}",
                annotation_position="top",
            )
    key = [i for i in result.indices if i.name in ("Cpk", "Ppk")]
    head = " · ".join(f"{i.name} {i.value:.2f}" for i in key)
    heading = title or ("Capability" + (f" of {result.name}" if result.name else ""))
    figure.update_layout(
        title={"text": f"{heading} — {head}<br><sup>{_subtitle(result.summary)}</sup>"},
        template="plotly_white",
        bargap=0.02,
        xaxis_title=result.name or "value",
        yaxis_title="density",
        legend={"orientation": "h", "y": -0.15},
        margin={"t": 110},
    )
    return figure
