"""The resource library: entries (files, links, physical items), sharing, and lending copies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from studiosync_desktop.schemas.common import Frozen, Input
from studiosync_desktop.vocabulary import MAX_RESOURCE_FILE_BYTES

ResourceType = Literal["pdf", "audio", "video", "image", "physical", "link", "other"]
FILE_TYPES = ("pdf", "audio", "video", "image", "other")


class ResourceForm(Input):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    resource_type: ResourceType = "pdf"
    category: str = Field(default="", max_length=100)
    tags: tuple[str, ...] = ()
    is_public: bool = False
    external_url: str = Field(default="", max_length=2000)
    quantity_total: int = Field(default=0, ge=0, le=100_000)
    checkout_duration_days: int = Field(default=14, ge=1, le=365)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v: object) -> object:
        if isinstance(v, str):
            return tuple(t.strip() for t in v.split(",") if t.strip())
        return v

    @model_validator(mode="after")
    def _kind(self) -> ResourceForm:
        if self.resource_type == "link" and not self.external_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError("A link needs its web address (starting with https://).")
        if self.resource_type == "physical" and self.quantity_total < 1:
            raise ValueError("A physical resource needs at least one copy.")
        return self


class ResourceFile(Frozen):
    """The bytes of a stored file, to open with the system's viewer or save a copy."""

    file_name: str
    mime_type: str
    data: bytes


class ResourceRow(Frozen):
    id: uuid.UUID
    title: str
    resource_type: str
    category: str
    tags: tuple[str, ...]
    is_public: bool
    shared_count: int
    file_name: str
    file_size: int
    external_url: str
    quantity_total: int
    quantity_available: int
    is_lendable: bool
    checkout_duration_days: int
    description: str


class ResourceLend(Input):
    resource_id: uuid.UUID
    student_id: uuid.UUID
    quantity: int = Field(default=1, gt=0, le=1000)
    due_date: date | None = None
    checkout_notes: str = Field(default="", max_length=2000)


class ResourceCheckoutRow(Frozen):
    id: uuid.UUID
    resource_id: uuid.UUID
    title: str
    student_id: uuid.UUID
    student_name: str
    quantity: int
    status: str
    checked_out_at: datetime
    due_date: date | None
    returned_at: datetime | None
    is_overdue: bool


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


MAX_FILE_TEXT = size_text(MAX_RESOURCE_FILE_BYTES)
