"""The figure builders the dashboard shows speak Spanish with ``lang="es"`` (titles, axes, legends,
hover labels, Spanish number formats), on the sample logs; any other language is refused."""

from __future__ import annotations

import pytest

import improvement
import mining
import sample_logs
from automation import designed_waits, read_workflow, workflow_to_petri_net

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def sales():
    return sample_logs.load_sales_activities()


@pytest.fixture(scope="module")
def slow(sales):
    return improvement.root_cause(sales, "slow")


def test_variants_in_spanish(sales):
    figure = mining.variants_figure(mining.get_variants(sales), top=8, lang="es")
    assert figure.layout.title.text == (
        f"Las 8 principales de 23 variantes cubren el 91,7{NBSP}% de 278 casos"
    )
    assert figure.layout.xaxis.title.text == "casos"
    assert figure.layout.xaxis2.title.text == "proporción acumulada de casos"
    assert [t.name for t in figure.data] == ["casos", "cobertura acumulada"]
    assert figure.data[0].hovertemplate.startswith("<b>Variante %{customdata[0]}</b>")
    assert figure.layout.separators == ",."


def test_dotted_chart_in_spanish(sales):
    figure = mining.dotted_chart_figure(sales, max_cases=50, lang="es")
    assert figure.layout.title.text == (
        "Gráfico de puntos: 50 de 278 casos, muestra uniforme por inicio"
    )
    assert figure.layout.xaxis.title.text == "fecha y hora (UTC)"
    assert figure.layout.yaxis.title.text == "casos (por inicio)"
    relative = mining.dotted_chart_figure(sales, max_cases=50, time="relative", lang="es")
    assert relative.layout.xaxis.title.text == "tiempo desde el inicio del caso (días)"
    assert relative.data[0].hovertemplate.startswith("caso %{customdata}<br>")


def test_conformance_in_spanish(sales):
    net, im, fm = workflow_to_petri_net(read_workflow(sample_logs.workflow_path("sales_pipeline")))
    figure = mining.conformance_figure(mining.check_conformance(sales, net, im, fm), lang="es")
    assert figure.layout.title.text == (
        "Conformidad (alineamientos): ajuste 0,948, 210 de 278 casos encajan"
    )
    _, deviations = figure.data
    assert list(deviations.y) == ["omitida: Demo held", "inesperada: Proposal sent"]
    assert list(deviations.text) == [f"60 (22{NBSP}%)", f"16 (6{NBSP}%)"]
    subplot_titles = [a.text for a in figure.layout.annotations]
    assert subplot_titles == ["Ajuste de los casos", "Principales desviaciones (de 278 casos)"]
    assert figure.layout.xaxis2.title.text == "casos afectados"


def test_designed_waits_in_spanish():
    frame = mining.waits_against_design(
        sample_logs.load_campaigns(),
        designed_waits(read_workflow(sample_logs.workflow_path("welcome_nurture"))),
    )
    figure = mining.waits_against_design_figure(frame, top=5, lang="es")
    assert [t.name for t in figure.data] == [
        "diseñada (prevista)",
        "exceso sobre el diseño (mediana)",
    ]
    assert figure.layout.xaxis.title.text == "tiempo mediano (días)"
    assert figure.layout.title.text.startswith("Esperas diseñadas y exceso por camino: en gris")


def test_control_chart_in_spanish(sales):
    chart = improvement.kpi_control_chart(improvement.throughput_series(sales, freq="W"))
    figure = improvement.control_chart_figure(chart, lang="es")
    heading, summary = figure.layout.title.text.split("<br><sup>")
    assert heading == "Gráfico de individuos (I-MR) de median throughput time (days)"
    assert ": 7 señales, la primera en el punto 1 (2025-09-01): un punto fuera" in summary
    names = {t.name for t in figure.data}
    assert {"zona 1σ", "límites de control", "línea central", "valor", "señal"} <= names
    assert figure.layout.yaxis.title.text == "valor"
    assert [a.text for a in figure.layout.annotations] == ["valor", "Gráfico de rangos móviles"]
    signal = next(t for t in figure.data if t.name == "señal")
    assert "<b>nelson-1</b>: un punto fuera del límite de control inferior" in signal.text[0]


def test_capability_in_spanish(sales):
    days = mining.throughput_times(sales)["throughput_seconds"].dropna().to_numpy() / 86400
    result = improvement.capability(days, usl=40, name="tiempo de ciclo (días)")
    figure = improvement.capability_figure(result, lang="es")
    assert figure.layout.title.text.startswith(
        "Capacidad de tiempo de ciclo (días) — Cpk 0,33 · Ppk 0,30<br><sup>Cpk 0,33 frente a "
        "LSE 40: el proceso no es capaz"
    )
    assert "184.997 defectos" in figure.layout.title.text
    assert [t.name for t in figure.data] == ["valores", "normal, σ intra", "normal, σ global"]
    assert figure.layout.yaxis.title.text == "densidad"
    assert [a.text for a in figure.layout.annotations] == ["LSE 40"]


def test_pareto_in_spanish(sales):
    figure = improvement.pareto_figure(improvement.pareto_of(sales, by="loss_reason"), lang="es")
    assert figure.layout.title.text == (
        f"Pareto de loss_reason<br><sup>pocos vitales: 2 de 6 suman el 85{NBSP}%</sup>"
    )
    assert [t.name for t in figure.data] == ["casos", "proporción acumulada"]
    assert figure.layout.yaxis.title.text == "casos"


def test_drivers_and_fishbone_in_spanish(slow):
    figure = improvement.driver_figure(slow, lang="es")
    assert figure.layout.title.text == (
        "Factores de «duration > 32.0 d (p75)»<br><sup>razón de riesgos con intervalo del "
        "95 %; asociación, no causa probada</sup>"
    )
    assert figure.layout.xaxis.title.text == "veces más probable que en el resto"
    assert figure.data[0].text[-1] == (
        f"67{NBSP}% frente a 21{NBSP}%<br>odds ratio ajustada 16,96 (5,64–51,04)"
        "<br>evidencia: fuerte<br>casos de más 11"
    )
    bones = improvement.fishbone_figure(improvement.fishbone(slow), lang="es")
    assert bones.layout.title.text.startswith("Espina de pescado de «duration > 32.0 d (p75)»")
    texts = [a.text for a in bones.layout.annotations]
    assert {"<b>personas</b>", "<b>método</b>", "<b>entorno</b>", "sin factores"} <= set(texts)


def test_english_stays_the_default_and_other_languages_are_refused(sales, slow):
    english = mining.variants_figure(mining.get_variants(sales), top=8)
    assert english.layout.title.text == "Top 8 of 23 variants cover 91.7% of 278 cases"
    assert english.layout.separators is None
    builders = [
        lambda lang: mining.variants_figure(mining.get_variants(sales), lang=lang),
        lambda lang: mining.dotted_chart_figure(sales, lang=lang),
        lambda lang: improvement.driver_figure(slow, lang=lang),
        lambda lang: improvement.fishbone_figure(improvement.fishbone(slow), lang=lang),
    ]
    for build in builders:
        with pytest.raises(ValueError, match="en, es"):
            build("fr")
