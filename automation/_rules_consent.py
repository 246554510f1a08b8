"""The consent rule: marketing emails sent to contacts after they unsubscribed (or bounced, or
reported spam), from a per-message email log (HubSpot email events): add the suppression."""

from __future__ import annotations

from automation._analysis import Analysis, poisson_interval
from automation._changes import AddSuppression
from automation._rules_common import both, make, num
from automation._suggestion_model import Impact, Risk, Suggestion, Text, adequacy

# the suppression list that keeps out a contact who withdrew in each way (by event kind)
_SUPPRESSION = {"unsubscribed": "unsubscribed", "bounced": "hard_bounced", "spam": "unsubscribed"}


def consent_violation(a: Analysis) -> list[Suggestion]:
    """Emails after a withdrawal, in a workflow that sends marketing email and does not suppress
    the withdrawn contacts: add ``unsubscribed`` (and ``hard_bounced``) to its suppression."""
    wf = a.workflow
    if a.email_log is None or a.role == "handoff":
        return []
    if not any(n.action == "send_email" for n in wf.nodes):
        return []
    frame = a.consent
    if frame.empty:
        return []
    kinds = sorted({str(w) for w in frame["withdrawal"] if a.withdrawal_kind(str(w))})
    lists = tuple(
        dict.fromkeys(
            _SUPPRESSION[kind]
            for kind in (a.withdrawal_kind(k) for k in kinds)
            if kind in _SUPPRESSION and _SUPPRESSION[kind] not in wf.suppression
        )
    )
    if not lists:
        return []
    contacts = int(frame["contact"].nunique())
    sends = len(frame)
    hours = frame["seconds_after"] / 3600
    attributed = bool(frame.attrs.get("attributed"))
    low, high = poisson_interval(sends)
    emails = sorted({str(c) for c in frame["case_id"]})
    monthly = 30.0 / a.message_period_days

    def explain(lang: str) -> str:
        if lang == "en":
            text = (
                f"{num(contacts, lang)} contacts got {num(sends, lang)} emails after they "
                f"withdrew ({', '.join(kinds)}), a median {num(hours.median(), lang, 1)} h later. "
                f"The workflow does not suppress {', '.join(lists)}: add it, so a contact who "
                "withdraws leaves the workflow at once."
            )
            if not attributed:
                text += (
                    " The message log does not say which workflow sent each email: check that "
                    "these sends are this workflow's."
                )
            return text
        text = (
            f"{num(contacts, lang)} contactos recibieron {num(sends, lang)} correos después de "
            f"darse de baja ({', '.join(kinds)}), una mediana de {num(hours.median(), lang, 1)} h "
            f"después. El flujo no suprime {', '.join(lists)}: añádelo para que quien se da de "
            "baja salga del flujo en el acto."
        )
        if not attributed:
            text += (
                " El registro de mensajes no dice qué flujo envió cada correo: comprueba que "
                "estos envíos son de este flujo."
            )
        return text

    return [
        make(
            a,
            "consent-violation",
            "suppression",
            title=both(
                lambda lang: (
                    f"Add the suppression {', '.join(lists)}: {num(contacts, lang)} contacts got "
                    "email after unsubscribing"
                    if lang == "en"
                    else f"Añadir la supresión {', '.join(lists)}: {num(contacts, lang)} "
                    "contactos recibieron correo tras darse de baja"
                )
            ),
            explanation=both(explain),
            metric=Text(
                "emails sent after the contact's first withdrawal",
                "correos enviados después de la primera retirada de consentimiento del contacto",
            ),
            value=sends,
            unit="emails",
            sample_size=contacts,
            distribution={
                "median_hours_after": hours.median(),
                "p90_hours_after": hours.quantile(0.9),
                "max_hours_after": hours.max(),
            },
            examples=emails[: a.thresholds.examples],
            details={
                "contacts": contacts,
                "emails": sends,
                "withdrawals": kinds,
                "email_ids": [str(i) for i in a.email_ids],
                "attributed_to_workflow": attributed,
                "message_log": a.email_log.name,
            },
            confidence=adequacy(sends * 10),
            impact=Impact(
                metric=Text(
                    "emails after a withdrawal prevented per month",
                    "correos tras una baja evitados al mes",
                ),
                unit="emails / month",
                estimate=sends * monthly,
                low=low * monthly,
                high=high * monthly,
                cases=contacts,
                method="mining.consent_violations on the message log; Poisson interval",
            ),
            risk=Risk(
                "low",
                Text(
                    "none: the law (GDPR, CAN-SPAM) already requires it",
                    "ninguno: la ley (RGPD, CAN-SPAM) ya lo exige",
                ),
            ),
            ops=[AddSuppression(lists)],
        )
    ]
