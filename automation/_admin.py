"""Apply, activate and roll back workflow changes safely, with an append-only audit trail.

The model is every automation platform's: ``apply_suggestion`` writes the changed workflow as a
new **draft** revision; ``activate`` makes a revision live as a separate step; ``rollback``
restores an old revision's design as a new revision and makes it live. All three refuse when the
workflow moved since the change was computed (:class:`StaleChangeError`, a
``RevisionConflictError`` that lists what changed), so two admins acting at once get one winner
and one refusal, and nothing is half-written.

Layout, beside the revisions of :class:`WorkflowStore` (``<root>/<workflow id>/``)::

    activations/act-000001.json   # immutable: which revision went live, when, by whom
    audit.jsonl                   # append-only: one JSON line per apply / activate / rollback
    suggestions/<id>.json         # saved by ``mejora suggest``, found by id later

The live revision is the one named by the newest activation record. Activation records are
written like revisions (a temporary file hard-linked to the next number, which fails if another
admin took that number first), so the record of what is live is never half-written and two
concurrent activations cannot both win. The ``status`` inside a revision is the status it was
saved with (``draft`` for applied suggestions); what is live is the activation record's word.

Audit lines are written with one ``write`` on a file descriptor opened with ``O_APPEND`` (under
an exclusive ``flock``), so lines from concurrent processes never interleave; a line a crash
tore is closed off before the next one and read as ``unreadable``.

Apply, activate and rollback each hold the workflow's lock (``.lock``) from their checks to
their last write, so they have one winner among them. Each writes a *pending* audit line
naming the files it will write before writing them, and its resolution (done or refused)
after: a process killed in between leaves a pending line, which the next of these actions
resolves under the lock before anything else (a rollback whose revision exists is made live;
otherwise the files decide between done and abandoned). A revision's checksum is checked
whenever it is read, so a hand-edited revision file never goes live.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from automation._diff import WorkflowDiff, diff_workflows
from automation._store import Revision, WorkflowStore
from automation._suggestion_model import Suggestion, plain
from automation._workflow import Workflow, parse_workflow
from automation.exceptions import RevisionConflictError, WorkflowError

_ACTIVATION = re.compile(r"^act-(\d{6})\.json$")
_SUGGESTION_ID = re.compile(r"^s-[0-9a-f]{10}$")
SUGGESTIONS = "suggestions"  # folder inside each workflow's folder


class StaleChangeError(RevisionConflictError):
    """A change computed on one revision met a workflow that has moved on; ``changes`` says
    what is different between the two."""

    def __init__(
        self, workflow_id: str, base: int | None, current: object, changes: WorkflowDiff | None
    ) -> None:
        super().__init__(workflow_id, base, current)
        self.changes = changes
        extra = []
        if changes is not None and changes.changes:
            extra = [f"what changed since revision {base}:"] + [
                "  " + c.text() for c in changes.changes
            ]
        WorkflowError.__init__(self, self.problems + extra)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_new(folder: Path, final: Path, text: str) -> bool:
    """Write ``text`` to ``final`` atomically unless it exists (False: someone was first)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
    return True


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, then rename over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def append_audit(store: WorkflowStore, workflow_id: str, entry: Mapping[str, Any]) -> dict:
    """Append one line to the workflow's audit trail (one ``write`` with ``O_APPEND``).

    Example:
        >>> append_audit(store, "w", {"action": "note", "by": "ana"})  # doctest: +SKIP
    """
    line = {"at": _now(), "workflow_id": workflow_id, **plain(dict(entry))}
    data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    folder = store.root / workflow_id
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "audit.jsonl", os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a line torn by a crash stays apart
            data = b"\n" + data
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"audit trail: wrote {written} of {len(data)} bytes")
    finally:
        os.close(fd)
    return line


def audit_trail(store: WorkflowStore, workflow_id: str) -> list[dict]:
    """Every audit line of a workflow, oldest first.

    Example:
        >>> [e["action"] for e in audit_trail(store, "onboarding")]   # doctest: +SKIP
        ['apply', 'activate', 'rollback']
    """
    lines = _audit_lines(store, workflow_id)
    resolved = _resolved(lines)
    return [e for e in lines if not (e.get("outcome") == PENDING and e.get("op") in resolved)]


def _resolved(lines: list[dict]) -> set[str]:
    """The actions (``op``) whose pending line a resolution (done, refused...) followed."""
    return {e["op"] for e in lines if e.get("op") and e.get("outcome") != PENDING}


PENDING = "pending"  # written before an action's effect; its resolution line follows


def _audit_lines(store: WorkflowStore, workflow_id: str) -> list[dict]:
    """Every line of the audit file; a line a crash tore is kept as an ``unreadable`` entry
    instead of making the whole trail unreadable."""
    path = store.root / workflow_id / "audit.jsonl"
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            entry = {"action": "unreadable", "outcome": "unreadable", "line": number}
            entry["text"] = line[:200]
        entries.append(entry)
    return entries


@contextmanager
def _exclusive(store: WorkflowStore, workflow_id: str) -> Iterator[None]:
    """Hold the workflow's lock (``flock`` on ``.lock``) for a whole apply, activate or
    rollback, so they have one winner among them too, and finish what a crash interrupted
    first (:func:`_recover`)."""
    folder = store._folder(workflow_id)
    if not folder.is_dir():
        raise WorkflowError([f"no workflow {workflow_id!r} in {store.root}"])
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _recover(store, workflow_id)
        yield
    finally:
        os.close(fd)


def _begin(store: WorkflowStore, workflow_id: str, entry: Mapping[str, Any], **effect: Any) -> str:
    """Write the pending line of an action about to change the store: what it is and what it
    will write (``revision`` / ``activation`` numbers), so a crash leaves a trace to finish."""
    op = uuid.uuid4().hex[:12]
    append_audit(store, workflow_id, {**entry, **effect, "outcome": PENDING, "op": op})
    return op


def _recover(store: WorkflowStore, workflow_id: str) -> None:
    """Resolve every pending line no resolution followed (the process died in between): a
    rollback whose revision was written is made live (its admin asked for it, and nothing
    happened since: the lock was held); an action whose files exist is recorded as done; one
    whose files do not is recorded as abandoned. Called under the lock."""
    lines = _audit_lines(store, workflow_id)
    resolved = _resolved(lines)
    for entry in lines:
        if entry.get("outcome") != PENDING or entry.get("op") in resolved:
            continue
        base = {k: v for k, v in entry.items() if k not in ("at", "workflow_id", "outcome")}
        revision = entry.get("revision")
        has_revision = revision is not None and _has_revision(store, workflow_id, revision)
        number = entry.get("activation")
        has_activation = (
            number is not None and _activation_path(store, workflow_id, number).exists()
        )
        if entry.get("action") == "rollback" and has_revision and not has_activation:
            current = active_revision(store, workflow_id)
            _activate(
                store,
                workflow_id,
                revision,
                by=entry.get("by", ""),
                action="rollback",
                current=current,
            )
            has_activation = True
        done = has_activation if number is not None else has_revision
        outcome = {"outcome": "done", "recovered": True} if done else {"outcome": "abandoned"}
        append_audit(store, workflow_id, {**base, **outcome})


def _has_revision(store: WorkflowStore, workflow_id: str, number: int) -> bool:
    return store._revision_path(workflow_id, number).exists()


def _activation_path(store: WorkflowStore, workflow_id: str, number: int) -> Path:
    return store.root / workflow_id / "activations" / f"act-{number:06d}.json"


# -- activations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Activation:
    """A revision made live: record ``number``, the ``revision``, who, when, the revision live
    before (``previous``), why (``action``: activate or rollback) and the suggestion, if any."""

    workflow_id: str
    number: int
    revision: int
    by: str
    at: str
    previous: int | None
    action: str = "activate"
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


def activations(store: WorkflowStore, workflow_id: str) -> list[Activation]:
    """Every activation of a workflow, oldest first (the last one is live)."""
    folder = store.root / workflow_id / "activations"
    if not folder.is_dir():
        return []
    numbers = sorted(int(m.group(1)) for p in folder.iterdir() if (m := _ACTIVATION.match(p.name)))
    return [
        Activation(
            **json.loads(_activation_path(store, workflow_id, n).read_text(encoding="utf-8"))
        )
        for n in numbers
    ]


def active_revision(store: WorkflowStore, workflow_id: str) -> Activation | None:
    """The live revision's activation record (None: nothing was activated yet).

    Example:
        >>> active_revision(store, "onboarding").revision             # doctest: +SKIP
        3
    """
    records = activations(store, workflow_id)
    return records[-1] if records else None


def _latest(store: WorkflowStore, workflow_id: str) -> Revision:
    latest = store.latest(workflow_id)
    if latest is None:
        raise WorkflowError([f"no workflow {workflow_id!r} in {store.root}"])
    return latest


def _moved(store: WorkflowStore, workflow_id: str, base: int, latest: Revision) -> StaleChangeError:
    changes = diff_workflows(
        store.load(workflow_id, base),
        store.load(workflow_id, latest.number),
        before=base,
        after=latest.number,
    )
    return StaleChangeError(workflow_id, base, latest, changes)


def _activate(
    store: WorkflowStore,
    workflow_id: str,
    revision: int,
    *,
    by: str,
    action: str,
    current: Activation | None,
    suggestion: str | None = None,
) -> Activation:
    # ``current`` is the live record the caller checked against: numbering from that same
    # snapshot is what makes two racing activations claim the same file, so one loses.
    record = Activation(
        workflow_id=workflow_id,
        number=(current.number if current else 0) + 1,
        revision=revision,
        by=by,
        at=_now(),
        previous=current.revision if current else None,
        action=action,
        suggestion=suggestion,
    )
    folder = store.root / workflow_id / "activations"
    text = json.dumps(record.to_dict(), indent=2)
    if not _write_new(folder, _activation_path(store, workflow_id, record.number), text):
        now = active_revision(store, workflow_id)
        raise WorkflowError(
            [
                f"workflow {workflow_id!r}: another activation won the race "
                f"(revision {now.revision if now else '?'} by {now.by if now else '?'}); "
                "reload and retry"
            ]
        )
    return record


def activate(
    store: WorkflowStore, workflow_id: str, revision: int, *, by: str, suggestion: str | None = None
) -> Activation:
    """Make ``revision`` live. Refused when newer revisions exist (the workflow moved since that
    revision: the error lists what changed; use :func:`rollback` to go back) or when it is live
    already. Recorded in the audit trail with the diff of what goes live.

    Example:
        >>> activate(store, "onboarding", 2, by="ana").revision          # doctest: +SKIP
        2
    """
    with _exclusive(store, workflow_id):
        return _activate_locked(store, workflow_id, revision, by=by, suggestion=suggestion)


def _activate_locked(
    store: WorkflowStore, workflow_id: str, revision: int, *, by: str, suggestion: str | None
) -> Activation:
    latest = _latest(store, workflow_id)
    store.load(workflow_id, revision)  # exists, and unchanged since it was saved?
    current = active_revision(store, workflow_id)
    entry: dict[str, Any] = {"action": "activate", "by": by, "revision": revision}
    try:
        if revision != latest.number:
            raise _moved(store, workflow_id, revision, latest)
        if current is not None and current.revision == revision:
            raise WorkflowError([f"revision {revision} of {workflow_id!r} is live already"])
        number = (current.number if current else 0) + 1
        entry["op"] = _begin(store, workflow_id, entry, activation=number)
        record = _activate(
            store,
            workflow_id,
            revision,
            by=by,
            action="activate",
            current=current,
            suggestion=suggestion,
        )
    except WorkflowError as exc:
        append_audit(store, workflow_id, {**entry, "outcome": "refused", "reason": str(exc)})
        raise
    before = store.load(workflow_id, record.previous) if record.previous else None
    after = store.load(workflow_id, revision)
    changes = (
        diff_workflows(before, after, before=record.previous, after=revision) if before else None
    )
    append_audit(
        store,
        workflow_id,
        {
            **entry,
            "outcome": "done",
            "previous": record.previous,
            "suggestion": suggestion,
            "diff": changes.to_dict() if changes else None,
        },
    )
    return record


# -- saved suggestions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedSuggestion:
    """A suggestion as ``mejora suggest`` saved it: the suggestion, the workflow it was computed
    on, the behaviour fitted from the log (for the what-if) and the log's name."""

    suggestion: Suggestion
    workflow: Workflow
    fit: dict[str, Any]
    log: str
    saved_at: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "suggestion": self.suggestion.to_dict(),
            "workflow": self.workflow.to_dict(),
            "fit": plain(self.fit),
            "log": self.log,
            "saved_at": self.saved_at,
        }


def save_suggestions(
    store: WorkflowStore,
    suggestions: list[Suggestion] | tuple[Suggestion, ...],
    workflow: Workflow,
    *,
    fit: Mapping[str, Any] | None = None,
    log: str = "",
) -> list[Path]:
    """Save suggestions under ``<store>/<workflow id>/suggestions/<id>.json`` (atomic writes),
    so later commands find them by id; returns the paths.

    Example:
        >>> save_suggestions(store, report.suggestions, wf, fit=fit.to_dict())  # doctest: +SKIP
    """
    folder = store._folder(workflow.id) / SUGGESTIONS  # refuses an unsafe workflow id
    paths = []
    for suggestion in suggestions:
        saved = SavedSuggestion(suggestion, workflow, dict(fit or {}), log, _now())
        path = folder / f"{suggestion.id}.json"
        _replace_file(path, json.dumps(saved.to_dict(), ensure_ascii=False, indent=2))
        paths.append(path)
    return paths


def load_suggestion(store: WorkflowStore, suggestion_id: str) -> SavedSuggestion:
    """A saved suggestion by id (``s-`` and ten hex digits).

    Example:
        >>> load_suggestion(store, "s-3f9a1c2b7d").suggestion.rule          # doctest: +SKIP
        'wait-too-long'
    """
    if not _SUGGESTION_ID.match(suggestion_id):
        raise WorkflowError([f"{suggestion_id!r} is not a suggestion id (s- and 10 hex digits)"])
    found = sorted(store.root.glob(f"*/{SUGGESTIONS}/{suggestion_id}.json"))
    if not found:
        raise WorkflowError(
            [
                f"no saved suggestion {suggestion_id!r} in {store.root} (run `mejora suggest` "
                "or `mejora report --workflow` first)"
            ]
        )
    path = found[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    return SavedSuggestion(
        suggestion=Suggestion.from_dict(data["suggestion"]),
        workflow=parse_workflow(data["workflow"], source=str(path)),
        fit=dict(data.get("fit") or {}),
        log=str(data.get("log", "")),
        saved_at=str(data.get("saved_at", "")),
    )


# -- apply / rollback ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Applied:
    """What ``apply_suggestion`` did (or, with ``dry_run``, would do): the draft workflow, its
    revision (None on a dry run) and the diff from the base revision."""

    suggestion_id: str
    workflow: Workflow
    revision: Revision | None
    diff: WorkflowDiff
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "suggestion": self.suggestion_id,
            "workflow_id": self.workflow.id,
            "revision": self.revision.to_dict() if self.revision else None,
            "status": self.workflow.status,
            "dry_run": self.dry_run,
            "diff": self.diff.to_dict(),
        }


def apply_suggestion(
    store: WorkflowStore, suggestion: Suggestion | str, *, by: str, dry_run: bool = False
) -> Applied:
    """Apply a suggestion's ChangeSet to its base revision and save the result as a new draft
    revision; refused (:class:`StaleChangeError`, listing what changed) when the workflow moved
    since the base revision. ``dry_run`` only computes the draft and the diff.

    Example:
        >>> applied = apply_suggestion(store, "s-3f9a1c2b7d", by="ana")       # doctest: +SKIP
        >>> print(applied.diff.to_text())                                    # doctest: +SKIP
    """
    if isinstance(suggestion, str):
        suggestion = load_suggestion(store, suggestion).suggestion
    changes = suggestion.changes
    workflow_id, base = changes.workflow_id, changes.base_revision
    if base is None:
        raise WorkflowError(
            [
                f"suggestion {suggestion.id} was computed on a workflow file that is not a stored "
                f"revision of {workflow_id!r}: save it (`mejora workflow save FILE --by NAME`) "
                "and run `mejora suggest` again"
            ]
        )
    if dry_run:
        return _apply_locked(store, suggestion, by=by, dry_run=True)
    with _exclusive(store, workflow_id):
        return _apply_locked(store, suggestion, by=by, dry_run=False)


def _apply_locked(
    store: WorkflowStore, suggestion: Suggestion, *, by: str, dry_run: bool
) -> Applied:
    changes = suggestion.changes
    workflow_id, base = changes.workflow_id, changes.base_revision
    assert base is not None  # apply_suggestion refused a suggestion on an unstored workflow
    latest = _latest(store, workflow_id)
    entry: dict[str, Any] = {
        "action": "apply",
        "by": by,
        "suggestion": suggestion.id,
        "rule": suggestion.rule,
        "base_revision": base,
    }
    try:
        if latest.number != base:
            raise _moved(store, workflow_id, base, latest)
        original = store.load(workflow_id, base)
        draft = changes.apply(original)
        changes_diff = diff_workflows(original, draft, before=base, after=None)
        if dry_run:
            return Applied(suggestion.id, draft, None, changes_diff, True)
        message = f"suggestion {suggestion.id} ({suggestion.rule}): {suggestion.title.en}"
        entry["op"] = _begin(store, workflow_id, entry, revision=base + 1)
        try:
            revision = store.save(draft, base=base, author=by, message=message)
        except RevisionConflictError:
            raise _moved(store, workflow_id, base, _latest(store, workflow_id)) from None
    except WorkflowError as exc:
        if not dry_run:
            append_audit(store, workflow_id, {**entry, "outcome": "refused", "reason": str(exc)})
        raise
    changes_diff = replace(changes_diff, after=revision.number)
    append_audit(
        store,
        workflow_id,
        {
            **entry,
            "outcome": "done",
            "revision": revision.number,
            "status": "draft",
            "evidence": suggestion.evidence.to_dict(),
            "impact": suggestion.impact.to_dict(),
            "diff": changes_diff.to_dict(),
        },
    )
    return Applied(suggestion.id, draft, revision, changes_diff, False)


def rollback(
    store: WorkflowStore, workflow_id: str, *, to: int, by: str, base: int | None = None
) -> Activation:
    """Restore revision ``to``'s design as a new revision and make it live. ``base`` is the
    newest revision the admin saw (default: the newest now); refused if the workflow moved
    since. The audit line has the diff from the newest revision to the restored design.

    Example:
        >>> rollback(store, "onboarding", to=1, by="ana").revision        # doctest: +SKIP
        4
    """
    with _exclusive(store, workflow_id):
        return _rollback_locked(store, workflow_id, to=to, by=by, base=base)


def _rollback_locked(
    store: WorkflowStore, workflow_id: str, *, to: int, by: str, base: int | None
) -> Activation:
    latest = _latest(store, workflow_id)
    current = active_revision(store, workflow_id)
    base = latest.number if base is None else base
    entry: dict[str, Any] = {"action": "rollback", "by": by, "to": to, "base_revision": base}
    try:
        if base != latest.number:
            raise _moved(store, workflow_id, base, latest)
        if to == latest.number:
            raise WorkflowError([f"revision {to} is the newest revision: nothing to roll back"])
        old, newest = store.load(workflow_id, to), store.load(workflow_id, latest.number)
        if (
            current is not None
            and current.revision == latest.number
            and _design(newest, "version") == _design(old, "version")
        ):
            raise WorkflowError(  # a retry after a rollback that went through: no duplicate
                [
                    f"revision {latest.number} of {workflow_id!r} already restores revision {to} "
                    "and is live: nothing to roll back"
                ]
            )
        data = old.to_dict()
        data["version"] = newest.version + 1
        data["status"] = "active"
        restored = parse_workflow(data, source=old.source)
        message = f"rollback to revision {to}"
        number = (current.number if current else 0) + 1
        entry["op"] = _begin(
            store, workflow_id, entry, revision=latest.number + 1, activation=number
        )
        try:
            revision = store.save(restored, base=base, author=by, message=message)
        except RevisionConflictError:
            raise _moved(store, workflow_id, base, _latest(store, workflow_id)) from None
        record = _activate(
            store, workflow_id, revision.number, by=by, action="rollback", current=current
        )
    except WorkflowError as exc:
        append_audit(store, workflow_id, {**entry, "outcome": "refused", "reason": str(exc)})
        raise
    changes = diff_workflows(newest, restored, before=latest.number, after=revision.number)
    append_audit(
        store,
        workflow_id,
        {
            **entry,
            "outcome": "done",
            "revision": revision.number,
            "previous": record.previous,
            "diff": changes.to_dict(),
        },
    )
    return record


def _design(workflow: Workflow, *ignore: str) -> dict[str, Any]:
    """A workflow's design: everything but its status (and the ``ignore`` fields)."""
    return {k: v for k, v in workflow.to_dict().items() if k not in ("status", *ignore)}


def revision_of(store: WorkflowStore, workflow: Workflow) -> int | None:
    """The newest stored revision with the same design as ``workflow`` (status aside), or None.

    Example:
        >>> revision_of(store, read_workflow("onboarding.yaml"))       # doctest: +SKIP
        1
    """
    wanted = _design(workflow)
    for rev in reversed(store.revisions(workflow.id)):
        if _design(store.load(workflow.id, rev.number)) == wanted:
            return rev.number
    return None


def diff_revisions(store: WorkflowStore, workflow_id: str, first: int, second: int) -> WorkflowDiff:
    """The readable diff between two stored revisions.

    Example:
        >>> print(diff_revisions(store, "onboarding", 1, 2).to_text())   # doctest: +SKIP
    """
    return diff_workflows(
        store.load(workflow_id, first), store.load(workflow_id, second), before=first, after=second
    )


REVISION_STATES = ("live", "was_live", "never_live")  # what an admin needs to know of each


def _state(number: int, live: Activation | None, went_live: set[int]) -> str:
    if live is not None and live.revision == number:
        return "live"
    return "was_live" if number in went_live else "never_live"


def revision_history(store: WorkflowStore, workflow_id: str) -> list[dict[str, Any]]:
    """Every revision with its ``state`` (one of ``REVISION_STATES``: live now, was live, never
    went live), its status as saved in the file, and the audit actions that concern it; oldest
    first.

    Example:
        >>> [(h["number"], h["live"]) for h in revision_history(store, "w")]  # doctest: +SKIP
        [(1, False), (2, True)]
    """
    revisions = store.revisions(workflow_id)
    if not revisions:
        raise WorkflowError([f"no workflow {workflow_id!r} in {store.root}"])
    records = activations(store, workflow_id)
    live = records[-1] if records else None
    went_live = {r.revision for r in records}
    trail = audit_trail(store, workflow_id)
    rows = []
    for rev in revisions:
        workflow = store.load(workflow_id, rev.number)
        actions = [
            {k: e.get(k) for k in ("at", "action", "by", "outcome", "suggestion")}
            for e in trail
            if e.get("outcome") == "done" and e.get("revision") == rev.number
        ]
        rows.append(
            {
                **rev.to_dict(),
                "version": workflow.version,
                "status": workflow.status,
                "live": live is not None and live.revision == rev.number,
                "state": _state(rev.number, live, went_live),
                "actions": actions,
            }
        )
    return rows
