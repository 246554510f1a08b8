"""How a suggestion's numbers read in English and Spanish: units, risk levels and number format,
shared by the manager report, the CLI and the dashboard."""

from __future__ import annotations

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
RISK_ES = {"low": "bajo", "medium": "medio", "high": "alto"}
_LOCALES = {"en": "en_US", "es": "es_ES"}


def number(value: float, lang: str = "en") -> str:
    """Three significant digits (whole numbers from 100 on), in the language's format."""
    from babel.numbers import format_decimal

    if abs(value) >= 100:
        return format_decimal(round(value), format="#,##0", locale=_LOCALES[lang])
    return format_decimal(float(f"{value:.3g}"), format="#,##0.###", locale=_LOCALES[lang])


def unit(name: str, lang: str) -> str:
    """A unit in the language (``share`` / ``proporción``)."""
    return UNITS_ES.get(name, name) if lang == "es" else name


def risk_level(level: str, lang: str) -> str:
    """A risk level in the language (``low`` / ``bajo``)."""
    return RISK_ES.get(level, level) if lang == "es" else level


def percent(share: float, lang: str) -> str:
    """A share as a whole percentage: ``99%`` / ``99 %``."""
    return f"{number(round(100 * share), lang)} %" if lang == "es" else f"{share:.0%}"


def share_text(value: float, lang: str) -> str:
    """A share as a percentage with one decimal: ``0.8%`` / ``0,8 %``."""
    return f"{number(round(100 * value, 1), lang)}{' ' if lang == 'es' else ''}%"


def amount(value: float, name: str, lang: str) -> str:
    """A value with its unit in the language; a share as a percentage."""
    if name == "share":
        return share_text(value, lang)
    return f"{number(value, lang)} {unit(name, lang)}"
