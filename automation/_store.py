"""A versioned store of designed workflows: every saved change is a new, immutable revision.

Layout (one folder per workflow id)::

    <root>/<workflow id>/rev-000001.json   # {"revision": {...metadata...}, "workflow": {...}}
    <root>/<workflow id>/log.jsonl         # append-only: one line per saved revision

A revision is written to a temporary file and then hard-linked to its final name, which fails if
the name exists: a half-written revision is never visible, and of two writers racing for the same
revision number exactly one wins. Saving names the revision it was based on; if the workflow
moved since, the save is refused with what changed, as every automation platform does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from automation._workflow import Workflow, parse_workflow
from automation.exceptions import RevisionConflictError, WorkflowError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_REVISION = re.compile(r"^rev-(\d{6})\.json$")


def default_workflow_store() -> Path:
    """``$MEJORA_WORKFLOWS`` if set, else ``workflows/`` in the user's data directory."""
    env = os.environ.get("MEJORA_WORKFLOWS")
    return Path(env) if env else platformdirs.user_data_path("mejora") / "workflows"


@dataclass(frozen=True)
class Revision:
    """Metadata of one saved revision."""

    workflow_id: str
    number: int
    base: int | None
    author: str
    message: str
    saved_at: str
    sha256: str

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def _digest(body: Any) -> str:
    """The checksum a revision keeps of its workflow (sorted-key JSON, sha256)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class WorkflowStore:
    """Workflows and all their revisions, in a folder.

    Example:
        >>> store = WorkflowStore("workflows")                       # doctest: +SKIP
        >>> rev = store.save(read_workflow("w.yaml"), base=None, author="ana")  # doctest: +SKIP
        >>> store.load("onboarding").version                    # doctest: +SKIP
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_workflow_store()

    def _folder(self, workflow_id: str) -> Path:
        if not _ID.match(workflow_id):
            raise WorkflowError([f"invalid workflow id {workflow_id!r} for the store"])
        return self.root / workflow_id

    def workflows(self) -> list[str]:
        """Ids of the stored workflows."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.revisions(p.name))

    def revisions(self, workflow_id: str) -> list[Revision]:
        """Every revision of a workflow, oldest first."""
        folder = self._folder(workflow_id)
        if not folder.is_dir():
            return []
        numbers = sorted(
            int(m.group(1)) for p in folder.iterdir() if (m := _REVISION.match(p.name))
        )
        return [self._read(workflow_id, n)[0] for n in numbers]

    def latest(self, workflow_id: str) -> Revision | None:
        """The newest revision, or None for an unknown workflow."""
        revisions = self.revisions(workflow_id)
        return revisions[-1] if revisions else None

    def load(self, workflow_id: str, revision: int | None = None) -> Workflow:
        """A revision of a workflow (the newest by default)."""
        if revision is None:
            newest = self.latest(workflow_id)
            if newest is None:
                raise WorkflowError([f"no workflow {workflow_id!r} in {self.root}"])
            revision = newest.number
        return self._read(workflow_id, revision)[1]

    def _revision_path(self, workflow_id: str, number: int) -> Path:
        """Where revision ``number`` of a workflow is kept."""
        return self._folder(workflow_id) / f"rev-{number:06d}.json"

    def _read(self, workflow_id: str, number: int) -> tuple[Revision, Workflow]:
        path = self._revision_path(workflow_id, number)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            revision = Revision(**data["revision"])
            body = data["workflow"]
        except FileNotFoundError as exc:
            raise WorkflowError([f"{workflow_id!r} has no revision {number}"]) from exc
        except (ValueError, KeyError, TypeError) as exc:  # bad JSON, missing or odd fields
            raise WorkflowError(
                [f"{path}: the revision file is damaged ({type(exc).__name__}: {exc})"]
            ) from exc
        if _digest(body) != revision.sha256:
            raise WorkflowError(
                [
                    f"{path}: revision {number} of {workflow_id!r} was changed after it was saved "
                    "(its checksum does not match): revisions are never edited; restore the file "
                    "or save the change as a new revision (mejora workflow save)"
                ]
            )
        return revision, parse_workflow(body, source=str(path))

    def save(
        self, workflow: Workflow, *, base: int | None, author: str, message: str = ""
    ) -> Revision:
        """Store ``workflow`` as a new revision made on top of revision ``base``.

        ``base`` is the revision the change was computed from (None for a new workflow). If the
        workflow has moved since, :class:`RevisionConflictError` says what changed.
        """
        folder = self._folder(workflow.id)
        folder.mkdir(parents=True, exist_ok=True)
        current = self.latest(workflow.id)
        current_number = current.number if current else None
        if base != current_number:
            raise RevisionConflictError(workflow.id, base, current)
        number = (current_number or 0) + 1
        body = workflow.to_dict()
        digest = _digest(body)
        revision = Revision(
            workflow_id=workflow.id,
            number=number,
            base=base,
            author=author,
            message=message,
            saved_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=digest,
        )
        text = json.dumps({"revision": revision.to_dict(), "workflow": body}, indent=2)
        final = self._revision_path(workflow.id, number)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, final)  # atomic, and refuses to replace an existing revision
            except FileExistsError:
                raise RevisionConflictError(workflow.id, base, self.latest(workflow.id)) from None
        finally:
            os.unlink(tmp)
        with open(folder / "log.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(revision.to_dict()) + "\n")
        return revision
