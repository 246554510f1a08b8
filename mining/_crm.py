"""CRM and marketing-automation exports as named formats (filled in below)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mining._sources import RawSource

FORMATS: tuple[str, ...] = ()


def sniff(path: Path) -> str | None:
    """The CRM format a file's header reveals, or None."""
    return None


def read(
    fmt: str,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> RawSource:
    """Load a CRM export as a raw table with its preset mapping and exclusion reasons."""
    raise NotImplementedError(fmt)
