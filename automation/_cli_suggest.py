"""The ``mejora`` commands that close the loop: suggest, whatif, apply, activate, rollback,
history, diff, export-n8n and before-after."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from automation._admin import (
    activate,
    active_revision,
    apply_suggestion,
    audit_trail,
    diff_revisions,
    load_suggestion,
    revision_history,
    rollback,
)
from automation._before_after import compare_revisions
from automation._cli_options import StoreOption, WorkflowFormatOption
from automation._n8n import write_n8n
from automation._store import WorkflowStore
from automation._suggest_service import resolve_design, suggest_saved
from automation._suggestion_model import Thresholds
from automation._suggestion_text import percent
from automation._suggestions import RULES
from automation._whatif import REPLAYED_RULES, saved_what_if
from automation.exceptions import WorkflowError
from improvement import user_lang
from improvement.cli_report import LangOption
from mining import EventStore
from mining.cli import FiltersOption, apply_filters, emit_json, stored_log
from mining.cli import StoreOption as EventStoreOption
from mining.safe_yaml import load_file

console = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
ByOption = Annotated[str, typer.Option("--by", help="Who does this (kept in the audit trail).")]
WorkflowArgument = Annotated[str, typer.Argument(help="Workflow id in the workflow store.")]
SuggestionArgument = Annotated[str, typer.Argument(help="Suggestion id (from `mejora suggest`).")]
_WORDS = {
    "en": {
        "found": "{n} suggestions from log {log}",
        "evidence": "evidence",
        "impact": "impact (90 % interval)",
        "confidence": "confidence",
        "risk": "risk",
        "change": "change",
    },
    "es": {
        "found": "{n} sugerencias del registro {log}",
        "evidence": "evidencia",
        "impact": "impacto (intervalo 90 %)",
        "confidence": "confianza",
        "risk": "riesgo",
        "change": "cambio",
    },
}


def suggest_command(
    name: Annotated[str, typer.Argument(help="Name of a log in the event store.")],
    workflow: Annotated[
        str, typer.Option("--workflow", help="Workflow file (YAML/JSON) or stored workflow id.")
    ],
    email_log: Annotated[
        str | None,
        typer.Option("--email-log", help="Stored per-message email log (consent rule)."),
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option("--thresholds", help="YAML/JSON file overriding thresholds.")
    ] = None,
    rules: Annotated[
        list[str] | None, typer.Option("--rule", help=f"Only these rules ({', '.join(RULES)}).")
    ] = None,
    lang: LangOption = None,
    previous: Annotated[
        str | None,
        typer.Option(
            "--previous",
            help="The design this one replaced (a workflow file or a stored revision number), "
            "so a version that made things worse can be reverted; default: the stored "
            "revision before it.",
        ),
    ] = None,
    filters: FiltersOption = None,
    store: EventStoreOption = None,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
    workflow_format: WorkflowFormatOption = "auto",
) -> None:
    """Ranked change suggestions for a workflow from its log, each with evidence, impact, risk
    and a ChangeSet; saved in the workflow store so `whatif` and `apply` find them by id."""
    lang = user_lang(lang)
    unknown = sorted(set(rules or ()) - set(RULES))
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}")
    workflow_store = WorkflowStore(workflows)
    design = resolve_design(workflow, workflow_store, previous=previous, format=workflow_format)
    limits = Thresholds()
    if thresholds is not None:
        try:
            data = load_file(thresholds)
        except (yaml.YAMLError, ValueError) as exc:
            raise ValueError(f"{thresholds}: cannot read the thresholds: {exc}") from exc
        limits = Thresholds.from_dict(data or {})
    with EventStore(store, read_only=True) as event_store:
        log = apply_filters(event_store.load(name), filters)
        messages = event_store.load(email_log) if email_log else None
        report = suggest_saved(
            design, log, workflow_store, email_log=messages, thresholds=limits, rules=rules
        )
    note = design.note
    if as_json:
        emit_json({**report.to_dict(), "note": note})
        return
    words = _WORDS[lang]
    typer.echo(
        f"{design.workflow.id} ({note}): " + words["found"].format(n=len(report), log=repr(name))
    )
    for i, s in enumerate(report.suggestions, 1):
        console.print(
            f"{i:>2}. [bold]{s.id}[/] {escape(s.title.get(lang))}\n"
            f"    {escape(s.explanation.get(lang))}\n"
            f"    {words['evidence']}: {escape(s.evidence.describe(lang))}\n"
            f"    {words['impact']} {escape(s.impact.describe(lang))}; "
            f"{words['confidence']} {percent(s.confidence, lang)}; "
            f"{words['risk']} {s.risk.label(lang)}; "
            f"{words['change']}: {escape('; '.join(s.changes.describe()))}",
            highlight=False,
        )
    for line in report.notes:
        typer.echo(f"note: {line}")


def whatif_command(
    suggestion_id: SuggestionArgument,
    seeds: Annotated[int, typer.Option(help="Simulation runs (seeds 1..N).")] = 5,
    days: Annotated[int, typer.Option(help="Days simulated per run (longer for few cases).")] = 60,
    store: EventStoreOption = None,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Estimate a suggestion's effect: simulate the current and the changed workflow with the
    behaviour fitted from the log, over several seeds (or, for what the simulator cannot
    represent, replay the stored log)."""
    saved = load_suggestion(WorkflowStore(workflows), suggestion_id)
    run = {"seeds": tuple(range(1, seeds + 1)), "days": days}
    if saved.suggestion.rule in REPLAYED_RULES and saved.log:
        with EventStore(store, read_only=True) as event_store:
            stored = saved.log in {info.name for info in event_store.logs()}
            log = event_store.load(saved.log) if stored else None
            result = saved_what_if(saved, log, **run)
    else:
        result = saved_what_if(saved, **run)
    if as_json:
        emit_json({"suggestion": suggestion_id, **result.to_dict()})
        return
    typer.echo(f"{suggestion_id}: {saved.suggestion.title.en}")
    typer.echo(result.sentence)
    typer.echo(f"method: {result.method}")
    table = result.table
    shown = table[table["difference"].abs() > 1e-12].head(12)
    for row in shown.itertuples():
        typer.echo(
            f"  {row.kpi}: {row.current:.4g} → {row.changed:.4g} "
            f"({row.difference:+.4g}; 90 % {row.low:+.4g} to {row.high:+.4g})"
        )


def apply_command(
    suggestion_id: SuggestionArgument,
    by: ByOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff; write nothing.")
    ] = False,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply a suggestion: its ChangeSet on the revision it was computed on, saved as a new
    draft revision (refused if the workflow moved since). Activate it with `mejora activate`."""
    applied = apply_suggestion(WorkflowStore(workflows), suggestion_id, by=by, dry_run=dry_run)
    if as_json:
        emit_json(applied.to_dict())
        return
    if dry_run:
        typer.echo(f"dry run: {suggestion_id} would change {applied.workflow.id!r}:")
    else:
        number = applied.revision.number if applied.revision else "?"
        typer.echo(
            f"applied {suggestion_id}: {applied.workflow.id!r} revision {number} saved as a draft "
            f"(activate it with `mejora activate {applied.workflow.id} {number} --by {by}`)"
        )
    typer.echo(applied.diff.to_text())


def activate_command(
    workflow_id: WorkflowArgument,
    revision: Annotated[int, typer.Argument(help="Revision to make live.")],
    by: ByOption,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a revision live (refused if newer revisions exist: use rollback to go back)."""
    record = activate(WorkflowStore(workflows), workflow_id, revision, by=by)
    if as_json:
        emit_json(record.to_dict())
        return
    before = f" (was {record.previous})" if record.previous else ""
    typer.echo(f"{workflow_id!r}: revision {record.revision} is live{before}")


def rollback_command(
    workflow_id: WorkflowArgument,
    to: Annotated[int, typer.Option("--to", help="Revision whose design to restore.")],
    by: ByOption,
    base: Annotated[
        int | None, typer.Option(help="Newest revision you saw (refused if it moved since).")
    ] = None,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore an old revision's design as a new revision and make it live."""
    record = rollback(WorkflowStore(workflows), workflow_id, to=to, by=by, base=base)
    if as_json:
        emit_json(record.to_dict())
        return
    typer.echo(
        f"{workflow_id!r}: revision {to} restored as revision {record.revision}, now live "
        f"(was {record.previous})"
    )


def history_command(
    workflow_id: WorkflowArgument,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every revision (status, live or not, who applied which suggestion) and the audit trail."""
    store = WorkflowStore(workflows)
    rows = revision_history(store, workflow_id)
    trail = audit_trail(store, workflow_id)
    if as_json:
        emit_json({"revisions": rows, "audit": trail})
        return
    for r in rows:
        mark = r["state"].replace("_", " ").upper() if r["live"] else r["state"].replace("_", " ")
        note = f" - {r['message']}" if r["message"] else ""
        typer.echo(
            f"{r['number']:>4}  {mark:<10} v{r['version']:<3} {r['saved_at']}  {r['author']}{note}"
        )
    if not any(r["live"] for r in rows):
        typer.echo("no revision is live yet (mejora activate)")
    for e in trail:
        extra = f" {e.get('suggestion')}" if e.get("suggestion") else ""
        reason = f": {e['reason'].splitlines()[0]}" if e.get("reason") else ""
        typer.echo(
            f"  {e['at']}  {e['action']:<9} {e.get('outcome', ''):<8} {e.get('by', '')}"
            f"{extra} rev {e.get('revision', e.get('to', '-'))}{reason}"
        )


def diff_command(
    workflow_id: WorkflowArgument,
    first: Annotated[int, typer.Argument(help="Older revision.")],
    second: Annotated[int, typer.Argument(help="Newer revision.")],
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two revisions: nodes, edges, goals and settings."""
    changes = diff_revisions(WorkflowStore(workflows), workflow_id, first, second)
    if as_json:
        emit_json(changes.to_dict())
        return
    typer.echo(changes.to_text())


def export_n8n_command(
    workflow_id: WorkflowArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the JSON.")],
    revision: Annotated[int | None, typer.Option(help="Revision (default: the live one).")] = None,
    workflows: StoreOption = None,
) -> None:
    """Write a revision as n8n workflow JSON (import it in n8n; no network call is made)."""
    store = WorkflowStore(workflows)
    live = active_revision(store, workflow_id)
    if revision is None:
        latest = store.latest(workflow_id)
        revision = live.revision if live else (latest.number if latest else None)
    if revision is None:
        raise WorkflowError([f"no workflow {workflow_id!r} in {store.root}"])
    path = write_n8n(
        store.load(workflow_id, revision),
        output,
        revision=revision,
        active=live is not None and live.revision == revision,
    )
    typer.echo(f"{workflow_id!r} revision {revision}: wrote {path} (n8n workflow JSON)")


def before_after_command(
    name: Annotated[str, typer.Argument(help="Name of a log in the event store.")],
    workflow_id: Annotated[str, typer.Option("--workflow", help="Stored workflow id.")],
    revision: Annotated[int, typer.Option(help="The revision whose change to judge.")],
    kpi: Annotated[str, typer.Option(help="throughput, reach:ACTIVITY or sla:HOURS.")] = (
        "throughput"
    ),
    freq: Annotated[str, typer.Option(help="Chart periods: D, W or M.")] = "W",
    filters: FiltersOption = None,
    store: EventStoreOption = None,
    workflows: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Did the change work? The KPI before and after the revision went live: control chart with
    the change as phase boundary, a test on the cases, and the verdict."""
    with stored_log(store, name, filters) as log:
        result = compare_revisions(
            log,
            WorkflowStore(workflows),
            workflow_id,
            revision,
            kpi,
            freq=freq,  # type: ignore[arg-type]
        )
    if as_json:
        emit_json(result.to_dict())
        return
    typer.echo(result.sentence)


def register(app: typer.Typer) -> None:
    """Add the suggestion and change-management commands to the ``mejora`` command."""
    app.command("suggest")(suggest_command)
    app.command("whatif")(whatif_command)
    app.command("apply")(apply_command)
    app.command("activate")(activate_command)
    app.command("rollback")(rollback_command)
    app.command("history")(history_command)
    app.command("diff")(diff_command)
    app.command("export-n8n")(export_n8n_command)
    app.command("before-after")(before_after_command)
