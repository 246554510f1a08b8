"""Marketing and sales KPIs: email open / click / unsubscribe / bounce rates per email (with the
emails far worse than their siblings flagged), touch-point completion per workflow node, goal
reach, speed to lead, the lead-scoring matrix (fit A–F × moment 1–5), the stage funnel with
Wilson intervals, win rate and time by stage, lost deals by reason and age, and the revivable
ones. One function per KPI id of ``kpis.yaml``; definitions in ``docs/kpis.md``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from improvement._kpi_base import (
    NO_CASES,
    KpiContext,
    Measurement,
    Unavailable,
    items,
    kpi,
    median_interval,
    share,
    wilson,
)
from improvement._locale import Text
from improvement._root_cause import benjamini_hochberg

DAY = 86400.0
FITS = ("A", "B", "C", "D", "E", "F")
MOMENTS = (1, 2, 3, 4, 5)
READY_FITS = ("A", "B")
READY_MOMENTS = (1, 2)
AGE_BUCKETS = ((30, "0–30 d"), (90, "31–90 d"), (180, "91–180 d"), (365, "181–365 d"))
OLDEST = "> 365 d"
REVIVAL = (0.05, 0.35)  # share of re-targeted lost deals revived, per the seed articles
SPEED_BUCKETS = (
    (300, "< 5 min"),
    (3600, "5–60 min"),
    (86400, "1–24 h"),
    (7 * 86400, "1–7 d"),
)
SIBLING_Q = 0.01  # corrected p-value below which an email differs from its siblings
SIBLING_RATIO = 2.0  # ... and by at least this factor


# -- emails -------------------------------------------------------------------------------
def _rate_per_email(
    ctx: KpiContext, role: str, worse: str, *, over_sent: bool = False
) -> Measurement:
    """Messages with a ``role`` event over messages delivered (sent when deliveries are not
    recorded, or when ``over_sent``), overall and per email, flagging emails far worse than
    the others pooled (Fisher's exact test, Benjamini–Hochberg, and a factor of 2)."""
    frame = ctx.engagement(role)
    sent = frame[frame["sent"]]
    delivered = bool(ctx.labels("delivered")) and not over_sent
    base = sent[sent["delivered"]] if delivered else sent
    if base.empty:
        raise Unavailable(Text("no email was sent here", "aquí no se envió ningún correo"))
    notes = [
        Text("denominator: delivered emails", "denominador: correos entregados")
        if delivered
        else Text("denominator: sent emails", "denominador: correos enviados")
    ]
    groups = base.groupby("message", sort=True)
    table = pd.DataFrame(
        {
            "sent": sent.groupby("message").size(),
            "base": groups.size(),
            "events": groups[role].sum(),
        }
    ).fillna(0)
    table = table.astype("int64").rename_axis("message").reset_index()
    table["rate"] = table["events"] / table["base"].where(table["base"] > 0)
    intervals = [wilson(k, n) for k, n in zip(table["events"], table["base"], strict=True)]
    table["low"] = [i[0] for i in intervals]
    table["high"] = [i[1] for i in intervals]
    total_k, total_n = int(table["events"].sum()), int(table["base"].sum())
    rest_k = total_k - table["events"]
    rest_n = total_n - table["base"]
    table["rest_rate"] = rest_k / rest_n.where(rest_n > 0)
    p_values = []
    for k, n, rk, rn in zip(table["events"], table["base"], rest_k, rest_n, strict=True):
        if n == 0 or rn == 0:
            p_values.append(1.0)
            continue
        p_values.append(float(stats.fisher_exact([[k, n - k], [rk, rn - rk]])[1]))
    table["q_value"] = benjamini_hochberg(p_values) if p_values else []
    if worse == "lower":
        factor = table["rest_rate"] / table["rate"].where(table["rate"] > 0, 1e-12)
    else:
        factor = table["rate"] / table["rest_rate"].where(table["rest_rate"] > 0, 1e-12)
    table["flagged"] = (table["q_value"] < SIBLING_Q) & (factor >= SIBLING_RATIO)
    if len(table) < 2:
        table["flagged"] = False
    table.insert(0, "email", table["message"].map(ctx.email_name))
    flagged = table[table["flagged"]]
    for _, row in flagged.iterrows():
        notes.append(
            Text(
                "email {e}: {r:.1%} against {o:.1%} for the other emails",
                "correo {e}: {r:.1%} frente a {o:.1%} en los demás correos",
            ).format(e=row["email"], r=row["rate"], o=row["rest_rate"])
        )
    return share(
        base[role],
        notes=notes,
        breakdown=table,
        items=items(base["first"], base[role]),
        details={
            "emails": len(table),
            "flagged": list(flagged["email"]),
            "denominator": "delivered" if delivered else "sent",
        },
    )


@kpi("open_rate")
def open_rate(ctx: KpiContext) -> Measurement:
    """Opened over delivered, per email (opens are unreliable: prefer clicks)."""
    result = _rate_per_email(ctx, "opened", "lower")
    caveat = Text(
        "opens are unreliable (privacy features pre-fetch images): judge emails by clicks",
        "las aperturas no son fiables (las funciones de privacidad descargan las imágenes): "
        "juzgue los correos por los clics",
    )
    return replace(result, notes=(*result.notes, caveat))


@kpi("click_rate")
def click_rate(ctx: KpiContext) -> Measurement:
    """Clicked over delivered, per email, flagging emails clicked far less than the rest."""
    return _rate_per_email(ctx, "clicked", "lower")


@kpi("unsubscribe_rate")
def unsubscribe_rate(ctx: KpiContext) -> Measurement:
    """Unsubscribed over delivered, per email, flagging emails with far more unsubscribes."""
    return _rate_per_email(ctx, "unsubscribed", "higher")


@kpi("bounce_rate")
def bounce_rate(ctx: KpiContext) -> Measurement:
    """Bounced over sent, per email."""
    return _rate_per_email(ctx, "bounced", "higher", over_sent=True)


# -- workflows ----------------------------------------------------------------------------
@kpi("touch_point_completion")
def touch_point_completion(ctx: KpiContext) -> Measurement:
    """Contacts (or cases) completing each touch point; value: the last one's share."""
    points = ctx.settings.touch_points
    if not points:
        raise Unavailable(
            Text(
                "no touch points given: list them under touch_points: in the KPI settings "
                "file (--settings), or give the report its workflow (--workflow)",
                "no se indicaron puntos de contacto: enumérelos en touch_points: del archivo de "
                "ajustes de KPI (--settings), o dé al informe su flujo (--workflow)",
            )
        )
    flags = ctx.flags()
    if flags.empty:
        raise Unavailable(NO_CASES)
    contact = ctx.column("contact", required=False)
    contact = None if contact == "case_id" else contact  # then each case is one contact
    who = flags[["case_id", "start"]].copy()
    if contact is not None:
        who = who.merge(ctx.values(contact), on="case_id").rename(columns={contact: "who"})
        who["who"] = who["who"].astype(str)
    else:
        who["who"] = who["case_id"].astype(str)
    enrolled = who["who"].nunique()
    rows, notes = [], []
    previous = None
    for node, activities in points.items():
        done = flags[f"tp:{node}"].to_numpy()
        completed = who.loc[done, "who"].nunique()
        low, high = wilson(completed, enrolled)
        rows.append(
            {
                "node": node,
                "activities": ", ".join(activities),
                "completed": completed,
                "share": completed / enrolled,
                "low": low,
                "high": high,
                "of_previous": (completed / previous) if previous else np.nan,
            }
        )
        previous = completed
        if not any(a.lower() in ctx.activities for a in activities):
            notes.append(
                Text(
                    "touch point {n}: none of its activities occurs in the log",
                    "punto de contacto {n}: ninguna de sus actividades aparece en el registro",
                ).format(n=node)
            )
    last = list(points)[-1]
    done_last = flags[f"tp:{last}"].to_numpy()
    finished = who.loc[done_last, "who"].nunique()
    low, high = wilson(finished, enrolled)
    notes.append(
        Text("counted in contacts ({c})", "contado en contactos ({c})").format(c=contact)
        if contact
        else Text("counted in cases", "contado en casos")
    )
    return Measurement(
        finished / enrolled,
        numerator=float(finished),
        denominator=float(enrolled),
        low=low,
        high=high,
        breakdown=pd.DataFrame(rows),
        items=items(flags["start"], done_last),
        details={"enrolled": enrolled, "unit": "contacts" if contact else "cases"},
        notes=tuple(notes),
    )


@kpi("goal_reach_rate")
def goal_reach_rate(ctx: KpiContext) -> Measurement:
    """Share of cases reaching a goal activity."""
    goals = ctx.labels("goal", required=True)
    flags = ctx.flags()
    notes = [Text("goal: {g}", "objetivo: {g}").format(g=", ".join(goals))]
    return share(
        flags["goal"],
        notes=notes,
        items=items(flags["start"], flags["goal"]),
        details={"goal": goals},
    )


@kpi("speed_to_lead")
def speed_to_lead(ctx: KpiContext) -> Measurement:
    """Median hours from the lead's arrival to its first sales touch."""
    touches = ctx.labels("touch", required=True)
    flags = ctx.flags()
    if flags.empty:
        raise Unavailable(NO_CASES)
    has_start = bool(ctx.labels("lead_start"))
    start = flags["lead_start_at"] if has_start else flags["start"]
    start = start.where(start.notna(), flags["start"])
    seconds = (flags["touch_at"] - start).dt.total_seconds()
    touched = seconds.notna() & (seconds >= 0)
    if not touched.any():
        raise Unavailable(
            Text("no lead was touched after it arrived", "ningún lead fue contactado tras llegar")
        )
    hours = seconds[touched].to_numpy(dtype=float) / 3600
    low, high = median_interval(hours)
    never = int((~touched).sum())
    edges = [0, *[b for b, _ in SPEED_BUCKETS], np.inf]
    labels = [label for _, label in SPEED_BUCKETS] + ["> 7 d"]
    buckets = pd.cut(seconds[touched], edges, labels=labels, right=False)
    counts = buckets.value_counts().reindex(labels).fillna(0).astype("int64")
    breakdown = pd.DataFrame({"bucket": [*labels, "never"], "cases": [*counts, never]})
    breakdown["share"] = breakdown["cases"] / len(flags)
    notes = [
        Text("touch: {t}; start: {s}", "contacto: {t}; inicio: {s}").format(
            t=", ".join(touches),
            s=Text(", ".join(ctx.labels("lead_start")), ", ".join(ctx.labels("lead_start")))
            if has_start
            else Text("first event", "primer evento"),
        )
    ]
    if never:
        notes.append(
            Text(
                "{k} cases never touched are left out of the median",
                "{k} casos nunca contactados quedan fuera de la mediana",
            ).format(k=never)
        )
    return Measurement(
        float(np.median(hours)),
        denominator=float(len(hours)),
        low=low,
        high=high,
        breakdown=breakdown,
        items=items(start[touched], hours),
        details={"never_touched": never, "touch": touches},
        notes=tuple(notes),
    )


# -- lead scoring -------------------------------------------------------------------------
@kpi("lead_scoring_matrix")
def lead_scoring_matrix(ctx: KpiContext) -> Measurement:
    """Cases and conversion per fit × moment cell; value: conversion of A–B × 1–2."""
    fit_column, moment_column = str(ctx.column("fit")), str(ctx.column("moment"))
    ctx.labels("won", required=True)
    flags = ctx.flags()[["case_id", "start", "won"]]
    values = flags.merge(ctx.values(fit_column, moment_column), on="case_id")
    fit = values[fit_column].astype("string").str.strip().str.upper()
    moment = pd.to_numeric(values[moment_column], errors="coerce")
    valid = fit.isin(FITS) & moment.isin(MOMENTS)
    cells = pd.DataFrame({"fit": fit[valid], "moment": moment[valid].astype(int)})
    cells["won"] = values.loc[valid, "won"].to_numpy()
    grid = pd.MultiIndex.from_product([FITS, MOMENTS], names=["fit", "moment"])
    table = cells.groupby(["fit", "moment"])["won"].agg(cases="size", won="sum")
    table = table.reindex(grid, fill_value=0).astype("int64").reset_index()
    table["conversion"] = table["won"] / table["cases"].where(table["cases"] > 0)
    intervals = [wilson(k, n) for k, n in zip(table["won"], table["cases"], strict=True)]
    table["low"] = [i[0] for i in intervals]
    table["high"] = [i[1] for i in intervals]
    ready = cells["fit"].isin(READY_FITS) & cells["moment"].isin(READY_MOMENTS)
    if not ready.any():
        raise Unavailable(
            Text(
                "no case is in the sales-ready cells (fit A–B, moment 1–2)",
                "ningún caso está en las celdas listas para ventas (encaje A–B, momento 1–2)",
            )
        )
    notes = []
    invalid = int((~valid).sum())
    if invalid:
        notes.append(
            Text(
                "{k} cases without a fit A–F and a moment 1–5 left out",
                "{k} casos sin encaje A–F y momento 1–5 quedan fuera",
            ).format(k=invalid)
        )
    ready_cases = values.loc[valid].loc[ready.to_numpy()]
    return share(
        cells.loc[ready, "won"],
        notes=notes,
        breakdown=table,
        items=items(ready_cases["start"], ready_cases["won"]),
        details={"scored": int(valid.sum()), "left_out": invalid},
    )


# -- funnel and win rate ------------------------------------------------------------------
def _stages(ctx: KpiContext) -> tuple[list[str], list[Text]]:
    """The funnel stages (``KpiContext.stages``: found once for every KPI that needs them)."""
    return ctx.stages()


def _funnel(
    marks: pd.DataFrame, won: pd.Series | None = None, lost: pd.Series | None = None
) -> pd.DataFrame:
    """``mining.stage_funnel`` from per-case stage flags (``KpiContext.stage_flags``: one
    boolean column per ordered stage) and the cases' won / lost flags, without a scan: a case
    reaches a stage when it records it or a later one."""
    recorded = marks.to_numpy(dtype=bool)
    reached = np.logical_or.accumulate(recorded[:, ::-1], axis=1)[:, ::-1]
    outcome = {
        name: (reached & flag.to_numpy(dtype=bool)[:, None]).sum(axis=0)
        if flag is not None
        else np.zeros(recorded.shape[1], dtype="int64")
        for name, flag in (("won", won), ("lost", lost))
    }
    frame = pd.DataFrame(
        {
            "position": range(1, recorded.shape[1] + 1),
            "stage": list(marks.columns),
            "reached": reached.sum(axis=0),
            "recorded": recorded.sum(axis=0),
            **outcome,
            "cases": len(recorded),
        }
    )
    counts = ("position", "reached", "recorded", "won", "lost", "cases")
    return frame.astype({c: "int64" for c in counts} | {"stage": "str"})


@kpi("funnel_conversion")
def funnel_conversion(ctx: KpiContext) -> Measurement:
    """Reach of the last stage over the first, with stage-to-stage conversion."""
    stages, notes = _stages(ctx)
    marks = ctx.stage_flags(stages)
    funnel = _funnel(marks)
    first = int(funnel["reached"].iloc[0])
    if first == 0:
        raise Unavailable(
            Text(
                "no case reaches the first stage ({s})",
                "ningún caso alcanza la primera etapa ({s})",
            ).format(s=stages[0])
        )
    reached = funnel["reached"].to_numpy()
    previous = np.concatenate([[first], reached[:-1]])
    intervals = [wilson(k, n) for k, n in zip(reached, previous, strict=True)]
    breakdown = pd.DataFrame(
        {
            "stage": funnel["stage"],
            "reached": reached,
            "recorded": funnel["recorded"],
            "skipped": reached - funnel["recorded"].to_numpy(),
            "conversion": reached / np.where(previous > 0, previous, np.nan),
            "low": [i[0] for i in intervals],
            "high": [i[1] for i in intervals],
            "of_first": reached / first,
        }
    )
    entered = marks.any(axis=1).to_numpy()
    last = pd.Series(marks[stages[-1]].to_numpy()[entered])
    return share(
        last,
        notes=notes,
        breakdown=breakdown,
        items=items(ctx.flags()["start"][entered], last),
        details={"stages": stages},
    )


@kpi("win_rate")
def win_rate(ctx: KpiContext) -> Measurement:
    """Won over closed deals, with the win rate and days spent at each stage."""
    won_labels = ctx.labels("won", required=True)
    ctx.labels("lost", required=True)
    flags = ctx.flags()
    closed = flags[flags["won"] | flags["lost"]]
    if closed.empty:
        raise Unavailable(Text("no deal is closed yet", "ninguna oportunidad está cerrada aún"))
    # a deal won and lost (reopened) counts by its later outcome
    won = closed["won"] & (~closed["lost"] | (closed["won_at"] >= closed["lost_at"]))
    stages, notes = _stages(ctx)
    stages = [s for s in stages if s not in won_labels]
    breakdown = None
    if stages:
        funnel = _funnel(ctx.stage_flags(stages), won=flags["won"], lost=flags["lost"])
        days = ctx.time_in_activity().set_index("activity")["median_seconds"] / DAY
        closed_n = funnel["won"] + funnel["lost"]
        intervals = [wilson(k, n) for k, n in zip(funnel["won"], closed_n, strict=True)]
        breakdown = pd.DataFrame(
            {
                "stage": funnel["stage"],
                "reached": funnel["reached"],
                "won": funnel["won"],
                "lost": funnel["lost"],
                "win_rate": funnel["won"] / closed_n.where(closed_n > 0),
                "low": [i[0] for i in intervals],
                "high": [i[1] for i in intervals],
                "median_days_in_stage": funnel["stage"].map(days).to_numpy(dtype=float),
            }
        )
    return share(
        won,
        notes=notes,
        breakdown=breakdown,
        items=items(closed["start"], won),
        details={"won": int(won.sum()), "lost": int((~won).sum())},
    )


# -- lost deals ---------------------------------------------------------------------------
def _lost(ctx: KpiContext, *, need_reason: bool) -> pd.DataFrame:
    """One row per lost case: ``case_id``, ``lost_at``, ``age_days`` (up to the data's end),
    ``reason`` (when the column exists), ``amount`` and ``resource`` (when they exist)."""
    ctx.labels("lost", required=True)
    flags = ctx.flags()
    lost = flags.loc[flags["lost"], ["case_id", "start", "lost_at"]].reset_index(drop=True)
    reason = ctx.column("loss_reason", required=need_reason)
    amount = ctx.column("amount", required=False)
    columns = [c for c in (reason, amount) if c is not None]
    if ctx.log.has_resource:
        columns.append("resource")
    if columns:
        lost = lost.merge(ctx.values(*columns), on="case_id", how="left")
    renames = {reason: "reason", amount: "amount"}
    lost = lost.rename(columns={k: v for k, v in renames.items() if k is not None})
    if "reason" in lost:
        lost["reason"] = lost["reason"].astype("string").fillna("(missing)").astype(str)
    if "amount" in lost:
        lost["amount"] = pd.to_numeric(lost["amount"], errors="coerce")
    lost["age_days"] = (ctx.reference - lost["lost_at"]).dt.total_seconds() / DAY
    return lost


def _age_bucket(days: pd.Series) -> pd.Series:
    edges = [-np.inf, *[b for b, _ in AGE_BUCKETS], np.inf]
    labels = [label for _, label in AGE_BUCKETS] + [OLDEST]
    return pd.cut(days, edges, labels=labels, right=True).astype(str)


@kpi("lost_deals")
def lost_deals(ctx: KpiContext) -> Measurement:
    """Lost deals, by reason and by age since the loss."""
    lost = _lost(ctx, need_reason=False)
    lost["age"] = _age_bucket(lost["age_days"])
    ages = [label for _, label in AGE_BUCKETS] + [OLDEST]
    by = "reason" if "reason" in lost else "age"
    notes = []
    if by == "age":
        notes.append(
            Text(
                "no loss-reason column: lost deals by age only",
                "sin columna de motivo de pérdida: solo por antigüedad",
            )
        )
    if len(lost):
        table = lost.groupby(by).agg(deals=("case_id", "size"))
        if "amount" in lost:
            table["amount"] = lost.groupby(by)["amount"].sum()
        if by == "reason":
            table = table.join(pd.crosstab(lost["reason"], lost["age"]).reindex(columns=ages))
        table = table.fillna(0).reset_index().sort_values("deals", ascending=False)
        table.insert(2, "share", table["deals"] / len(lost))
    else:
        table = pd.DataFrame(columns=[by, "deals", "share"])
    return Measurement(
        float(len(lost)),
        numerator=float(len(lost)),
        breakdown=table.reset_index(drop=True),
        items=items(lost["lost_at"], np.ones(len(lost))),
        details={
            "by_age": lost["age"].value_counts().reindex(ages, fill_value=0).to_dict(),
            "amount": float(lost["amount"].sum()) if "amount" in lost else None,
            "as_of": ctx.reference,
        },
        notes=tuple(notes),
    )


@kpi("revivable_deals")
def revivable_deals(ctx: KpiContext) -> Measurement:
    """Lost deals with a timing reason, lost within the revival horizon, largest first."""
    lost = _lost(ctx, need_reason=True)
    reasons = {r.lower() for r in ctx.settings.revivable_reasons}
    horizon = ctx.settings.revive_within_days
    keep = lost["reason"].str.lower().isin(reasons) & (lost["age_days"] <= horizon)
    deals = lost[keep].copy()
    order = ["amount", "age_days"] if "amount" in deals else ["age_days"]
    deals = deals.sort_values(order, ascending=[False, True][: len(order)], ignore_index=True)
    columns = [c for c in ("case_id", "reason", "lost_at", "age_days", "amount", "resource")]
    deals = deals[[c for c in columns if c in deals]]
    amount = float(deals["amount"].sum()) if "amount" in deals else None
    low, high = REVIVAL
    details = {
        "lost": len(lost),
        "reasons": sorted(reasons),
        "within_days": horizon,
        "amount": amount,
        "expected_revived": (low * len(deals), high * len(deals)),
        "expected_amount": None if amount is None else (low * amount, high * amount),
        "as_of": ctx.reference,
    }
    note = Text(
        "re-targeting (email, drip nurturing, calls) typically revives 5–35 % of such deals",
        "la reactivación (correo, nurturing, llamadas) suele recuperar el 5–35 % de estas "
        "oportunidades",
    )
    return Measurement(
        float(len(deals)),
        numerator=float(len(deals)),
        denominator=float(len(lost)),
        breakdown=deals,
        details=details,
        notes=(note,),
    )
