"""What the automation layer adds to the manager report: a workflow's touch points (for the
touch-point KPI) and its open suggested changes, ranked, with their evidence."""

from __future__ import annotations

import pandas as pd

from automation._suggestions import SuggestionReport
from automation._workflow import Workflow
from improvement import ReportSection

TITLES = {"en": "Open suggested changes: {name}", "es": "Cambios sugeridos abiertos: {name}"}
COLUMNS = {
    "en": ["#", "suggestion", "evidence", "expected impact (90 % interval)", "confidence", "id"],
    "es": ["#", "sugerencia", "evidencia", "impacto esperado (intervalo 90 %)", "confianza", "id"],
}
NONE = {
    "en": "The log shows nothing to change in this workflow.",
    "es": "El registro no muestra nada que cambiar en este flujo.",
}


# the units suggestions measure in, in Spanish (an unknown unit is shown as it is)
UNITS_ES = {
    "share": "proporción",
    "hours": "horas",
    "cases": "casos",
    "contacts": "contactos",
    "emails": "correos",
    "case-hours": "horas-caso",
    "case-days / month": "días-caso / mes",
    "cases / month": "casos / mes",
    "clicks / month": "clics / mes",
    "contact-weeks / month": "semanas-contacto / mes",
    "emails / month": "correos / mes",
    "executions / month": "ejecuciones / mes",
    "reactions / month": "reacciones / mes",
    "unsubscribes / month": "bajas / mes",
}
_LOCALES = {"en": "en_US", "es": "es_ES"}


def _number(value: float, lang: str = "en") -> str:
    """Three significant digits (whole numbers from 100 on), in the language's format."""
    from babel.numbers import format_decimal

    if abs(value) >= 100:
        return format_decimal(round(value), format="#,##0", locale=_LOCALES[lang])
    return format_decimal(float(f"{value:.3g}"), format="#,##0.###", locale=_LOCALES[lang])


def _unit(unit: str, lang: str) -> str:
    return UNITS_ES.get(unit, unit) if lang == "es" else unit


def touch_points(workflow: Workflow) -> dict[str, list[str]]:
    """Each logged node of the workflow (by name) with its activity labels, in design order.

    Example:
        >>> touch_points(read_workflow("onboarding.yaml"))["Bienvenida"]  # doctest: +SKIP
        ['Bienvenida enviada']
    """
    return {node.name: list(node.activities) for node in workflow.nodes if node.activities}


def suggestions_section(report: SuggestionReport, name: str, lang: str) -> ReportSection:
    """The report section listing ``report``'s suggestions in ``lang`` ("es" or "en").

    Example:
        >>> suggestions_section(suggest(workflow, log), "Welcome", "es")  # doctest: +SKIP
    """
    rows = []
    for rank, s in enumerate(report.suggestions, 1):
        impact = s.impact
        rows.append(
            [
                rank,
                s.title.get(lang),
                f"{s.evidence.metric}: {_number(s.evidence.value, lang)} "
                f"{_unit(s.evidence.unit, lang)} (n = {_number(s.evidence.sample_size, lang)})",
                f"{_number(impact.estimate, lang)} ({_number(impact.low, lang)} – "
                f"{_number(impact.high, lang)}) {_unit(impact.unit, lang)}",
                f"{_number(round(100 * s.confidence), lang)} %"
                if lang == "es"
                else f"{s.confidence:.0%}",
                s.id,
            ]
        )
    title = TITLES[lang].format(name=name)
    if not rows:
        return ReportSection(title, text=NONE[lang])
    return ReportSection(title, table=pd.DataFrame(rows, columns=COLUMNS[lang]))
