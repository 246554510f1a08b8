"""Export a workflow revision as an n8n workflow (the JSON the n8n editor imports and its
public API's ``POST /workflows`` accepts): ``name``, ``nodes`` (``id``, ``name``, ``type``,
``typeVersion``, ``position``, ``parameters``), ``connections`` keyed by source node name, and
``settings``. No network call is made: the admin imports the file, or a connector sends it.

Mapping: the entry is a Webhook trigger; ``send_email`` an Email (SMTP) node; other actions an
HTTP Request to the CRM (``$env.MEJORA_CRM_URL``); a ``wait`` a Wait node (time interval or
specific time); a ``wait_for_event`` a Wait node resumed by webhook with a time limit, followed by
an IF node telling the event from the timeout; a decision an IF node (one condition and a
default) or a Switch node in expression mode (more branches, A/B splits); an end a No Operation
node. What n8n has no node for (goals, suppression, re-enrolment, send window) goes into a
sticky note. Node ids are UUIDs derived from the workflow and node ids, so exports are stable.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from automation._conditions import _normalise, compile_condition
from automation._workflow import Node, Workflow

NAMESPACE = uuid.UUID("6d2f4b1e-8f3a-5c7d-9e0b-1a2b3c4d5e6f")
TYPES = {
    "trigger": ("n8n-nodes-base.webhook", 2),
    "email": ("n8n-nodes-base.emailSend", 2.1),
    "http": ("n8n-nodes-base.httpRequest", 4.2),
    "wait": ("n8n-nodes-base.wait", 1.1),
    "if": ("n8n-nodes-base.if", 2),
    "switch": ("n8n-nodes-base.switch", 3),
    "end": ("n8n-nodes-base.noOp", 1),
    "note": ("n8n-nodes-base.stickyNote", 1),
}
_UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))
_TYPE = re.compile(r"^(@[\w.-]+/)?[\w.-]+\.\w+$")
_JS_COMPARE = {
    ast.Eq: "===",
    ast.NotEq: "!==",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_JS_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}


def condition_to_js(text: str) -> str:
    """A workflow condition as an n8n (JavaScript) expression over ``$json``.

    Example:
        >>> condition_to_js("fit in ('A', 'B') and moment <= 2")
        '(["A", "B"].includes($json.fit) && $json.moment <= 2)'
    """
    compile_condition(text)  # checked: only whitelisted syntax reaches the translation
    return _js(ast.parse(_normalise(text.strip()), mode="eval").body)


def _js(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return json.dumps(node.value)
    if isinstance(node, ast.Name):
        return f"$json.{node.id}"
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return "[" + ", ".join(_js(e) for e in node.elts) + "]"
    if isinstance(node, ast.BoolOp):
        joiner = " && " if isinstance(node.op, ast.And) else " || "
        return "(" + joiner.join(_js(v) for v in node.values) + ")"
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return f"!({_js(node.operand)})"
        return f"{'-' if isinstance(node.op, ast.USub) else '+'}({_js(node.operand)})"
    if isinstance(node, ast.BinOp):
        left, right = _js(node.left), _js(node.right)
        if isinstance(node.op, ast.FloorDiv):
            return f"Math.floor({left} / {right})"
        return f"({left} {_JS_ARITHMETIC[type(node.op)]} {right})"
    if isinstance(node, ast.Compare):
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                test = f"{_js(right)}.includes({_js(left)})"
                parts.append(test if isinstance(op, ast.In) else f"!{test}")
            else:
                parts.append(f"{_js(left)} {_JS_COMPARE[type(op)]} {_js(right)}")
            left = right
        return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"
    raise ValueError(f"cannot translate {type(node).__name__} to an n8n expression")


def _amount(seconds: float) -> tuple[int | float, str]:
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return int(seconds // size), unit
    return seconds, "seconds"


class _Builder:
    """Collects n8n nodes and connections for one workflow."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.nodes: list[dict[str, Any]] = []
        self.names: dict[str, str] = {}  # our node id -> n8n name of its entry node
        self.exits: dict[str, str] = {}  # our node id -> n8n name its edges leave from
        self.connections: dict[str, dict[str, list[list[dict[str, Any]]]]] = {}
        self.used: set[str] = set()

    def uid(self, key: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.workflow.id}/{key}"))

    def name(self, wanted: str, key: str) -> str:
        name = wanted.strip() or key
        if name in self.used:
            name = f"{name} ({key})"
        self.used.add(name)
        return name

    def add(
        self, key: str, title: str, kind: str, parameters: dict, notes: str = "", **extra: Any
    ) -> str:
        node_type, version = TYPES[kind]
        name = self.name(title, key)
        node: dict[str, Any] = {
            "id": self.uid(key),
            "name": name,
            "type": node_type,
            "typeVersion": version,
            "position": [0, 0],
            "parameters": parameters,
        }
        if notes:
            node["notes"] = notes
        node.update(extra)
        self.nodes.append(node)
        return name

    def connect(self, source: str, output: int, target: str) -> None:
        outputs = self.connections.setdefault(source, {"main": []})["main"]
        while len(outputs) <= output:
            outputs.append([])
        outputs[output].append({"node": target, "type": "main", "index": 0})


def _condition_parameters(expression: str, key: str, builder: _Builder) -> dict[str, Any]:
    return {
        "conditions": {
            "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "loose"},
            "conditions": [
                {
                    "id": builder.uid(f"{key}/condition"),
                    "leftValue": "={{ " + expression + " }}",
                    "rightValue": True,
                    "operator": {"type": "boolean", "operation": "true", "singleValue": True},
                }
            ],
            "combinator": "and",
        },
        "options": {},
    }


def _action(node: Node, builder: _Builder) -> str:
    params = dict(node.params)
    raw = params.get("n8n")
    if isinstance(raw, Mapping) and raw.get("type"):  # read from n8n: written back as it was
        name = builder.name(node.label, node.id)
        builder.nodes.append(
            {
                "id": builder.uid(node.id),
                "name": name,
                "type": raw["type"],
                "typeVersion": raw.get("typeVersion", 1),
                "position": [0, 0],
                "parameters": dict(raw.get("parameters") or {}),
                "notes": f"mejora node {node.id}",
            }
        )
        return name
    if node.action == "send_email":
        email = str(params.pop("email", node.id))
        return builder.add(
            node.id,
            node.label,
            "email",
            {
                "fromEmail": "={{ $env.MEJORA_FROM_EMAIL }}",
                "toEmail": "={{ $json.email }}",
                "subject": node.label,
                "emailFormat": "text",
                "text": f"Email template: {email}",
                "options": {},
            },
            notes=f"mejora node {node.id}; email {email}",
        )
    body = {"action": node.action, "node": node.id, "contact_id": "{{ $json.contact_id }}"}
    body.update({k: v for k, v in params.items()})
    return builder.add(
        node.id,
        node.label,
        "http",
        {
            "method": "POST",
            "url": "={{ $env.MEJORA_CRM_URL }}/actions/" + str(node.action),
            "sendBody": True,
            "specifyBody": "json",
            "jsonBody": "=" + json.dumps(body, ensure_ascii=False),
            "options": {},
        },
        notes=f"mejora node {node.id}",
    )


def _wait(node: Node, builder: _Builder, timezone: str) -> str:
    if node.duration is not None:
        amount, unit = _amount(node.duration.total_seconds())
        parameters: dict[str, Any] = {"resume": "timeInterval", "amount": amount, "unit": unit}
    else:
        hour, minute = (int(x) for x in (node.until or "00:00").split(":"))
        now = f"$now.setZone('{timezone}')"
        later = f"({now}.hour * 60 + {now}.minute >= {hour * 60 + minute} ? 1 : 0)"
        parameters = {
            "resume": "specificTime",
            "dateTime": "={{ "
            + f"{now}.plus({{ days: {later} }}).set({{ hour: {hour}, minute: {minute}, "
            + "second: 0 }).toISO() }}",
        }
    return builder.add(
        node.id,
        node.label,
        "wait",
        parameters,
        notes=f"mejora node {node.id}",
        webhookId=builder.uid(node.id),
    )


def workflow_to_n8n(
    workflow: Workflow, *, revision: int | None = None, active: bool = False
) -> dict[str, Any]:
    """The workflow as n8n workflow JSON (a dict), validated by :func:`validate_n8n`.

    Example:
        >>> data = workflow_to_n8n(store.load("onboarding", 2), revision=2)  # doctest: +SKIP
        >>> [n["type"] for n in data["nodes"]][:2]                                 # doctest: +SKIP
        ['n8n-nodes-base.webhook', 'n8n-nodes-base.emailSend']
    """
    wf = workflow
    b = _Builder(wf)
    timezone = wf.send_window.timezone if wf.send_window else "UTC"
    triggers = "; ".join(t.description or t.type for t in wf.triggers) or "enrolment"
    trigger = b.add(
        "__trigger",
        "Enrolment",
        "trigger",
        {"httpMethod": "POST", "path": f"mejora/{wf.id}/enrol", "options": {}},
        notes=f"Entry: {triggers}",
        webhookId=b.uid("__trigger/webhook"),
    )
    for node in wf.nodes:
        if node.type == "action":
            b.names[node.id] = b.exits[node.id] = _action(node, b)
        elif node.type == "wait":
            b.names[node.id] = b.exits[node.id] = _wait(node, b, timezone)
        elif node.type == "wait_for_event":
            amount, unit = _amount(node.timeout.total_seconds() if node.timeout else 0)
            name = b.add(
                node.id,
                node.label,
                "wait",
                {
                    "resume": "webhook",
                    "httpMethod": "POST",
                    "limitWaitTime": True,
                    "limitType": "afterTimeInterval",
                    "resumeAmount": amount,
                    "resumeUnit": unit,
                    "options": {"webhookSuffix": str(node.event)},
                },
                notes=f"mejora node {node.id}: resumed by the {node.event} webhook, or the timeout",
                webhookId=b.uid(node.id),
            )
            check = b.add(
                f"{node.id}/received",
                f"{node.label} (received?)",
                "if",
                _condition_parameters(
                    f"$json.body !== undefined && $json.body.event === '{node.event}'",
                    node.id,
                    b,
                ),
            )
            b.connect(name, 0, check)
            b.names[node.id], b.exits[node.id] = name, check
        elif node.type == "decision":
            out = wf.outgoing(node.id)
            conditional = [e for e in out if e.condition and not e.default]
            if node.mode == "exclusive" and len(out) == 2 and len(conditional) == 1:
                params = _condition_parameters(
                    condition_to_js(conditional[0].condition), node.id, b
                )
                name = b.add(node.id, node.label, "if", params, notes=f"mejora node {node.id}")
            else:
                name = b.add(
                    node.id,
                    node.label,
                    "switch",
                    {
                        "mode": "expression",
                        "numberOutputs": len(out),
                        "output": "={{ " + _switch_expression(wf, node.id) + " }}",
                        "options": {},
                    },
                    notes=f"mejora node {node.id}",
                )
            b.names[node.id] = b.exits[node.id] = name
        else:
            b.names[node.id] = b.exits[node.id] = b.add(
                node.id, node.label, "end", {}, notes=f"mejora node {node.id}"
            )
    b.connect(trigger, 0, b.names[wf.start])
    for node in wf.nodes:
        out = wf.outgoing(node.id)
        if node.type == "wait_for_event":
            for edge in out:
                b.connect(b.exits[node.id], 0 if edge.exit == "event" else 1, b.names[edge.target])
        elif node.type == "decision" and TYPES["if"][0] == _type_of(b, node.id):
            for edge in out:
                b.connect(b.exits[node.id], 1 if edge.default else 0, b.names[edge.target])
        else:
            for index, edge in enumerate(out):
                b.connect(
                    b.exits[node.id], index if node.type == "decision" else 0, b.names[edge.target]
                )
    b.add("__note", "Design notes", "note", {"content": _notes(wf), "height": 260, "width": 420})
    _layout(b, trigger)
    data = {
        "name": wf.name,
        "nodes": b.nodes,
        "connections": b.connections,
        "active": bool(active),
        "settings": {"executionOrder": "v1", "timezone": timezone},
        "versionId": str(uuid.uuid5(NAMESPACE, f"{wf.id}/revision/{revision}/v{wf.version}")),
        "pinData": {},
        "meta": {"mejora": {"workflow_id": wf.id, "revision": revision, "version": wf.version}},
        "tags": [],
    }
    problems = validate_n8n(data)
    if problems:  # a bug in the mapping, never the user's input
        raise AssertionError("invalid n8n export: " + "; ".join(problems))
    return data


def _type_of(builder: _Builder, node_id: str) -> str:
    name = builder.exits[node_id]
    return next(n["type"] for n in builder.nodes if n["name"] == name)


def _switch_expression(workflow: Workflow, node_id: str) -> str:
    """The output index of a Switch in expression mode: conditions in order, then the
    default; an A/B split draws one random number against the cumulative weights."""
    node, out = workflow.node(node_id), workflow.outgoing(node_id)
    if node.mode == "split":
        text, total = "", 0.0
        for index, edge in enumerate(out[:-1]):
            total += edge.weight or 0.0
            text += f"r < {round(total, 6)} ? {index} : "
        return f"(r => {text}{len(out) - 1})(Math.random())"
    default = next((i for i, e in enumerate(out) if e.default), len(out) - 1)
    text = ""
    for index, edge in enumerate(out):
        if edge.condition and not edge.default:
            text += f"{condition_to_js(edge.condition)} ? {index} : "
    return f"{text}{default}"


def _notes(wf: Workflow) -> str:
    lines = [f"## {wf.name}", f"Mejora workflow {wf.id}, version {wf.version}"]
    if wf.objective:
        lines.append(f"Objective: {wf.objective}")
    for goal in wf.goals:
        what = goal.condition or ", ".join(goal.activities)
        lines.append(f"Goal {goal.id}: {what} (exit the contact when reached)")
    if wf.suppression:
        lines.append("Suppression: " + ", ".join(wf.suppression))
    again = wf.reenrollment
    lines.append(
        "Re-enrolment: "
        + ("allowed" if again.allowed else "not allowed")
        + (f", cool-down {again.cooldown}" if again.cooldown else "")
    )
    if wf.send_window:
        w = wf.send_window
        lines.append(f"Send window: {', '.join(w.days)} {w.start}-{w.end} {w.timezone}")
    return "\n".join(lines)


def _layout(builder: _Builder, trigger: str) -> None:
    """Columns by distance from the trigger, rows in order of appearance."""
    depth = {trigger: 0}
    todo = [trigger]
    while todo:
        current = todo.pop(0)
        for outputs in builder.connections.get(current, {}).get("main", []):
            for link in outputs:
                if link["node"] not in depth:
                    depth[link["node"]] = depth[current] + 1
                    todo.append(link["node"])
    rows: dict[int, int] = {}
    last = max(depth.values(), default=0) + 1
    for node in builder.nodes:
        column = depth.get(node["name"], last)
        row = rows.get(column, 0)
        rows[column] = row + 1
        node["position"] = [240 + column * 240, 300 + row * 180]


def validate_n8n(data: Any) -> list[str]:
    """Problems with an n8n workflow's shape (empty when it is valid): the documented required
    fields and their types, unique node names, connections between existing nodes, at most two
    outputs on an IF node, and a trigger.

    Example:
        >>> validate_n8n({"name": "x", "nodes": [], "connections": {}})
        ['the workflow has no trigger node']
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return ["an n8n workflow is a JSON object"]
    if not isinstance(data.get("name"), str) or not data.get("name"):
        problems.append("'name' must be a non-empty string")
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        return [*problems, "'nodes' must be a list"]
    connections = data.get("connections")
    if not isinstance(connections, Mapping):
        problems.append("'connections' must be an object keyed by node name")
        connections = {}
    if "active" in data and not isinstance(data["active"], bool):
        problems.append("'active' must be true or false")
    names, types = [], {}
    for i, node in enumerate(nodes):
        where = f"node #{i + 1}"
        if not isinstance(node, Mapping):
            problems.append(f"{where} must be an object")
            continue
        for key, kind in (("id", str), ("name", str), ("type", str), ("parameters", Mapping)):
            if not isinstance(node.get(key), kind):
                problems.append(f"{where}: '{key}' is missing or not a {kind.__name__}")
        version = node.get("typeVersion")
        if isinstance(version, bool) or not isinstance(version, int | float) or version <= 0:
            problems.append(f"{where}: 'typeVersion' must be a positive number")
        position = node.get("position")
        if not (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
        ):
            problems.append(f"{where}: 'position' must be [x, y]")
        if isinstance(node.get("type"), str) and not _TYPE.match(node["type"]):
            problems.append(f"{where}: type {node['type']!r} is not a package.node name")
        names.append(node.get("name"))
        types[node.get("name")] = node.get("type")
    for name in sorted({n for n in names if names.count(n) > 1}, key=str):
        problems.append(f"node name {name!r} is used twice (n8n names must be unique)")
    known = set(names)
    for source, outputs in connections.items():
        if source not in known:
            problems.append(f"connections: source {source!r} is not a node")
        main = outputs.get("main") if isinstance(outputs, Mapping) else None
        if not isinstance(main, list):
            problems.append(f"connections of {source!r} need a 'main' list of outputs")
            continue
        if types.get(source) == TYPES["if"][0] and len(main) > 2:
            problems.append(f"IF node {source!r} has {len(main)} outputs (true and false only)")
        for output in main:
            if not isinstance(output, list):
                problems.append(f"connections of {source!r}: each output is a list")
                continue
            for link in output:
                ok = (
                    isinstance(link, Mapping)
                    and link.get("node") in known
                    and link.get("type") == "main"
                    and isinstance(link.get("index"), int)
                    and link["index"] >= 0
                )
                if not ok:
                    problems.append(f"connections of {source!r}: bad link {link!r}")
    if not any(str(t).endswith(("Trigger", ".webhook")) for t in types.values()):
        problems.append("the workflow has no trigger node")
    return problems


def write_n8n(
    workflow: Workflow, path: str | Path, *, revision: int | None = None, active: bool = False
) -> Path:
    """Write :func:`workflow_to_n8n` to a ``.json`` file; returns the path.

    Example:
        >>> write_n8n(store.load("w", 2), "w.n8n.json", revision=2)  # doctest: +SKIP
    """
    path = Path(path)
    data = workflow_to_n8n(workflow, revision=revision, active=active)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
