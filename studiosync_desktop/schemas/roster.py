"""The roster: what the add/edit dialogs send (validated here, in the dialog and the service
alike), the rows of the four roster views, and a person's page."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, field_validator

from studiosync_desktop import limits
from studiosync_desktop.schemas.common import Frozen, Input, Span
from studiosync_desktop.schemas.contact import check_optional_email, check_phone

RosterKind = Literal["students", "families", "teachers", "bands"]


def clean_list(values: list[str]) -> list[str]:
    seen: list[str] = []
    for v in values:
        v = v.strip()
        if v and v.lower() not in (s.lower() for s in seen):
            seen.append(v)
    return seen


class StudentInput(Input):
    """A student: the person (name, email, phone) and their enrolment."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    phone_number: str = Field(default="", max_length=40)
    instrument: str = Field(default="", max_length=100)
    specialties: list[str] = Field(default_factory=list)
    date_of_birth: Annotated[date | None, Span("birth")] = None
    family_id: uuid.UUID | None = None
    primary_teacher_id: uuid.UUID | None = None
    emergency_contact_name: str = Field(default="", max_length=200)
    emergency_contact_phone: str = Field(default="", max_length=40)
    enrollment_date: Annotated[date | None, Span("past")] = None
    notes: str = Field(default="", max_length=limits.NOTE)

    _email = field_validator("email")(check_optional_email)
    _phones = field_validator("phone_number", "emergency_contact_phone")(check_phone)
    _lists = field_validator("specialties")(clean_list)


class FamilyInput(Input):
    name: str = Field(min_length=1, max_length=200)
    primary_contact_id: uuid.UUID | None = None
    phone_number: str = Field(default="", max_length=40)
    billing_email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=limits.ADDRESS)

    _email = field_validator("billing_email")(check_optional_email)
    _phone = field_validator("phone_number")(check_phone)


class TeacherInput(Input):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: EmailStr  # staff always have one: it is how they log in
    phone_number: str = Field(default="", max_length=40)
    bio: str = Field(default="", max_length=limits.LONG_TEXT)
    specialties: list[str] = Field(default_factory=list)
    hourly_rate: Decimal = Field(
        default=Decimal("0"), ge=0, le=limits.MAX_AMOUNT, max_digits=12, decimal_places=2
    )
    booking_buffer_minutes: int = Field(default=0, ge=0, le=240)
    is_accepting_students: bool = True

    _phone = field_validator("phone_number")(check_phone)
    _lists = field_validator("specialties")(clean_list)


class BandInput(Input):
    name: str = Field(min_length=1, max_length=200)
    primary_contact_id: uuid.UUID | None = None
    email: str = Field(default="", max_length=254)
    phone_number: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=120)
    state: str = Field(default="", max_length=120)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=limits.NOTE)
    member_ids: tuple[uuid.UUID, ...] = ()  # users (students, usually)

    _email = field_validator("email")(check_optional_email)
    _phone = field_validator("phone_number")(check_phone)


class Choice(Frozen):
    """One entry of a drop-down: an id and what the receptionist reads."""

    id: uuid.UUID
    label: str


class RosterChoices(Frozen):
    """What the roster dialogs offer to pick from."""

    families: tuple[Choice, ...]
    teachers: tuple[Choice, ...]
    people: tuple[Choice, ...]  # users: contacts of families and bands
    student_users: tuple[Choice, ...]  # band members


class FamilyRow(Frozen):
    id: uuid.UUID
    name: str
    contact_name: str
    phone: str
    billing_email: str
    student_count: int
    is_active: bool


class TeacherRow(Frozen):
    id: uuid.UUID
    name: str
    email: str
    phone: str
    specialties: str  # "piano, voice": the list as the roster shows it
    hourly_rate: Decimal
    booking_buffer_minutes: int
    is_accepting_students: bool
    student_count: int
    is_active: bool
    photo: bytes | None = None  # the list-sized copy (64 px JPEG), when they have a photo

    @field_validator("specialties", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class BandRow(Frozen):
    id: uuid.UUID
    name: str
    contact_name: str
    email: str
    phone: str
    city: str
    member_count: int
    is_active: bool


class Saved(Frozen):
    """What a create or update returns: the row's id and a line for the status bar."""

    id: uuid.UUID
    message: str


# --- a person's page -------------------------------------------------------------------


class PageLine(Frozen):
    """One line of a section of a person's page, with the link it opens (if any)."""

    when: datetime | date | None = None
    text: str
    detail: str = ""
    amount: Decimal | None = None
    link: str = ""


class PageSection(Frozen):
    title: str
    lines: tuple[PageLine, ...]
    empty_text: str = "None."


class PersonPage(Frozen):
    """Everything the desk wants to know about one student, family, teacher or band."""

    kind: RosterKind
    id: uuid.UUID
    title: str
    subtitle: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[PageSection, ...]
    is_active: bool
    # The person the page is about (a family's contact): whose data, consents and photo.
    person_id: uuid.UUID | None = None
    photo: bytes | None = None
