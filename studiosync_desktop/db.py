"""Engine and sessions, and the one place database errors become `errors` the UI can show."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from studiosync_desktop import limits
from studiosync_desktop.errors import (
    Busy,
    Conflict,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    StudioSyncError,
    ValidationFailed,
)

# A friendly message per constraint name, for violations the service did not catch first.
CONSTRAINT_MESSAGES: dict[str, str] = {
    "uq_users_email_lower": "Someone with this email address is already on file.",
    "uq_studios_slug": "A studio with this short name already exists.",
    "uq_studios_one_per_database": "This database already has a studio: log in to it instead.",
    "uq_practice_rooms_studio_id_name": "A room with this name already exists.",
    "uq_invoices_studio_id_invoice_number": "This invoice number is already used.",
    "uq_payments_transaction_id": "This payment has already been recorded.",
    "uq_invoice_line_items_billed_lesson_id": "This lesson is already on an invoice.",
    "uq_invoice_line_items_billed_reservation_id": "This room booking is already on an invoice.",
    "ck_invoices_not_overpaid": "A payment above the balance due is not allowed.",
    "ck_invoices_void_is_final": "A void invoice stays void: issue a new one instead.",
    "ck_stripe_attempts_settled_is_final": "What Stripe did for this payment is settled already.",
    "ck_stripe_attempts_stripe_id_is_final": "What Stripe did for this payment is settled already.",
    "ck_invoices_number_is_final": "An issued invoice keeps its number.",
    "ck_invoice_lines_frozen": "The lines of a sent invoice are frozen: use a credit note.",
    # Migration 0056: what an issued invoice, its number and account credit hold to.
    "ck_invoices_issued_is_final": (
        "A sent invoice keeps what it was sent with: void it or correct it with a credit note."
    ),
    "ck_invoices_void_unpaid": (
        "This invoice has payments on it: refund them first, or correct it with a credit note."
    ),
    "ck_invoices_late_fee_by_policy": (
        "A late fee is added once, the studio's fee, to an invoice overdue by the studio's days."
    ),
    "ck_invoices_numbered_when_sent": (
        "An invoice is numbered by the studio's counter when it is sent: send it from the "
        "Invoices tab."
    ),
    "ck_invoices_credit_within_invoice": (
        "A credit note is for a sent invoice of the same payer, and for no more than is left."
    ),
    "ck_invoice_number_counters_in_step": (
        "The invoice numbers moved on elsewhere: send the invoice again."
    ),
    "ck_account_credits_from_a_source": (
        "Account credit comes from a credit note, an overpayment or a refund to credit."
    ),
    "ck_payments_credit_spent": "A payment from account credit must spend that credit.",
    # Migration 0059: a given credit stays given; a refund only grows.
    "ck_invoices_credited_not_voided": (
        "A credit note, and an invoice with a credit note, is not voided: its credit was given."
    ),
    "ck_payments_refund_only_grows": (
        "A refund is never taken back: a refunded payment stays refunded."
    ),
    "ck_lessons_teacher_status_moves": (
        "A teacher marks a lesson in progress, completed or a no-show; cancelling and "
        "reopening are for the front desk."
    ),
    "ck_lessons_teacher_after_start": (
        "A lesson is marked once it has started (if it has, check this PC's clock)."
    ),
    "ck_lessons_marked_once_started": (
        "A lesson is marked taught or a no-show once it has started (if it has, check this "
        "PC's clock)."
    ),
    "ck_account_credits_balance_not_negative": "There is not enough account credit for this.",
    "ex_lessons_teacher_busy": (
        "The teacher already has a lesson at this time, or within their booking buffer."
    ),
    "ex_lesson_attendance_person_busy": (
        "A student or band member is already in another lesson at this time."
    ),
    "ex_room_occupancy_room_busy": "The room is already booked at this time.",
    "ck_inventory_items_available_within_quantity": (
        "Not enough of this item is available (stock never goes below zero or above the total)."
    ),
    "ck_resources_available_within_total": ("Not enough copies of this resource are available."),
    "ck_pay_runs_approved_is_final": (
        "This pay run is approved: it is never changed; a correction goes in the next run."
    ),
    "ck_pay_lines_frozen": (
        "The lines of an approved pay run are frozen: a correction goes in the next run."
    ),
    "ex_pay_runs_periods_overlap": "A pay run already covers some of these dates.",
    "uq_pay_runs_studio_id_period_start": "This pay period already has a run.",
    "uq_pay_lines_pay_run_id_lesson_id_teacher_id": "This lesson is already in this pay run.",
    "uq_pay_rules_studio_id_teacher_id_lesson_type": (
        "There is already a pay rule for this teacher and lesson type: change that one."
    ),
    "fk_pay_lines_lesson_id_lessons": (
        "This lesson has been paid to its teacher: cancel it instead of deleting it."
    ),
    "ck_resources_file_size_limit": "The file is larger than the 50 MB the library accepts.",
}

# A column's own check (migration 0026: a length, a date's range, an amount's bounds) refuses
# one field: constraint name -> (the form's field, the sentence next to it).
_FIELD_NAMES = {
    "scheduled_start": "start",
    "scheduled_end": "end",
    "start_time": "start",
    "end_time": "end",
    # The reason typed in the cancel and void forms.
    "cancellation_reason": "reason",
    "void_reason": "reason",
}
FIELD_CHECKS: dict[str, tuple[str, str]] = {
    check.name: (_FIELD_NAMES.get(check.column, check.column), check.message)
    for check in (
        *limits.column_checks(),
        *limits.json_size_checks(),
        *limits.json_shape_checks(),
    )
}
# Other hours that are not start-end pairs (migration 0055): the form always writes pairs.
FIELD_CHECKS[limits.HOURS_SHAPE_CHECK] = ("hours", "Give each stretch a start and a later end")
# A studio's zone the server does not know (migration 0046): every desk's clock fell back to
# UTC and moved every lesson by hours, without a word.
FIELD_CHECKS["ck_studios_timezone_known"] = (
    "timezone",
    "Choose a time zone from the list (for example Europe/London)",
)
VALUE_REFUSED = {
    # NUL: psycopg refuses it before it reaches the server.
    None: "Remove the invisible NUL character that was pasted into one of the fields.",
    "22001": "One of the texts is longer than the studio database keeps: shorten it.",
    "22003": "One of the numbers is larger than the studio database keeps.",
    "22007": "One of the dates or times is not a real one.",
    "22008": (f"Type dates between {limits.FIRST_DAY:%d %b %Y} and {limits.LAST_DAY:%d %b %Y}."),
    "22P02": "One of the values is not in the form the studio database expects.",
}


def normalise_url(url: str | URL) -> str:
    """Any postgres URL, using the psycopg 3 driver."""
    u = make_url(url) if isinstance(url, str) else url
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


# A pooled connection unused for longer than this is checked with one round trip before use
# (the server may have restarted or a firewall dropped it); a busy desk's are used as they are.
IDLE_CHECK_SECONDS = 30.0

# Settings every connection starts with, so no transaction spends a round trip on them:
# - timestamps travel as UTC; the studio's time zone is applied where dates matter;
# - no JIT: it spends tens of ms compiling the plans of the desk's short queries (a week's
#   clash check: 25 ms of JIT for 74 ms of work);
# - read-only unless a transaction says otherwise: `read_session` runs its statements without
#   BEGIN and ROLLBACK (two round trips fewer per read), and the server refuses any write
#   that slips into one; `session` begins READ WRITE (see `_begin_read_write`).
# - a statement waits for a lock at most LOCK_TIMEOUT: every login may take any advisory
#   lock, and the booking's keys are its ids' hashes, so a teacher's login in psql holding
#   `pg_advisory_lock(<a colleague's key>)` left every desk booking that colleague waiting
#   for ever; now the desk is told, with LOCKED, and nothing is saved.
CONNECTION_OPTIONS = "-c TimeZone=UTC -c jit=off -c default_transaction_read_only=on"
LOCK_TIMEOUT = "15s"


class Database:
    """The engine and session factory of one database; services receive this."""

    def __init__(
        self,
        url: str | URL,
        *,
        application_name: str = "studiosync",
        lock_timeout: str = LOCK_TIMEOUT,
        **engine_kw: Any,
    ):
        self.url = normalise_url(url)
        engine_kw.setdefault("pool_size", 5)
        engine_kw.setdefault("max_overflow", 5)
        # The most recently used connection first: a desk's calls reuse one warm connection
        # (no idle check, see IDLE_CHECK_SECONDS) and the others may go idle.
        engine_kw.setdefault("pool_use_lifo", True)
        self.engine: Engine = create_engine(
            self.url,
            connect_args={
                "application_name": application_name,
                "connect_timeout": 5,
                "options": f"{CONNECTION_OPTIONS} -c lock_timeout={lock_timeout}",
            },
            **engine_kw,
        )
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Reads: each statement its own (read-only) transaction, no BEGIN or ROLLBACK sent.
        # Under READ COMMITTED a transaction gives a read of several statements nothing more:
        # each statement sees the data committed when it starts either way.
        self.read_session_factory = sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        self._password: str | None = None
        event.listen(self.engine, "connect", _begin_read_write)
        event.listen(self.engine, "checkout", _check_if_idle)
        event.listen(self.engine, "checkin", _note_idle_since)

        @event.listens_for(self.engine, "do_connect")
        def _current_password(_d: Any, _r: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
            # After a login changes its own password, new connections use the new one.
            if self._password is not None:
                cparams["password"] = self._password

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on error, errors translated."""
        with translate_errors(), self.session_factory() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A unit of work that only reads: closing the session rolls its transaction back."""
        with translate_errors(), self.read_session_factory() as session:
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection whose every statement commits on its own, writes allowed (the mail
        round's session lock must outlive its transactions); errors are the caller's to
        translate. Its connection goes back to the pool read-only again."""
        with self.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("SET default_transaction_read_only = off")
            try:
                yield conn
            finally:
                with suppress(SQLAlchemyError):  # a lost connection is not reused anyway
                    conn.exec_driver_sql("RESET default_transaction_read_only")

    def dispose(self) -> None:
        self.engine.dispose()

    def set_password(self, password: str) -> None:
        """The password for connections opened from now on (the open ones stay logged in)."""
        self._password = password
        self.url = make_url(self.url).set(password=password).render_as_string(hide_password=False)


def _begin_read_write(dbapi_connection: Any, _record: Any) -> None:
    # psycopg then begins every transaction with BEGIN READ WRITE (the same one round trip):
    # only the statements run outside a transaction get the connection's read-only default.
    dbapi_connection.read_only = False


def _note_idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _check_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A connection left idle a while is pinged first; a dead one is replaced by the pool
    (SQLAlchemy retries the checkout on DisconnectionError). This is `pool_pre_ping` without
    its two round trips (BEGIN and SELECT 1) on every call of a busy desk."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_CHECK_SECONDS:
        return
    try:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as exc:  # any failure means this connection is no use
        raise DisconnectionError(str(exc)) from exc


# Deadlock and serialization failure: the loser of a race is rolled back and may simply rerun
# (services/unit_of_work.py does, and says `BUSY` when that keeps failing).
RETRYABLE_STATES = ("40P01", "40001")
BUSY = (
    "Other desks were changing the same records at this moment, so this was not saved. Try again."
)
# A lock held past LOCK_TIMEOUT (55P03): not rerun, since it would wait as long again.
LOCKED = (
    "Someone else has held these records for a while (another desk, or a login left open in"
    " the middle of a change), so this was not saved. Try again in a moment; if it keeps"
    " happening, an admin can see who is connected."
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """SQLSTATE -> the error kinds of `errors`; everything else is a bug and propagates."""
    try:
        yield
    except StudioSyncError:
        raise
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc
    except OperationalError as exc:
        if _sqlstate(exc) in RETRYABLE_STATES:
            raise Busy(BUSY) from exc
        if _sqlstate(exc) == "55P03":
            raise Conflict(LOCKED) from exc
        if _sqlstate(exc) in (None, "08000", "08001", "08003", "08004", "08006", "57P01"):
            raise DatabaseUnavailable(
                "The studio database cannot be reached. Check the network, then retry."
            ) from exc
        raise
    except DBAPIError as exc:
        state = _sqlstate(exc)
        if state in RETRYABLE_STATES:
            raise Busy(BUSY) from exc
        if state is None and isinstance(exc, DataError) and "NUL" in str(exc.orig):
            # Refused by the driver before it reached the server: a NUL character. (Another
            # driver-side DataError is the program's own mistake, not the person's input.)
            raise ValidationFailed({"": VALUE_REFUSED[None]}) from exc
        if state == "55P03":
            raise Conflict(LOCKED) from exc
        if state == "42501":
            raise PermissionDenied("Your account is not allowed to do this.") from exc
        # A database function's own refusal, written for the desk ("They have 2 coming
        # lessons..."): said as it is.
        if state == "P0001":
            raise Conflict(_primary(exc)) from exc
        if state == "P0002":
            raise NotFound(_primary(exc)) from exc
        if state is not None and state.startswith("08"):
            raise DatabaseUnavailable("The connection to the studio database was lost.") from exc
        if state in VALUE_REFUSED:
            raise ValidationFailed({"": VALUE_REFUSED[state]}) from exc
        raise


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _primary(exc: DBAPIError) -> str:
    diag = getattr(exc.orig, "diag", None)
    return str(getattr(diag, "message_primary", "") or exc.orig)


def _integrity_error(exc: IntegrityError) -> StudioSyncError:
    state = _sqlstate(exc)
    diag = getattr(exc.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    friendly = CONSTRAINT_MESSAGES.get(constraint)
    if state in ("23505", "23P01"):
        return Conflict(friendly or f"This clashes with an existing record ({constraint}).")
    if state == "23514" and constraint in FIELD_CHECKS:
        field, message = FIELD_CHECKS[constraint]
        return ValidationFailed({field: message})
    control_free = limits.control_free_column(getattr(diag, "table_name", "") or "", constraint)
    if state == "23514" and control_free is not None:
        return ValidationFailed(
            {_FIELD_NAMES.get(control_free, control_free): limits.CONTROL_MESSAGE}
        )
    if state == "23514":
        return ValidationFailed(
            {"": friendly or f"A rule of the studio was broken ({constraint})."}
        )
    if state == "23503":
        return Conflict(
            friendly or "This record is still used elsewhere, or refers to one that is gone."
        )
    if state == "23502":
        column = getattr(diag, "column_name", "") or ""
        return ValidationFailed({column: "This field is required."})
    return Conflict(friendly or _primary(exc))
