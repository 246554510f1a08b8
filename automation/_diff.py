"""A readable diff of two workflow revisions: nodes, edges, goals and settings added, removed or
changed, each with the values before and after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from automation._workflow import Workflow

_SETTINGS = ("name", "objective", "entry", "send_window", "start")


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` (added, removed, changed), what it concerns (``node``, ``edge``,
    ``goal``, ``setting``), its key, and the values before and after (None when absent)."""

    kind: str
    what: str
    key: str
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "kind": self.kind,
            "what": self.what,
            "key": self.key,
            "before": self.before,
            "after": self.after,
        }

    def text(self) -> str:
        """One line: ``+`` added, ``-`` removed, ``~`` changed with each field before → after."""
        if self.kind == "added":
            return f"+ {self.what} {self.key}: {_short(_bare(self.after))}"
        if self.kind == "removed":
            return f"- {self.what} {self.key}: {_short(_bare(self.before))}"
        if isinstance(self.before, dict) and isinstance(self.after, dict):
            keys = sorted(set(self.before) | set(self.after))
            parts = [
                f"{k} {_short(self.before.get(k))} → {_short(self.after.get(k))}"
                for k in keys
                if self.before.get(k) != self.after.get(k)
            ]
            return f"~ {self.what} {self.key}: " + "; ".join(parts)
        return f"~ {self.what} {self.key}: {_short(self.before)} → {_short(self.after)}"


def _bare(value: Any) -> Any:
    """A node or edge without the fields its key already shows."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in ("id", "from", "to")} or "(plain)"
    return value


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class WorkflowDiff:
    """The differences between two revisions of a workflow, in a stable order."""

    workflow_id: str
    before: int | None
    after: int | None
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (and for the audit trail)."""
        return {
            "workflow_id": self.workflow_id,
            "before": self.before,
            "after": self.after,
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_text(self) -> str:
        """The diff as lines a reviewer reads."""
        head = f"{self.workflow_id}: revision {self.before} → {self.after}"
        if not self.changes:
            return head + "\n  (no differences)"
        return "\n".join([head, *("  " + c.text() for c in self.changes)])


def _edge_key(edge: dict[str, Any]) -> str:
    return f"{edge['from']} → {edge['to']}"


def _keyed(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(item[key]): item for item in items}


def _compare(what: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = [Change("removed", what, k, before=old[k]) for k in old if k not in new]
    changes += [Change("added", what, k, after=new[k]) for k in new if k not in old]
    changes += [
        Change("changed", what, k, before=old[k], after=new[k])
        for k in old
        if k in new and old[k] != new[k]
    ]
    return changes


def diff_workflows(
    old: Workflow, new: Workflow, *, before: int | None = None, after: int | None = None
) -> WorkflowDiff:
    """What changed from ``old`` to ``new`` (``before`` / ``after`` are the revision numbers
    shown). Version and status are left out: every revision has its own.

    Example:
        >>> print(diff_workflows(old, new, before=1, after=2).to_text())  # doctest: +SKIP
        onboarding: revision 1 → 2
          ~ node clicked_guide: timeout P7D → P1D
    """
    a, b = old.to_dict(), new.to_dict()
    changes: list[Change] = []
    for key in _SETTINGS:
        if a.get(key) != b.get(key):
            changes.append(Change("changed", "setting", key, a.get(key), b.get(key)))
    changes += _compare("node", _keyed(a["nodes"], "id"), _keyed(b["nodes"], "id"))
    old_edges = {_edge_key(e): e for e in a["edges"]}
    new_edges = {_edge_key(e): e for e in b["edges"]}
    changes += _compare("edge", old_edges, new_edges)
    changes += _compare("goal", _keyed(a.get("goals", []), "id"), _keyed(b.get("goals", []), "id"))
    order = {"setting": 0, "node": 1, "edge": 2, "goal": 3}
    kinds = {"removed": 0, "changed": 1, "added": 2}
    changes.sort(key=lambda c: (order[c.what], kinds[c.kind], c.key))
    return WorkflowDiff(old.id, before, after, tuple(changes))
