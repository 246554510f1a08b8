"""Errors of the automation layer; each inherits a built-in."""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowError(ValueError):
    """A workflow file is invalid; ``problems`` lists each one with file, node and problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RevisionConflictError(WorkflowError):
    """A change was computed on a revision that is no longer the newest."""

    def __init__(self, workflow_id: str, base: int | None, current: object) -> None:
        self.workflow_id = workflow_id
        self.base = base
        self.current = current
        number = getattr(current, "number", None)
        if number is None:
            detail = "it is not in the store yet (save it with no base revision)"
        else:
            detail = (
                f"it is now at revision {number}, saved by {getattr(current, 'author', '?')} at "
                f"{getattr(current, 'saved_at', '?')}"
            )
            message = getattr(current, "message", "")
            if message:
                detail += f" ({message})"
        if base is None and number is not None:
            text = (
                f"workflow {workflow_id!r} already exists: {detail}; save on top of it with "
                f"base revision {number} (--base {number})"
            )
        else:
            text = (
                f"workflow {workflow_id!r} moved since revision {base}: {detail}; reload and retry"
            )
        super().__init__([text])
