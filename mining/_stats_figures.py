"""Pure figure builders for variants, process statistics and conformance: plotly only, no Dash.

Each builder takes what a mining verb returns (``get_variants``, ``throughput_times``,
``activity_times``, ``handovers``, ``arrivals_and_wip``, ``waits_against_design``, ``rework``,
``check_conformance``) and returns a ``go.Figure``. Only ``dotted_chart_figure`` takes the
EventLog itself, so that it fetches a deterministic sample of cases rather than every event.
Histograms and box plots are binned here, so a figure stays small whatever the size of the log.
Durations are shown in the unit that suits the data (seconds, minutes, hours or days).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from mining import _queries
from mining._conformance import ConformanceResult
from mining._eventlog import EventLog
from mining._figure_text import fixed, integer, localise, words
from mining._figures import _PATH, _SLOW, _duration
from mining._results import Variants

_BOX = "#cfe3f7"  # the process map's activity boxes
_INK = "#2c5d8a"  # their outline
_GREY = "#b8c2cc"  # time the design intends
_TEXT = "#333"
_KINDS = {"skipped": "#e67e22", "unexpected": _SLOW, "out_of_order": "#8e44ad"}
_PALETTE = qualitative.Plotly + qualitative.D3 + qualitative.Set2
_UNITS = (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0))


def _unit(seconds: float) -> tuple[str, float]:
    """The largest unit in which ``seconds`` is at least 2 (seconds for tiny, 0 or NaN)."""
    for name, size in _UNITS:
        if math.isfinite(seconds) and abs(seconds) >= 2 * size:
            return name, size
    return "seconds", 1.0


def _style(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title=title,
        plot_bgcolor="white",
        height=height,
        margin={"l": 20, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    figure.update_xaxes(gridcolor="#eee", zerolinecolor="#ccc")
    figure.update_yaxes(gridcolor="#eee", zerolinecolor="#ccc", automargin=True)
    return figure


def _nothing(title: str, message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 14}
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return _style(figure, title, 300)


def _bar_height(rows: int) -> int:
    return max(320, 34 * rows + 150)


def _compact(activities: Sequence[Any], width: int = 60) -> str:
    """A variant in one short line: the first steps that fit, how many are left out, the last.

    >>> _compact(["Lead", "Demo", "Proposal", "Won"], width=24)
    'Lead → Demo → (+1) → Won'
    """
    steps = [str(a) if len(str(a)) <= 24 else str(a)[:23] + "…" for a in activities]
    full = " → ".join(steps)
    if len(full) <= width or len(steps) <= 2:
        return full
    for keep in range(len(steps) - 2, 0, -1):
        text = " → ".join([*steps[:keep], f"(+{len(steps) - 1 - keep})", steps[-1]])
        if len(text) <= width:
            return text
    return f"{steps[0]} → (+{len(steps) - 2}) → {steps[-1]}"


def _wrapped(activities: Sequence[Any], per_line: int = 4) -> str:
    steps = [str(a) for a in activities]
    lines = [" → ".join(steps[i : i + per_line]) for i in range(0, len(steps), per_line)]
    return " →<br>".join(lines)


def variants_figure(
    variants: Variants | pd.DataFrame, top: int = 10, *, lang: str = "en"
) -> go.Figure:
    """The ``top`` most frequent variants as horizontal bars of their case counts, labelled with
    their share of all cases, with the cumulative coverage as a line on the top axis. Each
    variant is written compactly (first steps, how many are left out, last step); hovering
    shows the whole sequence. Takes ``get_variants(log)`` (or its ``table``); ``lang`` is
    "en" or "es".

    Example:
        >>> variants_figure(get_variants(log), top=15).show()     # doctest: +SKIP
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top!r}")
    w = words(lang)
    table = variants.table if isinstance(variants, Variants) else variants
    title = w["variants.title"]
    if table.empty:
        return localise(_nothing(title, w["variants.none"]), lang)
    total = int(table["cases"].sum())
    shown = table.head(top)
    cases = [int(n) for n in shown["cases"]]
    shares = [n / total for n in cases]
    coverage = list(np.cumsum(shares))
    labels = [f"#{i} {_compact(a)}" for i, a in enumerate(shown["activities"], 1)]
    hover = [
        [i, _wrapped(a), len(a), share, cumulative]
        for i, (a, share, cumulative) in enumerate(
            zip(shown["activities"], shares, coverage, strict=True), 1
        )
    ]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=cases,
            y=labels,
            orientation="h",
            name=w["variants.cases"],
            marker={"color": _BOX, "line": {"color": _INK, "width": 1}},
            text=[
                f"{integer(n, lang)} · {fixed(s, lang, '.1%')}"
                for n, s in zip(cases, shares, strict=True)
            ],
            textposition="auto",
            customdata=hover,
            hovertemplate=w["variants.hover"],
        )
    )
    figure.add_trace(
        go.Scatter(
            x=coverage,
            y=labels,
            xaxis="x2",
            mode="lines+markers",
            name=w["variants.coverage"],
            line={"color": _SLOW, "width": 2},
            marker={"size": 7},
            hovertemplate=w["variants.coverage_hover"],
        )
    )
    figure.update_layout(
        xaxis={"title": w["variants.cases"], "rangemode": "tozero"},
        xaxis2={
            "overlaying": "x",
            "side": "top",
            "range": [0, 1.02],
            "tickformat": ".0%",
            "showgrid": False,
            "title": w["variants.share_axis"],
        },
        yaxis={"autorange": "reversed"},
    )
    title = w["variants.heading"].format(
        shown=len(shown),
        variants=integer(len(table), lang),
        coverage=fixed(coverage[-1], lang, ".1%"),
        total=integer(total, lang),
    )
    return localise(_style(figure, title, _bar_height(len(shown)) + 40), lang)


def throughput_figure(throughput: pd.DataFrame, *, bins: int = 40) -> go.Figure:
    """Distribution of case throughput times: a histogram (binned here, ``bins`` bars) under a
    box plot, in hours or days as the data suits, with the median and the 90th percentile
    marked. Takes ``throughput_times(log)`` (or ``case_statistics(log)``).

    Example:
        >>> throughput_figure(throughput_times(log)).show()       # doctest: +SKIP
    """
    column = "throughput_seconds" if "throughput_seconds" in throughput else "duration_seconds"
    seconds = pd.to_numeric(throughput[column], errors="coerce").dropna().to_numpy(dtype=float)
    working = " (working time)" if "calendar" in throughput.attrs else ""
    if not len(seconds):
        return _nothing(f"Throughput time{working}", "No cases to show")
    median, p90 = (float(q) for q in np.quantile(seconds, [0.5, 0.9]))
    unit, size = _unit(median if median > 0 else p90)
    values = seconds / size
    counts, edges = np.histogram(values, bins=max(1, bins))
    q1, q3 = np.quantile(values, [0.25, 0.75])
    reach = 1.5 * (q3 - q1)
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.18, 0.82], vertical_spacing=0.03
    )
    figure.add_trace(
        go.Box(
            y=["cases"],
            orientation="h",
            q1=[q1],
            median=[median / size],
            q3=[q3],
            lowerfence=[values[values >= q1 - reach].min()],
            upperfence=[values[values <= q3 + reach].max()],
            mean=[values.mean()],
            marker={"color": _INK},
            fillcolor=_BOX,
            name="cases",
            showlegend=False,
            hoverinfo="x",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges),
            marker={"color": _BOX, "line": {"color": _INK, "width": 1}},
            customdata=np.column_stack([edges[:-1], edges[1:]]),
            hovertemplate=(
                f"%{{customdata[0]:.1f}}–%{{customdata[1]:.1f}} {unit}: "
                "%{y:,} cases<extra></extra>"
            ),
            name="cases",
            showlegend=False,
        ),
        row=2,
        col=1,
    )
    marks = (("median", median, "solid", "right"), ("p90", p90, "dash", "left"))
    for name, value, dash, side in marks:
        figure.add_shape(
            type="line",
            name=name,
            x0=value / size,
            x1=value / size,
            xref="x2",
            y0=0,
            y1=1,
            yref="paper",
            line={"color": _SLOW, "width": 2, "dash": dash},
        )
        figure.add_annotation(
            x=value / size,
            xref="x2",
            y=1.0,
            yref="paper",
            yanchor="bottom",
            xanchor=side,
            text=f"{name} {_duration(value)}",
            showarrow=False,
            font={"color": _SLOW},
            name=name,
        )
    figure.update_xaxes(title=f"throughput time ({unit})", rangemode="tozero", row=2, col=1)
    figure.update_yaxes(title="cases", row=2, col=1)
    figure.update_yaxes(showticklabels=False, row=1, col=1)
    title = (
        f"Throughput time{working} of {len(seconds):,} cases: median {_duration(median)}, "
        f"p90 {_duration(p90)}"
    )
    figure = _style(figure, title, 440)
    figure.update_layout(margin={"t": 90})
    return figure


def activity_times_figure(
    times: pd.DataFrame, *, statistic: Literal["median", "mean", "p90"] = "median"
) -> go.Figure:
    """Time per activity, slowest first and marked in red. With start timestamps the bars stack
    the waiting time (since the previous event completed) and the service time; without them a
    single bar shows the time since the previous event (which includes the service time). Takes
    ``activity_times(log)``.

    Example:
        >>> activity_times_figure(activity_times(log), statistic="p90").show()  # doctest: +SKIP
    """
    if statistic not in ("median", "mean", "p90"):
        raise ValueError(f"statistic must be 'median', 'mean' or 'p90', not {statistic!r}")
    has_service = f"service_seconds_{statistic}" in times.columns
    if times.empty:
        return _nothing("Time per activity", "No activities to show")
    waiting = pd.to_numeric(times[f"waiting_seconds_{statistic}"], errors="coerce").astype(float)
    if has_service:
        service = pd.to_numeric(times[f"service_seconds_{statistic}"], errors="coerce")
        service = service.astype(float)
    else:
        service = pd.Series(0.0, index=times.index)
    frame = pd.DataFrame(
        {
            "activity": times["activity"].astype(str),
            "events": times["events"],
            "waiting": waiting.fillna(0.0),
            "service": service.fillna(0.0),
            "waiting_text": [_duration(v) for v in waiting],
            "service_text": [_duration(v) for v in service] if has_service else "-",
        }
    )
    frame["total"] = frame["waiting"] + frame["service"]
    frame = frame.sort_values(["total", "activity"], ascending=[False, True], kind="stable")
    unit, size = _unit(float(frame["total"].max()))
    slowest = frame["activity"].iloc[0] if frame["total"].iloc[0] > 0 else None
    custom = frame[["events", "waiting_text", "service_text"]].to_numpy(dtype=object)
    figure = go.Figure()
    wait_name = "waiting" if has_service else "time since the previous event"
    figure.add_trace(
        go.Bar(
            x=frame["waiting"] / size,
            y=frame["activity"],
            orientation="h",
            name=wait_name,
            marker={"color": [_SLOW if a == slowest else _PATH for a in frame["activity"]]},
            customdata=custom,
            hovertemplate=(
                f"<b>%{{y}}</b> (%{{customdata[0]:,}} events)<br>{wait_name} ({statistic}): "
                "%{customdata[1]}<extra></extra>"
            ),
        )
    )
    if has_service:
        figure.add_trace(
            go.Bar(
                x=frame["service"] / size,
                y=frame["activity"],
                orientation="h",
                name="service",
                marker={"color": _BOX, "line": {"color": _INK, "width": 1}},
                customdata=custom,
                hovertemplate=(
                    f"<b>%{{y}}</b> (%{{customdata[0]:,}} events)<br>service ({statistic}): "
                    "%{customdata[2]}<extra></extra>"
                ),
            )
        )
    if slowest is not None:
        figure.add_annotation(
            x=float(frame["total"].iloc[0]) / size,
            y=slowest,
            text=" slowest",
            xanchor="left",
            showarrow=False,
            font={"color": _SLOW},
            name="slowest",
        )
    figure.update_layout(
        barmode="stack",
        xaxis={"title": f"{statistic} ({unit})", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
    )
    if has_service:
        title = f"Waiting and service time per activity ({statistic})"
    else:
        title = (
            f"Time since the previous event per activity ({statistic}; the log has no start "
            "times, so it includes the service time)"
        )
    return _style(figure, title, _bar_height(len(frame)))


def dotted_chart_figure(
    log: EventLog,
    *,
    max_cases: int = 300,
    time: Literal["absolute", "relative"] = "absolute",
    lang: str = "en",
) -> go.Figure:
    """Dotted chart (as in Disco and ProM): one row per case, sorted by start, one dot per event
    at its time, coloured by activity. At most ``max_cases`` cases are drawn, evenly sampled
    over the start order (the same sample on every call). ``time="relative"`` puts each event
    at its time since the case started; ``lang`` is "en" or "es".

    Example:
        >>> dotted_chart_figure(log, max_cases=200, time="relative").show()   # doctest: +SKIP
    """
    if max_cases < 1:
        raise ValueError(f"max_cases must be at least 1, not {max_cases!r}")
    if time not in ("absolute", "relative"):
        raise ValueError(f"time must be 'absolute' or 'relative', not {time!r}")
    w = words(lang)
    events = log.connection.execute(_queries.dotted_chart(log.events_ref, max_cases)).df()
    if events.empty:
        return localise(_nothing(w["dotted.title"], w["dotted.none"]), lang)
    total = int(events["total_cases"].iloc[0])
    shown = int(events["row"].max())
    if time == "relative":
        since = (events["timestamp"] - events["case_start"]).dt.total_seconds()
        unit, size = _unit(float(since.quantile(0.5)))
        x = since / size
        unit = w[unit]
        x_title = w["dotted.since"].format(unit=unit)
    else:
        x, x_title = events["timestamp"], w["dotted.time"]
    counts = events["activity"].value_counts()
    order = sorted(counts.index, key=lambda a: (-counts[a], a))
    size_px = 7 if len(events) < 3000 else 5 if len(events) < 20000 else 3
    figure = go.Figure()
    for i, activity in enumerate(order):
        mask = (events["activity"] == activity).to_numpy()
        figure.add_trace(
            go.Scatter(
                x=x[mask],
                y=events["row"][mask],
                mode="markers",
                name=activity,
                marker={"color": _PALETTE[i % len(_PALETTE)], "size": size_px},
                customdata=events["case_id"][mask],
                hovertemplate=(
                    w["dotted.hover"].format(activity=activity)
                    if time == "absolute"
                    else w["dotted.hover_relative"].format(activity=activity, unit=unit)
                ),
            )
        )
    figure.update_layout(
        xaxis={"title": x_title},
        yaxis={"title": w["dotted.cases"], "autorange": "reversed"},
    )
    sampled = w["dotted.sampled"] if shown < total else ""
    title = w["dotted.heading"].format(
        shown=integer(shown, lang), total=integer(total, lang), sampled=sampled
    )
    figure = _style(figure, title, max(380, min(900, 6 * shown + 160)))
    figure.update_layout(
        legend={"orientation": "v", "y": 1.0, "x": 1.02, "xanchor": "left", "yanchor": "top"}
    )
    return localise(figure, lang)


def handover_figure(handovers: pd.DataFrame, *, top: int = 40) -> go.Figure:
    """The handover-of-work network: resources on a circle, an arrow from the resource who
    finished a step to the one who did the next, its width following the number of handovers.
    The ``top`` busiest pairs are drawn; hovering an arrow's label shows its counts and median
    gap. Takes ``handovers(log)``; no networkx needed.

    Example:
        >>> handover_figure(handovers(log), top=25).show()        # doctest: +SKIP
    """
    title = "Handover of work"
    pairs_all = handovers[handovers["source"] != handovers["target"]]
    if pairs_all.empty:
        return _nothing(title, "No handovers: every case stays with one resource")
    frame = pairs_all.sort_values(
        ["handovers", "source", "target"], ascending=[False, True, True], kind="stable"
    ).head(top)
    sources, targets = frame["source"].astype(str), frame["target"].astype(str)
    count = frame["handovers"].astype(int).tolist()
    involved = pd.concat(
        [frame.groupby(sources)["handovers"].sum(), frame.groupby(targets)["handovers"].sum()]
    )
    load = involved.groupby(level=0).sum()
    nodes = sorted(load.index)
    n = len(nodes)
    position = {
        node: (
            math.cos(math.pi / 2 - 2 * math.pi * i / n),
            math.sin(math.pi / 2 - 2 * math.pi * i / n),
        )
        for i, node in enumerate(nodes)
    }
    pairs = set(zip(sources, targets, strict=True))
    most = max(count)
    figure = go.Figure()
    middles = []
    for source, target, k in zip(sources, targets, count, strict=True):
        (x0, y0), (x1, y1) = position[source], position[target]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        # two-way pairs: each direction shifted to its own right, so both arrows show
        shift = 0.035 if (target, source) in pairs else 0.0
        ox, oy = uy * shift, -ux * shift
        trim = 0.09
        figure.add_annotation(
            x=x1 - ux * trim + ox,
            y=y1 - uy * trim + oy,
            ax=x0 + ux * trim + ox,
            ay=y0 + uy * trim + oy,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1,
            arrowwidth=1 + 6 * math.sqrt(k / most),
            arrowcolor=_PATH,
            opacity=0.75,
            text="",
            name=f"{source} → {target}",
        )
        middles.append((x0 + dx * 0.55 + ox * 2, y0 + dy * 0.55 + oy * 2))
    gaps = frame.get("median_gap_seconds", pd.Series(math.nan, index=frame.index))
    cases = frame.get("cases", frame["handovers"]).astype(int)
    figure.add_trace(
        go.Scatter(
            x=[m[0] for m in middles],
            y=[m[1] for m in middles],
            mode="markers+text" if len(frame) <= 20 else "markers",
            text=[f"{k:,}" for k in count],
            textfont={"size": 10, "color": _TEXT},
            marker={"size": 12, "color": "rgba(255,255,255,0.01)"},
            customdata=[
                [s, t, k, c, _duration(g)]
                for s, t, k, c, g in zip(sources, targets, count, cases, gaps, strict=True)
            ],
            hovertemplate=(
                "%{customdata[0]} → %{customdata[1]}: %{customdata[2]:,} handovers in "
                "%{customdata[3]:,} cases, median gap %{customdata[4]}<extra></extra>"
            ),
            name="handovers",
            showlegend=False,
        )
    )
    busiest = float(load.max())
    given = frame.groupby(sources)["handovers"].sum()
    taken = frame.groupby(targets)["handovers"].sum()
    figure.add_trace(
        go.Scatter(
            x=[position[r][0] for r in nodes],
            y=[position[r][1] for r in nodes],
            mode="markers+text",
            text=nodes,
            textposition=["top center" if position[r][1] >= 0 else "bottom center" for r in nodes],
            marker={
                "size": [14 + 26 * math.sqrt(load[r] / busiest) for r in nodes],
                "color": _BOX,
                "line": {"color": _INK, "width": 1.5},
            },
            customdata=[[int(given.get(r, 0)), int(taken.get(r, 0))] for r in nodes],
            hovertemplate=(
                "<b>%{text}</b><br>hands over %{customdata[0]:,}, "
                "receives %{customdata[1]:,}<extra></extra>"
            ),
            name="resources",
            showlegend=False,
        )
    )
    figure.update_layout(
        xaxis={"visible": False, "range": [-1.35, 1.35]},
        yaxis={"visible": False, "range": [-1.3, 1.3], "scaleanchor": "x"},
    )
    drawn = f"the {len(frame)} busiest of {len(pairs_all):,}" if len(frame) < len(pairs_all) else ""
    title = (
        f"Handover of work: {n} resources, {drawn or len(frame)} pairs, "
        f"{int(frame['handovers'].sum()):,} handovers"
    )
    return _style(figure, title, 560)


def _period_name(periods: pd.Series) -> str:
    if len(periods) < 2:
        return "period"
    step = pd.Series(pd.to_datetime(periods)).diff().dropna().median() / pd.Timedelta(days=1)
    return "day" if step <= 1.5 else "week" if step <= 8 else "month"


def arrivals_wip_figure(frame: pd.DataFrame) -> go.Figure:
    """Cases started per period (bars) and cases ended (thin line) against the cases open at
    the end of each period (work in progress, thick line on the right axis). Takes
    ``arrivals_and_wip(log, freq=...)``.

    Example:
        >>> arrivals_wip_figure(arrivals_and_wip(log, freq="W")).show()   # doctest: +SKIP
    """
    if frame.empty:
        return _nothing("Arrivals and work in progress", "No cases to show")
    period = _period_name(frame["period"])
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=frame["period"],
            y=frame["arrivals"],
            name=f"cases started per {period}",
            marker={"color": _BOX, "line": {"color": _INK, "width": 1}},
            hovertemplate="%{x}: %{y:,} cases started<extra></extra>",
        )
    )
    if "ended" in frame:
        figure.add_trace(
            go.Scatter(
                x=frame["period"],
                y=frame["ended"],
                mode="lines",
                name=f"cases ended per {period}",
                line={"color": _PATH, "width": 1, "dash": "dot"},
                hovertemplate="%{x}: %{y:,} cases ended<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=frame["period"],
            y=frame["wip"],
            yaxis="y2",
            mode="lines",
            name="work in progress",
            line={"color": _SLOW, "width": 2.5},
            hovertemplate="%{x}: %{y:,} cases open<extra></extra>",
        )
    )
    figure.update_layout(
        yaxis={"title": f"cases per {period}", "rangemode": "tozero"},
        yaxis2={
            "title": f"open cases (end of {period})",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
        bargap=0.1,
    )
    peak = int(frame["wip"].idxmax())
    title = (
        f"Arrivals and work in progress per {period}: {int(frame['arrivals'].sum()):,} cases, "
        f"peak {int(frame['wip'].iloc[peak]):,} open on "
        f"{pd.Timestamp(frame['period'].iloc[peak]):%Y-%m-%d}"
    )
    return _style(figure, title, 420)


def waits_against_design_figure(
    frame: pd.DataFrame, *, top: int = 12, lang: str = "en"
) -> go.Figure:
    """Per path, the designed delay (grey: time the workflow intends, such as a 3-day nurture
    wait) and the median excess over it (red: the real delay), stacked, most excess first. The
    ``top`` paths by excess are drawn, plus every path with a designed delay, so a designed
    wait shows as intended time rather than as a bottleneck. Takes
    ``waits_against_design(log, designed_waits(workflow))``; ``lang`` is "en" or "es".

    Example:
        >>> waits = waits_against_design(log, designed_waits(workflow))   # doctest: +SKIP
        >>> waits_against_design_figure(waits).show()                     # doctest: +SKIP
    """
    w = words(lang)
    title = w["waits.title"]
    if frame.empty:
        return localise(_nothing(title, w["waits.none"]), lang)
    ranked = frame.sort_values(
        ["median_excess_seconds", "transitions"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)
    keep = (ranked.index < top) | (ranked["designed_seconds"] > 0)
    rows = ranked[keep]
    designed = rows["designed_seconds"].astype(float)
    excess = rows["median_excess_seconds"].astype(float).fillna(0.0)
    unit, size = _unit(float((designed + excess).max()))
    unit = w[unit]
    labels = [f"{s} → {t}" for s, t in zip(rows["source"], rows["target"], strict=True)]
    custom = np.column_stack(
        [
            rows["transitions"].astype(int),
            [_duration(v) for v in rows["median_seconds"]],
            [_duration(v) for v in rows["p90_seconds"]],
            [_duration(v) for v in designed],
            [_duration(v) for v in excess],
            [_duration(v) for v in rows["p90_excess_seconds"]],
        ]
    )
    hover = w["waits.hover"]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=designed / size,
            y=labels,
            orientation="h",
            name=w["waits.designed"],
            marker={"color": _GREY},
            customdata=custom,
            hovertemplate=hover,
        )
    )
    figure.add_trace(
        go.Bar(
            x=excess / size,
            y=labels,
            orientation="h",
            name=w["waits.excess"],
            marker={"color": _SLOW},
            customdata=custom,
            hovertemplate=hover,
        )
    )
    figure.update_layout(
        barmode="stack",
        xaxis={"title": w["waits.axis"].format(unit=unit), "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
    )
    title = w["waits.heading"].format(title=title)
    return localise(_style(figure, title, _bar_height(len(rows))), lang)


def rework_figure(frame: pd.DataFrame, *, top: int = 15) -> go.Figure:
    """Rework: per activity (or per resource and activity), the cases where it was repeated (red)
    beside the cases where it was done once (grey), most rework first; only rows with rework are
    drawn, the ``top`` ones. Takes ``rework(log)`` or ``rework(log, by="resource")``.

    Example:
        >>> rework_figure(rework(log, by="resource")).show()     # doctest: +SKIP
    """
    by_resource = "resource" in frame.columns
    what = "resource and activity" if by_resource else "activity"
    rows = frame[frame["rework_cases"] > 0].sort_values(
        ["rework_cases", "extra_executions"], ascending=[False, False], kind="stable"
    )
    rows = rows.head(top)
    if rows.empty:
        return _nothing(f"Rework per {what}", "No rework: no activity is repeated within a case")
    if by_resource:
        labels = [f"{r} · {a}" for r, a in zip(rows["resource"], rows["activity"], strict=True)]
    else:
        labels = rows["activity"].astype(str).tolist()
    repeated, cases = rows["rework_cases"].astype(int), rows["cases"].astype(int)
    custom = np.column_stack([cases, rows["rework_share"], rows["extra_executions"].astype(int)])
    hover = (
        "<b>%{y}</b><br>repeated in %{customdata[1]:.0%} of %{customdata[0]:,} cases, "
        "%{customdata[2]:,} extra executions<extra></extra>"
    )
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=repeated,
            y=labels,
            orientation="h",
            name="cases with rework",
            marker={"color": _SLOW},
            text=[f"{r:,} of {c:,}" for r, c in zip(repeated, cases, strict=True)],
            textposition="auto",
            customdata=custom,
            hovertemplate=hover,
        )
    )
    figure.add_trace(
        go.Bar(
            x=cases - repeated,
            y=labels,
            orientation="h",
            name="cases done once",
            marker={"color": _GREY},
            customdata=custom,
            hovertemplate=hover,
        )
    )
    figure.update_layout(
        barmode="stack",
        xaxis={"title": "cases", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
    )
    title = f"Rework per {what}: {int(rows['extra_executions'].sum()):,} extra executions"
    return _style(figure, title, _bar_height(len(rows)))


def _deviation_table(result: ConformanceResult) -> pd.DataFrame:
    """The result's deviations with ``kind``, ``activity`` and ``cases``, whether ``deviations``
    is a method or a DataFrame attribute; empty when it has none of those."""
    table = getattr(result, "deviations", None)
    if callable(table):
        table = table()
    if not isinstance(table, pd.DataFrame) or "cases" not in table.columns:
        return pd.DataFrame(columns=["kind", "activity", "cases"])
    table = table.copy()
    for column in ("kind", "activity"):
        if column not in table.columns:
            table[column] = ""
    return table.sort_values("cases", ascending=False, kind="stable")


def conformance_figure(result: ConformanceResult, *, top: int = 10, lang: str = "en") -> go.Figure:
    """Conformance at a glance: the distribution of case fitness (20 bins from 0 to 1, the last
    one holding the fitting cases) beside the ``top`` deviations (skipped, unexpected or out of
    order steps) by cases affected; hovering a deviation shows the median throughput time with
    and without it when the result has it. Takes ``check_conformance(...)``; ``lang`` is "en"
    or "es".

    Example:
        >>> conformance_figure(check_conformance(log, net, im, fm)).show()  # doctest: +SKIP
    """
    w = words(lang)
    fitness = pd.to_numeric(result.cases["fitness"], errors="coerce").dropna()
    fitness = fitness.to_numpy(dtype=float)
    n = len(result.cases)
    if not n:
        return localise(_nothing(w["conf.title"], w["conf.none"]), lang)
    counts, edges = np.histogram(np.clip(fitness, 0.0, 1.0), bins=np.linspace(0.0, 1.0, 21))
    deviations = _deviation_table(result).head(top)
    # with nothing to list, the histogram takes the whole width and the note stands above it
    # (an empty second panel left three quarters of the page blank and its note fell on the bars)
    figure = (
        go.Figure()
        if deviations.empty
        else make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.42, 0.58],
            horizontal_spacing=0.12,
            subplot_titles=(
                w["conf.fitness_title"],
                w["conf.deviations_title"].format(n=integer(n, lang)),
            ),
        )
    )
    place = {} if deviations.empty else {"row": 1, "col": 1}
    figure.add_trace(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=0.05,
            marker={"color": [_INK if lo >= 0.95 else _PATH for lo in edges[:-1]]},
            customdata=np.column_stack([edges[:-1], edges[1:]]),
            hovertemplate=w["conf.fitness_hover"],
            name="cases",
            showlegend=False,
        ),
        **place,
    )
    if deviations.empty:
        figure.add_annotation(
            text=w["conf.no_deviations"]
            + (w["conf.replay_none"] if result.method == "token_replay" else ""),
            x=0.0,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            font={"size": 13},
        )
    else:
        labels: list[str] = []
        for kind, activity in zip(deviations["kind"], deviations["activity"], strict=True):
            label = f"{w.get(f'kind.{kind}', kind)}: {activity}".replace("_", " ")
            while label in labels:
                label += " "
            labels.append(label)
        cases = deviations["cases"].astype(int)
        impact = [""] * len(deviations)
        if {"median_duration_with", "median_duration_without"} <= set(deviations.columns):
            impact = [
                w["conf.impact"].format(with_it=_duration(wi), without=_duration(wo))
                for wi, wo in zip(
                    deviations["median_duration_with"],
                    deviations["median_duration_without"],
                    strict=True,
                )
            ]
        figure.add_trace(
            go.Bar(
                x=cases,
                y=labels,
                orientation="h",
                marker={"color": [_KINDS.get(str(k), _PATH) for k in deviations["kind"]]},
                text=[f"{integer(c, lang)} ({fixed(c / n, lang, '.0%')})" for c in cases],
                textposition="auto",
                customdata=impact,
                hovertemplate=w["conf.hover"],
                name="deviations",
                showlegend=False,
            ),
            row=1,
            col=2,
        )
        figure.update_yaxes(autorange="reversed", row=1, col=2)
    figure.update_xaxes(title=w["conf.fitness"], range=[0, 1.0], **place)
    figure.update_yaxes(title=w["conf.cases"], **place)
    if not deviations.empty:
        figure.update_xaxes(title=w["conf.affected"], rangemode="tozero", row=1, col=2)
    fit = int(result.cases["fit"].sum()) if "fit" in result.cases else int((fitness >= 1).sum())
    log_fitness = result.log.get("log_fitness", float(np.mean(fitness)) if n else math.nan)
    title = w["conf.heading"].format(
        method=w.get(f"method.{result.method}", result.method),
        fitness=fixed(log_fitness, lang, ".3f"),
        fit=integer(fit, lang),
        n=integer(n, lang),
    )
    figure = _style(figure, title, max(440, 34 * len(deviations) + 160))
    if deviations.empty:
        figure.update_layout(margin={"t": 90})  # room for the note between title and bars
    return localise(figure, lang)
