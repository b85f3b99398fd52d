"""The errors a service may raise; the UI's error presenter knows how to show each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class StudioSyncError(Exception):
    """Base of every error a receptionist should see as a message, not a crash."""


class ValidationFailed(StudioSyncError):
    """Bad input. `fields` maps a field name to its message ('' for the form as a whole)."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.fields.items()))


class Conflict(StudioSyncError):
    """The change clashes with data already there (a double booking, a duplicate)."""


class NeedsConfirmation(Conflict):
    """The booking is possible but outside the teacher's hours or over an outside event:
    the desk confirms it (and the confirmation is recorded) or chooses another time."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("\n".join(self.reasons[:5]))


class Busy(Conflict):
    """Other desks kept changing the same records at this moment (a deadlock or serialization
    failure, rerun a few times without success); trying again a little later works."""


class NotFound(StudioSyncError):
    """The thing asked for does not exist (any more)."""


class PermissionDenied(StudioSyncError):
    """The acting user's role may not do this."""


class DatabaseUnavailable(StudioSyncError):
    """The database server cannot be reached; the UI offers Retry."""


class SchemaOutOfDate(StudioSyncError):
    """The shared server's schema revision differs from this app's; the message says what to run."""


class NotSetUp(StudioSyncError):
    """Something this PC needs is missing (a password store, the Stripe key): an ordinary
    situation, and the message says what to do about it."""
