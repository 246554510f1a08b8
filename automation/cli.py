"""The ``mejora workflow`` sub-commands: validate, lint, show, export-bpmn, schema, save,
history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from automation import _cli_report, _cli_suggest
from automation._bpmn import bpmn_counts, write_bpmn
from automation._branch_usage import branch_usage
from automation._cli_options import StoreOption, WorkflowFormatOption
from automation._designed_waits import designed_waits
from automation._hubspot import write_hubspot
from automation._lint import lint_workflow
from automation._mautic import write_mautic
from automation._n8n import write_n8n
from automation._outline import outline
from automation._petri import workflow_to_petri_net
from automation._platform_mapping import MappingReport
from automation._salesforce import is_salesforce_flow, write_salesforce
from automation._schema import SCHEMA_PATH
from automation._store import WorkflowStore
from automation._workflow import read_platform_workflow, read_workflow
from automation.exceptions import WorkflowError
from mining import (
    check_conformance,
    conformance_figure,
    read_model,
    related_cases,
    waits_against_design,
)
from mining.cli import FigureOption, FiltersOption, emit_json, stored_log, write_figure
from mining.cli import StoreOption as MiningStoreOption

console = Console()
workflow_app = typer.Typer(
    help="Designed workflows: validate, lint, show; import from and export to the platforms.",
    no_args_is_help=True,
)
FileArgument = Annotated[
    Path, typer.Argument(help="Workflow file (YAML / JSON, or Mautic, HubSpot, n8n, Salesforce).")
]
AllCasesOption = Annotated[
    bool,
    typer.Option(
        "--all-cases",
        help="Keep the cases that share no activity with the design (by default they are left "
        "out and counted: in a log of several workflows they are the other workflows' cases).",
    ),
]


@workflow_app.command("validate")
def validate_command(file: FileArgument, workflow_format: WorkflowFormatOption = "auto") -> None:
    """Check a workflow file against the format; every problem names the file and the node."""
    workflow, report = read_platform_workflow(file, workflow_format)
    origin = f" (read from a {report.title} export)" if report else ""
    typer.echo(
        f"{file}: valid workflow {workflow.id!r} version {workflow.version} "
        f"({len(workflow.nodes)} nodes, {len(workflow.edges)} edges){origin}"
    )
    _print_report(report, verbose=False)


@workflow_app.command("lint")
def lint_command(
    file: FileArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Design smells: unreachable steps, dead ends, branching on opens, no goal..."""
    workflow = read_workflow(file)
    findings = lint_workflow(workflow)
    if as_json:
        typer.echo(json.dumps([f.to_dict() for f in findings], ensure_ascii=False))
        return
    if not findings:
        console.print(f"{file}: no design smells found")
    for finding in findings:
        where = escape(f" [{finding.node}]") if finding.node else ""
        console.print(
            f"[yellow]{finding.rule}[/]{where}: {escape(finding.message)}", highlight=False
        )


@workflow_app.command("show")
def show_command(file: FileArgument) -> None:
    """A readable outline: entry, goals, and every step with where it leads."""
    typer.echo(outline(read_workflow(file)))


@workflow_app.command("export-bpmn")
def export_bpmn_command(
    file: FileArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the .bpmn file.")],
) -> None:
    """Write the workflow as BPMN 2.0 with diagram layout (opens in bpmn.io, Camunda Modeler)."""
    workflow = read_workflow(file)
    path = write_bpmn(workflow, output)
    counts = bpmn_counts(workflow)
    typer.echo(
        f"{file}: wrote {path} ({counts['flow_nodes']} flow nodes, "
        f"{counts['sequence_flows']} sequence flows, {counts['shapes']} shapes, "
        f"{counts['edges']} edges in the diagram)"
    )


def _print_report(report: MappingReport | None, verbose: bool = True) -> None:
    """How a platform's workflow mapped: every part (when ``verbose``) and what did not map
    exactly, with why."""
    if report is None:
        return
    if verbose:
        for line in report.mapped:
            console.print(f"  mapped: {escape(line)}", highlight=False)
    for line in report.unmapped:
        console.print(f"  [yellow]not exact[/]: {escape(line)}", highlight=False)


@workflow_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="A platform's workflow (Mautic, HubSpot, n8n, Salesforce flow).")
    ],
    by: Annotated[str, typer.Option("--by", help="Who imports this revision.")],
    base: Annotated[
        int | None,
        typer.Option(help="Revision the export replaces (required once the workflow exists)."),
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="What changed and why.")] = "",
    workflows: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    workflow_format: WorkflowFormatOption = "auto",
) -> None:
    """Store a platform's own workflow definition as a revision, showing how every event and
    connection mapped and what could not be mapped exactly."""
    workflow, report = read_platform_workflow(file, workflow_format)
    store = WorkflowStore(workflows)
    revision = store.save(workflow, base=base, author=by, message=message or f"imported {file}")
    if as_json:
        out = {"workflow": workflow.id, "revision": revision.number}
        typer.echo(json.dumps(out | {"report": report.to_dict() if report else None}))
        return
    origin = f"a workflow exported from {report.title}" if report else "a Mejora workflow"
    typer.echo(f"{file}: {origin}, saved as {workflow.id!r} revision {revision.number}")
    _print_report(report)


EXPORT_FORMATS = ("mautic", "hubspot", "n8n", "salesforce-flow", "bpmn")
# a workflow imported from a platform carries its name in front of its id
_ORIGIN = {
    "mautic-": "mautic",
    "hubspot-": "hubspot",
    "n8n-": "n8n",
    "salesforce-": "salesforce-flow",
}


@workflow_app.command("export")
def export_command(
    workflow_id: Annotated[str, typer.Argument(help="Id of a stored workflow.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=f"One of: {', '.join(EXPORT_FORMATS)} (default: the platform it came from).",
            show_default=False,
        ),
    ] = None,
    revision: Annotated[int | None, typer.Option(help="Revision (default: the newest).")] = None,
    workflows: StoreOption = None,
) -> None:
    """Write a stored revision in a platform's own format, ready to import there (no network
    call is made; docs/workflows.md names the API call that takes the file)."""
    if format is None:
        format = next((f for prefix, f in _ORIGIN.items() if workflow_id.startswith(prefix)), None)
        if format is None:
            raise WorkflowError(
                [
                    f"{workflow_id!r} came from no platform: say which with --format "
                    f"({', '.join(EXPORT_FORMATS)})"
                ]
            )
    if format not in EXPORT_FORMATS:
        raise WorkflowError([f"--format {format}: expected one of {', '.join(EXPORT_FORMATS)}"])
    store = WorkflowStore(workflows)
    latest = store.latest(workflow_id)
    if latest is None:
        raise WorkflowError([f"no workflow {workflow_id!r} in {store.root}"])
    number = revision or latest.number
    workflow = store.load(workflow_id, number)
    if format in ("mautic", "hubspot"):
        writer = write_mautic if format == "mautic" else write_hubspot
        report = writer(workflow, output)
        what = "Mautic campaign" if format == "mautic" else "HubSpot v4 flow"
        typer.echo(f"{workflow_id!r} revision {number}: wrote {output} ({what} JSON)")
        _print_report(report, verbose=False)
    elif format == "salesforce-flow":
        report = write_salesforce(workflow, output)
        typer.echo(f"{workflow_id!r} revision {number}: wrote {output} (Salesforce flow metadata)")
        _print_report(report, verbose=False)
    elif format == "n8n":
        write_n8n(workflow, output, revision=number)
        typer.echo(f"{workflow_id!r} revision {number}: wrote {output} (n8n workflow JSON)")
    else:
        write_bpmn(workflow, output)
        typer.echo(f"{workflow_id!r} revision {number}: wrote {output} (BPMN 2.0)")


@workflow_app.command("schema")
def schema_command() -> None:
    """Print the published JSON Schema of the workflow format."""
    typer.echo(SCHEMA_PATH.read_text(encoding="utf-8"))


@workflow_app.command("save")
def save_command(
    file: FileArgument,
    by: Annotated[str, typer.Option("--by", help="Who saves this revision.")],
    base: Annotated[
        int | None,
        typer.Option(help="Revision your file is based on (required once the workflow exists)."),
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="What changed and why.")] = "",
    workflows: StoreOption = None,
) -> None:
    """Save a workflow file as a new revision in the store (revisions are never overwritten)."""
    workflow = read_workflow(file)
    store = WorkflowStore(workflows)
    revision = store.save(workflow, base=base, author=by, message=message)
    typer.echo(f"saved {workflow.id!r} as revision {revision.number} in {store.root}")


@workflow_app.command("history")
def history_command(
    workflow_id: Annotated[str, typer.Argument(help="Workflow id.")],
    workflows: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Every revision of a stored workflow: who saved it, when, on top of which revision."""
    revisions = WorkflowStore(workflows).revisions(workflow_id)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in revisions], ensure_ascii=False))
        return
    if not revisions:
        raise WorkflowError([f"no workflow {workflow_id!r} in the store"])
    for r in revisions:
        base = f"on {r.base}" if r.base else "new"
        note = f" - {r.message}" if r.message else ""
        typer.echo(f"{r.number:>4}  {r.saved_at}  {r.author:<12} ({base}){note}")


def conformance_command(
    name: Annotated[str, typer.Argument(help="Name of a log in the store.")],
    model: Annotated[
        Path,
        typer.Option(help="Designed workflow (.yaml/.json), or a model (.pnml/.bpmn)."),
    ],
    method: Annotated[str, typer.Option(help="alignments (exact) or token_replay (fast).")] = (
        "alignments"
    ),
    workers: Annotated[int, typer.Option(help="Processes for alignments.")] = 1,
    time_budget: Annotated[
        float | None, typer.Option("--time-budget", help="Seconds at most per variant.")
    ] = None,
    precision: Annotated[
        bool, typer.Option("--precision", help="Also compute precision (slower).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the per-case table to CSV.")
    ] = None,
    all_cases: AllCasesOption = False,
    figure: FigureOption = None,
    filters: FiltersOption = None,
    store: MiningStoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    workflow_format: WorkflowFormatOption = "auto",
) -> None:
    """Fitness of every case against the design, the deviations (skipped / unexpected / out of
    order) with their effect on throughput time, and designed branches no case takes."""
    workflow = None
    suffix = model.suffix.lower()
    if (
        workflow_format != "auto"
        or suffix in (".yaml", ".yml", ".json")
        or is_salesforce_flow(model)
    ):
        workflow = read_workflow(model, workflow_format)
        net, im, fm = workflow_to_petri_net(workflow)
    else:
        net, im, fm = read_model(model)
    with stored_log(store, name, filters) as log:
        result = check_conformance(
            log,
            net,
            im,
            fm,
            method=method,
            workers=workers,
            time_budget=time_budget,
            precision=precision,
            all_cases=all_cases,
        )
        total = log.n_cases
    branches = branch_usage(workflow, result) if workflow is not None else None
    if output:
        cases = result.cases.assign(
            deviations=result.cases["deviations"].map(
                lambda d: "; ".join(f"{kind} {activity}" for kind, activity in d)
            )
        )
        cases.to_csv(output, index=False)
    if figure:
        write_figure(conformance_figure(result), figure)
    if as_json:
        data = result.to_dict()
        if branches is not None:
            data["branches"] = branches.to_dict("records")
        emit_json(data)
        return
    fit = result.cases["fit"].mean() if len(result.cases) else 1.0
    extra = f", precision {result.precision:.4f}" if result.precision is not None else ""
    console.print(
        f"{name!r} against {model.name}: fitness {result.fitness:.4f}{extra} ({result.method}); "
        f"{fit:.1%} of {len(result.cases):,} cases fit the model exactly",
        highlight=False,
    )
    if result.unrelated:
        console.print(f"  {_unrelated(result.unrelated, total, model.name)}", highlight=False)
    if result.ignored:
        shown = ", ".join(repr(a) for a in result.ignored)
        console.print(
            f"  left out: {escape(shown)} (contact reactions the model has no step for)",
            highlight=False,
        )
    for row in result.deviations().head(15).itertuples():
        impact = row.impact_seconds / 86400
        effect = f"; median case {impact:+.1f} days vs without" if impact == impact else ""
        console.print(
            f"  {row.kind.replace('_', ' ')} {escape(row.activity)}: {row.cases:,} cases "
            f"({row.share:.1%}){effect}",
            highlight=False,
        )
    if branches is not None:
        for row in branches[branches["never_taken"]].itertuples():
            console.print(
                f"  never taken: {escape(row.node_name)} → {row.target} ({row.condition}): "
                f"0 of {row.cases_at_node:,} cases that reached it",
                highlight=False,
            )


def bottlenecks_command(
    name: Annotated[str, typer.Argument(help="Name of a log in the store.")],
    workflow: Annotated[
        list[Path], typer.Option(help="Designed workflow(s) whose waits are not bottlenecks.")
    ],
    top: Annotated[int, typer.Option(help="Show the K paths with the most excess.")] = 10,
    all_cases: AllCasesOption = False,
    filters: FiltersOption = None,
    store: MiningStoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
    workflow_format: WorkflowFormatOption = "auto",
) -> None:
    """Where time goes beyond the design: each path's median gap minus its designed wait."""
    designed: dict[tuple[str, str], float] = {}
    labels: set[str] = set()
    for path in workflow:
        design = read_workflow(path, workflow_format)
        designed.update(designed_waits(design))
        labels.update(design.labels())
    with stored_log(store, name, filters) as log:
        total, unrelated = log.n_cases, 0
        if not all_cases:
            log, unrelated = related_cases(log, labels)
        frame = waits_against_design(log, designed).head(top)
    if unrelated:
        names = ", ".join(p.name for p in workflow)
        typer.echo(_unrelated(unrelated, total, names), err=as_json)
    if as_json:
        emit_json(frame.to_dict("records"))
        return
    for row in frame.itertuples():
        console.print(
            f"{row.source} → {row.target}: median {row.median_seconds / 3600:.1f} h, designed "
            f"{row.designed_seconds / 3600:.1f} h, excess {row.median_excess_seconds / 3600:.1f} h "
            f"({row.transitions:,} times)",
            highlight=False,
        )


def _unrelated(left_out: int, total: int, model: str) -> str:
    """The line that says how many cases were left out as another process's."""
    return (
        f"left out {left_out:,} of {total:,} cases ({left_out / total:.1%}) that share no "
        f"activity with {model} (another process's cases; --all-cases keeps them)"
    )


def register(app: typer.Typer) -> None:
    """Add the automation sub-commands to the ``mejora`` command."""
    app.add_typer(workflow_app, name="workflow")
    app.command("conformance")(conformance_command)
    app.command("bottlenecks")(bottlenecks_command)
    _cli_suggest.register(app)
    _cli_report.register(app)
