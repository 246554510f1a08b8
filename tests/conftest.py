"""Shared fixtures: paths to the reference data beside the repo, temporary stores, CSV writer."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LOGS = SHARED / "data" / "logs"


@pytest.fixture
def shared_logs() -> Path:
    """The real public logs in ../shared/data/logs, or a clean skip when absent."""
    if not LOGS.is_dir():
        pytest.skip(f"reference logs not found at {LOGS}")
    return LOGS


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh event-store file, also set as $MEJORA_STORE for CLI calls."""
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("MEJORA_STORE", str(path))
    return path


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write text to a CSV file in tmp_path and return its path."""

    def write(text: str, name: str = "log.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
