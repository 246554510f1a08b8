"""``mejora report``: the manager report, with the suggested changes of designed workflows."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from automation._report_sections import suggestions_section, touch_points
from automation._suggestions import suggest
from automation._workflow import read_workflow
from improvement import KpiSettings, ReportSection
from improvement.cli_report import LangOption, PeriodOption, SettingsOption, write_report
from mining import EventLog
from mining.cli import FiltersOption, NameArgument, StoreOption


def report_command(
    name: NameArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    period: PeriodOption = None,
    lang: LangOption = "es",
    format: Annotated[
        str, typer.Option("--format", "-f", help="html (one self-contained file) or pdf.")
    ] = "html",
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help='Outcome the root-cause section explains, e.g. "slow" (see docs/root-cause.md).',
            show_default=False,
        ),
    ] = None,
    workflow: Annotated[
        list[Path] | None,
        typer.Option(
            "--workflow",
            help="Designed workflow (.yaml/.json): adds its open suggested changes and its "
            "touch points. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    settings: SettingsOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
) -> None:
    """The manager report of a stored log for a period, in Spanish or English, as one HTML file
    (figures embedded, opens offline) or a PDF; with --workflow, the workflow's suggested
    changes too."""
    workflows = [read_workflow(path) for path in workflow or []]

    def extra(log: EventLog, chosen: KpiSettings) -> tuple[Sequence[ReportSection], KpiSettings]:
        sections = [
            suggestions_section(suggest(w, log), w.name, lang if lang in ("es", "en") else "en")
            for w in workflows
        ]
        if workflows and not chosen.touch_points:
            points = {k: v for w in workflows for k, v in touch_points(w).items()}
            chosen = dataclasses.replace(chosen, touch_points=points)
        return sections, chosen

    write_report(name, output, period, lang, format, outcome, settings, filters, store, extra)


def register(app: typer.Typer) -> None:
    """Add ``mejora report`` to the ``mejora`` command."""
    app.command("report")(report_command)
