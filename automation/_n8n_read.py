"""n8n workflows (the editor's JSON export, or ``GET /api/v1/workflows/{id}``) read as workflows,
with a mapping report.

Nodes are joined by ``connections`` keyed by the source node's name, one list of links per
output. A trigger (``...Trigger``, ``webhook``, ``start``) is the entry; a Wait node is a
``wait`` (``resume: timeInterval``: ``amount`` and ``unit``; ``specificTime``: a time of day
when its expression sets one, else reported) or, resumed by a webhook or a form with a time
limit, a ``wait_for_event`` (when an IF on the webhook's ``$json.body`` follows, its true output
is the event exit and its false output the timeout, as Mejora's own export writes it); an IF is
a decision whose true output carries the condition; a Switch a decision with one edge per
output; email, chat and CRM nodes are actions of their kind, every other node a generic action
that keeps its n8n type and parameters (so it is written back as it was); No Operation and Merge
nodes pass their path on (an end when nothing follows); sticky notes are not steps. A node that
Mejora exported keeps its Mejora id (``mejora node <id>`` in its notes); others are named after
their n8n name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from automation._conditions import compile_condition
from automation._platform_mapping import EndNode, MappingReport
from automation._workflow import Workflow, format_duration, parse_workflow
from automation.exceptions import WorkflowError

PLATFORM = "n8n"
UNBOUNDED_WAIT = timedelta(days=30)
_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
_EMAIL = {"emailSend", "gmail", "microsoftOutlook", "sendGrid", "mailgun", "mailjet", "awsSes",
          "sendInBlue", "brevo", "mailchimp", "mandrill", "postmark", "sendy"}  # fmt: skip
_CHAT = {"slack", "telegram", "microsoftTeams", "discord", "mattermost", "rocketchat"}
_CRM = {"hubspot", "salesforce", "pipedrive", "zohoCrm", "mautic", "activeCampaign", "copper",
        "freshworksCrm", "keap", "agileCrm", "highLevel", "airtable", "baserow"}  # fmt: skip
_PASS = {"noOp", "merge"}
_MEJORA_ID = re.compile(r"^mejora node ([A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_JS = [  # JavaScript (as Mejora's export and simple n8n expressions write it) -> a condition
    (re.compile(r"\[([^\[\]]*)\]\.includes\(([^()]*)\)"), r"\2 in (\1,)"),
    (re.compile(r"\$json\.([A-Za-z_][A-Za-z0-9_]*)"), r"\1"),
    (re.compile(r"===?"), "=="),
    (re.compile(r"!=="), "!="),
    (re.compile(r"&&"), " and "),
    (re.compile(r"\|\|"), " or "),
    (re.compile(r"!\("), "not ("),
]
_STRING_OPS = {"equals": "==", "notEquals": "!=", "equal": "==", "notEqual": "!="}
_NUMBER_OPS = {"equals": "==", "notEquals": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def is_n8n_workflow(data: Any) -> bool:
    """Whether plain data read from JSON is an n8n workflow (its nodes carry n8n node types)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("nodes"), list):
        return False
    return isinstance(data.get("connections"), Mapping) and any(
        isinstance(n, Mapping) and "n8n-nodes-" in str(n.get("type", "")) for n in data["nodes"]
    )


def _kind(node: Mapping[str, Any]) -> str:
    return str(node.get("type", "")).rsplit(".", 1)[-1]


def _expression(text: Any) -> str | None:
    """The JavaScript inside ``={{ ... }}`` (None for a plain value)."""
    match = re.fullmatch(r"\s*=?\{\{\s*(.*?)\s*\}\}\s*", str(text), re.S)
    return match.group(1) if match else None


def js_to_condition(text: str) -> str | None:
    """A simple n8n (JavaScript) expression as a workflow condition, or None when it is more
    than comparisons, ``&&``, ``||``, ``!`` and ``[...].includes(...)`` over ``$json``."""
    out = text.strip()
    for pattern, replacement in _JS:
        out = pattern.sub(replacement, out)
    out = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", out))
    out = re.sub(r"\s+", " ", out).strip()
    try:
        compile_condition(out)
    except ValueError:
        return None
    return out


def _value(text: Any) -> str:
    if isinstance(text, bool):
        return "True" if text else "False"
    if isinstance(text, int | float):
        return f"{text:g}"
    return repr(str(text))


def _if_condition(parameters: Mapping[str, Any]) -> str | None:
    """The condition of an IF node (v2 ``conditions`` with a combinator), or None."""
    block = parameters.get("conditions") or {}
    items = block.get("conditions") if isinstance(block, Mapping) else None
    if not isinstance(items, list) or not items:
        return None
    parts = []
    for item in items:
        left = _expression(item.get("leftValue", ""))
        operator = item.get("operator") or {}
        kind, operation = operator.get("type"), operator.get("operation")
        if left is None:
            return None
        field = js_to_condition(left)
        if field is None:
            return None
        if kind == "boolean" and operation in ("true", "false"):
            parts.append(field if operation == "true" else f"not ({field})")
            continue
        symbol = (_NUMBER_OPS if kind == "number" else _STRING_OPS).get(str(operation))
        if symbol is None or kind not in ("string", "number"):
            return None
        right = item.get("rightValue")
        parts.append(f"{field} {symbol} {_value(right)}")
    joiner = " or " if str(block.get("combinator", "and")) == "or" else " and "
    return joiner.join(f"({p})" if " or " in p and joiner == " and " else p for p in parts)


def _switch_conditions(parameters: Mapping[str, Any], outputs: int) -> list[str | None]:
    """One condition per output of a Switch: rules (v3) or the expression Mejora writes."""
    rules = (parameters.get("rules") or {}).get("values")
    if isinstance(rules, list):
        return [_if_condition(rule) for rule in rules] + [None] * max(0, outputs - len(rules))
    expression = _expression(parameters.get("output", "")) or ""
    found: list[str | None] = [None] * outputs
    for test, index in re.findall(r"(.+?) \? (\d+) : ", expression):
        if int(index) < outputs:
            found[int(index)] = js_to_condition(test)
    return found


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "node"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}_{n}", n + 1
    taken.add(out)
    return out


def _duration(amount: Any, unit: Any) -> timedelta:
    try:
        return timedelta(seconds=float(amount) * _SECONDS.get(str(unit or "hours"), 3600))
    except (TypeError, ValueError):
        return timedelta(0)


def n8n_to_workflow(data: Any, source: str = "<n8n>") -> tuple[Workflow, MappingReport]:
    """An n8n workflow (plain data from its JSON) as a validated workflow, and the report of how
    every node and connection mapped."""
    report = MappingReport(PLATFORM, source, title="n8n")
    nodes = {str(n.get("name")): n for n in data["nodes"] if isinstance(n, Mapping)}
    links: dict[str, list[list[str]]] = {}
    for source_name, outputs in (data.get("connections") or {}).items():
        main = outputs.get("main") if isinstance(outputs, Mapping) else None
        links[str(source_name)] = [
            [str(link.get("node")) for link in output or [] if isinstance(link, Mapping)]
            for output in main or []
        ]
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name, node in nodes.items():
        found = _MEJORA_ID.match(str(node.get("notes", "")))
        if found and found.group(1) not in taken:
            ids[name] = found.group(1)
            taken.add(found.group(1))
    for name in nodes:
        if name not in ids:
            ids[name] = _slug(name, taken)
    triggers = [
        name for name, node in nodes.items()
        if _kind(node).endswith("Trigger") or _kind(node) in ("webhook", "start")
    ]  # fmt: skip
    if not triggers:
        raise WorkflowError([f"{source}: the n8n workflow has no trigger node"])
    absorbed: set[str] = set()
    out_nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    end = EndNode(_slug("end", taken), "Done")

    def outputs(name: str) -> list[list[str]]:
        return links.get(name, [])

    def first(name: str, index: int = 0) -> str | None:
        outs = outputs(name)
        return outs[index][0] if len(outs) > index and outs[index] else None

    def entry(target: str | None, seen: frozenset[str] = frozenset()) -> str:
        """The node id a link to ``target`` reaches (past pass-through nodes)."""
        if target is None or target not in nodes or target in seen:
            return end.reach()
        if _kind(nodes[target]) in _PASS and first(target) is not None:
            return entry(first(target), seen | {target})
        return ids[target]

    for name, node in nodes.items():
        kind, params, nid = _kind(node), node.get("parameters") or {}, ids[name]
        if name in triggers or kind == "stickyNote" or name in absorbed:
            continue
        if kind in _PASS:
            if first(name) is None:
                out_nodes.append({"id": nid, "type": "end", "name": name})
            continue
        many = [o for o in outputs(name) if len(o) > 1]
        if many:
            report.unmapped.append(
                f"node {name!r} sends one output to several nodes at once (they run in "
                "parallel in n8n): only the first is followed"
            )
        if kind == "wait":
            resume = str(params.get("resume", "timeInterval"))
            if resume in ("webhook", "form"):
                limit_type = params.get("limitType", "afterTimeInterval")
                limited = bool(params.get("limitWaitTime")) and limit_type == "afterTimeInterval"
                timeout = (
                    _duration(params.get("resumeAmount", 1), params.get("resumeUnit", "hours"))
                    if limited
                    else UNBOUNDED_WAIT
                )
                if not limited:
                    report.unmapped.append(
                        f"wait {name!r} waits for its {resume} with no time limit: taken as "
                        f"{format_duration(timeout)}"
                    )
                event = str((params.get("options") or {}).get("webhookSuffix") or f"{resume}_call")
                check = first(name)
                on_event = on_timeout = check
                if (
                    check in nodes
                    and _kind(nodes[check]) == "if"
                    and "$json.body" in str(nodes[check].get("parameters"))
                ):
                    absorbed.add(check)
                    on_event, on_timeout = first(check, 0), first(check, 1)
                out_nodes.append({"id": nid, "type": "wait_for_event", "name": name,
                                  "event": event, "timeout": format_duration(timeout),
                                  "activities": [name]})  # fmt: skip
                edges.append({"from": nid, "to": entry(on_event), "exit": "event"})
                edges.append({"from": nid, "to": entry(on_timeout), "exit": "timeout"})
                report.mapped.append(f"wait {name!r} ({resume}) -> wait_for_event {event!r}")
                continue
            wait: dict[str, Any] = {"id": nid, "type": "wait", "name": name}
            if resume == "specificTime":
                clock = re.search(r"hour: (\d+), minute: (\d+)", str(params.get("dateTime", "")))
                if clock:
                    wait["until"] = f"{int(clock.group(1)):02d}:{int(clock.group(2)):02d}"
                else:
                    wait["duration"] = "PT0S"
                    report.unmapped.append(
                        f"wait {name!r} waits until a fixed moment: taken as no wait"
                    )
            else:
                took = _duration(params.get("amount", 1), params.get("unit", "hours"))
                wait["duration"] = format_duration(took)
            out_nodes.append(wait)
            edges.append({"from": nid, "to": entry(first(name))})
            report.mapped.append(f"wait {name!r} -> wait")
        elif kind in ("if", "switch"):
            if kind == "if":  # output 0: the condition holds; output 1: it does not
                conditions = [_if_condition(params), None]
            else:
                conditions = _switch_conditions(params, len(outputs(name)))
            out_nodes.append({"id": nid, "type": "decision", "name": name})
            for index, condition in enumerate(conditions):
                target = entry(first(name, index))
                if index == len(conditions) - 1 and (kind == "if" or condition is None):
                    edges.append({"from": nid, "to": target, "default": True})
                    continue
                if condition is None:
                    condition = f"n8n_{nid}_output_{index}"
                    report.unmapped.append(
                        f"{kind} {name!r}, output {index}: its test is not a simple comparison; "
                        f"the edge carries the attribute {condition!r} instead"
                    )
                edges.append({"from": nid, "to": target, "condition": condition})
            report.mapped.append(f"{kind} {name!r} -> decision")
        else:
            action = _action_of(kind, node, report)
            raw = {k: node[k] for k in ("type", "typeVersion", "parameters") if k in node}
            out_nodes.append({"id": nid, "type": "action", "action": action, "name": name,
                              "params": {"n8n": raw}, "activities": [name]})  # fmt: skip
            edges.append({"from": nid, "to": entry(first(name))})
            report.mapped.append(f"{kind} {name!r} -> {action}")
    starts = {entry(first(t)) for t in triggers}
    if len(starts) > 1:
        report.unmapped.append(
            f"{len(triggers)} triggers start different paths; the first trigger's is the start"
        )
    out_nodes += end.nodes()
    meta = (data.get("meta") or {}).get("mejora") or {}
    timezone = (data.get("settings") or {}).get("timezone")
    plain: dict[str, Any] = {
        "id": str(meta.get("workflow_id") or f"n8n-{_slug(str(data.get('name', 'flow')), set())}"),
        "name": str(data.get("name") or "n8n workflow"),
        "version": int(meta.get("version") or 1),
        "status": "active" if data.get("active") else "draft",
        "entry": {
            "triggers": [
                {"type": _kind(nodes[t]), "description": str(nodes[t].get("notes") or t)}
                for t in triggers
            ]
        },
        "start": entry(first(triggers[0])),
        "nodes": out_nodes,
        "edges": edges,
    }
    if timezone:
        report.mapped.append(f"time zone {timezone} (the workflow's setting)")
    return parse_workflow(plain, source=source), report


def _action_of(kind: str, node: Mapping[str, Any], report: MappingReport) -> str:
    """The Mejora action an n8n node does, by its kind (an HTTP request Mejora wrote says it)."""
    if kind in _EMAIL:
        return "send_email"
    if kind in _CHAT:
        return "notify_sales"
    if kind in _CRM:
        return "set_property"
    if kind == "httpRequest":
        body = str((node.get("parameters") or {}).get("jsonBody", ""))
        said = re.search(r'"action": "([a-z_]+)"', body)
        return said.group(1) if said and said.group(1) in _KNOWN else "webhook"
    report.unmapped.append(
        f"node {node.get('name')!r} ({node.get('type')}) has no Mejora equivalent: a generic "
        "action, written back as it was"
    )
    return "webhook"


_KNOWN = {"send_email", "set_property", "add_to_list", "create_task", "notify_sales", "webhook"}
