"""Design-only suggestions: the lint smells that have a concrete fix, each turned into a
ChangeSet (branch on clicks instead of opens, add a goal, add a send window, a re-enrolment
cool-down, drop a wait right before the end, merge two waits in a row). When the log is given,
the cases the design touches size the impact."""

from __future__ import annotations

from collections.abc import Callable

from automation._analysis import Analysis, poisson_interval
from automation._changes import (
    AddGoal,
    ChangeEvent,
    Operation,
    RemoveStep,
    SetCooldown,
    SetSendWindow,
    SetWaitDuration,
)
from automation._lint import Finding, lint_workflow
from automation._rules_common import iso, make
from automation._suggestion_model import Impact, Risk, Suggestion, Text
from automation._workflow import Workflow

# rule -> (ops, title, explanation, risk level, risk note); texts are (English, Spanish)
Fix = tuple[list[Operation], Text, Text, str, Text]


def _opens(wf: Workflow, f: Finding) -> Fix | None:
    node = wf.node(f.node or "")
    if node.type != "wait_for_event":
        return None
    labels = tuple(
        a.replace("opened", "clicked").replace("Opened", "Clicked") for a in node.activities
    )
    return (
        [ChangeEvent(node.id, "email_click", labels)],
        Text(
            f"Wait for a click, not an open, at “{node.label}”",
            f"Esperar un clic, no una apertura, en «{node.label}»",
        ),
        Text(
            "Mail privacy features (Apple Mail Privacy Protection) open every email, so the "
            "'opened' branch also catches contacts who never read it. Branch on clicks.",
            "Las funciones de privacidad del correo (Apple Mail Privacy Protection) abren cada "
            "correo, así que la rama 'abierto' recoge también a quien nunca lo leyó. Ramifica "
            "por clics.",
        ),
        "medium",
        Text(
            "fewer contacts take the engaged branch (only real clicks); its log label changes",
            "menos contactos toman la rama de interesados (solo clics reales); cambia su etiqueta",
        ),
    )


def _goal(wf: Workflow, f: Finding) -> Fix:
    return (
        [
            AddGoal(
                "converted",
                "The contact became a sales-qualified lead or a customer",
                condition="lifecycle_stage in ('sql', 'customer')",
            )
        ],
        Text(
            "Add a goal that exits converted contacts",
            "Añadir un objetivo que saque a los convertidos",
        ),
        Text(
            "Without a goal, contacts who convert keep getting this workflow's emails. A goal "
            "takes them out as soon as they become sales-qualified or customers.",
            "Sin objetivo, los contactos que convierten siguen recibiendo los correos del flujo. "
            "Un objetivo los saca en cuanto pasan a oportunidad de venta o cliente.",
        ),
        "low",
        Text("none for the contacts still nurtured", "ninguno para quien sigue en el flujo"),
    )


def _window(wf: Workflow, f: Finding) -> Fix:
    return (
        [SetSendWindow("Europe/Madrid")],
        Text(
            "Add a send window (weekdays 09:00-18:00)",
            "Añadir una ventana de envío (laborables 09:00-18:00)",
        ),
        Text(
            "Emails go out at any hour, nights and weekends included. A send window holds them "
            "for office hours (adjust the time zone to your audience).",
            "Los correos salen a cualquier hora, noches y fines de semana incluidos. Una ventana "
            "de envío los retiene hasta el horario laboral (ajusta la zona horaria a tu público).",
        ),
        "low",
        Text(
            "emails wait up to a weekend to go out", "los correos pueden esperar un fin de semana"
        ),
    )


def _cooldown(wf: Workflow, f: Finding) -> Fix:
    return (
        [SetCooldown("P30D")],
        Text(
            "Add a 30-day re-enrolment cool-down",
            "Añadir un periodo de espera de 30 días para reinscribirse",
        ),
        Text(
            "Contacts can re-enter as soon as they leave and get the same emails again. A "
            "30-day cool-down stops the repetition.",
            "Los contactos pueden volver a entrar en cuanto salen y recibir otra vez los mismos "
            "correos. Un periodo de espera de 30 días evita la repetición.",
        ),
        "low",
        Text(
            "contacts re-enter a month later at the earliest", "se reinscriben como pronto al mes"
        ),
    )


def _wait_before_end(wf: Workflow, f: Finding) -> Fix:
    node = wf.node(f.node or "")
    return (
        [RemoveStep(node.id)],
        Text(
            f"Remove the wait “{node.label}” right before the end",
            f"Quitar la espera «{node.label}» justo antes del final",
        ),
        Text(
            "Waiting right before the end only delays the exit (and any goal or report that "
            "counts it); remove the wait.",
            "Esperar justo antes del final solo retrasa la salida (y los objetivos o informes "
            "que la cuentan); quita la espera.",
        ),
        "low",
        Text("contacts leave the workflow sooner", "los contactos salen antes del flujo"),
    )


def _two_waits(wf: Workflow, f: Finding) -> Fix | None:
    node = wf.node(f.node or "")
    nxt = wf.node(wf.outgoing(node.id)[0].target)
    if node.duration is None or nxt.duration is None:
        return None
    total = (node.duration + nxt.duration).total_seconds()
    return (
        [SetWaitDuration(node.id, iso(total)), RemoveStep(nxt.id)],
        Text(
            f"Merge the waits “{node.label}” and “{nxt.label}”",
            f"Unir las esperas «{node.label}» y «{nxt.label}»",
        ),
        Text(
            "Two waits in a row are one wait written twice; merge them into one of the combined "
            "length.",
            "Dos esperas seguidas son una sola escrita dos veces; únelas en una de la duración "
            "total.",
        ),
        "low",
        Text("none: the total wait is the same", "ninguno: la espera total es la misma"),
    )


FIXES: dict[str, Callable[[Workflow, Finding], Fix | None]] = {
    "branch-on-opens": _opens,
    "no-goal": _goal,
    "no-send-window": _window,
    "reenrollment-without-cooldown": _cooldown,
    "wait-before-end": _wait_before_end,
    "consecutive-waits": _two_waits,
}


def design_smells(a: Analysis) -> list[Suggestion]:
    """Lint findings with a concrete fix, as suggestions; their impact is the workflow's cases in
    the log (0 without one), so they rank below the log-based findings."""
    wf = a.workflow
    found = []
    for finding in lint_workflow(wf):
        fix = FIXES.get(finding.rule)
        if fix is None:
            continue
        made = fix(wf, finding)
        if made is None:
            continue
        ops, title, explanation, level, note = made
        cases = a.n_cases
        low, high = poisson_interval(cases)
        found.append(
            make(
                a,
                finding.rule,
                finding.node or finding.rule,
                title=title,
                explanation=explanation,
                metric=Text(
                    f"design smell {finding.id}: {finding.message}",
                    f"defecto de diseño {finding.id}: {title.es}",
                ),
                value=float(cases),
                unit="cases",
                sample_size=cases,
                examples=a.examples(a.first.index) if cases else (),
                details={"finding": finding.to_dict()},
                confidence=0.9,
                impact=Impact(
                    metric=Text(
                        "cases per month that run through the changed design",
                        "casos al mes que recorren el diseño cambiado",
                    ),
                    unit="cases / month",
                    estimate=a.per_month(cases),
                    low=a.per_month(low) if cases else 0.0,
                    high=a.per_month(high) if cases else 0.0,
                    cases=cases,
                    method="design lint; cases of the workflow in the log",
                ),
                risk=Risk(level, note),
                ops=ops,
            )
        )
    return found
