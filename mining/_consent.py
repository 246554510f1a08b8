"""Consent rules as conformance checks: no marketing email after an unsubscribe or a bounce, and
none before the contact opted in."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mining._eventlog import EventLog
from mining._queries import consent as consent_sql
from mining._sql import fetch_one, ident, literal
from mining._vocabulary import WITHDRAWAL_KINDS
from mining.exceptions import EventLogError


def _labels(given: Iterable[str] | None, log: EventLog, kinds: tuple[str, ...], why: str) -> str:
    """The quoted label list: the labels given, or those of ``kinds`` in the log's vocabulary."""
    if given is not None:
        labels = tuple(given)
        if not labels:
            raise ValueError(f"{why}: the list of labels is empty")
    else:
        labels = log.vocabulary.require_labels(kinds, log.name, why)
    return ", ".join(literal(s) for s in labels)


def _contact(given: str | None, log: EventLog, why: str) -> str:
    """The contact column: the one given, or the vocabulary's contact role."""
    contact = given or log.vocabulary.require_role("contact", log.name, why)
    if contact not in log.columns:
        raise EventLogError(
            f"log {log.name!r} has no contact column {contact!r}; columns: {', '.join(log.columns)}"
        )
    return contact


def consent_violations(
    log: EventLog,
    *,
    contact: str | None = None,
    sends: Iterable[str] | None = None,
    withdrawals: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every send to a contact after the contact unsubscribed, bounced or reported spam.

    The contact column and the send and withdrawal labels come from the log's vocabulary
    (``contact``, ``sends``, ``withdrawals`` override it). One row per violating send, with the
    withdrawal it broke and how long after it the email went out.

    Example:
        >>> consent_violations(log).contact.nunique()  # doctest: +SKIP
        25
    """
    why = "to find emails sent after a withdrawal"
    column = _contact(contact, log, why)
    send_list = _labels(sends, log, ("sent",), why)
    stop_list = _labels(withdrawals, log, WITHDRAWAL_KINDS, why)
    query = consent_sql.sends_after_withdrawal(log.events_ref, ident(column), send_list, stop_list)
    frame = log.connection.execute(query).df()
    return frame.astype({"send": "str", "withdrawal": "str"}) if len(frame) else frame


def sends_before_opt_in(
    log: EventLog,
    *,
    opt_ins: Iterable[str] | None = None,
    contact: str | None = None,
    sends: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every marketing send to a contact before the contact opted in (or who never did).

    ``opt_ins`` (default: the vocabulary's opted_in labels) record consent (a double opt-in
    confirmation, a subscription set to subscribed); the log must hold them beside the sends,
    per contact. One row per violating send, with when (if ever) the contact opted in.

    Example:
        >>> sends_before_opt_in(log, opt_ins=["Opted in"], contact="email")  # doctest: +SKIP
    """
    why = "to find emails sent before the contact opted in"
    column = _contact(contact, log, why)
    opt_in_list = _labels(opt_ins, log, ("opted_in",), why)
    send_list = _labels(sends, log, ("sent",), why)
    if not fetch_one(log.connection, consent_sql.count_activities(log.events_ref, opt_in_list))[0]:
        raise EventLogError(
            f"log {log.name!r} has no opt-in event ({opt_in_list}); without the consent "
            "records every send would count as a violation, so nothing was checked"
        )
    query = consent_sql.sends_before_opt_in(log.events_ref, ident(column), send_list, opt_in_list)
    frame = log.connection.execute(query).df()
    return frame.astype({"send": "str"}) if len(frame) else frame
