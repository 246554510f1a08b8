# ruff: noqa: E501  (one translated sentence per line reads better than wrapped fragments)
"""The words of mining's figures in English and Spanish (mining cannot use improvement's Text), and
numbers written the way each language writes them."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

FIGURE_LANGS = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "days": "days",
        "hours": "hours",
        "minutes": "minutes",
        "seconds": "seconds",
        "variants.title": "Variants",
        "variants.none": "No cases: the log has no variants",
        "variants.cases": "cases",
        "variants.hover": "<b>Variant %{customdata[0]}</b>: %{x:,} cases (%{customdata[3]:.1%}), %{customdata[2]} steps<br>%{customdata[1]}<br>top %{customdata[0]} cover %{customdata[4]:.1%}<extra></extra>",
        "variants.coverage": "cumulative coverage",
        "variants.coverage_hover": "top variants cover %{x:.1%} of cases<extra></extra>",
        "variants.share_axis": "cumulative share of cases",
        "variants.heading": "Top {shown} of {variants} variants cover {coverage} of {total} cases",
        "dotted.title": "Dotted chart",
        "dotted.none": "No events to show",
        "dotted.since": "time since the case started ({unit})",
        "dotted.time": "time (UTC)",
        "dotted.hover": "case %{{customdata}}<br>{activity}<br>%{{x}}<extra></extra>",
        "dotted.hover_relative": "case %{{customdata}}<br>{activity}<br>%{{x:.1f}} {unit}<extra></extra>",
        "dotted.cases": "cases (by start)",
        "dotted.sampled": ", evenly sampled by start",
        "dotted.heading": "Dotted chart: {shown} of {total} cases{sampled}",
        "waits.title": "Designed waits and excess per path",
        "waits.none": "No paths: every case has a single event",
        "waits.hover": "<b>%{y}</b> (%{customdata[0]} transitions)<br>median %{customdata[1]}, p90 %{customdata[2]}<br>designed %{customdata[3]}; excess: median %{customdata[4]}, p90 %{customdata[5]}<extra></extra>",
        "waits.designed": "designed (intended)",
        "waits.excess": "excess over design (median)",
        "waits.axis": "median time ({unit})",
        "waits.heading": "{title}: grey is intended by the design, red is the real delay",
        "conf.title": "Conformance",
        "conf.none": "No cases to check",
        "conf.fitness_title": "Fitness of cases",
        "conf.deviations_title": "Top deviations (of {n} cases)",
        "conf.fitness_hover": "fitness %{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y:,} cases<extra></extra>",
        "conf.no_deviations": "No deviations listed",
        "conf.replay_none": " (token replay lists none)",
        "conf.impact": "<br>median throughput {with_it} with it, {without} without",
        "conf.hover": "<b>%{y}</b><br>%{x:,} cases%{customdata}<extra></extra>",
        "conf.fitness": "fitness",
        "conf.cases": "cases",
        "conf.affected": "cases affected",
        "conf.heading": "Conformance ({method}): fitness {fitness}, {fit} of {n} cases fit",
        "kind.skipped": "skipped",
        "kind.unexpected": "unexpected",
        "kind.out_of_order": "out_of_order",
        "method.alignments": "alignments",
        "method.token_replay": "token_replay",
    },
    "es": {
        "days": "días",
        "hours": "horas",
        "minutes": "minutos",
        "seconds": "segundos",
        "variants.title": "Variantes",
        "variants.none": "Sin casos: el registro no tiene variantes",
        "variants.cases": "casos",
        "variants.hover": "<b>Variante %{customdata[0]}</b>: %{x:,} casos (%{customdata[3]:.1%}), %{customdata[2]} pasos<br>%{customdata[1]}<br>las %{customdata[0]} primeras cubren el %{customdata[4]:.1%}<extra></extra>",
        "variants.coverage": "cobertura acumulada",
        "variants.coverage_hover": "las variantes principales cubren el %{x:.1%} de los casos<extra></extra>",
        "variants.share_axis": "proporción acumulada de casos",
        "variants.heading": "Las {shown} principales de {variants} variantes cubren el {coverage} de {total} casos",
        "dotted.title": "Gráfico de puntos",
        "dotted.none": "No hay eventos que mostrar",
        "dotted.since": "tiempo desde el inicio del caso ({unit})",
        "dotted.time": "fecha y hora (UTC)",
        "dotted.hover": "caso %{{customdata}}<br>{activity}<br>%{{x}}<extra></extra>",
        "dotted.hover_relative": "caso %{{customdata}}<br>{activity}<br>%{{x:.1f}} {unit}<extra></extra>",
        "dotted.cases": "casos (por inicio)",
        "dotted.sampled": ", muestra uniforme por inicio",
        "dotted.heading": "Gráfico de puntos: {shown} de {total} casos{sampled}",
        "waits.title": "Esperas diseñadas y exceso por camino",
        "waits.none": "Sin caminos: cada caso tiene un solo evento",
        "waits.hover": "<b>%{y}</b> (%{customdata[0]} transiciones)<br>mediana %{customdata[1]}, p90 %{customdata[2]}<br>diseñada %{customdata[3]}; exceso: mediana %{customdata[4]}, p90 %{customdata[5]}<extra></extra>",
        "waits.designed": "diseñada (prevista)",
        "waits.excess": "exceso sobre el diseño (mediana)",
        "waits.axis": "tiempo mediano ({unit})",
        "waits.heading": "{title}: en gris lo previsto por el diseño, en rojo el retraso real",
        "conf.title": "Conformidad",
        "conf.none": "No hay casos que comprobar",
        "conf.fitness_title": "Ajuste de los casos",
        "conf.deviations_title": "Principales desviaciones (de {n} casos)",
        "conf.fitness_hover": "ajuste %{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y:,} casos<extra></extra>",
        "conf.no_deviations": "No hay desviaciones",
        "conf.replay_none": " (la reproducción de tokens no las enumera)",
        "conf.impact": "<br>tiempo de ciclo mediano {with_it} con ella, {without} sin ella",
        "conf.hover": "<b>%{y}</b><br>%{x:,} casos%{customdata}<extra></extra>",
        "conf.fitness": "ajuste",
        "conf.cases": "casos",
        "conf.affected": "casos afectados",
        "conf.heading": "Conformidad ({method}): ajuste {fitness}, {fit} de {n} casos encajan",
        "kind.skipped": "omitida",
        "kind.unexpected": "inesperada",
        "kind.out_of_order": "fuera de orden",
        "method.alignments": "alineamientos",
        "method.token_replay": "reproducción de tokens",
    },
}


def check_figure_lang(lang: str) -> str:
    """``lang`` if the figures speak it, else a ValueError naming the choices."""
    if lang not in FIGURE_LANGS:
        raise ValueError(f"lang must be one of {', '.join(FIGURE_LANGS)}, not {lang!r}")
    return lang


def words(lang: str) -> dict[str, str]:
    """The figure words in ``lang`` (checked)."""
    return WORDS[check_figure_lang(lang)]


def integer(value: int, lang: str) -> str:
    """1,234 in English, 1.234 in Spanish."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "es" else text


def fixed(value: float, lang: str, spec: str) -> str:
    """``value`` formatted with ``spec`` (such as ``.3f`` or ``.1%``); Spanish swaps the
    separators and puts a space before the percent sign."""
    text = format(value, spec)
    if lang != "es":
        return text
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("%", "\u00a0%")


def localise(figure: go.Figure, lang: str) -> Any:
    """Plotly's own number formats (ticks, hover) with Spanish separators when ``lang`` is es."""
    if lang == "es":
        figure.update_layout(separators=",.")
    return figure
