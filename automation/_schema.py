"""The published JSON Schema of the workflow format (``automation/workflow.schema.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("workflow.schema.json")


def workflow_schema() -> dict[str, Any]:
    """The JSON Schema as a dict, e.g. for editors or other validators."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
