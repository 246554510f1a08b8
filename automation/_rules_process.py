"""Suggestion rules that compare the design with what the log shows: a wait far longer than the
reactions it waits for, a branch almost never taken, an email nobody clicks, a step usually
skipped, rework concentrated on one person, and a bottleneck (excess over the design) driven by
a segment. Each returns Suggestions with evidence, impact and a ChangeSet."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact, mannwhitneyu
from statsmodels.stats.proportion import proportions_ztest

import mining
from automation._analysis import (
    Analysis,
    logged_predecessors,
    logged_successors,
    poisson_interval,
    proportion_interval,
    reachable_without,
)
from automation._changes import (
    AddSalesTask,
    RemoveBranch,
    RemoveStep,
    ReplaceEmail,
    SetWaitDuration,
)
from automation._rules_common import (
    both,
    branch_share,
    iso,
    make,
    nice_duration,
    num,
    pct,
    quote,
    span,
)
from automation._suggestion_model import Impact, Risk, Suggestion, Text, adequacy
from automation._workflow import Node, parse_duration


def _labels(nodes) -> tuple[str, ...]:
    return tuple(label for node in nodes for label in node.activities)


# -- wait too long ------------------------------------------------------------------------------
def wait_too_long(a: Analysis) -> list[Suggestion]:
    """A wait-for-event whose timeout is far longer than the reactions: 90 % of the events come
    within ``wait_ratio`` of the timeout; propose the P90 reaction time rounded up."""
    wf = a.workflow
    return [s for node in wf.nodes if (s := _wait_too_long_one(a, node)) is not None]


def _wait_too_long_one(a: Analysis, node: Node) -> Suggestion | None:
    """One candidate of :func:`wait_too_long`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    if node.type != "wait_for_event" or not node.activities or node.timeout is None:
        return None
    source = _labels(logged_predecessors(wf, node.id))
    reaction = a.gaps(source, node.activities) if source else pd.Series(dtype=float)
    n = len(reaction)
    timeout = node.timeout.total_seconds()
    if n < t.min_cases:
        return None
    q = float(reaction.quantile(t.wait_quantile))
    new = nice_duration(q)
    saving = timeout - new
    if q > t.wait_ratio * timeout or saving < t.wait_min_saving_hours * 3600:
        return None
    entered = a.cases_with(source)
    waited = entered.difference(a.cases_with(node.activities))
    after = [e.target for e in wf.outgoing(node.id) if e.exit == "timeout"]
    next_labels = tuple(
        label
        for target in after
        for m in ([wf.node(target)] if wf.node(target).activities else [])
        + logged_successors(wf, target)
        for label in m.activities
    )
    if next_labels:  # those who waited the whole timeout and went on
        waited = waited.intersection(a.cases_with(next_labels))
    kept = float((reaction <= new).mean())
    lost = int((reaction > new).sum())
    days = saving / 86400
    scale = 30.0 / a.period_days * days
    low, high = poisson_interval(len(waited))
    hours = reaction / 3600
    what, event = source[0], node.activities[0]

    def explain(lang: str) -> str:
        if lang == "en":
            return (
                f"{pct(kept, lang)} of the {num(n, lang)} reactions to {quote(what, lang)} "
                f"came within {span(new, lang)} ({pct(t.wait_quantile, lang, 0)} within "
                f"{num(q / 3600, lang, 1)} h), yet the {num(len(waited), lang)} contacts "
                f"who did not react waited {span(timeout, lang)} at "
                f"{quote(node.label, lang)} before the next step. Waiting "
                f"{span(new, lang)} moves them on {span(saving, lang)} sooner and keeps "
                f"{pct(kept, lang)} of the reactions."
            )
        return (
            f"El {pct(kept, lang)} de las {num(n, lang)} reacciones a {quote(what, lang)} "
            f"llegó en {span(new, lang)} (el {pct(t.wait_quantile, lang, 0)} en "
            f"{num(q / 3600, lang, 1)} h), pero "
            f"los {num(len(waited), lang)} contactos que no reaccionaron esperaron "
            f"{span(timeout, lang)} en {quote(node.label, lang)} antes del siguiente paso. "
            f"Esperar {span(new, lang)} los adelanta {span(saving, lang)} y conserva el "
            f"{pct(kept, lang)} de las reacciones."
        )

    def risk(lang: str) -> str:
        if lang == "en":
            return (
                f"{num(lost, lang)} of {num(n, lang)} reactions ({pct(lost / n, lang)}) came "
                f"after {span(new, lang)}: those contacts would move on before reacting"
            )
        return (
            f"{num(lost, lang)} de {num(n, lang)} reacciones ({pct(lost / n, lang)}) llegaron "
            f"después de {span(new, lang)}: esos contactos avanzarían antes de reaccionar"
        )

    return make(
        a,
        "wait-too-long",
        node.id,
        title=both(
            lambda lang: (
                f"Shorten the wait {quote(node.label, lang)} from {span(timeout, lang)} "
                f"to {span(new, lang)}"
                if lang == "en"
                else f"Acortar la espera {quote(node.label, lang)} de "
                f"{span(timeout, lang)} a {span(new, lang)}"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"hours from {what!r} to {event!r}",
            f"horas de {quote(what, 'es')} a {quote(event, 'es')}",
        ),
        value=q / 3600,
        unit="hours",
        sample_size=n,
        distribution={
            "p50_hours": hours.quantile(0.5),
            "p75_hours": hours.quantile(0.75),
            "p90_hours": hours.quantile(0.9),
            "p95_hours": hours.quantile(0.95),
            "max_hours": hours.max(),
            "share_within_24h": float((reaction <= 86400).mean()),
            "share_within_proposed": kept,
        },
        examples=a.examples(reaction.index),
        details={
            "timeout": iso(timeout),
            "proposed": iso(new),
            "cases_waiting_full_timeout": len(waited),
            "reactions_after_proposed": lost,
        },
        confidence=adequacy(n),
        impact=Impact(
            metric=Text(
                "case-days saved per month (contacts who do not react move on sooner)",
                "días-caso ahorrados al mes (los contactos que no reaccionan avanzan antes)",
            ),
            unit="case-days / month",
            estimate=a.per_month(len(waited)) * days,
            low=low * scale,
            high=high * scale,
            cases=len(waited),
            method="replay of the logged reactions against the shorter wait; "
            "Poisson interval on the number of contacts",
        ),
        risk=Risk("low" if lost / n <= 0.1 else "medium", both(risk)),
        ops=[SetWaitDuration(node.id, iso(new))],
        factor=saving / timeout,
    )


# -- branch (almost) never taken ------------------------------------------------------------------
def branch_never_taken(a: Analysis) -> list[Suggestion]:
    """A decision branch taken by fewer than ``rare_branch_share`` of the cases that reached the
    decision: remove it (or fix its condition)."""
    usage = a.branches
    return [s for row in usage.itertuples() if (s := _branch_one(a, row, usage)) is not None]


def _branch_one(a: Analysis, row: Any, usage: pd.DataFrame) -> Suggestion | None:
    """One candidate of :func:`branch_never_taken`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    node = wf.node(row.node)
    at = int(row.cases_at_node)
    if node.type != "decision" or at < t.min_cases:
        return None
    edge = next(e for e in wf.outgoing(node.id) if e.target == row.target)
    if edge.default:
        return None
    target = wf.node(row.target)
    shown = target.activities or _labels(logged_successors(wf, target.id))
    before = _labels(logged_predecessors(wf, node.id))
    by_label = len(a.cases_with(before).intersection(a.cases_with(shown))) if before else 0
    taken = max(int(row.cases), by_label)  # a goal label may hide the branch from replay
    share = taken / at
    if share >= t.rare_branch_share:
        return None
    low, high = proportion_interval(taken, at)
    same = usage[(usage["condition"] == row.condition) & (usage["node"] != row.node)]
    elsewhere = [
        (wf.node(r.node).label, int(r.cases), int(r.cases_at_node)) for r in same.itertuples()
    ]
    reached = a.cases_with(before) if before else pd.Index([])
    condition = edge.condition or ""

    def explain(lang: str) -> str:
        if lang == "en":
            text = (
                f"Of the {num(at, lang)} cases that reached {quote(node.label, lang)}, "
                f"{num(taken, lang)} went to {quote(target.label, lang)} "
                f"(condition: {condition}). A branch almost nobody takes is dead weight or a "
                "broken condition: remove it (proposed) or, if contacts should go there, "
                "fix the condition (change_condition)."
            )
            for label, k, n in elsewhere:
                text += (
                    f" The same condition at {quote(label, lang)} sent {num(k, lang)} of "
                    f"{num(n, lang)}."
                )
            return text
        text = (
            f"De los {num(at, lang)} casos que llegaron a {quote(node.label, lang)}, "
            f"{num(taken, lang)} fueron a {quote(target.label, lang)} "
            f"(condición: {condition}). Una rama que casi nadie toma sobra o tiene la "
            "condición rota: elimínala (propuesto) o, si los contactos deberían ir por ella, "
            "corrige la condición (change_condition)."
        )
        for label, k, n in elsewhere:
            text += (
                f" La misma condición en {quote(label, lang)} envió {num(k, lang)} de "
                f"{num(n, lang)}."
            )
        return text

    return make(
        a,
        "branch-never-taken",
        f"{node.id}->{target.id}",
        title=both(
            lambda lang: (
                f"Remove the branch {quote(node.label, lang)} → "
                f"{quote(target.label, lang)}: {num(taken, lang)} of {num(at, lang)} "
                "cases take it"
                if lang == "en"
                else f"Eliminar la rama {quote(node.label, lang)} → "
                f"{quote(target.label, lang)}: la toman {num(taken, lang)} de "
                f"{num(at, lang)} casos"
            )
        ),
        explanation=both(explain),
        metric=branch_share(node.label, target.label),
        value=share,
        unit="share",
        sample_size=at,
        distribution={"share": share, "share_high_90": high},
        examples=a.examples(reached),
        details={
            "cases_at_node": at,
            "cases_taking_branch": taken,
            "condition": condition,
            "same_condition_elsewhere": [
                {"node": lbl, "cases": k, "cases_at_node": n} for lbl, k, n in elsewhere
            ],
        },
        confidence=adequacy(at),
        impact=Impact(
            metric=Text(
                "share of the cases taking the branch (what removing it changes)",
                "proporción de casos que toman la rama (lo que cambia al quitarla)",
            ),
            unit="share",
            estimate=share,
            low=low,
            high=high,
            cases=at,
            method="conformance (alignments) of the log against the design; "
            "Clopper-Pearson interval",
        ),
        risk=Risk(
            "medium",
            Text(
                "if the condition should hold for some contacts (the platform may not be "
                "evaluating it), removing the branch hides them; check the condition",
                "si la condición debería cumplirse para algunos contactos (quizá la "
                "plataforma no la evalúa), quitar la rama los oculta; revisa la condición",
            ),
        ),
        ops=[RemoveBranch(node.id, target.id)],
    )


# -- email nobody clicks ---------------------------------------------------------------------------
def email_nobody_clicks(a: Analysis) -> list[Suggestion]:
    """An email clicked far less than the workflow's other emails (below ``weak_email_ratio``
    of their pooled click rate, one-sided z test below ``alpha``): replace it. A click is the
    design's click wait after the email; without one, the log's own clicks (the vocabulary's
    clicked kind) after that email and before the case's next one."""
    wf = a.workflow
    pairs = []
    sends: pd.DataFrame | None = None  # the log's own sends and clicks, read once if needed
    for node in wf.nodes:
        if node.action != "send_email" or not node.activities:
            continue
        waits = [wf.node(e.target) for e in wf.outgoing(node.id)]
        click = next((w for w in waits if w.awaits == "clicked"), None)
        if click is not None and click.activities:
            sent = a.cases_with(node.activities)
            clicked = sent.intersection(a.cases_with(click.activities))
        else:
            sends = _sends_and_clicks(a) if sends is None else sends
            rows = sends[sends["send"].astype(str).isin(node.activities)]
            if rows.empty:
                continue
            sent = pd.Index(rows["case_id"].astype(str).unique())
            clicked = pd.Index(rows.loc[rows["clicked_at"].notna(), "case_id"].astype(str).unique())
        pairs.append((node, sent, clicked))
    return [
        s
        for node, sent, clicked in pairs
        if (s := _email_one(a, node, sent, clicked, pairs)) is not None
    ]


def _sends_and_clicks(a: Analysis) -> pd.DataFrame:
    """Each send of the workflow's own log (``case_id``, ``send``) with its first click after
    it (``clicked_at``), when the log records the contacts' clicks; else no rows."""
    log = a.log
    if log is None or a.email_log is not a.source_log or not log.vocabulary.labels("clicked"):
        return pd.DataFrame({"case_id": [], "send": [], "clicked_at": []})
    return mining.send_reactions(log, {"clicked": log.vocabulary.labels("clicked")})


def _email_one(
    a: Analysis, node: Node, sent: pd.Index, clicked: pd.Index, pairs: list
) -> Suggestion | None:
    """One candidate of :func:`email_nobody_clicks`: its suggestion, or None."""
    t = a.thresholds
    others = [p for p in pairs if p[0].id != node.id]
    n, k = len(sent), len(clicked)
    if not others or n < t.weak_email_min_sends:
        return None
    sn, sk = sum(len(p[1]) for p in others), sum(len(p[2]) for p in others)
    rate, sibling = k / n, sk / sn if sn else 0.0
    if not sn or rate >= t.weak_email_ratio * sibling:
        return None
    _, p_value = proportions_ztest([k, sk], [n, sn], alternative="smaller")
    if not p_value < t.alpha:
        return None
    sib_low, sib_high = proportion_interval(sk, sn)
    monthly = a.per_month(n)
    email = str(node.params.get("email") or node.id)
    new_email = f"{email}-v2"
    rates = [(p[0].label, len(p[2]) / len(p[1]) if len(p[1]) else 0.0) for p in others]

    def explain(lang: str) -> str:
        listed = ", ".join(f"{quote(lbl, lang)} {pct(r, lang)}" for lbl, r in rates)
        if lang == "en":
            return (
                f"{num(k, lang)} of {num(n, lang)} contacts who got "
                f"{quote(node.label, lang)} clicked it ({pct(rate, lang)}); the workflow's "
                f"other emails get {listed}. Replace the email ({email} → {new_email}: new "
                "subject, offer and call to action) and test it against the current one."
            )
        return (
            f"{num(k, lang)} de {num(n, lang)} contactos que recibieron "
            f"{quote(node.label, lang)} hicieron clic ({pct(rate, lang)}); los demás correos "
            f"del flujo logran {listed}. Sustituye el correo ({email} → {new_email}: nuevo "
            "asunto, oferta y llamada a la acción) y pruébalo frente al actual."
        )

    return make(
        a,
        "email-nobody-clicks",
        node.id,
        title=both(
            lambda lang: (
                f"Replace the email {quote(node.label, lang)}: {pct(rate, lang)} click "
                f"it vs {pct(sibling, lang)} for its siblings"
                if lang == "en"
                else f"Sustituir el correo {quote(node.label, lang)}: "
                f"{pct(rate, lang)} de clics frente al {pct(sibling, lang)} de los demás"
            )
        ),
        explanation=both(explain),
        metric=Text(
            "click rate (cases that clicked / cases that got the email)",
            "tasa de clics (casos con clic / casos que recibieron el correo)",
        ),
        value=rate,
        unit="share",
        sample_size=n,
        distribution={"click_rate": rate, "sibling_click_rate": sibling},
        examples=a.examples(sent.difference(clicked)),
        details={
            "email": email,
            "sent": n,
            "clicked": k,
            "p_value": float(p_value),
            "siblings": [
                {"node": p[0].id, "sent": len(p[1]), "clicked": len(p[2])} for p in others
            ],
        },
        confidence=adequacy(n) * (1 - float(p_value)),
        impact=Impact(
            metric=Text(
                "extra clicks per month if it were clicked like its siblings",
                "clics adicionales al mes si se clicara como los demás correos",
            ),
            unit="clicks / month",
            estimate=(sibling - rate) * monthly,
            low=max(sib_low - rate, 0.0) * monthly,
            high=max(sib_high - rate, 0.0) * monthly,
            cases=n,
            method="click rates of the log; Clopper-Pearson interval of the siblings' rate",
        ),
        risk=Risk(
            "low",
            Text(
                "a new email needs content and a test; run it as an A/B test first",
                "un correo nuevo necesita contenido y pruebas; lánzalo primero como test A/B",
            ),
        ),
        ops=[ReplaceEmail(node.id, new_email)],
        assumptions={"email_click_rate": {new_email: sibling}},
    )


# -- step usually skipped --------------------------------------------------------------------------
def _durations(a: Analysis) -> pd.Series:
    frame = a.activities.groupby("case_id").agg(first=("first", "min"), last=("last", "max"))
    return (frame["last"] - frame["first"]).dt.total_seconds() / 86400


def step_usually_skipped(a: Analysis) -> list[Suggestion]:
    """A logged step missing from at least ``skipped_share`` of the cases that went past it.
    Almost always skipped, or skipped without harm (goal rate, duration): remove it from the
    design; skipped with harm: add a sales task that makes sure it happens."""
    wf = a.workflow
    goals = tuple(label for g in wf.goals for label in g.activities)
    return [s for node in wf.nodes if (s := _skip_one(a, node, goals)) is not None]


def _skip_one(a: Analysis, node: Node, goals: tuple[str, ...]) -> Suggestion | None:
    """One candidate of :func:`step_usually_skipped`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    if node.type != "action" or not node.activities or set(node.activities) & set(goals):
        return None
    others = reachable_without(wf, node.id)
    after = [s for s in logged_successors(wf, node.id) if s.id not in others]
    reached = a.cases_with(_labels(after))
    n = len(reached)
    if n < t.min_cases:
        return None
    skipped = reached.difference(a.cases_with(node.activities))
    done = reached.intersection(a.cases_with(node.activities))
    share = len(skipped) / n
    if share < t.skipped_share:
        return None
    won = a.cases_with(goals) if goals else pd.Index([])
    rate_skip = len(skipped.intersection(won)) / len(skipped)
    rate_done = len(done.intersection(won)) / len(done) if len(done) else float("nan")
    days = _durations(a)
    med_skip, med_done = float(days[skipped].median()), float(days[done].median())
    hurts = bool(goals) and rate_skip < rate_done - 0.05
    hurts = hurts or med_skip > 1.1 * med_done
    remove = share >= t.skipped_remove_share or not hurts
    preds = _labels(logged_predecessors(wf, node.id))
    usual = a.gaps(preds, node.activities) if preds else pd.Series(dtype=float)
    sla = nice_duration(float(usual.quantile(0.75))) if len(usual) else 86400
    next_label = after[0].label
    low, high = poisson_interval(len(skipped))

    def explain(lang: str, remove=remove) -> str:
        facts_en = (
            f"{num(len(skipped), lang)} of the {num(n, lang)} cases that reached "
            f"{quote(next_label, lang)} ({pct(share, lang)}) never did "
            f"{quote(node.label, lang)}."
        )
        facts_es = (
            f"{num(len(skipped), lang)} de los {num(n, lang)} casos que llegaron a "
            f"{quote(next_label, lang)} ({pct(share, lang)}) nunca pasaron por "
            f"{quote(node.label, lang)}."
        )
        if goals:
            facts_en += (
                f" The goal was reached by {pct(rate_skip, lang)} of them vs "
                f"{pct(rate_done, lang)} of the others"
            )
            facts_es += (
                f" Alcanzaron el objetivo el {pct(rate_skip, lang)} de ellos frente al "
                f"{pct(rate_done, lang)} de los demás"
            )
        facts_en += f"; median duration {num(med_skip, lang, 1)} vs {num(med_done, lang, 1)} days."
        facts_es += (
            f"; duración mediana {num(med_skip, lang, 1)} frente a {num(med_done, lang, 1)} días."
        )
        if lang == "en":
            advice = (
                " Skipping it does not hurt: make the design match practice and remove the "
                "step (the team can still do it when useful)."
                if remove
                else " Skipping it hurts: add a sales task with an SLA that makes sure it happens."
            )
            return facts_en + advice
        advice = (
            " Saltarlo no perjudica: haz que el diseño refleje la práctica y elimina el paso "
            "(el equipo puede seguir haciéndolo cuando convenga)."
            if remove
            else " Saltarlo perjudica: añade una tarea de ventas con un SLA que asegure que "
            "se hace."
        )
        return facts_es + advice

    op = (
        RemoveStep(node.id)
        if remove
        else AddSalesTask(
            node.id,
            f"ensure_{node.id}",
            f"Make sure {node.label} happens",
            sla=iso(sla),
            params={"reason": f"skipped by {len(skipped)} of {n}"},
        )
    )
    return make(
        a,
        "step-usually-skipped",
        node.id,
        title=both(
            lambda lang, remove=remove: (
                f"{'Remove' if remove else 'Enforce'} the step {quote(node.label, lang)}: "
                f"skipped by {num(len(skipped), lang)} of {num(n, lang)} cases"
                if lang == "en"
                else f"{'Eliminar' if remove else 'Asegurar'} el paso "
                f"{quote(node.label, lang)}: lo saltan {num(len(skipped), lang)} de "
                f"{num(n, lang)} casos"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"share of the cases reaching {next_label!r} without {node.activities[0]!r}",
            f"proporción de casos que llegan a {quote(next_label, 'es')} sin "
            f"{quote(node.activities[0], 'es')}",
        ),
        value=share,
        unit="share",
        sample_size=n,
        distribution={
            "goal_rate_skipped": rate_skip,
            "goal_rate_done": rate_done,
            "median_days_skipped": med_skip,
            "median_days_done": med_done,
        },
        examples=a.examples(skipped),
        details={"skipped": len(skipped), "reached_next_step": n, "remove": remove},
        confidence=adequacy(n),
        impact=Impact(
            metric=Text(
                "cases per month whose path the change settles",
                "casos al mes cuyo recorrido resuelve el cambio",
            ),
            unit="cases / month",
            estimate=a.per_month(len(skipped)),
            low=a.per_month(low),
            high=a.per_month(high),
            cases=len(skipped),
            method="case activities of the log; Poisson interval",
        ),
        risk=Risk(
            "medium" if remove else "low",
            Text(
                "removing a step changes what every case goes through; agree it with the team"
                if remove
                else "one more task for the team on every case that reaches the step",
                "quitar un paso cambia lo que recorre cada caso; acuérdalo con el equipo"
                if remove
                else "una tarea más para el equipo en cada caso que llega al paso",
            ),
        ),
        ops=[op],
        assumptions={} if remove else {"fixes": [f"skip:{node.id}"]},
    )


# -- rework hotspot --------------------------------------------------------------------------------
def rework_hotspot(a: Analysis) -> list[Suggestion]:
    """A step redone in at least ``rework_share`` of one resource's cases, ``rework_ratio`` times
    the others' share (Fisher's exact test below ``alpha``): add a review task before it."""
    wf = a.workflow
    assert a.log is not None
    if not a.log.has_resource:
        return []
    table = mining.rework(a.log, by="resource")
    nodes = {label: node for node in wf.nodes for label in node.activities}
    return [s for row in table.itertuples() if (s := _rework_one(a, row, table, nodes)) is not None]


def _rework_one(
    a: Analysis, row: Any, table: pd.DataFrame, nodes: dict[str, Node]
) -> Suggestion | None:
    """One candidate of :func:`rework_hotspot`: its suggestion, or None."""
    t = a.thresholds
    node = nodes.get(str(row.activity))
    if node is None or node.type != "action":
        return None
    k, n = int(row.rework_cases), int(row.cases)
    if k < t.rework_min_cases or k / n < t.rework_share:
        return None
    rest = table[(table["activity"] == row.activity) & (table["resource"] != row.resource)]
    rk, rn = int(rest["rework_cases"].sum()), int(rest["cases"].sum())
    rest_share = rk / rn if rn else 0.0
    if rest_share and k / n < t.rework_ratio * rest_share:
        return None
    _, p_value = fisher_exact([[k, n - k], [rk, rn - rk]], alternative="greater")
    if not p_value < t.alpha:
        return None
    who = str(row.resource)
    extra = int(row.extra_executions)
    low, high = poisson_interval(extra)
    redone = a.examples(
        a.activities[
            (a.activities["activity"] == str(row.activity)) & (a.activities["occurrences"] > 1)
        ]["case_id"]
    )

    def explain(lang: str) -> str:
        if lang == "en":
            return (
                f"{who} redid {quote(node.label, lang)} in {num(k, lang)} of their "
                f"{num(n, lang)} cases ({pct(k / n, lang)}; {num(extra, lang)} extra times), "
                f"the others in {num(rk, lang)} of {num(rn, lang)} ({pct(rest_share, lang)}). "
                "Add a review before the step (a task for the team lead) and coach on what "
                "makes it come back."
            )
        return (
            f"{who} repitió {quote(node.label, lang)} en {num(k, lang)} de sus "
            f"{num(n, lang)} casos ({pct(k / n, lang)}; {num(extra, lang)} veces de más), el "
            f"resto en {num(rk, lang)} de {num(rn, lang)} ({pct(rest_share, lang)}). Añade una "
            "revisión antes del paso (una tarea para el responsable del equipo) y trabaja con "
            "la persona qué hace que se repita."
        )

    return make(
        a,
        "rework-hotspot",
        f"{node.id}@{who}",
        title=both(
            lambda lang: (
                f"Review {quote(node.label, lang)} before it goes out: {who} redoes it in "
                f"{num(k, lang)} of {num(n, lang)} cases"
                if lang == "en"
                else f"Revisar {quote(node.label, lang)} antes de enviarlo: {who} lo "
                f"repite en {num(k, lang)} de {num(n, lang)} casos"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"share of {who}'s cases where {row.activity!r} happened more than once",
            f"proporción de casos de {who} en los que {quote(row.activity, 'es')} ocurrió más "
            "de una vez",
        ),
        value=k / n,
        unit="share",
        sample_size=n,
        distribution={"rework_share": k / n, "others_rework_share": rest_share},
        examples=redone,
        details={
            "resource": who,
            "rework_cases": k,
            "cases": n,
            "extra_executions": extra,
            "others_rework_cases": rk,
            "others_cases": rn,
            "p_value": float(p_value),
        },
        confidence=adequacy(n * 3) * (1 - float(p_value)),
        impact=Impact(
            metric=Text(
                "repeated executions avoided per month",
                "repeticiones evitadas al mes",
            ),
            unit="executions / month",
            estimate=a.per_month(extra),
            low=a.per_month(low),
            high=a.per_month(high),
            cases=k,
            method="rework by resource in the log; Poisson interval",
        ),
        risk=Risk(
            "low",
            Text(
                "a review adds a day at most to the step for every case",
                "la revisión añade como mucho un día al paso en cada caso",
            ),
        ),
        ops=[
            AddSalesTask(
                node.id,
                f"review_{node.id}",
                f"Review before: {node.label}",
                sla="P1D",
                params={"reviewer": "team lead", "focus": who},
            )
        ],
        assumptions={"fixes": [f"rework:{node.id}"]},
    )


# -- bottleneck ------------------------------------------------------------------------------------
def _segment(a: Analysis, excess: pd.Series) -> tuple | None:
    """The case attribute value whose median excess is the most above the rest's."""
    t = a.thresholds
    cases = a.cases.reindex(excess.index)
    best = None
    for column in a.segments():
        values = cases[column]
        for value in sorted(values.dropna().unique(), key=str):
            value = value.item() if isinstance(value, np.generic) else value
            inside = excess[values == value]
            outside = excess[values != value]
            if len(inside) < t.segment_min_cases or len(outside) < t.segment_min_cases:
                continue
            med_in, med_out = float(inside.median()), float(outside.median())
            ratio = med_in / med_out if med_out > 0 else float("inf")
            if ratio < t.segment_ratio:
                continue
            p_value = float(mannwhitneyu(inside, outside, alternative="greater").pvalue)
            if p_value < t.alpha and (best is None or ratio > best[5]):
                best = (column, value, med_in, med_out, len(inside), ratio, p_value)
    if best is None:
        return None
    column, value, med_in, med_out, n_in, ratio, p_value = best
    return column, value, med_in, med_out, n_in, p_value


def bottleneck(a: Analysis) -> list[Suggestion]:
    """The step whose time beyond the design (``waits_against_design``) stands out: at least
    ``bottleneck_hours`` and ``bottleneck_ratio`` times the other steps' median excess, or driven
    by a segment (a case attribute value with ``segment_ratio`` times the rest's median):
    escalate it with a sales task (only for that segment)."""
    t, wf = a.thresholds, a.workflow
    reactions = {lbl for n in wf.nodes if n.type == "wait_for_event" for lbl in n.activities}
    steps = {lbl: n for n in wf.nodes if n.type == "action" for lbl in n.activities}
    waits = a.waits[
        a.waits.apply(
            lambda r: (
                (r["source"], r["target"]) in a.designed
                and r["target"] in steps
                and r["target"] not in reactions
                and r["transitions"] >= t.min_cases
            ),
            axis=1,
        )
    ]
    if waits.empty:
        return []
    medians = waits.set_index(["source", "target"])["median_excess_seconds"]
    candidates = []
    for (source, target), median in medians.items():
        excess = a.direct_gaps(source, target) - a.designed[(source, target)]
        excess = excess.clip(lower=0)
        if len(excess) < t.min_cases:
            continue
        rest = medians.drop((source, target))
        typical = float(rest.median()) if len(rest) else 0.0
        stands_out = median >= t.bottleneck_hours * 3600 and (
            typical <= 0 or median >= t.bottleneck_ratio * typical
        )
        segment = _segment(a, excess) if len(a.segments()) else None
        if segment is not None and segment[2] < t.bottleneck_hours * 3600:
            segment = None
        if stands_out or segment is not None:
            candidates.append((source, target, float(median), typical, excess, segment))
    return [
        s
        for source, target, median, typical, excess, segment in candidates
        if (s := _bottleneck_one(a, source, target, median, typical, excess, segment, steps))
        is not None
    ]


def _bottleneck_one(
    a: Analysis,
    source: str,
    target: str,
    median: float,
    typical: float,
    excess: pd.Series,
    segment: tuple | None,
    steps: dict[str, Node],
) -> Suggestion:
    """One candidate of :func:`bottleneck`: its suggestion, or None."""

    node = steps[target]
    if segment is not None:
        column, value, med_in, med_out, n_in, p_value = segment
        group = excess[a.cases.reindex(excess.index)[column] == value]
        hours_saved = (med_in - med_out) / 3600 * n_in
        where = f"{column} = {value!r}"
        rng = np.random.default_rng(0)
        boots = [
            float(np.median(rng.choice(group.to_numpy(), len(group))) - med_out) for _ in range(300)
        ]
        low, high = np.quantile(boots, [0.05, 0.95]) / 3600 * n_in
        confidence = adequacy(n_in * 2) * (1 - p_value)
    else:
        column = value = None
        med_in, med_out, n_in, p_value = median, typical, len(excess), float("nan")
        group = excess
        hours_saved = (median - typical) / 3600 * len(excess)
        where = None
        low, high = hours_saved * 0.8, hours_saved * 1.2
        confidence = adequacy(len(excess))
    sla = node.params.get("sla") or iso(nice_duration(med_out if med_out > 0 else 86400))
    breach = None
    if node.params.get("sla"):
        limit = parse_duration(str(node.params["sla"])).total_seconds()
        breach = (float((excess > limit).mean()), float((group > limit).mean()))

    def explain(lang: str, column=column, value=value, breach=breach) -> str:
        step = f"{quote(source, lang)} → {quote(target, lang)}"
        if lang == "en":
            text = (
                f"{step} takes a median {num(median / 3600, lang, 1)} h beyond the design "
                f"(other steps {num(typical / 3600, lang, 1)} h)."
            )
            if column is not None:
                text += (
                    f" For {column} {value} it is {num(med_in / 3600, lang, 1)} h vs "
                    f"{num(med_out / 3600, lang, 1)} h for the rest ({num(n_in, lang)} cases)."
                )
            if breach is not None:
                text += (
                    f" The task's SLA ({node.params['sla']}) is missed in "
                    f"{pct(breach[0], lang)} of all cases and {pct(breach[1], lang)} of these."
                )
            return text + " Add an escalation task with an SLA for these cases."
        text = (
            f"{step} tarda una mediana de {num(median / 3600, lang, 1)} h más de lo diseñado "
            f"(los demás pasos {num(typical / 3600, lang, 1)} h)."
        )
        if column is not None:
            text += (
                f" Para {column} {value} son {num(med_in / 3600, lang, 1)} h frente a "
                f"{num(med_out / 3600, lang, 1)} h del resto ({num(n_in, lang)} casos)."
            )
        if breach is not None:
            text += (
                f" El SLA de la tarea ({node.params['sla']}) se incumple en el "
                f"{pct(breach[0], lang)} de todos los casos y el {pct(breach[1], lang)} de "
                "estos."
            )
        return text + " Añade una tarea de escalado con SLA para estos casos."

    label = f" ({column} {value})" if column is not None else ""
    return make(
        a,
        "bottleneck",
        f"{node.id}" + (f"@{column}={value}" if column is not None else ""),
        title=both(
            lambda lang, label=label: (
                f"Escalate {quote(node.label, lang)}{label}: "
                f"{num(med_in / 3600, lang, 1)} h beyond the design"
                if lang == "en"
                else f"Escalar {quote(node.label, lang)}{label}: "
                f"{num(med_in / 3600, lang, 1)} h más de lo diseñado"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"hours from {source!r} to {target!r} beyond the designed wait",
            f"horas de {quote(source, 'es')} a {quote(target, 'es')} por encima de la espera "
            "diseñada",
        ),
        value=med_in / 3600,
        unit="hours",
        sample_size=int(n_in),
        distribution={
            "median_excess_hours": median / 3600,
            "segment_median_excess_hours": med_in / 3600,
            "rest_median_excess_hours": med_out / 3600,
            "p90_excess_hours": float(group.quantile(0.9)) / 3600,
            "other_steps_median_excess_hours": typical / 3600,
        },
        examples=a.examples(group.sort_values(ascending=False).index[:50]),
        details={
            "source": source,
            "target": target,
            "designed_seconds": a.designed[(source, target)],
            "segment": {"attribute": column, "value": value} if column else None,
            "p_value": p_value,
            "sla": node.params.get("sla"),
            "sla_breach_share": breach[0] if breach else None,
            "sla_breach_share_segment": breach[1] if breach else None,
        },
        confidence=confidence,
        impact=Impact(
            metric=Text(
                "case-hours saved if these cases took as long as the rest",
                "horas-caso ahorradas si estos casos tardaran como el resto",
            ),
            unit="case-hours",
            estimate=hours_saved,
            low=float(max(low, 0.0)),
            high=float(max(high, 0.0)),
            cases=int(n_in),
            method="waits against the design in the log; bootstrap of the median",
        ),
        risk=Risk(
            "low",
            Text(
                "an escalation adds work for the team lead; it does not change the other cases",
                "el escalado añade trabajo al responsable; no cambia los demás casos",
            ),
        ),
        ops=[
            AddSalesTask(
                node.id,
                f"escalate_{node.id}",
                f"Escalate: {node.label}" + label,
                sla=str(sla),
                condition=where,
                params={"escalate_to": "team lead"},
            )
        ],
        assumptions={"fixes": [f"delay:{node.id}"]},
    )
