"""The words and the style sheet of the manager report, in English and Spanish (templates as
Python strings, so the package needs no template files)."""

from __future__ import annotations

from improvement._locale import Text

T: dict[str, Text] = {
    "title": Text("KPI report", "Informe de indicadores"),
    "log": Text("Log", "Registro"),
    "period": Text("Period", "Periodo"),
    "previous": Text("Previous period", "Periodo anterior"),
    "generated": Text("Generated", "Generado"),
    "contents": Text("Contents", "Índice"),
    "findings": Text("Key findings", "Conclusiones principales"),
    "headline": Text("Headline KPIs", "Indicadores principales"),
    "alerts": Text("Drift alerts", "Alertas de deriva"),
    "trends": Text(
        "Trends, control limits and forecast", "Tendencias, límites de control y previsión"
    ),
    "compliance": Text("Compliance", "Cumplimiento"),
    "emails": Text("Email performance", "Rendimiento de los correos"),
    "sales": Text("Sales pipeline", "Embudo de ventas"),
    "deviations": Text("Top deviations and their cost", "Principales desviaciones y su coste"),
    "drivers": Text("Top root-cause drivers", "Principales causas raíz"),
    "open": Text("Open cases at the end of the period", "Casos abiertos al final del periodo"),
    "step": Text("Step", "Paso"),
    "in_step": Text("In step", "En el paso"),
    "limit": Text("Limit", "Límite"),
    "loss": Text("Loss probability", "Probabilidad de pérdida"),
    "at_risk": Text("At risk", "En riesgo"),
    "why": Text("Why", "Por qué"),
    "pareto": Text("Loss-reason Pareto", "Pareto de motivos de pérdida"),
    "appendix": Text("Appendix: where the numbers come from", "Anexo: de dónde salen los números"),
    "kpi": Text("KPI", "Indicador"),
    "family": Text("Family", "Familia"),
    "value": Text("Value", "Valor"),
    "interval": Text("95 % interval", "Intervalo 95 %"),
    "target": Text("Target", "Objetivo"),
    "status": Text("Status", "Estado"),
    "change": Text("Change", "Cambio"),
    "trend_word": Text("Trend", "Tendencia"),
    "met": Text("met", "cumplido"),
    "missed": Text("missed", "no cumplido"),
    "no target": Text("no target", "sin objetivo"),
    "better": Text("better", "mejor"),
    "worse": Text("worse", "peor"),
    "same": Text("unchanged", "sin cambio"),
    "when": Text("Period", "Periodo"),
    "kind": Text("Kind", "Tipo"),
    "verdict": Text("Direction", "Sentido"),
    "message": Text("What happened", "Qué ocurrió"),
    "run_rule": Text("control-chart rule", "regla del gráfico de control"),
    "forecast": Text("outside forecast", "fuera de la previsión"),
    "change_point": Text("shift in level", "cambio de nivel"),
    "no_alerts": Text(
        "No drift: no run rule fired and no value left its forecast interval in the period.",
        "Sin deriva: ninguna regla saltó y ningún valor salió de su intervalo de previsión en el "
        "periodo.",
    ),
    "reason": Text("Why not", "Motivo"),
    "not_computable": Text(
        "KPIs that could not be computed", "Indicadores que no se pudieron calcular"
    ),
    "email": Text("Email", "Correo"),
    "sent": Text("Sent", "Enviados"),
    "delivered": Text("Delivered", "Entregados"),
    "open_rate": Text("Open rate", "Tasa de apertura"),
    "click_rate": Text("Click rate", "Tasa de clics"),
    "unsubscribe_rate": Text("Unsubscribe rate", "Tasa de bajas"),
    "bounce_rate": Text("Bounce rate", "Tasa de rebote"),
    "flag": Text("Flag", "Alerta"),
    "far_below": Text("far below the others", "muy por debajo del resto"),
    "stage": Text("Stage", "Etapa"),
    "reached": Text("Reached", "Alcanzan"),
    "recorded": Text("Recorded", "Registradas"),
    "skipped": Text("Skipped", "Omitidas"),
    "conversion": Text("Conversion", "Conversión"),
    "won": Text("Won", "Ganadas"),
    "lost": Text("Lost", "Perdidas"),
    "win_rate": Text("Win rate", "Tasa de éxito"),
    "days_in_stage": Text("Median days in stage", "Mediana de días en la etapa"),
    "fit": Text("Fit", "Encaje"),
    "moment": Text("Moment", "Momento"),
    "loss_reason": Text("Loss reason", "Motivo de pérdida"),
    "deals": Text("Deals", "Oportunidades"),
    "share": Text("Share", "Proporción"),
    "amount": Text("Amount", "Importe"),
    "age": Text("Days since lost", "Días desde la pérdida"),
    "case": Text("Case", "Caso"),
    "resource": Text("Resource", "Recurso"),
    "contact": Text("Contact", "Contacto"),
    "sent_at": Text("Sent at", "Enviado el"),
    "withdrawal": Text("After", "Después de"),
    "withdrawn_at": Text("Withdrawn at", "Retirado el"),
    "contacts": Text("Contacts", "Contactos"),
    "sends": Text("Emails", "Correos"),
    "gap": Text("Gap", "Desviación"),
    "excess": Text("Excess units", "Unidades de exceso"),
    "cost": Text("Cost", "Coste"),
    "factor": Text("Factor", "Factor"),
    "level": Text("Group", "Grupo"),
    "cases": Text("Cases", "Casos"),
    "rate": Text("Rate", "Tasa"),
    "rest": Text("Rest", "Resto"),
    "risk_ratio": Text("Risk ratio", "Razón de riesgos"),
    "evidence": Text("Evidence", "Evidencia"),
    "strong": Text("strong", "fuerte"),
    "moderate": Text("moderate", "moderada"),
    "weak": Text("weak", "débil"),
    "data_window": Text("Data window", "Ventana de datos"),
    "filters": Text("Filters", "Filtros"),
    "no_filters": Text("none (every event of the log)", "ninguno (todos los eventos del registro)"),
    "period_filter": Text(
        "Period: the cases started from {a} to {b} (option --period {p}).",
        "Periodo: los casos iniciados del {a} al {b} (opción --period {p}).",
    ),
    "repeat_filters": Text("To repeat them: --filters '{j}'", "Para repetirlos: --filters '{j}'"),
    "rows": Text("Row counts", "Recuento de filas"),
    "rows_read": Text("rows read at import", "filas leídas al importar"),
    "events": Text("events accepted", "eventos aceptados"),
    "all_cases": Text("cases", "casos"),
    "period_cases": Text("cases started in the period", "casos iniciados en el periodo"),
    "few_cases": Text(
        "Only {n} cases started in this period, fewer than {m}: its figures and their changes "
        "are too uncertain to act on. Choose a longer period (--period with a quarter or a "
        "year) or an earlier month.",
        "Solo {n} casos se iniciaron en este periodo, menos de {m}: sus cifras y sus cambios "
        "son demasiado inciertos para actuar. Elija un periodo más largo (--period con un "
        "trimestre o un año) o un mes anterior.",
    ),
    "previous_cases": Text(
        "cases started in the previous period", "casos iniciados en el periodo anterior"
    ),
    "quarantine": Text(
        "Quarantine (rows set aside at import)", "Cuarentena (filas apartadas al importar)"
    ),
    "no_quarantine": Text("no row was set aside", "no se apartó ninguna fila"),
    "definitions": Text("KPI definitions", "Definiciones de los indicadores"),
    "formula": Text("Formula", "Fórmula"),
    "unit": Text("Unit", "Unidad"),
    "direction": Text("Better when", "Mejor cuando"),
    "higher": Text("higher", "mayor"),
    "lower": Text("lower", "menor"),
    "neutral": Text("—", "—"),
    "settings": Text(
        "Settings that differ from the defaults", "Ajustes distintos de los predeterminados"
    ),
    "method": Text("Method", "Método"),
    "extra": Text("Additional sections", "Secciones adicionales"),
    "revivable": Text("Revivable lost deals", "Oportunidades perdidas recuperables"),
    "matrix": Text(
        "Lead-scoring matrix: conversion (cases)", "Matriz de lead scoring: conversión (casos)"
    ),
    "win_by_stage": Text("Win rate and time by stage", "Tasa de éxito y tiempo por etapa"),
    "funnel": Text("Funnel", "Embudo"),
    "lost_by_reason": Text(
        "Lost deals by reason and age", "Oportunidades perdidas por motivo y antigüedad"
    ),
    "violations": Text("Emails sent after a withdrawal", "Correos enviados tras una retirada"),
    "examples": Text("First cases", "Primeros casos"),
    "unavailable": Text("not computable", "no calculable"),
    "none": Text("none", "ninguno"),
}

METHOD = Text(
    "Each KPI is computed on the cases started in the period (the period filter above: "
    "first event on or after its first day and before the day after its last), except "
    "consent, which looks back over the whole history for the "
    "withdrawal and counts the sends made in the period. Trends are the same KPI per {freq}, "
    "from the items behind it (cases by their start, emails by their send); control limits come "
    "from the periods before the report's period (all periods when fewer than 6), and the chart "
    "kind is chosen automatically (I-MR for times, p or Laney p′ for shares, c or u for counts). "
    "Forecasts are statsmodels ETS models with 95 % prediction intervals. Intervals of shares "
    "are Wilson score intervals; of medians, distribution-free order-statistic intervals.",
    "Cada indicador se calcula sobre los casos iniciados en el periodo (el filtro del periodo "
    "de arriba: primer evento desde su primer día y antes del día siguiente al último), "
    "salvo el consentimiento, que busca la retirada "
    "en todo el historial y cuenta los envíos hechos en el periodo. Las tendencias son el mismo "
    "indicador por {freq}, a partir de sus elementos (casos por su inicio, correos por su "
    "envío); los límites de control salen de los periodos anteriores al del informe (de todos "
    "si hay menos de 6), y el tipo de gráfico se elige solo (I-MR para tiempos, p o p′ de Laney "
    "para proporciones, c o u para recuentos). Las previsiones son modelos ETS de statsmodels "
    "con intervalos de predicción del 95 %. Los intervalos de proporciones son de Wilson; los "
    "de medianas, por estadísticos de orden sin supuestos de distribución.",
)
FREQ_WORDS = {
    "D": Text("day", "día"),
    "W": Text("week", "semana"),
    "M": Text("month", "mes"),
}
FAMILY_WORDS = {
    "efficiency": Text("efficiency", "eficiencia"),
    "efficacy": Text("efficacy", "eficacia"),
    "productivity": Text("productivity", "productividad"),
    "compliance": Text("compliance", "cumplimiento"),
    "quality": Text("quality", "calidad"),
    "satisfaction": Text("satisfaction", "satisfacción"),
    "marketing": Text("marketing", "marketing"),
    "sales": Text("sales", "ventas"),
    "customer": Text("customer", "cliente"),
}

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #777; } }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; color: #222;
  max-width: 60em; margin: 1.5em auto; padding: 0 1em; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; border-bottom: 2px solid #2c3e50; padding-bottom: .15em; margin-top: 1.6em;
  page-break-after: avoid; }
h3 { font-size: 11pt; margin: 1.1em 0 .4em; page-break-after: avoid; }
.meta { color: #555; margin: 0 0 1em; }
table { border-collapse: collapse; margin: .4em 0 .9em; font-size: 8.5pt; width: 100%;
  page-break-inside: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top;
  overflow-wrap: normal; word-break: normal; hyphens: manual; }
th { background: #f2f4f5; font-weight: bold; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr { page-break-inside: avoid; }
.met { color: #1e8449; font-weight: bold; }
.missed { color: #c0392b; font-weight: bold; }
.worse { color: #c0392b; }
.better { color: #1e8449; }
.flag { color: #c0392b; font-weight: bold; }
.note { color: #555; font-size: 8.5pt; }
.finding { margin: .2em 0; }
figure { margin: .6em 0 1em; page-break-inside: avoid; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 8.5pt; color: #444; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; }
nav ol { margin: .2em 0 1em; padding-left: 1.4em; columns: 2; }
.cell { text-align: center; }
"""

# each KPI's formula (KpiDefinition.formula) in Spanish, for the Spanish report's definitions
FORMULAS_ES: dict[str, str] = {
    "cycle_time": "mediana(última marca de tiempo − primera marca de tiempo) / 86400 s",
    "flow_efficiency": "Σ segundos de servicio / Σ segundos de duración total",
    "productivity": "media por recurso de (casos distintos atendidos / semanas de la ventana)",
    "conformance_rate": "casos con ajuste = 1 / casos",
    "sla_adherence": "casos con duración ≤ horas del SLA / casos",
    "consent_violations": "número de envíos con hora de envío > la primera retirada del contacto",
    "rework_rate": "casos con una actividad repetida / casos",
    "error_rate": "casos con una actividad de error / casos",
    "bounce_rate": "mensajes con rebote / mensajes enviados",
    "nps": "100 × (promotores − detractores) / respuestas",
    "csat": "respuestas ≥ 4 / respuestas",
    "open_rate": "mensajes abiertos / mensajes entregados",
    "click_rate": "mensajes con clic / mensajes entregados",
    "unsubscribe_rate": "mensajes con baja / mensajes entregados",
    "touch_point_completion": "contactos con una actividad del nodo / contactos inscritos",
    "goal_reach_rate": "casos con una actividad objetivo / casos",
    "speed_to_lead": "mediana(primer contacto − inicio del lead) / 3600 s",
    "lead_scoring_matrix": (
        "ganados / casos, por celda; valor sobre encaje ∈ {A, B} y momento ∈ {1, 2}"
    ),
    "funnel_conversion": "alcanzan(última etapa) / alcanzan(primera etapa)",
    "win_rate": "ganados / (ganados + perdidos)",
    "lost_deals": "número de casos con una actividad de pérdida",
    "revivable_deals": "oportunidades perdidas con un motivo recuperable y antigüedad ≤ 365 días",
    "data_quality": "media por registro de (campos presentes / campos esperados)",
    "rfm": "clientes con R ≥ 4, F ≥ 4, M ≥ 4 / clientes",
    "clv": "media del pedido × compras por año × mín(1 / abandono por año, 10)",
    "churn_risk": ("media de P(ninguna compra en 60 días | R, F, M) sobre los clientes activos"),
    "cohort_retention": ("clientes de la cohorte que compran en el mes k / clientes de la cohorte"),
}
