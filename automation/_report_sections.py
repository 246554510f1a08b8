"""What the automation layer adds to the manager report: a workflow's touch points (for the
touch-point KPI) and its open suggested changes, ranked, with their evidence."""

from __future__ import annotations

import pandas as pd

from automation._suggestion_text import percent
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
        rows.append(
            [
                rank,
                s.title.get(lang),
                s.evidence.describe(lang),
                s.impact.describe(lang),
                percent(s.confidence, lang),
                s.id,
            ]
        )
    title = TITLES[lang].format(name=name)
    if not rows:
        return ReportSection(title, text=NONE[lang])
    return ReportSection(title, table=pd.DataFrame(rows, columns=COLUMNS[lang]))
