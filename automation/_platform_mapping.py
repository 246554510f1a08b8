"""What the platform readers (Mautic, HubSpot, n8n, Salesforce) and writers share: the report
of how a platform's workflow mapped, the one end node a reader adds where a path stops, and the
weights of an even split (the readers' stand-in for steps a platform runs in parallel)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MappingReport:
    """How a platform's workflow became a Mejora workflow: one line per mapped part, and what
    could not be mapped exactly, with why."""

    platform: str
    source: str
    title: str = ""
    mapped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "title": self.title,
            "source": self.source,
            "mapped": self.mapped,
            "unmapped": self.unmapped,
        }


def unique_end_id(taken: Iterable[str]) -> str:
    """``end``, with ``_`` added until no platform id already has the name."""
    used = set(taken)
    end_id = "end"
    while end_id in used:
        end_id += "_"
    return end_id


class EndNode:
    """The end node a reader adds where a path stops (a connection to nothing, or to a step
    that is not there); it is added to the workflow only when some path reached it."""

    def __init__(self, node_id: str, name: str) -> None:
        self.id, self.name, self.used = node_id, name, False

    def reach(self) -> str:
        """The end's id, for an edge that leads there."""
        self.used = True
        return self.id

    def to(self, target: str | None, known: Any, report: MappingReport, missing: str) -> str:
        """``target`` when it is one of ``known``, else the end; a target that is named but
        not there is reported with ``missing`` (formatted with ``target``)."""
        if target is not None and target in known:
            return target
        if target is not None:
            report.unmapped.append(missing.format(target=target))
        return self.reach()

    def nodes(self) -> list[dict[str, Any]]:
        """The end node in the reader's plain form, if any path reached it."""
        return [{"id": self.id, "type": "end", "name": self.name}] if self.used else []


def even_weights(count: int) -> list[float]:
    """Weights of an even split over ``count`` edges, rounded, adding up to exactly 1."""
    share = round(1 / max(count, 1), 6)
    return [round(1 - share * (count - 1), 6), *[share] * (count - 1)] if count else []
