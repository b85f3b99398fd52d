"""Teacher pay on paper: a teacher's pay statement, and a pay run's summary."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import Sheet, money, page_size, short_date
from studiosync_desktop.schemas.billing import StudioLetterhead
from studiosync_desktop.schemas.teacher_pay import (
    PayLineRow,
    PayRunSummary,
    PayStatement,
    TeacherPayTotal,
)
from studiosync_desktop.vocabulary import PAY_ATTENDANCE_NAMES

Money = Callable[[Decimal], str]
KIND_TITLES = {
    "lesson": "Lessons",
    "adjustment": "Adjustments to lessons of earlier runs",
    "extra": "Added by hand",
}


def _status(approved_at: datetime | None, zone: str, approved_by: str = "") -> str:
    if approved_at is None:
        return "Preview: not approved yet, figures may still change"
    at = approved_at.astimezone(ZoneInfo(zone))
    by = f" by {approved_by}" if approved_by else ""
    return f"Approved{by} on {short_date(at.date())} at {at:%H:%M}"


def render_statement(st: PayStatement) -> bytes:
    """Lessons (date, student, length, attendance, rate, amount), adjustments, lines by hand,
    and the total, for one teacher and one run."""
    head = st.letterhead
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(head.locale), pageCompression=0)
    c.setTitle(f"Pay statement: {st.teacher.teacher_name}, {st.period.label}")
    sheet = Sheet(c, head.name, "PAY STATEMENT", head.theme_color, head.logo)

    def fmt(v: Decimal) -> str:
        return money(v, head.currency, head.locale)

    zone = ZoneInfo(head.timezone)
    t = st.teacher
    sheet.text(t.teacher_name, 12, bold=True)
    if t.email:
        sheet.text(t.email, 9.5, muted=True)
    sheet.gap()
    sheet.text(f"Pay period: {st.period.label}", 10)
    sheet.text(_status(st.approved_at, head.timezone), 9.5, muted=True)
    sheet.text(
        f"{t.lessons} lesson{'s' if t.lessons != 1 else ''} paid, {t.hours} hours taught", 10
    )
    sheet.gap()
    for kind, title in KIND_TITLES.items():
        lines = [line for line in st.lines if line.kind == kind]
        if not lines:
            continue
        sheet.text(title, 10, bold=True)
        if kind == "extra":
            sheet.table(
                ["Reason", "Amount"],
                [[line.reason, fmt(line.amount)] for line in lines],
                [6, 1.3],
                right={1},
            )
            continue
        sheet.table(
            ["Date", "Lesson", "Length", "Attendance", "Rate", "Amount"],
            [_lesson_cells(line, zone, fmt) for line in lines],
            [1.1, 2.4, 0.7, 1.0, 2.2, 1.0],
            right={2, 5},
        )
        for line in lines:
            if line.reason:
                when = line.lesson_start.astimezone(zone).date() if line.lesson_start else None
                sheet.text(f"{short_date(when)}: {line.reason}", 8.5, muted=True)
    sheet.gap()
    sheet.table(
        ["", "Amount"],
        [
            ["Lessons", fmt(t.lesson_pay)],
            ["Adjustments", fmt(t.adjustments)],
            ["Added by hand", fmt(t.extras)],
            ["Total", fmt(t.total)],
        ],
        [6, 1.3],
        right={1},
        bold_last=True,
    )
    sheet.finish()
    c.save()
    return buffer.getvalue()


def _lesson_cells(line: PayLineRow, zone: ZoneInfo, fmt: Money) -> list[str]:
    when = line.lesson_start.astimezone(zone).date() if line.lesson_start else None
    return [
        short_date(when),
        line.description,
        f"{line.minutes} min" if line.minutes else "",
        PAY_ATTENDANCE_NAMES.get(line.attendance or "", ""),
        line.rate_text,
        fmt(line.amount),
    ]


def render_run_summary(summary: PayRunSummary) -> bytes:
    """Every teacher's lessons, hours, lesson pay, adjustments, lines by hand and total."""
    head: StudioLetterhead = summary.letterhead
    run = summary.run
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(head.locale), pageCompression=0)
    c.setTitle(f"Pay run: {run.period.label}")
    sheet = Sheet(c, head.name, "PAY RUN", head.theme_color, head.logo)

    def fmt(v: Decimal) -> str:
        return money(v, head.currency, head.locale)

    sheet.text(f"Pay period: {run.period.label}", 12, bold=True)
    sheet.text(_status(run.approved_at, head.timezone, run.approved_by), 9.5, muted=True)
    sheet.gap()
    rows = [_total_cells(t, fmt) for t in run.teachers]
    lessons = sum(t.lessons for t in run.teachers)
    minutes = sum(t.minutes for t in run.teachers)
    grand = TeacherPayTotal(
        teacher_id=uuid.UUID(int=0),
        teacher_name=f"Total ({len(run.teachers)} teachers)",
        email="",
        lessons=lessons,
        minutes=minutes,
        lesson_pay=sum((t.lesson_pay for t in run.teachers), Decimal(0)),
        adjustments=sum((t.adjustments for t in run.teachers), Decimal(0)),
        extras=sum((t.extras for t in run.teachers), Decimal(0)),
        total=run.total,
    )
    rows.append(_total_cells(grand, fmt))
    sheet.table(
        ["Teacher", "Lessons", "Hours", "Lesson pay", "Adjustments", "By hand", "Total"],
        rows,
        [2.6, 0.8, 0.8, 1.2, 1.2, 1.0, 1.2],
        right={1, 2, 3, 4, 5, 6},
        bold_last=True,
    )
    for warning in run.warnings:
        sheet.text(warning, 8.5, muted=True)
    sheet.finish()
    c.save()
    return buffer.getvalue()


def _total_cells(t: TeacherPayTotal, fmt: Money) -> list[str]:
    amounts = (t.lesson_pay, t.adjustments, t.extras, t.total)
    return [t.teacher_name, str(t.lessons), f"{t.hours}", *(fmt(a) for a in amounts)]
