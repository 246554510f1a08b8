"""Four foreign tenants' exports (written by ``_tenants.py``, which shares no code with Mejora's
simulator) go through the chain with no flag but the workflow (and, for a per-message log, the
column that names the message): columns, day-first and US month-first dates, the vocabulary
and every planted problem are found by the general analyses, and ranked first."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import mining
from automation import AddSuppression, read_workflow, suggest
from improvement import kpi_trend
from mejora.cli import main
from tests.foreign import _tenants as tenants


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tenants.Tenant]:
    return tenants.write_tenants(tmp_path_factory.mktemp("tenants"))


@pytest.fixture(scope="module")
def logs(written) -> dict[str, mining.EventLog]:
    return {key: mining.read_log(t.path, name=f"tenant_{key}") for key, t in written.items()}


@pytest.fixture(scope="module")
def messages(written) -> mining.EventLog:
    """Tenant D's per-message log: each message is a case (the one column flag it needs)."""
    path = written["D"].facts["messages"]
    return mining.read_log(path, name="tenant_D_messages", mapping={"case_id": "Message ID"})


def test_the_generator_is_seeded(written, tmp_path):
    again = tenants.write_tenants(tmp_path)
    for key, tenant in written.items():
        assert again[key].path.read_bytes() == tenant.path.read_bytes(), key
    assert again["D"].facts["messages"].read_bytes() == written["D"].facts["messages"].read_bytes()


# -- import: columns, dates and vocabulary without flags -----------------------------------------
def test_columns_and_day_first_dates_are_detected(logs, written):
    expected = {
        "A": {"case_id": "id_contacto", "activity": "evento", "timestamp": "fecha"},
        "B": {"case_id": "Deal ID", "activity": "Stage", "timestamp": "Changed At"},
        "C": {"case_id": "subscriber_email", "activity": "action", "timestamp": "occurred_on"},
        "D": {"case_id": "Subscriber Key", "activity": "Step", "timestamp": "Logged At"},
    }
    for key, log in logs.items():
        summary = log.summary()
        assert expected[key].items() <= summary.mapping.items(), key
        assert (summary.events, summary.quarantined) == (written[key].facts["events"], 0), key
    assert logs["B"].mapping.resource == "Owner"
    assert "day-first" in logs["A"].summary().timestamp_parsing
    # 14/03/2025 is 14 March, not an unreadable date; New York offsets become UTC instants
    first = logs["A"].to_pandas().query("case_id == 'CT-0042'")["timestamp"].min()
    assert first == pd.Timestamp("2025-03-14 10:09", tz="UTC")
    spam = logs["C"].to_pandas().query("case_id == 'dana.whitfield@example.org'")
    when = spam.loc[spam["activity"] == tenants.C_SPAM, "timestamp"].iloc[0]
    assert when == pd.Timestamp("2025-02-11 13:40", tz="UTC")
    # 3/3/2025 2:13:12 PM: month first (some days are above 12), 12-hour clock
    assert "month-first" in logs["D"].summary().timestamp_parsing
    first = pd.read_csv(written["D"].path, nrows=1)["Logged At"].iloc[0]
    expected = pd.to_datetime(first, format="%m/%d/%Y %I:%M:%S %p").tz_localize("UTC")
    assert logs["D"].to_pandas()["timestamp"].min() == expected


def test_the_vocabulary_reads_each_tenants_words(logs):
    a, b, c = (logs[k].vocabulary for k in "ABC")
    assert a.labels("unsubscribed") == (tenants.A_UNSUBSCRIBE,)
    assert set(a.labels("sent")) == {tenants.A_WELCOME, tenants.A_GUIDE, tenants.A_OFFER}
    assert (a.labels("opened"), a.labels("clicked")) == ((tenants.A_OPEN,), (tenants.A_CLICK,))
    assert (a.labels("form_submitted"), a.labels("won")) == ((tenants.A_FORM,), (tenants.A_WON,))
    assert a.role("contact") == "case_id" and a.role("workflow") == "campaña"
    assert b.role("message") == "message_id" and b.role("owner") == "resource"
    assert (b.labels("won"), b.labels("lost")) == (("Closed Won",), ("Closed Lost",))
    assert set(c.labels("sent")) == set(tenants.C_SENDS)
    assert (c.labels("unsubscribed"), c.labels("spam")) == (
        (tenants.C_UNSUBSCRIBE,),
        (tenants.C_SPAM,),
    )


def test_the_per_message_log_and_the_journey_share_the_message_names(logs, messages, written):
    summary = messages.summary()
    assert (summary.events, summary.quarantined) == (written["D"].facts["message_events"], 0)
    words = messages.vocabulary
    assert words.role("contact") == "Subscriber Key" and words.role("message") == "Email Name"
    assert [words.labels(k) for k in ("sent", "opened", "clicked")] == [
        ("Sent",),
        ("Open",),
        ("Click",),
    ]
    assert (words.labels("unsubscribed"), words.labels("bounced")) == (
        ("Unsubscribe",),
        ("Bounce",),
    )
    assert logs["D"].vocabulary.role("message") == "Email Name"
    assert logs["D"].vocabulary.role("workflow") == "Journey"


def test_import_shows_the_vocabulary_and_how_to_correct_it(written, store_path, capsys):
    assert main(["import", str(written["A"].path), "--name", "bienvenida"]) == 0
    out = capsys.readouterr().out
    assert "unsubscribed: 'Baja de la lista'" in out
    assert "mejora vocabulary bienvenida" in out


# -- consent: contacts mailed after they withdrew, each named ----------------------------------
@pytest.mark.parametrize(
    ("key", "contacts", "sends"),
    [
        ("A", tenants.A_MAILED_AFTER_UNSUBSCRIBE, tenants.A_SENDS_AFTER_UNSUBSCRIBE),
        ("C", tenants.C_MAILED_AFTER_WITHDRAWAL, tenants.C_SENDS_AFTER_WITHDRAWAL),
    ],
)
def test_consent_names_every_contact_mailed_after_withdrawing(logs, key, contacts, sends):
    found = mining.consent_violations(logs[key])
    assert sorted(found["contact"].unique()) == sorted(contacts)
    assert len(found) == sends


def test_consent_command_on_the_spanish_log(written, store_path, capsys):
    assert main(["import", str(written["A"].path), "--name", "bienvenida"]) == 0
    capsys.readouterr()
    assert main(["consent", "bienvenida"]) == 0
    out = capsys.readouterr().out
    assert "6 emails to 4 contacts" in out
    for contact in tenants.A_MAILED_AFTER_UNSUBSCRIBE:
        assert contact in out


# -- suggest: the planted problems, ranked first -------------------------------------------------
def test_spanish_nurture_consent_first_then_the_long_wait(logs, written):
    report = suggest(_wf(written, "A"), logs["A"])
    rules = [s.rule for s in report]
    assert rules[0] == "consent-violation"
    assert report.suggestions[0].changes.ops == (AddSuppression(("unsubscribed",)),)
    assert report.suggestions[0].evidence.details["contacts"] == 4
    # the 2-day wait that takes 6 days: the slowest step, escalated, next in rank
    second = report.suggestions[1]
    assert second.evidence.details.get("node") == "guia" or "guia" in str(second.changes.ops)
    # opens and clicks are the contacts' doing, not steps to add to the design
    titles = " ".join(s.title.en for s in report)
    assert tenants.A_OPEN not in titles and tenants.A_CLICK not in titles


def test_newsletter_consent_first_then_the_skipped_survey(logs, written):
    report = suggest(_wf(written, "C"), logs["C"])
    assert report.suggestions[0].rule == "consent-violation"
    assert report.suggestions[0].evidence.details["contacts"] == 5
    skipped = [s for s in report if "survey" in str(s.changes.ops)]
    assert skipped and report.suggestions.index(skipped[0]) == 1
    text = skipped[0].explanation.en
    facts = written["C"].facts
    assert f"{facts['skipped_survey']} of the {facts['reached_digest']}" in text
    # the weakly clicked survey email, measured from the log's own clicks (no click wait)
    weak = report.by_rule("email-nobody-clicks")
    assert [s.target for s in weak] == ["survey"]
    assert report.suggestions.index(weak[0]) < 3


def test_sales_crm_slow_owner_slow_region_and_rework_owner(logs, written):
    report = suggest(_wf(written, "B"), logs["B"])
    ranked = report.suggestions
    owner, region = ranked[0], ranked[1]
    assert owner.rule == region.rule == "bottleneck"
    assert tenants.B_SLOW_OWNER in owner.title.en and "Proposal" in owner.title.en
    # the region is found by splitting the slow step's cases by every case attribute
    assert region.target == f"demo@Region={tenants.B_SLOW_REGION}"
    assert tenants.B_SLOW_REGION in region.explanation.en
    # then the rework, planted on one owner, in both steps of the loop
    for rework in ranked[2:4]:
        assert rework.rule == "rework-hotspot" and tenants.B_REWORK_OWNER in rework.title.en
    # next a true finding that only changes the design's description: every deal logs its
    # owner's emails, which the design has no step for
    assert ranked[4].rule == "behaviour-not-in-design" and "Email Sent" in ranked[4].title.en


def test_journey_with_a_message_log_dead_branch_and_short_click_wait_first(logs, messages, written):
    report = suggest(_wf(written, "D"), logs["D"], email_log=messages)
    facts = written["D"].facts
    dead, short = report.suggestions[:2]
    # nobody has the enterprise tier: the branch to the executive briefing is never taken
    assert (dead.rule, dead.target) == ("branch-never-taken", "tier->exec")
    assert f"0 of {facts['at_decision']} cases" in dead.title.en
    # the invitation's clicks, read from the message log, mostly come after the reminder
    assert (short.rule, short.target) == ("wait-too-short", "w_click")
    details = short.evidence.details
    assert (details["reactions"], details["late_reactions"]) == (
        facts["invite_clicks"],
        facts["late_clicks"],
    )
    assert details["email_ids"] == ["WBN-INVITE-25"] and details["next_step"] == "rem"
    assert (details["current"], details["proposed"]) == ("P1D", "P5D")
    # the message log shows no email after an unsubscribe or a bounce: no consent finding
    assert not report.by_rule("consent-violation") and len(report.suggestions) == 2


def _wf(written, key: str):
    return read_workflow(written[key].workflow)


def test_sales_crm_cycle_time_shift_found_without_a_baseline_date(logs):
    trend = kpi_trend(logs["B"], "cycle_time")
    assert trend.shift is not None and trend.shift.label == tenants.B_SHIFT_LABEL
    assert trend.shift.after - trend.shift.before == pytest.approx(tenants.B_SHIFT_DAYS, abs=2.5)
    alert = next(a for a in trend.alerts if a.kind == "change_point")
    assert alert.worse is True


# -- the commands a user runs, with no flag but the workflow ------------------------------------
@pytest.fixture
def stored(written, store_path):
    for key, tenant in written.items():
        assert main(["import", str(tenant.path), "--name", f"tenant_{key}"]) == 0
    return written


def test_conformance_puts_the_skipped_survey_first(stored, capsys):
    capsys.readouterr()
    model = str(stored["C"].workflow)
    assert main(["conformance", "tenant_C", "--model", model, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    first = found["deviations"][0]
    assert (first["kind"], first["activity"]) == ("skipped", tenants.C_SURVEY)
    assert first["cases"] == stored["C"].facts["without_survey"]
    assert {tenants.C_OPEN, tenants.C_CLICK} <= set(found["ignored"])  # reactions, not steps


def test_bottlenecks_put_the_long_designed_wait_first(stored, capsys):
    capsys.readouterr()
    workflow = str(stored["A"].workflow)
    assert main(["bottlenecks", "tenant_A", "--workflow", workflow, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert (first["source"], first["target"]) == (tenants.A_WELCOME, tenants.A_GUIDE)
    assert first["designed_seconds"] == tenants.A_DESIGNED_WAIT_DAYS * 86400
    facts = stored["A"].facts
    assert first["median_seconds"] / 86400 == pytest.approx(facts["median_wait_days"], abs=0.1)


def test_spc_finds_the_cycle_time_shift_without_a_baseline_date(stored, capsys):
    capsys.readouterr()
    assert main(["spc", "tenant_B", "--kpi", "throughput", "--json"]) == 0
    chart = json.loads(capsys.readouterr().out)
    assert chart["change_point"]["label"] == tenants.B_SHIFT_LABEL
    assert main(["spc", "tenant_B", "--kpi", "throughput"]) == 0
    assert f"first at point 14 ({tenants.B_SHIFT_LABEL})" in capsys.readouterr().out


def test_suggest_command_reads_the_message_log_beside_the_journey(stored, capsys):
    path = stored["D"].facts["messages"]
    assert main(["import", str(path), "--name", "tenant_D_messages", "--case", "Message ID"]) == 0
    capsys.readouterr()
    workflow = str(stored["D"].workflow)
    argv = ["suggest", "tenant_D", "--workflow", workflow, "--email-log", "tenant_D_messages"]
    assert main([*argv, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    ranked = [(s["rule"], s["target"]) for s in found["suggestions"]]
    assert ranked[:2] == [("branch-never-taken", "tier->exec"), ("wait-too-short", "w_click")]
    assert main(["consent", "tenant_D_messages"]) == 0
    assert "no email" in capsys.readouterr().out.lower()
