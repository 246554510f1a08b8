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
