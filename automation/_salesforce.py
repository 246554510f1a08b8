"""Salesforce flows (``.flow-meta.xml`` metadata, as ``sf project retrieve start -m Flow:Name``
writes it) read as workflows and written back, with a mapping report.

The file is parsed with the same hardened settings as XES (no DTD, no entities). Elements join
by ``connector`` / ``defaultConnector`` / rule connectors naming another element's ``name``,
which becomes the node id. ``decisions`` are decisions (each rule's conditions, with its
``conditionLogic``, become the condition of its edge: ``$Record.StageName`` equal to ``'Closed
Won'`` reads ``StageName = 'Closed Won'``; the default connector is the default edge); a ``waits``
element with one alarm is a ``wait`` of its offset; the start's scheduled paths run beside the
immediate path, so they are an even split, each path a ``wait`` of its offset before its first
element. Actions (``actionCalls``: ``emailSimple`` / ``emailAlert`` are emails, ``chatterPost``
and ``customNotificationAction`` notifications), record updates and creates, assignments,
lookups, screens and subflows are actions that keep their own XML, so they are written back as
they were. A loop is a decision between its body and what follows it (reported). The element's
label is its activity label.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from automation._platform_mapping import EndNode, MappingReport, even_weights, unique_end_id
from automation._workflow import Workflow, format_duration, parse_workflow
from automation.exceptions import WorkflowError
from mining import safe_xml
from mining.exceptions import EventLogError

PLATFORM = "salesforce-flow"
TITLE = "Salesforce"
NS = "http://soap.sforce.com/2006/04/metadata"
_ACTION_TAGS = {
    "actionCalls": None,  # by actionType
    "recordUpdates": "set_property",
    "recordCreates": "set_property",
    "recordDeletes": "set_property",
    "recordLookups": "set_property",
    "assignments": "set_property",
    "screens": "create_task",
    "subflows": "webhook",
}
_ACTION_TYPES = {
    "emailSimple": "send_email",
    "emailAlert": "send_email",
    "chatterPost": "notify_sales",
    "customNotificationAction": "notify_sales",
    "submit": "create_task",
}
_OPERATORS = {
    "EqualTo": "=",
    "NotEqualTo": "!=",
    "GreaterThan": ">",
    "GreaterThanOrEqualTo": ">=",
    "LessThan": "<",
    "LessThanOrEqualTo": "<=",
}
_SYMBOLS = {v: k for k, v in _OPERATORS.items()}
_SECONDS = {"Minutes": 60, "Hours": 3600, "Days": 86400, "Weeks": 604800}
_SIMPLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=|!=|>=|<=|>|<)\s*(.+?)\s*$")
_CONNECTORS = ("connector", "defaultConnector", "nextValueConnector", "noMoreValuesConnector")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _children(element: Any, tag: str) -> Iterator[Any]:
    return (c for c in element if safe_xml.localname(c.tag) == tag)


def _text(element: Any, tag: str) -> str | None:
    child = next(_children(element, tag), None)
    return child.text.strip() if child is not None and child.text else None


def _target(element: Any, tag: str = "connector") -> str | None:
    connector = next(_children(element, tag), None)
    return _text(connector, "targetReference") if connector is not None else None


def is_salesforce_flow(path: Path) -> bool:
    """Whether a file is a Salesforce flow's metadata (by its name, or a ``<Flow>`` root)."""
    name = path.name.lower()
    if name.endswith((".flow-meta.xml", ".flow")):
        return True
    if path.suffix.lower() != ".xml":
        return False
    with open(path, "rb") as handle:
        return b"<Flow" in handle.read(4096)


def _value(element: Any) -> str | None:
    """A ``rightValue`` as condition text."""
    if element is None:
        return None
    for tag in ("stringValue", "numberValue", "booleanValue", "elementReference"):
        text = _text(element, tag)
        if text is None:
            continue
        if tag == "stringValue":
            return repr(text)
        if tag == "booleanValue":
            return "True" if text.lower() == "true" else "False"
        if tag == "elementReference":
            return text.removeprefix("$Record.").replace(".", "_")
        return text
    return None


def _rule_condition(rule: Any) -> str | None:
    """A decision rule's conditions and logic as one condition, or None when it holds an
    operator or logic that does not translate."""
    parts = []
    for condition in _children(rule, "conditions"):
        left = (_text(condition, "leftValueReference") or "").removeprefix("$Record.")
        symbol = _OPERATORS.get(_text(condition, "operator") or "")
        right = _value(next(_children(condition, "rightValue"), None))
        if not left or symbol is None or right is None:
            return None
        parts.append(f"{left.replace('.', '_')} {symbol} {right}")
    if not parts:
        return None
    logic = (_text(rule, "conditionLogic") or "and").lower()
    if logic in ("and", "or"):
        return f" {logic} ".join(parts)
    text = re.sub(r"\d+", lambda m: f"({parts[int(m.group()) - 1]})", logic)  # '1 AND (2 OR 3)'
    if any(int(n) > len(parts) for n in re.findall(r"\d+", logic)):
        return None
    return text


def _alarm(wait: Any) -> tuple[timedelta | None, str | None]:
    """The offset of a wait element's first alarm event, and its next element."""
    event = next(_children(wait, "waitEvents"), None)
    if event is None:
        return None, _target(wait, "defaultConnector")
    offsets = {
        _text(p, "name"): _text(next(_children(p, "value"), p), "numberValue")
        or _text(next(_children(p, "value"), p), "stringValue")
        for p in _children(event, "inputParameters")
    }
    try:
        amount = float(offsets.get("TimeOffset") or 0)
    except ValueError:
        amount = 0.0
    unit = _SECONDS.get(str(offsets.get("TimeOffsetUnit") or "Days"), 86400)
    return timedelta(seconds=amount * unit), _target(event)


def salesforce_to_workflow(path: str | Path) -> tuple[Workflow, MappingReport]:
    """A Salesforce flow file as a validated workflow, and the report of how it mapped."""
    path = Path(path)
    report = MappingReport(PLATFORM, str(path), title=TITLE)
    try:
        root = safe_xml.parse(path).getroot()
    except EventLogError as exc:
        raise WorkflowError([str(exc)]) from exc
    if safe_xml.localname(root.tag) != "Flow":
        raise WorkflowError([f"{path}: not a Salesforce flow (the root is not <Flow>)"])
    elements = {
        _text(e, "name"): e
        for e in root
        if safe_xml.localname(e.tag) in (*_ACTION_TAGS, "decisions", "waits", "loops")
        and _text(e, "name")
    }
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    end = EndNode(unique_end_id(elements), "End")

    def to(target: str | None) -> str:
        return end.to(
            target, elements, report, "a connector to {target!r}, which is not in the flow"
        )

    for name, element in elements.items():
        tag = safe_xml.localname(element.tag)
        label = _text(element, "label") or name
        if next(_children(element, "faultConnector"), None) is not None:
            report.unmapped.append(
                f"{tag} {name!r}: its fault path is not kept (a workflow has no error paths)"
            )
        if tag == "decisions":
            nodes.append({"id": name, "type": "decision", "name": label})
            for i, rule in enumerate(_children(element, "rules")):
                condition = _rule_condition(rule)
                rule_label = _text(rule, "label") or _text(rule, "name") or ""
                if condition is None:
                    condition = f"salesforce_{name}_{_text(rule, 'name') or i + 1}"
                    report.unmapped.append(
                        f"decision {name!r}, outcome {rule_label!r}: its conditions do not "
                        f"translate; the edge carries the attribute {condition!r} instead"
                    )
                edges.append(
                    {
                        "from": name,
                        "to": to(_target(rule)),
                        "condition": condition,
                        "label": rule_label,
                    }
                )
            edges.append(
                {
                    "from": name,
                    "to": to(_target(element, "defaultConnector")),
                    "default": True,
                    "label": _text(element, "defaultConnectorLabel") or "",
                }
            )
            report.mapped.append(f"decision {name!r} -> decision")
        elif tag == "waits":
            offset, after = _alarm(element)
            if offset is None:
                offset = timedelta(0)
                report.unmapped.append(f"wait {name!r} has no alarm event: taken as no wait")
            if sum(1 for _ in _children(element, "waitEvents")) > 1:
                report.unmapped.append(f"wait {name!r} has several events: the first is kept")
            nodes.append(
                {
                    "id": name,
                    "type": "wait",
                    "name": label,
                    "duration": format_duration(offset),
                    "activities": [label],
                }
            )
            edges.append({"from": name, "to": to(after)})
            report.mapped.append(f"wait {name!r} -> wait {format_duration(offset)}")
        elif tag == "loops":
            nodes.append({"id": name, "type": "decision", "name": label})
            body, done = (
                _target(element, "nextValueConnector"),
                _target(element, "noMoreValuesConnector"),
            )
            edges.append(
                {
                    "from": name,
                    "to": to(body),
                    "condition": f"{name}_has_next",
                    "label": "next value",
                }
            )
            edges.append({"from": name, "to": to(done), "default": True, "label": "no more values"})
            report.unmapped.append(
                f"loop {name!r} over a collection: a workflow runs once per contact, so it is a "
                "decision between the loop body and what follows it"
            )
        else:
            action = _ACTION_TAGS[tag] or _ACTION_TYPES.get(_text(element, "actionType") or "")
            if action is None:
                action = "webhook"
                report.unmapped.append(
                    f"action {name!r} ({_text(element, 'actionType')}): no Mejora equivalent; a "
                    "generic action, written back as it was"
                )
            raw = etree.tostring(_without_connectors(element), encoding="unicode")
            nodes.append(
                {
                    "id": name,
                    "type": "action",
                    "action": action,
                    "name": label,
                    "params": {"salesforce": raw},
                    "activities": [label],
                }
            )
            edges.append({"from": name, "to": to(_target(element))})
            report.mapped.append(f"{tag} {name!r} -> {action}")
    start = next(_children(root, "start"), None)
    if start is None:
        raise WorkflowError([f"{path}: the flow has no <start> element"])
    first = _target(start)
    paths = list(_children(start, "scheduledPaths"))
    entries = [to(first)] if first else []
    for scheduled in paths:
        pname = _text(scheduled, "name") or f"path_{len(entries)}"
        amount = float(_text(scheduled, "offsetNumber") or 0)
        offset = timedelta(
            seconds=amount * _SECONDS.get(_text(scheduled, "offsetUnit") or "Days", 86400)
        )
        if (
            _text(scheduled, "timeSource") or "RecordTriggerEvent"
        ) != "RecordTriggerEvent" or amount < 0:
            report.unmapped.append(
                f"scheduled path {pname!r} runs relative to a record field "
                f"({_text(scheduled, 'timeSourceField')}): taken as after the trigger"
            )
            offset = abs(offset)
        wait_id = f"{pname}_wait"
        nodes.append(
            {
                "id": wait_id,
                "type": "wait",
                "name": _text(scheduled, "label") or pname,
                "duration": format_duration(offset),
            }
        )
        edges.append({"from": wait_id, "to": to(_target(scheduled))})
        entries.append(wait_id)
        report.mapped.append(f"scheduled path {pname!r} -> wait {format_duration(offset)}")
    if not entries:
        raise WorkflowError([f"{path}: the flow's start leads nowhere"])
    start_id = entries[0]
    if len(entries) > 1:
        start_id = "start_paths"
        nodes.append(
            {
                "id": start_id,
                "type": "decision",
                "mode": "split",
                "name": "Salesforce runs these paths side by side",
            }
        )
        for target, weight in zip(entries, even_weights(len(entries)), strict=True):
            edges.append({"from": start_id, "to": target, "weight": weight})
        report.unmapped.append(
            "the immediate path and the scheduled paths run side by side in Salesforce; Mejora "
            "has no parallel split, so they are an even split (conformance accepts any of them)"
        )
    nodes += end.nodes()
    trigger = " ".join(t for t in (_text(start, "object"), _text(start, "recordTriggerType")) if t)
    plain = {
        "id": "salesforce-" + re.sub(r"[^A-Za-z0-9_]+", "_", path.name.split(".")[0]),
        "name": _text(root, "label") or path.stem,
        "version": 1,
        "status": "active" if (_text(root, "status") or "") == "Active" else "draft",
        "objective": _text(root, "description") or "",
        "entry": {
            "triggers": [{"type": _text(start, "triggerType") or "manual", "description": trigger}]
        },
        "start": start_id,
        "nodes": nodes,
        "edges": edges,
    }
    return parse_workflow(plain, source=str(path)), report


def _without_connectors(element: Any) -> Any:
    """The element without its connectors or layout whitespace: what is written back."""
    copy = etree.fromstring(etree.tostring(element))
    for child in list(copy):
        if safe_xml.localname(child.tag) in (*_CONNECTORS, "faultConnector"):
            copy.remove(child)
    for item in copy.iter():
        if item.text is not None and not item.text.strip():
            item.text = None
        item.tail = None
    return copy


# ------------------------------------------------------------------------------------ writer


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    child = etree.SubElement(parent, _q(tag))
    if text is not None:
        child.text = text
    return child


def _link(parent: Any, target: str | None, tag: str = "connector") -> None:
    if target is not None:
        _sub(_sub(parent, tag), "targetReference", target)


def _condition_xml(rule: Any, condition: str | None) -> bool:
    """Write ``condition`` as the rule's conditions; False when it does not translate."""
    if not condition:
        return False
    joiner = " or " if " or " in condition and " and " not in condition else " and "
    parts = [p.strip() for p in condition.split(joiner)]
    found = [_SIMPLE.match(p) for p in parts]
    if not all(found):
        return False
    _sub(rule, "conditionLogic", joiner.strip())
    for match in found:
        left, symbol, right = match.groups()
        item = _sub(rule, "conditions")
        _sub(item, "leftValueReference", f"$Record.{left}")
        _sub(item, "operator", _SYMBOLS[symbol])
        value = _sub(item, "rightValue")
        if right[:1] in "'\"":
            _sub(value, "stringValue", right.strip("'\""))
        elif right in ("True", "False"):
            _sub(value, "booleanValue", right.lower())
        else:
            try:
                float(right)
            except ValueError:
                _sub(value, "elementReference", right)
            else:
                _sub(value, "numberValue", right)
    return True


def _offset(parent: Any, tag: str, wait: timedelta) -> None:
    seconds = wait.total_seconds()
    unit = next((u for u, s in (("Days", 86400), ("Hours", 3600)) if seconds % s == 0), "Minutes")
    amount = seconds / _SECONDS[unit]
    if tag == "scheduledPaths":
        _sub(parent, "offsetNumber", f"{amount:g}")
        _sub(parent, "offsetUnit", unit)
        _sub(parent, "timeSource", "RecordTriggerEvent")
        return
    for name, kind, value in (
        ("AlarmTime", "elementReference", "$Flow.CurrentDateTime"),
        ("TimeOffset", "numberValue", f"{amount:g}"),
        ("TimeOffsetUnit", "stringValue", unit),
    ):
        parameter = _sub(parent, "inputParameters")
        _sub(parameter, "name", name)
        _sub(_sub(parameter, "value"), kind, value)


def workflow_to_salesforce(workflow: Workflow) -> tuple[bytes, MappingReport]:
    """A workflow as a Salesforce flow's metadata XML (``.flow-meta.xml``, to deploy with
    ``sf project deploy start``), and what could not be written exactly."""
    report = MappingReport(PLATFORM, workflow.source or workflow.id, title=TITLE)
    root = etree.Element(_q("Flow"), nsmap={None: NS})
    written: list[tuple[str, Any]] = []

    def next_of(node_id: str) -> str | None:
        out = workflow.outgoing(node_id)
        target = out[0].target if out else None
        return None if target is None or workflow.node(target).type == "end" else target

    def target(node_id: str) -> str | None:
        return None if workflow.node(node_id).type == "end" else node_id

    start_node = workflow.node(workflow.start)
    scheduled: list[Any] = []
    immediate: str | None = workflow.start
    if start_node.type == "decision" and start_node.mode == "split":
        out = workflow.outgoing(start_node.id)
        immediate = target(out[0].target) if out else None
        scheduled = [e.target for e in out[1:]]
        if workflow.node(out[0].target).type == "wait" and out[0].target.endswith("_wait"):
            scheduled, immediate = [e.target for e in out], None
    for node in workflow.nodes:
        if node.type == "end" or (node.id == start_node.id and scheduled):
            continue
        if node.id in scheduled:
            continue  # written on the start
        if node.type == "action":
            raw = dict(node.params).get("salesforce")
            if raw:
                element = etree.fromstring(raw)
                tag = safe_xml.localname(element.tag)
            else:
                tag = (
                    "actionCalls"
                    if node.action in ("send_email", "notify_sales")
                    else "recordUpdates"
                )
                element = etree.Element(_q(tag))
                _sub(element, "name", node.id)
                _sub(element, "label", node.label)
                if tag == "actionCalls":
                    kind = "emailSimple" if node.action == "send_email" else "chatterPost"
                    _sub(element, "actionName", kind)
                    _sub(element, "actionType", kind)
                report.unmapped.append(
                    f"action {node.id!r} ({node.action}): written as an empty {tag}; set its "
                    "inputs in Flow Builder"
                )
            _link(element, next_of(node.id))
            written.append((tag, element))
        elif node.type == "wait":
            element = etree.Element(_q("waits"))
            _sub(element, "name", node.id)
            _sub(element, "label", node.label)
            _sub(element, "defaultConnectorLabel", "Default Path")
            event = _sub(element, "waitEvents")
            _sub(event, "name", f"{node.id}_alarm")
            _sub(event, "conditionLogic", "and")
            _link(event, next_of(node.id))
            _sub(event, "eventType", "AlarmEvent")
            if node.until:
                report.unmapped.append(
                    f"wait {node.id!r} until {node.until}: set the hour in Salesforce"
                )
            _offset(event, "waits", node.duration or timedelta(0))
            _sub(event, "label", node.label)
            written.append(("waits", element))
        elif node.type == "wait_for_event":
            report.unmapped.append(
                f"wait_for_event {node.id!r}: a flow waits for time, not for {node.event!r}; "
                f"written as a wait of its timeout and a decision on '{node.id}_received'"
            )
            exits = {e.exit: e.target for e in workflow.outgoing(node.id)}
            wait = etree.Element(_q("waits"))
            _sub(wait, "name", node.id)
            _sub(wait, "label", node.label)
            event = _sub(wait, "waitEvents")
            _sub(event, "name", f"{node.id}_alarm")
            _sub(event, "conditionLogic", "and")
            _link(event, f"{node.id}_received")
            _sub(event, "eventType", "AlarmEvent")
            _offset(event, "waits", node.timeout or timedelta(0))
            _sub(event, "label", node.label)
            decision = etree.Element(_q("decisions"))
            _sub(decision, "name", f"{node.id}_received")
            _sub(decision, "label", f"{node.label} (received?)")
            _link(decision, target(exits["timeout"]), "defaultConnector")
            rule = _sub(decision, "rules")
            _sub(rule, "name", f"{node.id}_yes")
            _condition_xml(rule, f"{node.id}_received = True")
            _link(rule, target(exits["event"]))
            _sub(rule, "label", "Received")
            written += [("waits", wait), ("decisions", decision)]
        else:
            out = workflow.outgoing(node.id)
            loop = [e for e in out if e.condition == f"{node.id}_has_next"]
            if loop:
                element = etree.Element(_q("loops"))
                _sub(element, "name", node.id)
                _sub(element, "label", node.label)
                _link(element, target(loop[0].target), "nextValueConnector")
                rest = next((e for e in out if e.default), None)
                _link(element, target(rest.target) if rest else None, "noMoreValuesConnector")
                report.unmapped.append(f"loop {node.id!r}: set its collection in Flow Builder")
                written.append(("loops", element))
                continue
            element = etree.Element(_q("decisions"))
            _sub(element, "name", node.id)
            _sub(element, "label", node.label)
            default = next((e for e in out if e.default), None)
            if default is not None:
                _link(element, target(default.target), "defaultConnector")
                _sub(element, "defaultConnectorLabel", default.label or "Default Outcome")
            if node.mode == "split":
                report.unmapped.append(
                    f"split {node.id!r}: a flow has no random split; each branch is an outcome "
                    "whose condition is to be set in Flow Builder"
                )
            for i, edge in enumerate(e for e in out if not e.default):
                rule = _sub(element, "rules")
                _sub(rule, "name", f"{node.id}_{i + 1}")
                if not _condition_xml(rule, edge.condition):
                    _sub(rule, "conditionLogic", "and")
                    report.unmapped.append(
                        f"decision {node.id!r}: condition {edge.condition!r} is not a plain "
                        "comparison; set the outcome's conditions in Flow Builder"
                    )
                _link(rule, target(edge.target))
                _sub(rule, "label", edge.label or f"Outcome {i + 1}")
            written.append(("decisions", element))
    top: list[tuple[str, Any]] = list(written)
    for tag, text in (
        ("apiVersion", "60.0"),
        ("description", workflow.objective or None),
        ("label", workflow.name),
        ("processType", "AutoLaunchedFlow"),
        ("status", "Active" if workflow.status == "active" else "Draft"),
    ):
        if text is not None:
            element = etree.Element(_q(tag))
            element.text = text
            top.append((tag, element))
    start = etree.Element(_q("start"))
    _link(start, target(immediate) if immediate else None)
    for wait_id in scheduled:
        wait = workflow.node(wait_id)
        path = _sub(start, "scheduledPaths")
        _sub(path, "name", wait_id.removesuffix("_wait"))
        _link(path, next_of(wait_id))
        _sub(path, "label", wait.label)
        _offset(path, "scheduledPaths", wait.duration or timedelta(0))
    trigger = workflow.triggers[0] if workflow.triggers else None
    if trigger and trigger.description:
        words = trigger.description.split()
        _sub(start, "object", words[0])
        if len(words) > 1:
            _sub(start, "recordTriggerType", words[1])
    _sub(start, "triggerType", trigger.type if trigger else "RecordAfterSave")
    top.append(("start", start))
    for _, element in sorted(top, key=lambda pair: pair[0]):
        root.append(element)
    etree.indent(root, space="    ")
    body = etree.tostring(root, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n", report


def write_salesforce(workflow: Workflow, path: str | Path) -> MappingReport:
    """Write ``workflow`` as a Salesforce flow file (see :func:`workflow_to_salesforce`)."""
    body, report = workflow_to_salesforce(workflow)
    Path(path).write_bytes(body)
    return report
