"""The day sheet: one page per teacher (or room) for a date, with a ruled notes column."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from studiosync_desktop.reports.style import (
    BOLD,
    FONT,
    INK,
    MUTED,
    RULE,
    ZEBRA,
    draw_logo,
    hex_rgb,
    long_date,
    page_size,
    set_ink,
)
from studiosync_desktop.schemas.scheduling import DaySheet, DaySheetLine, DaySheetPage
from studiosync_desktop.vocabulary import words
from studiosync_desktop.zones import zone_of

MARGIN = 42.0
ROW_H = 46.0  # room for two ruled lines of handwriting per lesson
HEAD_H = 18.0


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-2] + "…" if len(text) > 2 else ""
    return text


class _Page:
    def __init__(self, c: Canvas, sheet: DaySheet, accent: tuple[float, float, float]) -> None:
        self.c = c
        self.sheet = sheet
        self.accent = accent
        self.width, self.height = float(c._pagesize[0]), float(c._pagesize[1])
        self.zone = zone_of(sheet.timezone)
        self.number = 0
        # Time, who, where / with whom, type, notes: relative widths across the page.
        rel = [1.15, 2.1, 1.6, 0.9, 3.6]
        usable = self.width - 2 * MARGIN
        self.xs = [MARGIN]
        for w in rel:
            self.xs.append(self.xs[-1] + w * usable / sum(rel))

    def render(self, page: DaySheetPage) -> None:
        lines = list(page.lines)
        first = True
        while first or lines:
            y = self._letterhead(page, continued=not first)
            first = False
            if not lines:
                set_ink(self.c, MUTED)
                self.c.setFont(FONT, 11)
                self.c.drawString(MARGIN, y - 20, "No lessons on this day.")
            n = 0
            while lines and y - ROW_H >= MARGIN + 24:
                self._row(lines.pop(0), y, n)
                y -= ROW_H
                n += 1
            if not lines:
                self._day_notes(y - 28)
            self._footer()
            self.c.showPage()

    def _letterhead(self, page: DaySheetPage, continued: bool) -> float:
        c, sheet = self.c, self.sheet
        self.number += 1
        c.setFillColorRGB(*self.accent)
        c.rect(0, self.height - 8, self.width, 8, stroke=0, fill=1)
        top = self.height - MARGIN
        used = draw_logo(c, sheet.logo, MARGIN, top + 10, 22)  # small: the page is the day's
        set_ink(c, INK)
        c.setFont(BOLD, 12)
        c.drawString(MARGIN + (used + 8 if used else 0), top, sheet.studio_name)
        c.setFillColorRGB(*self.accent)
        c.setFont(BOLD, 12)
        c.drawRightString(self.width - MARGIN, top, "DAY SHEET")
        set_ink(c, MUTED)
        c.setFont(FONT, 10)
        c.drawRightString(self.width - MARGIN, top - 14, f"{sheet.day:%A}, {long_date(sheet.day)}")
        # The page's subject, large: the teacher (or room) this sheet goes to.
        set_ink(c, INK)
        c.setFont(BOLD, 22)
        heading = page.heading + ("  (continued)" if continued else "")
        c.drawString(MARGIN, top - 44, _fit(c, heading, BOLD, 22, self.width - 2 * MARGIN))
        set_ink(c, MUTED)
        c.setFont(FONT, 10)
        c.drawString(MARGIN, top - 60, self._summary(page))
        y = top - 84
        c.setFillColorRGB(*self.accent)
        c.rect(MARGIN, y - 5, self.width - 2 * MARGIN, HEAD_H, stroke=0, fill=1)
        c.setFillColorRGB(1, 1, 1)
        c.setFont(BOLD, 9)
        other = "Room" if sheet.by == "teacher" else "Teacher"
        for i, title in enumerate(("Time", "Student / band", other, "Type", "Notes")):
            c.drawString(self.xs[i] + 5, y, title)
        return y - 5

    def _summary(self, page: DaySheetPage) -> str:
        n = len(page.lines)
        if not n:
            return f"Times in {self.sheet.timezone}"
        first = page.lines[0].start.astimezone(self.zone)
        last = max(line.end for line in page.lines).astimezone(self.zone)
        count = f"{n} lesson" + ("" if n == 1 else "s")
        return (
            f"{count}  ·  {first:%H:%M}\N{EN DASH}{last:%H:%M}  ·  times in {self.sheet.timezone}"
        )

    def _row(self, line: DaySheetLine, top: float, n: int) -> None:
        c, xs = self.c, self.xs
        bottom = top - ROW_H
        if n % 2:
            set_ink(c, ZEBRA)
            c.rect(MARGIN, bottom, xs[4] - MARGIN, ROW_H, stroke=0, fill=1)
        base = top - 16
        a, b = line.start.astimezone(self.zone), line.end.astimezone(self.zone)
        set_ink(c, INK)
        c.setFont(BOLD, 12)
        c.drawString(xs[0] + 5, base, f"{a:%H:%M}")
        set_ink(c, MUTED)
        c.setFont(FONT, 9)
        minutes = int((line.end - line.start).total_seconds() // 60)
        c.drawString(xs[0] + 5, base - 13, f"to {b:%H:%M}  ({minutes} min)")
        set_ink(c, INK)
        c.setFont(BOLD, 11)
        who = line.student_name or "(room booking)"
        c.drawString(xs[1] + 5, base, _fit(c, who, BOLD, 11, xs[2] - xs[1] - 10))
        c.setFont(FONT, 10)
        where = line.room_name or "No room" if self.sheet.by == "teacher" else line.teacher_name
        c.drawString(xs[2] + 5, base, _fit(c, where, FONT, 10, xs[3] - xs[2] - 10))
        c.drawString(xs[3] + 5, base, _fit(c, words(line.lesson_type), FONT, 10, xs[4] - xs[3]))
        if line.status != "scheduled":
            set_ink(c, MUTED)
            c.setFont(FONT, 8.5)
            c.drawString(xs[3] + 5, base - 13, words(line.status))
        # The notes column: two ruled lines to write on, and a rule under every lesson.
        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.6)
        for k in (1, 2):
            y = top - k * ROW_H / 2.4 - 2
            c.line(xs[4] + 6, y, self.width - MARGIN, y)
        c.setStrokeColorRGB(*MUTED)
        c.setLineWidth(0.4)
        c.line(MARGIN, bottom, self.width - MARGIN, bottom)

    def _day_notes(self, top: float) -> None:
        """The rest of the last page: ruled lines for the day's notes (what to pass on)."""
        if top - 60 < MARGIN + 24:
            return
        c = self.c
        set_ink(c, INK)
        c.setFont(BOLD, 10)
        c.drawString(MARGIN, top, "Notes for the day")
        c.setStrokeColorRGB(*RULE)
        c.setLineWidth(0.6)
        y = top - 24
        while y >= MARGIN + 24:
            c.line(MARGIN, y, self.width - MARGIN, y)
            y -= 22

    def _footer(self) -> None:
        set_ink(self.c, MUTED)
        self.c.setFont(FONT, 8)
        self.c.drawString(
            MARGIN, MARGIN / 2, f"{self.sheet.studio_name}  ·  day sheet {self.sheet.day:%Y-%m-%d}"
        )
        self.c.drawRightString(self.width - MARGIN, MARGIN / 2, f"page {self.number}")


def render_day_sheet(sheet: DaySheet) -> bytes:
    """One page per teacher or room (more if a long day runs over); a blank page if none."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=page_size(sheet.locale), pageCompression=0)
    c.setTitle(f"Day sheet {sheet.day.isoformat()} — {sheet.studio_name}")
    c.setAuthor(sheet.studio_name)
    pages = sheet.pages or (DaySheetPage(heading="Everyone", lines=()),)
    painter = _Page(c, sheet, hex_rgb(sheet.accent))
    for page in pages:
        painter.render(page)
    c.save()
    return buffer.getvalue()
