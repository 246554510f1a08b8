"""``mejora report``: the manager report, with the suggested changes of designed workflows;
``mejora open``: the open cases, with a designed workflow's waits as limits."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from automation._cli_options import StoreOption as WorkflowStoreOption
from automation._cli_options import WorkflowFormatOption
from automation._designed_waits import step_waits
from automation._report_sections import suggestions_section, touch_points
from automation._store import WorkflowStore
from automation._suggest_service import resolve_design, suggest_saved
from improvement import KpiSettings, ReportSection, user_lang
from improvement.cli_open import print_open
from improvement.cli_report import LangOption, PeriodOption, SettingsOption, write_report
from mining import EventLog
from mining.cli import FiltersOption, JsonOption, NameArgument, StoreOption


def report_command(
    name: NameArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    period: PeriodOption = None,
    lang: LangOption = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="html (one self-contained file) or pdf; by default the output's suffix says.",
            show_default=False,
        ),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            help='Outcome the root-cause section explains, e.g. "slow" (see docs/root-cause.md).',
            show_default=False,
        ),
    ] = None,
    workflow: Annotated[
        list[str] | None,
        typer.Option(
            "--workflow",
            help="Designed workflow (.yaml/.json file, or the id of a stored workflow): adds its "
            "open suggested changes, saved so `mejora whatif` and `mejora apply` find them by "
            "the ids the report shows, and its touch points. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    settings: SettingsOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    workflows: WorkflowStoreOption = None,
    workflow_format: WorkflowFormatOption = "auto",
) -> None:
    """The manager report of a stored log for a period, in Spanish or English, as one HTML file
    (figures embedded, opens offline) or a PDF; with --workflow, the workflow's suggested
    changes too."""
    workflow_store = WorkflowStore(workflows)
    designs = [
        resolve_design(source, workflow_store, format=workflow_format) for source in workflow or []
    ]
    lang = user_lang(lang)

    def extra(log: EventLog, chosen: KpiSettings) -> tuple[Sequence[ReportSection], KpiSettings]:
        sections = [
            suggestions_section(suggest_saved(d, log, workflow_store), d.workflow.name, lang)
            for d in designs
        ]
        if designs and not chosen.touch_points:
            points = {k: v for d in designs for k, v in touch_points(d.workflow).items()}
            chosen = dataclasses.replace(chosen, touch_points=points)
        return sections, chosen

    write_report(name, output, period, lang, format, outcome, settings, filters, store, extra)


def register(app: typer.Typer) -> None:
    """Add ``mejora report`` and ``mejora open`` to the ``mejora`` command."""
    app.command("report")(report_command)
    app.command("open")(open_command)


def open_command(
    name: NameArgument,
    workflow: Annotated[
        list[str] | None,
        typer.Option(
            "--workflow",
            help="Designed workflow (.yaml/.json file, or the id of a stored workflow): its "
            "waits are the limits of the steps it designs. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    quantile: Annotated[
        float,
        typer.Option(
            help="Elsewhere a step's limit is this quantile of how long the log's cases stayed "
            "there before moving on."
        ),
    ] = 0.9,
    top: Annotated[int, typer.Option(help="Rows to print (JSON has them all).")] = 20,
    predict: Annotated[
        bool,
        typer.Option(help="Predict each case's close and loss probability from the closed cases."),
    ] = True,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Also test the predictions: train on the cases closed before a cut-off, "
            "score them on the cases started after, against the median per last step.",
        ),
    ] = False,
    lang: LangOption = None,
    settings: SettingsOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    workflows: WorkflowStoreOption = None,
    workflow_format: WorkflowFormatOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """The cases still open at the log's end, stuck ones first: how long each has been in its
    step against the design or the history, its predicted close and loss probability, and the
    amount at risk."""
    workflow_store = WorkflowStore(workflows)
    waits: dict[str, float] = {}
    for source in workflow or []:
        design = resolve_design(source, workflow_store, format=workflow_format)
        for step, seconds in step_waits(design.workflow).items():
            waits[step] = max(waits.get(step, 0.0), seconds)
    print_open(
        name,
        lang=lang,
        settings=settings,
        quantile=quantile,
        top=top,
        filters=filters,
        store=store,
        as_json=as_json,
        designed_waits=waits or None,
        predict=predict,
        evaluate=evaluate,
    )
