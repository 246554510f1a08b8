"""Errors of the automation layer; each inherits a built-in."""

from __future__ import annotations

from collections.abc import Sequence


class WorkflowError(ValueError):
    """A workflow file is invalid; ``problems`` lists each one with file, node and problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
