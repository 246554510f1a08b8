"""The manager report: one self-contained HTML file (figures embedded as SVG, no script, no link
to fetch) and the same content as PDF (weasyprint), in Spanish or English.

    report = build_report(log, period="2025-12", lang="es")
    Path("informe.html").write_text(report.to_html(), encoding="utf-8")
    report.to_pdf("informe.pdf")

Contents: key findings; headline KPIs against target and the previous period; drift alerts;
trend charts with control limits and forecasts; compliance (conformance, SLA, consent); email
performance per email; the sales pipeline (funnel, win rate by stage, lead-scoring matrix, lost
deals by reason and age, the loss-reason Pareto, revivable deals); the top deviations and their
cost; the top root-cause drivers; any ``extra_sections``; and an appendix with the data window,
filters, row and quarantine counts, method, settings and definitions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import mining
from improvement._kpi_base import KPI_DEFINITIONS, KpiContext, KpiResult, KpiSettings, _plain
from improvement._kpi_catalogue import KpiTable, compute_kpis
from improvement._kpi_period import MIN_PERIOD_CASES, Period, report_period
from improvement._kpi_series import KpiTrend, trends_of
from improvement._locale import Text, check_lang, day, integer
from improvement._open_cases import OpenCases, open_cases
from improvement._outcomes import OutcomeError
from improvement._pareto import Pareto, pareto_of
from improvement._report_sections import (
    Column,
    alerts,
    appendix,
    compliance,
    deviations,
    drivers,
    emails,
    esc,
    findings,
    headline,
    open_cases_section,
    sales,
    table,
    trends,
)
from improvement._report_text import CSS, T
from improvement._root_cause import RootCause, root_cause

_EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?!data:|#)[a-z][a-z0-9+.-]*:|url\(\s*["']?\s*(?!data:)[a-z][a-z0-9+.-]*:|@import""",
    re.IGNORECASE,
)
MESSAGE_FACTORS_LEFT_OUT = (
    "id",
    "type",
    "sentBy.id",
    "sentBy.created",
    "response",
    "userAgent",
    "url",
)


_RENDERERS = {
    "findings": findings,
    "headline": headline,
    "alerts": alerts,
    "trends": trends,
    "compliance": compliance,
    "emails": emails,
    "sales": sales,
    "deviations": deviations,
    "drivers": drivers,
    "open": open_cases_section,
    "appendix": appendix,
}


@dataclass(frozen=True)
class ReportSection:
    """A section added to the report by another layer (e.g. the automation layer's "open
    suggested changes"): a ``title`` (a Text for both languages, or one string), an optional
    ``text`` paragraph, an optional ``table`` (cells are escaped) and optional trusted ``html``
    (which must not reference anything outside the file).

    Example:
        >>> ReportSection(Text("Open changes", "Cambios abiertos"), text="2 suggestions").title.es
        'Cambios abiertos'
    """

    title: Text | str
    html: str = ""
    table: pd.DataFrame | None = None
    text: Text | str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", Text.of(self.title))
        if self.text is not None:
            object.__setattr__(self, "text", Text.of(self.text))
        if self.html and _EXTERNAL.search(self.html):
            raise ValueError(
                f"extra section {self.title.en!r}: its HTML references something outside the "
                "report (a link, an image or a style to fetch); embed it as a data: URI"
            )

    def render(self, lang: str) -> str:
        """The section body in ``lang``."""
        parts = []
        if self.text is not None:
            parts.append(f"<p>{esc(self.text(lang))}</p>")  # type: ignore[operator]
        if self.table is not None:
            columns = [Column(str(c), Text(str(c), str(c))) for c in self.table.columns]
            parts.append(table(self.table, columns, lang))
        parts.append(self.html)
        return "".join(parts)


@dataclass(frozen=True)
class Report:
    """A built report: the KPIs of the ``period`` and the ``previous`` one, the trends, the
    loss-reason Pareto and the root-cause analysis, the counts behind them; rendered in
    ``lang`` by :meth:`to_html` and :meth:`to_pdf`.

    Example:
        >>> report = build_report(log, period="2025-12", lang="en")       # doctest: +SKIP
        >>> report.to_pdf("report.pdf")                                    # doctest: +SKIP
    """

    log_name: str
    lang: str
    period: Period
    previous: Period
    current: KpiTable
    previous_kpis: KpiTable
    trends: tuple[KpiTrend, ...]
    freq: str
    settings: KpiSettings
    counts: dict[str, Any]
    filter_codes: tuple[str, ...]
    generated_at: datetime
    filters: tuple[dict[str, Any], ...] = ()
    pareto: Pareto | None = None
    pareto_window: Text = field(default_factory=lambda: Text("", ""))
    root_cause: RootCause | None = None
    root_cause_error: Text | None = None
    open_cases: OpenCases | None = None
    open_error: Text | None = None
    extra_sections: tuple[ReportSection, ...] = ()
    settings_changed: dict[str, Any] = field(default_factory=dict)
    max_trends: int = 6
    _rendered: dict[tuple[Any, ...], str] = field(
        default_factory=dict, init=True, repr=False, compare=False
    )

    def in_language(self, lang: str) -> Report:
        """The same report rendered in another language (nothing is recomputed)."""
        return Report(
            **{f.name: getattr(self, f.name) for f in fields(self)} | {"lang": check_lang(lang)}
        )

    def section(self, anchor: str) -> str:
        """The HTML body of one section (``findings``, ``headline``, ``alerts``, ``trends``,
        ``compliance``, ``emails``, ``sales``, ``deviations``, ``drivers``, ``appendix``,
        ``extra-1`` ...), rendered once per language."""
        key = (self.lang, anchor, self.max_trends, tuple(id(s) for s in self.extra_sections))
        if key not in self._rendered:
            if anchor.startswith("extra-"):
                body = self.extra_sections[int(anchor[6:]) - 1].render(self.lang)
            else:
                body = _RENDERERS[anchor](self, self.lang)
            self._rendered[key] = body
        return self._rendered[key]

    def sections(self) -> list[tuple[str, str, str]]:
        """(anchor, title, HTML body) of each section, in order; empty sections left out."""
        lang = self.lang
        anchors = [*_RENDERERS]
        anchors.remove("appendix")
        anchors += [f"extra-{i}" for i in range(1, len(self.extra_sections) + 1)]
        anchors.append("appendix")
        parts = []
        for anchor in anchors:
            if anchor.startswith("extra-"):
                title = self.extra_sections[int(anchor[6:]) - 1].title(lang)  # type: ignore[operator]
            else:
                title = T[anchor](lang)
            parts.append((anchor, title, self.section(anchor)))
        return [p for p in parts if p[2]]

    def to_html(self) -> str:
        """One self-contained HTML document: figures as embedded SVG, styles inline, no script
        and no reference to anything outside the file."""
        lang = self.lang
        sections = self.sections()
        toc = "".join(
            f'<li><a href="#{anchor}">{esc(title)}</a></li>' for anchor, title, _ in sections
        )
        body = "".join(
            f'<section id="{anchor}"><h2>{i}. {esc(title)}</h2>{html}</section>'
            for i, (anchor, title, html) in enumerate(sections, start=1)
        )
        title = f"{T['title'](lang)} — {self.log_name}"
        meta = (
            f"{esc(T['log'](lang))}: <b>{esc(self.log_name)}</b> · "
            f"{esc(T['period'](lang))}: <b>{esc(self.period.describe()(lang))}</b> · "
            f"{esc(T['generated'](lang))}: {esc(day(self.generated_at, lang))}"
        )
        cases = int(self.counts.get("period_cases", MIN_PERIOD_CASES))
        if cases < MIN_PERIOD_CASES:  # a tiny period is said to be one, before any figure
            meta += '</p><p class="flag">' + esc(
                T["few_cases"](lang).format(n=integer(cases, lang), m=MIN_PERIOD_CASES)
            )
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f'<header><h1>{esc(title)}</h1><p class="meta">{meta}</p></header>'
            f"<nav><b>{esc(T['contents'](lang))}</b><ol>{toc}</ol></nav>{body}</body></html>"
        )

    def write_html(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path`` (UTF-8); returns the path."""
        target = Path(path)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def to_pdf(self, path: str | Path) -> Path:
        """Render the same document to a PDF at ``path`` (A4, numbered pages) with weasyprint;
        returns the path."""
        from weasyprint import HTML  # heavy: imported only when a PDF is asked for

        target = Path(path)
        HTML(string=_breakable(self.to_html()), base_url=None).write_pdf(target)
        return target

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the period, the KPIs (this and the previous period), the trends with
        their alerts, the Pareto, the drivers and the counts (strict JSON: NaN becomes None)."""
        return _plain(
            {
                "log": self.log_name,
                "lang": self.lang,
                "period": self.period.label,
                "previous": self.previous.label,
                "kpis": self.current.to_dict(self.lang)["kpis"],
                "previous_kpis": self.previous_kpis.to_dict(self.lang)["kpis"],
                "trends": [t.to_dict(self.lang) for t in self.trends],
                "pareto": None if self.pareto is None else self.pareto.to_dict(),
                "drivers": None if self.root_cause is None else self.root_cause.to_dict(),
                "open_cases": None
                if self.open_cases is None
                else self.open_cases.to_dict(self.lang),
                "counts": {
                    k: (v.isoformat() if isinstance(v, pd.Timestamp) else v)
                    for k, v in self.counts.items()
                },
                "filters": list(self.filter_codes),
            }
        )


def _counts(log: mining.EventLog, period: Period, previous: Period) -> dict[str, Any]:
    times = mining.throughput_times(log)
    starts = pd.to_datetime(times["start"], utc=True)

    def started(p: Period) -> int:
        return int(((starts >= p.start) & (starts < p.end)).sum())

    return {
        "rows_read": log.meta.rows_read,
        "events": log.n_events,
        "cases": len(times),
        "first": times["start"].min() if len(times) else None,
        "last": times["end"].max() if len(times) else None,
        "period_cases": started(period),
        "previous_cases": started(previous),
        "quarantine": log.quarantine_reasons(),
    }


def _changed(settings: KpiSettings) -> dict[str, Any]:
    default = KpiSettings().to_dict()
    return {k: v for k, v in settings.to_dict().items() if v != default[k]}


def _loss_pareto(
    log: mining.EventLog, settings: KpiSettings, until: pd.Timestamp, table: KpiTable
) -> tuple[Pareto | None, Text]:
    lost = table.get("lost_deals")
    if not isinstance(lost, KpiResult) or lost.breakdown is None:
        return None, Text("", "")
    if "reason" not in lost.breakdown.columns:
        return None, Text("", "")
    ctx = KpiContext(log, settings)
    labels = ctx.labels("lost")
    reason = ctx.column("loss_reason", required=False)
    if not labels or reason is None:
        return None, Text("", "")
    view = mining.FilterStack(
        [
            mining.TimeRange(None, until.isoformat(), mode="started"),
            mining.CaseAttribute("activity", tuple(labels)),
        ]
    ).apply(log)
    if view.n_cases == 0:
        return None, Text("", "")
    window = Text(
        "every lost deal started before {d}",
        "todas las oportunidades perdidas iniciadas antes del {d}",
    ).format(d=Text(day(until, "en"), day(until, "es")))
    return pareto_of(view, by=reason), window


def _default_outcome(table: KpiTable, settings: KpiSettings, log: mining.EventLog) -> str | None:
    click = table.get("click_rate")
    if click is not None and click.computable:
        labels = KpiContext(log, settings).labels("clicked")
        if labels:
            return f"not has '{labels[0]}'"
    cycle = table.get("cycle_time")
    if cycle is not None and cycle.computable:
        return "slow"
    return None


def _breakable(document: str) -> str:
    """The document with a line-break opportunity after each underscore of its text (column
    names such as ``portal_subscription_status``): words themselves are never broken, so a
    long name may only wrap where a reader expects it."""
    head, body = document.split("<body>", 1)  # the head's title and style stay as they are
    body = re.sub(r">([^<]*_[^<]*)<", lambda m: ">" + m.group(1).replace("_", "_<wbr>") + "<",
                  body)  # fmt: skip
    return f"{head}<body>{body}"


def build_report(
    log: mining.EventLog,
    period: str | Period | None = None,
    lang: str = "es",
    extra_sections: Sequence[ReportSection] = (),
    *,
    settings: KpiSettings | None = None,
    outcome: str | None = None,
    freq: str | None = None,
    max_trends: int = 6,
    drivers: bool = True,
) -> Report:
    """The manager report of ``log`` (under its filters) for ``period`` (``"2025-12"``, a week
    ``"2025-W51"``, a quarter, a year; default: the last complete month in which at least 30
    cases started, see ``report_period``), in
    ``lang`` (``"es"`` or ``"en"``). ``extra_sections`` are appended before the appendix;
    ``outcome`` is the outcome expression the root-cause section explains (default: slow cases,
    or unclicked emails on an email log; ``drivers=False`` leaves the section out); ``freq`` the
    trend period (default: weeks for a month); ``max_trends`` the number of trend charts.

    Example:
        >>> report = build_report(log, "2025-12", "en")  # doctest: +SKIP
        >>> Path("report.html").write_text(report.to_html(), encoding="utf-8")           # doctest: +SKIP
    """  # noqa: E501
    lang = check_lang(lang)
    settings = settings or KpiSettings()
    chosen = (
        report_period(log)
        if period is None
        else Period.parse(period)
        if isinstance(period, str)
        else period
    )
    previous = chosen.previous()
    step = freq or chosen.freq
    if step not in ("D", "W", "M"):
        raise ValueError(f"freq must be D, W or M, not {step!r}")
    current = compute_kpis(log, settings=settings, period=chosen)
    before = compute_kpis(log, settings=settings, period=previous)
    wanted = [k for k, d in KPI_DEFINITIONS.items() if d.series is not None]
    whole = compute_kpis(log, list(dict.fromkeys([*wanted, "lost_deals"])), settings=settings)
    found = trends_of(whole, log, period=chosen, freq=step)  # type: ignore[arg-type]
    pareto, window = _loss_pareto(log, settings, chosen.end, whole)
    rc, rc_error = None, None
    expression = outcome or _default_outcome(whole, settings, log)
    if not drivers:
        rc_error = Text(
            "root-cause analysis not asked for", "no se pidió el análisis de causa raíz"
        )
    elif expression is None:
        rc_error = Text(
            'no outcome to explain: give one (e.g. outcome="slow")',
            'ningún resultado que explicar: indique uno (p. ej. outcome="slow")',
        )
    else:
        upto = mining.FilterStack(
            [mining.TimeRange(None, chosen.end.isoformat(), mode="started")]
        ).apply(log)
        leave_out = [c for c in MESSAGE_FACTORS_LEFT_OUT if c in log.columns]
        try:
            rc = root_cause(upto, expression, exclude=leave_out, top=8)
        except (OutcomeError, ValueError, mining.EventLogError) as error:
            rc_error = Text(
                f"root cause not computed: {error}", f"causa raíz no calculada: {error}"
            )
    found_open, open_error = None, None
    until = mining.TimeRange(None, chosen.end.isoformat(), mode="events")
    try:
        found_open = open_cases(mining.FilterStack([until]).apply(log), settings, predict=True)
    except (ValueError, mining.EventLogError) as error:
        open_error = Text(
            f"open cases not computed: {error}", f"casos abiertos no calculados: {error}"
        )
    return Report(
        log_name=log.name,
        lang=lang,
        period=chosen,
        previous=previous,
        current=current,
        previous_kpis=before,
        trends=tuple(found),
        freq=step,
        settings=settings,
        counts=_counts(log, chosen, previous),
        filter_codes=tuple(mining.filter_from_dict(dict(f)).to_code() for f in log.filters),
        filters=tuple(dict(f) for f in log.filters),
        generated_at=datetime.now(UTC),
        pareto=pareto,
        pareto_window=window,
        root_cause=rc,
        root_cause_error=rc_error,
        open_cases=found_open,
        open_error=open_error,
        extra_sections=tuple(extra_sections),
        settings_changed=_changed(settings),
        max_trends=max_trends,
    )
