"""Designed workflows as data: the model, and loading it from YAML or JSON with validation.

The format takes what HubSpot flows, Mautic campaigns, n8n and BPMN have in common: entry
triggers, re-enrolment and suppression, goals, a send window, and a graph of typed nodes
(``action``, ``wait``, ``wait_for_event``, ``decision``, ``end``) joined by edges that may carry
a condition, a weight or an exit name (``exit: event`` / ``exit: timeout``). Every node lists the
event-log activity labels that show it ran, so design and log join without guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

import mining
from automation.exceptions import WorkflowError
from mining.safe_yaml import load_text, read_settings_text

NODE_TYPES = ("action", "wait", "wait_for_event", "decision", "end")
ACTIONS = ("send_email", "set_property", "add_to_list", "create_task", "notify_sales", "webhook")
STATUSES = ("draft", "active", "archived")
DECISION_MODES = ("exclusive", "split")
EXITS = ("event", "timeout")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NODE_FIELDS = {
    "action": {"action", "params"},
    "wait": {"duration", "until"},
    "wait_for_event": {"event", "timeout"},
    "decision": {"mode"},
    "end": set(),
}
_COMMON_FIELDS = {"id", "type", "name", "activities"}
_EDGE_FIELDS = {"from", "to", "condition", "default", "weight", "exit", "label"}
_NODE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration in weeks, days, hours, minutes, seconds (``P3D``, ``PT12H``)."""
    match = _DURATION.match(str(text).strip())
    if not match or str(text).strip() in ("P", "PT") or str(text).strip().endswith("T"):
        raise ValueError(
            f"{text!r} is not an ISO-8601 duration such as 'P3D', 'PT12H' or 'P1DT6H' "
            "(months and years are ambiguous: use days)"
        )
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


def format_duration(value: timedelta) -> str:
    """The ISO-8601 text of a duration (inverse of :func:`parse_duration`)."""
    micros = round(value.total_seconds() * 1_000_000)
    days, rest = divmod(micros, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = f"{rest / 1_000_000:f}".rstrip("0").rstrip(".")
    text = "P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{seconds}S" if rest else ""
    if clock:
        text += "T" + clock
    return text if text != "P" else "PT0S"


@dataclass(frozen=True)
class Trigger:
    """How contacts enter: a form, a list, a property change, an event, inactivity."""

    type: str
    description: str = ""
    condition: str | None = None


@dataclass(frozen=True)
class Reenrollment:
    """Whether a contact can enter again, and after how long."""

    allowed: bool = False
    cooldown: timedelta | None = None


@dataclass(frozen=True)
class Goal:
    """A condition that takes a contact out of the workflow when reached."""

    id: str
    description: str = ""
    condition: str | None = None
    activities: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendWindow:
    """When emails may go out: days and hours in a time zone."""

    timezone: str
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "18:00"


@dataclass(frozen=True)
class Node:
    """A step of the workflow. Which fields apply depends on ``type`` (``NODE_FIELDS``).

    ``until`` is a time of day in the send window's time zone (UTC when there is none).
    """

    id: str
    type: str
    name: str = ""
    action: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    duration: timedelta | None = None
    until: str | None = None
    event: str | None = None
    timeout: timedelta | None = None
    mode: str = "exclusive"
    activities: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name to show: ``name`` or the id."""
        return self.name or self.id

    @property
    def awaits(self) -> str | None:
        """What a ``wait_for_event`` waits for, as an event kind of the log vocabulary
        (``clicked``, ``opened``, ``replied``, ``form_submitted``...), read from its event name
        with the vocabulary's words: ``email_click``, ``link_clicked``, ``proposal_reply`` and
        ``respuesta`` all say what they wait for. None for other nodes and unknown names."""
        if self.type != "wait_for_event" or not self.event:
            return None
        return mining.kind_of_label(self.event)


@dataclass(frozen=True)
class Edge:
    """A transition between nodes, with an optional condition, weight, default flag or exit."""

    source: str
    target: str
    condition: str | None = None
    default: bool = False
    weight: float | None = None
    exit: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Workflow:
    """A designed workflow: metadata, entry rules, goals and the node graph."""

    id: str
    name: str
    version: int
    status: str
    start: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    objective: str = ""
    triggers: tuple[Trigger, ...] = ()
    reenrollment: Reenrollment = field(default_factory=Reenrollment)
    suppression: tuple[str, ...] = ()
    goals: tuple[Goal, ...] = ()
    send_window: SendWindow | None = None
    source: str = ""

    @cached_property
    def _index(self) -> tuple[dict[str, Node], dict[str, list[Edge]], dict[str, list[Edge]]]:
        """Nodes by id and edges by end, built once (a workflow is immutable): lookups stay
        constant-time on a 10,000-step workflow."""
        nodes: dict[str, Node] = {}
        for node in self.nodes:
            nodes.setdefault(node.id, node)  # the first of duplicate ids, as before
        leaving: dict[str, list[Edge]] = {}
        entering: dict[str, list[Edge]] = {}
        for edge in self.edges:
            leaving.setdefault(edge.source, []).append(edge)
            entering.setdefault(edge.target, []).append(edge)
        return nodes, leaving, entering

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        return self._index[0][node_id]

    def outgoing(self, node_id: str) -> list[Edge]:
        """Edges leaving a node, in file order."""
        return list(self._index[1].get(node_id, ()))

    def incoming(self, node_id: str) -> list[Edge]:
        """Edges entering a node, in file order."""
        return list(self._index[2].get(node_id, ()))

    def activity_map(self) -> dict[str, str]:
        """Event-log activity label -> id of the node it shows ran."""
        return {label: node.id for node in self.nodes for label in node.activities}

    def labels(self) -> tuple[str, ...]:
        """Every event-log activity label the design names, its steps' and its goals' (sorted)."""
        return tuple(
            sorted(
                {a for n in self.nodes for a in n.activities}
                | {a for g in self.goals for a in g.activities}
            )
        )

    def reachable(self) -> set[str]:
        """Ids of the nodes reachable from the start node."""
        seen, todo = set(), [self.start]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(e.target for e in self.outgoing(current))
        return seen

    def to_dict(self) -> dict[str, Any]:
        """The workflow in the file format (what :func:`parse_workflow` reads back)."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "status": self.status,
        }
        if self.objective:
            data["objective"] = self.objective
        data["entry"] = {
            "triggers": [_drop_empty(vars(t)) for t in self.triggers],
            "reenrollment": _drop_empty(
                {
                    "allowed": self.reenrollment.allowed,
                    "cooldown": format_duration(self.reenrollment.cooldown)
                    if self.reenrollment.cooldown
                    else None,
                }
            ),
            "suppression": list(self.suppression),
        }
        if self.goals:
            data["goals"] = [
                _drop_empty({**vars(g), "activities": list(g.activities)}) for g in self.goals
            ]
        if self.send_window:
            data["send_window"] = {**vars(self.send_window), "days": list(self.send_window.days)}
        data["start"] = self.start
        data["nodes"] = [_node_dict(n) for n in self.nodes]
        data["edges"] = [_edge_dict(e) for e in self.edges]
        return data


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", (), [], {})}


def _node_dict(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "type": node.type}
    if node.name:
        data["name"] = node.name
    if node.type == "action":
        data["action"] = node.action
        if node.params:
            data["params"] = dict(node.params)
    if node.type == "wait":
        if node.duration is not None:
            data["duration"] = format_duration(node.duration)
        if node.until:
            data["until"] = node.until
    if node.type == "wait_for_event":
        data["event"] = node.event
        data["timeout"] = format_duration(node.timeout) if node.timeout else None
    if node.type == "decision":
        data["mode"] = node.mode
    if node.activities:
        data["activities"] = list(node.activities)
    return data


def _edge_dict(edge: Edge) -> dict[str, Any]:
    data: dict[str, Any] = {"from": edge.source, "to": edge.target}
    for key in ("condition", "weight", "exit", "label"):
        value = getattr(edge, key)
        if value not in (None, ""):
            data[key] = value
    if edge.default:
        data["default"] = True
    return data


# -- reading --------------------------------------------------------------------------------


class _Problems:
    """Collects every problem of a file, each naming where it is."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(
            f"{self.source}, {where}: {problem}" if where else f"{self.source}: {problem}"
        )

    def raise_if_any(self) -> None:
        if self.items:
            raise WorkflowError(self.items)


# what --workflow-format takes: "auto" tells the format from the content
WORKFLOW_FORMATS = ("auto", "mejora", "mautic", "hubspot", "n8n", "salesforce-flow")


def read_workflow(path: str | Path, format: str = "auto") -> Workflow:
    """Load and validate a workflow file (YAML or JSON, or a platform's own export such as a
    Mautic campaign or a HubSpot flow); every problem is reported at once.

    Example:
        >>> wf = read_workflow("onboarding.yaml")  # doctest: +SKIP
        >>> wf.node(wf.start).type                                            # doctest: +SKIP
        'action'
    """
    return read_platform_workflow(path, format)[0]


def read_platform_workflow(path: str | Path, format: str = "auto") -> tuple[Workflow, Any]:
    """A workflow file and, when it is a platform's own export, the report of how it mapped
    (None for Mejora's own YAML / JSON). ``format`` (one of ``WORKFLOW_FORMATS``) forces how it
    is read instead of telling it from the content."""
    path = Path(path)
    if format not in WORKFLOW_FORMATS:
        raise WorkflowError(
            [f"--workflow-format {format}: expected one of {', '.join(WORKFLOW_FORMATS)}"]
        )
    try:
        text = read_settings_text(path)
    except FileNotFoundError as exc:
        raise WorkflowError([f"{path}: no such file"]) from exc
    except ValueError as exc:  # a pipe, a device, an oversized file
        raise WorkflowError([str(exc)]) from exc
    from automation import _salesforce

    if format == "salesforce-flow" or (format == "auto" and _salesforce.is_salesforce_flow(path)):
        return _salesforce.salesforce_to_workflow(path)  # XML, read with the hardened parser
    try:
        data = load_text(text, path)
    except (yaml.YAMLError, ValueError) as exc:
        raise WorkflowError(
            [f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"]
        ) from exc
    platform = platform_of(data) if format == "auto" else format
    if platform in (None, "mejora"):
        return parse_workflow(data, source=str(path)), None
    try:
        return from_platform(platform, data, str(path))
    except (KeyError, TypeError, AttributeError, IndexError) as exc:  # forced, and not one
        raise WorkflowError(
            [f"{path}: cannot be read as a {platform} workflow: missing or wrong {exc}"]
        ) from exc


def _json_platforms() -> list[tuple[str, Callable[[Any], bool], Callable[..., Any]]]:
    """(name, sniff, reader) of each platform whose export is JSON, in the order they are
    tried (the readers build on this module, so they are imported when first needed)."""
    from automation import _hubspot, _mautic, _n8n_read

    return [
        (_mautic.PLATFORM, _mautic.is_mautic_campaign, _mautic.mautic_to_workflow),
        (_n8n_read.PLATFORM, _n8n_read.is_n8n_workflow, _n8n_read.n8n_to_workflow),
        (_hubspot.PLATFORM, _hubspot.is_hubspot_flow, _hubspot.hubspot_to_workflow),
    ]


def platform_of(data: Any) -> str | None:
    """The automation platform whose own workflow export ``data`` is, or None for Mejora's
    format (sniffed from the content, whatever the file is called)."""
    return next((name for name, sniff, _ in _json_platforms() if sniff(data)), None)


def from_platform(platform: str, data: Any, source: str) -> tuple[Workflow, Any]:
    """A platform's workflow export as a workflow, with its mapping report."""
    reader = next(read for name, _, read in _json_platforms() if name == platform)
    return reader(data, source)


def parse_workflow(data: Any, *, source: str = "<workflow>") -> Workflow:
    """Build a Workflow from plain data (as read from YAML / JSON), validating it."""
    problems = _Problems(source)
    if not isinstance(data, Mapping):
        problems.add("", "a workflow must be a mapping with id, name, version, nodes and edges")
        problems.raise_if_any()
    for key in ("id", "name", "version", "start", "nodes", "edges"):
        if key not in data:
            problems.add("", f"missing required field {key!r}")
    unknown = set(data) - {
        "id",
        "name",
        "version",
        "status",
        "objective",
        "entry",
        "goals",
        "send_window",
        "start",
        "nodes",
        "edges",
    }
    for key in sorted(unknown):
        problems.add("", f"unknown field {key!r}")
    problems.raise_if_any()

    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add("", f"version must be a positive integer, not {version!r}")
    status = data.get("status", "draft")
    if status not in STATUSES:
        problems.add("", f"status must be one of {', '.join(STATUSES)}, not {status!r}")

    nodes = list(_nodes(data.get("nodes"), problems))
    ids = [n.id for n in nodes]
    for node_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.add(f"node {node_id!r}", "the id is used by more than one node")
    edges = list(_edges(data.get("edges"), set(ids), problems))
    if data["start"] not in ids:
        problems.add("", f"start node {data['start']!r} is not among the nodes")
    entry = data.get("entry") or {}
    triggers = tuple(
        Trigger(
            type=str(t.get("type", "")),
            description=str(t.get("description", "")),
            condition=_text_or_none(t.get("condition")),
        )
        for t in entry.get("triggers", []) or []
        if isinstance(t, Mapping)
    )
    re_data = entry.get("reenrollment") or {}
    cooldown = _duration(re_data.get("cooldown"), "entry.reenrollment.cooldown", problems)
    goals = tuple(_goals(data.get("goals"), problems))
    window = _send_window(data.get("send_window"), problems)
    problems.raise_if_any()

    workflow = Workflow(
        id=str(data["id"]),
        name=str(data["name"]),
        version=version,
        status=status,
        objective=str(data.get("objective", "")),
        start=str(data["start"]),
        nodes=tuple(nodes),
        edges=tuple(edges),
        triggers=triggers,
        reenrollment=Reenrollment(allowed=bool(re_data.get("allowed", False)), cooldown=cooldown),
        suppression=tuple(str(s) for s in entry.get("suppression", []) or []),
        goals=goals,
        send_window=window,
        source=source,
    )
    _check_structure(workflow, problems)
    problems.raise_if_any()
    return workflow


def _duration(value: Any, where: str, problems: _Problems) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        problems.add(where, str(exc))
        return None


def _text_or_none(value: Any) -> str | None:
    """YAML may read ``404`` or ``yes`` as numbers or booleans; the format holds text."""
    return None if value is None else str(value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _nodes(raw: Any, problems: _Problems) -> Iterator[Node]:
    if not isinstance(raw, list) or not raw:
        problems.add("", "nodes must be a non-empty list")
        return
    for i, item in enumerate(raw, 1):
        if not isinstance(item, Mapping) or "id" not in item:
            problems.add(f"node #{i}", "each node needs an id")
            continue
        where = f"node {item['id']!r}"
        if not _NODE_ID.match(str(item["id"])):
            problems.add(where, "ids use letters, digits, '_', '.', '-' (no spaces)")
        kind = item.get("type")
        if kind not in NODE_TYPES:
            problems.add(where, f"type must be one of {', '.join(NODE_TYPES)}, not {kind!r}")
            continue
        all_fields = _COMMON_FIELDS.union(*NODE_FIELDS.values())
        for key in sorted(set(item) - _COMMON_FIELDS - NODE_FIELDS[kind], key=str):
            problems.add(
                where,
                f"field {key!r} does not apply to a {kind} node"
                if key in all_fields
                else f"unknown field {key!r}",
            )
        action = item.get("action")
        if kind == "action" and action not in ACTIONS:
            problems.add(where, f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        duration = _duration(item.get("duration"), where, problems)
        timeout = _duration(item.get("timeout"), where, problems)
        until = item.get("until")
        if kind == "wait" and (duration is None) == (until is None):
            problems.add(
                where, "a wait needs exactly one of 'duration' (e.g. P2D) or 'until' (HH:MM)"
            )
        if kind == "wait" and until is not None and not _CLOCK.match(str(until)):
            problems.add(where, f"'until' must be a time of day HH:MM, not {until!r}")
        if kind == "wait_for_event" and (not item.get("event") or timeout is None):
            problems.add(
                where, "a wait_for_event needs an 'event' (e.g. email_click) and a 'timeout'"
            )
        mode = item.get("mode", "exclusive")
        if kind == "decision" and mode not in DECISION_MODES:
            problems.add(where, f"mode must be one of {', '.join(DECISION_MODES)}, not {mode!r}")
        yield Node(
            id=str(item["id"]),
            type=kind,
            name=str(item.get("name", "")),
            action=action if kind == "action" else None,
            params=dict(item.get("params") or {}),
            duration=duration,
            until=str(until) if until is not None else None,
            event=_text_or_none(item.get("event")),
            timeout=timeout,
            mode=mode,
            activities=_strings(item.get("activities")),
        )


def _edges(raw: Any, ids: set[str], problems: _Problems) -> Iterator[Edge]:
    if not isinstance(raw, list):
        problems.add("", "edges must be a list")
        return
    for i, item in enumerate(raw, 1):
        if not isinstance(item, Mapping) or "from" not in item or "to" not in item:
            problems.add(f"edge #{i}", "each edge needs 'from' and 'to'")
            continue
        where = f"edge #{i} ({item['from']} -> {item['to']})"
        for key in sorted(set(item) - _EDGE_FIELDS, key=str):
            if key is not True:  # reported below with a better hint
                problems.add(where, f"unknown field {key!r}")
        for end in ("from", "to"):
            if str(item[end]) not in ids:
                problems.add(where, f"{end!r} names no node: {item[end]!r}")
        if True in item:  # YAML 1.1 reads a bare `on:` key as the boolean true
            problems.add(where, "use 'exit: event' / 'exit: timeout' (YAML reads 'on' as true)")
        exit_name = item.get("exit")
        if exit_name is not None and exit_name not in EXITS:
            problems.add(where, f"'exit' must be one of {', '.join(EXITS)}, not {exit_name!r}")
        weight = item.get("weight")
        if weight is not None and (not isinstance(weight, int | float) or not 0 <= weight <= 1):
            problems.add(where, f"weight must be a number between 0 and 1, not {weight!r}")
        yield Edge(
            source=str(item["from"]),
            target=str(item["to"]),
            condition=_text_or_none(item.get("condition")),
            default=bool(item.get("default", False)),
            weight=float(weight) if isinstance(weight, int | float) else None,
            exit=exit_name,
            label=str(item.get("label", "")),
        )


def _goals(raw: Any, problems: _Problems) -> Iterator[Goal]:
    for i, item in enumerate(raw or [], 1):
        if not isinstance(item, Mapping) or "id" not in item:
            problems.add(f"goal #{i}", "each goal needs an id")
            continue
        if not item.get("condition") and not item.get("activities"):
            problems.add(f"goal {item['id']!r}", "a goal needs a 'condition' or 'activities'")
        yield Goal(
            id=str(item["id"]),
            description=str(item.get("description", "")),
            condition=_text_or_none(item.get("condition")),
            activities=_strings(item.get("activities")),
        )


def _send_window(raw: Any, problems: _Problems) -> SendWindow | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "timezone" not in raw:
        problems.add("send_window", "needs a 'timezone' (e.g. Europe/Madrid)")
        return None
    days = tuple(str(d).lower()[:3] for d in raw.get("days", WEEKDAYS[:5]))
    for day in days:
        if day not in WEEKDAYS:
            problems.add("send_window", f"unknown day {day!r}; use {', '.join(WEEKDAYS)}")
    for key in ("start", "end"):
        if key in raw and not _CLOCK.match(str(raw[key])):
            problems.add("send_window", f"{key} must be HH:MM, not {raw[key]!r}")
    return SendWindow(
        timezone=str(raw["timezone"]),
        days=days,
        start=str(raw.get("start", "09:00")),
        end=str(raw.get("end", "18:00")),
    )


def _check_structure(workflow: Workflow, problems: _Problems) -> None:
    """Rules a workflow engine would refuse to run (smells that still run are left to lint)."""
    for node in workflow.nodes:
        where = f"node {node.id!r}"
        out = workflow.outgoing(node.id)
        if node.type == "end" and out:
            problems.add(where, "an end node cannot have outgoing edges")
        if node.type in ("action", "wait") and len(out) > 1:
            problems.add(
                where, f"a {node.type} continues along one edge, not {len(out)}; add a decision"
            )
        if node.type == "wait_for_event" and out:
            exits = sorted(e.exit or "?" for e in out)
            if exits != ["event", "timeout"]:
                problems.add(
                    where,
                    "a wait_for_event needs exactly two edges, one with exit: event and one "
                    f"with exit: timeout (found: {', '.join(exits)})",
                )
        if node.type == "decision":
            defaults = [e for e in out if e.default]
            if len(defaults) > 1:
                problems.add(where, "a decision can have only one default edge")
            if node.mode == "split":
                weights = [e.weight for e in out]
                if None in weights or abs(sum(w or 0 for w in weights) - 1) > 1e-6:
                    problems.add(where, "an A/B split needs a weight on every edge, adding up to 1")
        for edge in out:
            if node.type != "decision" and (
                edge.condition or edge.default or edge.weight is not None
            ):
                problems.add(where, "only decisions carry conditions, defaults or weights on edges")
            if node.type != "wait_for_event" and edge.exit:
                problems.add(where, "only a wait_for_event's edges carry 'exit'")
            if node.type == "decision" and node.mode == "exclusive" and edge.weight is not None:
                problems.add(where, "weights belong to A/B splits (mode: split), not to conditions")
