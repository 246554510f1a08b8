"""Mejora automation: designed workflows as versioned data, linted for design smells.

Public API::

    wf = read_workflow("onboarding.yaml")   # validated Workflow (file, node, problem)
    lint_workflow(wf)                            # design smells with plain explanations
    outline(wf)                                  # readable text outline
    write_bpmn(wf, "welcome.bpmn")               # BPMN 2.0 with layout (bpmn.io, Camunda)
    read_bpmn("welcome.bpmn")                    # back to an equal Workflow
    report = suggest(wf, log, revision=1)        # ranked suggestions with evidence + ChangeSet
    suggestion_what_if(report.suggestions[0], wf, fit_behaviour(wf, log))   # simulated effect
    apply_suggestion(store, report.suggestions[0], by="ana")   # a new draft revision
    activate(store, wf.id, 2, by="ana"); rollback(store, wf.id, to=1, by="ana")
    workflow_to_n8n(store.load(wf.id, 2))        # n8n workflow JSON
    wf, report = read_platform_workflow("campaign.json")   # a Mautic campaign, and how it mapped
    write_mautic(store.load(wf.id, 2), "campaign_v2.json") # back in Mautic's own format
"""

from automation._admin import (
    Activation,
    Applied,
    SavedSuggestion,
    StaleChangeError,
    activate,
    activations,
    active_revision,
    apply_suggestion,
    audit_trail,
    diff_revisions,
    load_suggestion,
    revision_history,
    revision_of,
    rollback,
    save_suggestions,
)
from automation._analysis import Analysis
from automation._before_after import BeforeAfter, before_after, compare_revisions
from automation._bpmn import bpmn_to_workflow, read_bpmn, workflow_to_bpmn, write_bpmn
from automation._branch_usage import branch_usage
from automation._changes import (
    OPERATIONS,
    AddBranch,
    AddGoal,
    AddSalesTask,
    AddSuppression,
    ChangeCondition,
    ChangeEvent,
    ChangeSet,
    InsertReengagementBranch,
    Operation,
    RemoveBranch,
    RemoveStep,
    ReorderSteps,
    ReplaceEmail,
    SetCooldown,
    SetDefaultBranch,
    SetSendWindow,
    SetWaitDuration,
    operation_from_dict,
)
from automation._conditions import compile_condition, evaluate_condition
from automation._designed_waits import designed_waits
from automation._diff import WorkflowDiff, diff_workflows
from automation._hubspot import hubspot_to_workflow, workflow_to_hubspot, write_hubspot
from automation._lint import Finding, lint_workflow
from automation._mautic import mautic_to_workflow, workflow_to_mautic, write_mautic
from automation._n8n import condition_to_js, validate_n8n, workflow_to_n8n, write_n8n
from automation._n8n_read import n8n_to_workflow
from automation._outline import outline
from automation._petri import workflow_to_petri_net
from automation._platform_mapping import MappingReport
from automation._salesforce import salesforce_to_workflow, workflow_to_salesforce, write_salesforce
from automation._schema import SCHEMA_PATH, workflow_schema
from automation._simulate import simulate_workflows, to_flow, workflow_role
from automation._store import Revision, WorkflowStore
from automation._suggest_service import Design, resolve_design, stored_design, suggest_saved
from automation._suggestion_model import Evidence, Impact, Risk, Suggestion, Text, Thresholds
from automation._suggestions import SuggestionReport, suggest, suggest_from
from automation._whatif import (
    REPLAYED_RULES,
    BehaviourFit,
    WhatIf,
    fit_behaviour,
    saved_what_if,
    suggestion_what_if,
    what_if,
)
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
    read_platform_workflow,
    read_workflow,
)
from automation._workflow_upload import store_uploaded_workflow
from automation.exceptions import RevisionConflictError, WorkflowError

__all__ = [
    "OPERATIONS",
    "REPLAYED_RULES",
    "SCHEMA_PATH",
    "Activation",
    "AddBranch",
    "AddGoal",
    "AddSalesTask",
    "AddSuppression",
    "Analysis",
    "Applied",
    "BeforeAfter",
    "BehaviourFit",
    "ChangeCondition",
    "ChangeEvent",
    "ChangeSet",
    "Design",
    "Edge",
    "Evidence",
    "Finding",
    "Goal",
    "Impact",
    "InsertReengagementBranch",
    "MappingReport",
    "Node",
    "Operation",
    "Reenrollment",
    "RemoveBranch",
    "RemoveStep",
    "ReorderSteps",
    "ReplaceEmail",
    "Revision",
    "RevisionConflictError",
    "Risk",
    "SavedSuggestion",
    "SendWindow",
    "SetCooldown",
    "SetDefaultBranch",
    "SetSendWindow",
    "SetWaitDuration",
    "StaleChangeError",
    "Suggestion",
    "SuggestionReport",
    "Text",
    "Thresholds",
    "Trigger",
    "WhatIf",
    "Workflow",
    "WorkflowDiff",
    "WorkflowError",
    "WorkflowStore",
    "activate",
    "activations",
    "active_revision",
    "apply_suggestion",
    "audit_trail",
    "before_after",
    "bpmn_to_workflow",
    "branch_usage",
    "compare_revisions",
    "compile_condition",
    "condition_to_js",
    "designed_waits",
    "diff_revisions",
    "diff_workflows",
    "evaluate_condition",
    "fit_behaviour",
    "format_duration",
    "hubspot_to_workflow",
    "lint_workflow",
    "load_suggestion",
    "mautic_to_workflow",
    "n8n_to_workflow",
    "operation_from_dict",
    "outline",
    "parse_duration",
    "parse_workflow",
    "read_bpmn",
    "read_platform_workflow",
    "read_workflow",
    "resolve_design",
    "revision_history",
    "revision_of",
    "rollback",
    "salesforce_to_workflow",
    "save_suggestions",
    "saved_what_if",
    "simulate_workflows",
    "store_uploaded_workflow",
    "stored_design",
    "suggest",
    "suggest_from",
    "suggest_saved",
    "suggestion_what_if",
    "to_flow",
    "validate_n8n",
    "what_if",
    "workflow_role",
    "workflow_schema",
    "workflow_to_bpmn",
    "workflow_to_hubspot",
    "workflow_to_mautic",
    "workflow_to_n8n",
    "workflow_to_petri_net",
    "workflow_to_salesforce",
    "write_bpmn",
    "write_hubspot",
    "write_mautic",
    "write_n8n",
    "write_salesforce",
]
