"""The statistics figures show what the results hold: bar lengths are the counts and times of
the verbs they draw, lines sit at the right medians, designed waits are grey and not red."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest

import mining
import sample_logs
from automation import designed_waits, read_workflow, workflow_to_petri_net
from mejora.cli import main
from mining import (
    activity_times_figure,
    arrivals_wip_figure,
    conformance_figure,
    dotted_chart_figure,
    handover_figure,
    rework_figure,
    throughput_figure,
    variants_figure,
    waits_against_design_figure,
)

DAY, HOUR = 86400.0, 3600.0
RED = "#c0392b"


@pytest.fixture(scope="module")
def sales():
    return sample_logs.load_sales_activities()


@pytest.fixture(scope="module")
def campaigns():
    return sample_logs.load_campaigns()


def _messages(figure: go.Figure) -> list[str]:
    return [a.text for a in figure.layout.annotations if a.text]


# -- variants ---------------------------------------------------------------------------


def test_variant_bars_are_the_case_counts_with_shares_and_coverage(campaigns):
    variants = mining.get_variants(campaigns)
    figure = variants_figure(variants, top=10)
    bars, coverage = figure.data
    table = variants.table.head(10)
    total = int(variants.table["cases"].sum())
    assert list(bars.x) == table["cases"].tolist()
    assert bars.text[0] == f"{table['cases'].iloc[0]:,} · {table['cases'].iloc[0] / total:.1%}"
    assert coverage.xaxis == "x2"
    assert coverage.x[-1] == pytest.approx(table["cases"].sum() / total)
    assert list(coverage.x) == sorted(coverage.x)
    # compact labels, the whole sequence in the hover
    longest = max(range(10), key=lambda i: len(table["activities"].iloc[i]))
    sequence = table["activities"].iloc[longest]
    assert len(bars.y[longest]) < len(" → ".join(sequence))
    assert bars.y[longest].startswith(f"#{longest + 1} {sequence[0]}")
    assert bars.y[longest].endswith(sequence[-1])
    hover = bars.customdata[longest][1].replace(" →<br>", " → ")
    assert hover == " → ".join(sequence)
    assert len(set(bars.y)) == 10
    assert len(variants_figure(variants, top=3).data[0].x) == 3
    with pytest.raises(ValueError, match="top"):
        variants_figure(variants, top=0)


# -- throughput -------------------------------------------------------------------------


def _shape(figure: go.Figure, name: str):
    [shape] = [s for s in figure.layout.shapes if s.name == name]
    return shape


def test_throughput_histogram_in_days_with_median_and_p90_marked(sales):
    times = mining.throughput_times(sales)
    figure = throughput_figure(times)
    box, histogram = figure.data
    assert "days" in figure.layout.xaxis2.title.text
    assert histogram.y.sum() == len(times) == 278
    seconds = times["throughput_seconds"]
    assert _shape(figure, "median").x0 == pytest.approx(seconds.median() / DAY)
    assert _shape(figure, "p90").x0 == pytest.approx(seconds.quantile(0.9) / DAY)
    assert box.median[0] == pytest.approx(seconds.median() / DAY)
    assert histogram.x.max() <= seconds.max() / DAY <= histogram.x.max() + histogram.width[-1]


def test_throughput_unit_follows_the_data():
    frame = pd.DataFrame({"throughput_seconds": [5 * HOUR, 6 * HOUR, 10 * HOUR]})
    figure = throughput_figure(frame)
    assert "hours" in figure.layout.xaxis2.title.text
    assert _shape(figure, "median").x0 == pytest.approx(6.0)


# -- activity times ---------------------------------------------------------------------


def test_activity_times_without_start_times_is_one_sorted_bar(sales):
    times = mining.activity_times(sales)
    figure = activity_times_figure(times)
    [bars] = figure.data
    expected = times.set_index("activity")["waiting_seconds_median"].fillna(0) / DAY
    assert dict(zip(bars.y, bars.x, strict=True)) == pytest.approx(expected.to_dict())
    assert list(bars.x) == sorted(bars.x, reverse=True)
    assert bars.y[0] == "Follow-up call" and bars.marker.color[0] == RED
    assert set(bars.marker.color[1:]) == {"#5b7083"}
    assert "includes the service time" in figure.layout.title.text
    assert "slowest" in " ".join(_messages(figure))


def test_activity_times_with_start_times_stack_waiting_and_service(shared_logs):
    log = mining.read_log(shared_logs / "interval_event_log.csv")
    times = mining.activity_times(log).set_index("activity")
    figure = activity_times_figure(times.reset_index())
    waiting, service = figure.data
    assert (waiting.name, service.name) == ("waiting", "service")
    assert figure.layout.barmode == "stack"
    assert "days" in figure.layout.xaxis.title.text
    assert dict(zip(waiting.y, waiting.x, strict=True)) == pytest.approx(
        (times["waiting_seconds_median"].fillna(0) / DAY).to_dict()
    )
    assert dict(zip(service.y, service.x, strict=True)) == pytest.approx(
        (times["service_seconds_median"] / DAY).to_dict()
    )
    total = times["waiting_seconds_median"].fillna(0) + times["service_seconds_median"]
    assert waiting.y[0] == total.idxmax() == "send reminder"
    assert waiting.marker.color[0] == RED and RED not in waiting.marker.color[1:]
    with pytest.raises(ValueError, match="statistic"):
        activity_times_figure(times.reset_index(), statistic="max")


# -- dotted chart -----------------------------------------------------------------------


def test_dotted_chart_draws_the_requested_number_of_cases(sales):
    figure = dotted_chart_figure(sales, max_cases=50)
    cases = {c for trace in figure.data for c in trace.customdata}
    assert len(cases) == 50
    statistics = mining.case_statistics(sales).set_index("case_id")
    assert sum(len(t.x) for t in figure.data) == statistics.loc[sorted(cases), "events"].sum()
    assert statistics["start"].idxmin() in cases  # the sample spans the log from its start
    assert {t.name for t in figure.data} <= set(mining.activity_statistics(sales)["activity"])
    assert {int(y) for t in figure.data for y in t.y} == set(range(1, 51))
    again = dotted_chart_figure(sales, max_cases=50)
    assert {c for t in again.data for c in t.customdata} == cases  # deterministic
    assert figure.layout.title.text.startswith("Dotted chart: 50 of 278 cases")


def test_dotted_chart_keeps_every_case_when_few_and_can_show_relative_time(sales):
    figure = dotted_chart_figure(sales, max_cases=1000, time="relative")
    assert len({c for t in figure.data for c in t.customdata}) == 278
    assert sum(len(t.x) for t in figure.data) == sales.n_events
    assert min(min(t.x) for t in figure.data) == 0.0
    assert "since the case started" in figure.layout.xaxis.title.text


# -- handovers --------------------------------------------------------------------------


def test_handover_edges_match_the_handovers_frame(shared_logs):
    frame = mining.handovers(mining.read_log(shared_logs / "running-example.xes"))
    figure = handover_figure(frame)
    arrows = [a for a in figure.layout.annotations if a.showarrow]
    assert sorted(a.name for a in arrows) == sorted(
        f"{s} → {t}" for s, t in zip(frame["source"], frame["target"], strict=True)
    )
    width = {a.name: a.arrowwidth for a in arrows}
    assert max(width, key=width.get) == "Sara → Ellen"  # the most handovers (4)
    edges, nodes = figure.data
    drawn = {(s, t, int(n)) for s, t, n, *_ in edges.customdata}
    assert drawn == set(zip(frame["source"], frame["target"], frame["handovers"], strict=True))
    assert sorted(nodes.text) == sorted(set(frame["source"]) | set(frame["target"]))
    # two resources on the same spot would hide one
    assert len(set(zip(nodes.x, nodes.y, strict=True))) == len(nodes.x)
    top = handover_figure(frame, top=5)
    assert len([a for a in top.layout.annotations if a.showarrow]) == 5


def test_no_handovers_when_each_case_stays_with_one_rep(sales):
    figure = handover_figure(mining.handovers(sales))
    assert "No handovers" in _messages(figure)[0]


# -- arrivals and work in progress ------------------------------------------------------


def test_arrivals_are_bars_and_wip_a_line_on_the_second_axis(sales):
    frame = mining.arrivals_and_wip(sales, freq="W")
    figure = arrivals_wip_figure(frame)
    arrivals, ended, wip = figure.data
    assert list(arrivals.y) == frame["arrivals"].tolist() and sum(arrivals.y) == 278
    assert list(ended.y) == frame["ended"].tolist()
    assert wip.yaxis == "y2" and list(wip.y) == frame["wip"].tolist()
    assert "per week" in figure.layout.title.text
    assert "per month" in arrivals_wip_figure(mining.arrivals_and_wip(sales, "M")).layout.title.text


# -- designed waits ---------------------------------------------------------------------


def test_a_designed_wait_is_grey_intended_time_not_a_red_bottleneck(campaigns):
    workflow = read_workflow(sample_logs.workflow_path("welcome_nurture"))
    frame = mining.waits_against_design(campaigns, designed_waits(workflow))
    figure = waits_against_design_figure(frame, top=5)
    designed, excess = figure.data
    assert figure.layout.barmode == "stack" and "days" in figure.layout.xaxis.title.text
    assert excess.marker.color == RED and designed.marker.color != RED
    path = list(designed.y).index("Welcome email sent → Nurture email 1 sent")
    assert designed.x[path] == pytest.approx(3.0)  # the designed 3-day wait
    assert excess.x[path] < 0.01  # what is left over is minutes, not days
    # every designed wait is shown even though its excess is far from the top five
    with_design = frame[frame["designed_seconds"] > 0]
    shown = set(designed.y)
    assert set(with_design["source"] + " → " + with_design["target"]) <= shown
    assert len(shown) == 5 + sum(frame.index[frame["designed_seconds"] > 0] >= 5)
    # bars rank by excess, the biggest real delay on top
    assert list(excess.x) == sorted(excess.x, reverse=True)
    by_path = frame.set_index(frame["source"] + " → " + frame["target"])
    assert excess.x[0] == pytest.approx(by_path.loc[excess.y[0], "median_excess_seconds"] / DAY)


# -- rework -----------------------------------------------------------------------------


def test_rework_shows_the_planted_rep03_proposals(sales):
    by_resource = rework_figure(mining.rework(sales, by="resource"))
    repeated, once = by_resource.data
    assert list(repeated.y) == ["rep03 · Proposal sent"]
    assert (repeated.x[0], once.x[0]) == (16, 23 - 16)
    by_activity = rework_figure(mining.rework(sales))
    repeated, once = by_activity.data
    assert list(repeated.y) == ["Proposal sent"] and repeated.text[0] == "16 of 192"


def test_rework_figure_says_when_there_is_none(shared_logs):
    frame = mining.rework(mining.read_log(shared_logs / "running-example.xes"))
    frame = frame.assign(rework_cases=0)
    assert "No rework" in _messages(rework_figure(frame))[0]


# -- conformance ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conformance(sales):
    net, im, fm = workflow_to_petri_net(read_workflow(sample_logs.workflow_path("sales_pipeline")))
    return mining.check_conformance(sales, net, im, fm)


def test_conformance_figure_shows_fitness_and_the_planted_deviations(conformance):
    figure = conformance_figure(conformance)
    histogram, deviations = figure.data
    fitness = conformance.cases["fitness"]
    assert histogram.y.sum() == len(fitness) == 278
    assert histogram.y[-1] == (fitness >= 0.95).sum()
    assert dict(zip(deviations.y, deviations.x, strict=True)) == {
        "skipped: Demo held": 60,
        "unexpected: Proposal sent": 16,
    }
    assert "210 of 278 cases fit" in figure.layout.title.text
    table = conformance.deviations()
    if "median_duration_with" in table:  # the impact on throughput shows on hover
        with_it = table.set_index("activity")["median_duration_with"]["Demo held"]
        assert f"{with_it / DAY:.1f} d with it" in deviations.customdata[0]


def test_conformance_figure_takes_a_deviations_frame_too(conformance):
    """The result may carry ``deviations`` as a DataFrame with more kinds (out of order)."""
    extended = SimpleNamespace(
        method="alignments",
        cases=conformance.cases,
        log=conformance.log,
        deviations=pd.DataFrame(
            {
                "kind": ["skipped", "out_of_order", "unexpected"],
                "activity": ["Demo held", "Demo held", "Proposal sent"],
                "cases": [60, 30, 16],
                "share": [60 / 278, 30 / 278, 16 / 278],
            }
        ),
    )
    _, deviations = conformance_figure(extended).data
    assert list(deviations.y) == [
        "skipped: Demo held",
        "out of order: Demo held",
        "unexpected: Proposal sent",
    ]
    assert len(set(deviations.marker.color)) == 3


def test_a_fitting_log_gets_the_whole_width_and_its_note_stays_off_the_bars(conformance):
    """With no deviation the empty second panel left three quarters of the figure blank and
    its note fell on the histogram."""
    fitting = SimpleNamespace(
        method="alignments",
        cases=conformance.cases.assign(fitness=1.0, fit=True),
        log={"log_fitness": 1.0},
        deviations=pd.DataFrame(columns=["kind", "activity", "cases", "share"]),
    )
    figure = conformance_figure(fitting)
    [histogram] = figure.data
    assert histogram.y.sum() == 278 and "xaxis2" not in figure.layout
    [note] = figure.layout.annotations
    assert "No deviations" in note.text
    assert (note.xref, note.yref, note.yanchor) == ("paper", "paper", "bottom") and note.y >= 1.0
    assert figure.layout.height >= 440


# -- empty logs -------------------------------------------------------------------------


def test_every_figure_handles_an_empty_log(write_csv):
    log = mining.read_log(write_csv("case,activity,timestamp,resource\n"))
    figures = [
        variants_figure(mining.get_variants(log)),
        throughput_figure(mining.throughput_times(log)),
        activity_times_figure(mining.activity_times(log)),
        dotted_chart_figure(log),
        handover_figure(mining.handovers(log)),
        arrivals_wip_figure(mining.arrivals_and_wip(log)),
        waits_against_design_figure(mining.waits_against_design(log)),
        rework_figure(mining.rework(log)),
    ]
    for figure in figures:
        assert isinstance(figure, go.Figure) and _messages(figure)


# -- command line -----------------------------------------------------------------------

EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)


def test_cli_writes_offline_html_figures(store_path, sales, tmp_path, capsys):
    with mining.EventStore(store_path) as store:
        store.save(sales)
    out = tmp_path / "variants.html"
    code = main(["variants", "sales_activities", "--top", "5", "--figure", str(out), "--json"])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert len(json.loads(stdout)) == 5  # --json output stays clean
    assert "figure written" in stderr
    html = out.read_text(encoding="utf-8")
    assert "Top 5 of" in html and "Plotly.newPlot" in html
    assert not EXTERNAL_SCRIPT.search(html)
    assert len(html) > 1_000_000  # plotly.js is inside the file
    for args, text in (
        (["stats", "sales_activities", "--by", "case"], "Throughput time"),
        (["stats", "sales_activities", "--by", "resource"], "Rework per resource"),
        (["dfg", "sales_activities"], "Process map"),
    ):
        path = tmp_path / f"{args[0]}-{len(text)}.html"
        assert main([*args, "--figure", str(path), "--json"]) == 0
        capsys.readouterr()
        page = path.read_text(encoding="utf-8")
        assert text in page and not EXTERNAL_SCRIPT.search(page)
