"""Mejora automation: designed workflows as versioned data, linted for design smells.

Public API::

    wf = read_workflow("welcome_nurture.yaml")   # validated Workflow (file, node, problem)
    lint_workflow(wf)                            # design smells with plain explanations
    outline(wf)                                  # readable text outline
    write_bpmn(wf, "welcome.bpmn")               # BPMN 2.0 with layout (bpmn.io, Camunda)
    read_bpmn("welcome.bpmn")                    # back to an equal Workflow
"""

from automation._behaviour import (
    Behaviour,
    BranchBias,
    ConsentViolation,
    CycleTimeShift,
    DelayOverride,
    EmailBehaviour,
    Population,
    ReworkOverride,
    SalesBehaviour,
    SkipOverride,
)
from automation._bpmn import bpmn_to_workflow, read_bpmn, workflow_to_bpmn, write_bpmn
from automation._branch_usage import branch_usage
from automation._conditions import compile_condition, evaluate_condition
from automation._designed_waits import designed_waits
from automation._lint import Finding, lint_workflow
from automation._outline import outline
from automation._petri import workflow_to_petri_net
from automation._schema import SCHEMA_PATH, workflow_schema
from automation._simulator import Simulation, simulate
from automation._store import Revision, WorkflowStore
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
from automation.exceptions import RevisionConflictError, WorkflowError

__all__ = [
    "SCHEMA_PATH",
    "Behaviour",
    "BranchBias",
    "ConsentViolation",
    "CycleTimeShift",
    "DelayOverride",
    "Edge",
    "EmailBehaviour",
    "Finding",
    "Goal",
    "Node",
    "Population",
    "Reenrollment",
    "Revision",
    "RevisionConflictError",
    "ReworkOverride",
    "SalesBehaviour",
    "SendWindow",
    "Simulation",
    "SkipOverride",
    "Trigger",
    "Workflow",
    "WorkflowError",
    "WorkflowStore",
    "bpmn_to_workflow",
    "branch_usage",
    "compile_condition",
    "designed_waits",
    "evaluate_condition",
    "format_duration",
    "lint_workflow",
    "outline",
    "parse_duration",
    "parse_workflow",
    "read_bpmn",
    "read_workflow",
    "simulate",
    "workflow_schema",
    "workflow_to_bpmn",
    "workflow_to_petri_net",
    "write_bpmn",
]
