"""Reports for the desk, admins and teachers (their own rows): revenue, outstanding,
attendance, students, progress, teachers, pay, the accountant's financial export, and the
web app's export types. Each is a table for a period; the files are made in report_files."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import PermissionDenied, ValidationFailed
from studiosync_desktop.models import Studio, Teacher
from studiosync_desktop.schemas.common import Actor, parse_input
from studiosync_desktop.schemas.figures import Series
from studiosync_desktop.schemas.reports import (
    Cell,
    ReportChart,
    ReportColumn,
    ReportInfo,
    ReportRequest,
    ReportTable,
)
from studiosync_desktop.services import report_sql as q
from studiosync_desktop.services.periods import add_months, check_period, local_midnight
from studiosync_desktop.services.reading import studio_settings
from studiosync_desktop.zones import zone_of

C = ReportColumn
MONEY_SHARED = ("revenue", "teachers")  # reports that share payments among invoice lines
MONEY_COLUMNS = ("invoiced", "credit_notes", "received", "refunded", "net")


@dataclass(frozen=True)
class Report:
    info: ReportInfo
    columns: Callable[[ReportRequest], tuple[ReportColumn, ...]]
    sql: Callable[[ReportRequest, Actor], str]
    counts: str
    chart: Callable[[ReportTable], ReportChart | None] = lambda _t: None
    totals: bool = True


def _revenue_columns(r: ReportRequest) -> tuple[ReportColumn, ...]:
    by = {"teacher": "Teacher", "instrument": "Instrument", "method": "Payment method"}
    key = (C(key="key", title=by[r.group]),) if r.group in by else ()
    money: tuple[ReportColumn, ...]
    if r.group == "method":
        money = (
            C(key="received", title="Received", kind="money"),
            C(key="refunded", title="Refunded", kind="money"),
            C(key="net", title="Net received", kind="money"),
        )
    else:
        money = (
            C(key="invoiced", title="Invoiced", kind="money"),
            C(key="credit_notes", title="Credit notes", kind="money"),
            C(key="received", title="Received", kind="money"),
            C(key="refunded", title="Refunded", kind="money"),
            C(key="net", title="Net received", kind="money"),
        )
    return (C(key="month", title="Month"), *key, *money)


def _revenue_rows(r: ReportRequest, _a: Actor) -> str:
    return q.revenue(r.group, bool(r.instrument), bool(r.payer))


def _months_chart(t: ReportTable) -> ReportChart:
    """Net received per month, a stack per teacher / instrument / method when grouped."""
    months = sorted({str(row[0]) for row in t.rows})
    keyed = len(t.columns) > 1 and t.columns[1].key == "key"
    values: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(months))
    for row in t.rows:
        name = str(row[1]) if keyed else "Net received"
        values[name][months.index(str(row[0]))] += Decimal(str(row[-1] or 0))
    return ReportChart(
        title="Net received per month",
        kind="money",
        categories=tuple(months),
        series=tuple(Series(name=n, values=tuple(v)) for n, v in sorted(values.items())),
    )


def bars(title: str, value: int, kind: Any = "count", top: int = 20) -> Callable[..., Any]:
    """A chart of one column per row (the first column names the bar), the largest `top`."""

    def make(t: ReportTable) -> ReportChart | None:
        rows = sorted(t.rows, key=lambda r: Decimal(str(r[value] or 0)), reverse=True)[:top]
        if not rows:
            return None
        return ReportChart(
            title=title,
            kind=kind,
            categories=tuple(str(r[0]) for r in rows),
            series=(
                Series(
                    name=t.columns[value].title,
                    values=tuple(Decimal(str(r[value] or 0)) for r in rows),
                ),
            ),
        )

    return make


def _attendance_chart(t: ReportTable) -> ReportChart | None:
    if not t.rows:
        return None
    names = ("Completed", "Late-cancelled", "Cancelled", "No-show")
    return ReportChart(
        title="Attendance",
        kind="count",
        categories=names,
        series=(
            Series(
                name="Lessons",
                values=tuple(
                    Decimal(sum(int(str(r[i] or 0)) for r in t.rows)) for i in range(1, 5)
                ),
            ),
        ),
    )


ATTENDANCE_COLUMNS = (
    C(key="completed", title="Completed", kind="count"),
    C(key="late_cancelled", title="Late-cancelled", kind="count"),
    C(key="cancelled", title="Cancelled", kind="count"),
    C(key="no_show", title="No-show", kind="count"),
    C(key="makeups", title="Make-ups taught", kind="count"),
    C(key="unmarked", title="Not marked", kind="count"),
    C(key="due", title="Due to happen", kind="count"),
    C(key="rate", title="Attendance", kind="percent"),
)

REPORTS: dict[str, Report] = {}


def _add(report: Report) -> None:
    REPORTS[report.info.name] = report


_add(
    Report(
        ReportInfo(
            name="revenue",
            title="Revenue",
            description="Invoiced and received per month, by teacher, instrument or method",
            groups=("month", "teacher", "instrument", "method"),
            filters=("instrument", "payer"),
            staff_only=True,
        ),
        _revenue_columns,
        _revenue_rows,
        "Invoiced: invoices issued in the period (sent, part-paid or paid) at their total; "
        "credit notes by their issue date. Received: money paid in the period by payment date "
        "(paying from account credit excluded), refunds by the day they were made. By teacher "
        "or instrument, each amount is shared in proportion to the invoice's lesson lines, to "
        "the cent ('Not lessons': room hire, books, fees). An instrument keeps the shares of "
        "its students' lesson lines; a payer, the money of their invoices.",
        _months_chart,
    )
)
_add(
    Report(
        ReportInfo(
            name="outstanding",
            title="Outstanding",
            description="Balance by payer with aging buckets",
            filters=("payer",),
            staff_only=True,
        ),
        lambda _r: (
            C(key="payer", title="Payer"),
            C(key="invoices", title="Invoices", kind="count"),
            C(key="current", title="Not yet due", kind="money"),
            C(key="d30", title="1-30 days", kind="money"),
            C(key="d60", title="31-60 days", kind="money"),
            C(key="d90", title="61-90 days", kind="money"),
            C(key="over90", title="Over 90 days", kind="money"),
            C(key="balance", title="Balance", kind="money"),
        ),
        lambda r, _a: q.outstanding(bool(r.payer)),
        "What is still due on sent and part-paid invoices issued by the period's last day (or "
        "today, if earlier), by payer, aged by days past the due date on that day.",
        bars("Balance by payer", 7, "money"),
    )
)
_add(
    Report(
        ReportInfo(
            name="attendance",
            title="Attendance",
            description="Per student or teacher: completed, cancelled, no-show, make-up, rate",
            groups=("student", "teacher"),
            filters=("teacher", "instrument"),
        ),
        lambda r: (
            C(key="name", title="Teacher" if r.group == "teacher" else "Student or band"),
            *ATTENDANCE_COLUMNS,
        ),
        lambda r, _a: q.attendance(r.group, bool(r.instrument)),
        "Lessons that started in the period, up to now (future lessons never count). The rate "
        "is lessons completed over lessons due to happen: completed, no-shows and late "
        "cancellations by the student; cancelled in time or by the studio is not due.",
        _attendance_chart,
    )
)
_add(
    Report(
        ReportInfo(
            name="students",
            title="Students",
            description="Enrolment and retention by instrument or main teacher",
            groups=("instrument", "teacher"),
            filters=("teacher", "instrument"),
        ),
        lambda r: (
            C(key="key", title="Main teacher" if r.group == "teacher" else "Instrument"),
            C(key="at_start", title="Active at start", kind="count"),
            C(key="joined", title="Joined", kind="count"),
            C(key="left", title="Left", kind="count"),
            C(key="at_end", title="Active at end", kind="count"),
            C(key="stayed", title="Stayed all period", kind="count"),
        ),
        lambda r, _a: q.students(r.group, bool(r.instrument)),
        "Active at start: enrolled by the day before the period and not left; joined: "
        "enrolment date in the period; left: made inactive in the period; stayed: active at "
        "both the start and the end.",
        bars("Active at the end of the period", 4),
    )
)
_add(
    Report(
        ReportInfo(
            name="progress",
            title="Student progress",
            description="Goals per student by status, with the average progress",
            filters=("teacher",),
        ),
        lambda _r: (
            C(key="student", title="Student"),
            C(key="teacher", title="Teacher"),
            C(key="active", title="Goals active", kind="count"),
            C(key="achieved", title="Achieved", kind="count"),
            C(key="abandoned", title="Abandoned", kind="count"),
            C(key="progress", title="Average progress of active goals", kind="percent"),
        ),
        lambda _r, _a: q.PROGRESS,
        "Goals set before the period's end, by their status now.",
        bars("Goals achieved", 3),
        totals=False,
    )
)
_add(
    Report(
        ReportInfo(
            name="teachers",
            title="Teachers",
            description="Hours taught, lessons by status, students and revenue per teacher",
            filters=("teacher", "instrument"),
        ),
        lambda _r: (
            C(key="teacher", title="Teacher"),
            C(key="hours", title="Hours taught", kind="hours"),
            C(key="completed", title="Completed", kind="count"),
            C(key="late_cancelled", title="Late-cancelled", kind="count"),
            C(key="cancelled", title="Cancelled", kind="count"),
            C(key="no_show", title="No-show", kind="count"),
            C(key="students", title="Students taught", kind="count"),
            C(key="revenue", title="Revenue received", kind="money"),
        ),
        lambda r, a: q.teachers(a.is_staff_desk, bool(r.instrument)),
        "Lessons that started in the period, up to now; hours: the booked length of lessons "
        "taught; revenue (desk and admins): money received in the period shared by the "
        "invoices' lesson lines.",
        bars("Hours taught", 1, "hours"),
    )
)
_add(
    Report(
        ReportInfo(
            name="financial",
            title="Financial export",
            description="Every invoice, credit note, payment and refund, with stable ids",
            filters=("payer",),
            staff_only=True,
        ),
        lambda _r: (
            C(key="id", title="Id", kind="id"),
            C(key="date", title="Date", kind="date"),
            C(key="kind", title="Type"),
            C(key="number", title="Number"),
            C(key="payer", title="Payer"),
            C(key="method", title="Method"),
            C(key="subtotal", title="Subtotal", kind="money"),
            C(key="tax", title="Tax", kind="money"),
            C(key="amount", title="Amount", kind="money"),
            C(key="invoice", title="Invoice"),
        ),
        lambda r, _a: q.financial(bool(r.payer)),
        "One row per invoice and credit note issued (void ones too, with their total), "
        "payment received and refund made in the period. The id never changes, so importing "
        "the same period twice adds nothing twice. A payment's refunds are one row with their "
        "sum (the studio keeps one refund total per payment).",
        totals=False,
    )
)
_add(
    Report(
        ReportInfo(
            name="lessons",
            title="Lessons (attendance export)",
            description="One row per lesson of the period, as the web app's attendance export",
            filters=("teacher", "instrument"),
        ),
        lambda _r: (
            C(key="id", title="Id", kind="id"),
            C(key="date", title="Date", kind="date"),
            C(key="start", title="Start"),
            C(key="end", title="End"),
            C(key="teacher", title="Teacher"),
            C(key="student", title="Student or band"),
            C(key="room", title="Room"),
            C(key="type", title="Type"),
            C(key="status", title="Status"),
            C(key="late", title="Late cancel"),
            C(key="rate", title="Rate", kind="money"),
        ),
        lambda r, _a: q.lessons(bool(r.instrument)),
        "Every lesson starting in the period, whatever its status.",
        totals=False,
    )
)
_Filters = tuple[Literal["teacher", "instrument", "payer"], ...]
_LISTS: tuple[
    tuple[str, str, str, Callable[[ReportRequest], str], tuple[str, ...], bool, _Filters], ...
]
_LISTS = (
    (
        "users",
        "Users",
        "Every person of the studio: staff, students, parents",
        lambda _r: q.USERS,
        ("Id:id", "Name", "Email", "Role", "Phone", "Active", "Since:date"),
        True,
        (),
    ),
    (
        "student-list",
        "Student list",
        "Every student, as the web app's students export",
        lambda r: q.student_list(bool(r.instrument)),
        (
            "Id:id",
            "Name",
            "Email",
            "Instrument",
            "Main teacher",
            "Family",
            "Enrolled:date",
            "Left:date",
            "Active",
        ),
        False,
        ("teacher", "instrument"),
    ),
    (
        "teacher-list",
        "Teacher list",
        "Every teacher, as the web app's teachers export",
        lambda _r: q.TEACHER_LIST,
        ("Id:id", "Name", "Email", "Specialties", "Accepting students", "Active", "Students:count"),
        False,
        ("teacher",),
    ),
)
for _name, _title, _desc, _sql, _cols, _staff, _filters in _LISTS:
    _add(
        Report(
            ReportInfo(
                name=_name, title=_title, description=_desc, staff_only=_staff, filters=_filters
            ),
            lambda _r, cols=_cols: tuple(  # type: ignore[misc]
                C(
                    key=c.split(":")[0].lower(),
                    title=c.split(":")[0],
                    kind=(c + ":text").split(":")[1],
                )
                for c in cols
            ),
            lambda r, _a, sql=_sql: sql(r),  # type: ignore[misc]
            "The list as it is now (the period does not apply).",
            totals=False,
        )
    )

PAY_INFO = ReportInfo(
    name="pay",
    title="Teacher pay",
    description="Approved pay runs of the period per teacher",
    admin_only=True,
)


class ReportService:
    def __init__(self, db: Database, pay: Any = None) -> None:
        self._db = db
        self._pay = pay  # TeacherPayService: the pay report is its approved runs

    def available(self, actor: Actor) -> tuple[ReportInfo, ...]:
        """The reports this login may run, in the order the list shows them."""
        infos = [r.info for r in REPORTS.values()]
        if self._pay is not None:
            infos.insert(7, PAY_INFO)
        return tuple(i for i in infos if _may(actor, i))

    def instruments(self, actor: Actor) -> tuple[str, ...]:
        """The instruments of the studio's students (those this login sees), for the filter."""
        if not any(_may(actor, i) for i in (r.info for r in REPORTS.values())):
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not run reports.")
        with self._db.read_session() as s:
            return tuple(
                s.scalars(
                    text(
                        "SELECT DISTINCT instrument FROM students"
                        " WHERE studio_id = :studio AND instrument <> '' ORDER BY 1"
                    ),
                    {"studio": actor.studio_id},
                )
            )

    def run(
        self, actor: Actor, data: ReportRequest | dict[str, Any], now: datetime | None = None
    ) -> ReportTable:
        """The report's table as of `now` (default: now); a teacher gets only their own rows."""
        request = parse_input(ReportRequest, data)
        with self._db.read_session() as s:
            params, studio, r = self._prepare(s, actor, request, now)
            if request.name == "pay":
                return self._pay_table(actor, request, studio)
            report = REPORTS[request.name]
            shares = request.name in MONEY_SHARED
            if shares:
                # Sharing three years of payments hashes some 150,000 shares: in memory rather
                # than sorted on disk (the server's default is 4 MB). A read session has no
                # transaction, where SET LOCAL did nothing (with a warning): set on this
                # pooled connection for the statement and reset after it.
                s.execute(text("SET work_mem = '32MB'"))
            try:
                rows = tuple(
                    _finish(request.name, tuple(row))
                    for row in s.execute(text(report.sql(r, actor)), params)
                )
            finally:
                if shares:  # a refused or failed report leaves the connection as it found it
                    s.execute(text("RESET work_mem"))
            narrowed = _narrowed(s, actor, r, report.info)
        table = ReportTable(
            narrowed=narrowed,
            name=request.name,
            title=report.info.title,
            first=request.first,
            last=request.last,
            counts=report.counts,
            columns=report.columns(r),
            rows=rows,
            totals=_totals(report.columns(r), rows) if report.totals else None,
            **studio,
        )
        return table.model_copy(update={"chart": report.chart(table)})

    def stream(
        self, actor: Actor, data: ReportRequest | dict[str, Any], chunk: int = 5000
    ) -> Iterator[tuple[Cell, ...]]:
        """The report's rows read in chunks (server-side), for a large export."""
        request = parse_input(ReportRequest, data)
        # A server-side cursor lives in a transaction (read sessions have none): this one
        # only reads, and commits nothing.
        with self._db.session() as s:
            params, studio, r = self._prepare(s, actor, request)
            if request.name == "pay":
                yield from self._pay_table(actor, request, studio).rows
                return
            result = s.execute(
                text(REPORTS[request.name].sql(r, actor)),
                params,
                execution_options={"yield_per": chunk},
            )
            for row in result:
                yield _finish(request.name, tuple(row))

    def narrowed(self, actor: Actor, data: ReportRequest | dict[str, Any]) -> str:
        """The filters a report's rows are narrowed by, in words ('' for none), as
        `ReportTable.narrowed`: for a streamed export's first line."""
        request = parse_input(ReportRequest, data)
        info = PAY_INFO if request.name == "pay" else _info(request.name)
        if not _may(actor, info):
            raise PermissionDenied(
                f"{actor.name} ({actor.role}) may not run the {info.title} report."
            )
        with self._db.read_session() as s:
            return _narrowed(s, actor, request, info)

    def columns(
        self,
        actor: Actor,  # noqa: ARG002 (every report call names its actor; the columns are one)
        data: ReportRequest | dict[str, Any],
    ) -> tuple[ReportColumn, ...]:
        request = parse_input(ReportRequest, data)
        if request.name == "pay":
            return PAY_COLUMNS
        return REPORTS[request.name].columns(request)

    def _prepare(
        self, s: Session, actor: Actor, request: ReportRequest, now: datetime | None = None
    ) -> tuple[dict[str, Any], dict[str, str], ReportRequest]:
        info = PAY_INFO if request.name == "pay" else _info(request.name)
        if not _may(actor, info):
            raise PermissionDenied(
                f"{actor.name} ({actor.role}) may not run the {info.title} report."
            )
        check_period(request.first, request.last)
        if info.groups and request.group not in info.groups:
            request = request.model_copy(update={"group": info.groups[0]})
        studio = s.get(Studio, actor.studio_id)
        assert studio is not None
        zone = zone_of(studio.timezone)
        teacher = request.teacher_id
        if actor.role == "teacher":  # their own rows, whatever was asked
            teacher = s.scalar(
                select(Teacher.id).where(
                    Teacher.user_id == actor.user_id, Teacher.studio_id == actor.studio_id
                )
            ) or uuid.UUID(int=0)
        p0 = local_midnight(request.first, zone)
        p1 = local_midnight(request.last + timedelta(days=1), zone)
        now = now or datetime.now(zone)
        today = now.astimezone(zone).date()
        params = {
            "studio": actor.studio_id,
            "tz": zone.key,
            "first": request.first,
            "last": request.last,
            "p0": p0,
            "p1": p1,
            "money_from": p0,
            "money_until": p1,
            "now": now,
            "teacher": teacher,
            "asof": min(request.last, today),
            "instrument": request.instrument,
            **_months(request, zone),
            "payer_like": "%" + _escape_like(request.payer.strip()) + "%",
        }
        studio_of = {
            "currency": studio.currency,
            "studio_name": studio.name,
            "locale": studio_settings(s, actor.studio_id).locale,
        }
        return params, studio_of, request

    def _pay_table(
        self, actor: Actor, request: ReportRequest, studio: dict[str, str]
    ) -> ReportTable:
        totals = self._pay.report(actor, request.first, request.last)
        rows = tuple(
            (
                t.teacher_name,
                t.email,
                t.lessons,
                t.hours,
                t.lesson_pay,
                t.adjustments,
                t.extras,
                t.total,
            )
            for t in totals
        )
        table = ReportTable(
            name="pay",
            title=PAY_INFO.title,
            first=request.first,
            last=request.last,
            counts="Approved pay runs whose period ends in the report's period, per teacher.",
            columns=PAY_COLUMNS,
            rows=rows,
            totals=_totals(PAY_COLUMNS, rows),
            **studio,
        )
        return table.model_copy(update={"chart": bars("Pay per teacher", 7, "money")(table)})


PAY_COLUMNS = (
    C(key="teacher", title="Teacher"),
    C(key="email", title="Email"),
    C(key="lessons", title="Lessons", kind="count"),
    C(key="hours", title="Hours", kind="hours"),
    C(key="lesson_pay", title="Lesson pay", kind="money"),
    C(key="adjustments", title="Adjustments", kind="money"),
    C(key="extras", title="Extras", kind="money"),
    C(key="total", title="Total", kind="money"),
)


def _months(request: ReportRequest, zone: Any) -> dict[str, list[Any]]:
    """The period's months: their first midnights where the studio is, and their names."""
    first = request.first.replace(day=1)
    months = [first]
    while (after := add_months(months[-1], 1)) <= request.last:
        months.append(after)
    return {
        "month_starts": [local_midnight(m, zone) for m in months],
        "month_firsts": months,
        "month_names": [f"{m:%Y-%m}" for m in months],
    }


def _narrowed(s: Session, actor: Actor, r: ReportRequest, info: ReportInfo) -> str:
    """The filters the rows were narrowed by, as the PDF and the printout say them."""
    said = []
    if "teacher" in info.filters and r.teacher_id is not None and actor.is_staff_desk:
        name = s.execute(
            text(
                "SELECT trim(u.first_name || ' ' || u.last_name) FROM teachers t"
                " JOIN users u ON u.id = t.user_id WHERE t.id = :t"
            ),
            {"t": r.teacher_id},
        ).scalar()
        said.append(f"Teacher: {name or 'not found'}")
    if "instrument" in info.filters and r.instrument:
        said.append(f"Instrument: {r.instrument}")
    if "payer" in info.filters and r.payer.strip():
        opening, closing = "\N{LEFT DOUBLE QUOTATION MARK}", "\N{RIGHT DOUBLE QUOTATION MARK}"
        said.append(f"Payer: name has {opening}{r.payer.strip()}{closing}")
    return " \N{MIDDLE DOT} ".join(said)


def _escape_like(text: str) -> str:
    """The payer as typed, matched literally: % and _ are letters here, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _info(name: str) -> ReportInfo:
    report = REPORTS.get(name)
    if report is None:
        raise ValidationFailed({"name": f"There is no report '{name}'."})
    return report.info


def _may(actor: Actor, info: ReportInfo) -> bool:
    if info.admin_only:
        return actor.is_admin
    if info.staff_only:
        return actor.is_staff_desk
    return actor.role in ("admin", "desk", "teacher")


def _finish(name: str, row: tuple[Any, ...]) -> tuple[Cell, ...]:
    """The attendance rate from its two counts (written once: completed over due)."""
    if name == "attendance":
        due, done = row[-2], row[-1]
        rate = (Decimal(done) * 100 / Decimal(due)).quantize(Decimal("0.1")) if due else None
        return (*row[:-1], rate)
    return row


def _totals(
    columns: tuple[ReportColumn, ...], rows: tuple[tuple[Cell, ...], ...]
) -> tuple[Cell, ...]:
    out: list[Cell] = []
    for i, c in enumerate(columns):
        if i == 0:
            out.append("Total")
        elif c.kind in ("money", "count", "hours"):
            out.append(sum((Decimal(str(r[i] or 0)) for r in rows), Decimal(0)))
        else:
            out.append(None)
    return tuple(out)
