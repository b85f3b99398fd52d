"""What the cancel form foretells about a make-up credit: the database's rules, in words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from studiosync_desktop.schemas.scheduling import LessonDetail
from studiosync_desktop.schemas.studio import StudioSettings
from studiosync_desktop.ui.lesson_words import credit_forecast

NOW = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


def lesson(hours_ahead: float, kind: str = "private", student: bool = True) -> LessonDetail:
    start = NOW + timedelta(hours=hours_ahead)
    return LessonDetail(
        id=uuid.uuid4(), teacher_id=uuid.uuid4(), teacher_name="Isabella Turner",
        student_id=uuid.uuid4() if student else None, student_name="Isaac Cox" if student else "",
        band_id=None, band_name="", room_id=None, room_name="", lesson_type=kind,
        status="scheduled", start=start, end=start + timedelta(minutes=30), location="",
        rate=Decimal("32.50"), recurring_pattern_id=None, lesson_plan_id=None,
        cancellation_reason="", cancelled_at=None, cancelled_by_name="",
        cancelled_on_behalf_of=None, is_late_cancel=False, makeup_credits=0,
    )  # fmt: skip


CREDIT = "Isaac Cox gets a make-up credit, usable until Sat 6 Mar 2027."


@pytest.mark.parametrize(
    ("hours", "party", "kind", "student", "policy", "said"),
    [
        (48, "student", "private", True, {}, CREDIT),
        (2, "student", "private", True, {}, "No make-up credit: less than 24 hours' notice."),
        (2, "teacher", "private", True, {}, CREDIT),
        (2, "studio", "private", True, {}, CREDIT),
        (
            48, "student", "private", True, {"makeup_for_student_notice": False},
            "No make-up credit: the studio gives none for a student's cancellation.",
        ),
        (
            48, "studio", "private", True, {"makeup_for_teacher_cancel": False},
            "No make-up credit: the studio gives none for its own or a teacher's cancellation.",
        ),
        (48, "student", "makeup", True, {}, "A make-up lesson earns no make-up credit of its own."),
        (48, "studio", "group", False, {}, "A band's or a room's lesson earns no make-up credit."),
    ],
)  # fmt: skip
def test_the_cancel_form_foretells_the_credit_as_the_database_grants_it(
    hours: float, party: str, kind: str, student: bool, policy: dict[str, bool], said: str
) -> None:
    settings = StudioSettings(**policy)  # 24 hours' notice, credits for 90 days
    assert credit_forecast(lesson(hours, kind, student), party, settings, NOW, NY) == said
