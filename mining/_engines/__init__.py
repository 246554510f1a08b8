"""Engines beyond DuckDB: Mejora's event scans on Apache Spark, from the same query text.

``SparkLog`` is an ``EventLog`` whose scans run on a SparkSession (local, a cluster, or Spark
Connect); ``export_parquet`` writes a DuckDB log in the Parquet layout it reads;
``check_conformance_spark`` fans per-variant conformance out over Spark. pyspark and sqlglot
(``pip install "mejora[spark]"``) are imported only when one of these runs.

Example:
    >>> from mining import SparkLog, discover_dfg                    # doctest: +SKIP
    >>> discover_dfg(SparkLog.from_parquet("/data/crm", master="local[2]"))  # doctest: +SKIP
"""

from mining._engines._spark import (
    SparkEngine,
    SparkLog,
    check_conformance_spark,
    export_parquet,
    replay_on_spark,
    spark_scope,
    spark_session,
)

__all__ = [
    "SparkEngine",
    "SparkLog",
    "check_conformance_spark",
    "export_parquet",
    "replay_on_spark",
    "spark_scope",
    "spark_session",
]
