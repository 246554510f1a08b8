"""The plain design graph the simulator walks: steps, links between them, goals and the rules
of entry. Whoever holds a workflow in another form (``automation`` holds versioned workflow
files) converts it into a :class:`Flow`; the simulator knows no workflow format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

ROLES = ("signup", "handoff", "inactivity", "none")
STEP_TYPES = ("action", "wait", "wait_for_event", "decision", "end")


class Condition(Protocol):
    """A checked condition: the attribute ``names`` it reads and whether it holds."""

    names: frozenset[str]

    def evaluate(self, attributes: Any) -> bool: ...

    def check_names(self, known: Any) -> None: ...


@dataclass(frozen=True)
class Link:
    """An edge to ``target``: taken on the wait's ``exit`` (``event`` / ``timeout``), when its
    ``condition`` holds, as the ``default`` of a decision, or with ``weight`` in a split."""

    target: str
    exit: str | None = None
    condition: Condition | None = None
    default: bool = False
    weight: float | None = None


@dataclass(frozen=True)
class Step:
    """One node: ``type`` is one of :data:`STEP_TYPES`; ``activities`` the labels it logs (the
    first is written); ``email`` the message id a ``send_email`` action sends; ``loss`` marks
    the step that records a sales loss reason; a wait lasts ``duration`` or ``until`` HH:MM; a
    ``wait_for_event`` waits up to ``timeout`` for ``event``: ``click`` or ``open`` (of the
    case's last email), ``reply`` (a sales reply), anything else an outside event; ``mode``
    ``split`` draws a link by weight."""

    id: str
    type: str
    links: tuple[Link, ...] = ()
    action: str | None = None
    activities: tuple[str, ...] = ()
    email: str | None = None
    loss: bool = False
    duration: timedelta | None = None
    until: str | None = None
    event: str | None = None
    timeout: timedelta | None = None
    mode: str | None = None


@dataclass(frozen=True)
class FlowGoal:
    """A goal: the case leaves when one of ``activities`` happens; ``makes_sql`` when reaching
    it hands the contact to sales."""

    id: str
    activities: tuple[str, ...] = ()
    makes_sql: bool = False


@dataclass(frozen=True)
class Window:
    """When emails may go out: ``days`` (``mon``..) from ``start`` to ``end`` in ``timezone``."""

    timezone: str
    days: tuple[str, ...]
    start: str
    end: str


@dataclass(frozen=True)
class Flow:
    """A designed workflow as the simulator sees it.

    ``role`` says who enters (:data:`ROLES`: every new contact, contacts handed to sales,
    contacts inactive for ``inactivity_days`` days, or nobody by itself); ``reenrol`` and
    ``cooldown`` whether and when a contact may enter again; ``suppression`` the lists whose
    contacts get no marketing email.
    """

    id: str
    role: str
    start: str
    steps: tuple[Step, ...]
    goals: tuple[FlowGoal, ...] = ()
    window: Window | None = None
    reenrol: bool = False
    cooldown: timedelta | None = None
    suppression: tuple[str, ...] = ()
    inactivity_days: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role of {self.id!r} must be one of {ROLES}, not {self.role!r}")
        ids = [s.id for s in self.steps]
        known = set(ids)
        if len(known) != len(ids):
            raise ValueError(f"{self.id}: step ids must be unique")
        if self.start not in known:
            raise ValueError(f"{self.id}: the start {self.start!r} names no step")
        for step in self.steps:
            if step.type not in STEP_TYPES:
                raise ValueError(f"{self.id}, step {step.id!r}: unknown type {step.type!r}")
            for link in step.links:
                if link.target not in known:
                    raise ValueError(f"{self.id}, step {step.id!r}: no step {link.target!r}")

    def step(self, step_id: str) -> Step:
        """The step with this id."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
