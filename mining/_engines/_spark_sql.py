"""Mejora's DuckDB SQL, translated for Apache Spark: one definition of every query, two engines.

``mining/_queries`` writes each query once, in DuckDB's dialect. :func:`to_spark` parses that
text with sqlglot, rewrites the few constructs whose stock translation is wrong or missing, and
prints Spark SQL:

=====================================================  =========================================
DuckDB                                                 Spark
=====================================================  =========================================
``list(v ORDER BY k1, k2)``                            ``transform(array_sort(collect_list(
                                                       struct(k1 IS NULL, k1, k2 IS NULL, k2,
                                                       v))), e -> e.v)`` (order and NULLs kept;
                                                       sqlglot's ``collect_list`` loses both)
``list(v)``                                            the same without sort keys (NULLs kept)
``quantile_cont(x, q)``, ``median(x)``                 ``percentile(x, q)``: exact, linear
                                                       interpolation like ``quantile_cont``
``epoch_us(t)``, ``epoch_ms(t)``, ``epoch(t)``         ``unix_micros(t)``, ``unix_millis(t)``,
                                                       ``unix_micros(t) / 1e6``
``arg_min(v, (a, b))``                                 ``min_by(v, IF(v IS NOT NULL,
                                                       struct(a, b), NULL))`` (DuckDB skips
                                                       NULL values, Spark NULL orders)
``t AT TIME ZONE 'UTC'``                               ``t`` (Mejora's Spark sessions run in UTC)
``t < TIMESTAMPTZ 'infinity'`` and the like            ``t IS NOT NULL`` / ``false``
``CAST(x AS ENUM(...))``                               ``CAST(x AS STRING)``
``WITH x AS MATERIALIZED (...)``                       ``WITH x AS (...)``
=====================================================  =========================================

Everything else (named windows, ``FILTER (WHERE ...)``, ``NULLS LAST`` defaults, string
escapes, ``generate_series``, ``date_trunc``) is sqlglot's own Spark translation. A construct
with no faithful Spark equivalent raises :class:`UntranslatableSQL` instead of running with a
different meaning.

Example:
    >>> to_spark("SELECT epoch_us(max(timestamp)) FROM events")
    'SELECT UNIX_MICROS(MAX(timestamp)) FROM events'

This module needs ``sqlglot`` (the ``spark`` extra); only ``mining._engines`` imports it.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ErrorLevel

_ELEMENT = "_mejora_e"  # lambda variable of the ordered-list rewrite
_VALUE = "_mejora_v"  # struct field holding the listed value
_INFINITE = {"infinity": 1, "+infinity": 1, "-infinity": -1}
_EPOCH = {"epoch_us": "UNIX_MICROS", "epoch_ms": "UNIX_MILLIS"}


class UntranslatableSQL(ValueError):
    """A DuckDB construct that Spark cannot run with the same meaning."""


def _percentile(self: Spark.Generator, expression: exp.Expression) -> str:
    quantile = expression.expression if expression.expression else exp.Literal.number(0.5)
    return self.func("PERCENTILE", expression.this, quantile)


class MejoraSpark(Spark):
    """Spark SQL as Mejora needs it: ``median`` and ``quantile_cont`` become the exact
    ``percentile`` (Spark's ``percentile_cont`` wants ``WITHIN GROUP``, and its ``median`` is
    the same function), so both engines interpolate quantiles the same way."""

    class Generator(Spark.Generator):
        TRANSFORMS = {  # noqa: RUF012 - sqlglot's own convention for generator tables
            **Spark.Generator.TRANSFORMS,
            exp.Median: _percentile,
            exp.PercentileCont: _percentile,
        }


def _ordered_list(node: exp.ArrayAgg) -> exp.Expression:
    """``list(v ORDER BY k...)`` / ``list(v)`` as a sorted list of structs, then their ``v``."""
    inner = node.this
    if isinstance(inner, exp.Distinct):  # list(DISTINCT v): no order in either engine
        return node
    keys: list[exp.Expression] = []
    if isinstance(inner, exp.Order):
        for i, ordered in enumerate(inner.expressions):
            if ordered.args.get("desc"):
                raise UntranslatableSQL(f"list(... ORDER BY {ordered.this.sql('duckdb')} DESC)")
            key = ordered.this
            # DuckDB puts NULLs last; array_sort compares struct fields NULLs first
            nulls_last = not ordered.args.get("nulls_first")
            null_flag = exp.Is(this=key.copy(), expression=exp.Null())
            if not nulls_last:
                null_flag = exp.Not(this=null_flag)
            keys += [
                exp.alias_(null_flag, f"_mejora_n{i}"),
                exp.alias_(key.copy(), f"_mejora_k{i}"),
            ]
        inner = inner.this
    fields = [*keys, exp.alias_(inner.copy(), _VALUE)]
    listed: exp.Expression = exp.func("COLLECT_LIST", exp.Struct(expressions=fields))
    if keys:
        listed = exp.func("ARRAY_SORT", listed)
    pick = exp.Dot(this=exp.column(_ELEMENT), expression=exp.to_identifier(_VALUE))
    return exp.func(
        "TRANSFORM", listed, exp.Lambda(this=pick, expressions=[exp.to_identifier(_ELEMENT)])
    )


def _infinity(node: exp.Expression) -> int:
    """+1 / -1 for a ``TIMESTAMP[TZ] '[-]infinity'`` literal, else 0."""
    if isinstance(node, exp.Cast) and node.this.is_string:
        return _INFINITE.get(node.this.name.strip().lower(), 0)
    return 0


def _compare_with_infinity(node: exp.Expression) -> exp.Expression:
    """``t < 'infinity'`` is true for every non-NULL ``t``; Spark timestamps have no infinity."""
    flipped = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}
    if sign := _infinity(node.expression):
        other, kind = node.this, type(node)
    elif sign := _infinity(node.this):  # 'infinity' > t reads as t < 'infinity'
        other, kind = node.expression, flipped[type(node)]
    else:
        return node
    below = kind in (exp.LT, exp.LTE)  # is t asked to be below the infinity?
    if below == (sign > 0):
        return exp.Not(this=exp.Is(this=other, expression=exp.Null()))
    return exp.false()


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayAgg):
        return _ordered_list(node)
    if isinstance(node, exp.Anonymous) and node.name.lower() in _EPOCH:
        return exp.func(_EPOCH[node.name.lower()], *node.expressions)
    if isinstance(node, exp.TimeToUnix):  # DuckDB epoch(t): seconds, with fractions
        micros = exp.func("UNIX_MICROS", node.this)
        return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number("1e6")))
    if isinstance(node, exp.ArgMin | exp.ArgMax):
        order = node.expression
        if isinstance(order, exp.Tuple):
            order = exp.Struct(expressions=order.expressions)
        # DuckDB skips rows whose value is NULL; min_by / max_by skip rows whose order is NULL
        value_present = exp.Not(this=exp.Is(this=node.this.copy(), expression=exp.Null()))
        node.set("expression", exp.If(this=value_present, true=order, false=exp.Null()))
        return node
    if isinstance(node, exp.AtTimeZone):
        zone = node.args.get("zone")
        if not (zone is not None and zone.is_string and zone.name.upper() in ("UTC", "Z")):
            raise UntranslatableSQL(f"AT TIME ZONE {zone.sql('duckdb') if zone else ''}")
        return node.this
    if isinstance(node, exp.GT | exp.GTE | exp.LT | exp.LTE):
        return _compare_with_infinity(node)
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.ENUM:
        return exp.DataType.build("STRING")
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
        return node
    return node


@functools.lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """Spark SQL for one DuckDB statement of ``mining/_queries`` (or any Mejora statement).

    Example:
        >>> to_spark("SELECT list(activity ORDER BY timestamp, event_idx) FROM e GROUP BY case_id")
        ... # doctest: +ELLIPSIS
        'SELECT TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(timestamp IS NULL AS _mejora_n0, ...'
    """
    statements = sqlglot.parse(sql, read="duckdb")
    if len(statements) != 1 or statements[0] is None:
        raise UntranslatableSQL(f"expected one statement, got {len(statements)}")
    tree = statements[0]
    # children before parents, so a rewritten node is built from rewritten parts
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    for node in tree.walk():
        if _infinity(node):
            raise UntranslatableSQL(f"{node.sql('duckdb')} outside a comparison")
    return tree.sql(dialect=MejoraSpark, unsupported_level=ErrorLevel.RAISE)
