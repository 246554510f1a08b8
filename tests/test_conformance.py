"""Conformance: pm4py's own fitness on the real logs and their models, computed per variant;
the planted skipped step and rework show up as deviations with the right case counts."""

from __future__ import annotations

import json
import warnings

import pandas as pd
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
    with pytest.raises(mining.EventLogError, match=r"must be a file of one of \.pnml, \.bpmn"):
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


def _variants_of(log):
    return sorted(
        {tuple(map(str, v)) for v in log.to_pandas().groupby("case_id")["activity"].apply(tuple)}
    )


def _fast_equals_pm4py(log, net, im, fm):
    from mining._pm4py_adapter import replay_variants, replay_variants_fast

    variants = _variants_of(log)
    theirs = replay_variants(variants, net, im, fm)
    ours = replay_variants_fast(variants, net, im, fm)
    keys = ["trace_is_fit", "trace_fitness", "missing_tokens", "consumed_tokens"]
    keys += ["remaining_tokens", "produced_tokens"]
    for variant, a, b in zip(variants, theirs, ours, strict=True):
        assert {k: a[k] for k in keys} == {k: b[k] for k in keys}, variant
        assert [t.name for t in a["activated_transitions"]] == b["activated_transitions"]
    return len(variants)


@pytest.mark.parametrize("workflow", ["welcome_nurture", "reengagement", "sales_pipeline"])
def test_fast_token_replay_is_pm4py_token_for_token_on_designed_workflows(workflow):
    net, im, fm = workflow_to_petri_net(read_workflow(sample_logs.workflow_path(workflow)))
    log = (
        sample_logs.load_sales_activities()
        if workflow == "sales_pipeline"
        else (sample_logs.load_campaigns())
    )
    assert _fast_equals_pm4py(log, net, im, fm) > 10


@pytest.mark.parametrize(
    ("log_file", "model"),
    [
        ("receipt.xes", "receipt.bpmn"),
        ("running-example.xes", "running-example.pnml"),
        ("helpdesk.xes.gz", "heuristics"),
        ("sepsis.xes.gz", "inductive"),
    ],
)
def test_fast_token_replay_is_pm4py_token_for_token_on_general_nets(shared_logs, log_file, model):
    """Concurrent and silent-heavy nets too: the models of the real logs, and nets the miners
    discover on them (inductive with noise 0.2 on sepsis: 846 variants)."""
    log = mining.read_log(shared_logs / log_file, duplicates="keep")
    if model in ("heuristics", "inductive"):
        found = mining.discover_model(log, algorithm=model, noise=0.2)
        net, im, fm = found.net, found.initial_marking, found.final_marking
    else:
        net, im, fm = read_model(shared_logs / model)
    assert _fast_equals_pm4py(log, net, im, fm) == len(mining.get_variants(log))


@pytest.mark.parametrize("method", ["token_replay", "alignments"])
def test_precision_equals_pm4py(shared_logs, method):
    net, im, fm = read_model(shared_logs / "running-example.pnml")
    log = mining.read_log(shared_logs / "running-example.xes")
    result = check_conformance(log, net, im, fm, method=method, precision=True)
    frame = _pm4py_frame(shared_logs / "running-example.xes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "alignments":
            theirs = _pm4py().precision_alignments(frame, net, im, fm, multi_processing=False)
        else:
            theirs = _pm4py().precision_token_based_replay(frame, net, im, fm)
    assert result.precision == pytest.approx(theirs, rel=1e-12)
    assert 0 < result.precision <= 1


@pytest.mark.scale
def test_precision_equals_pm4py_on_receipt(shared_logs):
    """About 20 s: ETConformance replays every prefix of 1,434 cases."""
    net, im, fm = read_model(shared_logs / "receipt.bpmn")
    log = mining.read_log(shared_logs / "receipt.xes", duplicates="keep")
    result = check_conformance(log, net, im, fm, method="token_replay", precision=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _pm4py().precision_token_based_replay(
            _pm4py_frame(shared_logs / "receipt.xes"), net, im, fm
        )
    assert result.precision == pytest.approx(theirs, rel=1e-12)


def _chain_net():
    from mining._pm4py_adapter import build_petri_net

    places = ["p0", "p1", "p2", "p3"]
    transitions = [("ta", "a"), ("tb", "b"), ("tc", "c")]
    arcs = [("p0", "ta"), ("ta", "p1"), ("p1", "tb"), ("tb", "p2"), ("p2", "tc"), ("tc", "p3")]
    return build_petri_net("chain", places, transitions, arcs, initial={"p0": 1}, final={"p3": 1})


def test_a_swapped_step_is_out_of_order(write_csv):
    path = write_csv(
        "case,activity,timestamp\n"
        "1,a,2025-01-01T10:00:00Z\n1,b,2025-01-01T11:00:00Z\n1,c,2025-01-01T12:00:00Z\n"
        "2,a,2025-01-01T10:00:00Z\n2,c,2025-01-01T11:00:00Z\n2,b,2025-01-02T12:00:00Z\n"
        "3,a,2025-01-01T10:00:00Z\n3,c,2025-01-03T11:00:00Z\n"
    )
    result = check_conformance(mining.read_log(path), *_chain_net())
    deviations = result.deviations().set_index(["kind", "activity"])
    kinds = deviations["cases"].to_dict()
    # a, c, b: c came before its place (or b after it: the alignment picks one, never both)
    assert kinds.pop(("skipped", "b")) == 1
    assert list(kinds.items()) in ([(("out_of_order", "c"), 1)], [(("out_of_order", "b"), 1)])
    # impact on throughput: case 3 (b skipped) took 2 days 1 h, the others 2 h and 1 day 2 h
    skipped = deviations.loc[("skipped", "b")]
    assert skipped["median_duration_with"] == 49 * 3600
    assert skipped["median_duration_without"] == (2 * 3600 + 26 * 3600) / 2
    assert skipped["impact_seconds"] == 49 * 3600 - 14 * 3600


def test_deviation_impact_on_the_sample(sales_result):
    """Deals that skipped the demo against the rest: the medians are the cases' own."""
    durations = sales_result.cases.set_index("case_id")["duration_seconds"]
    skipped = [
        c
        for c, d in zip(
            sales_result.cases["case_id"], sales_result.cases["deviations"], strict=True
        )
        if ("skipped", "Demo held") in d
    ]
    row = sales_result.deviations().set_index(["kind", "activity"]).loc[("skipped", "Demo held")]
    assert row["median_duration_with"] == durations.loc[skipped].median()
    assert row["median_duration_without"] == durations.drop(index=skipped).median()
    throughput = mining.throughput_times(sample_logs.load_sales_activities())
    assert durations.sort_index().tolist() == pytest.approx(
        throughput.set_index("case_id").sort_index()["throughput_seconds"].tolist()
    )


def test_the_never_taken_branch_is_found():
    """Planted problem 3: of 298 contacts re-scored after nurture, 0 handed to sales there."""
    from automation import branch_usage

    workflow = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    welcome = mining.FilterStack([mining.CaseAttribute("campaign_id", (1,))]).apply(
        sample_logs.load_campaigns()
    )
    for method in ("token_replay", "alignments"):
        result = check_conformance(welcome, *workflow_to_petri_net(workflow), method=method)
        usage = branch_usage(workflow, result)
        never = usage[usage["never_taken"]]
        assert never[["node", "target", "cases_at_node", "cases"]].values.tolist() == [
            ["ready_after_nurture", "notify_sales", 298, 0]
        ]
        first = usage.set_index(["node", "target"]).loc[("ready_for_sales", "notify_sales")]
        assert first["cases"] == 19  # the other hand-off to sales is used
        unused = result.transition_usage().query("cases == 0")["name"].tolist()
        assert "tau_ready_after_nurture_branch0" in unused


def test_conformance_command_lists_the_never_taken_branch(store_path, capsys):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    model = str(sample_logs.workflow_path("welcome_nurture"))
    filters = '[{"kind": "case_attribute", "column": "campaign_id", "values": [1]}]'
    args = ["conformance", "campaigns", "--model", model, "--filters", filters]
    assert main([*args, "--method", "token_replay", "--precision", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert 0 < data["log"]["precision"] <= 1
    never = [b for b in data["branches"] if b["never_taken"]]
    assert [(b["node"], b["cases_at_node"]) for b in never] == [("ready_after_nurture", 298)]
    figure = store_path.parent / "conformance.html"
    assert main([*args, "--figure", str(figure)]) == 0
    assert "Plotly" in figure.read_text(encoding="utf-8")
    text = capsys.readouterr().out
    assert "never taken: Ready for sales now? → notify_sales" in text
    assert "0 of 298 cases" in text


def test_a_goal_that_is_also_the_branch_target_counts_as_that_branch(sales_result):
    """'Closed won' is the sales pipeline's goal and its won step: an alignment may reach it
    through the goal straight from the decision; the branch is still taken (80 won deals)."""
    from automation import branch_usage

    workflow = read_workflow(sample_logs.workflow_path("sales_pipeline"))
    usage = branch_usage(workflow, sales_result).set_index(["node", "target"])
    assert not usage["never_taken"].any()
    assert usage.loc[("outcome", "won"), "cases"] == 80
    assert usage.loc[("outcome", "record_loss"), "cases"] == 112


def test_a_log_of_two_workflows_is_checked_on_the_cases_of_the_one_modelled(store_path, capsys):
    """campaigns holds the welcome and the re-engagement workflows' cases: checked against the
    welcome design, the re-engagement cases (no welcome step at all) are left out and counted
    instead of scoring 0, and every case token replay finds unfit names its deviation."""
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    model = str(sample_logs.workflow_path("welcome_nurture"))
    out = store_path.parent / "cases.csv"
    args = ["conformance", "campaigns", "--model", model, "--method", "token_replay"]
    assert main([*args, "-o", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "left out 3,058 of 6,654 cases (46.0%) that share no activity" in text
    cases = pd.read_csv(out)
    assert len(cases) == 6654 - 3058 and (cases["fitness"] > 0).all()
    unfit = cases[~cases["fit"]]
    assert len(unfit) and unfit["deviations"].notna().all()
    assert (unfit["deviations"] == "skipped Lead qualified").all()  # as the alignments say
    assert main([*args, "--all-cases", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unrelated_cases"] == 0


def test_bottlenecks_rank_only_the_designed_workflows_cases(store_path, capsys):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    design = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    args = [
        "bottlenecks",
        "campaigns",
        "--workflow",
        str(sample_logs.workflow_path("welcome_nurture")),
    ]
    assert main([*args, "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert rows and {a for r in rows for a in (r["source"], r["target"])} <= set(design.labels())
    assert "left out 3,058 of 6,654 cases" in " ".join(captured.err.split())
    assert main([*args, "--all-cases", "--json"]) == 0
    labels = {a for r in json.loads(capsys.readouterr().out) for a in (r["source"], r["target"])}
    assert "Win-back email sent" in labels


@pytest.mark.parametrize(("log_file", "model_file"), PAIRS)
def test_every_case_token_replay_finds_unfit_names_a_deviation(shared_logs, log_file, model_file):
    net, im, fm = read_model(shared_logs / model_file)
    log = mining.read_log(shared_logs / log_file)
    result = check_conformance(log, net, im, fm, method="token_replay")
    unfit = result.cases[~result.cases["fit"]]
    assert all(len(d) for d in unfit["deviations"])
    assert all(not d for d in result.cases[result.cases["fit"]]["deviations"])
    kinds = {kind for d in result.cases["deviations"] for kind, _ in d}
    assert kinds <= set(mining.DEVIATION_KINDS)
