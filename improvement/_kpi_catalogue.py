"""The KPI catalogue: every KPI as data (``kpis.yaml``) with one function each, computed on an
event log under its filters and an optional reporting period.

    compute_kpis(log)                                      # every KPI: results and not-computables
    compute_kpis(log, period="2025-12").to_frame("es")     # one row per KPI, in Spanish
    compute_kpi(log, "click_rate").breakdown               # per email, emails far below flagged
    kpi_catalogue("en")                                    # the definitions as a table

A KPI that cannot be computed on a log (a missing column, no such activity, no model given) is a
:class:`NotComputable` with the reason in English and Spanish, never a zero.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import mining
from improvement import _kpi_customer, _kpi_process, _kpi_sales  # noqa: F401  (registration)
from improvement._kpi_base import (
    KPI_DEFINITIONS,
    KPI_FUNCTIONS,
    KpiContext,
    KpiResult,
    KpiSettings,
    NotComputable,
    Unavailable,
)
from improvement._kpi_period import Period
from improvement._locale import Text, check_lang, value_text

KpiOutcome = KpiResult | NotComputable

_missing_functions = set(KPI_DEFINITIONS) - set(KPI_FUNCTIONS)
if _missing_functions:  # pragma: no cover - a broken catalogue must not import
    raise ImportError(f"KPIs without a function: {', '.join(sorted(_missing_functions))}")


def kpi_catalogue(lang: str | None = None) -> pd.DataFrame:
    """The catalogue as a table: one row per KPI with its id, family, level, unit, direction,
    default target, series kind, required columns, name, description and formula (texts in
    ``lang``, or ``name_en``/``name_es``... columns for both when None).

    Example:
        >>> kpi_catalogue("es").set_index("id").loc["win_rate", "name"]
        'Tasa de éxito'
    """
    rows = []
    for definition in KPI_DEFINITIONS.values():
        row = definition.to_dict(lang)
        if lang is None:
            for key in ("name", "description"):
                texts = row.pop(key)
                row[f"{key}_en"], row[f"{key}_es"] = texts["en"], texts["es"]
        row["requires"] = ", ".join(row["requires"])
        rows.append(row)
    return pd.DataFrame(rows)


def _period(period: str | Period | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    return Period.parse(period)


def _context(
    log: mining.EventLog,
    settings: KpiSettings,
    period: Period | None,
    plan: Sequence[str] | None = None,
) -> KpiContext:
    if period is None:
        return KpiContext(log, settings, plan=plan)
    view = mining.FilterStack([period.time_range()]).apply(log)
    return KpiContext(view, settings, history=log, window=(period.start, period.end), plan=plan)


def _evaluate(ctx: KpiContext, kpi_id: str) -> KpiOutcome:
    definition = KPI_DEFINITIONS[kpi_id]
    common: dict[str, Any] = {
        "log_name": ctx.log.name,
        "filters": tuple(ctx.log.filters),
        "window": ctx.window,
    }
    try:
        measured = KPI_FUNCTIONS[kpi_id](ctx)
    except Unavailable as missing:
        return NotComputable(definition, missing.reason, **common)
    except mining.EventLogError as error:  # a column the settings named is not there
        return NotComputable(definition, Text(str(error), str(error)), **common)
    return KpiResult(
        definition,
        measured.value,
        ctx.settings.target(kpi_id),
        numerator=measured.numerator,
        denominator=measured.denominator,
        low=measured.low,
        high=measured.high,
        breakdown=measured.breakdown,
        items=measured.items,
        details=measured.details,
        notes=measured.notes,
        **common,
    )


def compute_kpi(
    log: mining.EventLog,
    kpi_id: str,
    *,
    settings: KpiSettings | None = None,
    period: str | Period | None = None,
) -> KpiOutcome:
    """One KPI of the catalogue on ``log`` (its filters recorded), for the cases started in
    ``period`` (``"2025-12"``, ``"2025-W51"``, ...; default: all). Returns a
    :class:`KpiResult` or a :class:`NotComputable` with the reason.

    Example:
        >>> compute_kpi(log, "win_rate", period="2026-01").value        # doctest: +SKIP
    """
    if kpi_id not in KPI_DEFINITIONS:
        raise ValueError(f"unknown KPI {kpi_id!r}; KPIs: {', '.join(KPI_DEFINITIONS)}")
    ctx = _context(log, settings or KpiSettings(), _period(period), plan=[kpi_id])
    return _evaluate(ctx, kpi_id)


@dataclass(frozen=True)
class KpiTable:
    """The KPIs of one log (under its filters) for one period: ``results`` in catalogue order,
    computed or not.

    Example:
        >>> table = compute_kpis(log, period="2025-12")                  # doctest: +SKIP
        >>> table["consent_violations"].value, table.not_computable()    # doctest: +SKIP
    """

    log_name: str
    results: tuple[KpiOutcome, ...]
    period: Period | None = None
    settings: KpiSettings = field(default_factory=KpiSettings)

    def __iter__(self) -> Iterator[KpiOutcome]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __contains__(self, kpi_id: object) -> bool:
        return any(r.id == kpi_id for r in self.results)

    def __getitem__(self, kpi_id: str) -> KpiOutcome:
        for result in self.results:
            if result.id == kpi_id:
                return result
        raise KeyError(kpi_id)

    def get(self, kpi_id: str) -> KpiOutcome | None:
        """The result of ``kpi_id``, or None when it was not asked for."""
        return next((r for r in self.results if r.id == kpi_id), None)

    def computed(self) -> list[KpiResult]:
        """The KPIs that could be computed."""
        return [r for r in self.results if isinstance(r, KpiResult)]

    def not_computable(self) -> list[NotComputable]:
        """The KPIs that could not be computed, each with its reason."""
        return [r for r in self.results if isinstance(r, NotComputable)]

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per KPI: ``id``, ``kpi`` (name), ``family``, ``value`` (number), ``shown``
        (formatted for ``lang``), ``target``, ``status``, ``low``, ``high``, ``reason``."""
        check_lang(lang)
        rows = []
        for r in self.results:
            d = r.definition
            computed = isinstance(r, KpiResult)
            rows.append(
                {
                    "id": r.id,
                    "kpi": r.name(lang),
                    "family": d.family,
                    "value": r.value if computed else None,
                    "shown": value_text(r.value, d.unit, lang, currency=self.settings.currency)
                    if computed
                    else "",
                    "target": r.target if computed else d.target,
                    "status": r.status,
                    "low": r.low if computed else None,
                    "high": r.high if computed else None,
                    "reason": "" if computed else r.reason(lang),
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready: the log, the period, and every KPI's ``to_dict``."""
        return {
            "log": self.log_name,
            "period": None
            if self.period is None
            else {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "kpis": [r.to_dict(lang) for r in self.results],
        }


def compute_kpis(
    log: mining.EventLog,
    kpis: Sequence[str] | None = None,
    *,
    settings: KpiSettings | None = None,
    period: str | Period | None = None,
) -> KpiTable:
    """The KPIs of the catalogue (or the ``kpis`` named) on ``log``, for the cases started in
    ``period`` (default: all): each computed once over shared scans, under the log's filters.

    Example:
        >>> table = compute_kpis(log)        # doctest: +SKIP
        >>> table["click_rate"].breakdown.query("flagged")               # doctest: +SKIP
    """
    ids = list(KPI_DEFINITIONS) if kpis is None else list(kpis)
    unknown = [k for k in ids if k not in KPI_DEFINITIONS]
    if unknown:
        raise ValueError(f"unknown KPI {unknown[0]!r}; KPIs: {', '.join(KPI_DEFINITIONS)}")
    return _compute(log, ids, settings or KpiSettings(), _period(period))[0]


def _compute(
    log: mining.EventLog, ids: list[str], settings: KpiSettings, period: Period | None
) -> tuple[KpiTable, KpiContext]:
    """The table of ``ids`` and the context whose shared scans computed it."""
    ctx = _context(log, settings, period, plan=ids)
    table = KpiTable(
        log_name=log.name,
        results=tuple(_evaluate(ctx, k) for k in ids),
        period=period,
        settings=settings,
    )
    return table, ctx
