"""Tiny helpers to quote SQL identifiers and literals safely (no user text is ever pasted raw)."""

from __future__ import annotations

import duckdb


def ident(name: str) -> str:
    """Quote ``name`` as a SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote ``value`` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def fetch_one(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> tuple:
    """The single row of ``query``, fully drained (DuckDB 2 refuses new work on an open result)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else ()
