"""Consent rules as conformance checks: no marketing email after an unsubscribe or a bounce, and
none before the contact opted in."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import consent as consent_sql
from mining._sql import fetch_one, ident, literal
from mining.exceptions import EventLogError

HUBSPOT_SENDS = ("SENT",)
HUBSPOT_WITHDRAWALS = ("UNSUBSCRIBE", "BOUNCE", "SPAMREPORT")


def consent_violations(
    log: EventLog,
    *,
    contact: str = "recipient",
    sends: Iterable[str] = HUBSPOT_SENDS,
    withdrawals: Iterable[str] = HUBSPOT_WITHDRAWALS,
) -> pd.DataFrame:
    """Every send to a contact after the contact unsubscribed, bounced or reported spam.

    ``contact`` is the attribute that identifies a person across cases (a HubSpot message log
    has one case per email, so the contact is ``recipient``); ``sends`` and ``withdrawals`` are
    the activity labels (HubSpot's codes by default). One row per violating send, with the
    withdrawal it broke and how long after it the email went out.

    Example:
        >>> consent_violations(sample_logs.load_email_events()).contact.nunique()  # doctest: +SKIP
        25
    """
    if contact not in log.columns:
        raise EventLogError(
            f"log {log.name!r} has no contact column {contact!r}; columns: {', '.join(log.columns)}"
        )
    send_list = ", ".join(literal(s) for s in sends)
    stop_list = ", ".join(literal(s) for s in withdrawals)
    if not send_list or not stop_list:
        raise ValueError("consent_violations needs at least one send and one withdrawal label")
    query = consent_sql.sends_after_withdrawal(log.events_ref, ident(contact), send_list, stop_list)
    frame = log.connection.execute(query).df()
    return frame.astype({"send": "str", "withdrawal": "str"}) if len(frame) else frame


def sends_before_opt_in(
    log: EventLog,
    *,
    opt_ins: Iterable[str],
    contact: str = "recipient",
    sends: Iterable[str] = HUBSPOT_SENDS,
) -> pd.DataFrame:
    """Every marketing send to a contact before the contact opted in (or who never did).

    ``opt_ins`` are the activity labels that record consent (a double opt-in confirmation, a
    subscription set to subscribed); the log must hold them beside the sends, per ``contact``.
    One row per violating send, with when (if ever) the contact opted in.

    Example:
        >>> sends_before_opt_in(log, opt_ins=["Opted in"], contact="email")  # doctest: +SKIP
    """
    if contact not in log.columns:
        raise EventLogError(
            f"log {log.name!r} has no contact column {contact!r}; columns: {', '.join(log.columns)}"
        )
    opt_in_list = ", ".join(literal(s) for s in opt_ins)
    send_list = ", ".join(literal(s) for s in sends)
    if not send_list or not opt_in_list:
        raise ValueError("sends_before_opt_in needs at least one send and one opt-in label")
    if not fetch_one(log.connection, consent_sql.count_activities(log.events_ref, opt_in_list))[0]:
        raise EventLogError(
            f"log {log.name!r} has no opt-in event ({', '.join(opt_ins)}); without the consent "
            "records every send would count as a violation, so nothing was checked"
        )
    query = consent_sql.sends_before_opt_in(log.events_ref, ident(contact), send_list, opt_in_list)
    frame = log.connection.execute(query).df()
    return frame.astype({"send": "str"}) if len(frame) else frame
