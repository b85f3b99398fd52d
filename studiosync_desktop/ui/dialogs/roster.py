"""Add/edit dialogs of the roster: one form per kind, validated by the service's own schema.

Each kind's fields are kit `Field`s; the people and families to choose among come from the
service's `RosterChoices` when the dialog opens. A message from the service (a taken email)
lands under its field too; nothing is written unless everything is valid.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import BaseModel
from PySide6.QtWidgets import QWidget

from studiosync_desktop.schemas.roster import (
    BandInput,
    Choice,
    FamilyInput,
    RosterChoices,
    RosterKind,
    StudentInput,
    TeacherInput,
)
from studiosync_desktop.ui.dialogs.form_dialog import FormDialog
from studiosync_desktop.ui.error_presenter import ErrorPresenter
from studiosync_desktop.ui.forms import Field
from studiosync_desktop.ui.task_runner import TaskRunner

FORMS: dict[RosterKind, tuple[type[BaseModel], tuple[Field, ...]]] = {
    "students": (
        StudentInput,
        (
            Field("first_name", "&First name *"),
            Field("last_name", "&Last name"),
            Field("email", "&Email", hint="optional for young students"),
            Field("phone_number", "&Phone"),
            Field("instrument", "&Instrument"),
            Field("specialties", "Other s&ubjects", "list", hint="comma-separated"),
            Field("date_of_birth", "&Date of birth", "day", hint="YYYY-MM-DD"),
            Field("family_id", "Fa&mily", "choice", none="(none)"),
            Field("primary_teacher_id", "&Teacher", "choice", none="(none)"),
            Field("emergency_contact_name", "Emer&gency contact"),
            Field("emergency_contact_phone", "Emergency p&hone"),
            Field("enrollment_date", "E&nrolled on", "day", hint="YYYY-MM-DD, today if empty"),
            Field("notes", "N&otes", "notes"),
        ),
    ),
    "families": (
        FamilyInput,
        (
            Field("name", "&Name *"),
            Field("primary_contact_id", "Billing &contact", "choice", none="(none)"),
            Field("billing_email", "Billing &email"),
            Field("phone_number", "&Phone"),
            Field("address", "&Address", "notes"),
        ),
    ),
    "teachers": (
        TeacherInput,
        (
            Field("first_name", "&First name *"),
            Field("last_name", "&Last name"),
            Field("email", "&Email *"),
            Field("phone_number", "&Phone"),
            Field("specialties", "&Specialties", "list", hint="comma-separated"),
            Field("hourly_rate", "Hourly &rate", "money"),
            Field(
                "booking_buffer_minutes",
                "&Buffer between lessons (min)",
                "number",
                high=240,
                step=5,
            ),
            Field("is_accepting_students", "&Accepting new students", "flag", value=True),
            Field("bio", "B&io", "notes"),
        ),
    ),
    "bands": (
        BandInput,
        (
            Field("name", "&Name *"),
            Field("primary_contact_id", "&Contact", "choice", none="(none)"),
            Field("email", "&Email"),
            Field("phone_number", "&Phone"),
            Field("address", "&Address"),
            Field("city", "Cit&y"),
            Field("state", "S&tate"),
            Field("postal_code", "P&ostal code"),
            Field("country", "Co&untry"),
            Field("member_ids", "&Members", "members"),
            Field("notes", "No&tes", "notes"),
        ),
    ),
}

# Which of the service's lists a field chooses from.
CHOICES_FROM = {
    "family_id": "families",
    "primary_teacher_id": "teachers",
    "primary_contact_id": "people",
    "member_ids": "student_users",
}

TITLES = {"students": "student", "families": "family", "teachers": "teacher", "bands": "band"}


def with_choices(f: Field, choices: RosterChoices) -> Field:
    """`f` with the people (or families) it chooses among, ids as text (Qt compares them
    by value)."""
    source = CHOICES_FROM.get(f.name)
    if source is None:
        return f
    listed: tuple[Choice, ...] = getattr(choices, source)
    return replace(f, choices=tuple((c.label, str(c.id)) for c in listed))


class RosterDialog(FormDialog):
    """Add (row_id None) or edit one student, family, teacher or band."""

    def __init__(
        self,
        kind: RosterKind,
        choices: RosterChoices,
        save: Callable[[BaseModel, uuid.UUID | None], Any],
        runner: TaskRunner,
        presenter: ErrorPresenter,
        initial: BaseModel | None = None,
        row_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        schema, fields = FORMS[kind]
        noun = TITLES[kind]
        title = f"Edit {noun}" if row_id else f"Add a {noun}"
        super().__init__(title, schema, runner, presenter, parent, scrolling=True)
        self.kind = kind
        self.row_id = row_id
        self.setObjectName(f"roster_dialog_{kind}")
        self.resize(520, 640 if kind == "students" else 480)
        self.form.add_fields(with_choices(f, choices) for f in fields)
        self.form.save = lambda data: save(data, row_id)
        if initial is not None:
            self.form.fill(initial)
