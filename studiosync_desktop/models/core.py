"""People and places: users, studios, teachers, students, families and bands."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Computed,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from studiosync_desktop.models.base import (
    Base,
    IdMixin,
    StudioOwnedMixin,
    TimestampMixin,
    empty_json_array,
    empty_json_object,
    one_of,
)
from studiosync_desktop.vocabulary import USER_ROLES

# Roster search columns (migration 0006_roster): `roster_fold` is lower(unaccent(...)).
_DIGITS = "regexp_replace(phone_number, '[^0-9]', '', 'g')"
SEARCH_USERS = (
    "roster_fold(first_name || ' ' || last_name || ' ' || email || ' ' || phone_number"
    f" || ' ' || {_DIGITS})"
)
SEARCH_STUDENTS = "roster_fold(instrument || ' ' || (specialties)::text)"
SEARCH_TEACHERS = "roster_fold((specialties)::text)"
SEARCH_FAMILIES = (
    f"roster_fold(name || ' ' || billing_email || ' ' || phone_number || ' ' || {_DIGITS})"
)
SEARCH_BANDS = (
    f"roster_fold(name || ' ' || email || ' ' || phone_number || ' ' || city || ' ' || {_DIGITS})"
)


class Studio(IdMixin, TimestampMixin, Base):
    """A music school. `settings` holds the studio policies (validated by `StudioSettings`)."""

    __tablename__ = "studios"

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")
    website: Mapped[str] = mapped_column(String(300), server_default="")
    email: Mapped[str] = mapped_column(String(254), server_default="")
    phone: Mapped[str] = mapped_column(String(40), server_default="")
    address: Mapped[str] = mapped_column(String(300), server_default="")
    city: Mapped[str] = mapped_column(String(120), server_default="")
    state: Mapped[str] = mapped_column(String(120), server_default="")
    country: Mapped[str] = mapped_column(String(120), server_default="")
    postal_code: Mapped[str] = mapped_column(String(20), server_default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mime_type: Mapped[str] = mapped_column(String(100), server_default="")
    theme_color: Mapped[str] = mapped_column(String(9), server_default="#3b6ea5")
    # Time zone and currency are columns (not settings) because SQL needs them:
    # "today in the studio's time zone" decides overdue, the currency goes to Stripe.
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    settings: Mapped[dict[str, Any]] = mapped_column(server_default=empty_json_object())
    layout_data: Mapped[dict[str, Any]] = mapped_column(server_default=empty_json_object())
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    # A database holds one studio: a second setup is refused by the unique index below (0013).
    # Only a studio deliberately made as an extra one (tests of studios' privacy) says false.
    one_per_database: Mapped[bool] = mapped_column(server_default=text("true"))

    __table_args__ = (
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso"),
        CheckConstraint("theme_color ~ '^#[0-9A-Fa-f]{6}$'", name="theme_color_hex"),
        Index(
            "uq_studios_one_per_database",
            text("(true)"),
            unique=True,
            postgresql_where=text("one_per_database"),
        ),
    )


class User(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """A person known to the studio.

    The schema's `password` is not a column: staff log in as their own PostgreSQL login role
    (`db_role`), and the server's SCRAM verifier is their hashed password. Students and
    parents are people in the data and have no login role.
    """

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), server_default="")
    role: Mapped[str] = mapped_column(String(20))
    phone_number: Mapped[str] = mapped_column(String(40), server_default="")
    # A photo (JPEG, at most 512 px) and its thumbnail for lists (64 px): resized on upload.
    avatar: Mapped[bytes | None] = mapped_column(LargeBinary)
    avatar_thumb: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    db_role: Mapped[str | None] = mapped_column(String(63), unique=True)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    is_staff: Mapped[bool] = mapped_column(server_default=text("false"))
    is_superuser: Mapped[bool] = mapped_column(server_default=text("false"))
    # Set when an admin invites or resets a login: the app asks for a new password first.
    must_change_password: Mapped[bool] = mapped_column(server_default=text("false"))
    last_login: Mapped[datetime | None]
    # Roster search: lower-case, accent-free name, email and phone (migration 0006_roster).
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_USERS), deferred=True)

    __table_args__ = (
        CheckConstraint(one_of("role", USER_ROLES), name="role_allowed"),
        CheckConstraint("position('@' in email) > 1", name="email_has_at"),
        CheckConstraint("octet_length(avatar) <= 1048576", name="avatar_size"),
        CheckConstraint("octet_length(avatar_thumb) <= 32768", name="avatar_thumb_size"),
        # Emails are unique whatever their case: "Maya@x.org" and "maya@x.org" are one person.
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
        # A studio's people in name order: a short roster search reads one page (0053).
        Index("ix_users_studio_id_name", "studio_id", "last_name", "first_name"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Family(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """Students billed together: a family is one payer."""

    __tablename__ = "families"

    name: Mapped[str] = mapped_column(String(200))
    primary_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    phone_number: Mapped[str] = mapped_column(String(40), server_default="")
    address: Mapped[str] = mapped_column(Text, server_default="")
    billing_email: Mapped[str] = mapped_column(String(254), server_default="")
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_FAMILIES), deferred=True)

    primary_contact: Mapped[User | None] = relationship()
    students: Mapped[list[Student]] = relationship(back_populates="family")


class Teacher(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "teachers"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    bio: Mapped[str] = mapped_column(Text, server_default="")
    specialties: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    hourly_rate: Mapped[Decimal] = mapped_column(server_default=text("0"))
    is_accepting_students: Mapped[bool] = mapped_column(server_default=text("true"))
    booking_buffer_minutes: Mapped[int] = mapped_column(server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    # Their own IANA zone (None: the studio's): an outside calendar's floating times (0041).
    timezone: Mapped[str | None] = mapped_column(String(64))
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_TEACHERS), deferred=True)

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("hourly_rate >= 0", name="hourly_rate_not_negative"),
        CheckConstraint("booking_buffer_minutes BETWEEN 0 AND 240", name="booking_buffer_in_range"),
        CheckConstraint("jsonb_typeof(specialties) = 'array'", name="specialties_is_array"),
    )


class Student(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    __tablename__ = "students"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    family_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), index=True
    )
    primary_teacher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teachers.id", ondelete="SET NULL"), index=True
    )
    instrument: Mapped[str] = mapped_column(String(100), server_default="")
    specialties: Mapped[list[str]] = mapped_column(server_default=empty_json_array())
    date_of_birth: Mapped[date | None]
    emergency_contact_name: Mapped[str] = mapped_column(String(200), server_default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), server_default="")
    enrollment_date: Mapped[date] = mapped_column(server_default=func.current_date())
    notes: Mapped[str] = mapped_column(Text, server_default="")
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    # The day the student left (set by a trigger when is_active turns false; 0024).
    left_on: Mapped[date | None]
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_STUDENTS), deferred=True)

    user: Mapped[User] = relationship()
    family: Mapped[Family | None] = relationship(back_populates="students")
    primary_teacher: Mapped[Teacher | None] = relationship()

    __table_args__ = (
        CheckConstraint("jsonb_typeof(specialties) = 'array'", name="specialties_is_array"),
        CheckConstraint(
            "date_of_birth IS NULL OR date_of_birth > DATE '1900-01-01'", name="birth_plausible"
        ),
        CheckConstraint("left_on IS NULL OR NOT is_active", name="left_only_when_inactive"),
    )


band_members = Table(
    "band_members",
    Base.metadata,
    Column("band_id", ForeignKey("bands.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Band(IdMixin, TimestampMixin, StudioOwnedMixin, Base):
    """An ensemble; a band is billed as one payer for its lessons."""

    __tablename__ = "bands"

    name: Mapped[str] = mapped_column(String(200))
    primary_contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), server_default="")
    phone_number: Mapped[str] = mapped_column(String(40), server_default="")
    address: Mapped[str] = mapped_column(String(300), server_default="")
    city: Mapped[str] = mapped_column(String(120), server_default="")
    state: Mapped[str] = mapped_column(String(120), server_default="")
    postal_code: Mapped[str] = mapped_column(String(20), server_default="")
    country: Mapped[str] = mapped_column(String(120), server_default="")
    notes: Mapped[str] = mapped_column(Text, server_default="")
    is_active: Mapped[bool] = mapped_column(server_default=text("true"))
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_BANDS), deferred=True)

    primary_contact: Mapped[User | None] = relationship()
    members: Mapped[list[User]] = relationship(secondary=band_members)


# GIN trigram indexes of the roster search columns (migration 0006_roster).
for _table in (User, Student, Teacher, Family, Band):
    Index(
        f"ix_{_table.__tablename__}_search_text",
        _table.search_text,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
