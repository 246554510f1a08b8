"""Mining sub-commands of ``mejora``: import, logs, info, variants, dfg, quarantine.

``info``, ``variants``, ``dfg`` and ``stats`` take ``--engine spark --spark-master URL`` to run
their scans on Apache Spark (the same queries; see docs/spark.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import plotly.graph_objects as go
import typer
from rich.console import Console
from rich.table import Table

from mining._consent import consent_violations, sends_before_opt_in
from mining._discovery import discover_model, process_map
from mining._eventlog import EventLog
from mining._figures import process_map_figure
from mining._filters import FilterStack
from mining._progress import delayed_progress
from mining._read import read_log
from mining._scans import discover_dfg, get_variants
from mining._statistics import activity_times, rework, throughput_times
from mining._stats_figures import (
    activity_times_figure,
    rework_figure,
    throughput_figure,
    variants_figure,
)
from mining._store import EventStore, default_store_path
from mining._vocabulary import ROLES, Vocabulary, merged_choices, parse_assignments

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="MEJORA_STORE",
        help="Event store file (default: the user's data dir; or $MEJORA_STORE).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
RoleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        help=f"ROLE=COLUMN: the column playing a role ({', '.join(ROLES)}); repeatable; "
        "ROLE= clears it.",
    ),
]
EventKindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--event-kind",
        help='KIND="LABEL": an activity label of a kind (sent, opened, clicked, unsubscribed, '
        "bounced, spam, opted_in, won, lost...); repeat for several labels; KIND= clears it.",
    ),
]
VocabularyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--vocabulary", help="YAML/JSON file: roles: {contact: COLUMN}, kinds: {sent: [LABEL]}."
    ),
]
NameArgument = Annotated[
    str, typer.Argument(help="Name of a log in the store (see `mejora logs`).")
]
FiltersOption = Annotated[
    str | None,
    typer.Option(
        "--filters",
        help='Filter stack as JSON, e.g. \'[{"kind": "variants", "top": 5}]\', '
        "or @FILE holding it (see docs/filters.md).",
        show_default=False,
    ),
]
FigureOption = Annotated[
    Path | None,
    typer.Option(
        "--figure",
        help="Also save the figure as one HTML file (plotly inside: opens offline).",
        show_default=False,
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where the scans run: duckdb (this machine) or spark (see docs/spark.md; with "
        "spark, NAME may also be a Parquet path or URL).",
    ),
]
SparkMasterOption = Annotated[
    str,
    typer.Option(
        "--spark-master",
        envvar="MEJORA_SPARK_MASTER",
        help="With --engine spark: local[N], spark://HOST:7077, yarn, k8s://..., or "
        "sc://HOST:15002 (Spark Connect).",
    ),
]
ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


@contextmanager
def stored_log(
    store: Path | None,
    name: str,
    filters: str | None = None,
    *,
    engine: str = "duckdb",
    spark_master: str = DEFAULT_SPARK_MASTER,
) -> Iterator[EventLog]:
    """A stored log, under the command line's filter stack, while the store is open; with
    ``engine="spark"`` the same log (or a Parquet dataset) in a Spark session on
    ``spark_master``, stopped afterwards if this started it."""
    if engine not in ENGINES:
        raise ValueError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "spark":
        from mining._engines._spark import open_spark_log  # without pyspark: the CLI says the extra

        with open_spark_log(store, name, master=spark_master) as log:
            yield apply_filters(log, filters)
        return
    with EventStore(store, read_only=True) as event_store:
        yield apply_filters(event_store.load(name), filters)


def apply_filters(log: EventLog, filters: str | None) -> EventLog:
    """The log under the filter stack given on the command line (JSON or @FILE)."""
    if not filters:
        return log
    text = Path(filters[1:]).read_text(encoding="utf-8") if filters.startswith("@") else filters
    try:
        stack = FilterStack.from_json(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--filters is not valid JSON: {exc}") from exc
    except TypeError as exc:
        raise ValueError(f"--filters: {exc}") from exc
    return stack.apply(log)


console = Console()


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_json(data: Any) -> None:
    """Print ``data`` as one strict JSON document on stdout (no NaN)."""
    typer.echo(json.dumps(_plain(data), ensure_ascii=False, default=str, allow_nan=False))


def write_figure(figure: go.Figure, path: Path) -> None:
    """Save ``figure`` as a self-contained HTML file (plotly.js inlined, no network needed) and
    say so on stderr, so ``--json`` output stays clean; a file name that says another format
    is refused rather than filled with HTML."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(
            f"{path}: a figure is written as one self-contained .html file, not "
            f"{path.suffix or 'a file with no suffix'} (open it in a browser to save a PNG)"
        )
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    typer.echo(f"figure written to {path}", err=True)


def import_command(
    file: Annotated[
        Path, typer.Argument(help="Event log: CSV, Parquet, XES(.gz), OCEL 2.0, CRM export.")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="File format, or 'auto'.")] = "auto",
    case: Annotated[str | None, typer.Option(help="Column with the case id.")] = None,
    activity: Annotated[str | None, typer.Option(help="Column with the activity.")] = None,
    timestamp: Annotated[str | None, typer.Option(help="Column with the (end) timestamp.")] = None,
    resource: Annotated[str | None, typer.Option(help="Column with the resource.")] = None,
    start_timestamp: Annotated[
        str | None, typer.Option("--start-timestamp", help="Column with the start timestamp.")
    ] = None,
    timezone: Annotated[str, typer.Option(help="Time zone of timestamps without offset.")] = "UTC",
    dayfirst: Annotated[bool, typer.Option(help="Read 01/02/2024 as 1 February.")] = False,
    timestamp_format: Annotated[
        str | None,
        typer.Option("--timestamp-format", help="strptime format, e.g. '%d/%m/%Y %H:%M'."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (default: detected).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding: utf-8, latin-1, utf-16 (default: detected).")
    ] = None,
    object_type: Annotated[
        str | None, typer.Option("--object-type", help="OCEL: object type that defines a case.")
    ] = None,
    keep_duplicates: Annotated[
        bool, typer.Option("--keep-duplicates", help="Keep exact duplicate events.")
    ] = False,
    name: Annotated[
        str | None, typer.Option(help="Name in the store (default: file stem).")
    ] = None,
    quarantine_csv: Annotated[
        Path | None,
        typer.Option("--quarantine-csv", help="Also write quarantined rows to this CSV."),
    ] = None,
    role: RoleOption = None,
    event_kind: EventKindOption = None,
    vocabulary_file: VocabularyFileOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import an event log into the store, validating every row; shows what its columns and
    activity labels mean (the vocabulary) and how to correct it."""
    roles, kinds = vocabulary_choices(role, event_kind)
    mapping = {
        "case_id": case,
        "activity": activity,
        "timestamp": timestamp,
        "resource": resource,
        "start_timestamp": start_timestamp,
    }
    # try the store first: one another process holds fails now, not after the import
    if (store or default_store_path()).exists():
        EventStore(store).close()
    with delayed_progress(f"importing {file.name}") as report:
        log = read_log(
            file,
            format=format,
            mapping={k: v for k, v in mapping.items() if v},
            timezone=timezone,
            dayfirst=dayfirst,
            timestamp_format=timestamp_format,
            delimiter=delimiter,
            encoding=encoding,
            object_type=object_type,
            duplicates="keep" if keep_duplicates else "quarantine",
            name=name,
            progress=report,
            roles=roles,
            event_kinds=kinds,
            vocabulary_file=vocabulary_file,
        )
        report("saving to the store", None)
        with EventStore(store) as event_store:
            stored = event_store.save(log)
            summary = stored.summary()
            if quarantine_csv:
                stored.export_quarantine(quarantine_csv)
            examples = (
                stored.quarantine().head(5)["message"].tolist() if summary.quarantined else []
            )
    if as_json:
        emit_json(summary.to_dict())
        return
    table = Table(title=f"Imported {summary.name!r} from {file}", show_header=False)
    for key in ("format", "rows_read", "events", "cases", "activities", "variants", "quarantined"):
        value = getattr(summary, key)
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value))
    table.add_row("columns", "; ".join(f"{k} <- {v}" for k, v in summary.mapping.items()))
    table.add_row("detected", ", ".join(summary.detected) or "-")
    table.add_row("timestamps", summary.timestamp_parsing)
    console.print(table)
    for note in summary.notes:
        console.print(f"note: {note}")
    print_vocabulary(Vocabulary.from_dict(summary.vocabulary), summary.name)
    if summary.quarantined:
        reasons = ", ".join(f"{r}: {n:,}" for r, n in summary.quarantine_reasons.items())
        console.print(
            f"[yellow]{summary.quarantined:,} rows kept aside[/] ({reasons}). First ones:"
        )
        for message in examples:
            console.print(f"  {message}", markup=False, highlight=False)
        target = quarantine_csv or "FILE"
        console.print(f"All of them: mejora quarantine {summary.name} -o {target}")


def logs_command(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """List the logs in the store."""
    path = store or default_store_path()
    infos = []
    if path.exists():  # read-only: it lists the logs while a dashboard holds the store
        with EventStore(path, read_only=True) as event_store:
            infos = event_store.logs()
    if as_json:
        emit_json([info.__dict__ for info in infos])
        return
    if not infos:
        console.print(f"No logs in {path} yet: `mejora import FILE` or `mejora sample load`.")
        return
    table = Table(title=f"Logs in {path}")
    for column in ("name", "events", "cases", "quarantined", "format", "imported"):
        table.add_column(
            column, justify="right" if column in ("events", "cases", "quarantined") else "left"
        )
    for info in infos:
        table.add_row(
            info.name,
            f"{info.events:,}",
            f"{info.cases:,}",
            f"{info.quarantined:,}",
            info.format,
            info.imported_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    console.print(table)


def info_command(
    name: NameArgument,
    store: StoreOption = None,
    as_json: JsonOption = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = DEFAULT_SPARK_MASTER,
) -> None:
    """Counts, column mapping, attributes and quarantine of one stored log."""
    with stored_log(store, name, engine=engine, spark_master=spark_master) as log:
        data = log.summary().to_dict()
        data["attributes"] = log.attribute_columns
        data["imported_at"] = log.meta.imported_at.isoformat()
        data["timezone"] = log.meta.timezone
        data["duplicates"] = log.meta.duplicates
    if as_json:
        emit_json(data)
        return
    vocabulary = Vocabulary.from_dict(data.pop("vocabulary", {}))
    table = Table(title=f"Log {name!r}", show_header=False)
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        elif isinstance(value, list):
            value = ", ".join(map(str, value)) or "-"
        elif isinstance(value, int):
            value = f"{value:,}"
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    print_vocabulary(vocabulary, name)


def vocabulary_choices(
    role: list[str] | None, event_kind: list[str] | None
) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """``--role`` and ``--event-kind`` assignments as the vocabulary's override mappings."""
    roles = {k: (v[-1] if v else None) for k, v in parse_assignments(role or [], "--role").items()}
    return roles, parse_assignments(event_kind or [], "--event-kind")


def print_vocabulary(vocabulary: Vocabulary, name: str) -> None:
    """The vocabulary as the import and info commands show it, with how to correct it."""
    lines = vocabulary.describe()
    console.print("vocabulary (what columns and labels mean):" if lines else "vocabulary: -")
    for line in lines:
        console.print(f"  {line}", markup=False, highlight=False)
    for note in vocabulary.notes:
        console.print(f"  note: {note}", markup=False, highlight=False)
    console.print(
        f"  correct it: mejora vocabulary {name} --role contact=COLUMN "
        '--event-kind unsubscribed="LABEL"',
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def vocabulary_command(
    name: NameArgument,
    role: RoleOption = None,
    event_kind: EventKindOption = None,
    vocabulary_file: VocabularyFileOption = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Detect again from names and labels, dropping choices.")
    ] = False,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a stored log's vocabulary (which column is the contact, which labels are sends,
    unsubscribes...) or correct it with --role, --event-kind or --vocabulary FILE."""
    roles, kinds = merged_choices(vocabulary_file, *vocabulary_choices(role, event_kind))
    if not roles and not kinds and not reset:  # only shown: read-only, beside a dashboard
        with EventStore(store, read_only=True) as event_store:
            vocabulary = event_store.load(name).vocabulary
    else:
        with EventStore(store) as event_store:
            vocabulary = event_store.revise_vocabulary(name, roles, kinds, reset=reset).vocabulary
    if as_json:
        emit_json(vocabulary.to_dict())
        return
    print_vocabulary(vocabulary, name)


def variants_command(
    name: NameArgument,
    top: Annotated[int | None, typer.Option(help="Only the K most frequent variants.")] = None,
    filters: FiltersOption = None,
    figure: FigureOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = DEFAULT_SPARK_MASTER,
) -> None:
    """Variants (distinct activity sequences) with their number of cases, most frequent first."""
    with stored_log(store, name, filters, engine=engine, spark_master=spark_master) as log:
        variants = get_variants(log)
    if figure:
        write_figure(variants_figure(variants, top=top or 10), figure)
    rows = variants.to_list(top)
    if as_json:
        emit_json(rows)
        return
    total = int(variants.table["cases"].sum())
    table = Table(title=f"{len(variants):,} variants in {name!r} ({total:,} cases)")
    table.add_column("#", justify="right")
    table.add_column("cases", justify="right")
    table.add_column("share", justify="right")
    table.add_column("activities")
    for i, row in enumerate(rows, 1):
        share = row["cases"] / total if total else 0
        table.add_row(str(i), f"{row['cases']:,}", f"{share:.1%}", " → ".join(row["activities"]))
    console.print(table)


def dfg_command(
    name: NameArgument,
    filters: FiltersOption = None,
    figure: FigureOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = DEFAULT_SPARK_MASTER,
) -> None:
    """Directly-follows graph: edges with frequency and times, start and end activities."""
    with stored_log(store, name, filters, engine=engine, spark_master=spark_master) as log:
        dfg = discover_dfg(log)
        if figure:
            write_figure(process_map_figure(process_map(log)), figure)
    if as_json:
        emit_json(dfg.to_dict())
        return
    table = Table(title=f"Directly-follows graph of {name!r}")
    for column in ("source", "target", "frequency", "median", "mean", "p90"):
        table.add_column(column, justify="right" if column not in ("source", "target") else "left")
    for row in dfg.edges.itertuples():
        table.add_row(
            row.source,
            row.target,
            f"{row.frequency:,}",
            _duration(row.median_seconds),
            _duration(row.mean_seconds),
            _duration(row.p90_seconds),
        )
    console.print(table)
    console.print("start: " + ", ".join(f"{a} ({n:,})" for a, n in dfg.start_activities.items()))
    console.print("end: " + ", ".join(f"{a} ({n:,})" for a, n in dfg.end_activities.items()))


def discover_command(
    name: NameArgument,
    algorithm: Annotated[
        str, typer.Option(help="dfg (process map), inductive or heuristics.")
    ] = "dfg",
    noise: Annotated[float, typer.Option(help="Inductive miner noise threshold (0-1).")] = 0.0,
    activities: Annotated[
        float, typer.Option(help="Process map: share of events the shown activities cover.")
    ] = 1.0,
    paths: Annotated[
        float, typer.Option(help="Process map: share of transitions the shown paths cover.")
    ] = 1.0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Save the model as .pnml or .bpmn.")
    ] = None,
    filters: FiltersOption = None,
    figure: FigureOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Discover the process: a process map with sliders, or a model (inductive, heuristics)."""
    if figure and algorithm != "dfg":
        raise ValueError("--figure draws the process map: use --algorithm dfg")
    with stored_log(store, name, filters) as log:
        if algorithm == "dfg":
            if output:
                raise ValueError("-o saves a model: use --algorithm inductive or heuristics")
            result = process_map(log, activities=activities, paths=paths)
            if figure:
                write_figure(process_map_figure(result), figure)
        else:
            model = discover_model(log, algorithm=algorithm, noise=noise)
    if algorithm == "dfg":
        if as_json:
            emit_json(result.to_dict())
            return
        console.print(
            f"process map of {name!r}: {len(result.nodes)} activities "
            f"({result.activity_coverage:.0%} of events), {len(result.edges)} paths "
            f"({result.path_coverage:.0%} of transitions)"
        )
        for row in result.edges.itertuples():
            console.print(
                f"  {row.source} → {row.target}: {row.frequency:,}×, median "
                f"{_duration(row.median_seconds)}",
                highlight=False,
            )
        return
    if output:
        model.write(output)
    summary = {
        "algorithm": model.algorithm,
        "places": len(model.net.places),
        "transitions": len(model.net.transitions),
        "visible": sorted({str(t.label) for t in model.net.transitions if t.label}),
        "process_tree": str(model.tree) if model.tree is not None else None,
        "output": str(output) if output else None,
    }
    if as_json:
        emit_json(summary)
        return
    console.print(
        f"{model.algorithm} miner on {name!r}: Petri net with {summary['places']} places and "
        f"{summary['transitions']} transitions" + (f", saved to {output}" if output else "")
    )
    if model.tree is not None:
        console.print(f"process tree: {model.tree}", markup=False, highlight=False)


def stats_command(
    name: NameArgument,
    by: Annotated[
        str, typer.Option(help="activity (service / waiting times), case (throughput), resource.")
    ] = "activity",
    filters: FiltersOption = None,
    figure: FigureOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = DEFAULT_SPARK_MASTER,
) -> None:
    """Process statistics: times per activity, throughput per case, rework per resource."""
    verbs = {
        "activity": activity_times,
        "case": throughput_times,
        "resource": lambda log: rework(log, by="resource"),
    }
    if by not in verbs:
        raise ValueError(f"--by must be one of {', '.join(verbs)}, not {by!r}")
    with stored_log(store, name, filters, engine=engine, spark_master=spark_master) as log:
        frame = verbs[by](log)
    if figure:
        figures = {"activity": activity_times_figure, "case": throughput_figure}
        write_figure(figures.get(by, rework_figure)(frame), figure)
    if as_json:
        emit_json(frame.to_dict("records"))
        return
    table = Table(title=f"{name!r} by {by}")
    timed = ["seconds" in str(c).split("_") for c in frame.columns]
    for column, is_time in zip(frame.columns, timed, strict=True):
        # durations read like dfg's (3.2 d, 5.0 h); headers in words, so they wrap, never cut
        words = [w for w in str(column).split("_") if w != "seconds"]
        table.add_column(" ".join(words), justify="right" if is_time else "left")
    for row in frame.head(50).itertuples(index=False):
        table.add_row(
            *(_duration(v) if is_time else _cell(v) for v, is_time in zip(row, timed, strict=True))
        )
    console.print(table)
    if len(frame) > 50:
        console.print(f"… {len(frame) - 50:,} more rows (use --json for all)")


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return "-" if value != value else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return "-" if value != value else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def consent_command(
    name: NameArgument,
    contact: Annotated[
        str | None,
        typer.Option(help="Column identifying a person (default: the vocabulary's contact)."),
    ] = None,
    send: Annotated[
        list[str] | None,
        typer.Option(
            "--send", help="Activity that sends a marketing email (default: the sent kind)."
        ),
    ] = None,
    opt_in: Annotated[
        list[str] | None,
        typer.Option(
            "--opt-in", help="Activity recording consent; also checks no email before it."
        ),
    ] = None,
    check_opt_in: Annotated[
        bool,
        typer.Option(
            "--check-opt-in", help="Also check no email before the opted_in kind's labels."
        ),
    ] = False,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Emails sent after the contact unsubscribed, bounced or reported spam (consent breaches),
    and with --opt-in, emails sent before the contact opted in."""
    sends = tuple(send) if send else None
    with stored_log(store, name, filters) as log:
        frame = consent_violations(log, contact=contact, sends=sends)
        early = (
            sends_before_opt_in(log, opt_ins=opt_in or None, contact=contact, sends=sends)
            if opt_in or check_opt_in
            else None
        )
    if as_json:
        rows = [{"rule": "after_withdrawal", **r} for r in frame.to_dict("records")]
        if early is not None:
            rows += [{"rule": "before_opt_in", **r} for r in early.to_dict("records")]
        emit_json(rows)
        return
    if frame.empty:
        console.print(f"No email went to a contact after a withdrawal in {name!r}.")
    else:
        console.print(
            f"[red]{len(frame):,} emails to {frame['contact'].nunique():,} contacts after they "
            "withdrew[/] (unsubscribe, bounce or spam report):"
        )
    for row in frame.head(20).itertuples():
        console.print(
            f"  {row.contact}: {row.send} at {row.sent_at:%Y-%m-%d %H:%M}, "
            f"{_duration(row.seconds_after)} after {row.withdrawal}",
            highlight=False,
        )
    if early is None:
        return
    if early.empty:
        console.print(f"No email went to a contact before the contact opted in, in {name!r}.")
        return
    console.print(
        f"[red]{len(early):,} emails to {early['contact'].nunique():,} contacts before they "
        "opted in[/]:"
    )
    for row in early.head(20).itertuples():
        when = (
            f"{_duration(row.seconds_before)} before opting in"
            if row.seconds_before == row.seconds_before
            else "never opted in"
        )
        console.print(
            f"  {row.contact}: {row.send} at {row.sent_at:%Y-%m-%d %H:%M}, {when}",
            highlight=False,
        )


def quarantine_command(
    name: NameArgument,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write rows to this CSV.")
    ] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show or export the rows kept aside when a log was imported."""
    with stored_log(store, name) as log:
        if output:
            n = log.export_quarantine(output)
            typer.echo(f"{n:,} quarantined rows written to {output}", err=True)
            return
        frame = log.quarantine()
    if as_json:
        emit_json(frame[["source_row", "reason", "column", "value", "message"]].to_dict("records"))
        return
    if frame.empty:
        console.print(f"No rows were kept aside when {name!r} was imported.")
    for message in frame["message"]:
        console.print(message, markup=False, highlight=False)


def _duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def register(app: typer.Typer) -> None:
    """Add the mining sub-commands to the ``mejora`` command."""
    app.command("import")(import_command)
    app.command("logs")(logs_command)
    app.command("info")(info_command)
    app.command("vocabulary")(vocabulary_command)
    app.command("variants")(variants_command)
    app.command("dfg")(dfg_command)
    app.command("discover")(discover_command)
    app.command("consent")(consent_command)
    app.command("stats")(stats_command)
    app.command("quarantine")(quarantine_command)
