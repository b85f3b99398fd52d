"""Privacy: data exports, erasure requests, consents and the retention settings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from studiosync_desktop.schemas.common import Frozen, Input
from studiosync_desktop.vocabulary import CONSENT_NAMES

ConsentKind = Literal["terms", "privacy_policy", "marketing_email", "recital_photos", "analytics"]


class ExportSection(Frozen):
    """One table's rows about the person, as the PDF summary prints them."""

    table: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int


class PersonExport(Frozen):
    """A person's data export: the ZIP (summary PDF, JSON, files) and what it holds."""

    person_id: uuid.UUID
    name: str
    filename: str
    data: bytes
    counts: dict[str, int]


class ExportSummary(Frozen):
    """What the PDF summary of an export says."""

    name: str
    role: str
    facts: tuple[tuple[str, str], ...]
    exported_at: datetime
    exported_by: str
    sections: tuple[ExportSection, ...]


class ErasureAsk(Input):
    """The desk records who asked for a person's erasure."""

    person_id: uuid.UUID
    asked_by: str = Field(min_length=2, max_length=200)


class PrivacyRequestRow(Frozen):
    """A request in the admins' queue (and its history)."""

    id: uuid.UUID
    reference: int
    kind: str
    person_id: uuid.UUID
    person: str
    role: str
    asked_by: str
    asked_at: datetime
    recorded_by: str
    status: str
    done_at: datetime | None
    done_by: str
    outcome: str
    # Why it cannot be carried out now (an open erasure only): empty when it can.
    blockers: tuple[str, ...] = ()


class ConsentInput(Input):
    """A consent given or withdrawn, and how."""

    user_id: uuid.UUID
    kind: ConsentKind
    granted: bool
    source: str = Field(default="", max_length=200)


class ConsentState(Frozen):
    """Where one kind of consent stands for a person (None: never asked)."""

    kind: str
    name: str
    granted: bool | None
    recorded_at: datetime | None
    recorded_by: str
    source: str

    @property
    def words(self) -> str:
        if self.granted is None:
            return "Not asked"
        return "Given" if self.granted else "Withdrawn"


def consent_name(kind: str) -> str:
    return CONSENT_NAMES.get(kind, kind)


class RetentionRunRow(Frozen):
    ran_on: date
    ran_at: datetime
    ran_by: str
    summary: dict[str, Any]

    def describe(self) -> str:
        return describe_retention(self.summary)


RETENTION_WORDS = {
    "messages": "message",
    "notifications": "notification",
    "audit_entries": "audit entry",
    "former_students": "former student",
}


def describe_retention(summary: dict[str, Any]) -> str:
    """{'messages': 3, 'former_students': 1} -> 'Retention: removed 3 messages; anonymised
    1 former student.' ('' when nothing was due)."""
    removed: list[str] = []
    anonymised: list[str] = []
    for key, word in RETENTION_WORDS.items():
        n = int(summary.get(key, 0) or 0)
        if not n:
            continue
        plural = word if n == 1 else (word[:-1] + "ies" if word.endswith("y") else word + "s")
        (anonymised if key == "former_students" else removed).append(f"{n} {plural}")
    parts = []
    if removed:
        parts.append("removed " + ", ".join(removed))
    if anonymised:
        parts.append("anonymised " + ", ".join(anonymised))
    return ("Retention: " + "; ".join(parts) + ".") if parts else ""
