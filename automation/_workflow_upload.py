"""A workflow file sent as an upload (the dashboard's) stored as a revision: decoded, size-capped,
read from a private temporary folder with the same readers as ``mejora workflow import``, and
the folder removed; messages name the user's file, never the server's path."""

from __future__ import annotations

import base64
import binascii
import shutil
import tempfile
from pathlib import Path
from typing import Any

from automation._store import WorkflowStore
from automation._workflow import Workflow, read_platform_workflow
from automation.exceptions import WorkflowError

MAX_BYTES = 8 << 20
SUFFIXES = (".flow-meta.xml", ".yaml", ".yml", ".json", ".xml")


def store_uploaded_workflow(
    store: WorkflowStore, contents: str, filename: str, *, author: str
) -> tuple[Workflow, Any, int]:
    """Store the upload (``data:...;base64,...`` as a browser sends it) as the newest revision
    of its workflow; returns the workflow, its mapping report (None for Mejora's own format)
    and the revision number."""
    name = filename.lower()
    suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        raise WorkflowError([f"{filename}: expected a {', '.join(SUFFIXES)} file"])
    _, _, encoded = contents.partition(",")
    if len(encoded) * 3 // 4 > MAX_BYTES:
        raise WorkflowError([f"{filename}: over {MAX_BYTES >> 20} MB, too big for a workflow"])
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WorkflowError([f"{filename}: the upload cannot be decoded"]) from exc
    folder = Path(tempfile.mkdtemp(prefix="mejora-workflow-"))
    path = folder / f"upload{suffix}"
    try:
        path.write_bytes(raw)
        try:
            workflow, report = read_platform_workflow(path)
        except WorkflowError as exc:
            problems = [p.replace(str(path), filename) for p in exc.problems]
            raise WorkflowError(problems) from None
        latest = store.latest(workflow.id)
        revision = store.save(
            workflow,
            base=latest.number if latest else None,
            author=author,
            message=f"uploaded {filename}",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return workflow, report, revision.number
