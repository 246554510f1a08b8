"""A Mautic campaign export and the campaign log of the same campaign, from a generator that
shares no code with Mejora's simulator, go through suggest, apply and back to Mautic with no
hand-written workflow: the planted problem (a 3-day wait for an open that comes within hours)
is found by the general rules, ranked first, and the applied change lands on the Mautic event
that carries the wait."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mejora.cli import main
from tests.foreign._mautic_tenant import write_campaign_log

CAMPAIGN = Path(__file__).parent.parent / "fixtures" / "mautic" / "campaign_3_bienvenida.json"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mautic")
    path, facts = write_campaign_log(folder)
    return folder, path, facts


def test_the_generator_is_seeded(tenant, tmp_path):
    _, path, _ = tenant
    assert write_campaign_log(tmp_path)[0].read_bytes() == path.read_bytes()


def test_export_and_log_through_suggest_apply_and_back_with_no_yaml(tenant, capsys):
    folder, path, facts = tenant
    store = ["--store", str(folder / "mejora.duckdb")]
    workflows = ["--workflows", str(folder / "workflows")]
    assert main(["import", str(path), "--name", "bienvenida", *store]) == 0
    capsys.readouterr()
    assert main(["conformance", "bienvenida", "--model", str(CAMPAIGN), *store]) == 0
    assert "fitness 1.0000" in capsys.readouterr().out  # the design is the campaign as it ran
    assert main(["workflow", "import", str(CAMPAIGN), "--by", "ana", *workflows]) == 0
    capsys.readouterr()
    args = ["suggest", "bienvenida", "--workflow", "mautic-3", "--json", *store, *workflows]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    first = report["suggestions"][0]
    assert (first["rule"], first["target"]) == ("wait-too-long", "12")
    details = first["evidence"]["details"]
    assert details["cases_waiting_full_timeout"] == facts["waited_full_timeout"]
    proposed_hours = int(details["proposed"].removeprefix("PT").removesuffix("H"))
    assert facts["p90_open_hours"] <= proposed_hours <= 12
    assert main(["apply", first["id"], "--by", "ana", *workflows]) == 0
    back = folder / "bienvenida_v2.json"
    assert main(["workflow", "export", "mautic-3", "-o", str(back), *workflows]) == 0
    events = {e["id"]: e for e in json.loads(back.read_text())["campaign"]["events"]}
    reminder = events[13]  # Mautic keeps a decision's timeout on its no-path event
    assert (reminder["triggerMode"], reminder["triggerInterval"]) == ("interval", proposed_hours)
    assert reminder["triggerIntervalUnit"] == "h" and reminder["decisionPath"] == "no"
