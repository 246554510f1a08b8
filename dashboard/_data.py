"""Data for the pages: stored logs through a cache keyed by log version + filter stack, and
background jobs for long work.

Each computation opens its own DuckDB connection to the event store (cheap while the store is
open; DuckDB connections are not shared between threads), applies the view's filter stack, runs
one mining / improvement function and keeps only its small result. Results are cached (LRU) by
``(log, version, filter stack JSON, what, parameters)``; two requests for the same key wait for one
computation. Events never leave the server: the pages get aggregates.
"""

from __future__ import annotations

import json
import threading
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, session

from automation import WorkflowStore
from dashboard._examples import NO_EXAMPLES, Examples
from dashboard._prefetch import Prefetcher, lower_priority
from mining import EventLog, EventStore, FilterStack, LogInfo, LogNotFoundError, filter_from_dict

T = TypeVar("T")
Report = Callable[[str, float | None], None]
EXTENSION = "mejora.dashboard"
SESSION_VIEW_LIMIT = 2000


@dataclass(frozen=True)
class View:
    """What a page looks at: a stored log and a filter stack (as JSON-ready dicts)."""

    log: str | None = None
    filters: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> View:
        """From the browser's store; filters that do not parse are refused (ValueError)."""
        if not data:
            return cls()
        filters = tuple(data.get("filters") or ())
        FilterStack([filter_from_dict(f) for f in filters])  # validate
        log = data.get("log")
        return cls(str(log) if log else None, filters)

    def to_data(self) -> dict[str, Any]:
        """For the browser's store."""
        return {"log": self.log, "filters": [dict(f) for f in self.filters]}

    @property
    def stack(self) -> FilterStack:
        """The filters as a mining FilterStack."""
        return FilterStack([filter_from_dict(f) for f in self.filters])

    @property
    def key(self) -> str:
        """The filter stack as canonical JSON (part of every cache key)."""
        return json.dumps(list(self.filters), sort_keys=True, ensure_ascii=False)

    def adding(self, item: dict[str, Any]) -> View:
        """This view with one more filter (unchanged if the same filter is already there)."""
        return self if item in self.filters else View(self.log, (*self.filters, item))

    def popped(self) -> View:
        """Without the last filter."""
        return View(self.log, self.filters[:-1])

    def cleared(self) -> View:
        """Without filters."""
        return View(self.log, ())

    def unfiltered(self) -> View:
        """The same log without filters."""
        return View(self.log, ())


@dataclass
class Job:
    """A piece of long work running in the background for one user."""

    id: str
    owner: str
    future: Future
    stage: str = ""
    fraction: float | None = None
    started: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self, stage: str, fraction: float | None = None) -> None:
        """Progress callback for the work."""
        self.stage, self.fraction = stage, fraction


class Jobs:
    """Background work in a thread pool, polled by the page (``dcc.Interval``)."""

    def __init__(self, workers: int = 2, keep: int = 64) -> None:
        self._pool = ThreadPoolExecutor(  # long work yields the cores to the requests
            max_workers=workers, thread_name_prefix="mejora-job", initializer=lower_priority
        )
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def submit(self, owner: str, work: Callable[[Report], Any]) -> str:
        """Start ``work(report)``; returns the job id."""
        job_id = uuid.uuid4().hex
        job = Job(job_id, owner, Future())

        def run() -> Any:
            return work(job.report)

        job.future = self._pool.submit(run)
        with self._lock:
            self._jobs[job_id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)
        return job_id

    def get(self, job_id: str | None, owner: str) -> Job | None:
        """The job if it exists and belongs to ``owner``."""
        with self._lock:
            job = self._jobs.get(job_id or "")
        return job if job is not None and job.owner == owner else None

    def shutdown(self) -> None:
        """Stop taking work (running jobs finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


class _ReadWriteGate:
    """Many readers or one writer; a waiting writer stops new readers (no starvation), except
    a thread that reads already (a nested read must not wait for a writer waiting on it)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0
        self._mine = threading.local()

    @contextmanager
    def reading(self) -> Iterator[None]:
        depth = getattr(self._mine, "depth", 0)
        with self._cond:
            if not depth:
                self._cond.wait_for(lambda: not self._writer and not self._waiting)
            self._readers += 1
        self._mine.depth = depth + 1
        try:
            yield
        finally:
            self._mine.depth = depth
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._writer and not self._readers)
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class DataService:
    """The event store as the pages see it: catalogue, cached results, writes and jobs.

    Example:
        >>> data = DataService("store.duckdb")                           # doctest: +SKIP
        >>> view = View("deals")                                         # doctest: +SKIP
        >>> data.cached(view, "cases", lambda log: log.n_cases)          # doctest: +SKIP
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        workflows: str | Path | None = None,
        cache_entries: int = 512,
        workers: int = 2,
        examples: Examples | None = None,
        query_threads: int | None = 1,
    ) -> None:
        self.store_path = Path(store_path)
        self.workflows = WorkflowStore(workflows)  # designed workflows and their revisions
        self.examples = examples or NO_EXAMPLES  # what the pages offer to load
        # The store is held read-only, so `mejora` commands in other processes can read it while
        # the dashboard runs (DuckDB lets many processes read a file, or one write it). A write
        # (import, vocabulary, delete) waits for the reads in flight, closes every connection,
        # writes through a read-write one and reopens read-only.
        self._threads = query_threads
        self._gate = _ReadWriteGate()
        if not self.store_path.exists():
            EventStore(self.store_path).close()  # a new, empty store with its catalogue
        # keeps the database open for cheap connects; one thread a query (the requests run side
        # by side, and a query's own thread has the priority of its work: see lower_priority)
        self._anchor = self._reader()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, Future] = OrderedDict()
        self._entries = cache_entries
        self._versions: dict[str, str] = {}
        self._catalogue: list[LogInfo] = []
        self.jobs = Jobs(workers)
        self.prefetcher = Prefetcher()
        self.refresh()

    # -- catalogue -------------------------------------------------------------------------
    def refresh(self) -> list[LogInfo]:
        """Re-read the store's catalogue (after a write)."""
        with self.store() as store:
            infos = store.logs()
        with self._lock:
            self._catalogue = infos
            self._versions = {i.name: i.imported_at.isoformat() for i in infos}
        return infos

    def logs(self) -> list[LogInfo]:
        """Every stored log, by name."""
        with self._lock:
            return list(self._catalogue)

    def catalogue(self) -> list[dict[str, Any]]:
        """The stored logs as table rows (name, format, counts, import time; no server paths)."""
        return [
            {
                "name": i.name,
                "format": i.format,
                "events": i.events,
                "cases": i.cases,
                "quarantined": i.quarantined,
                "imported_at": i.imported_at.strftime("%Y-%m-%d %H:%M"),
            }
            for i in self.logs()
        ]

    def email_logs(self) -> list[str]:
        """The stored logs consent evidence can read, most events first."""
        with self.store() as store:
            return store.consent_logs()

    def info(self, name: str) -> LogInfo:
        """The catalogue line of one log."""
        for info in self.logs():
            if info.name == name:
                return info
        raise LogNotFoundError(f"no log named {name!r}")

    def default_view(self, data: dict[str, Any] | None = None) -> View:
        """``data`` if it names a stored log, else the first stored log without filters."""
        names = [i.name for i in self.logs()]
        try:
            view = View.from_data(data)
        except (ValueError, TypeError):
            view = View()
        if view.log in names:
            return view
        return View(self._preferred())

    def _preferred(self) -> str | None:
        # the richest process first: most events per case, then most cases
        logs = self.logs()
        if not logs:
            return None
        return max(logs, key=lambda i: (i.events / max(i.cases, 1), i.cases)).name

    # -- reading ---------------------------------------------------------------------------
    def _reader(self) -> EventStore:
        return EventStore(self.store_path, read_only=True, threads=self._threads)

    @contextmanager
    def store(self) -> Iterator[EventStore]:
        """A fresh read-only connection to the event store, closed afterwards."""
        with self._gate.reading():
            store = self._reader()
            try:
                yield store
            finally:
                store.close()

    @contextmanager
    def _writing(self) -> Iterator[EventStore]:
        """The store read-write, once the reads in flight are done; read-only again after."""
        with self._gate.writing():
            self._anchor.close()
            try:
                store = EventStore(self.store_path)
                try:
                    yield store
                finally:
                    store.close()
            finally:
                self._anchor = self._reader()

    @contextmanager
    def open(self, view: View) -> Iterator[EventLog]:
        """The view's log with its filters applied, on a fresh connection."""
        if not view.log:
            raise LogNotFoundError("no log selected: import one on the Data page")
        with self.store() as store:
            yield view.stack.apply(store.load(view.log))

    def _key(self, view: View, what: str, params: tuple) -> tuple:
        with self._lock:
            version = self._versions.get(view.log or "")
        if version is None:
            raise LogNotFoundError(f"no log named {view.log!r} in the store")
        return (view.log, version, view.key, what, params)

    def cached(self, view: View, what: str, compute: Callable[[EventLog], T], *params: Any) -> T:
        """``compute(log)`` on the view, cached by log version + filter stack + ``what`` +
        ``params``; concurrent callers of the same key share one computation."""
        key = self._key(view, what, params)
        with self._lock:
            future = self._cache.get(key)
            owner = future is None
            if owner:
                future = self._cache[key] = Future()
                while len(self._cache) > self._entries:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
        if owner:
            try:
                with self.open(view) as log:
                    future.set_result(compute(log))
            except BaseException as exc:
                future.set_exception(exc)
                with self._lock:
                    self._cache.pop(key, None)
        return future.result()

    def is_cached(self, view: View, what: str, *params: Any) -> bool:
        """Whether the result is computed (or being computed)."""
        try:
            key = self._key(view, what, params)
        except LogNotFoundError:
            return False
        with self._lock:
            return key in self._cache

    def peek(self, view: View, what: str, *params: Any) -> Any:
        """The result if it is computed already, else None (never waits, never computes)."""
        try:
            key = self._key(view, what, params)
        except LogNotFoundError:
            return None
        with self._lock:
            future = self._cache.get(key)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()

    def prefetch(
        self,
        view: View,
        what: str,
        compute: Callable[[EventLog], Any],
        *params: Any,
        first: bool = False,
    ) -> None:
        """Compute a result the user is likely to ask for next, in the background when the
        server has a moment (bounded: see ``Prefetcher``); ``first`` before what waits."""
        if self.is_cached(view, what, *params):
            return
        try:
            key = self._key(view, what, params)
        except LogNotFoundError:
            return

        def run() -> None:
            self.cached(view, what, compute, *params)

        self.prefetcher.submit(key, run, first=first)

    def settle(self, timeout: float | None = None) -> None:
        """Wait until the background prefetch is done (the benchmark's pause between moves)."""
        self.prefetcher.settle(timeout)

    def forget(self, name: str) -> None:
        """Drop every cached result of a log."""
        with self._lock:
            for key in [k for k in self._cache if k[0] == name]:
                del self._cache[key]

    # -- writing ---------------------------------------------------------------------------
    def save(self, log: EventLog, name: str, *, replace: bool = False) -> LogInfo:
        """Store ``log`` as ``name`` (refused if the name exists, unless ``replace``)."""
        with self._writing() as store:
            if name in store and not replace:
                raise ValueError(f"a log named {name!r} exists already")
            store.save(log, name)
        self.forget(name)
        self.refresh()
        return self.info(name)

    # -- the vocabulary ----------------------------------------------------------------------
    def vocabulary_rows(self, name: str) -> list[dict[str, Any]]:
        """A stored log's vocabulary as table rows: role or kind, its column or labels, and
        whether it was given rather than detected."""
        with self.store() as store:
            vocabulary = store.load(name).vocabulary
        rows = [
            {"meaning": f"role:{r}", "value": c, "given": f"role:{r}" in vocabulary.given}
            for r, c in vocabulary.roles.items()
        ]
        rows += [
            {
                "meaning": f"kind:{k}",
                "value": " | ".join(v),
                "given": f"kind:{k}" in vocabulary.given,
            }
            for k, v in vocabulary.kinds.items()
        ]
        return rows

    def vocabulary_choices(self, name: str, what: str) -> tuple[list[str], list[str]]:
        """For ``what`` (``role:contact``, ``kind:sent``...): what can be chosen (the log's
        columns for a role, its activities for a kind) and what is chosen now."""
        group, _, item = what.partition(":")
        with self.store() as store:
            log = store.load(name)
            vocabulary = log.vocabulary
            if group == "role":
                current = vocabulary.role(item)
                return list(log.columns), [current] if current else []
            return log.activity_labels(), list(vocabulary.labels(item))

    def revise_vocabulary(self, name: str, what: str, values: list[str]) -> None:
        """Set one role's column or one kind's labels of a stored log (refused, ValueError or
        EventLogError, when a column or label is not in the log); cached results are dropped."""
        group, _, item = what.partition(":")
        roles = {item: values[0] if values else None} if group == "role" else None
        kinds = {item: list(values)} if group == "kind" else None
        if roles is None and kinds is None:
            raise ValueError(f"not a role or event kind: {what!r}")
        with self._writing() as store:
            store.revise_vocabulary(name, roles, kinds)
        self.forget(name)

    def delete(self, name: str) -> None:
        """Remove a stored log."""
        with self._writing() as store:
            store.delete(name)
        self.forget(name)
        self.refresh()

    def close(self) -> None:
        """Stop background work and close the store."""
        self.jobs.shutdown()
        self.prefetcher.close()
        self._anchor.close()


def data() -> DataService:
    """The data service of the running app."""
    return current_app.extensions[EXTENSION]


def publish(view: View) -> dict[str, Any]:
    """The view for the browser's store, remembered in the signed session for the next visit."""
    payload = view.to_data()
    if len(json.dumps(payload)) <= SESSION_VIEW_LIMIT:  # the session is a cookie: keep it small
        session["view"] = payload
    return payload


def _sizing(service: DataService, view: View) -> Callable[[EventLog], tuple[int, int]]:
    """Counting a view's events and cases: from the log's follows index once it is built (see
    ``_cached.process_map``), else on the events."""

    def sizes(log: EventLog) -> tuple[int, int]:
        index = service.peek(view.unfiltered(), "follows_index")
        if index is not None and index.covers(log):
            return index.sizes(log)
        return log.n_events, log.n_cases

    return sizes


def counts(view: View) -> tuple[int, int]:
    """(events, cases) of the view: from the catalogue when unfiltered, else counted once."""
    if not view.filters:
        info = data().info(view.log or "")
        return info.events, info.cases
    return data().cached(view, "counts", _sizing(data(), view))


def prefetch_counts(views: list[View]) -> None:
    """Count the cases of views the user may pick next (e.g. each activity of the map)."""
    for view in views:
        data().prefetch(view, "counts", _sizing(data(), view))


def error_text(exc: BaseException, *, hide: tuple[str, ...] = ()) -> str:
    """One readable line for an error shown on a page; server paths in ``hide`` are blanked."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for secret in hide:
        text = text.replace(secret, "…")
    if not isinstance(exc, ValueError | LookupError | OSError):
        traceback.print_exception(exc)
    return text
