"""Background prefetch with bounds: work a user is likely to ask for next (the neighbouring
slider positions, the case count of each click), done in the gaps between requests.

Bounded three ways, so that with many users it neither piles up nor runs on after they leave:
at most ``limit`` pieces wait (the oldest is dropped for a new one), a piece not started within
``ttl`` seconds is dropped (the user has moved on), and nothing runs when no request has come for
``idle`` seconds (nobody is looking: the queue is emptied). While requests are being answered
the prefetch waits (up to ``patience`` seconds a piece), so it does not slow them down.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


def lower_priority(nice: int = 10) -> None:
    """Give the calling thread a lower CPU priority (on Linux threads have a nice value of
    their own), so background work yields the cores to requests; elsewhere nothing changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError):
        return


@dataclass
class _Piece:
    run: Callable[[], None]
    queued: float
    first: bool = False


class Prefetcher:
    """One background thread working through a bounded queue of keyed pieces of work.

    Example:
        >>> done = []
        >>> prefetch = Prefetcher()
        >>> prefetch.submit("a", lambda: done.append("a"))
        True
        >>> prefetch.settle(5)
        >>> done
        ['a']
        >>> prefetch.close()
    """

    def __init__(
        self,
        *,
        limit: int = 64,
        ttl: float = 20.0,
        idle: float = 15.0,
        patience: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.ttl, self.idle, self.patience = limit, ttl, idle, patience
        self._clock = clock
        self._queue: OrderedDict[Hashable, _Piece] = OrderedDict()
        self._cond = threading.Condition()
        self._seen = clock()
        self._in_flight = 0
        self._running = False
        self._closed = False
        self.dropped = 0  # pieces given up (queue full, too old, nobody looking)
        self.done = 0
        self._thread = threading.Thread(target=self._work, name="mejora-prefetch", daemon=True)
        self._thread.start()

    # -- what the requests tell it -------------------------------------------------------------
    def request_started(self) -> None:
        """A request is being answered: someone is looking; the prefetch waits for it."""
        with self._cond:
            self._seen = self._clock()
            self._in_flight += 1

    def request_ended(self) -> None:
        """The request is answered."""
        with self._cond:
            self._seen = self._clock()
            self._in_flight = max(self._in_flight - 1, 0)
            self._cond.notify_all()

    # -- the queue ---------------------------------------------------------------------------
    def submit(self, key: Hashable, run: Callable[[], None], *, first: bool = False) -> bool:
        """Queue ``run`` under ``key`` (once: a key already waiting is not queued again);
        ``first`` puts it at the front. Returns whether it was queued."""
        with self._cond:
            if self._closed or key in self._queue:
                return False
            self._queue[key] = _Piece(run, self._clock(), first)
            if first:
                self._queue.move_to_end(key, last=False)
            while len(self._queue) > self.limit:  # drop the oldest piece not put first
                victims = [k for k, p in self._queue.items() if k != key and not p.first]
                if not victims:
                    break
                del self._queue[victims[0]]
                self.dropped += 1
            self._cond.notify_all()
        return True

    @property
    def waiting(self) -> int:
        """Pieces in the queue."""
        with self._cond:
            return len(self._queue)

    def settle(self, timeout: float | None = None) -> None:
        """Wait until the queue is empty and nothing runs (the benchmark's pause)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._queue or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return
                self._cond.wait(left if left is not None else 0.5)

    def close(self) -> None:
        """Drop what waits and stop the thread (a running piece finishes)."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()

    # -- the worker ----------------------------------------------------------------------------
    def _next(self) -> _Piece | None:
        """The next piece to run, after any waiting; None when closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                now = self._clock()
                if self._queue and now - self._seen > self.idle:  # nobody is looking
                    self.dropped += len(self._queue)
                    self._queue.clear()
                    self._cond.notify_all()
                for key in [k for k, p in self._queue.items() if now - p.queued > self.ttl]:
                    del self._queue[key]  # the user has moved on
                    self.dropped += 1
                if not self._queue:
                    self._cond.notify_all()
                    self._cond.wait(1.0)
                    continue
                key, piece = next(iter(self._queue.items()))
                if self._in_flight and now - piece.queued < self.patience:
                    self._cond.wait(0.05)  # requests first
                    continue
                del self._queue[key]
                self._running = True
                return piece

    def _work(self) -> None:
        lower_priority()
        while (piece := self._next()) is not None:
            try:
                piece.run()
            except Exception:  # a prefetch that fails is simply not done
                pass
            finally:
                with self._cond:
                    self._running = False
                    self.done += 1
                    self._cond.notify_all()
