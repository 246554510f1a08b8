"""What BPMN export and import share: namespaces, tasks <-> actions, qualified tags, flow names."""

from __future__ import annotations

from typing import Any

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MEJORA = "https://mejora.invalid/bpmn"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "mejora": MEJORA}

ACTION_TASKS = {
    "send_email": "sendTask",
    "webhook": "serviceTask",
    "set_property": "serviceTask",
    "add_to_list": "serviceTask",
    "create_task": "userTask",
    "notify_sales": "userTask",
}
# what a task of another tool becomes (and what an edited task type falls back to)
TASK_ACTIONS = {
    "task": "set_property",
    "serviceTask": "set_property",
    "scriptTask": "set_property",
    "businessRuleTask": "set_property",
    "sendTask": "send_email",
    "userTask": "create_task",
    "manualTask": "create_task",
}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _flow_name(condition: Any, weight: float | None) -> str:
    """What a flow shows when it has no label of its own."""
    if condition not in (None, ""):
        return str(condition)
    if weight is not None:
        return f"{weight * 100:g} %"
    return ""
