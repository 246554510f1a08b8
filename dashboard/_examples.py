"""Example logs and designed workflows the dashboard can offer a new installation.

The dashboard does not know where examples come from: the ``mejora`` command passes the bundled
samples, another deployment can pass its own (or none: the buttons that load them then hide).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mining import EventLog


def _no_names() -> Sequence[str]:
    return ()


def _no_workflows() -> Mapping[str, Path]:
    return {}


def _no_log(name: str) -> EventLog:
    raise ValueError(f"no example log named {name!r}")


@dataclass(frozen=True)
class Examples:
    """``names()`` lists the example logs, ``load(name)`` imports one, ``workflows()`` maps a
    name to a designed-workflow file. Callables, so a list that changes is read when used."""

    names: Callable[[], Sequence[str]] = _no_names
    load: Callable[[str], EventLog] = _no_log
    workflows: Callable[[], Mapping[str, Path]] = field(default=_no_workflows)

    @property
    def has_logs(self) -> bool:
        """Whether there is any example log to offer."""
        return bool(self.names())


NO_EXAMPLES = Examples()
