"""Suggestion rules on how contacts engage with the workflow's emails, from a per-message email
log (HubSpot email events) joined to the design through the email each step sent: a wait too
short for the reactions it waits for, a send step after which contacts unsubscribe far more than
after the others, inactive contacts who keep being mailed; and, from the campaign log, a decision
branch that every case takes (its condition is constant).

Each message of the log is one row of :func:`messages` (``mining.send_reactions``: each send
with the reactions after it, the contact and the email id of the log's vocabulary); a step's
messages are those of the email ids the campaign log records for it (its message column) or,
without one, its ``params.email``; in a single log of contacts in a workflow, the emails its
send steps' labels name.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import pandas as pd
from statsmodels.stats.proportion import proportions_ztest

import mining
from automation._analysis import (
    Analysis,
    _id_text,
    poisson_interval,
    proportion_interval,
)
from automation._changes import (
    InsertReengagementBranch,
    RemoveBranch,
    ReplaceEmail,
    SetDefaultBranch,
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
from automation._workflow import Node, Workflow

# the reactions followed after each send: column prefix -> the vocabulary's event kind
KINDS = {
    "open": "opened",
    "click": "clicked",
    "unsubscribe": "unsubscribed",
    "spam": "spam",
    "bounce": "bounced",
}
REACTIONS = {"clicked": "click", "opened": "open"}  # Node.awaits -> the reaction's column
_CACHE: weakref.WeakKeyDictionary[Analysis, pd.DataFrame] = weakref.WeakKeyDictionary()


def messages(a: Analysis) -> pd.DataFrame:
    """Per sent message of the email log: ``case_id``, ``email`` (id as text), ``contact``,
    ``sent_at`` and the first ``open_at``, ``click_at``, ``unsubscribe_at``, ``spam_at``,
    ``bounce_at`` (NaT: none); computed once per analysis."""
    assert a.email_log is not None
    if a in _CACHE:
        return _CACHE[a]
    log = a.email_log
    kinds = {name: log.vocabulary.labels(kind) for name, kind in KINDS.items()}
    frame = mining.send_reactions(log, kinds).dropna(subset=["contact"])
    frame["email"] = frame["message"].map(_id_text)
    frame["contact"] = frame["contact"].astype(str)
    columns = ["case_id", "email", "contact", "sent_at"] + [f"{k}_at" for k in KINDS]
    frame = frame[columns].sort_values(["sent_at", "case_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    _CACHE[a] = frame
    return frame


def email_ids_by_step(a: Analysis) -> dict[str, tuple[str, ...]]:
    """Send step id -> the email ids (as the message log writes them) it sent: from the campaign
    log's message column on the step's label, else the step's ``params.email``."""
    frame = messages(a)
    if frame.empty:
        return {}
    known = set(frame["email"])
    found: dict[str, tuple[str, ...]] = {}
    for node in a.workflow.nodes:
        if node.action != "send_email":
            continue
        ids: set[str] = set()
        sent_id = None if a.log is None else a.log.vocabulary.role("message")
        if a.log is not None and sent_id is not None and node.activities:
            only = mining.FilterStack([mining.EventAttribute("activity", node.activities)])
            values = mining.attribute_counts(only.apply(a.log), sent_id)["value"].dropna()
            ids = {_id_text(v) for v in values}
        elif a.email_log is a.source_log:  # one log, no email id: its send steps' labels
            ids = set(node.activities)
        elif node.params.get("email") is not None:
            ids = {str(node.params["email"])}
        ids &= known
        if ids:
            found[node.id] = tuple(sorted(ids))
    return found


def path_to_next_send(workflow: Workflow, node_id: str) -> tuple[list[Node], Node] | None:
    """The waits between a send step and the next send step along the path of a contact who
    does not react (a wait-for-event's timeout exit), and that next step; None when a decision
    or an end comes first."""
    waits: list[Node] = []
    node = workflow.node(node_id)
    for _ in range(len(workflow.nodes)):
        out = workflow.outgoing(node.id)
        if node.type == "wait_for_event":
            edge = next((e for e in out if e.exit == "timeout"), None)
        else:
            edge = out[0] if len(out) == 1 else None
        if edge is None:
            return None
        node = workflow.node(edge.target)
        if node.action == "send_email":
            return waits, node
        if node.type in ("wait", "wait_for_event"):
            waits.append(node)
        elif node.type != "action":
            return None
    return None


def _sent(frame: pd.DataFrame, ids: tuple[str, ...]) -> pd.DataFrame:
    return frame[frame["email"].isin(ids)]


def _per_month(a: Analysis, count: float) -> float:
    return count * 30.0 / a.message_period_days


# -- wait too short ------------------------------------------------------------------------------
def wait_too_short(a: Analysis) -> list[Suggestion]:
    """The wait between email k and email k+1 ends before the contacts react: at least
    ``late_reaction_share`` of the reactions to email k (the click or open the wait-for-event
    awaits; a click after a plain wait) come after email k+1 went out to that contact; propose
    the ``wait_quantile`` reaction time rounded up."""
    if a.email_log is None:
        return []
    by_step = email_ids_by_step(a)
    found = []
    for node_id, ids in by_step.items():
        path = path_to_next_send(a.workflow, node_id)
        if path is None or len(path[0]) != 1 or path[1].id not in by_step:
            continue
        made = _short_one(a, a.workflow.node(node_id), ids, path[0][0], path[1], by_step)
        if made is not None:
            found.append(made)
    return found


def _short_one(
    a: Analysis,
    node: Node,
    ids: tuple[str, ...],
    wait: Node,
    after: Node,
    by_step: dict[str, tuple[str, ...]],
) -> Suggestion | None:
    """One candidate of :func:`wait_too_short`: its suggestion, or None."""
    t = a.thresholds
    if wait.type == "wait_for_event":
        kind = REACTIONS.get(wait.awaits or "")
        current = wait.timeout.total_seconds() if wait.timeout is not None else None
    else:
        kind = "click"
        current = wait.duration.total_seconds() if wait.duration is not None else None
    if kind is None or not current:
        return None
    frame = messages(a)
    these = _sent(frame, ids).sort_values("sent_at")
    later = _sent(frame, by_step[after.id])[["contact", "sent_at"]].sort_values("sent_at")
    later = later.rename(columns={"sent_at": "next_at"})
    joined = pd.merge_asof(
        these,
        later,
        left_on="sent_at",
        right_on="next_at",
        by="contact",
        direction="forward",
        allow_exact_matches=False,
    )
    reacted = joined[joined[f"{kind}_at"].notna()]
    n = len(reacted)
    if n < t.min_cases:
        return None
    delay = (reacted[f"{kind}_at"] - reacted["sent_at"]).dt.total_seconds()
    late_mask = (reacted[f"{kind}_at"] > reacted["next_at"]).to_numpy()
    late = int(late_mask.sum())
    share = late / n
    q = float(delay.quantile(t.wait_quantile))
    new = nice_duration(q)
    if share < t.late_reaction_share or new <= current:
        return None
    kept_now, kept_new = float((delay <= current).mean()), float((delay <= new).mean())
    caught = int((late_mask & (delay <= new).to_numpy()).sum())
    low, high = poisson_interval(caught)
    hours = delay / 3600
    event = "clicks" if kind == "click" else "opens"
    evento = "clics" if kind == "click" else "aperturas"
    extra = new - current

    def explain(lang: str) -> str:
        if lang == "en":
            return (
                f"{num(late, lang)} of the {num(n, lang)} {event} on {quote(node.label, lang)} "
                f"({pct(share, lang)}) came after {quote(after.label, lang)} had already gone "
                f"out to the same contact: the wait {quote(wait.label, lang)} "
                f"({span(current, lang)}) ends before most contacts react "
                f"({pct(t.wait_quantile, lang, 0)} react within {num(q / 3600, lang, 1)} h). "
                f"Waiting {span(new, lang)} catches {pct(kept_new, lang)} of the reactions "
                f"(now {pct(kept_now, lang)}), so the contacts who react take the reaction "
                "path instead of getting the next email."
            )
        return (
            f"{num(late, lang)} de los {num(n, lang)} {evento} en {quote(node.label, lang)} "
            f"({pct(share, lang)}) llegaron cuando {quote(after.label, lang)} ya se había "
            f"enviado al mismo contacto: la espera {quote(wait.label, lang)} "
            f"({span(current, lang)}) termina antes de que la mayoría reaccione (el "
            f"{pct(t.wait_quantile, lang, 0)} reacciona en {num(q / 3600, lang, 1)} h). "
            f"Esperar {span(new, lang)} recoge el {pct(kept_new, lang)} de las reacciones "
            f"(ahora el {pct(kept_now, lang)}), y quien reacciona sigue el camino de la "
            "reacción en lugar de recibir el siguiente correo."
        )

    def risk(lang: str) -> str:
        if lang == "en":
            return (
                f"contacts who do not react get {quote(after.label, lang)} "
                f"{span(extra, lang)} later"
            )
        return (
            f"los contactos que no reaccionan reciben {quote(after.label, lang)} "
            f"{span(extra, lang)} más tarde"
        )

    return make(
        a,
        "wait-too-short",
        wait.id,
        title=both(
            lambda lang: (
                f"Lengthen the wait {quote(wait.label, lang)} from {span(current, lang)} to "
                f"{span(new, lang)}: {pct(share, lang)} of the {event} come after the next email"
                if lang == "en"
                else f"Alargar la espera {quote(wait.label, lang)} de {span(current, lang)} a "
                f"{span(new, lang)}: el {pct(share, lang)} de los {evento} llega tras el "
                "siguiente correo"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"share of the {event} on {node.label!r} after {after.label!r} went out to the contact",
            f"proporción de {evento} en {quote(node.label, 'es')} después de que "
            f"{quote(after.label, 'es')} saliera hacia el contacto",
        ),
        value=share,
        unit="share",
        sample_size=n,
        distribution={
            "late_share": share,
            "p50_hours": hours.quantile(0.5),
            "p75_hours": hours.quantile(0.75),
            "p90_hours": hours.quantile(0.9),
            "late_p50_hours": hours[late_mask].quantile(0.5) if late else math.nan,
            "share_within_current": kept_now,
            "share_within_proposed": kept_new,
        },
        examples=a.examples(reacted["case_id"][late_mask]),
        details={
            "email_ids": list(ids),
            "step": node.id,
            "next_step": after.id,
            "reaction": kind,
            "reactions": n,
            "late_reactions": late,
            "late_within_proposed": caught,
            "current": iso(current),
            "proposed": iso(new),
            "message_log": a.email_log.name if a.email_log is not None else None,
        },
        confidence=adequacy(n),
        impact=Impact(
            metric=Text(
                "reactions per month the wait would catch before the next email",
                "reacciones al mes que la espera recogería antes del siguiente correo",
            ),
            unit="reactions / month",
            estimate=_per_month(a, caught),
            low=_per_month(a, low),
            high=_per_month(a, high),
            cases=late,
            method="per-message email log: reactions to the email against the time the "
            "next email went out to the same contact; Poisson interval",
        ),
        risk=Risk("low", both(risk)),
        ops=[SetWaitDuration(wait.id, iso(new))],
    )


# -- drop-off hotspot ----------------------------------------------------------------------------
def drop_off_hotspot(a: Analysis) -> list[Suggestion]:
    """A send step after which contacts unsubscribe or report spam at ``dropoff_ratio`` times
    the rate of the workflow's other emails or more (one-sided two-proportion z test below
    ``alpha``, at least ``dropoff_min_events`` of them and ``weak_email_min_sends`` sends):
    replace the email. Hard bounces are reported beside it but do not drive the rule: they
    depend on the address, not on the email."""
    if a.email_log is None or a.role == "handoff":
        return []
    by_step = email_ids_by_step(a)
    if len(by_step) < 2:
        return []
    frame = messages(a)
    counts = {}
    for node_id, ids in by_step.items():
        sent = _sent(frame, ids)
        left = sent["unsubscribe_at"].notna() | sent["spam_at"].notna()
        counts[node_id] = (len(sent), int(left.sum()), int(sent["bounce_at"].notna().sum()), sent)
    return [
        s
        for node_id in by_step
        if (s := _dropoff_one(a, a.workflow.node(node_id), counts)) is not None
    ]


def _dropoff_one(a: Analysis, node: Node, counts: dict[str, Any]) -> Suggestion | None:
    """One candidate of :func:`drop_off_hotspot`: its suggestion, or None."""
    t = a.thresholds
    n, k, bounced, sent = counts[node.id]
    others = [v for key, v in counts.items() if key != node.id]
    sn, sk = sum(v[0] for v in others), sum(v[1] for v in others)
    sb = sum(v[2] for v in others)
    if n < t.weak_email_min_sends or k < t.dropoff_min_events or not sn:
        return None
    rate, base = k / n, sk / sn
    if rate < t.dropoff_ratio * base:
        return None
    _, p_value = proportions_ztest([k, sk], [n, sn], alternative="larger")
    if not p_value < t.alpha:
        return None
    low, high = proportion_interval(k, n)
    email = str(node.params.get("email") or node.id)
    new_email = f"{email}-v2"
    left = sent[sent["unsubscribe_at"].notna() | sent["spam_at"].notna()]
    after = (left[["unsubscribe_at", "spam_at"]].min(axis=1) - left["sent_at"]).dt.total_seconds()
    spam = int(sent["spam_at"].notna().sum())
    rates = {key: v[1] / v[0] for key, v in sorted(counts.items()) if key != node.id and v[0] > 0}
    names = {key: a.workflow.node(key).label for key in rates}

    def explain(lang: str) -> str:
        listed = ", ".join(
            f"{quote(names[key], lang)} {pct(r, lang, 2)}" for key, r in rates.items()
        )
        if lang == "en":
            return (
                f"{num(k, lang)} of the {num(n, lang)} contacts who got "
                f"{quote(node.label, lang)} unsubscribed or reported it as spam "
                f"({pct(rate, lang, 2)}; median {num(after.median() / 3600, lang, 1)} h after "
                f"the send), {num(rate / base if base else math.inf, lang, 1)} times the rate "
                f"of the workflow's other emails ({listed}; one-sided z test p = "
                f"{p_value:.2g}). The same contacts, suppression and send window get the "
                "other emails, so what differs is this email: replace it (new subject, "
                f"promise and frequency of the offer; {email} → {new_email}) and test it "
                "against the current one. A suppression would not help: these contacts were "
                "still subscribed when it went out."
            )
        return (
            f"{num(k, lang)} de los {num(n, lang)} contactos que recibieron "
            f"{quote(node.label, lang)} se dieron de baja o lo marcaron como spam "
            f"({pct(rate, lang, 2)}; mediana {num(after.median() / 3600, lang, 1)} h tras el "
            f"envío), {num(rate / base if base else math.inf, lang, 1)} veces la tasa de los "
            f"demás correos del flujo ({listed}; test z unilateral p = {p_value:.2g}). Los "
            "mismos contactos, con la misma supresión y ventana de envío, reciben los demás "
            "correos, así que lo que cambia es este correo: sustitúyelo (nuevo asunto, "
            f"promesa y frecuencia de la oferta; {email} → {new_email}) y pruébalo frente al "
            "actual. Una supresión no ayudaría: estos contactos seguían suscritos al enviarlo."
        )

    return make(
        a,
        "drop-off-hotspot",
        node.id,
        title=both(
            lambda lang: (
                f"Replace the email {quote(node.label, lang)}: {pct(rate, lang, 2)} "
                f"unsubscribe after it vs {pct(base, lang, 2)} after the others"
                if lang == "en"
                else f"Sustituir el correo {quote(node.label, lang)}: el {pct(rate, lang, 2)} "
                f"se da de baja tras él frente al {pct(base, lang, 2)} tras los demás"
            )
        ),
        explanation=both(explain),
        metric=Text(
            "share of the contacts sent the email who unsubscribed or reported spam on it",
            "proporción de los contactos que recibieron el correo y se dieron de baja o lo "
            "marcaron como spam",
        ),
        value=rate,
        unit="share",
        sample_size=n,
        distribution={
            "dropoff_rate": rate,
            "baseline_rate": base,
            "dropoff_rate_low_90": low,
            "dropoff_rate_high_90": high,
            "median_hours_to_unsubscribe": after.median() / 3600,
            "bounce_rate": bounced / n,
            "baseline_bounce_rate": sb / sn,
        },
        examples=a.examples(left["case_id"]),
        details={
            "email": email,
            "email_ids": sorted(set(sent["email"])),
            "sent": n,
            "dropped": k,
            "spam_reports": spam,
            "bounced": bounced,
            "others_sent": sn,
            "others_dropped": sk,
            "p_value": float(p_value),
            "message_log": a.email_log.name if a.email_log is not None else None,
        },
        confidence=adequacy(k * 5) * (1 - float(p_value)),
        impact=Impact(
            metric=Text(
                "unsubscribes avoided per month if it did like the other emails",
                "bajas evitadas al mes si funcionara como los demás correos",
            ),
            unit="unsubscribes / month",
            estimate=_per_month(a, (rate - base) * n),
            low=_per_month(a, max(low - base, 0.0) * n),
            high=_per_month(a, max(high - base, 0.0) * n),
            cases=k,
            method="per-message email log: unsubscribes and spam reports per email; "
            "Clopper-Pearson interval of this email's rate",
        ),
        risk=Risk(
            "low",
            Text(
                "a new email needs content and a test; run it as an A/B test first",
                "un correo nuevo necesita contenido y pruebas; lánzalo primero como test A/B",
            ),
        ),
        ops=[ReplaceEmail(node.id, new_email)],
        assumptions={"email_unsubscribe_rate": {new_email: base}},
    )


# -- inactive contacts still mailed --------------------------------------------------------------
def inactivity(frame: pd.DataFrame) -> pd.DataFrame:
    """Per sent message: ``unengaged`` (the contact's earlier sends since the last open or click
    before this send, all sends when none) and ``days_inactive`` (days since that open or click,
    else since the contact's first send in the log)."""
    sends = frame.sort_values(["sent_at", "case_id"]).reset_index(drop=True)
    sends["order"] = sends.groupby("contact").cumcount()
    sends["first_at"] = sends.groupby("contact")["sent_at"].transform("min")
    reacted = sends[["contact", "open_at", "click_at"]].copy()
    reacted["engaged_at"] = reacted[["open_at", "click_at"]].min(axis=1)
    reacted = reacted.dropna(subset=["engaged_at"])[["contact", "engaged_at"]]
    reacted = reacted.sort_values("engaged_at")
    # sends each engagement had seen: the contact's sends at or before it
    seen = pd.merge_asof(
        reacted,
        sends[["contact", "sent_at", "order"]].sort_values("sent_at"),
        left_on="engaged_at",
        right_on="sent_at",
        by="contact",
        direction="backward",
    )
    seen["seen"] = seen["order"] + 1
    seen = seen[["contact", "engaged_at", "seen"]].sort_values("engaged_at")
    joined = pd.merge_asof(
        sends.sort_values("sent_at"),
        seen,
        left_on="sent_at",
        right_on="engaged_at",
        by="contact",
        direction="backward",
        allow_exact_matches=False,
    )
    joined["unengaged"] = joined["order"] - joined["seen"].fillna(0).astype("int64")
    since = joined["engaged_at"].fillna(joined["first_at"])
    joined["days_inactive"] = (joined["sent_at"] - since).dt.total_seconds() / 86400
    return joined.drop(columns=["order", "seen"])


def _sunsets(workflow: Workflow) -> bool:
    """Whether the design already moves silent contacts to a sunset list."""
    return any(
        n.action == "add_to_list" and "sunset" in str(n.params.get("list", "")).lower()
        for n in workflow.nodes
    )


def _timeout_wait_before(workflow: Workflow, node_id: str) -> Node | None:
    """The wait-for-event whose timeout exit leads to ``node_id`` (through unlogged actions and
    waits), if any."""
    todo, seen = list(workflow.incoming(node_id)), set()
    while todo:
        edge = todo.pop()
        source = workflow.node(edge.source)
        if source.type == "wait_for_event":
            if edge.exit == "timeout":
                return source
            continue
        if source.id in seen or source.action == "send_email" or source.type == "decision":
            continue
        seen.add(source.id)
        todo.extend(workflow.incoming(source.id))
    return None


def inactive_contacts_mailed(a: Analysis) -> list[Suggestion]:
    """Sends to contacts with no open or click on their last ``inactive_sends`` emails, or for
    ``inactive_days`` while being mailed (at least ``min_cases`` such sends): insert a
    re-engagement email after the wait before the step that mails them most, then sunset the
    silent ones. A design that already sunsets contacts (a re-engagement workflow) is left
    alone."""
    t, wf = a.thresholds, a.workflow
    if a.email_log is None or a.role == "handoff" or _sunsets(wf):
        return []
    by_step = email_ids_by_step(a)
    frame = messages(a)
    if not by_step or frame.empty:
        return []
    table = inactivity(frame)
    flagged = (table["unengaged"] >= t.inactive_sends) | (
        (table["unengaged"] >= 1) & (table["days_inactive"] >= t.inactive_days)
    )
    table["inactive"] = flagged
    steps = {}
    for node_id, ids in by_step.items():
        sent = _sent(table, ids)
        steps[node_id] = sent
    mine = pd.concat(list(steps.values()))
    bad = mine[mine["inactive"]]
    if len(bad) < t.min_cases:
        return []
    order = {n.id: i for i, n in enumerate(wf.nodes)}
    ranked = sorted(steps, key=lambda s: (-int(steps[s]["inactive"].sum()), order[s]))
    for step in ranked:
        wait = _timeout_wait_before(wf, step)
        if wait is not None and int(steps[step]["inactive"].sum()):
            return [_inactive_one(a, wf.node(step), wait, steps, mine, bad)]
    return []


def _inactive_one(
    a: Analysis,
    step: Node,
    wait: Node,
    steps: dict[str, pd.DataFrame],
    mine: pd.DataFrame,
    bad: pd.DataFrame,
) -> Suggestion:
    """The suggestion of :func:`inactive_contacts_mailed` for the chosen step and wait."""
    t, wf = a.thresholds, a.workflow
    n, k = len(mine), len(bad)
    contacts = int(bad["contact"].nunique())
    engaged = bad["open_at"].notna() | bad["click_at"].notna()
    woke = float(engaged.mean())
    per_step = {s: int(f["inactive"].sum()) for s, f in steps.items() if int(f["inactive"].sum())}
    at_step = per_step[step.id]
    low, high = poisson_interval(k)
    email = f"{wf.id}-reengagement"

    def explain(lang: str) -> str:
        listed = ", ".join(
            f"{quote(wf.node(s).label, lang)} {num(c, lang)}" for s, c in per_step.items()
        )
        if lang == "en":
            return (
                f"{num(k, lang)} of the workflow's {num(n, lang)} emails ({pct(k / n, lang)}) "
                f"went to {num(contacts, lang)} contacts with no open or click on their last "
                f"{t.inactive_sends} emails or for {num(t.inactive_days, lang)} days ({listed}). "
                f"Only {pct(woke, lang)} of those emails got an open or click. After "
                f"{quote(wait.label, lang)} times out, send one re-engagement email "
                f"({email}); who clicks it goes on to {quote(step.label, lang)}, the silent "
                "contacts move to the sunset list and get no more emails (this protects "
                "deliverability and the sender's reputation)."
            )
        return (
            f"{num(k, lang)} de los {num(n, lang)} correos del flujo ({pct(k / n, lang)}) "
            f"fueron a {num(contacts, lang)} contactos sin aperturas ni clics en sus últimos "
            f"{t.inactive_sends} correos o en {num(t.inactive_days, lang)} días ({listed}). "
            f"Solo el {pct(woke, lang)} de esos correos tuvo una apertura o un clic. Cuando "
            f"{quote(wait.label, lang)} venza, envía un correo de reactivación ({email}); "
            f"quien haga clic sigue a {quote(step.label, lang)}, los que no responden pasan a "
            "la lista de baja (sunset) y no reciben más correos (protege la entregabilidad y "
            "la reputación del remitente)."
        )

    def risk(lang: str) -> str:
        if lang == "en":
            return (
                f"every contact who times out at {quote(wait.label, lang)} gets one more "
                f"email, and the silent ones leave: {pct(woke, lang)} of the emails to "
                "inactive contacts still got an open or click"
            )
        return (
            f"cada contacto que agota {quote(wait.label, lang)} recibe un correo más y los "
            f"que no responden salen: el {pct(woke, lang)} de los correos a contactos "
            "inactivos aún tuvo una apertura o un clic"
        )

    return make(
        a,
        "inactive-contacts-mailed",
        wait.id,
        title=both(
            lambda lang: (
                f"Re-engage, then sunset after {quote(wait.label, lang)}: "
                f"{num(k, lang)} emails went to inactive contacts"
                if lang == "en"
                else f"Reactivar y dar de baja tras {quote(wait.label, lang)}: "
                f"{num(k, lang)} correos fueron a contactos inactivos"
            )
        ),
        explanation=both(explain),
        metric=Text(
            f"emails of the workflow sent to contacts with no open or click on their last "
            f"{t.inactive_sends} emails or for {t.inactive_days:g} days",
            f"correos del flujo de trabajo enviados a contactos sin apertura ni clic en sus "
            f"últimos {t.inactive_sends} correos o durante {num(t.inactive_days, 'es')} días",
        ),
        value=k,
        unit="emails",
        sample_size=n,
        distribution={
            "inactive_share": k / n,
            "median_unengaged_sends": bad["unengaged"].median(),
            "median_days_inactive": bad["days_inactive"].median(),
            "engaged_share_of_inactive_sends": woke,
        },
        examples=a.examples(bad["case_id"]),
        details={
            "contacts": contacts,
            "emails": k,
            "sent": n,
            "by_step": per_step,
            "step": step.id,
            "at_step": at_step,
            "message_log": a.email_log.name if a.email_log is not None else None,
        },
        confidence=adequacy(k),
        impact=Impact(
            metric=Text(
                "emails to inactive contacts avoided per month (silent contacts sunset)",
                "correos a contactos inactivos evitados al mes (los que no responden salen)",
            ),
            unit="emails / month",
            estimate=_per_month(a, k * (1 - woke)),
            low=_per_month(a, low * (1 - woke)),
            high=_per_month(a, high * (1 - woke)),
            cases=contacts,
            method="per-message email log: each send against the recipient's opens and "
            "clicks before it; Poisson interval",
        ),
        risk=Risk("medium", both(risk)),
        ops=[InsertReengagementBranch(wait.id, email, timeout="P7D", sunset_list="sunset")],
    )


# -- branch always taken -------------------------------------------------------------------------
def branch_always_taken(a: Analysis) -> list[Suggestion]:
    """A conditional decision branch taken by at least ``always_branch_share`` of the ``min_cases``
    or more cases that reached the decision: its condition is constant. Make it the default and
    remove the dead alternatives. A default branch taken by (almost) all is the same fact as
    its alternatives never taken, which ``branch-never-taken`` reports; it is not repeated."""
    usage = a.branches
    return [s for row in usage.itertuples() if (s := _always_one(a, row, usage)) is not None]


def _always_one(a: Analysis, row: Any, usage: pd.DataFrame) -> Suggestion | None:
    """One candidate of :func:`branch_always_taken`: its suggestion, or None."""
    t, wf = a.thresholds, a.workflow
    node = wf.node(row.node)
    at = int(row.cases_at_node)
    if node.type != "decision" or node.mode == "split" or at < t.min_cases:
        return None
    edge = next(e for e in wf.outgoing(node.id) if e.target == row.target)
    taken = int(row.cases)
    share = taken / at
    if edge.default or share < t.always_branch_share:
        return None
    target = wf.node(row.target)
    dead = [e for e in wf.outgoing(node.id) if e.target != target.id]
    here = usage[usage["node"] == node.id].set_index("target")["cases"]
    others = {e.target: int(here.get(e.target, 0)) for e in dead}
    low, high = proportion_interval(taken, at)
    condition = edge.condition or ""
    ops = [
        SetDefaultBranch(node.id, target.id),
        *(RemoveBranch(node.id, e.target) for e in dead if not e.default),
    ]
    names = {e.target: wf.node(e.target).label for e in dead}

    def explain(lang: str) -> str:
        listed = ", ".join(f"{quote(names[k], lang)} {num(v, lang)}" for k, v in others.items())
        if lang == "en":
            return (
                f"{num(taken, lang)} of the {num(at, lang)} cases that reached "
                f"{quote(node.label, lang)} went to {quote(target.label, lang)} "
                f"(condition: {condition}); the other branches got {listed}. A condition that "
                "always holds decides nothing: make this branch the default and remove the "
                "others (proposed), or, if some contacts should go elsewhere, fix the "
                "condition (change_condition): a constant condition often means the property "
                "it reads is not being set."
            )
        return (
            f"{num(taken, lang)} de los {num(at, lang)} casos que llegaron a "
            f"{quote(node.label, lang)} fueron a {quote(target.label, lang)} "
            f"(condición: {condition}); las demás ramas recibieron {listed}. Una condición "
            "que siempre se cumple no decide nada: haz esta rama la predeterminada y elimina "
            "las demás (propuesto) o, si algunos contactos deberían ir por otro camino, "
            "corrige la condición (change_condition): una condición constante suele indicar "
            "que la propiedad que lee no se está rellenando."
        )

    return make(
        a,
        "branch-always-taken",
        f"{node.id}->{target.id}",
        title=both(
            lambda lang: (
                f"The condition of {quote(node.label, lang)} → {quote(target.label, lang)} "
                f"always holds: {num(taken, lang)} of {num(at, lang)} cases take it"
                if lang == "en"
                else f"La condición de {quote(node.label, lang)} → "
                f"{quote(target.label, lang)} siempre se cumple: la toman {num(taken, lang)} "
                f"de {num(at, lang)} casos"
            )
        ),
        explanation=both(explain),
        metric=branch_share(node.label, target.label),
        value=share,
        unit="share",
        sample_size=at,
        distribution={"share": share, "share_low_90": low},
        examples=a.examples(a.cases_with(target.activities) if target.activities else []),
        details={
            "cases_at_node": at,
            "cases_taking_branch": taken,
            "condition": condition,
            "other_branches": others,
        },
        confidence=adequacy(at),
        impact=Impact(
            metric=Text(
                "share of the cases the decision sends elsewhere (what the change removes)",
                "proporción de casos que la decisión envía a otro sitio (lo que quita el cambio)",
            ),
            unit="share",
            estimate=1 - share,
            low=1 - high,
            high=1 - low,
            cases=at,
            method="conformance (alignments) of the log against the design; "
            "Clopper-Pearson interval",
        ),
        risk=Risk(
            "medium",
            Text(
                "if the condition should send some contacts elsewhere (a property not set), "
                "making the branch the default hides them; check the condition",
                "si la condición debería enviar a algunos contactos a otro camino (una "
                "propiedad sin rellenar), hacer la rama predeterminada los oculta; revisa la "
                "condición",
            ),
        ),
        ops=ops,
    )
