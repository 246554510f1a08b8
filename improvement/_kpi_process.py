"""The process KPIs of the seed articles: efficiency (cycle time, flow efficiency), productivity,
compliance (conformance rate, SLA adherence, consent violations), quality (rework and error
rates) and customer satisfaction (NPS, CSAT). Each is one function registered under its id in
``kpis.yaml``; see ``docs/kpis.md`` for the exact definitions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import mining
from improvement._kpi_base import (
    NO_CASES,
    KpiContext,
    Measurement,
    Unavailable,
    items,
    kpi,
    median_interval,
    share,
)
from improvement._locale import Text

DAY = 86400.0


def _closed_or_all(ctx: KpiContext) -> tuple[pd.DataFrame, list[Text]]:
    """The closed cases (won or lost) when the log marks them, else every case, with a note."""
    flags = ctx.flags()
    if flags.empty:
        raise Unavailable(NO_CASES)
    if ctx.labels("won") or ctx.labels("lost"):
        closed = flags[flags["won"] | flags["lost"]]
        if closed.empty:
            raise Unavailable(
                Text("no case is closed (won or lost) yet", "ningún caso está cerrado aún")
            )
        note = Text("closed cases only: {k} of {n}", "solo casos cerrados: {k} de {n}").format(
            k=len(closed), n=len(flags)
        )
        return closed, [note]
    return flags, [Text("every case (no won or lost activity found)", "todos los casos")]


@kpi("cycle_time")
def cycle_time(ctx: KpiContext) -> Measurement:
    """Median days from first to last event of the closed cases, with time in each activity."""
    cases, notes = _closed_or_all(ctx)
    days = cases["duration_seconds"].to_numpy(dtype=float) / DAY
    low, high = median_interval(days)
    stages = ctx.time_in_activity()
    stages = stages[stages["followed"] > 0]
    breakdown = pd.DataFrame(
        {
            "activity": stages["activity"],
            "visits": stages["followed"],
            "median_days": stages["median_seconds"] / DAY,
            "p90_days": stages["p90_seconds"] / DAY,
        }
    ).sort_values("median_days", ascending=False, ignore_index=True)
    return Measurement(
        float(np.median(days)),
        denominator=float(len(days)),
        low=low,
        high=high,
        breakdown=breakdown,
        items=items(cases["start"], days),
        details={
            "cases": len(days),
            "mean_days": float(days.mean()),
            "p90_days": float(np.quantile(days, 0.9)),
        },
        notes=tuple(notes),
    )


@kpi("flow_efficiency")
def flow_efficiency(ctx: KpiContext) -> Measurement:
    """Service time over throughput time, summed over the cases."""
    if not ctx.log.has_start_timestamp:
        raise Unavailable(
            Text(
                "the log has no start timestamps, so working time cannot be told from waiting "
                "time; map a column to start_timestamp when importing",
                "el registro no tiene marcas de inicio, así que no se distingue el tiempo de "
                "trabajo del de espera; asigne una columna a start_timestamp al importar",
            )
        )
    times = mining.activity_times(ctx.log)
    service = float((times["service_seconds_mean"].fillna(0) * times["events"]).sum())
    throughput = float(mining.throughput_times(ctx.log)["throughput_seconds"].sum())
    if not throughput > 0:
        raise Unavailable(Text("the cases take no time at all", "los casos no duran nada"))
    return Measurement(
        min(service / throughput, 1.0),
        numerator=service / DAY,
        denominator=throughput / DAY,
        details={"service_days": service / DAY, "throughput_days": throughput / DAY},
    )


@kpi("productivity")
def productivity(ctx: KpiContext) -> Measurement:
    """Cases per resource and week, averaged over the active resources."""
    if not ctx.log.has_resource:
        raise Unavailable(
            Text(
                "the log has no resource column; map one to resource when importing",
                "el registro no tiene columna de recurso; asigne una a resource al importar",
            )
        )
    counts = mining.attribute_counts(ctx.log, "resource")
    counts = counts[counts["value"].notna()]
    if counts.empty:
        raise Unavailable(Text("no event names its resource", "ningún evento indica su recurso"))
    if ctx.window is not None:
        days = (ctx.window[1] - ctx.window[0]).total_seconds() / DAY
    else:
        flags = ctx.flags()
        days = (flags["end"].max() - flags["start"].min()).total_seconds() / DAY
    weeks = max(days, 1.0) / 7
    breakdown = pd.DataFrame(
        {
            "resource": counts["value"].astype(str),
            "cases": counts["cases"],
            "events": counts["events"],
            "cases_per_week": counts["cases"] / weeks,
        }
    ).sort_values("cases_per_week", ascending=False, ignore_index=True)
    return Measurement(
        float(breakdown["cases_per_week"].mean()),
        denominator=float(len(breakdown)),
        breakdown=breakdown,
        details={"resources": len(breakdown), "weeks": weeks},
    )


@kpi("conformance_rate")
def conformance_rate(ctx: KpiContext) -> Measurement:
    """Share of cases replaying on the model with fitness 1."""
    if not ctx.settings.model:
        raise Unavailable(
            Text(
                "no process model given: name one under model: in the KPI settings file "
                "(--settings), a .pnml, .bpmn or designed workflow .yaml",
                "no se indicó un modelo del proceso: indíquelo en model: del archivo de ajustes "
                "de KPI (--settings), un .pnml, .bpmn o un flujo diseñado .yaml",
            )
        )
    net, initial, final = mining.read_model(ctx.settings.model)
    result = mining.check_conformance(ctx.log, net, initial, final, method="token_replay")
    cases = ctx.flags()[["case_id", "start"]].merge(result.cases, on="case_id")
    fit = cases["fitness"].to_numpy(dtype=float) >= 1.0 - 1e-9
    worst = result.variants.sort_values(["fit", "cases"], ascending=[True, False]).head(5)
    breakdown = pd.DataFrame(
        {
            "variant": [" → ".join(map(str, v)) for v in worst["activities"]],
            "cases": worst["cases"],
            "fitness": worst["fitness"],
        }
    )
    return share(
        pd.Series(fit),
        items=items(cases["start"], fit),
        breakdown=breakdown,
        details={"log_fitness": result.fitness, "method": result.method},
    )


@kpi("sla_adherence")
def sla_adherence(ctx: KpiContext) -> Measurement:
    """Share of cases within the SLA."""
    hours = ctx.settings.sla_hours
    if hours is None:
        raise Unavailable(
            Text(
                "no service-level agreement given: set sla_hours: in the KPI settings file "
                "(--settings)",
                "no se indicó un acuerdo de nivel de servicio: indique sla_hours: en el archivo "
                "de ajustes de KPI (--settings)",
            )
        )
    flags = ctx.flags()
    within = flags["duration_seconds"] <= hours * 3600
    return share(
        within,
        items=items(flags["start"], within),
        details={"sla_hours": hours, "breaches": int((~within).sum())},
    )


@kpi("consent_violations")
def consent_violations(ctx: KpiContext) -> Measurement:
    """Sends after the contact's first withdrawal (looked up over the whole history)."""
    contact = str(ctx.column("contact"))
    sends = ctx.labels("sent", required=True)
    withdrawals = ctx.labels("unsubscribed") + ctx.labels("bounced") + ctx.labels("spam")
    if not withdrawals:
        raise Unavailable(
            Text(
                "no unsubscribe, bounce or spam-report activity in the log, so consent cannot "
                "be checked",
                "no hay bajas, rebotes ni denuncias de spam en el registro, así que no se puede "
                "comprobar el consentimiento",
            )
        )
    found = mining.consent_violations(
        ctx.history, contact=contact, sends=sends, withdrawals=withdrawals
    )
    cases = set(ctx.flags()["case_id"])
    found = found[found["case_id"].isin(cases)] if len(found) else found
    if ctx.window is not None and len(found):
        sent = pd.to_datetime(found["sent_at"], utc=True)
        found = found[(sent >= ctx.window[0]) & (sent < ctx.window[1])]
    found = found.reset_index(drop=True)
    email = ctx.column("email", required=False)
    if email is not None and len(found):
        emails = ctx.values(email).rename(columns={email: "email"})
        found = found.merge(emails, on="case_id", how="left")
        found["email"] = found["email"].astype(str).map(ctx.email_name)
    by_email = (
        found.groupby("email" if "email" in found else "withdrawal", sort=False)
        .agg(sends=("case_id", "size"), contacts=("contact", "nunique"))
        .reset_index()
        .sort_values("sends", ascending=False, ignore_index=True)
        if len(found)
        else pd.DataFrame(columns=["email", "sends", "contacts"])
    )
    by_withdrawal = found["withdrawal"].astype(str).value_counts().to_dict() if len(found) else {}
    examples = found.head(10)[["contact", "case_id", "sent_at", "withdrawal", "withdrawn_at"]]
    return Measurement(
        float(len(found)),
        numerator=float(len(found)),
        breakdown=by_email,
        items=items(found["sent_at"], np.ones(len(found))) if len(found) else items([], []),
        details={
            "contacts": int(found["contact"].nunique()) if len(found) else 0,
            "by_withdrawal": by_withdrawal,
            "examples": examples,
            "contact_column": contact,
        },
    )


@kpi("rework_rate")
def rework_rate(ctx: KpiContext) -> Measurement:
    """Share of cases with an activity repeated."""
    flags = ctx.flags()
    by_activity = mining.rework(ctx.log)
    by_activity = by_activity[by_activity["rework_cases"] > 0].reset_index(drop=True)
    details: dict[str, object] = {}
    if ctx.log.has_resource and len(flags):
        by_resource = mining.rework(ctx.log, by="resource")
        top = by_resource[by_resource["rework_cases"] > 0].head(5)
        details["by_resource"] = top.reset_index(drop=True)
    return share(
        flags["repeated"],
        items=items(flags["start"], flags["repeated"]),
        breakdown=by_activity[["activity", "cases", "rework_cases", "rework_share"]],
        details=details,
    )


@kpi("error_rate")
def error_rate(ctx: KpiContext) -> Measurement:
    """Share of cases with an error activity."""
    ctx.labels("error", required=True)
    flags = ctx.flags()
    return share(
        flags["error"],
        items=items(flags["start"], flags["error"]),
        details={"activities": ctx.labels("error")},
    )


def _scores(ctx: KpiContext, role: str, low: float, high: float) -> pd.DataFrame:
    column = str(ctx.column(role))
    values = ctx.values(column)
    values["score"] = pd.to_numeric(values[column], errors="coerce")
    valid = values["score"].between(low, high)
    answered = values[valid].merge(ctx.flags()[["case_id", "start"]], on="case_id")
    if answered.empty:
        raise Unavailable(
            Text(
                "column {c} has no answer on the {lo:g}–{hi:g} scale",
                "la columna {c} no tiene respuestas en la escala {lo:g}–{hi:g}",
            ).format(c=column, lo=low, hi=high)
        )
    answered.attrs["ignored"] = int((values[column].notna() & ~valid).sum())
    answered.attrs["column"] = column
    return answered


@kpi("nps")
def nps(ctx: KpiContext) -> Measurement:
    """Promoters minus detractors, in percent of the answers (0–10 scale)."""
    answered = _scores(ctx, "nps", 0, 10)
    n = len(answered)
    promoters = float((answered["score"] >= 9).mean())
    detractors = float((answered["score"] <= 6).mean())
    value = 100 * (promoters - detractors)
    se = 100 * math.sqrt(max(promoters + detractors - (promoters - detractors) ** 2, 0.0) / n)
    notes = []
    if answered.attrs["ignored"]:
        notes.append(
            Text(
                "{k} answers outside 0–10 ignored", "{k} respuestas fuera de 0–10 ignoradas"
            ).format(k=answered.attrs["ignored"])
        )
    return Measurement(
        value,
        denominator=float(n),
        low=value - 1.96 * se,
        high=value + 1.96 * se,
        details={"promoters": promoters, "detractors": detractors, "answers": n},
        notes=tuple(notes),
    )


@kpi("csat")
def csat(ctx: KpiContext) -> Measurement:
    """Share of satisfied answers (4–5 on a 1–5 scale)."""
    answered = _scores(ctx, "csat", 1, 5)
    satisfied = answered["score"] >= 4
    notes = []
    if answered.attrs["ignored"]:
        notes.append(
            Text("{k} answers outside 1–5 ignored", "{k} respuestas fuera de 1–5 ignoradas").format(
                k=answered.attrs["ignored"]
            )
        )
    return share(
        satisfied,
        notes=notes,
        items=items(answered["start"], satisfied),
        details={"answers": len(answered)},
    )
