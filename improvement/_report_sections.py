"""The sections of the manager report, each rendered as an HTML fragment in one language from the
report's data (numbers and dates formatted per locale, every text escaped)."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

import mining
from improvement._kpi_base import KPI_DEFINITIONS, KpiResult, NotComputable
from improvement._kpi_series import CHART_NAMES
from improvement._locale import (
    DASH,
    Text,
    change_text,
    day,
    integer,
    money,
    number,
    percent,
    span,
    value_text,
)
from improvement._report_figures import pareto_svg, svg_data_uri, trend_svg
from improvement._report_text import FAMILY_WORDS, FORMULAS_ES, FREQ_WORDS, METHOD, T

if TYPE_CHECKING:
    from improvement._report import Report

Formatter = Callable[[Any, str], str]


def esc(value: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(value), quote=True)


def _text(value: Any, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return str(value)


def _share(value: Any, lang: str) -> str:
    return percent(value, lang)


def _int(value: Any, lang: str) -> str:
    return integer(value, lang)


def _num(value: Any, lang: str) -> str:
    return number(value, lang)


def _day(value: Any, lang: str) -> str:
    return day(value, lang)


@dataclass(frozen=True)
class Column:
    """A table column: the frame's ``key``, its ``header`` and how to format its cells."""

    key: str
    header: Text
    fmt: Formatter = _text
    numeric: bool = False


def table(frame: pd.DataFrame, columns: Sequence[Column], lang: str) -> str:
    """An HTML table of ``frame``'s ``columns``, cells formatted for ``lang`` and escaped."""
    if frame is None or frame.empty:
        return f'<p class="note">{esc(T["none"](lang))}</p>'
    head = "".join(
        f'<th class="num">{esc(c.header(lang))}</th>'
        if c.numeric
        else f"<th>{esc(c.header(lang))}</th>"
        for c in columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            shown = esc(c.fmt(row.get(c.key), lang))
            cells.append(f'<td class="num">{shown}</td>' if c.numeric else f"<td>{shown}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure(svg: str, caption: str) -> str:
    """An embedded SVG figure (a ``data:`` URI: nothing to fetch) with its caption."""
    return (
        f'<figure><img src="{svg_data_uri(svg)}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _value(result: KpiResult, lang: str, value: float | None = None) -> str:
    currency = "EUR"
    return value_text(
        result.value if value is None else value, result.definition.unit, lang, currency=currency
    )


def _interval(result: KpiResult, lang: str) -> str:
    if result.low is None or result.high is None:
        return DASH
    if not (math.isfinite(result.low) and math.isfinite(result.high)):
        return DASH
    return f"{_value(result, lang, result.low)} – {_value(result, lang, result.high)}"


def _verdict(result: KpiResult, change: float) -> str:
    if not math.isfinite(change) or result.definition.direction == "neutral":
        return ""
    if abs(change) < 1e-12:
        return "same"
    better = (change > 0) == (result.definition.direction == "higher")
    return "better" if better else "worse"


# -- sections -----------------------------------------------------------------------------
def findings(report: Report, lang: str) -> str:
    """Bullet points: drift alerts that make a KPI worse, missed targets, flagged emails,
    consent violations, the vital few loss reasons."""
    items: list[str] = []
    for trend in report.trends:
        worse = [a for a in trend.alerts if a.worse]
        if not worse:
            continue
        first = worse[0]
        text = (
            Text(
                "{n} drift alerts in the period, making it worse; the first in {w}: {m}.",
                "{n} alertas de deriva en el periodo, a peor; la primera en {w}: {m}.",
            )
            if len(worse) > 1
            else Text(
                "A drift alert in the period, making it worse, in {w}: {m}.",
                "Una alerta de deriva en el periodo, a peor, en {w}: {m}.",
            )
        ).format(n=len(worse), w=first.label, m=first.message)
        items.append(f"<b>{esc(trend.definition.name(lang))}</b>: {esc(text(lang))}")
    consent = report.current.get("consent_violations")
    if isinstance(consent, KpiResult) and consent.value > 0:
        text = Text(
            "{n} emails went to contacts after they had unsubscribed, bounced or reported spam "
            "({c} contacts).",
            "{n} correos se enviaron a contactos que ya se habían dado de baja, habían rebotado o "
            "lo habían marcado como spam ({c} contactos).",
        ).format(n=integer(consent.value, lang), c=integer(consent.details.get("contacts"), lang))
        items.append(f"<b>{esc(consent.name(lang))}</b>: {esc(text(lang))}")
    clicks = report.current.get("click_rate")
    if isinstance(clicks, KpiResult) and clicks.breakdown is not None:
        for _, row in clicks.breakdown[clicks.breakdown["flagged"]].iterrows():
            text = Text(
                "email {e} is clicked far less than its siblings: {r} against {o}.",
                "el correo {e} recibe muchos menos clics que sus hermanos: {r} frente a {o}.",
            ).format(
                e=row["email"], r=percent(row["rate"], lang), o=percent(row["rest_rate"], lang)
            )
            items.append(f"<b>{esc(clicks.name(lang))}</b>: {esc(text(lang))}")
    for result in report.current.computed():
        if result.status == "missed" and result.id not in ("consent_violations",):
            text = Text("{v} against a target of {t}.", "{v} frente a un objetivo de {t}.").format(
                v=_value(result, lang), t=_value(result, lang, result.target)
            )
            items.append(f"<b>{esc(result.name(lang))}</b>: {esc(text(lang))}")
    if report.pareto is not None and report.pareto.vital_few:
        text = Text(
            "{k} of {n} loss reasons ({names}) explain {s} of the lost deals.",
            "{k} de {n} motivos de pérdida ({names}) explican el {s} de las oportunidades "
            "perdidas.",
        ).format(
            k=len(report.pareto.vital_few),
            n=report.pareto.n_categories,
            names=", ".join(report.pareto.vital_few),
            s=percent(report.pareto.vital_share(), lang),
        )
        items.append(f"<b>{esc(T['pareto'](lang))}</b>: {esc(text(lang))}")
    if not items:
        return f"<p>{esc(T['none'](lang))}</p>"
    return "<ul>" + "".join(f'<li class="finding">{i}</li>' for i in items) + "</ul>"


def headline(report: Report, lang: str) -> str:
    """Every computed KPI: value, interval, target and status, previous period and change."""
    rows = []
    for result in report.current.computed():
        before = report.previous_kpis[result.id]
        previous = before.value if isinstance(before, KpiResult) else None
        change = result.value - previous if previous is not None else math.nan
        verdict = _verdict(result, change)
        status = result.status
        target = DASH if result.target is None else _value(result, lang, result.target)
        shown_previous = DASH if previous is None else _value(result, lang, previous)
        shown_change = (
            DASH if previous is None else change_text(change, result.definition.unit, lang)
        )
        if verdict:
            shown_change += f" ({T[verdict](lang)})"
        rows.append(
            "<tr>"
            f"<td>{esc(result.name(lang))}</td>"
            f"<td>{esc(FAMILY_WORDS[result.definition.family](lang))}</td>"
            f'<td class="num"><b>{esc(_value(result, lang))}</b></td>'
            f'<td class="num">{esc(_interval(result, lang))}</td>'
            f'<td class="num">{esc(target)}</td>'
            f'<td class="{esc(status)}">{esc(T[status](lang))}</td>'
            f'<td class="num">{esc(shown_previous)}</td>'
            f'<td class="num {verdict}">{esc(shown_change)}</td>'
            "</tr>"
        )
    headers = [
        T["kpi"],
        T["family"],
        T["value"],
        T["interval"],
        T["target"],
        T["status"],
        T["previous"],
        T["change"],
    ]
    head = "".join(f"<th>{esc(h(lang))}</th>" for h in headers)
    period = Text("{p}; previous: {q}.", "{p}; anterior: {q}.").format(
        p=report.period.describe(), q=report.previous.describe()
    )
    return (
        f'<p class="note">{esc(period(lang))}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def alerts(report: Report, lang: str) -> str:
    """Every drift alert in the period: KPI, period, kind, better or worse, what happened."""
    found = [a for t in report.trends for a in t.alerts]
    if not found:
        return f"<p>{esc(T['no_alerts'](lang))}</p>"
    frame = pd.DataFrame(
        {
            "kpi": [KPI_DEFINITIONS[a.kpi].name(lang) for a in found],
            "when": [a.label for a in found],
            "kind": [T[a.kind](lang) for a in found],
            "verdict": [a.verdict()(lang) for a in found],
            "message": [a.message(lang) for a in found],
        }
    )
    columns = [
        Column("kpi", T["kpi"]),
        Column("when", T["when"]),
        Column("kind", T["kind"]),
        Column("verdict", T["verdict"]),
        Column("message", T["message"]),
    ]
    return table(frame, columns, lang)


def trends(report: Report, lang: str) -> str:
    """One figure per KPI trend (those with alerts first) with a caption saying the chart."""
    ordered = sorted(report.trends, key=lambda t: (not t.alerts, list(KPI_DEFINITIONS).index(t.id)))
    parts = []
    freq = FREQ_WORDS.get(report.freq, FREQ_WORDS["W"])
    for trend in ordered[: report.max_trends]:
        if trend.chart is None:
            continue
        chart = CHART_NAMES.get(trend.chart.kind, Text(trend.chart.kind, trend.chart.kind))
        signals = len([s for s in trend.chart.all_signals()])
        caption = Text(
            "{k} per {f}: {c}, limits from {b} periods before {p}; {s} signals; forecast {m}.",
            "{k} por {f}: {c}, límites con {b} periodos anteriores a {p}; {s} señales; "
            "previsión {m}.",
        ).format(
            k=trend.definition.name,
            f=freq,
            c=chart,
            b=trend.chart.n_baseline,
            p=report.period.label,
            s=signals,
            m=trend.forecast.model if trend.forecast else DASH,
        )
        notes = " ".join(n(lang) for n in trend.notes)
        parts.append(figure(trend_svg(trend, lang), caption(lang) + (f" {notes}" if notes else "")))
    return "".join(parts) or f"<p>{esc(T['none'](lang))}</p>"


def _status_line(result: KpiResult | NotComputable, lang: str) -> str:
    if isinstance(result, NotComputable):
        return (
            f"<li><b>{esc(result.name(lang))}</b>: {esc(T['unavailable'](lang))} — "
            f"{esc(result.reason(lang))}</li>"
        )
    target = _value(result, lang, result.target) if result.target is not None else DASH
    return (
        f"<li><b>{esc(result.name(lang))}</b>: {esc(_value(result, lang))} "
        f"({esc(T['target'](lang).lower())} {esc(target)}; "
        f'<span class="{esc(result.status)}">{esc(T[result.status](lang))}</span>)</li>'
    )


def compliance(report: Report, lang: str) -> str:
    """Conformance, SLA adherence and consent: values or why not; the violating sends."""
    ids = [k for k, d in KPI_DEFINITIONS.items() if d.family == "compliance"]
    lines = "".join(_status_line(report.current[k], lang) for k in ids if k in report.current)
    parts = [f"<ul>{lines}</ul>"]
    consent = report.current.get("consent_violations")
    if isinstance(consent, KpiResult) and consent.value > 0:
        parts.append(f"<h3>{esc(T['violations'](lang))}</h3>")
        key = "email" if "email" in consent.breakdown else "withdrawal"
        parts.append(
            table(
                consent.breakdown,
                [
                    Column(key, T["email"] if key == "email" else T["withdrawal"]),
                    Column("sends", T["sends"], _int, True),
                    Column("contacts", T["contacts"], _int, True),
                ],
                lang,
            )
        )
        examples = consent.details.get("examples")
        if isinstance(examples, pd.DataFrame) and len(examples):
            parts.append(f"<h3>{esc(T['examples'](lang))}</h3>")
            parts.append(
                table(
                    examples,
                    [
                        Column("contact", T["contact"]),
                        Column("sent_at", T["sent_at"], _day),
                        Column("withdrawal", T["withdrawal"]),
                        Column("withdrawn_at", T["withdrawn_at"], _day),
                    ],
                    lang,
                )
            )
    return "".join(parts)


def emails(report: Report, lang: str) -> str:
    """Per email: sends, deliveries and the four rates, the emails far below flagged."""
    clicks = report.current.get("click_rate")
    if not isinstance(clicks, KpiResult) or clicks.breakdown is None:
        return ""
    frame = clicks.breakdown[["email", "message", "sent", "base", "rate", "low", "high", "flagged"]]
    frame = frame.rename(columns={"rate": "click_rate", "base": "delivered"})
    for kpi_id in ("open_rate", "unsubscribe_rate", "bounce_rate"):
        other = report.current.get(kpi_id)
        if isinstance(other, KpiResult) and other.breakdown is not None:
            rates = other.breakdown.set_index("message")["rate"]
            frame[kpi_id] = frame["message"].map(rates)
    frame["click_interval"] = [
        f"{percent(r, lang)} ({percent(lo, lang)} – {percent(hi, lang)})"
        for r, lo, hi in zip(frame["click_rate"], frame["low"], frame["high"], strict=True)
    ]
    frame["flag_text"] = [T["far_below"](lang) if f else "" for f in frame["flagged"]]
    columns = [
        Column("email", T["email"]),
        Column("sent", T["sent"], _int, True),
        Column("delivered", T["delivered"], _int, True),
    ]
    for kpi_id in ("open_rate",):
        if kpi_id in frame:
            columns.append(Column(kpi_id, T[kpi_id], _share, True))
    columns.append(Column("click_interval", T["click_rate"], _text, True))
    for kpi_id in ("unsubscribe_rate", "bounce_rate"):
        if kpi_id in frame:
            columns.append(Column(kpi_id, T[kpi_id], _share, True))
    columns.append(Column("flag_text", T["flag"]))
    notes = "".join(f'<p class="note">{esc(n(lang))}</p>' for n in clicks.notes)
    return table(frame, columns, lang) + notes


def sales(report: Report, lang: str) -> str:
    """Funnel, win rate and time by stage, the lead-scoring matrix, lost deals by reason and
    age with the Pareto, and the revivable deals."""
    parts = []
    current = report.current
    funnel = current.get("funnel_conversion")
    if isinstance(funnel, KpiResult) and funnel.breakdown is not None:
        frame = funnel.breakdown.copy()
        frame["interval"] = [
            f"{percent(c, lang)} ({percent(lo, lang)} – {percent(hi, lang)})"
            for c, lo, hi in zip(frame["conversion"], frame["low"], frame["high"], strict=True)
        ]
        parts.append(f"<h3>{esc(T['funnel'](lang))}</h3>")
        parts.append(
            table(
                frame,
                [
                    Column("stage", T["stage"]),
                    Column("reached", T["reached"], _int, True),
                    Column("recorded", T["recorded"], _int, True),
                    Column("skipped", T["skipped"], _int, True),
                    Column("interval", T["conversion"], _text, True),
                ],
                lang,
            )
        )
        parts += [f'<p class="note">{esc(n(lang))}</p>' for n in funnel.notes]
    wins = current.get("win_rate")
    if isinstance(wins, KpiResult) and wins.breakdown is not None:
        parts.append(f"<h3>{esc(T['win_by_stage'](lang))}</h3>")
        parts.append(
            table(
                wins.breakdown,
                [
                    Column("stage", T["stage"]),
                    Column("reached", T["reached"], _int, True),
                    Column("won", T["won"], _int, True),
                    Column("lost", T["lost"], _int, True),
                    Column("win_rate", T["win_rate"], _share, True),
                    Column("median_days_in_stage", T["days_in_stage"], _num, True),
                ],
                lang,
            )
        )
    matrix = current.get("lead_scoring_matrix")
    if isinstance(matrix, KpiResult) and matrix.breakdown is not None:
        parts.append(f"<h3>{esc(T['matrix'](lang))}</h3>")
        parts.append(_matrix(matrix.breakdown, lang))
    lost = current.get("lost_deals")
    if isinstance(lost, KpiResult) and lost.breakdown is not None and len(lost.breakdown):
        parts.append(f"<h3>{esc(T['lost_by_reason'](lang))}</h3>")
        key = "reason" if "reason" in lost.breakdown else "age"
        columns = [
            Column(key, T["loss_reason"] if key == "reason" else T["age"]),
            Column("deals", T["deals"], _int, True),
            Column("share", T["share"], _share, True),
        ]
        if "amount" in lost.breakdown:
            currency = report.settings.currency
            columns.append(
                Column("amount", T["amount"], lambda v, lg: money(v, currency, lg), True)
            )
        for bucket in ("0–30 d", "31–90 d", "91–180 d", "181–365 d", "> 365 d"):
            if bucket in lost.breakdown:
                columns.append(Column(bucket, Text(bucket, bucket), _int, True))
        parts.append(table(lost.breakdown, columns, lang))
    if report.pareto is not None:
        parts.append(f"<h3>{esc(T['pareto'](lang))}</h3>")
        sentence = _pareto_sentence(report, lang)
        parts.append(figure(pareto_svg(report.pareto, lang), sentence))
        frame = report.pareto.to_frame()
        parts.append(
            table(
                frame,
                [
                    Column("category", T["loss_reason"]),
                    Column("count", T["deals"], _int, True),
                    Column("share", T["share"], _share, True),
                    Column("cumulative_share", Text("Cumulative", "Acumulado"), _share, True),
                ],
                lang,
            )
        )
    revivable = current.get("revivable_deals")
    if isinstance(revivable, KpiResult):
        parts.append(f"<h3>{esc(T['revivable'](lang))}</h3>")
        low, high = revivable.details["expected_revived"]
        text = Text(
            "{n} of {m} lost deals are worth re-targeting; at 5–35 % that is {a} to {b} deals "
            "back.",
            "{n} de {m} oportunidades perdidas merecen reactivarse; con un 5–35 % son de {a} a "
            "{b} oportunidades recuperadas.",
        ).format(
            n=integer(revivable.value, lang),
            m=integer(revivable.details["lost"], lang),
            a=number(low, lang),
            b=number(high, lang),
        )
        parts.append(f"<p>{esc(text(lang))}</p>")
        deals = revivable.breakdown.head(10) if revivable.breakdown is not None else None
        columns = [
            Column("case_id", T["case"]),
            Column("reason", T["loss_reason"]),
            Column("lost_at", T["lost"], _day),
            Column("age_days", T["age"], _num, True),
        ]
        if deals is not None and "amount" in deals:
            currency = report.settings.currency
            columns.append(
                Column("amount", T["amount"], lambda v, lg: money(v, currency, lg), True)
            )
        if deals is not None and "resource" in deals:
            columns.append(Column("resource", T["resource"]))
        parts.append(table(deals, columns, lang))
    return "".join(parts)


def _pareto_sentence(report: Report, lang: str) -> str:
    pareto = report.pareto
    assert pareto is not None
    text = Text(
        "{k} of {n} reasons ({names}) make up {s} of {m} lost deals (cut at {c}); {w}.",
        "{k} de {n} motivos ({names}) suman el {s} de {m} oportunidades perdidas (corte en "
        "{c}); {w}.",
    ).format(
        k=len(pareto.vital_few),
        n=pareto.n_categories,
        names=", ".join(pareto.vital_few),
        s=percent(pareto.vital_share(), lang),
        m=integer(pareto.n_items, lang),
        c=percent(pareto.cut, lang, 0),
        w=report.pareto_window,
    )
    return text(lang)


def _matrix(frame: pd.DataFrame, lang: str) -> str:
    fits = list(dict.fromkeys(frame["fit"]))
    moments = list(dict.fromkeys(frame["moment"]))
    head = f"<th>{esc(T['fit'](lang))} \\ {esc(T['moment'](lang))}</th>" + "".join(
        f'<th class="cell">{esc(m)}</th>' for m in moments
    )
    rows = []
    lookup = frame.set_index(["fit", "moment"])
    for fit in fits:
        cells = []
        for moment in moments:
            row = lookup.loc[(fit, moment)]
            cases = int(row["cases"])
            shown = (
                f"{percent(row['conversion'], lang, 0)} ({integer(cases, lang)})" if cases else DASH
            )
            strength = 0.0 if not cases else float(row["conversion"])
            color = f"rgba(30,132,73,{min(strength, 1.0) * 0.6:.2f})"
            cells.append(f'<td class="cell" style="background:{color}">{esc(shown)}</td>')
        rows.append(f"<tr><th>{esc(fit)}</th>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def deviations(report: Report, lang: str) -> str:
    """KPIs that miss their target, with the excess units and, given a cost per unit, its cost."""
    rows = []
    for result in report.current.computed():
        if result.status != "missed":
            continue
        gap = abs(result.gap())
        unit = result.definition.unit
        if unit in ("share", "days", "hours") and result.denominator:
            excess = gap * result.denominator
        else:
            excess = gap
        cost_per_unit = report.settings.costs.get(result.id)
        cost = excess * cost_per_unit if cost_per_unit is not None else math.nan
        relative = gap / abs(result.target) if result.target else math.inf
        rows.append(
            {
                "kpi": result.name(lang),
                "value": _value(result, lang),
                "target": _value(result, lang, result.target),
                "gap": change_text(result.value - float(result.target or 0), unit, lang),
                "excess": excess,
                "cost": cost,
                "_cost": cost if math.isfinite(cost) else -1.0,
                "_relative": relative,
            }
        )
    if not rows:
        return f"<p>{esc(T['none'](lang))}</p>"
    frame = pd.DataFrame(rows).sort_values(["_cost", "_relative"], ascending=False)
    currency = report.settings.currency
    columns = [
        Column("kpi", T["kpi"]),
        Column("value", T["value"], _text, True),
        Column("target", T["target"], _text, True),
        Column("gap", T["gap"], _text, True),
        Column("excess", T["excess"], _num, True),
        Column("cost", T["cost"], lambda v, lg: money(v, currency, lg), True),
    ]
    note = Text(
        "Excess units: the gap times the cases (or emails) behind a share or a median, the gap "
        "itself for a count. Costs come from the settings (cost per unit); a dash means none "
        "was given.",
        "Unidades de exceso: la desviación por los casos (o correos) detrás de una proporción o "
        "una mediana, la desviación misma en un recuento. Los costes salen de los ajustes (coste "
        "por unidad); un guion significa que no se indicó ninguno.",
    )
    return table(frame, columns, lang) + f'<p class="note">{esc(note(lang))}</p>'


def drivers(report: Report, lang: str) -> str:
    """The root-cause drivers of the report's outcome, each with its evidence."""
    if report.root_cause is None:
        reason = report.root_cause_error or T["none"]
        return f'<p class="note">{esc(reason(lang))}</p>'
    rc = report.root_cause
    head = Text(
        "{p} of {n} cases ({r}) match «{o}» (cases started up to the period's end); "
        "{d} drivers found. Association, not proven cause.",
        "{p} de {n} casos ({r}) cumplen «{o}» (casos iniciados hasta el final del periodo); "
        "{d} causas encontradas. Asociación, no causa demostrada.",
    ).format(
        p=integer(rc.n_positive, lang),
        n=integer(rc.n_cases, lang),
        r=percent(rc.rate, lang),
        o=rc.outcome,
        d=len(rc.drivers),
    )
    frame = rc.drivers.head(8).copy()
    frame["evidence_text"] = [T[e](lang) if e in T else e for e in frame["evidence"]]
    frame["ratio"] = [
        f"{number(r, lang, 2)} ({number(lo, lang, 2)} – {number(hi, lang, 2)})"
        for r, lo, hi in zip(
            frame["risk_ratio"], frame["risk_ratio_low"], frame["risk_ratio_high"], strict=True
        )
    ]
    columns = [
        Column("factor", T["factor"]),
        Column("level", T["level"]),
        Column("cases", T["cases"], _int, True),
        Column("rate", T["rate"], _share, True),
        Column("rest_rate", T["rest"], _share, True),
        Column("ratio", T["risk_ratio"], _text, True),
        Column("evidence_text", T["evidence"]),
    ]
    return f"<p>{esc(head(lang))}</p>" + table(frame, columns, lang)


def open_cases_section(report: Report, lang: str) -> str:
    """The cases still open at the end of the period, stuck ones first, with why each is
    listed; as of the period's last event, from the events up to then."""
    found = report.open_cases
    if found is None:
        return f'<p class="note">{esc((report.open_error or T["none"])(lang))}</p>'
    head = Text(
        "At {t}: {o} of {n} cases open, {s} of them stuck (longer in their step than the "
        "designed wait or than {q} of the cases stayed there); {c} closed, {a} abandoned.",
        "A {t}: {o} de {n} casos abiertos, {s} de ellos atascados (más tiempo en su paso que la "
        "espera diseñada o que el {q} de los casos); {c} cerrados, {a} abandonados.",
    ).format(
        t=found.reference.strftime("%Y-%m-%d %H:%M"),
        o=integer(len(found.table), lang),
        n=integer(found.n_cases, lang),
        s=integer(int(found.table["stuck"].sum()), lang),
        q=Text(percent(found.quantile, "en", 0), percent(found.quantile, "es", 0)),
        c=integer(found.n_closed, lang),
        a=integer(found.n_abandoned, lang),
    )
    frame = found.to_frame(lang).head(10)
    frame["in_step"] = [span(d, lang) for d in frame["in_step_days"]]
    frame["limit"] = [DASH if d != d else span(d, lang) for d in frame["limit_days"]]
    frame["risk"] = [
        DASH if v != v else money(v, found.currency, lang) for v in frame["value_at_risk"]
    ]
    columns = [
        Column("case_id", T["case"]),
        Column("step", T["step"]),
        Column("in_step", T["in_step"], _text, True),
        Column("limit", T["limit"], _text, True),
        Column("loss_probability", T["loss"], _share, True),
        Column("risk", T["at_risk"], _text, True),
    ]
    stuck = frame[frame["stuck"]]
    why = "".join(f"<li>{esc(r.case_id)}: {esc(r.why)}</li>" for r in stuck.itertuples())
    notes = "".join(f'<p class="note">{esc(n(lang))}</p>' for n in found.notes)
    return (
        f"<p>{esc(head(lang))}</p>"
        + table(frame, columns, lang)
        + (f"<ul>{why}</ul>" if why else "")
        + notes
    )


def appendix(report: Report, lang: str) -> str:
    """Data window, filters, row and quarantine counts, method, settings, definitions and the
    KPIs that could not be computed, with the reasons."""
    c = report.counts
    window = Text(
        "{a} to {b} (UTC); period {p}; previous {q}.", "{a} a {b} (UTC); periodo {p}; anterior {q}."
    ).format(
        a=day(c["first"], lang),
        b=day(c["last"], lang),
        p=report.period.describe(),
        q=report.previous.describe(),
    )
    parts = [f"<h3>{esc(T['data_window'](lang))}</h3><p>{esc(window(lang))}</p>"]
    parts.append(f"<h3>{esc(T['filters'](lang))}</h3>")
    filters = [mining.filter_from_dict(dict(f)) for f in report.filters]
    if filters:
        parts.append(
            "<ul>" + "".join(f"<li>{esc(f.describe(lang))}</li>" for f in filters) + "</ul>"
        )
        stack = [{k: v for k, v in f.to_dict().items() if v is not None} for f in filters]
        again = json.dumps(stack, ensure_ascii=False)
        parts.append(f"<p><code>{esc(T['repeat_filters'](lang).format(j=again))}</code></p>")
    else:
        parts.append(f"<p>{esc(T['no_filters'](lang))}</p>")
    last = report.period.end - pd.Timedelta(days=1)
    words = T["period_filter"](lang).format(
        a=day(report.period.start, lang), b=day(last, lang), p=report.period.label
    )
    parts.append(f"<p>{esc(words)}</p>")
    rows = [
        (T["rows_read"], c["rows_read"]),
        (T["events"], c["events"]),
        (T["all_cases"], c["cases"]),
        (T["period_cases"], c["period_cases"]),
        (T["previous_cases"], c["previous_cases"]),
    ]
    parts.append(f"<h3>{esc(T['rows'](lang))}</h3><table><tbody>")
    parts.append(
        "".join(
            f'<tr><td>{esc(label(lang))}</td><td class="num">{esc(integer(n, lang))}</td></tr>'
            for label, n in rows
        )
    )
    parts.append("</tbody></table>")
    parts.append(f"<h3>{esc(T['quarantine'](lang))}</h3>")
    reasons = c["quarantine"]
    if reasons:
        parts.append(
            "<table><tbody>"
            + "".join(
                f'<tr><td>{esc(reason)}</td><td class="num">{esc(integer(n, lang))}</td></tr>'
                for reason, n in reasons.items()
            )
            + "</tbody></table>"
        )
    else:
        parts.append(f"<p>{esc(T['no_quarantine'](lang))}</p>")
    freq = FREQ_WORDS.get(report.freq, FREQ_WORDS["W"])
    parts.append(f"<h3>{esc(T['method'](lang))}</h3><p>{esc(METHOD.format(freq=freq)(lang))}</p>")
    if report.settings_changed:
        parts.append(f"<h3>{esc(T['settings'](lang))}</h3><ul>")
        parts.append(
            "".join(
                f"<li><code>{esc(k)} = {esc(v)}</code></li>"
                for k, v in report.settings_changed.items()
            )
        )
        parts.append("</ul>")
    missing = report.current.not_computable()
    if missing:
        parts.append(f"<h3>{esc(T['not_computable'](lang))}</h3>")
        frame = pd.DataFrame(
            {"kpi": [m.name(lang) for m in missing], "reason": [m.reason(lang) for m in missing]}
        )
        parts.append(table(frame, [Column("kpi", T["kpi"]), Column("reason", T["reason"])], lang))
    parts.append(f"<h3>{esc(T['definitions'](lang))}</h3>")
    shown = [r.definition for r in report.current.computed()]
    frame = pd.DataFrame(
        {
            "kpi": [d.name(lang) for d in shown],
            "description": [d.description(lang) for d in shown],
            "formula": [
                FORMULAS_ES.get(d.id, d.formula) if lang == "es" else d.formula for d in shown
            ],
            "direction": [T[d.direction](lang) for d in shown],
        }
    )
    parts.append(
        table(
            frame,
            [
                Column("kpi", T["kpi"]),
                Column("description", Text("Definition", "Definición")),
                Column("formula", T["formula"]),
                Column("direction", T["direction"]),
            ],
            lang,
        )
    )
    return "".join(parts)
