"""KPI and report sub-commands of ``mejora``: ``kpis`` (the catalogue on a stored log) and
``report`` (the manager report as one self-contained HTML file or a PDF).

    mejora kpis deals --period 2026-01 --lang es
    mejora report emails --period 2025-12 --lang en --format pdf -o report.pdf
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from improvement._kpi_base import KpiResult, KpiSettings
from improvement._kpi_catalogue import compute_kpis
from improvement._locale import user_lang, value_text
from improvement._report import ReportSection, build_report
from improvement._report_text import T
from mining import EventLog
from mining.cli import FiltersOption, JsonOption, NameArgument, StoreOption, emit_json, stored_log

console = Console()

PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Cases started in a day (2025-12-15), ISO week (2025-W51), month (2025-12), "
        "quarter (2025-Q4) or year (2025).",
        show_default=False,
    ),
]
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language: en or es; by default $MEJORA_LANG, else the system's language when it "
        "is one of those, else en.",
        show_default=False,
    ),
]
SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="KPI settings as JSON or YAML: activity labels, columns, stages, touch points, "
        "SLA, targets, costs (see docs/kpis.md).",
        show_default=False,
    ),
]


def _settings(path: Path | None) -> KpiSettings:
    if path is None:
        return KpiSettings()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such settings file")
    return KpiSettings.read(path)


def kpis_command(
    name: NameArgument,
    period: PeriodOption = None,
    lang: LangOption = None,
    settings: SettingsOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every KPI of the catalogue on a stored log: value, 95 % interval, target, status; the
    KPIs that cannot be computed say why."""
    lang = user_lang(lang)
    chosen = _settings(settings)
    with stored_log(store, name, filters) as log:
        table = compute_kpis(log, settings=chosen, period=period)
    if as_json:
        emit_json(table.to_dict(lang))
        return
    frame = table.to_frame(lang)
    title = f"{name} — {table.period.label if table.period else 'all'}"
    view = Table(title=title)
    for key in ("kpi", "value", "interval", "target", "status"):
        view.add_column(T[key](lang), justify="left" if key == "kpi" else "right")
    for result, (_, row) in zip(table.results, frame.iterrows(), strict=True):
        if not isinstance(result, KpiResult):
            continue
        unit = result.definition.unit
        interval = "-"
        if result.low is not None and result.high is not None:
            interval = (
                f"{value_text(result.low, unit, lang)} – {value_text(result.high, unit, lang)}"
            )
        target = "-" if result.target is None else value_text(result.target, unit, lang)
        view.add_row(row["kpi"], row["shown"], interval, target, T[result.status](lang))
    console.print(view)
    missing = table.not_computable()
    if missing:
        console.print(f"{T['not_computable'](lang)} ({len(missing)}):")
        for result in missing:
            console.print(f"  {result.name(lang)}: {result.reason(lang)}")


REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_format(output: Path, format: str | None) -> str:
    """The report's format: ``format`` when given, else the one ``output``'s suffix names; a
    suffix that names another format is refused, so ``-o report.docx`` never holds HTML."""
    if format is not None and format not in ("html", "pdf"):
        raise ValueError(f"--format must be html or pdf, not {format!r}")
    named = REPORT_SUFFIXES.get(output.suffix.lower())
    if named is None:
        given = output.suffix or "no suffix"
        raise ValueError(
            f"{output}: a report is written as .html or .pdf, not {given} "
            "(name the file report.html or report.pdf)"
        )
    if format is not None and format != named:
        raise ValueError(f"{output}: --format {format} but the file name says {named}")
    return named


def write_report(
    name: str,
    output: Path,
    period: str | None,
    lang: str | None,
    format: str | None,
    outcome: str | None,
    settings: Path | None,
    filters: str | None,
    store: Path | None,
    extra: Callable[[EventLog, KpiSettings], tuple[Sequence[ReportSection], KpiSettings]]
    | None = None,
) -> None:
    """Build and write the report of a stored log; ``extra`` (from a higher layer) may add
    sections and settings (e.g. suggested changes and touch points from a workflow)."""
    lang = user_lang(lang)
    format = report_format(output, format)
    chosen = _settings(settings)
    with stored_log(store, name, filters) as log:
        sections: Sequence[ReportSection] = ()
        if extra is not None:
            sections, chosen = extra(log, chosen)
        report = build_report(
            log, period, lang, settings=chosen, outcome=outcome, extra_sections=sections
        )
        if format == "pdf":
            report.to_pdf(output)
        else:
            report.write_html(output)
    typer.echo(f"report written to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``kpis`` sub-command to the ``mejora`` command. ``mejora report`` is registered
    by the automation layer, which can add a workflow's suggested changes; it writes the report
    with :func:`write_report`."""
    app.command("kpis")(kpis_command)
