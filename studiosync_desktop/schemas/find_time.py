"""Finding a time: what is asked (who, how long, where) and the options found."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field, model_validator

from studiosync_desktop.schemas.common import Frozen


class SlotQuery(Frozen):
    """A lesson's length for a student or band with a teacher (or any teacher of an
    instrument), optionally in a room; or, with only a room, when the room is free."""

    student_id: uuid.UUID | None = None
    band_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    instrument: str = Field(default="", max_length=100)
    # Any active teacher ("who is free Tuesday at four?").
    any_teacher: bool = False
    room_id: uuid.UUID | None = None
    minutes: int = Field(default=30, ge=15, le=240)
    first_day: date | None = None  # today when not given
    days: int = Field(default=28, ge=1, le=62)
    limit: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _something_to_find(self) -> SlotQuery:
        if self.student_id is not None and self.band_id is not None:
            raise ValueError("Choose a student or a band, not both")
        if self.room_only and self.room_id is None:
            raise ValueError("Choose a teacher, an instrument or a room")
        return self

    @property
    def room_only(self) -> bool:
        return self.teacher_id is None and not self.instrument and not self.any_teacher


class SlotOption(Frozen):
    start: datetime
    end: datetime
    teacher_id: uuid.UUID | None
    teacher_name: str
    room_id: uuid.UUID | None
    room_name: str
    # Why it ranks where it does, in words ("Tuesdays at 16:00, as usual").
    note: str = ""
