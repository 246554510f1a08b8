"""Pareto, root-cause and Lean sub-commands of ``mejora``: ``pareto``, ``rootcause``, ``takt``.

Each prints a rich table and the plain sentences, or with ``--json`` the result's
``to_dict()``; ``--figure OUT.html`` also writes the plotly figure, self-contained so it opens
offline. Bad input (an unknown column, an outcome that does not parse) raises ``ValueError``,
which ``mejora`` prints as one line with exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from improvement._causes_figures import driver_figure, fishbone_figure, pareto_figure, takt_figure
from improvement._fishbone import fishbone, five_whys
from improvement._lean import PERIODS, takt_time
from improvement._outcomes import outcome
from improvement._pareto import pareto_of
from improvement._root_cause import root_cause
from mining import BusinessCalendar
from mining.cli import (
    FiltersOption,
    JsonOption,
    NameArgument,
    StoreOption,
    emit_json,
    stored_log,
    write_figure,
)

console = Console()
FigureOption = Annotated[
    Path | None,
    typer.Option("--figure", help="Also write the figure to this .html file.", show_default=False),
]
_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    sign = "-" if seconds < 0 else ""
    value = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size:
            return f"{sign}{value / size:.1f} {unit}"
    return f"{sign}{value:.0f} s"


def pareto_command(
    name: NameArgument,
    by: Annotated[
        str,
        typer.Option(
            "--by", help="Column to rank (e.g. loss_reason; activity with --level event)."
        ),
    ],
    weight: Annotated[
        str | None,
        typer.Option(
            "--weight", help="Numeric column to weight by (e.g. amount).", show_default=False
        ),
    ] = None,
    level: Annotated[
        str, typer.Option("--level", help="case (each case once) or event (every event).")
    ] = "case",
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            help="Only cases matching this outcome, e.g. \"ends_with 'Deal lost'\" (case level).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Categories shown before 'other'.")] = 10,
    cut: Annotated[float, typer.Option("--cut", help="Vital-few cut (share of the total).")] = 0.8,
    figure: FigureOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pareto: the few categories that make up most of the cases, events or value."""
    if level not in ("case", "event"):
        raise ValueError(f"--level must be case or event, not {level!r}")
    with stored_log(store, name, filters) as log:
        result = pareto_of(log, by, weight, level=level, top=top, cut=cut, where=where)
    if figure:
        write_figure(pareto_figure(result), figure)
    if as_json:
        emit_json(result.to_dict())
        return
    title = f"Pareto of {by} in {name!r}" + (f" by {weight}" if weight else "")
    table = Table(title=title)
    table.add_column("category")
    table.add_column(result.unit, justify="right")
    if weight:
        table.add_column(weight, justify="right")
    table.add_column("share", justify="right")
    table.add_column("cumulative", justify="right")
    table.add_column("vital few", justify="center")
    for row in result.table.itertuples():
        cells = [str(row.category), f"{row.count:,}"]
        if weight:
            cells.append(f"{row.value:,.0f}")
        cells += [f"{row.share:.1%}", f"{row.cumulative_share:.1%}", "●" if row.vital_few else ""]
        table.add_row(*cells, style="bold red" if row.vital_few else None)
    console.print(table)
    _say(result.sentence())


def _driver_table(result: Any, name: str) -> Table:
    table = Table(title=f"Drivers of «{result.outcome}» in {name!r}")
    for column, justify in (
        ("#", "right"),
        ("driver", "left"),
        ("cases", "right"),
        ("rate", "right"),
        ("rest", "right"),
        ("risk ratio (95% CI)", "right"),
        ("q", "right"),
        ("adjusted OR (95% CI)", "right"),
        ("excess", "right"),
        ("evidence", "left"),
    ):
        table.add_column(column, justify=justify)
    for row in result.drivers.itertuples():
        adjusted = "-"
        if row.adjusted_odds_ratio == row.adjusted_odds_ratio:
            adjusted = (
                f"{row.adjusted_odds_ratio:.2f} ({row.adjusted_low:.2f}–{row.adjusted_high:.2f})"
            )
        table.add_row(
            str(row.rank),
            f"{row.factor} = {row.level}",
            f"{row.cases:,}",
            f"{row.rate:.0%}",
            f"{row.rest_rate:.0%}",
            f"{row.risk_ratio:.2f} ({row.risk_ratio_low:.2f}–{row.risk_ratio_high:.2f})",
            f"{row.q_value:.2g}",
            adjusted,
            f"{row.excess_cases:.0f}",
            str(row.evidence),
            style="bold" if row.evidence == "strong" else None,
        )
    return table


def rootcause_command(
    name: NameArgument,
    outcome_expression: Annotated[
        str,
        typer.Option(
            "--outcome",
            help='The case outcome, e.g. slow, "duration > 20d", "ends_with \'Deal lost\'", '
            "\"gap 'Accepted' -> 'Demo booked' > 48h\" (see docs/root-cause.md).",
        ),
    ],
    top: Annotated[int, typer.Option("--top", help="Show at most N drivers.")] = 10,
    exclude: Annotated[
        str | None,
        typer.Option(
            "--exclude", help="Factors to leave out, comma-separated.", show_default=False
        ),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="False discovery rate.")] = 0.05,
    whys: Annotated[
        bool, typer.Option("--whys", help="Also drill down: the 5-whys trail.")
    ] = False,
    figure: FigureOption = None,
    fishbone_path: Annotated[
        Path | None,
        typer.Option(
            "--fishbone", help="Also write the fishbone figure (.html).", show_default=False
        ),
    ] = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Root cause: which kinds of case have the outcome more often (association, not proof)."""
    if top < 1:
        raise ValueError(f"--top must be at least 1, not {top}")
    skip = tuple(s.strip() for s in (exclude or "").split(",") if s.strip())
    with stored_log(store, name, filters) as log:
        evaluated = outcome(log, outcome_expression)
        result = root_cause(log, evaluated, top=top, alpha=alpha, exclude=skip)
        trail = five_whys(log, evaluated, alpha=alpha, exclude=skip) if whys else None
    bones = fishbone(result)
    if figure:
        write_figure(driver_figure(result), figure)
    if fishbone_path:
        write_figure(fishbone_figure(bones), fishbone_path)
    if as_json:
        data = result.to_dict()
        data["fishbone"] = bones.bones()
        if trail is not None:
            data["whys"] = trail.to_dict()
        emit_json(data)
        return
    _say(evaluated.sentence())
    if result.drivers.empty:
        _say(f"No driver passed the screen (false discovery rate {alpha:.0%}).")
    else:
        console.print(_driver_table(result, name))
        for sentence in result.sentences():
            _say(f"• {sentence}")
        _say(
            "Fishbone: "
            + "; ".join(
                f"{bone}: {', '.join(labels)}" for bone, labels in bones.bones().items() if labels
            )
        )
    _say(f"Model: {result.model_summary}.")
    for note in result.notes:
        _say(f"note: {note}")
    if trail is not None:
        for sentence in trail.sentences():
            _say(sentence)


def _workdays(text: str) -> tuple[str, ...]:
    days: list[str] = []
    for part in text.lower().replace(" ", "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            if first[:3] not in _WEEK or last[:3] not in _WEEK:
                raise ValueError(f"--workdays: {part!r} is not a range such as mon-fri")
            i, j = _WEEK.index(first[:3]), _WEEK.index(last[:3])
            days += list(_WEEK[i : j + 1]) if i <= j else list(_WEEK[i:] + _WEEK[: j + 1])
        elif part:
            days.append(part)
    return tuple(days)


def takt_command(
    name: NameArgument,
    demand: Annotated[
        float | None,
        typer.Option(
            "--demand",
            help="Cases demanded per --per period (default: the cases that arrived in the log).",
            show_default=False,
        ),
    ] = None,
    per: Annotated[str, typer.Option("--per", help="Period of --demand: day, week or month.")] = (
        "week"
    ),
    hours: Annotated[
        str, typer.Option("--hours", help="Working hours, e.g. 09:00-18:00.")
    ] = "09:00-18:00",
    workdays: Annotated[
        str, typer.Option("--workdays", help="Working days, e.g. mon-fri or mon,tue,thu.")
    ] = "mon-fri",
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone of the hours.")] = "UTC",
    figure: FigureOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lean: takt time vs cycle time per step, value-added share, and the constraint (TOC)."""
    if per not in PERIODS:
        raise ValueError(f"--per must be one of {', '.join(PERIODS)}, not {per!r}")
    if hours.count("-") != 1:
        raise ValueError(f"--hours must look like 09:00-18:00, not {hours!r}")
    start, end = hours.split("-")
    calendar = BusinessCalendar(timezone, workdays=_workdays(workdays), start=start, end=end)
    with stored_log(store, name, filters) as log:
        result = takt_time(log, demand=demand, per=per, calendar=calendar)
    if figure:
        write_figure(takt_figure(result), figure)
    if as_json:
        emit_json(result.to_dict())
        return
    table = Table(title=f"Takt {_duration(result.takt_seconds)} vs the steps of {name!r}")
    for column in (
        "step",
        "visits/case",
        "cycle",
        "basis",
        "required",
        "load",
        "queue",
        "cap/day",
        "constraint",
    ):
        table.add_column(column, justify="left" if column in ("step", "basis") else "right")
    for row in result.steps.itertuples():
        table.add_row(
            str(row.activity),
            f"{row.visits_per_case:.2f}",
            _duration(row.cycle_seconds),
            str(row.cycle_basis),
            _duration(row.required_cycle_seconds),
            "-" if row.load != row.load else f"{row.load:.2f}",
            f"{row.queue:.1f}",
            "-"
            if row.throughput_cap_per_day != row.throughput_cap_per_day
            else f"{row.throughput_cap_per_day:.1f}",
            "●" if row.constraint else "",
            style="bold red" if row.constraint else None,
        )
    console.print(table)
    for sentence in result.sentences():
        _say(sentence)


def register(app: typer.Typer) -> None:
    """Add ``pareto``, ``rootcause`` and ``takt`` to the ``mejora`` command."""
    app.command("pareto")(pareto_command)
    app.command("rootcause")(rootcause_command)
    app.command("takt")(takt_command)
