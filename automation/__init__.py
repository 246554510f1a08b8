"""Mejora automation: designed workflows as versioned data, linted for design smells.

Public API::

    wf = read_workflow("welcome_nurture.yaml")   # validated Workflow (file, node, problem)
    lint_workflow(wf)                            # design smells with plain explanations
    outline(wf)                                  # readable text outline
"""

from automation._lint import Finding, lint_workflow
from automation._outline import outline
from automation._petri import workflow_to_petri_net
from automation._schema import SCHEMA_PATH, workflow_schema
from automation._workflow import (
    Edge,
    Goal,
    Node,
    Reenrollment,
    SendWindow,
    Trigger,
    Workflow,
    format_duration,
    parse_duration,
    parse_workflow,
    read_workflow,
)
from automation.exceptions import WorkflowError

__all__ = [
    "SCHEMA_PATH",
    "Edge",
    "Finding",
    "Goal",
    "Node",
    "Reenrollment",
    "SendWindow",
    "Trigger",
    "Workflow",
    "WorkflowError",
    "format_duration",
    "lint_workflow",
    "outline",
    "parse_duration",
    "parse_workflow",
    "read_workflow",
    "workflow_schema",
    "workflow_to_petri_net",
]
