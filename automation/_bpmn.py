"""Designed workflows to and from BPMN 2.0, with a diagram layout that opens in bpmn.io.

Export (:func:`workflow_to_bpmn`, :func:`write_bpmn`) maps the workflow onto standard BPMN:

============================  ===============================================================
workflow                      BPMN 2.0
============================  ===============================================================
entry triggers                one ``startEvent`` named after the triggers, flowing into ``start``
action ``send_email``         ``sendTask``
action ``webhook``,           ``serviceTask``
``set_property``,
``add_to_list``
action ``create_task``,       ``userTask``
``notify_sales``
wait ``duration``             timer ``intermediateCatchEvent``, ``timeDuration`` = the duration
wait ``until`` HH:MM          timer ``intermediateCatchEvent`` with an empty
                              ``timerEventDefinition``, the clock time in ``mejora:node until``
                              and a ``documentation`` sentence (see below)
wait_for_event                ``receiveTask`` (``messageRef`` -> ``message`` named after the
                              event) + interrupting timer ``boundaryEvent`` (timeout); the
                              ``exit: event`` edge leaves the task, ``exit: timeout`` the timer
decision (exclusive)          ``exclusiveGateway``; ``default`` = the default flow, conditions as
                              ``conditionExpression xsi:type="tFormalExpression"``
decision (split)              ``exclusiveGateway`` (``mejora:node mode="split"``); each flow
                              carries its share in the ``mejora:weight`` attribute
end                           ``endEvent``
goals, objective              ``mejora:workflow`` extension + the process ``documentation``
============================  ===============================================================

Why ``until`` has no ``timeDuration``: "wait until 09:00" is not a fixed duration (it depends
on when the contact arrives) and ``timeDate`` / ``timeCycle`` would claim a date or a repetition
that the design does not have. The BPMN schema allows a timer definition with no child, so the
event still shows as a timer in every modeler; the clock time lives in the extension. An engine
would refuse to run such a timer: the process is exported with ``isExecutable="false"``, as a
design to read and edit, not to deploy as is.

Everything BPMN cannot hold (node ids, actions, params as JSON, activity labels, split mode,
workflow metadata, entry rules, goals, send window) is kept in ``extensionElements`` under the
``mejora`` namespace, so that :func:`bpmn_to_workflow` gives back an equal workflow. The
extension never uses an attribute called ``id`` (``nodeId``, ``workflowId``, ``goalId``): some
engines index every element with an ``id`` and would take ``mejora:node`` for the task itself.

Import (:func:`bpmn_to_workflow`, :func:`read_bpmn`) parses safely through
:func:`mining.safe_xml.parse` (no DTD, no entities). The BPMN structure decides which steps and
flows exist and how they connect, and BPMN's own places win (names, timer durations, message
names, conditions, ``default``); the extension fills in the rest. A name changed in a modeler
is kept. Files from other tools map tasks to actions (``sendTask`` -> ``send_email``,
``userTask`` / ``manualTask`` -> ``create_task``, other tasks -> ``set_property``; the task name
is the activity label), exclusive gateways to decisions (merge-only gateways, with a single
unconditional way out, are folded into their successor: a state machine merges by itself), end
events to ends and ``receiveTask`` + timer boundary to wait_for_event. Parallel, inclusive and
event-based gateways, sub-processes and the like are refused with a :class:`WorkflowError`:
a designed workflow is a state machine, a contact is at one step at a time.

Layout: layered left to right (longest path from the start event over a depth-first spanning
order, back edges of loops ignored; a step nothing leads to sits right before its successor).
A long edge holds a placeholder in every layer it crosses, so its lane stays free. Each step
takes the row of its first predecessor plus the rank of the edge that reaches it (main path
straight, branches below), pushed down when the row is taken. Edges are routed orthogonally
from the middle of a side of one shape to the middle of a side of the other, turning in the gaps
between columns; loops come back through the bands between rows. No edge crosses a shape.
"""

from __future__ import annotations

from automation._bpmn_common import (
    ACTION_TASKS,
    BPMN,
    BPMNDI,
    DC,
    DI,
    MEJORA,
    NSMAP,
    TASK_ACTIONS,
    XSI,
)
from automation._bpmn_layout import EVENT_SIZE, GATEWAY_SIZE, TASK_SIZE
from automation._bpmn_read import bpmn_to_workflow, read_bpmn
from automation._bpmn_write import bpmn_counts, workflow_to_bpmn, write_bpmn

__all__ = [
    "ACTION_TASKS",
    "BPMN",
    "BPMNDI",
    "DC",
    "DI",
    "EVENT_SIZE",
    "GATEWAY_SIZE",
    "MEJORA",
    "NSMAP",
    "TASK_ACTIONS",
    "TASK_SIZE",
    "XSI",
    "bpmn_counts",
    "bpmn_to_workflow",
    "read_bpmn",
    "workflow_to_bpmn",
    "write_bpmn",
]
