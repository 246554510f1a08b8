"""Conformance: pm4py's own fitness on the real logs and their models, computed per variant;
the planted skipped step and rework show up as deviations with the right case counts."""

from __future__ import annotations

import json
import warnings

import pytest

import mining
import sample_logs
from automation import read_workflow, workflow_to_petri_net
from mining import check_conformance, read_model
from mining._pm4py_adapter import _pm4py

PAIRS = [("running-example.xes", "running-example.pnml"), ("receipt.xes", "receipt.bpmn")]


def _pm4py_frame(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _pm4py().read_xes(str(path), show_progress_bar=False)


@pytest.mark.parametrize(("log_file", "model_file"), PAIRS)
def test_token_replay_equals_pm4py(shared_logs, log_file, model_file):
    net, im, fm = read_model(shared_logs / model_file)
    result = check_conformance(
        mining.read_log(shared_logs / log_file, duplicates="keep"),
        net,
        im,
        fm,
        method="token_replay",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _pm4py().fitness_token_based_replay(
            _pm4py_frame(shared_logs / log_file), net, im, fm
        )
    assert result.log == pytest.approx(theirs, rel=1e-12)


def test_alignments_equal_pm4py_on_the_running_example(shared_logs):
    net, im, fm = read_model(shared_logs / "running-example.pnml")
    log = mining.read_log(shared_logs / "running-example.xes")
    result = check_conformance(log, net, im, fm, method="alignments")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _pm4py().fitness_alignments(
            _pm4py_frame(shared_logs / "running-example.xes"), net, im, fm, multi_processing=False
        )
    assert result.log == pytest.approx(theirs, rel=1e-12)
    assert result.cases["fit"].all() and len(result.cases) == 6


@pytest.mark.scale
def test_alignments_equal_pm4py_on_receipt(shared_logs):
    """About 35 s per side: the receipt BPMN model is hard to align."""
    net, im, fm = read_model(shared_logs / "receipt.bpmn")
    log = mining.read_log(shared_logs / "receipt.xes", duplicates="keep")
    result = check_conformance(log, net, im, fm, method="alignments", workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _pm4py().fitness_alignments(
            _pm4py_frame(shared_logs / "receipt.xes"), net, im, fm, multi_processing=False
        )
    assert result.log == pytest.approx(theirs, rel=1e-12)


@pytest.fixture(scope="module")
def sales_result():
    workflow = read_workflow(sample_logs.workflow_path("sales_pipeline"))
    net, im, fm = workflow_to_petri_net(workflow)
    return check_conformance(sample_logs.load_sales_activities(), net, im, fm)


def test_planted_skipped_step_and_rework_are_the_deviations(sales_result):
    deviations = sales_result.deviations().set_index(["kind", "activity"])["cases"].to_dict()
    assert deviations == {("skipped", "Demo held"): 60, ("unexpected", "Proposal sent"): 16}
    cases = sales_result.cases
    both = {
        c for c, d in zip(cases["case_id"], cases["deviations"], strict=True) if len(set(d)) == 2
    }
    assert len(both) == 8  # deals with a skipped demo and a re-sent proposal
    assert (~cases["fit"]).sum() == 60 + 16 - 8
    assert sales_result.variants["cases"].sum() == 278


def test_a_model_with_a_dtd_is_refused(tmp_path):
    bad = tmp_path / "m.pnml"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE pnml [<!ENTITY x "y">]><pnml/>')
    with pytest.raises(mining.UnsafeFileError):
        read_model(bad)
    with pytest.raises(mining.EventLogError, match=r"must be a \.pnml or \.bpmn"):
        read_model(tmp_path / "m.txt")


def test_conformance_command(store_path, capsys, tmp_path):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    out = tmp_path / "cases.csv"
    model = str(sample_logs.workflow_path("sales_pipeline"))
    assert (
        main(["conformance", "sales_activities", "--model", model, "-o", str(out), "--json"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {d["activity"] for d in data["deviations"]} == {"Demo held", "Proposal sent"}
    assert "skipped Demo held" in out.read_text()
