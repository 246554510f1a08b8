"""Errors raised by Mejora. Each inherits a built-in so callers can catch what they already know."""

from __future__ import annotations


class EventLogError(ValueError):
    """A log cannot be read or used; the message names the file, what was expected and found."""


class UnsafeFileError(EventLogError):
    """A file refused because parsing it could harm the machine (entity bomb, external entity)."""


class LogNotFoundError(LookupError):
    """A log name that is not in the event store."""

    def __str__(self) -> str:  # LookupError would quote the message like a KeyError
        return str(self.args[0]) if self.args else "log not found"


class NotFittedError(ValueError, AttributeError):
    """A stateful tool was used before ``fit``."""


class StoreError(OSError):
    """The event store cannot be opened or written (e.g. another process holds it)."""
