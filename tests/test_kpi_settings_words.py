"""KPI settings in a user's words: a designed workflow is a model for the conformance rate (as
for `mejora conformance`), and no reason a KPI cannot be computed names the Python API."""

from __future__ import annotations

import json

import automation  # registers designed workflows (.yaml / .json) as a model format
import mining
import sample_logs
from improvement import KpiSettings, compute_kpi, compute_kpis
from mejora.cli import main


def test_a_designed_workflow_is_a_model_for_the_conformance_rate():
    path = sample_logs.workflow_path("welcome_nurture")
    log = sample_logs.load_campaigns()
    result = compute_kpi(log, "conformance_rate", settings=KpiSettings(model=str(path)))
    assert result.computable, result.reason("en")
    net, im, fm = automation.workflow_to_petri_net(automation.read_workflow(path))
    cases = mining.check_conformance(log, net, im, fm, method="token_replay").cases
    assert result.denominator == len(cases) == 3596  # the welcome workflow's cases only
    assert result.numerator == int((cases["fitness"] >= 1.0 - 1e-9).sum())


def test_the_kpis_command_takes_a_workflow_in_its_settings_file(store_path, tmp_path, capsys):
    assert main(["sample", "load"]) == 0
    settings = tmp_path / "ajustes.yaml"
    settings.write_text(f"model: {sample_logs.workflow_path('welcome_nurture')}\n")
    capsys.readouterr()
    assert main(["kpis", "campaigns", "--settings", str(settings), "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["kpis"]}
    assert rows["conformance_rate"]["value"] is not None


def test_no_reason_names_the_python_api():
    table = compute_kpis(sample_logs.load_email_events())
    reasons = [r.reason(lang) for r in table.results if not r.computable for lang in ("en", "es")]
    assert any("--settings" in r for r in reasons)  # the hints name the settings file
    assert not [r for r in reasons if "KpiSettings" in r]
