"""Filters: hand-checked on a tiny log, equal to pm4py's filters on a real log, composable,
describable, and round-tripping through JSON and code."""

from __future__ import annotations

import warnings

import pytest

import mining
from mining import (
    CaseAttribute,
    CaseDuration,
    CaseSize,
    EndActivities,
    EventAttribute,
    FilterStack,
    Follows,
    Rework,
    StartActivities,
    TimeRange,
    VariantsFilter,
)
from mining._pm4py_adapter import _pm4py

LOG = """case,activity,timestamp,region
A,lead,2025-01-01 09:00,North
A,demo,2025-01-02 09:00,North
A,won,2025-01-05 09:00,North
B,lead,2025-01-03 09:00,South
B,demo,2025-01-04 09:00,South
B,demo,2025-01-06 09:00,South
B,lost,2025-01-20 09:00,South
C,lead,2025-02-01 09:00,South
C,won,2025-02-02 09:00,South
D,lead,2025-02-03 09:00,East
D,demo,2025-02-04 09:00,East
D,won,2025-02-08 09:00,East
"""


@pytest.fixture
def log(write_csv):
    return mining.read_log(write_csv(LOG))


def cases(log, *filters) -> set[str]:
    view = FilterStack(filters).apply(log)
    return set(view.to_pandas()["case_id"])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ((TimeRange("2025-01-01", "2025-02-01", mode="started"),), {"A", "B"}),
        ((TimeRange("2025-01-04", "2025-01-10", mode="intersecting"),), {"A", "B"}),
        ((TimeRange("2025-01-01", "2025-01-10", mode="contained"),), {"A"}),
        ((CaseAttribute("region", ("South",)),), {"B", "C"}),
        ((CaseAttribute("region", ("South",), keep=False),), {"A", "D"}),
        ((StartActivities(("lead",)),), {"A", "B", "C", "D"}),
        ((EndActivities(("won",)),), {"A", "C", "D"}),
        ((CaseSize(min_events=3, max_events=3),), {"A", "D"}),
        ((CaseDuration(max_seconds=4 * 86400),), {"A", "C"}),
        ((VariantsFilter(top=1),), {"A", "D"}),
        ((VariantsFilter(coverage=0.5),), {"A", "D"}),
        ((Follows("demo", "won"),), {"A", "D"}),
        ((Follows("lead", "lost", directly=False),), {"B"}),
        ((Follows("demo", "won", keep=False),), {"B", "C"}),
        # a map showing only lead and won draws lead -> won for every case that has no shown
        # activity between them: C directly, A and D through the hidden demo
        ((Follows("lead", "won", among=("lead", "won")),), {"A", "C", "D"}),
        ((Follows("lead", "won"),), {"C"}),
        ((Rework("demo"),), {"B"}),
        ((Rework(),), {"B"}),
        ((CaseAttribute("region", ("South",)), EndActivities(("won",))), {"C"}),
    ],
    ids=lambda v: " + ".join(f.describe() for f in v) if isinstance(v, tuple) else None,
)
def test_filters_on_a_hand_checked_log(log, filters, expected):
    assert cases(log, *filters) == expected


def test_event_filters_keep_events_not_cases(log):
    view = FilterStack([EventAttribute("activity", ("demo",), keep=False)]).apply(log)
    assert view.n_cases == 4 and view.n_events == 8
    window = FilterStack([TimeRange("2025-01-02", "2025-01-04", mode="events")]).apply(log)
    assert sorted(window.to_pandas()["activity"].astype(str)) == ["demo", "lead"]


def test_views_feed_every_scan_and_remember_their_filters(log):
    stack = FilterStack([EndActivities(("won",)), VariantsFilter(top=1)])
    view = stack.apply(log)
    assert mining.get_variants(view).to_dict() == {("lead", "demo", "won"): 2}
    assert mining.discover_dfg(view).frequencies() == {("lead", "demo"): 2, ("demo", "won"): 2}
    assert [f["kind"] for f in view.filters] == ["end_activities", "variants"]
    assert log.n_cases == 4  # the source log is unchanged


def test_round_trips_and_descriptions():
    stack = FilterStack(
        [TimeRange("2025-01-01", None), CaseAttribute("region", ("North", "East")), Rework()]
    )
    assert FilterStack.from_json(stack.to_json()) == stack
    assert eval(stack.to_code(), vars(mining)) == stack
    assert stack.describe() == [
        "cases started in [2025-01-01, …)",
        "cases with region in North, East",
        "cases where an activity repeats (2× or more)",
    ]
    # a manager's dashboard in Spanish reads its filters in Spanish
    assert stack.describe("es") == [
        "casos empezados en [2025-01-01, …)",
        "casos con region en North, East",
        "casos en que una actividad se repite (2 veces o más)",
    ]
    every = [
        TimeRange("2025-01-01", "2025-02-01", mode="events"),
        EventAttribute("activity", ("demo",), keep=False),
        StartActivities(("lead",)),
        EndActivities(("won",), keep=False),
        CaseSize(2, 5),
        CaseDuration(max_seconds=86400),
        VariantsFilter(top=3, coverage=0.8),
        Follows("demo", "won", among=("demo", "won")),
        Follows("lead", "won", directly=False, keep=False),
    ]
    for item in every:
        english, spanish = item.describe(), item.describe("es")
        assert english != spanish and not {"cases", "events", "the"} & set(spanish.split())
    with pytest.raises(ValueError, match="lang"):
        CaseSize(2, 5).describe("fr")


def test_bad_filters_fail_clearly(log):
    with pytest.raises(mining.EventLogError, match="has no column 'regoin'"):
        FilterStack([CaseAttribute("regoin", ("North",))]).apply(log)
    with pytest.raises(ValueError, match="not an ISO date"):
        FilterStack([TimeRange("yesterday")]).apply(log)
    with pytest.raises(ValueError, match="unknown filter kind"):
        FilterStack.from_json('[{"kind": "magic"}]')


# -- the same answers as pm4py's own filters on a real log -------------------------------------


@pytest.fixture(scope="module")
def receipt():
    from tests.conftest import LOGS

    path = LOGS / "receipt.xes"
    if not path.exists():
        pytest.skip("reference logs not found")
    pm4py = _pm4py()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(path), show_progress_bar=False)
    return mining.read_log(path, duplicates="keep"), frame, pm4py


def _pm4py_cases(frame) -> set[str]:
    return set(frame["case:concept:name"])


def test_pm4py_parity(receipt):
    log, frame, pm4py = receipt
    first, then = "Confirmation of receipt", "T02 Check confirmation of receipt"
    pairs = [
        (
            StartActivities(("Confirmation of receipt",)),
            pm4py.filter_start_activities(frame, ["Confirmation of receipt"]),
        ),
        (
            EndActivities(("T10 Determine necessity to stop indication",)),
            pm4py.filter_end_activities(frame, ["T10 Determine necessity to stop indication"]),
        ),
        (Follows(first, then), pm4py.filter_directly_follows_relation(frame, [(first, then)])),
        (
            Follows(first, "T10 Determine necessity to stop indication", directly=False),
            pm4py.filter_eventually_follows_relation(
                frame, [(first, "T10 Determine necessity to stop indication")]
            ),
        ),
        (CaseSize(min_events=5, max_events=8), pm4py.filter_case_size(frame, 5, 8)),
        (CaseDuration(max_seconds=86400), pm4py.filter_case_performance(frame, 0, 86400)),
        (
            CaseAttribute("case:channel", ("Internet",)),
            pm4py.filter_event_attribute_values(frame, "case:channel", ["Internet"], level="case"),
        ),
        (
            TimeRange("2011-01-01", "2011-12-01", mode="contained"),
            pm4py.filter_time_range(
                frame, "2011-01-01 00:00:00", "2011-12-01 00:00:00", mode="traces_contained"
            ),
        ),
        (
            TimeRange("2011-01-01", "2011-12-01", mode="intersecting"),
            pm4py.filter_time_range(
                frame, "2011-01-01 00:00:00", "2011-12-01 00:00:00", mode="traces_intersecting"
            ),
        ),
    ]
    for ours, theirs in pairs:
        assert cases(log, ours) == _pm4py_cases(theirs), ours.describe()
    view = FilterStack([EventAttribute("org:group", ("Group 1",))]).apply(log)
    theirs = pm4py.filter_event_attribute_values(frame, "org:group", ["Group 1"], level="event")
    assert view.n_events == len(theirs)


def test_cli_filters_option(store_path, write_csv, capsys, tmp_path):
    import json

    from mejora.cli import main

    assert main(["import", str(write_csv(LOG)), "--name", "deals"]) == 0
    capsys.readouterr()
    stack = '[{"kind": "end_activities", "activities": ["won"]}]'
    assert main(["variants", "deals", "--filters", stack, "--json"]) == 0
    assert sum(v["cases"] for v in json.loads(capsys.readouterr().out)) == 3
    (tmp_path / "f.json").write_text('[{"kind": "rework"}]')
    assert main(["dfg", "deals", "--filters", f"@{tmp_path / 'f.json'}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["start_activities"] == {"lead": 1}
    assert main(["dfg", "deals", "--filters", "[{", "--json"]) == 2
    assert "--filters is not valid JSON" in capsys.readouterr().err
