"""Before / after: did a workflow change work? A KPI's control chart with the change date as the
phase boundary (limits from the periods before, applied to the periods after), plus a test on
the cases themselves, and one sentence with the verdict.

KPIs (as ``improvement.kpi_series`` names them): ``throughput`` (days from a case's first to
last event; Mann-Whitney U on the cases), ``reach:ACTIVITY`` (share of cases reaching it;
two-proportion z test) and ``sla:HOURS`` (share of cases over the SLA; z test). Cases are split
by when they started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
from scipy.stats import mannwhitneyu
from statsmodels.stats.proportion import proportions_ztest

import mining
from automation._admin import activations
from automation._store import WorkflowStore
from automation._suggestion_model import plain

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class BeforeAfter:
    """The comparison: per phase the number of cases and the KPI, the test and its p-value, the
    control chart (phase I before the change), and ``worked``: True (better and significant),
    False (worse and significant) or None (no significant change)."""

    kpi: str
    change_date: pd.Timestamp
    cases_before: int
    cases_after: int
    before: float
    after: float
    unit: str
    better: str
    test: str
    p_value: float
    worked: bool | None
    chart: Any  # improvement.ControlChartResult
    signals_after: int
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (the chart as ``ControlChartResult.to_dict``)."""
        return plain(
            {
                "kpi": self.kpi,
                "change_date": self.change_date.isoformat(),
                "cases_before": self.cases_before,
                "cases_after": self.cases_after,
                "before": self.before,
                "after": self.after,
                "unit": self.unit,
                "better": self.better,
                "test": self.test,
                "p_value": self.p_value,
                "worked": self.worked,
                "signals_after": self.signals_after,
                "sentence": self.sentence,
                "chart": self.chart.to_dict(),
            }
        )


def _instant(value: str | date | datetime | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def before_after(
    log: mining.EventLog,
    kpi: str,
    change_date: str | date | datetime | pd.Timestamp,
    *,
    better: Better | None = None,
    freq: Literal["D", "W", "M"] = "W",
    alpha: float = 0.05,
) -> BeforeAfter:
    """Compare ``kpi`` for the cases started before and after ``change_date``.

    ``better`` says which direction is an improvement (default: lower for ``throughput`` and
    ``sla:``, higher for ``reach:``).

    Example:
        >>> result = before_after(log, "throughput", "2026-01-12")           # doctest: +SKIP
        >>> result.sentence                                                  # doctest: +SKIP
        'The change worked: median throughput fell from 15.7 to 10.4 days ...'
    """
    when = _instant(change_date)
    name, _, argument = kpi.partition(":")
    if name not in ("throughput", "reach", "sla"):
        raise ValueError(
            f"before/after compares throughput, reach:ACTIVITY or sla:HOURS, not {kpi!r}"
        )
    better = better or ("higher" if name == "reach" else "lower")
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
    import improvement  # heavy (figures, reports): loaded only when a comparison is made

    series = improvement.kpi_series(log, kpi, freq=freq)
    chart = improvement.kpi_control_chart(series, baseline_until=when)
    after_points = [i + 1 for i, base in enumerate(chart.baseline) if not base]
    signalled = {p for s in chart.signals for p in s.points if p in after_points}

    times = mining.throughput_times(log)
    started_after = times["start"] >= when
    n_before, n_after = int((~started_after).sum()), int(started_after.sum())
    if n_before < 2 or n_after < 2:
        raise ValueError(
            f"{n_before} cases started before {when.date()} and {n_after} after: "
            "a comparison needs at least 2 on each side"
        )
    if name == "throughput":
        days = times["throughput_seconds"] / 86400
        a, b = days[~started_after], days[started_after]
        before, after = float(a.median()), float(b.median())
        p_value = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
        test, unit, what = "Mann-Whitney U (two-sided)", "days", "median throughput"
    else:
        if name == "reach":
            reaching = mining.FilterStack([mining.CaseAttribute("activity", (argument,))]).apply(
                log
            )
            flag = times["case_id"].isin(set(mining.throughput_times(reaching)["case_id"]))
            what = f"share of cases reaching {argument}"
        else:
            hours = (
                float(argument.rstrip("hH"))
                if not argument.endswith(("d", "D"))
                else (float(argument[:-1]) * 24)
            )
            flag = times["throughput_seconds"] > hours * 3600
            what = f"share of cases over {hours:g} h"
        k = [int(flag[~started_after].sum()), int(flag[started_after].sum())]
        before, after = k[0] / n_before, k[1] / n_after
        if k[0] + k[1] in (0, n_before + n_after):
            p_value = 1.0
        else:
            p_value = float(proportions_ztest(k, [n_before, n_after])[1])
        test, unit = "two-proportion z test (two-sided)", "share"
    improved = after < before if better == "lower" else after > before
    worked = (improved if after != before else None) if p_value < alpha else None
    fmt = (lambda v: f"{v:.1f} days") if unit == "days" else (lambda v: f"{v:.1%}")
    moved = "fell" if after < before else "rose"
    chart_note = (
        f"{len(signalled)} of {len(after_points)} {series.period}s after the change signal a shift "
        "on the control chart"
    )
    if worked is True:
        verdict = "The change worked"
    elif worked is False:
        verdict = "The change made it worse"
    else:
        verdict = "No significant change"
        moved = "went" if after != before else "stayed"
    p_text = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"
    sentence = (
        f"{verdict}: {what} {moved} from {fmt(before)} ({n_before:,} cases) to {fmt(after)} "
        f"({n_after:,} cases) after {when.date()} ({test}, {p_text}); {chart_note}."
    )
    return BeforeAfter(
        kpi=kpi,
        change_date=when,
        cases_before=n_before,
        cases_after=n_after,
        before=before,
        after=after,
        unit=unit,
        better=better,
        test=test,
        p_value=p_value,
        worked=worked,
        chart=chart,
        signals_after=len(signalled),
        sentence=sentence,
    )


def compare_revisions(
    log: mining.EventLog,
    store: WorkflowStore,
    workflow_id: str,
    revision: int,
    kpi: str,
    *,
    better: Better | None = None,
    freq: Literal["D", "W", "M"] = "W",
) -> BeforeAfter:
    """:func:`before_after` around the moment ``revision`` went live (its activation record);
    cases started after a later activation are left out.

    Example:
        >>> compare_revisions(log, store, "w", 2, "throughput").worked   # doctest: +SKIP
        True
    """
    records = activations(store, workflow_id)
    mine = [r for r in records if r.revision == revision]
    if not mine:
        raise ValueError(f"revision {revision} of {workflow_id!r} was never activated")
    went_live = _instant(mine[0].at)
    later = [r for r in records if r.number > mine[0].number]
    if later:
        until = _instant(later[0].at).isoformat()
        log = mining.FilterStack([mining.TimeRange(end=until, mode="started")]).apply(log)
    return before_after(log, kpi, went_live, better=better, freq=freq)
