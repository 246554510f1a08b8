"""Four foreign tenants: event logs written the way other teams' tools export them, by a small
seeded generator of their own (numpy / pandas only; nothing shared with Mejora's simulator or
its sample generator), each with its own column names, labels, date format and planted problems.

Every planted fact below is fixed in the code (named ids and dates) or returned by
:func:`write_tenants` as counted from the rows written, so the tests never guess.

Tenant A: Spanish marketing automation export (``tenant_a_bienvenida.csv``)
    ``;``-separated UTF-8 CSV with columns ``id_contacto;evento;fecha;campaña;canal``; ``fecha``
    is Madrid wall-clock time written ``dd/mm/yyyy HH:MM`` (day first). No recipient or message
    id column: the case is the contact in the welcome workflow
    (``workflows/tenant_a_bienvenida.yaml``). 320 contacts (``CT-0001`` … ``CT-0320``) entering
    between 03/03/2025 and 27/06/2025. Labels: "Email bienvenida enviado", "Email abierto",
    "Clic en enlace", "Baja de la lista", "Email guía enviado", "Formulario enviado",
    "Llamada comercial", "Oportunidad ganada", "Email oferta enviado".

    1. Consent: exactly four contacts are mailed after their "Baja de la lista" (6 emails):

       - CT-0042: baja 15/03/2025 09:12, "Email guía enviado" 20/03/2025 10:31
       - CT-0117: baja 03/04/2025 08:05, "Email guía enviado" 08/04/2025 18:20 and
         "Email oferta enviado" 13/04/2025 18:02
       - CT-0188: baja 23/04/2025 11:52, "Email guía enviado" 29/04/2025 10:58
       - CT-0251: baja 22/05/2025 13:30, "Email guía enviado" 27/05/2025 08:51 and
         "Email oferta enviado" 01/06/2025 09:14

       Every other contact who unsubscribes gets nothing after it. The workflow's suppression
       list does not hold ``unsubscribed`` (the team forgot it).
    2. Bottleneck: the workflow waits 2 days (``espera_guia: P2D``) between "Email bienvenida
       enviado" and "Email guía enviado"; every contact actually waits 6 days ± 2 h (a median
       of 4 days beyond the design). Every other designed gap is on time (the 5-day timeout
       before "Email oferta enviado" takes 5 days ± 1 h).

Tenant B: English sales CRM export (``tenant_b_deals.parquet``)
    Parquet with columns ``Deal ID``, ``Stage``, ``Changed At`` (ISO 8601 text, UTC, ``Z``),
    ``Owner``, ``Region``, ``Amount``, ``message_id``. Stage changes ("Qualified", "Discovery",
    "Demo Scheduled", "Proposal", "Negotiation", "Closed Won", "Closed Lost") and the owners'
    email events ("Email Sent", "Email Opened", "Email Replied") in one timeline; every email
    event carries a ``message_id`` (an intro email after "Qualified", a proposal email after
    every "Proposal"), stage rows have none. 416 deals (``DL-10001`` … ``DL-10416``), 16
    qualified per week in the 26 weeks from Monday 2025-01-06; owners Maria Lopez, James Carter,
    Aisha Khan, Tom Becker, Priya Shah; regions EMEA, North America, APAC (by account, not by
    owner). Design: ``workflows/tenant_b_pipeline.yaml``.

    1. Bottleneck / hand-over: Tom Becker's deals wait a mean 11 days in "Demo Scheduled"
       before "Proposal"; everyone else's 2 days.
    2. Rework loop: the stage goes back Negotiation → Proposal → Negotiation in 45 % of Priya
       Shah's deals (4 % of the others'), each time with a new proposal email.
    3. Regional bottleneck: APAC deals take a mean 9 days from "Discovery" to "Demo
       Scheduled" (the design's SLA is 3 days), every other region's 3 days.
    4. KPI shift: deals qualified from the week of Monday 2025-04-07 (week 14 of 26) take 10
       days longer from Negotiation to closing, so the weekly median cycle time (throughput)
       jumps by about 10 days at the point labelled ``2025-04-07``. No baseline date is given
       anywhere.

Tenant C: English newsletter platform export (``tenant_c_newsletter.csv``)
    Comma-separated CSV with columns ``subscriber_email,action,occurred_on,list_name,
    campaign_name``; ``occurred_on`` is ISO 8601 with the New York offset (``-05:00`` /
    ``-04:00``). Labels: "Welcome Newsletter Sent", "Getting Started Email Sent", "Preference
    Survey Email Sent", "Weekly Digest Newsletter Sent", "Opened", "Link Clicked",
    "Unsubscribed", "Marked as Spam". 360 subscribers signing up between 2025-02-03 and
    2025-05-30; the case is the subscriber in the onboarding drip
    (``workflows/tenant_c_onboarding.yaml``: welcome → P3D → getting started → P4D → survey →
    P3D → digest; no suppression list).

    1. Consent: five subscribers are mailed after they withdrew (7 emails):

       - dana.whitfield@example.org: "Marked as Spam" 2025-02-11 08:40 (New York), then
         "Getting Started Email Sent" 2025-02-13 09:00
       - marcus.oyelaran@example.net: "Marked as Spam" 2025-03-04 19:02, then
         "Getting Started Email Sent" 2025-03-06 18:30 and
         "Weekly Digest Newsletter Sent" 2025-03-13 18:31
       - li.chen@example.com: "Marked as Spam" 2025-03-25 07:15, then
         "Getting Started Email Sent" 2025-03-27 10:05
       - sofia.brandt@example.org: "Unsubscribed" 2025-04-10 12:20, then
         "Preference Survey Email Sent" 2025-04-14 11:45 and
         "Weekly Digest Newsletter Sent" 2025-04-17 11:46
       - omar.haddad@example.com: "Unsubscribed" 2025-05-07 21:10, then
         "Weekly Digest Newsletter Sent" 2025-05-14 20:00

       Every other subscriber who unsubscribes or reports spam gets nothing after it.
    2. Skipped designed step: about half of the subscribers (seeded; the exact number is in
       the facts, ``skipped_survey``) never get "Preference Survey Email Sent" and go from
       "Getting Started Email Sent" straight to "Weekly Digest Newsletter Sent" 7 days later.
    3. Weak email: the survey email is opened as often as the others (40 %) but only 2 % of
       the opens lead to a "Link Clicked", against 30 % for every other email.

Tenant D: US journey tool with a separate per-message log (``tenant_d_journey.csv`` and
``tenant_d_messages.csv``)
    The journey log has one row per step a subscriber reaches, columns ``Subscriber Key,Step,
    Logged At,Journey,Email Name`` (``Logged At`` is US month-first UTC time with AM / PM,
    ``6/2/2025 2:05:00 PM``; ``Email Name`` only on send steps). The message log has one row
    per message event, columns ``Message ID,Subscriber Key,Email Name,Event Type,Event Date``
    (event types "Sent", "Open", "Click", "Unsubscribe", "Bounce"; ISO 8601 UTC with ``Z``);
    a message's case is its ``Message ID``, which is the one column flag the import needs
    (``--case "Message ID"``). 420 subscribers (``003Dn0000000001`` …) entering between
    2025-03-03 and 2025-05-23. Design: ``workflows/tenant_d_webinar.yaml`` (invitation, a
    24-hour click wait, confirmation or reminder, 3 days, an enterprise branch, last chance).

    1. Wait too short: the invitation's clicks come a median 40 hours after it (lognormal,
       σ 0.7), so about three quarters of them arrive after the reminder went out at 24
       hours (the exact counts are in the facts: ``invite_clicks``, ``late_clicks``).
    2. Dead branch: no subscriber has an enterprise tier, so no one gets "Executive briefing
       email sent"; every subscriber at the decision gets "Last chance email sent"
       (``at_decision`` in the facts).

    Unsubscribes and bounces end the journey (nobody is mailed after one); every other wait
    is on time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WORKFLOWS = Path(__file__).resolve().parent / "workflows"
SEED = 20250607

# -- tenant A: the planted facts -----------------------------------------------------------------
A_FILE = "tenant_a_bienvenida.csv"
A_CONTACTS = 320
A_WELCOME = "Email bienvenida enviado"
A_GUIDE = "Email guía enviado"
A_OFFER = "Email oferta enviado"
A_OPEN = "Email abierto"
A_CLICK = "Clic en enlace"
A_UNSUBSCRIBE = "Baja de la lista"
A_FORM = "Formulario enviado"
A_CALL = "Llamada comercial"
A_WON = "Oportunidad ganada"
A_DESIGNED_WAIT_DAYS = 2
A_ACTUAL_WAIT_DAYS = 6
# contact -> its whole timeline (label, Madrid time dd/mm/yyyy HH:MM)
A_PLANTED: dict[str, tuple[tuple[str, str], ...]] = {
    "CT-0042": (
        (A_WELCOME, "14/03/2025 10:09"),
        (A_OPEN, "14/03/2025 12:40"),
        (A_UNSUBSCRIBE, "15/03/2025 09:12"),
        (A_GUIDE, "20/03/2025 10:31"),
    ),
    "CT-0117": (
        (A_WELCOME, "02/04/2025 17:48"),
        (A_UNSUBSCRIBE, "03/04/2025 08:05"),
        (A_GUIDE, "08/04/2025 18:20"),
        (A_OFFER, "13/04/2025 18:02"),
    ),
    "CT-0188": (
        (A_WELCOME, "23/04/2025 11:15"),
        (A_OPEN, "23/04/2025 11:50"),
        (A_UNSUBSCRIBE, "23/04/2025 11:52"),
        (A_GUIDE, "29/04/2025 10:58"),
    ),
    "CT-0251": (
        (A_WELCOME, "21/05/2025 09:37"),
        (A_UNSUBSCRIBE, "22/05/2025 13:30"),
        (A_GUIDE, "27/05/2025 08:51"),
        (A_OFFER, "01/06/2025 09:14"),
    ),
}
A_MAILED_AFTER_UNSUBSCRIBE = tuple(A_PLANTED)
A_SENDS_AFTER_UNSUBSCRIBE = 6

# -- tenant B ------------------------------------------------------------------------------------
B_FILE = "tenant_b_deals.parquet"
B_WEEKS = 26
B_PER_WEEK = 16
B_FIRST_MONDAY = pd.Timestamp("2025-01-06", tz="UTC")
B_SHIFT_WEEK = 13  # 0-based: the week of Monday 2025-04-07
B_SHIFT_LABEL = "2025-04-07"
B_SHIFT_DAYS = 10.0
B_OWNERS = ("Maria Lopez", "James Carter", "Aisha Khan", "Tom Becker", "Priya Shah")
B_SLOW_OWNER = "Tom Becker"
B_REWORK_OWNER = "Priya Shah"
B_REGIONS = ("EMEA", "North America", "APAC")
B_REGION_MIX = (7, 6, 3)  # deals per week in each region
B_SLOW_REGION = "APAC"
B_SLOW_REGION_DAYS = 9.0  # mean days from Discovery to Demo Scheduled, 3 elsewhere (SLA P3D)

# -- tenant C ------------------------------------------------------------------------------------
C_FILE = "tenant_c_newsletter.csv"
C_SUBSCRIBERS = 360
C_WELCOME = "Welcome Newsletter Sent"
C_STARTED = "Getting Started Email Sent"
C_SURVEY = "Preference Survey Email Sent"
C_DIGEST = "Weekly Digest Newsletter Sent"
C_OPEN = "Opened"
C_CLICK = "Link Clicked"
C_UNSUBSCRIBE = "Unsubscribed"
C_SPAM = "Marked as Spam"
C_SENDS = (C_WELCOME, C_STARTED, C_SURVEY, C_DIGEST)
C_SURVEY_CLICK = 0.02  # of opened survey emails, against 0.3 for the others
# subscriber -> timeline (label, New York wall-clock time YYYY-MM-DD HH:MM)
C_PLANTED: dict[str, tuple[tuple[str, str], ...]] = {
    "dana.whitfield@example.org": (
        (C_WELCOME, "2025-02-10 09:00"),
        (C_OPEN, "2025-02-10 13:22"),
        (C_SPAM, "2025-02-11 08:40"),
        (C_STARTED, "2025-02-13 09:00"),
    ),
    "marcus.oyelaran@example.net": (
        (C_WELCOME, "2025-03-03 18:30"),
        (C_SPAM, "2025-03-04 19:02"),
        (C_STARTED, "2025-03-06 18:30"),
        (C_DIGEST, "2025-03-13 18:31"),
    ),
    "li.chen@example.com": (
        (C_WELCOME, "2025-03-24 10:04"),
        (C_SPAM, "2025-03-25 07:15"),
        (C_STARTED, "2025-03-27 10:05"),
    ),
    "sofia.brandt@example.org": (
        (C_WELCOME, "2025-04-07 11:44"),
        (C_OPEN, "2025-04-07 15:10"),
        (C_STARTED, "2025-04-10 11:44"),
        (C_UNSUBSCRIBE, "2025-04-10 12:20"),
        (C_SURVEY, "2025-04-14 11:45"),
        (C_DIGEST, "2025-04-17 11:46"),
    ),
    "omar.haddad@example.com": (
        (C_WELCOME, "2025-05-04 20:00"),
        (C_STARTED, "2025-05-07 20:00"),
        (C_UNSUBSCRIBE, "2025-05-07 21:10"),
        (C_DIGEST, "2025-05-14 20:00"),
    ),
}
C_MAILED_AFTER_WITHDRAWAL = tuple(C_PLANTED)
C_SENDS_AFTER_WITHDRAWAL = 7
# -- tenant D ------------------------------------------------------------------------------------
D_JOURNEY = "tenant_d_journey.csv"
D_MESSAGES = "tenant_d_messages.csv"
D_SUBSCRIBERS = 420
D_INVITE, D_CONFIRM = "Invite email sent", "Seat confirmation email sent"
D_REMINDER, D_LAST = "Reminder email sent", "Last chance email sent"
D_EXEC, D_ATTENDED = "Executive briefing email sent", "Webinar attended"
D_EMAILS = {
    D_INVITE: "WBN-INVITE-25",
    D_CONFIRM: "WBN-CONFIRM-25",
    D_REMINDER: "WBN-REMINDER-25",
    D_LAST: "WBN-LASTCALL-25",
}
D_CLICK_WAIT_HOURS = 24  # the design's click wait
D_INVITE_CLICK_MEDIAN_HOURS = 40.0  # planted: when the invitation's clicks come
_FIRST = ("emma", "noah", "olivia", "liam", "ava", "ethan", "mia", "lucas", "zoe", "owen")
_FIRST += ("chloe", "caleb", "nora", "isaac", "ruby", "hugo", "leah", "adam", "ivy", "felix")
_LAST = ("smith", "nguyen", "garcia", "miller", "patel", "kowalski", "okafor", "rossi")
_LAST += ("jensen", "murphy", "silva", "tanaka", "novak", "dubois", "fischer", "ward")
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")


@dataclass(frozen=True)
class Tenant:
    """One tenant's export on disk, its designed workflow, and the facts planted in it."""

    key: str
    path: Path
    workflow: Path
    facts: dict[str, Any] = field(default_factory=dict)


def _minutes(rng: np.random.Generator, low: float, high: float) -> pd.Timedelta:
    return pd.Timedelta(minutes=float(rng.uniform(low, high)))


def _hours_lognormal(rng: np.random.Generator, median_hours: float, sigma: float) -> pd.Timedelta:
    return pd.Timedelta(hours=float(median_hours * np.exp(sigma * rng.standard_normal())))


# -- tenant A ------------------------------------------------------------------------------------
def _tenant_a_contact(rng: np.random.Generator, entry: pd.Timestamp) -> list[tuple[str, Any]]:
    """One ordinary contact's timeline in naive Madrid time."""
    rows: list[tuple[str, Any]] = []

    def reactions(sent: pd.Timestamp, open_p: float, click_p: float) -> None:
        if rng.random() < open_p:
            opened = sent + _hours_lognormal(rng, 3.0, 1.0)
            rows.append((A_OPEN, opened))
            if rng.random() < click_p:
                rows.append((A_CLICK, opened + _minutes(rng, 1, 20)))

    welcome = entry + _minutes(rng, 2, 15)
    rows.append((A_WELCOME, welcome))
    reactions(welcome, 0.42, 0.3)
    if rng.random() < 0.04:
        rows.append((A_UNSUBSCRIBE, welcome + _hours_lognormal(rng, 10.0, 0.5)))
        return rows
    # planted: the designed 2-day wait takes 6 days
    guide = welcome + pd.Timedelta(days=A_ACTUAL_WAIT_DAYS) + _minutes(rng, -120, 120)
    rows.append((A_GUIDE, guide))
    reactions(guide, 0.45, 0.35)
    if rng.random() < 0.22:
        form = guide + min(_hours_lognormal(rng, 30.0, 0.9), pd.Timedelta(hours=110))
        call = form + _minutes(rng, 60, 360)
        rows += [(A_FORM, form), (A_CALL, call)]
        if rng.random() < 0.4:
            rows.append((A_WON, call + pd.Timedelta(hours=float(rng.uniform(24, 96)))))
        return rows
    if rng.random() < 0.04:
        rows.append((A_UNSUBSCRIBE, guide + _hours_lognormal(rng, 8.0, 0.5)))
        return rows
    offer = guide + pd.Timedelta(days=5) + _minutes(rng, -60, 60)
    rows.append((A_OFFER, offer))
    reactions(offer, 0.35, 0.25)
    if rng.random() < 0.03:
        rows.append((A_UNSUBSCRIBE, offer + _hours_lognormal(rng, 8.0, 0.5)))
    return rows


def _write_tenant_a(folder: Path, rng: np.random.Generator) -> Tenant:
    first_day, last_day = pd.Timestamp("2025-03-03"), pd.Timestamp("2025-06-27")
    days = (last_day - first_day).days + 1
    records: list[dict[str, Any]] = []
    channel = {A_FORM: "web", A_CALL: "teléfono", A_WON: "crm"}
    for number in range(1, A_CONTACTS + 1):
        contact = f"CT-{number:04d}"
        if contact in A_PLANTED:
            timeline = [
                (label, pd.to_datetime(text, format="%d/%m/%Y %H:%M"))
                for label, text in A_PLANTED[contact]
            ]
        else:
            day = first_day + pd.Timedelta(days=int(rng.integers(days)))
            entry = day + pd.Timedelta(minutes=float(rng.uniform(8.5 * 60, 19.5 * 60)))
            timeline = _tenant_a_contact(rng, entry)
        start = min(t for _, t in timeline)
        campaign = "Bienvenida primavera 2025" if start.month < 5 else "Bienvenida verano 2025"
        for label, when in timeline:
            records.append(
                {
                    "id_contacto": contact,
                    "evento": label,
                    "fecha": pd.Timestamp(when).floor("min"),
                    "campaña": campaign,
                    "canal": channel.get(label, "email"),
                }
            )
    frame = pd.DataFrame(records)
    # an export is ordered by time, not by contact
    frame = frame.sort_values(["fecha", "id_contacto"], kind="stable").reset_index(drop=True)
    welcome = frame[frame["evento"] == A_WELCOME].set_index("id_contacto")["fecha"]
    guide = frame[frame["evento"] == A_GUIDE].set_index("id_contacto")["fecha"]
    gaps = (guide - welcome.reindex(guide.index)).dt.total_seconds() / 86400
    frame["fecha"] = frame["fecha"].dt.strftime("%d/%m/%Y %H:%M")
    path = folder / A_FILE
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    facts = {
        "events": len(frame),
        "contacts": A_CONTACTS,
        "mailed_after_unsubscribe": A_MAILED_AFTER_UNSUBSCRIBE,
        "sends_after_unsubscribe": A_SENDS_AFTER_UNSUBSCRIBE,
        "unsubscribed": int(frame.loc[frame["evento"] == A_UNSUBSCRIBE, "id_contacto"].nunique()),
        "bottleneck": (A_WELCOME, A_GUIDE),
        "designed_wait_days": A_DESIGNED_WAIT_DAYS,
        "median_wait_days": float(gaps.median()),
        "guide_sent": len(guide),
    }
    return Tenant("A", path, WORKFLOWS / "tenant_a_bienvenida.yaml", facts)


# -- tenant B ------------------------------------------------------------------------------------
def _iso(when: pd.Timestamp) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _days(rng: np.random.Generator, mean: float, shape: float = 4.0) -> pd.Timedelta:
    return pd.Timedelta(seconds=round(float(rng.gamma(shape, mean / shape)) * 86400))


def _write_tenant_b(folder: Path, rng: np.random.Generator) -> Tenant:
    records: list[dict[str, Any]] = []
    message = iter(rng.permutation(np.arange(100000, 999999))[: B_WEEKS * B_PER_WEEK * 12])
    facts: dict[str, Any] = {"rework_deals": {o: 0 for o in B_OWNERS}, "deals": {}}
    number = 10000
    for week in range(B_WEEKS):
        monday = B_FIRST_MONDAY + pd.Timedelta(weeks=week)
        # every week the same mix of accounts (7 EMEA, 6 North America, 3 APAC), so the slow
        # region adds the same to every week's cycle time and plants no second shift
        regions = rng.permutation(np.repeat(np.arange(3), B_REGION_MIX))
        for slot in range(B_PER_WEEK):
            number += 1
            deal, owner = f"DL-{number}", B_OWNERS[int(rng.integers(len(B_OWNERS)))]
            region = B_REGIONS[int(regions[slot])]
            amount = float(round(rng.lognormal(np.log(12000), 0.6), -1))
            facts["deals"][owner] = facts["deals"].get(owner, 0) + 1
            rows: list[tuple[str, pd.Timestamp, str | None]] = []

            def email(at: pd.Timestamp, open_p: float, reply_p: float, rows=rows) -> None:
                mid = f"MSG-{next(message)}"
                rows.append(("Email Sent", at, mid))
                if rng.random() < open_p:
                    opened = at + _hours_lognormal(rng, 4.0, 0.8)
                    rows.append(("Email Opened", opened, mid))
                    if rng.random() < reply_p:
                        rows.append(("Email Replied", opened + _hours_lognormal(rng, 12, 0.7), mid))

            t = monday + pd.Timedelta(days=int(rng.integers(5)), hours=float(rng.uniform(8, 17)))
            t = t.floor("s")
            rows.append(("Qualified", t, None))
            email(t + pd.Timedelta(hours=float(rng.uniform(1, 6))), 0.6, 0.1)
            t += _days(rng, 2.0)
            rows.append(("Discovery", t, None))
            if rng.random() < 0.1:
                rows.append(("Closed Lost", t + _days(rng, 2.0), None))
            else:
                # planted: APAC deals wait three times as long for their demo
                t += _days(rng, B_SLOW_REGION_DAYS if region == B_SLOW_REGION else 3.0)
                rows.append(("Demo Scheduled", t, None))
                # planted: Tom Becker's deals sit in Demo Scheduled
                t += _days(rng, 11.0, 12.0) if owner == B_SLOW_OWNER else _days(rng, 2.0)
                rows.append(("Proposal", t, None))
                email(t + pd.Timedelta(hours=float(rng.uniform(0.5, 3))), 0.7, 0.6)
                t += _days(rng, 4.0)
                rows.append(("Negotiation", t, None))
                # planted: the stage goes back, mostly in Priya Shah's deals
                if rng.random() < (0.45 if owner == B_REWORK_OWNER else 0.04):
                    facts["rework_deals"][owner] += 1
                    t += _days(rng, 2.0)
                    rows.append(("Proposal", t, None))
                    email(t + pd.Timedelta(hours=float(rng.uniform(0.5, 3))), 0.7, 0.6)
                    t += _days(rng, 3.0)
                    rows.append(("Negotiation", t, None))
                # planted: from the week of 2025-04-07 closing takes 10 days more
                t += _days(rng, 5.0) + pd.Timedelta(days=B_SHIFT_DAYS * (week >= B_SHIFT_WEEK))
                rows.append(("Closed Won" if rng.random() < 0.4 else "Closed Lost", t, None))
            for stage, when, mid in rows:
                records.append(
                    {
                        "Deal ID": deal,
                        "Stage": stage,
                        "Changed At": _iso(when),
                        "Owner": owner,
                        "Region": region,
                        "Amount": amount,
                        "message_id": mid,
                    }
                )
    frame = pd.DataFrame(records).sort_values(["Changed At", "Deal ID"], kind="stable")
    path = folder / B_FILE
    frame.reset_index(drop=True).to_parquet(path, index=False)
    facts.update(
        {
            "events": len(frame),
            "slow_owner": B_SLOW_OWNER,
            "slow_step": ("Demo Scheduled", "Proposal"),
            "rework_owner": B_REWORK_OWNER,
            "slow_region": B_SLOW_REGION,
            "slow_region_step": ("Discovery", "Demo Scheduled"),
            "shift_label": B_SHIFT_LABEL,
            "shift_days": B_SHIFT_DAYS,
        }
    )
    return Tenant("B", path, WORKFLOWS / "tenant_b_pipeline.yaml", facts)


# -- tenant C ------------------------------------------------------------------------------------
def _tenant_c_subscriber(
    rng: np.random.Generator, signup: pd.Timestamp, survey: bool
) -> list[tuple[str, pd.Timestamp]]:
    """One ordinary subscriber's timeline in naive New York time."""
    rows: list[tuple[str, pd.Timestamp]] = []
    at = signup + _minutes(rng, 1, 10)
    plan = [(C_WELCOME, pd.Timedelta(0)), (C_STARTED, pd.Timedelta(days=3))]
    plan += [(C_SURVEY, pd.Timedelta(days=4)), (C_DIGEST, pd.Timedelta(days=3))]
    if not survey:  # planted: the survey step is skipped, the digest follows 7 days later
        plan = [plan[0], plan[1], (C_DIGEST, pd.Timedelta(days=7))]
    for label, wait in plan:
        at = at + wait + (_minutes(rng, -60, 60) if wait else pd.Timedelta(0))
        rows.append((label, at))
        if rng.random() < 0.4:
            opened = at + _hours_lognormal(rng, 5.0, 1.0)
            rows.append((C_OPEN, opened))
            # planted: the survey email is opened like the others but hardly clicked
            if rng.random() < (C_SURVEY_CLICK if label == C_SURVEY else 0.3):
                rows.append((C_CLICK, opened + _minutes(rng, 1, 30)))
        withdrawal = rng.random()
        if withdrawal < 0.04:
            label = C_UNSUBSCRIBE if withdrawal < 0.03 else C_SPAM
            rows.append((label, at + _hours_lognormal(rng, 6.0, 0.6)))
            break
    return rows


def _write_tenant_c(folder: Path, rng: np.random.Generator) -> Tenant:
    first_day, last_day = pd.Timestamp("2025-02-03"), pd.Timestamp("2025-05-30")
    days = (last_day - first_day).days + 1
    emails: list[str] = list(C_PLANTED)
    while len(emails) < C_SUBSCRIBERS:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        address = f"{first}.{last}{int(rng.integers(1, 99))}@{rng.choice(_DOMAINS)}"
        if address not in emails:
            emails.append(address)
    order = rng.permutation(len(emails))
    records: list[dict[str, Any]] = []
    for index in order:
        subscriber = emails[index]
        if subscriber in C_PLANTED:
            timeline = [(label, pd.Timestamp(text)) for label, text in C_PLANTED[subscriber]]
        else:
            day = first_day + pd.Timedelta(days=int(rng.integers(days)))
            signup = day + pd.Timedelta(minutes=float(rng.uniform(7 * 60, 22 * 60)))
            timeline = _tenant_c_subscriber(rng, signup, survey=bool(rng.random() < 0.5))
        for label, when in timeline:
            records.append(
                {
                    "subscriber_email": subscriber,
                    "action": label,
                    "occurred_on": pd.Timestamp(when).floor("s"),
                    "list_name": "Product Updates",
                    "campaign_name": "Onboarding drip 2025",
                }
            )
    frame = pd.DataFrame(records).sort_values(["occurred_on", "subscriber_email"], kind="stable")
    local = frame["occurred_on"].dt.tz_localize("America/New_York")
    frame["occurred_on"] = local.map(lambda t: t.isoformat())
    path = folder / C_FILE
    frame.reset_index(drop=True).to_csv(path, index=False, encoding="utf-8")
    did = frame.groupby("subscriber_email")["action"].agg(set)
    skipped = did.map(lambda s: C_DIGEST in s and C_SURVEY not in s)
    facts = {
        "events": len(frame),
        "subscribers": C_SUBSCRIBERS,
        "mailed_after_withdrawal": C_MAILED_AFTER_WITHDRAWAL,
        "sends_after_withdrawal": C_SENDS_AFTER_WITHDRAWAL,
        "skipped_step": C_SURVEY,
        "skipped_survey": int(skipped.sum()),
        "reached_digest": int(did.map(lambda s: C_DIGEST in s).sum()),
        "without_survey": int(did.map(lambda s: C_SURVEY not in s).sum()),
    }
    return Tenant("C", path, WORKFLOWS / "tenant_c_onboarding.yaml", facts)


# -- tenant D ------------------------------------------------------------------------------------
def _us_time(when: pd.Timestamp) -> str:
    """6/2/2025 2:05:00 PM: month first, no leading zeros, 12-hour clock."""
    hour = when.hour % 12 or 12
    half = "AM" if when.hour < 12 else "PM"
    return f"{when.month}/{when.day}/{when.year} {hour}:{when.minute:02d}:{when.second:02d} {half}"


def _tenant_d_subscriber(
    rng: np.random.Generator,
    entry: pd.Timestamp,
    messages: list[dict[str, Any]],
    key: str,
    ids: Iterator[int],
) -> list[tuple[str, pd.Timestamp]]:
    """One subscriber's journey steps; its message events go to ``messages``."""
    steps: list[tuple[str, pd.Timestamp]] = []

    def send(
        label: str,
        at: pd.Timestamp,
        open_p: float,
        click_p: float,
        click_hours: float,
        sigma: float,
    ) -> tuple[pd.Timestamp | None, bool]:
        """The send and its reactions; (click time or None, whether the journey ends here)."""
        steps.append((label, at))
        mid = str(next(ids))
        event = {"Message ID": mid, "Subscriber Key": key, "Email Name": D_EMAILS[label]}
        sent = at + _minutes(rng, 0.1, 2)
        messages.append({**event, "Event Type": "Sent", "Event Date": sent})
        if rng.random() < 0.01:
            messages.append({**event, "Event Type": "Bounce", "Event Date": sent})
            return None, True
        clicked = None
        if rng.random() < open_p:
            if rng.random() < click_p:
                clicked = sent + _hours_lognormal(rng, click_hours, sigma)
                opened = sent + (clicked - sent) * float(rng.uniform(0.3, 0.95))
            else:
                opened = sent + _hours_lognormal(rng, 4.0, 1.0)
            messages.append({**event, "Event Type": "Open", "Event Date": opened})
            if clicked is not None:
                messages.append({**event, "Event Type": "Click", "Event Date": clicked})
        if rng.random() < 0.015:
            gone = sent + _hours_lognormal(rng, 6.0, 0.6)
            messages.append({**event, "Event Type": "Unsubscribe", "Event Date": gone})
            return clicked, True
        return clicked, False

    invite = entry + _minutes(rng, 1, 20)
    clicked, ended = send(D_INVITE, invite, 0.5, 0.6, D_INVITE_CLICK_MEDIAN_HOURS, 0.7)
    if ended:
        return steps
    if clicked is not None and clicked < invite + pd.Timedelta(hours=D_CLICK_WAIT_HOURS):
        _, ended = send(D_CONFIRM, clicked + _minutes(rng, 1, 6), 0.7, 0.3, 1.0, 0.8)
        if not ended and rng.random() < 0.55:
            steps.append((D_ATTENDED, clicked + pd.Timedelta(days=float(rng.uniform(5, 12)))))
        return steps
    reminder = invite + pd.Timedelta(hours=D_CLICK_WAIT_HOURS) + _minutes(rng, 0, 10)
    _, ended = send(D_REMINDER, reminder, 0.35, 0.35, 3.0, 0.8)
    if ended:
        return steps
    # planted: the enterprise condition never holds, everyone goes on to the last chance
    last = reminder + pd.Timedelta(days=3) + _minutes(rng, 0, 10)
    send(D_LAST, last, 0.3, 0.3, 4.0, 0.8)
    return steps


def _write_tenant_d(folder: Path, rng: np.random.Generator) -> Tenant:
    first_day, last_day = pd.Timestamp("2025-03-03"), pd.Timestamp("2025-05-23")
    days = (last_day - first_day).days + 1
    journey: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    # ten-digit message ids, unique (at most four emails per subscriber)
    ids = iter(10**9 + rng.choice(9 * 10**9, size=4 * D_SUBSCRIBERS, replace=False))
    for number in range(1, D_SUBSCRIBERS + 1):
        key = f"003Dn{number:010d}"
        day = first_day + pd.Timedelta(days=int(rng.integers(days)))
        entry = day + pd.Timedelta(minutes=float(rng.uniform(13 * 60, 23 * 60)))
        for label, when in _tenant_d_subscriber(rng, entry, messages, key, ids):
            journey.append(
                {
                    "Subscriber Key": key,
                    "Step": label,
                    "Logged At": pd.Timestamp(when).floor("s"),
                    "Journey": "Spring Webinar 2025",
                    "Email Name": D_EMAILS.get(label),
                }
            )
    steps = pd.DataFrame(journey).sort_values(["Logged At", "Subscriber Key"], kind="stable")
    events = pd.DataFrame(messages)
    events["Event Date"] = events["Event Date"].dt.floor("s")
    events = events.sort_values(["Event Date", "Message ID"], kind="stable")
    # the planted facts, counted from the rows written
    clicks = events[(events["Event Type"] == "Click")]
    invite_clicks = clicks[clicks["Email Name"] == D_EMAILS[D_INVITE]]
    reminders = events[
        (events["Event Type"] == "Sent") & (events["Email Name"] == D_EMAILS[D_REMINDER])
    ].set_index("Subscriber Key")["Event Date"]
    reminded = invite_clicks["Subscriber Key"].map(reminders)
    late = int((invite_clicks["Event Date"].to_numpy() > reminded.to_numpy()).sum())
    steps["Logged At"] = steps["Logged At"].map(_us_time)
    events["Event Date"] = events["Event Date"].map(_iso)
    path = folder / D_JOURNEY
    steps.reset_index(drop=True).to_csv(path, index=False, encoding="utf-8")
    events.reset_index(drop=True).to_csv(folder / D_MESSAGES, index=False, encoding="utf-8")
    at_decision = int((steps["Step"] == D_LAST).sum())
    facts = {
        "events": len(steps),
        "message_events": len(events),
        "messages": folder / D_MESSAGES,
        "subscribers": D_SUBSCRIBERS,
        "invite_clicks": len(invite_clicks),
        "late_clicks": late,
        "at_decision": at_decision,
        "dead_step": D_EXEC,
    }
    return Tenant("D", path, WORKFLOWS / "tenant_d_webinar.yaml", facts)


def write_tenants(folder: Path, seed: int = SEED) -> dict[str, Tenant]:
    """Write the four tenants' exports into ``folder``; same seed, same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    return {
        "A": _write_tenant_a(folder, np.random.default_rng(rng.integers(2**32))),
        "B": _write_tenant_b(folder, np.random.default_rng(rng.integers(2**32))),
        "C": _write_tenant_c(folder, np.random.default_rng(rng.integers(2**32))),
        "D": _write_tenant_d(folder, np.random.default_rng(rng.integers(2**32))),
    }
