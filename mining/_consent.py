"""Consent rules as conformance checks: no marketing email after an unsubscribe or a bounce."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import consent as consent_sql
from mining._sql import ident, literal
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
