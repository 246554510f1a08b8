"""The Spark engine: every event-scan query gives on Spark what it gives on DuckDB.

One local[2] SparkSession for the module. Each log (the sample logs, the real logs in
../shared) is read into DuckDB, exported to Parquet, and read by Spark; then every verb runs on
both and the results are compared without regard to row order (floats within 1e-9 relative).
Also: the translator against DuckDB on hand-made rows, the filter stack, ties in time under
scrambled partitioning, Hive-partitioned Parquet, conformance fanned out over Spark, and the CLI.

Run with ``make test-spark`` (or ``pytest -m spark``): it needs pyspark, sqlglot and Java 17.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mining
import sample_logs
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
from mining._queries import scans

pytestmark = pytest.mark.spark

RTOL = 1e-9
SAMPLES = {
    "sales_activities": sample_logs.load_sales_activities,
    "campaigns": sample_logs.load_campaigns,
    "crm_pipeline": sample_logs.load_crm_pipeline,
}
REAL = {
    "running-example": "running-example.xes",
    "receipt": "receipt.xes",
    "helpdesk": "helpdesk.xes.gz",
    "sepsis": "sepsis.xes.gz",
    "interval": "interval_event_log.csv",  # start timestamps: service and waiting times
}
LOGS = [*SAMPLES, *REAL]
# how Spark reads each log: plain export, cached in the executors, or Hive-partitioned by
# resource (every case split over several folders, so windows must bring a case together)
READ = {"sepsis": "cache", "receipt": "cache", "crm_pipeline": "partitioned"}


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    pytest.importorskip("sqlglot")
    from mining._engines import spark_session

    # tiny logs: interpreted expressions beat compiling code for every plan (~35% faster here)
    tiny = {
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    }
    session = spark_session("local[2]", config=tiny)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark")


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[mining.EventLog, Any]]:
    return {}


@pytest.fixture(params=LOGS)
def pair(request, spark, folder, pairs):
    """(DuckDB log, the same log in Spark), built once per module."""
    name = request.param
    if name not in pairs:
        if name in SAMPLES:
            duck = SAMPLES[name]()
        else:
            logs = request.getfixturevalue("shared_logs")
            duck = mining.read_log(logs / REAL[name])
        pairs[name] = (duck, _to_spark(duck, folder / name, spark, READ.get(name, "plain")))
    return pairs[name]


def _to_spark(duck: mining.EventLog, path: Path, spark, how: str):
    from mining._engines import SparkLog, export_parquet

    if how == "partitioned":
        export_parquet(duck, path, partition_by=["resource"])
        assert len([p for p in (path / "events").iterdir() if p.is_dir()]) > 1
    else:
        export_parquet(duck, path)
    return SparkLog.from_parquet(path, session=spark, cache=how == "cache")


# -- comparison ----------------------------------------------------------------------------------
def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).map(lambda v: None if v is None or v != v else str(v))


def assert_same(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]) -> None:
    """Same columns, same rows in any order; floats within RTOL, everything else exact."""
    assert list(spark.columns) == list(duck.columns)
    assert len(spark) == len(duck)
    frames = []
    for frame in (duck, spark):
        frame = frame.copy()
        for column in frame.columns:
            kind = frame[column].dtype
            if isinstance(kind, pd.CategoricalDtype) or pd.api.types.is_string_dtype(kind):
                frame[column] = _text(frame[column])
        frames.append(frame.sort_values(keys, na_position="last").reset_index(drop=True))
    a, b = frames
    for column in a.columns:
        if pd.api.types.is_float_dtype(a[column]) or pd.api.types.is_float_dtype(b[column]):
            ours, theirs = a[column].to_numpy(float), b[column].to_numpy(float)
            np.testing.assert_allclose(theirs, ours, rtol=RTOL, atol=0, equal_nan=True)
        else:
            pd.testing.assert_series_equal(b[column], a[column], check_dtype=False, obj=column)


def assert_same_dfg(duck: mining.DFG, spark: mining.DFG) -> None:
    assert spark.start_activities == duck.start_activities
    assert spark.end_activities == duck.end_activities
    assert_same(duck.edges, spark.edges, ["source", "target"])
    # the documented order (most frequent first, ties by name) holds on both
    assert spark.edges[["source", "target"]].values.tolist() == (
        duck.edges[["source", "target"]].values.tolist()
    )


def assert_same_variants(duck: mining.Variants, spark: mining.Variants) -> None:
    assert spark.to_dict() == duck.to_dict()
    assert spark.to_list() == duck.to_list()  # same order: cases, then the activities


# -- every verb on every log ---------------------------------------------------------------------
def test_dfg(pair):
    duck, spark = pair
    assert_same_dfg(mining.discover_dfg(duck), mining.discover_dfg(spark))


def test_variants(pair):
    duck, spark = pair
    assert_same_variants(mining.get_variants(duck), mining.get_variants(spark))


def test_case_and_activity_statistics(pair):
    duck, spark = pair
    assert_same(mining.case_statistics(duck), mining.case_statistics(spark), ["case_id"])
    assert_same(mining.activity_statistics(duck), mining.activity_statistics(spark), ["activity"])


def test_throughput_and_activity_times(pair):
    duck, spark = pair
    assert_same(mining.throughput_times(duck), mining.throughput_times(spark), ["case_id"])
    assert_same(mining.activity_times(duck), mining.activity_times(spark), ["activity"])


def test_rework_and_handovers(pair):
    duck, spark = pair
    assert_same(mining.rework(duck), mining.rework(spark), ["activity"])
    if not duck.has_resource:
        return
    ours, theirs = mining.rework(duck, by="resource"), mining.rework(spark, by="resource")
    assert_same(ours, theirs, ["resource", "activity"])
    assert_same(mining.handovers(duck), mining.handovers(spark), ["source", "target"])


def test_arrivals_and_wip(pair):
    duck, spark = pair
    units = ("D", "W", "M") if duck.name in ("sales_activities", "interval_event_log") else ("W",)
    for freq in units:  # the same query with another unit: all of them on two logs
        ours, theirs = mining.arrivals_and_wip(duck, freq), mining.arrivals_and_wip(spark, freq)
        assert_same(ours, theirs, ["period"])
        assert ours["wip"].iloc[-1] == 0 and len(ours) > 1


def _rows(log: mining.EventLog, query: Callable[[str], str]) -> list[tuple]:
    return log.connection.execute(query(log.events_ref)).fetchall()


def test_counts_windows_variant_cases_and_designed_waits(pair):
    duck, spark = pair
    assert _rows(spark, scans.log_counts) == _rows(duck, scans.log_counts)
    assert sorted(_rows(spark, scans.follows_windows), key=str) == sorted(
        _rows(duck, scans.follows_windows), key=str
    )
    duck_cases, spark_cases = _rows(duck, scans.variant_cases), _rows(spark, scans.variant_cases)
    assert [r[:2] for r in spark_cases] == [r[:2] for r in duck_cases]  # same order too
    for (_, _, ours), (_, _, theirs) in zip(duck_cases, spark_cases, strict=True):
        np.testing.assert_allclose(theirs, ours, rtol=RTOL, atol=0)
    edges = mining.discover_dfg(duck).edges.head(3)
    pairs = zip(edges.source, edges.target, strict=True)
    designed = {(s, t): 3600.0 * i for i, (s, t) in enumerate(pairs)}
    assert_same(
        mining.waits_against_design(duck, designed),
        mining.waits_against_design(spark, designed),
        ["source", "target"],
    )


@pytest.mark.parametrize("pair", ["crm_pipeline", "helpdesk"], indirect=True)
def test_log_level_counts_and_summary(pair):
    duck, spark = pair
    assert spark.summary() == duck.summary()
    assert set(spark.columns) == set(duck.columns)
    assert set(spark.attribute_columns) == set(duck.attribute_columns)


# -- the translator against DuckDB on hand-made rows ---------------------------------------------
ROWS = pd.DataFrame(
    {
        "g": ["a", "a", "a", "a", "b", "b", "c"],
        "k": pd.array([3.0, None, 1.0, 2.0, 5.0, 5.0, None], dtype="Float64"),
        "i": [0, 1, 2, 3, 4, 5, 6],
        "v": ["x", "it's", "back\\slash", "y", None, "z", "w"],
        "t": pd.to_datetime(
            [
                "2024-01-01 10:00",
                "2024-01-01 10:00",
                "2024-02-03 11:30",
                "2024-03-01 00:00",
                "2024-01-01 10:00",
                "2024-01-07 00:00",
                "2023-12-31 23:59",
            ],
            utc=True,
        ),
    }
)
SNIPPETS = [
    "SELECT g, list(v ORDER BY k, i) AS l FROM rows GROUP BY g",  # NULL keys last, NULL values kept
    "SELECT g, list(i ORDER BY t, i) AS l FROM rows GROUP BY g",
    "SELECT g, quantile_cont(k, [0.5, 0.9]) AS q, median(k) AS m, quantile_cont(i, 0.25) AS p "
    "FROM rows GROUP BY g",
    "SELECT g, arg_min(v, (t, i)) AS first, arg_max(v, (t, i)) AS last FROM rows GROUP BY g",
    "SELECT g, count(*) FILTER (WHERE k > 1) AS n, epoch_us(max(t)) - epoch_us(min(t)) AS us, "
    "epoch(max(t)) AS s FROM rows GROUP BY g",
    "SELECT i FROM rows WHERE t >= TIMESTAMPTZ '-infinity' AND t < TIMESTAMPTZ 'infinity'",
    "SELECT count(*) FROM rows WHERE t > TIMESTAMPTZ 'infinity' OR TIMESTAMPTZ '-infinity' > t",
    "SELECT i FROM rows WHERE t >= TIMESTAMPTZ '2024-01-01T10:00:00+00:00'",
    "SELECT i FROM rows WHERE v IN ('it''s', 'back\\slash')",
    "SELECT date_trunc('week', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS w, count(*) AS n "
    "FROM rows GROUP BY w",
    "SELECT i, CAST(v AS ENUM('x', 'y')) AS e FROM rows WHERE v IN ('x', 'y')",
]


def _close(theirs: Any, ours: Any) -> bool:
    """Equal, floats within RTOL (at any depth of tuples and lists)."""
    if isinstance(ours, float) and isinstance(theirs, float):
        return theirs == pytest.approx(ours, rel=RTOL, abs=0)
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        return len(theirs) == len(ours) and all(map(_close, theirs, ours))
    return theirs == ours


@pytest.fixture(scope="module")
def rows_on_both(spark):
    import duckdb

    from mining._engines import SparkEngine

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("rows_frame", ROWS)
    con.execute("CREATE TABLE rows AS SELECT * FROM rows_frame")
    engine = SparkEngine(spark)
    engine.register("rows", ROWS)
    yield con, engine
    engine.unregister("rows")
    con.close()


@pytest.mark.parametrize("sql", SNIPPETS)
def test_translated_sql_gives_duckdb_answers(rows_on_both, sql):
    con, engine = rows_on_both
    ours = sorted(con.execute(sql).fetchall(), key=str)
    theirs = sorted(engine.execute(sql).fetchall(), key=str)
    assert ours
    assert _close(theirs, ours), (theirs, ours)


def test_untranslatable_sql_is_refused():
    from mining._engines._spark_sql import UntranslatableSQL, to_spark

    with pytest.raises(UntranslatableSQL, match="DESC"):
        to_spark("SELECT list(v ORDER BY k DESC) FROM rows")
    with pytest.raises(UntranslatableSQL, match="outside a comparison"):
        to_spark("SELECT TIMESTAMPTZ 'infinity' AS t")
    with pytest.raises(UntranslatableSQL, match="Madrid"):
        to_spark("SELECT t AT TIME ZONE 'Europe/Madrid' FROM rows")
    assert "UNIX_MICROS" in to_spark(scans.case_statistics('"e"'))


# -- the filter stack ----------------------------------------------------------------------------
STACKS = [
    [TimeRange("2025-11-01", "2026-02-01")],
    [TimeRange(None, "2026-01-01", mode="contained")],
    [TimeRange("2026-03-01", None, mode="intersecting")],
    [TimeRange("2025-12-01T12:00:00+02:00", "2026-01-01", mode="events")],
    [EventAttribute("activity", ("Qualified",), keep=False), StartActivities(("Demo scheduled",))],
    [EndActivities(("Closed won",))],
    [CaseSize(min_events=5, max_events=8)],
    [CaseDuration(min_seconds=7 * 86400.0)],
    [VariantsFilter(top=3)],
    [VariantsFilter(coverage=0.6)],
    [Follows("Demo held", "Proposal sent")],
    [Follows("Qualified", "Closed lost", directly=False, keep=False)],
    [Rework()],
    [Rework(activity="Proposal sent", min_count=2, keep=False)],
    [CaseAttribute("region", ("North", "East"))],
    [EventAttribute("resource", ("rep01", "rep02"), keep=False)],
    [CaseSize(min_events=4), VariantsFilter(top=5), EventAttribute("amount", (0,), keep=False)],
]


@pytest.fixture(scope="module")
def sales_pair(spark, folder):
    duck = sample_logs.load_sales_activities()
    return duck, _to_spark(duck, folder / "sales-filters", spark, "plain")


@pytest.mark.parametrize("stack", STACKS, ids=lambda s: "+".join(f.kind for f in s))
def test_filter_stack_on_both_engines(sales_pair, stack):
    duck, spark = (FilterStack(stack).apply(log) for log in sales_pair)
    assert spark.filters == duck.filters
    assert spark.n_events == duck.n_events
    assert 0 < duck.n_events < sales_pair[0].n_events  # every filter keeps some, drops some
    assert_same_variants(mining.get_variants(duck), mining.get_variants(spark))
    assert_same_dfg(mining.discover_dfg(duck), mining.discover_dfg(spark))


QUOTED = """case,activity,timestamp,resource
1,it's,2024-01-01 10:00,a\\b
1,b,2024-01-01 11:00,c
2,b,2024-01-02 09:00,a\\b
2,it's,2024-01-02 10:00,c
"""


def test_filter_values_with_quotes_and_backslashes(spark, folder, write_csv):
    duck = mining.read_log(write_csv(QUOTED))
    spark_log = _to_spark(duck, folder / "quoted", spark, "plain")
    for stack in ([Follows("it's", "b")], [EventAttribute("resource", ("a\\b",))]):
        ours, theirs = (FilterStack(stack).apply(log) for log in (duck, spark_log))
        assert theirs.n_events == ours.n_events > 0
        assert mining.get_variants(theirs).to_dict() == mining.get_variants(ours).to_dict()


# -- ties in time and the way Parquet is partitioned ---------------------------------------------
TIES = """case,activity,timestamp
1,a,2024-01-01 10:00
1,c,2024-01-01 10:00
1,b,2024-01-01 10:00
2,b,2024-01-02 09:00
2,a,2024-01-02 09:00
2,c,2024-01-02 10:00
3,c,2024-01-03 09:00
3,c,2024-01-03 09:00
3,a,2024-01-03 09:00
"""


def _scrambled(spark, source: Path, target: Path, seed: int, keep_idx: bool = True) -> Path:
    """The events of an export rewritten in random row order over three files."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(source / "events"))
    if not keep_idx:
        frame = frame.drop("event_idx")
    frame.orderBy(F.rand(seed)).repartition(3).write.parquet(str(target))
    return target


def test_ties_in_time_follow_source_order_on_any_partitioning(spark, folder, write_csv):
    from mining._engines import SparkLog

    duck = mining.read_log(write_csv(TIES, "ties.csv"), duplicates="keep")
    expected = {("a", "c", "b"): 1, ("b", "a", "c"): 1, ("c", "c", "a"): 1}
    assert mining.get_variants(duck).to_dict() == expected
    export = folder / "ties"
    _to_spark(duck, export, spark, "plain")
    for seed in (1, 2):
        path = _scrambled(spark, export, folder / f"ties-scrambled-{seed}", seed)
        spark_log = SparkLog.from_parquet(path, session=spark)
        assert mining.get_variants(spark_log).to_dict() == expected
        assert_same_dfg(mining.discover_dfg(duck), mining.discover_dfg(spark_log))


def test_without_event_idx_events_are_numbered_the_same_on_any_partitioning(
    spark, folder, write_csv
):
    from mining._engines import SparkLog

    duck = mining.read_log(write_csv(TIES, "ties2.csv"), duplicates="keep")
    export = folder / "ties2"
    _to_spark(duck, export, spark, "plain")
    results = []
    for seed in (3, 4):
        path = _scrambled(spark, export, folder / f"ties-no-idx-{seed}", seed, keep_idx=False)
        spark_log = SparkLog.from_parquet(path, session=spark)
        assert "event_idx" in spark_log.columns
        results.append(mining.get_variants(spark_log).to_dict())
    # numbered by time, then by the other columns: the same whatever the file order
    assert results[0] == results[1] == {("a", "b", "c"): 2, ("a", "c", "c"): 1}


def _below_the_window(log) -> str:
    """The executed plan of the DFG query, from its Window down to the scan of the events."""
    frame = log.engine.execute(scans.directly_follows(log.events_ref)).frame
    frame.collect()
    plan = frame._jdf.queryExecution().executedPlan().toString()
    below = plan[plan.index("Window [") :]
    scan = min(i for i in (below.find("FileScan"), below.find("InMemoryTableScan")) if i >= 0)
    return below[:scan]


def test_windows_see_whole_cases(spark, folder, sales_pair):
    """Spark hash-partitions the events by case before every window, so a case is never split;
    a cached log is laid out that way once, and its windows need no shuffle and no sort."""
    from mining._engines import SparkLog

    plain = _below_the_window(sales_pair[1])
    assert "Exchange hashpartitioning(case_id" in plain
    cached_log = SparkLog.from_parquet(folder / "sales-filters", session=spark, cache=True)
    cached = _below_the_window(cached_log)
    assert "Exchange" not in cached and "Sort [" not in cached
    assert_same_dfg(mining.discover_dfg(sales_pair[0]), mining.discover_dfg(cached_log))
    cached_log.frame.unpersist()


# -- conformance fanned out over Spark -----------------------------------------------------------
def _same_conformance(local, fanned) -> None:
    assert fanned.log == pytest.approx(local.log, rel=1e-12)
    pd.testing.assert_frame_equal(fanned.cases, local.cases)
    pd.testing.assert_frame_equal(fanned.variants, local.variants)
    pd.testing.assert_frame_equal(fanned.deviations(), local.deviations())
    pd.testing.assert_frame_equal(fanned.transition_usage(), local.transition_usage())


@pytest.mark.parametrize(
    ("log_file", "model_file", "method"),
    [
        ("running-example.xes", "running-example.pnml", "alignments"),
        ("running-example.xes", "running-example.pnml", "token_replay"),
        ("receipt.xes", "receipt.bpmn", "token_replay"),
    ],
)
def test_conformance_fanned_out_equals_local(
    spark, folder, shared_logs, log_file, model_file, method
):
    from mining._engines import check_conformance_spark

    duck = mining.read_log(shared_logs / log_file, duplicates="keep")
    spark_log = _to_spark(duck, folder / f"conf-{log_file}-{method}", spark, "plain")
    net, im, fm = mining.read_model(shared_logs / model_file)
    local = mining.check_conformance(duck, net, im, fm, method=method)
    _same_conformance(local, check_conformance_spark(spark_log, net, im, fm, method=method))
    # the plain verb on a SparkLog: variants from Spark, replay in this process
    _same_conformance(local, mining.check_conformance(spark_log, net, im, fm, method=method))


def test_conformance_fanned_out_finds_the_planted_deviations(sales_pair):
    from automation import read_workflow, workflow_to_petri_net
    from mining._engines import check_conformance_spark

    net, im, fm = workflow_to_petri_net(read_workflow(sample_logs.workflow_path("sales_pipeline")))
    duck, spark = sales_pair
    local = mining.check_conformance(duck, net, im, fm)
    fanned = check_conformance_spark(spark, net, im, fm, partitions=3)
    _same_conformance(local, fanned)
    deviations = fanned.deviations().set_index(["kind", "activity"])["cases"].to_dict()
    assert deviations == {("skipped", "Demo held"): 60, ("unexpected", "Proposal sent"): 16}


# -- the command line ----------------------------------------------------------------------------
def _json(capsys, *args: str) -> Any:
    from mejora.cli import main

    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_engine_spark_gives_the_duckdb_answers(spark, store_path, capsys):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    spark_args = ["--engine", "spark", "--spark-master", "local[2]"]
    for command in (
        ["info", "opportunities"],
        ["variants", "sales_activities", "--filters", '[{"kind": "case_size", "min_events": 4}]'],
        ["stats", "crm_pipeline", "--by", "resource"],
    ):
        assert _json(capsys, *command, "--json", *spark_args) == _json(capsys, *command, "--json")
    ours = _json(capsys, "dfg", "crm_pipeline", "--json")
    theirs = _json(capsys, "dfg", "crm_pipeline", "--json", *spark_args)
    assert_same(pd.DataFrame(ours["edges"]), pd.DataFrame(theirs["edges"]), ["source", "target"])
    assert (theirs["start_activities"], theirs["end_activities"]) == (
        ours["start_activities"],
        ours["end_activities"],
    )
    exports = list((store_path.parent / "spark-exports").iterdir())
    assert len(exports) == 3  # one per stored log used, reused by the second command
    # a Parquet folder instead of a stored log's name
    by_path = _json(capsys, "variants", str(exports[0]), "--json", *spark_args)
    assert sum(v["cases"] for v in by_path) > 0
    assert spark.getActiveSession() is not None  # the CLI left the running session alone


def test_cli_refuses_an_unknown_engine_or_log(store_path, capsys):
    from mejora.cli import main

    assert main(["dfg", "nothing", "--engine", "polars"]) == 2
    assert "--engine must be one of duckdb, spark" in capsys.readouterr().err
    assert main(["dfg", "nothing", "--engine", "spark"]) == 2
    assert "neither a log" in capsys.readouterr().err


def test_import_mining_does_not_import_spark():
    code = (
        "import sys, mining; "
        "assert not [m for m in sys.modules if m.startswith(('pyspark', 'sqlglot'))]; "
        "assert mining.SparkLog.__module__ == 'mining._engines._spark'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
