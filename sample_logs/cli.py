"""Sample-data sub-commands of ``mejora``: ``sample load``, ``sample regenerate`` and ``demo``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from automation import lint_workflow, read_workflow
from mining import EventStore, discover_dfg, get_variants
from mining.cli import StoreOption, emit_json
from sample_logs import (
    SAMPLES,
    load_sample,
    regenerate,
    workflow_files,
    workflow_names,
    workflow_path,
)
from sample_logs._findings import ranked_findings

console = Console()
sample_app = typer.Typer(help="Bundled sample logs.", no_args_is_help=True)
DEMO_LOG = "sales_activities"


@sample_app.command("load")
def load_command(
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Import every bundled sample log into the store under its stable name."""
    summaries = []
    with EventStore(store) as event_store:
        for name in SAMPLES:
            summaries.append(event_store.save(load_sample(name), name).summary().to_dict())
        path = event_store.path
    if as_json:
        emit_json(summaries)
        return
    for s in summaries:
        console.print(
            f"loaded [bold]{s['name']}[/]: {s['events']:,} events, {s['cases']:,} cases, "
            f"{s['variants']:,} variants, {s['quarantined']:,} set aside"
            + (f" ({', '.join(s['quarantine_reasons'])})" if s["quarantined"] else "")
        )
    console.print(f"store: {path}")


@sample_app.command("regenerate")
def regenerate_command() -> None:
    """Rewrite the bundled sample files from their seeds (they come out byte for byte the same)."""
    for file, rows in regenerate().items():
        console.print(f"wrote {file} ({rows:,} rows)")


def demo_command(store: StoreOption = None) -> None:
    """The main job on the bundled data: load the samples, show what the process looks like and
    the top-ranked results of the general analyses (suggestions, consent, drift, Pareto)."""
    load_command(store=store, as_json=False)
    with EventStore(store, read_only=True) as event_store:
        log = event_store.load(DEMO_LOG)
        variants = get_variants(log)
        dfg = discover_dfg(log)
    total = int(variants.table["cases"].sum())
    table = Table(title=f"{DEMO_LOG}: top paths of {len(variants):,} ({total:,} deals)")
    table.add_column("deals", justify="right")
    table.add_column("share", justify="right")
    table.add_column("path")
    for row in variants.to_list(5):
        table.add_row(
            f"{row['cases']:,}", f"{row['cases'] / total:.1%}", " → ".join(row["activities"])
        )
    console.print(table)
    slow = dfg.edges.sort_values("median_seconds", ascending=False).head(5)
    table = Table(title=f"{DEMO_LOG}: slowest hand-offs (median wait between steps)")
    for column in ("from", "to", "times", "median hours", "p90 hours"):
        table.add_column(column)
    for row in slow.itertuples():
        table.add_row(
            row.source,
            row.target,
            f"{row.frequency:,}",
            f"{row.median_seconds / 3600:.1f}",
            f"{row.p90_seconds / 3600:.1f}",
        )
    console.print(table)
    for name in workflow_names():
        findings = lint_workflow(read_workflow(workflow_path(name)))
        smells = ", ".join(f.id for f in findings) or "none"
        console.print(f"workflow {name}: design smells: {smells}", highlight=False)
    with EventStore(store, read_only=True) as event_store:
        findings = ranked_findings(event_store, workflow_files())
    table = Table(
        title="What Mejora finds, ranked by the general analyses (each row: the command that "
        "shows it)"
    )
    table.add_column("topic")
    table.add_column("finding")
    for finding in findings:
        table.add_row(finding.topic, f"{finding.text}\n[dim]{escape(finding.command)}[/]")
    console.print(table)
    console.print(
        "Next: mejora variants campaigns --top 10 · mejora dfg sales_activities --json · "
        "mejora workflow show sample_logs/workflows/welcome_nurture.yaml"
    )


def register(app: typer.Typer) -> None:
    """Add the sample sub-commands to the ``mejora`` command."""
    app.add_typer(sample_app, name="sample")
    app.command("demo")(demo_command)
