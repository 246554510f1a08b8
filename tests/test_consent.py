"""Consent rules: every email after an unsubscribe or bounce is found, and nothing else."""

from __future__ import annotations

import json

import pytest

import mining
import sample_logs
from mining import consent_violations

LOG = """case,activity,timestamp,recipient
m1,SENT,2025-01-01 09:00,ana@x.es
m1,CLICK,2025-01-01 10:00,ana@x.es
m2,SENT,2025-01-02 09:00,ana@x.es
m2,UNSUBSCRIBE,2025-01-02 09:30,ana@x.es
m3,SENT,2025-01-05 09:00,ana@x.es
m4,SENT,2025-01-03 09:00,luis@x.es
m4,BOUNCE,2025-01-03 09:01,luis@x.es
m5,SENT,2025-01-04 09:00,marta@x.es
"""


def test_sends_after_withdrawal(write_csv):
    log = mining.read_log(write_csv(LOG))
    frame = consent_violations(log)
    assert frame[["contact", "case_id", "withdrawal"]].values.tolist() == [
        ["ana@x.es", "m3", "UNSUBSCRIBE"]
    ]
    assert frame["seconds_after"].iloc[0] == pytest.approx((2 * 24 + 23.5) * 3600)
    with pytest.raises(mining.EventLogError, match="no contact column 'email'"):
        consent_violations(log, contact="email")


def test_planted_consent_violations_are_found():
    frame = consent_violations(sample_logs.load_email_events())
    assert (len(frame), frame["contact"].nunique()) == (25, 25)
    assert set(frame["withdrawal"]) == {"UNSUBSCRIBE"}


def test_consent_command(store_path, write_csv, capsys):
    from mejora.cli import main

    assert main(["import", str(write_csv(LOG)), "--name", "mail"]) == 0
    capsys.readouterr()
    assert main(["consent", "mail", "--json"]) == 0
    assert [r["case_id"] for r in json.loads(capsys.readouterr().out)] == ["m3"]
    assert main(["consent", "mail"]) == 0
    assert "1 emails to 1 contacts after they withdrew" in capsys.readouterr().out


OPT_IN_LOG = """case_id,activity,timestamp,email
m1,Opted in,2025-01-01T10:00:00Z,a@x.com
m2,Email sent,2025-01-02T10:00:00Z,a@x.com
m3,Email sent,2025-01-01T09:00:00Z,b@x.com
m4,Opted in,2025-01-03T10:00:00Z,b@x.com
m5,Email sent,2025-01-04T10:00:00Z,b@x.com
m6,Email sent,2025-01-04T10:00:00Z,c@x.com
m7,Unsubscribed,2025-01-05T10:00:00Z,a@x.com
m8,Email sent,2025-01-06T10:00:00Z,a@x.com
"""


def test_no_email_before_opt_in(write_csv):
    log = mining.read_log(write_csv(OPT_IN_LOG))
    frame = mining.sends_before_opt_in(
        log, opt_ins=["Opted in"], contact="email", sends=["Email sent"]
    )
    # b got one email a day before opting in; c never opted in; a's emails came after
    assert frame[["contact", "case_id"]].values.tolist() == [["b@x.com", "m3"], ["c@x.com", "m6"]]
    assert frame["seconds_before"].iloc[0] == 49 * 3600
    assert frame["opted_in_at"].isna().tolist() == [False, True]


def test_opt_in_check_refuses_a_log_without_consent_records():
    with pytest.raises(mining.EventLogError, match="no opt-in event"):
        mining.sends_before_opt_in(sample_logs.load_email_events(), opt_ins=["Opted in"])


def test_consent_command_checks_both_rules(write_csv, store_path, capsys):
    from mejora.cli import main

    assert main(["import", str(write_csv(OPT_IN_LOG)), "--name", "subs"]) == 0
    capsys.readouterr()
    args = ["consent", "subs", "--contact", "email", "--send", "Email sent"]
    args += ["--opt-in", "Opted in"]
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    # a@x.com unsubscribed on the 5th and was mailed on the 6th; b and c before opting in
    expected = [("after_withdrawal", "m8"), ("before_opt_in", "m3"), ("before_opt_in", "m6")]
    assert [(r["rule"], r["case_id"]) for r in rows] == expected
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2 emails to 2 contacts before they opted in" in text
    assert "c@x.com: Email sent at 2025-01-04 10:00, never opted in" in text
    # the same from the vocabulary alone: email is the contact, the labels name their kinds
    assert main(["consent", "subs", "--check-opt-in", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["rule"], r["case_id"], r["contact"]) for r in rows] == [
        ("after_withdrawal", "m8", "a@x.com"),
        ("before_opt_in", "m3", "b@x.com"),
        ("before_opt_in", "m6", "c@x.com"),
    ]
