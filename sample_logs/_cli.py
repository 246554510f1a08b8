"""Sample-data sub-commands of ``mejora``: ``sample load``, ``sample regenerate`` and ``demo``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mining import EventStore, discover_dfg, get_variants
from mining._cli import StoreOption, emit_json
from sample_logs import SAMPLES, load_sample, sample_path

console = Console()
sample_app = typer.Typer(help="Bundled sample logs.", no_args_is_help=True)


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
            f"{s['variants']:,} variants, {s['quarantined']:,} quarantined"
        )
    console.print(f"store: {path}")


@sample_app.command("regenerate")
def regenerate_command() -> None:
    """Rewrite the bundled sample files from their seeds (they come out byte for byte the same)."""
    from sample_logs._generate import write_crm_log

    for name, (_, events, seed) in SAMPLES.items():
        path = write_crm_log(sample_path(name), events, seed=seed)
        console.print(f"wrote {path} ({events:,} events, seed {seed})")


def demo_command(store: StoreOption = None) -> None:
    """The main job on the bundled data: load the samples and show what the process looks like."""
    load_command(store=store, as_json=False)
    with EventStore(store, read_only=True) as event_store:
        for name in SAMPLES:
            log = event_store.load(name)
            variants = get_variants(log)
            dfg = discover_dfg(log)
            total = int(variants.table["cases"].sum())
            table = Table(title=f"{name}: top variants of {len(variants):,} ({total:,} cases)")
            table.add_column("cases", justify="right")
            table.add_column("share", justify="right")
            table.add_column("path")
            for row in variants.to_list(5):
                share = row["cases"] / total
                table.add_row(f"{row['cases']:,}", f"{share:.1%}", " → ".join(row["activities"]))
            console.print(table)
            slow = dfg.edges.sort_values("median_seconds", ascending=False).head(5)
            table = Table(title=f"{name}: slowest hand-offs (median wait between steps)")
            for column in ("from", "to", "times", "median hours", "p90 hours"):
                table.add_column(column)
            for row in slow.itertuples():
                table.add_row(
                    row.source,
                    row.target,
                    f"{row.cases:,}",
                    f"{row.median_seconds / 3600:.1f}",
                    f"{row.p90_seconds / 3600:.1f}",
                )
            console.print(table)
    console.print("Next: mejora variants crm_pipeline --top 10 · mejora dfg crm_pipeline --json")


def register(app: typer.Typer) -> None:
    """Add the sample sub-commands to the ``mejora`` command."""
    app.add_typer(sample_app, name="sample")
    app.command("demo")(demo_command)
