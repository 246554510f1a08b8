"""The picture of the open cases: where they wait, and how many of them are stuck there."""

from __future__ import annotations

import plotly.graph_objects as go

from improvement._locale import Text, check_lang
from improvement._open_cases import OpenCases

_STUCK = "#c0392b"
_ON_TIME = "#95a5a6"


def open_cases_figure(found: OpenCases, lang: str = "en") -> go.Figure:
    """One bar per step holding open cases, split into stuck and within the limit, the step
    with most stuck cases on top: where work piles up at the end of the log.

    Example:
        >>> open_cases_figure(open_cases(log), "es").show()  # doctest: +SKIP
    """
    lang = check_lang(lang)
    table = found.table
    counts = (
        table.assign(on_time=~table["stuck"])
        .groupby("step")[["stuck", "on_time"]]
        .sum()
        .astype(int)
    )
    counts = counts.assign(total=counts.sum(axis=1)).sort_values(
        ["stuck", "total"], ascending=True, kind="stable"
    )
    stuck_name = Text("stuck (past the limit)", "atascados (pasado el límite)")(lang)
    on_time_name = Text("within the limit", "dentro del límite")(lang)
    figure = go.Figure(
        [
            go.Bar(
                y=counts.index.tolist(),
                x=counts[column].tolist(),
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}: %{x} " + name + "<extra></extra>",
            )
            for column, name, colour in (
                ("stuck", stuck_name, _STUCK),
                ("on_time", on_time_name, _ON_TIME),
            )
        ]
    )
    title = Text(
        "{o} open cases at {t}, {s} stuck", "{o} casos abiertos a {t}, {s} atascados"
    ).format(o=len(table), t=found.reference.strftime("%Y-%m-%d"), s=int(table["stuck"].sum()))(
        lang
    )
    figure.update_layout(
        barmode="stack",
        title=title,
        template="plotly_white",
        height=max(260, 120 + 28 * len(counts)),
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        xaxis_title=Text("open cases", "casos abiertos")(lang),
        yaxis={"automargin": True},
    )
    return figure
