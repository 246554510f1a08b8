"""The user task "suggest changes to a workflow from its log", written once for every place that
shows suggestions (``mejora suggest``, ``mejora report``, the dashboard): the design is resolved
to the stored revision it is, and every suggestion shown is saved, so its id means the same
suggestion to ``mejora whatif`` and ``mejora apply`` wherever the user read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mining
from automation._admin import revision_of, save_suggestions
from automation._analysis import Analysis
from automation._store import WorkflowStore
from automation._suggestion_model import Thresholds
from automation._suggestions import SuggestionReport, suggest_from, unmatched
from automation._whatif import fit_behaviour
from automation._workflow import Workflow, read_workflow
from automation.exceptions import WorkflowError


@dataclass(frozen=True)
class Design:
    """A workflow to analyse, the stored revision it is (None when it is not stored), the design
    it replaced (None when unknown) and a sentence for the user about where it came from."""

    workflow: Workflow
    revision: int | None
    previous: Workflow | None
    note: str


def resolve_design(
    source: str | Path,
    store: WorkflowStore,
    *,
    previous: str | None = None,
    stored: bool = False,
    format: str = "auto",
) -> Design:
    """The design named by ``source`` (a workflow file, or the id of a stored workflow: its
    newest revision; only the latter when ``stored``) with the stored revision it is;
    ``previous`` is the design it replaced (a file or a revision number), by default the stored
    revision before it.

    Example:
        >>> resolve_design("onboarding.yaml", WorkflowStore()).revision   # doctest: +SKIP
        2
    """
    workflow, revision, note = _workflow(str(source), store, stored, format)
    return Design(workflow, revision, _previous(previous, workflow, revision, store), note)


def stored_design(store: WorkflowStore, workflow_id: str) -> Design:
    """The newest stored revision of ``workflow_id``, the revision before it as the design it
    replaced.

    Example:
        >>> stored_design(WorkflowStore(), "onboarding").revision           # doctest: +SKIP
        3
    """
    return resolve_design(workflow_id, store, stored=True)


def suggest_saved(
    design: Design,
    log: mining.EventLog | None,
    store: WorkflowStore,
    *,
    email_log: mining.EventLog | None = None,
    thresholds: Thresholds | None = None,
    rules: Sequence[str] | None = None,
) -> SuggestionReport:
    """Ranked suggestions for ``design`` from ``log``, saved in ``store`` with the behaviour
    fitted from the log (the what-if's starting point), so later commands find them by id.

    Example:
        >>> report = suggest_saved(resolve_design("onboarding.yaml", store), log, store)
        ...                                                                  # doctest: +SKIP
    """
    analysis = Analysis(
        design.workflow,
        log,
        email_log=email_log,
        revision=design.revision,
        thresholds=thresholds,
        previous=design.previous,
    )
    report = suggest_from(analysis, rules=rules, notes=unmatched(analysis))
    fit = fit_behaviour(design.workflow, analysis=analysis)
    save_suggestions(
        store, report.suggestions, design.workflow, fit=fit.to_dict(), log=analysis.log_name
    )
    return report


def _workflow(
    source: str, store: WorkflowStore, stored: bool, format: str = "auto"
) -> tuple[Workflow, int | None, str]:
    """The workflow to analyse, the stored revision it is (if any) and a note for the user."""
    path = Path(source)
    if not stored and path.exists():
        workflow = read_workflow(path, format)
        revision = revision_of(store, workflow)
        if revision is not None:
            return workflow, revision, f"{path} is revision {revision} of {workflow.id!r}"
        if store.latest(workflow.id) is None:
            note = (
                f"{workflow.id!r} is not in the workflow store: suggestions are shown, but "
                f"`mejora workflow save {path} --by NAME` is needed before `mejora apply`"
            )
        else:
            note = (
                f"{path} differs from every stored revision of {workflow.id!r}: save it "
                "(`mejora workflow save --base N`) before `mejora apply`"
            )
        return workflow, None, note
    latest = store.latest(source)
    if latest is None:
        raise WorkflowError([f"{source}: no such file, and no workflow {source!r} in {store.root}"])
    return store.load(source, latest.number), latest.number, f"revision {latest.number}"


def _previous(
    source: str | None, design: Workflow, revision: int | None, store: WorkflowStore
) -> Workflow | None:
    """The design ``design`` replaced: ``source`` (a file, or a revision number of the stored
    workflow), else the stored revision before ``revision``, else None."""
    if source is not None and Path(source).exists():
        return read_workflow(Path(source))
    if source is not None:
        if not source.isdigit() or store.latest(design.id) is None:
            raise WorkflowError(
                [f"--previous {source}: no such file, and not a revision of {design.id!r}"]
            )
        return store.load(design.id, int(source))
    if revision is not None and revision > 1:
        return store.load(design.id, revision - 1)
    return None
