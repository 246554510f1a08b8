"""Six Sigma sub-commands of ``mejora``: ``spc`` (control charts) and ``capability``.

Both work on a stored log (``NAME --kpi K``) or on any CSV of measurements (``--csv FILE
--value COL``). ``--json`` prints the result's ``to_dict()``; ``--figure OUT.html`` writes the
plotly figure, self-contained so it opens offline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

import mining
from improvement._capability import METHODS, CapabilityResult, capability
from improvement._change_points import last_shift
from improvement._constants import CONSTANTS
from improvement._control_charts import CHART_KINDS, ControlChartResult, _ranges, control_chart
from improvement._kpi_series import MIN_BASELINE
from improvement._run_rules import RULE_SETS
from improvement._spc_figures import capability_figure, control_chart_figure
from improvement._spc_series import KPI_NAMES, KpiSeries, kpi_control_chart, kpi_series
from mining.cli import (
    FiltersOption,
    JsonOption,
    StoreOption,
    emit_json,
    stored_log,
    write_figure,
)

console = Console()

OptionalName = Annotated[
    str | None, typer.Argument(help="Name of a log in the store (see `mejora logs`); or use --csv.")
]
CsvOption = Annotated[
    Path | None,
    typer.Option(
        "--csv", help="A CSV of measurements instead of a stored log.", show_default=False
    ),
]
ValueOption = Annotated[
    str | None,
    typer.Option("--value", help="CSV column with the measurement (or count).", show_default=False),
]
SubgroupOption = Annotated[
    str | None,
    typer.Option(
        "--subgroup",
        help="CSV column labelling the subgroup of each measurement (X̄-R, X̄-S).",
        show_default=False,
    ),
]
ConstantsOption = Annotated[
    str,
    typer.Option(
        "--constants",
        help="d2, d3: exact (computed for any n) or qcc (qcc 3.0's rounded tables, as it prints).",
    ),
]
FigureOption = Annotated[
    Path | None,
    typer.Option("--figure", help="Also write the figure to this .html file.", show_default=False),
]
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}
_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


# -- CSV ----------------------------------------------------------------------------------------
@dataclass
class _Table:
    path: Path
    frame: pd.DataFrame  # every cell as text

    def column(self, name: str, option: str) -> pd.Series:
        if name not in self.frame.columns:
            columns = ", ".join(map(str, self.frame.columns))
            raise ValueError(f"{self.path}: no column {name!r} for {option} (columns: {columns})")
        return self.frame[name]

    def numbers(self, name: str, option: str) -> np.ndarray:
        text = self.column(name, option).str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raw = text.iloc[i]
            what = "is empty" if raw == "" else f"has {raw!r}, which is not a number"
            raise ValueError(f"{self.path}: row {i + 1} (line {i + 2}), column {name!r} {what}")
        return values.to_numpy(dtype=float)

    def flags(self, name: str, option: str) -> np.ndarray:
        text = self.column(name, option).str.strip().str.lower()
        bad = ~text.isin(_TRUE | _FALSE)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{self.path}: row {i + 1} (line {i + 2}), column {name!r} has "
                f"{self.frame[name].iloc[i]!r}; {option} needs TRUE/FALSE (or yes/no, 1/0)"
            )
        return text.isin(_TRUE).to_numpy()


def _read_table(path: Path) -> _Table:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a regular file (a pipe, a device or a folder)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: cannot read it as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise ValueError(f"{path}: no data rows")
    return _Table(path, frame)


def _first_per_group(values: np.ndarray, keys: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(keys, sort=False)
    first = np.zeros(codes.max() + 1, dtype=int)
    seen: set[int] = set()
    for row, code in enumerate(codes):
        if code not in seen:
            seen.add(code)
            first[code] = row
    return values[first]


def _baseline(until: str | None, labels: list[str], where: str) -> int | np.ndarray | None:
    """``--baseline-until``: a number of points, or a date compared with the point labels."""
    if until is None:
        return None
    text = until.strip()
    if text.isdigit():
        return int(text)
    try:
        limit = pd.Timestamp(text)
    except ValueError as exc:
        raise ValueError(
            f"--baseline-until {until!r} is neither a number of points nor a date"
        ) from exc
    dates = pd.to_datetime(pd.Series(labels), errors="coerce")
    if dates.isna().any():
        raise ValueError(
            f"--baseline-until {until!r} is a date but the {where} are not dates; "
            "give a number of points instead"
        )
    if dates.dt.tz is not None and limit.tzinfo is None:
        limit = limit.tz_localize("UTC")
    return (dates < limit).to_numpy()


def _csv_chart(
    path: Path,
    *,
    chart: str,
    value: str | None,
    size: str | None,
    subgroup: str | None,
    label: str | None,
    baseline_until: str | None,
    baseline_column: str | None,
    options: dict[str, Any],
) -> ControlChartResult:
    if not value:
        raise ValueError("--csv needs --value COLUMN (the measurement or count)")
    table = _read_table(path)
    x = table.numbers(value, "--value")
    sizes = table.numbers(size, "--size") if size else None
    flags = table.flags(baseline_column, "--baseline-column") if baseline_column else None
    name = value
    if subgroup:
        keys = table.column(subgroup, "--subgroup").str.strip()
        labels = list(pd.unique(keys))
        if sizes is not None:
            raise ValueError(
                "--size applies to attribute charts (one row per sample), not --subgroup"
            )
        baseline = _baseline(baseline_until, labels, "subgroup labels")
        if flags is not None:
            baseline = _first_per_group(flags, keys) if baseline is None else baseline
        kind = "xbar-s" if chart == "auto" else chart
        if kind not in ("xbar-r", "xbar-s", "ewma", "cusum"):
            raise ValueError(
                f"--subgroup groups measurements for xbar-r, xbar-s, ewma or cusum, not {kind}"
            )
        result = control_chart(
            x, kind=kind, subgroups=keys.to_numpy(), baseline=baseline, name=name, **options
        )
        if chart == "auto":
            result = _with_note(
                result,
                "each subgroup holds several measurements, so X̄-S charts its mean and spread",
            )
        return result
    labels = (
        [str(v) for v in table.column(label, "--label").str.strip()]
        if label
        else [str(i) for i in range(1, len(x) + 1)]
    )
    baseline = _baseline(baseline_until, labels, "--label values" if label else "row numbers")
    if flags is not None and baseline is None:
        baseline = flags
    if chart == "auto":
        if sizes is None:
            series = KpiSeries.from_values(x, kind="continuous", labels=labels, name=name)
        elif np.all(x <= sizes):
            series = KpiSeries.from_values(
                x, kind="proportion", sizes=sizes, labels=labels, name=name
            )
        else:
            series = KpiSeries.from_values(x, kind="count", sizes=sizes, labels=labels, name=name)
        return kpi_control_chart(
            series,
            baseline=baseline,
            rules=options["rules"],
            exclude_out_of_control=options["exclude_out_of_control"],
            nsigmas=options["nsigmas"],
            lam=options["lam"],
            constants=options["constants"],
        )
    if chart in ("xbar-r", "xbar-s"):
        raise ValueError(f"--chart {chart} needs --subgroup COLUMN (which subgroup each row is in)")
    return control_chart(
        x, kind=chart, sizes=sizes, labels=labels, baseline=baseline, name=name, **options
    )


def _with_note(result: ControlChartResult, note: str) -> ControlChartResult:
    return replace(result, notes=(note, *result.notes))


# -- output -------------------------------------------------------------------------------------
def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.6g}"


def _limit_text(value: float | tuple[float, ...]) -> str:
    if isinstance(value, tuple):
        finite = [v for v in value if math.isfinite(v)]
        return f"stepped, {_num(min(finite))} to {_num(max(finite))}" if finite else "-"
    return _num(value)


def _print_chart(result: ControlChartResult, source: str) -> None:
    table = Table(title=f"{result.title} — {source}", show_header=False)
    new = len(result) - result.n_baseline
    table.add_row("points", f"{len(result)} ({result.n_baseline} baseline, {new} new)")
    if result.excluded:
        table.add_row("left out", ", ".join(_ranges(result.excluded)))
    if result.kind == "cusum":
        table.add_row("target", _num(result.parameters["target"]))
        table.add_row("decision interval", f"±{_num(result.parameters['h'])} standard errors")
    else:
        table.add_row("centre", _limit_text(result.center))
        table.add_row("LCL", _limit_text(result.lcl))
        table.add_row("UCL", _limit_text(result.ucl))
    table.add_row("sigma", _num(result.sigma))
    if result.constants != "exact":
        table.add_row("constants", f"{result.constants} (d2, d3 from qcc 3.0's tables)")
    if "sigma_z" in result.parameters:
        table.add_row("Laney σz", _num(result.parameters["sigma_z"]))
    table.add_row("rules", result.rules if result.kind not in ("ewma", "cusum") else result.kind)
    if result.secondary is not None:
        second = result.secondary
        table.add_row(
            f"{second.title.split(' of ')[0]}",
            f"centre {_limit_text(second.center)}, UCL {_limit_text(second.ucl)}",
        )
    console.print(table)
    signals = result.all_signals()
    if signals:
        listing = Table(title=f"{len(signals)} signals")
        for column in ("rule", "points", "first complete", "what it suggests"):
            listing.add_column(column)
        for signal in signals[:40]:
            listing.add_row(
                signal.rule,
                ", ".join(_ranges(signal.points)),
                result.labels[signal.detected_at - 1],
                signal.sentence,
            )
        console.print(listing)
        if len(signals) > 40:
            console.print(f"… {len(signals) - 40} more (use --json for all)")
    console.print(result.summary, markup=False, highlight=False, soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _print_capability(result: CapabilityResult, source: str) -> None:
    table = Table(title=f"Capability — {source} ({result.n} values, method {result.method})")
    table.add_column("index")
    table.add_column("value", justify="right")
    table.add_column(f"{result.confidence:.0%} CI", justify="right")
    for index in result.indices:
        ci = (
            f"{index.lower:.3f} – {index.upper:.3f}"
            if math.isfinite(index.lower) and math.isfinite(index.upper)
            else "-"
        )
        table.add_row(index.name, f"{index.value:.3f}", ci)
    console.print(table)
    facts = Table(show_header=False)
    facts.add_row("mean", _num(result.mean))
    if result.constants != "exact":
        facts.add_row("constants", f"{result.constants} (d2 from qcc 3.0's table)")
    facts.add_row(
        "sigma within / overall", f"{_num(result.sigma_within)} / {_num(result.sigma_overall)}"
    )
    facts.add_row(
        "LSL / target / USL",
        " / ".join(
            _num(v) if v is not None else "-" for v in (result.lsl, result.target, result.usl)
        ),
    )
    facts.add_row(
        "outside spec: expected / observed",
        f"{sum(result.expected_overall):.2%} / {sum(result.observed):.2%}",
    )
    facts.add_row("DPMO (long term)", f"{result.dpmo:,.0f}")
    facts.add_row("yield", f"{result.yield_:.4%}")
    level = result.sigma_text()
    if math.isfinite(result.sigma_level):
        level = f"{result.sigma_level:.2f}"
    facts.add_row("sigma level", f"{level} (includes the 1.5σ shift convention)")
    console.print(facts)
    console.print(result.summary, markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"normality: {result.normality.sentence}", markup=False, highlight=False, soft_wrap=True
    )
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _check_constants(constants: str) -> None:
    if constants not in CONSTANTS:
        raise ValueError(f"--constants must be one of {', '.join(CONSTANTS)}, not {constants!r}")


def _source(name: str | None, csv: Path | None) -> None:
    if name and csv:
        raise ValueError("give either a stored log NAME or --csv FILE, not both")
    if not name and not csv:
        raise ValueError("give a stored log NAME (with --kpi) or --csv FILE (with --value)")


# -- commands -----------------------------------------------------------------------------------
def spc_command(
    name: OptionalName = None,
    kpi: Annotated[
        str | None,
        typer.Option(help=f"Log KPI: {', '.join(KPI_NAMES)}.", show_default=False),
    ] = None,
    chart: Annotated[str, typer.Option(help=f"auto or one of {', '.join(CHART_KINDS)}.")] = "auto",
    csv: CsvOption = None,
    value: ValueOption = None,
    size: Annotated[
        str | None,
        typer.Option(
            "--size",
            help="CSV column with each sample's size (p, np, u, Laney).",
            show_default=False,
        ),
    ] = None,
    subgroup: SubgroupOption = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label", help="CSV column naming each point (e.g. a date).", show_default=False
        ),
    ] = None,
    baseline_until: Annotated[
        str | None,
        typer.Option(
            "--baseline-until",
            help="Baseline = periods before this DATE, or the first N points (default for a "
            "stored log: the phase before the last shift in mean, found by PELT).",
            show_default=False,
        ),
    ] = None,
    baseline_column: Annotated[
        str | None,
        typer.Option(
            "--baseline-column",
            help="CSV column, TRUE for baseline rows (e.g. qcc's 'trial').",
            show_default=False,
        ),
    ] = None,
    exclude_out_of_control: Annotated[
        bool,
        typer.Option(
            "--exclude-out-of-control",
            help="Leave baseline points beyond the first limits out and estimate again.",
        ),
    ] = False,
    rules: Annotated[str, typer.Option(help="Run rules: nelson (8), we (4) or limits.")] = "nelson",
    freq: Annotated[str, typer.Option(help="Log KPI period: D, W or M.")] = "W",
    nsigmas: Annotated[float, typer.Option(help="Width of the limits in sigmas.")] = 3.0,
    lam: Annotated[float, typer.Option("--lambda", help="EWMA weight of the newest point.")] = 0.2,
    constants: ConstantsOption = "exact",
    figure: FigureOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Control chart of a log KPI or a CSV column: limits, run-rule signals, what they mean."""
    _source(name, csv)
    if chart != "auto" and chart not in CHART_KINDS:
        raise ValueError(f"--chart must be auto or one of {', '.join(CHART_KINDS)}, not {chart!r}")
    if rules not in RULE_SETS:
        raise ValueError(f"--rules must be one of {', '.join(RULE_SETS)}, not {rules!r}")
    _check_constants(constants)
    options = {
        "rules": rules,
        "exclude_out_of_control": exclude_out_of_control,
        "nsigmas": nsigmas,
        "lam": lam,
        "constants": constants,
    }
    extra: dict[str, Any] = {}
    if csv is not None:
        result = _csv_chart(
            csv,
            chart=chart,
            value=value,
            size=size,
            subgroup=subgroup,
            label=label,
            baseline_until=baseline_until,
            baseline_column=baseline_column,
            options=options,
        )
        source = str(csv)
    else:
        if not kpi:
            raise ValueError(f"a stored log needs --kpi, one of {', '.join(KPI_NAMES)}")
        for option, given in (("--value", value), ("--size", size), ("--subgroup", subgroup)):
            if given:
                raise ValueError(f"{option} applies to --csv input, not to a stored log")
        if freq not in ("D", "W", "M"):
            raise ValueError(f"--freq must be D, W or M, not {freq!r}")
        with stored_log(store, name, filters) as log:
            series = kpi_series(log, kpi, freq=freq)  # type: ignore[arg-type]
        until = baseline_until.strip() if baseline_until else None
        baseline: Any = int(until) if until and until.isdigit() else None
        shift = None
        if until is None:  # no baseline given: the phase before the last shift in mean
            shift, phases = last_shift(series.values, series.labels, min_baseline=MIN_BASELINE)
            if phases is not None:
                baseline = list(phases[0])
        result = kpi_control_chart(
            series,
            chart=chart,
            baseline_until=None if until is None or until.isdigit() else until,
            baseline=baseline,
            **options,
        )
        source = f"{name!r}"
        extra = {"kpi": kpi, "series": series.name, "description": series.description}
        extra["change_point"] = shift.to_dict() if shift is not None else None
    if figure:
        write_figure(control_chart_figure(result), figure)
    if as_json:
        emit_json({**result.to_dict(), **extra})
        return
    _print_chart(result, source)
    if extra.get("change_point"):
        cp = extra["change_point"]
        console.print(
            f"no --baseline-until: the mean shifted from {_num(cp['before'])} to "
            f"{_num(cp['after'])} at {cp['label']} (PELT, MBIC penalty); the limits come from the "
            "phase before it",
            highlight=False,
        )


def _log_values(log: mining.EventLog, kpi: str, unit: str) -> tuple[np.ndarray, str]:
    if kpi != "throughput":
        raise ValueError(f"unknown capability KPI {kpi!r}; use throughput (per-case time)")
    times = mining.throughput_times(log)
    if times.empty:
        raise ValueError(f"log {log.name!r} has no cases")
    ordered = times.sort_values("start")
    return ordered["throughput_seconds"].to_numpy(float) / _UNITS[unit], f"throughput time ({unit})"


def capability_command(
    name: OptionalName = None,
    usl: Annotated[
        float | None,
        typer.Option(help="Upper specification limit (e.g. the SLA).", show_default=False),
    ] = None,
    lsl: Annotated[
        float | None, typer.Option(help="Lower specification limit.", show_default=False)
    ] = None,
    target: Annotated[
        float | None,
        typer.Option(help="Target (default: middle of two limits).", show_default=False),
    ] = None,
    kpi: Annotated[
        str, typer.Option(help="Log KPI: throughput (time per case, in --unit).")
    ] = "throughput",
    unit: Annotated[
        str, typer.Option(help="Unit of a log KPI and its limits: seconds, minutes, hours, days.")
    ] = "days",
    csv: CsvOption = None,
    value: ValueOption = None,
    subgroup: SubgroupOption = None,
    method: Annotated[
        str, typer.Option(help="normal, boxcox, fitted (distribution) or auto (by normality).")
    ] = "auto",
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    constants: ConstantsOption = "exact",
    figure: FigureOption = None,
    filters: FiltersOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Process capability against specification limits: Cp, Cpk, Pp, Ppk, DPMO, sigma level."""
    _source(name, csv)
    if method not in METHODS:
        raise ValueError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    if unit not in _UNITS:
        raise ValueError(f"--unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    _check_constants(constants)
    groups = None
    if csv is not None:
        if not value:
            raise ValueError("--csv needs --value COLUMN (the measurement)")
        table = _read_table(csv)
        values = table.numbers(value, "--value")
        if subgroup:
            groups = table.column(subgroup, "--subgroup").str.strip().to_numpy()
        label, source = value, str(csv)
    else:
        with stored_log(store, name, filters) as log:
            values, label = _log_values(log, kpi, unit)
        source = f"{name!r}"
    result = capability(
        values,
        lsl=lsl,
        usl=usl,
        target=target,
        subgroups=groups,
        method=method,  # type: ignore[arg-type]
        confidence=confidence,
        name=label,
        constants=constants,  # type: ignore[arg-type]
    )
    if figure:
        write_figure(capability_figure(result), figure)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_capability(result, source)


def register(app: typer.Typer) -> None:
    """Add these sub-commands to the ``mejora`` command."""
    app.command("spc")(spc_command)
    app.command("capability")(capability_command)
