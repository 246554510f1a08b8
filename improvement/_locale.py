"""Text in English and Spanish, and numbers and dates formatted per locale (babel's CLDR data).

Text("Cycle time", "Tiempo de ciclo")("es")   # 'Tiempo de ciclo'
number(1234.5, "es")                           # '1.234,5'
percent(0.0825, "en")                          # '8.3%'
day(date(2025, 12, 15), "es")                  # '15 dic 2025'
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

Lang = Literal["en", "es"]
LANGS: tuple[str, ...] = ("en", "es")
LOCALES = {"en": "en_GB", "es": "es_ES"}
DASH = "—"


def check_lang(lang: str) -> Lang:
    """``lang`` if it is a supported language, else a ValueError naming them.

    Example:
        >>> check_lang("es")
        'es'
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang  # type: ignore[return-value]


def user_lang(lang: str | None = None) -> Lang:
    """The language a command speaks: ``lang`` when given, else $MEJORA_LANG, else the
    system's language (LC_ALL, LC_MESSAGES, LANG) when Mejora speaks it, else English; the same
    default for every command, so ``kpis`` and ``report`` never disagree.

    Example:
        >>> user_lang("es")
        'es'
    """
    if lang:
        return check_lang(lang)
    if os.environ.get("MEJORA_LANG"):
        return check_lang(os.environ["MEJORA_LANG"])
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGS else "en"  # type: ignore[return-value]
    return "en"


@dataclass(frozen=True)
class Text:
    """A sentence in English and Spanish; call it with a language to get one.

    Example:
        >>> Text("{n} cases", "{n} casos").format(n=3)("es")
        '3 casos'
    """

    en: str
    es: str

    def __call__(self, lang: str) -> str:
        return self.es if check_lang(lang) == "es" else self.en

    def format(self, **values: Any) -> Text:
        """Both languages with ``str.format`` placeholders filled; a Text value is filled in the
        matching language."""
        en = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
        es = {k: v.es if isinstance(v, Text) else v for k, v in values.items()}
        return Text(self.en.format(**en), self.es.format(**es))

    def __add__(self, other: Text | str) -> Text:
        if isinstance(other, Text):
            return Text(self.en + other.en, self.es + other.es)
        return Text(self.en + other, self.es + other)

    def to_dict(self) -> dict[str, str]:
        """``{"en": ..., "es": ...}``."""
        return {"en": self.en, "es": self.es}

    @classmethod
    def of(cls, value: Text | str | dict[str, str]) -> Text:
        """A Text from a Text, a dict with ``en`` and ``es``, or one string for both."""
        if isinstance(value, Text):
            return value
        if isinstance(value, dict):
            return cls(str(value["en"]), str(value.get("es", value["en"])))
        return cls(str(value), str(value))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: float | None, lang: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals and the locale's separators; a dash when missing.

    Example:
        >>> number(12345.678, "es"), number(12345.678, "en", 0)
        ('12.345,7', '12,346')
    """
    if _missing(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(float(value), pattern, locale=LOCALES[check_lang(lang)])  # type: ignore[arg-type]


def integer(value: float | None, lang: str) -> str:
    """A whole number with the locale's thousands separator.

    Example:
        >>> integer(2889, "es"), integer(2889, "en")
        ('2.889', '2,889')
    """
    return number(value, lang, 0)


def percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A share (0.082) as a percentage in the locale's style ('8,2 %' in Spanish).

    Example:
        >>> percent(0.0082, "es"), percent(0.0082, "en")
        ('0,8\\xa0%', '0.8%')
    """
    if _missing(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    locale = LOCALES[check_lang(lang)]
    text = format_percent(float(value), pattern, locale=locale)  # type: ignore[arg-type]
    # Spanish writes a (non-breaking) space before the sign (RAE), which CLDR's pattern omits
    return text.replace("%", "\u00a0%") if lang == "es" and "\u00a0%" not in text else text


def money(value: float | None, currency: str, lang: str) -> str:
    """An amount of ``currency`` without decimals, in the locale's style.

    Example:
        >>> money(29400, "EUR", "es")
        '29.400\\xa0€'
    """
    if _missing(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        return DASH
    locale = LOCALES[check_lang(lang)]
    return format_currency(
        float(value),  # type: ignore[arg-type]
        currency,
        format="#,##0\u00a0¤" if lang == "es" else "¤#,##0",
        locale=locale,
        currency_digits=False,
    )


def day(value: date | datetime | pd.Timestamp | None, lang: str) -> str:
    """A date in the locale's medium style.

    Example:
        >>> day(date(2025, 12, 15), "es"), day(date(2025, 12, 15), "en")
        ('15 dic 2025', '15 Dec 2025')
    """
    if _missing(value):
        return DASH
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return format_date(stamp.date(), "medium", locale=LOCALES[check_lang(lang)])


def month(value: date | datetime | pd.Timestamp, lang: str) -> str:
    """A month and year ('diciembre 2025', 'December 2025').

    Example:
        >>> month(date(2025, 12, 1), "es")
        'diciembre 2025'
    """
    stamp = pd.Timestamp(value)
    return format_date(stamp.date(), "LLLL y", locale=LOCALES[check_lang(lang)])


UNITS: dict[str, Text] = {
    "share": Text("share", "proporción"),
    "days": Text("days", "días"),
    "hours": Text("hours", "horas"),
    "count": Text("count", "número"),
    "per_resource_week": Text("cases per resource-week", "casos por recurso y semana"),
    "score": Text("score", "puntuación"),
    "currency": Text("amount", "importe"),
}


def value_text(value: float | None, unit: str, lang: str, *, currency: str = "EUR") -> str:
    """A KPI value in its unit: shares as percentages, days and hours with one decimal and the
    unit, counts as whole numbers, amounts with the currency.

    Example:
        >>> value_text(17.5, "days", "es"), value_text(0.008, "share", "en")
        ('17,5 d', '0.8%')
    """
    if _missing(value):
        return DASH
    if unit == "share":
        return percent(value, lang)
    if unit == "days":
        return f"{number(value, lang)} d"
    if unit == "hours":
        return f"{number(value, lang)} h"
    if unit == "count":
        return integer(value, lang)
    if unit == "currency":
        return money(value, currency, lang)
    return number(value, lang)


def change_text(change: float | None, unit: str, lang: str) -> str:
    """A signed difference in the KPI's unit (percentage points for shares).

    Example:
        >>> change_text(0.012, "share", "es"), change_text(-2.5, "days", "en")
        ('+1,2 pp', '−2.5 d')
    """
    if _missing(change):
        return DASH
    sign = "+" if change > 0 else ("−" if change < 0 else "±")  # type: ignore[operator]
    size = abs(float(change))  # type: ignore[arg-type]
    if unit == "share":
        return f"{sign}{number(size * 100, lang)} pp"
    return sign + value_text(size, unit, lang)


def span(days: float, lang: str) -> str:
    """A time in days as a reader says it: ``3.4 days``, ``5.2 h``, ``12 min``."""
    if days >= 1:
        return Text("{n} days", "{n} días").format(n=number(days, lang))(lang)
    if days * 24 >= 1:
        return f"{number(days * 24, lang)} h"
    return f"{number(days * 1440, lang, 0)} min"
