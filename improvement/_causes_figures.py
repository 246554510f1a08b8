"""Pure figure builders for the Pareto, root-cause, fishbone and Lean results: plotly only, no
Dash. Each marks what matters: the vital few, the strong drivers, the constraint."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from improvement._fishbone import BONES, OTHER_BONE, Fishbone
from improvement._lean import LeanAnalysis
from improvement._locale import Text, check_lang
from improvement._pareto import Pareto
from improvement._root_cause import CAVEAT, RootCause

_MAIN = "#c0392b"  # what matters: vital few, strong drivers, the constraint
_REST = "#5b7083"
_SOFT = "#b8c2cc"
_GAP = 3.4  # horizontal room per fishbone bone, for its labels
_EVIDENCE_COLOURS = {"strong": _MAIN, "moderate": "#e67e22", "weak": _SOFT}
W = {
    "pareto": Text("Pareto of {by}", "Pareto de {by}"),
    "by": Text(" by {weight}", " por {weight}"),
    "nothing": Text("no values to rank", "ningún valor que ordenar"),
    "cumulative": Text("cumulative share", "proporción acumulada"),
    "cumulative_hover": Text(
        "%{x}: %{y:.1%} cumulative<extra></extra>", "%{x}: %{y:.1%} acumulado<extra></extra>"
    ),
    "vital": Text(
        "vital few: {few} of {n} make up {share}", "pocos vitales: {few} de {n} suman el {share}"
    ),
    "drivers": Text("Drivers of «{outcome}»", "Factores de «{outcome}»"),
    "no_driver": Text("no driver passed the screen", "ningún factor superó el cribado"),
    "driver_text": Text(
        "{rate} vs {rest}<br>adjusted odds ratio {adj}<br>evidence: {evidence}"
        "<br>excess cases {excess}",
        "{rate} frente a {rest}<br>odds ratio ajustada {adj}<br>evidencia: {evidence}"
        "<br>casos de más {excess}",
    ),
    "driver_hover": Text(
        "%{y}<br>risk ratio %{x:.2f}<br>%{text}<extra></extra>",
        "%{y}<br>razón de riesgos %{x:.2f}<br>%{text}<extra></extra>",
    ),
    "interval": Text("risk ratio with 95 % interval", "razón de riesgos con intervalo del 95 %"),
    "caveat": Text(CAVEAT, "asociación, no causa probada"),
    "times": Text("times as likely as the other cases", "veces más probable que en el resto"),
    "fishbone": Text("Fishbone of «{outcome}»", "Espina de pescado de «{outcome}»"),
    "more": Text("+{n} more", "+{n} más"),
    "no_bone_driver": Text("no driver", "sin factores"),
}
_UNITS = {
    "items": Text("items", "elementos"),
    "cases": Text("cases", "casos"),
    "events": Text("events", "eventos"),
}
_EVIDENCE = {
    "strong": Text("strong", "fuerte"),
    "moderate": Text("moderate", "moderada"),
    "weak": Text("weak", "débil"),
}
_BONES = {
    "people": Text("people", "personas"),
    "method": Text("method", "método"),
    "machine": Text("machine", "máquina"),
    "material": Text("material", "material"),
    "measurement": Text("measurement", "medición"),
    "environment": Text("environment", "entorno"),
    "other": Text("other", "otros"),
}


def _word(table: dict[str, Text], key: str, lang: str) -> str:
    return table[key](lang) if key in table else key


def _pct(value: float, lang: str, spec: str = ".0%") -> str:
    text = format(value, spec)
    return text.replace(".", ",").replace("%", "\u00a0%") if lang == "es" else text


def _num(value: float, lang: str, spec: str) -> str:
    text = format(value, spec)
    return text.replace(".", ",") if lang == "es" else text


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(message: str, title: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(
        title=title, xaxis={"visible": False}, yaxis={"visible": False}, template="plotly_white"
    )
    return figure


def pareto_figure(result: Pareto, *, title: str | None = None, lang: str = "en") -> go.Figure:
    """Bars largest first (the vital few in red, "other" last), the cumulative share as a line
    on the right axis, and a dashed line at the cut (80 %); words in ``lang`` ("en" or "es").

    Example:
        >>> pareto_figure(pareto_of(lost, by="loss_reason")).show()   # doctest: +SKIP
    """
    check_lang(lang)
    table = result.table
    by = W["by"](lang).format(weight=result.weight) if result.weight else ""
    title = title or W["pareto"](lang).format(by=result.by) + by
    if table.empty:
        return _empty(W["nothing"](lang), title)
    labels = [_short(str(c)) for c in table["category"]]
    colours = [_MAIN if vital else _REST for vital in table["vital_few"]]
    if result.other:
        colours[-1] = _SOFT
    unit = _word(_UNITS, result.unit, lang)
    measure = result.weight or unit
    figure = go.Figure()
    figure.add_bar(
        x=labels,
        y=table["value"],
        marker_color=colours,
        name=measure,
        customdata=np.column_stack([table["count"], table["share"]]),
        hovertemplate="%{x}<br>%{y:,.0f} " + measure + " (%{customdata[1]:.1%})"
        "<br>%{customdata[0]:,} " + unit + "<extra></extra>",
    )
    figure.add_scatter(
        x=labels,
        y=table["cumulative_share"],
        yaxis="y2",
        mode="lines+markers",
        name=W["cumulative"](lang),
        line={"color": "#2c3e50"},
        hovertemplate=W["cumulative_hover"](lang),
    )
    figure.add_shape(
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        yref="y2",
        y0=result.cut,
        y1=result.cut,
        line={"color": _MAIN, "dash": "dash", "width": 1},
    )
    figure.add_annotation(
        xref="paper",
        x=1,
        yref="y2",
        y=result.cut,
        text=_pct(result.cut, lang),
        showarrow=False,
        xanchor="left",
        font={"color": _MAIN},
    )
    few = W["vital"](lang).format(
        few=len(result.vital_few), n=result.n_categories, share=_pct(result.vital_share(), lang)
    )
    figure.update_layout(
        title={"text": f"{title}<br><sup>{few}</sup>"},
        yaxis={"title": measure, "rangemode": "tozero"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickformat": ".0%",
            "showgrid": False,
        },
        template="plotly_white",
        showlegend=False,
        bargap=0.15,
    )
    if lang == "es":
        figure.update_layout(separators=",.")
    return figure


def driver_figure(result: RootCause, *, top: int = 15, lang: str = "en") -> go.Figure:
    """Forest plot of the drivers: risk ratio with its 95 % interval on a log axis, the line of
    no effect at 1, colour by evidence (strong red, moderate orange, weak grey); the adjusted
    odds ratio is in the hover; words in ``lang`` ("en" or "es").

    Example:
        >>> driver_figure(root_cause(log, "slow")).show()               # doctest: +SKIP
    """
    check_lang(lang)
    drivers = result.drivers.head(top)
    title = W["drivers"](lang).format(outcome=_short(result.outcome, 70))
    if drivers.empty:
        return _empty(W["no_driver"](lang), title)
    rows = drivers.iloc[::-1]
    labels = [
        f"{i}. {_short(f'{f} = {v}', 45)}"
        for i, f, v in zip(rows["rank"], rows["factor"], rows["level"], strict=True)
    ]
    adjusted = [
        "-"
        if a != a
        else f"{_num(a, lang, '.2f')} ({_num(lo, lang, '.2f')}–{_num(hi, lang, '.2f')})"
        for a, lo, hi in zip(
            rows["adjusted_odds_ratio"], rows["adjusted_low"], rows["adjusted_high"], strict=True
        )
    ]
    figure = go.Figure()
    figure.add_scatter(
        x=rows["risk_ratio"],
        y=labels,
        mode="markers",
        marker={
            "size": 11,
            "color": [_EVIDENCE_COLOURS.get(e, _REST) for e in rows["evidence"]],
            "symbol": "square",
        },
        error_x={
            "type": "data",
            "symmetric": False,
            "array": rows["risk_ratio_high"] - rows["risk_ratio"],
            "arrayminus": rows["risk_ratio"] - rows["risk_ratio_low"],
            "color": _REST,
        },
        text=[
            W["driver_text"](lang).format(
                rate=_pct(rate, lang),
                rest=_pct(rest, lang),
                adj=adj,
                evidence=_word(_EVIDENCE, str(evidence), lang),
                excess=f"{excess:.0f}",
            )
            for rate, rest, adj, evidence, excess in zip(
                rows["rate"],
                rows["rest_rate"],
                adjusted,
                rows["evidence"],
                rows["excess_cases"],
                strict=True,
            )
        ],
        hovertemplate=W["driver_hover"](lang),
    )
    figure.add_vline(x=1, line={"color": "#2c3e50", "dash": "dot"})
    low = float(np.nanmin(rows["risk_ratio_low"]))
    high = float(np.nanmax(rows["risk_ratio_high"]))
    figure.update_layout(
        title={"text": f"{title}<br><sup>{W['interval'](lang)}; {W['caveat'](lang)}</sup>"},
        xaxis={
            "type": "log",
            "title": W["times"](lang),
            "range": [math.log10(min(low, 1) * 0.8), math.log10(max(high, 1) * 1.25)],
        },
        yaxis={"automargin": True},
        template="plotly_white",
        showlegend=False,
        height=max(300, 60 + 32 * len(rows)),
    )
    if lang == "es":
        figure.update_layout(separators=",.")
    return figure


def fishbone_figure(result: Fishbone, *, per_bone: int = 4, lang: str = "en") -> go.Figure:
    """An Ishikawa diagram drawn with shapes: the outcome at the head, the six bones (people,
    method, machine above; material, measurement, environment below; "other" when used), and
    up to ``per_bone`` drivers on each bone, strong ones in red; words in ``lang`` ("en" or
    "es").

    Example:
        >>> fishbone_figure(fishbone(root_cause(log, "slow"))).show()  # doctest: +SKIP
    """
    check_lang(lang)
    bones = result.bones()
    names = [*BONES] + ([OTHER_BONE] if bones.get(OTHER_BONE) else [])
    evidence = {
        (str(row.category), str(row.label)): str(row.evidence) for row in result.table.itertuples()
    }
    upper = names[: math.ceil(len(names) / 2)]
    lower = names[len(upper) :]
    spine_end = _GAP * len(upper) + 1.6
    figure = go.Figure()
    line = {"color": "#2c3e50", "width": 3}
    figure.add_shape(type="line", x0=0, y0=0, x1=spine_end, y1=0, line=line)
    figure.add_shape(
        type="rect",
        x0=spine_end,
        x1=spine_end + 3.4,
        y0=-0.9,
        y1=0.9,
        line={"color": _MAIN, "width": 2},
        fillcolor="#fdecea",
    )
    figure.add_annotation(
        x=spine_end + 1.7,
        y=0,
        text=_wrap(result.outcome, 22),
        showarrow=False,
        font={"size": 12},
    )
    for row_names, sign in ((upper, 1), (lower, -1)):
        for i, bone in enumerate(row_names):
            x_end = 1.0 + _GAP * (i + 1)
            x_start, y_start = x_end - 1.6, sign * 4.2
            figure.add_shape(
                type="line",
                x0=x_start,
                y0=y_start,
                x1=x_end,
                y1=0,
                line={"color": _REST, "width": 2},
            )
            figure.add_annotation(
                x=x_start,
                y=y_start + sign * 0.45,
                text=f"<b>{_word(_BONES, bone, lang)}</b>",
                showarrow=False,
                font={"size": 13},
            )
            labels = bones.get(bone, [])
            shown = labels[:per_bone]
            for j, label in enumerate(shown):
                t = (j + 1) / (per_bone + 1)
                x = x_start + (x_end - x_start) * t
                y = y_start * (1 - t)
                strong = evidence.get((bone, label)) == "strong"
                figure.add_shape(
                    type="line",
                    x0=x - 0.6,
                    y0=y,
                    x1=x,
                    y1=y,
                    line={"color": _SOFT, "width": 1},
                )
                figure.add_annotation(
                    x=x - 0.65,
                    y=y,
                    text=_short(label, 28),
                    showarrow=False,
                    xanchor="right",
                    font={"size": 10, "color": _MAIN if strong else "#2c3e50"},
                )
            if len(labels) > per_bone:
                figure.add_annotation(
                    x=x_end,
                    y=sign * 0.35,
                    text=W["more"](lang).format(n=len(labels) - per_bone),
                    showarrow=False,
                    font={"size": 9, "color": _REST},
                )
            if not labels:
                figure.add_annotation(
                    x=(x_start + x_end) / 2 - 0.5,
                    y=y_start / 2,
                    text=W["no_bone_driver"](lang),
                    showarrow=False,
                    xanchor="right",
                    font={"size": 9, "color": _SOFT},
                )
    figure.update_layout(
        title={
            "text": W["fishbone"](lang).format(outcome=_short(result.outcome, 70))
            + f"<br><sup>{W['caveat'](lang)}</sup>"
        },
        xaxis={"visible": False, "range": [-3.5, spine_end + 3.6]},
        yaxis={"visible": False, "range": [-5.2, 5.2]},
        template="plotly_white",
        showlegend=False,
        height=560,
    )
    return figure


def _wrap(text: str, width: int) -> str:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


def takt_figure(result: LeanAnalysis) -> go.Figure:
    """Cycle time of each step (bars; the constraint in red) against the cycle time it needs to
    keep up with demand (takt / visits per case, a tick on each bar) and the takt time (dashed
    line), in working hours.

    Example:
        >>> takt_figure(takt_time(log, demand=60, per="week")).show()   # doctest: +SKIP
    """
    steps = result.steps
    title = "Takt time vs cycle time per step"
    if steps.empty:
        return _empty("no steps", title)
    hours = 3600.0
    colours = [_MAIN if c else _REST for c in steps["constraint"]]
    figure = go.Figure()
    figure.add_bar(
        x=steps["activity"],
        y=steps["cycle_seconds"] / hours,
        marker_color=colours,
        name="cycle time",
        text=[
            f"{basis}<br>load {load:.2f}<br>queue {queue:.1f} cases<br>{visits:.2f} visits per case"
            for basis, load, queue, visits in zip(
                steps["cycle_basis"],
                steps["load"],
                steps["queue"],
                steps["visits_per_case"],
                strict=True,
            )
        ],
        textposition="none",
        hovertemplate="%{x}<br>cycle %{y:.2f} h, %{text}<extra></extra>",
    )
    figure.add_scatter(
        x=steps["activity"],
        y=steps["required_cycle_seconds"] / hours,
        mode="markers",
        marker={"symbol": "line-ew", "size": 28, "line": {"width": 3, "color": "#2c3e50"}},
        name="required cycle (takt / visits)",
        hovertemplate="%{x}: needs one every %{y:.2f} h<extra></extra>",
    )
    figure.add_hline(
        y=result.takt_seconds / hours,
        line={"color": _MAIN, "dash": "dash"},
        annotation_text=f"takt {result.takt_seconds / hours:.2f} h",
        annotation_position="top left",
    )
    constraint = f"; constraint: {result.constraint}" if result.constraint else ""
    figure.update_layout(
        title={
            "text": f"{title}<br><sup>demand {result.demand_per_day:.1f} cases per working day"
            f"{constraint}</sup>"
        },
        yaxis={"title": "working hours", "rangemode": "tozero"},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
    )
    return figure
