"""The resource library: files in PostgreSQL (every desk sees them), links, physical items,
sharing with students, and lending copies with the same stock guarantees as inventory
(row lock on the resource, then its checkout; CHECK 0 <= available <= total)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import Resource, ResourceCheckout, Student, User, resource_shares
from studiosync_desktop.schemas.common import (
    Actor,
    FileName,
    MimeType,
    Page,
    parse_input,
    parse_value,
)
from studiosync_desktop.schemas.inventory import PersonOption
from studiosync_desktop.schemas.resources import (
    MAX_FILE_TEXT,
    ResourceCheckoutRow,
    ResourceFile,
    ResourceForm,
    ResourceLend,
    ResourceRow,
    size_text,
)
from studiosync_desktop.services.keyset_pager import check_limit, id_key, read_page, text_key
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.reading import (
    contains_pattern,
    full_name,
    ilike_any,
    studio_today,
)
from studiosync_desktop.services.unit_of_work import unit_of_work
from studiosync_desktop.vocabulary import MAX_RESOURCE_FILE_BYTES


def _check_size(file_name: str, data: bytes | None) -> None:
    if data is not None and len(data) > MAX_RESOURCE_FILE_BYTES:
        raise ValidationFailed(
            {
                "file": f"{file_name or 'The file'} is {size_text(len(data))}; the library "
                f"accepts files up to {MAX_FILE_TEXT}. Share a link to larger files instead."
            }
        )


def _overdue(today: date) -> ColumnElement[bool]:
    return func.coalesce(
        (ResourceCheckout.status == "checked_out") & (ResourceCheckout.due_date < today), False
    )


def _checkout_rows_select(today: date) -> Select[Any]:
    """The columns of a ResourceCheckoutRow: the lending, its resource and its student."""
    return (
        select(
            ResourceCheckout.id,
            ResourceCheckout.resource_id,
            Resource.title,
            ResourceCheckout.student_id,
            full_name(User.first_name, User.last_name).label("student_name"),
            ResourceCheckout.quantity,
            ResourceCheckout.status,
            ResourceCheckout.checked_out_at,
            ResourceCheckout.due_date,
            ResourceCheckout.returned_at,
            _overdue(today).label("is_overdue"),
        )
        .join(Resource, Resource.id == ResourceCheckout.resource_id)
        .join(Student, Student.id == ResourceCheckout.student_id)
        .join(User, User.id == Student.user_id)
    )


class ResourceService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reads ----------------------------------------------------------------------------

    def resources(
        self,
        actor: Actor,
        search: str = "",
        resource_type: str | None = None,
        cursor: str | None = None,
        limit: int = 200,
    ) -> Page[ResourceRow]:
        """The library by title; `search` matches title, category, description and tags."""
        require(actor, "resources")
        check_limit(limit)
        shared = (
            select(func.count())
            .select_from(resource_shares)
            .where(resource_shares.c.resource_id == Resource.id)
            .scalar_subquery()
        )
        query = select(
            Resource.id,
            Resource.title,
            Resource.resource_type,
            Resource.category,
            Resource.tags,
            Resource.is_public,
            shared.label("shared_count"),
            Resource.file_name,
            Resource.file_size,
            Resource.external_url,
            Resource.quantity_total,
            Resource.quantity_available,
            Resource.is_lendable,
            Resource.checkout_duration_days,
            Resource.description,
        ).where(Resource.studio_id == actor.studio_id)
        if search.strip():
            query = query.where(
                ilike_any(
                    contains_pattern(search),
                    Resource.title,
                    Resource.category,
                    Resource.description,
                    Resource.tags,
                )
            )
        if resource_type:
            query = query.where(Resource.resource_type == resource_type)
        with self._db.read_session() as s:
            return read_page(
                s,
                query,
                (text_key(Resource.title), id_key(Resource.id)),
                cursor,
                limit,
                lambda r: ResourceRow.model_validate(r, from_attributes=True),
            )

    def file(self, actor: Actor, resource_id: uuid.UUID) -> ResourceFile:
        require(actor, "resources")
        with self._db.read_session() as s:
            row = s.execute(
                select(Resource.file, Resource.file_name, Resource.mime_type).where(
                    Resource.id == resource_id, Resource.studio_id == actor.studio_id
                )
            ).one_or_none()
            if row is None:
                raise NotFound("This resource no longer exists.")
            if row.file is None:
                raise NotFound("This resource has no stored file.")
            return ResourceFile(
                file_name=row.file_name or "resource", mime_type=row.mime_type, data=row.file
            )

    def students(self, actor: Actor, search: str = "", limit: int = 30) -> tuple[PersonOption, ...]:
        """Active students (their student id) matching `search`: to share with or lend to."""
        require(actor, "resources")
        name = full_name(User.first_name, User.last_name)
        query = (
            select(Student.id, name.label("name"), User.email, User.role)
            .join(User, User.id == Student.user_id)
            .where(Student.studio_id == actor.studio_id, Student.is_active)
        )
        if search.strip():
            query = query.where(ilike_any(contains_pattern(search), name, User.email))
        with self._db.read_session() as s:
            rows = s.execute(query.order_by(name, Student.id).limit(min(limit, 200))).all()
            return tuple(PersonOption.model_validate(dict(r._mapping)) for r in rows)

    def shared_with(self, actor: Actor, resource_id: uuid.UUID) -> tuple[PersonOption, ...]:
        require(actor, "resources")
        name = full_name(User.first_name, User.last_name)
        with self._db.read_session() as s:
            rows = s.execute(
                select(Student.id, name.label("name"), User.email, User.role)
                .join(User, User.id == Student.user_id)
                .join(resource_shares, resource_shares.c.student_id == Student.id)
                .where(
                    resource_shares.c.resource_id == resource_id,
                    Student.studio_id == actor.studio_id,
                )
                .order_by(name)
            ).all()
            return tuple(PersonOption.model_validate(dict(r._mapping)) for r in rows)

    def checkouts(
        self, actor: Actor, resource_id: uuid.UUID | None = None, open_only: bool = True
    ) -> tuple[ResourceCheckoutRow, ...]:
        """Copies out (or all lendings), overdue first, then by due date; at most 500."""
        require(actor, "resources")
        if not actor.is_staff_desk:
            return ()  # lending is the desk's business: teachers have no grant on it (0010)
        with self._db.read_session() as s:
            today = studio_today(s, actor)
            overdue = _overdue(today)
            query = _checkout_rows_select(today).where(
                ResourceCheckout.studio_id == actor.studio_id
            )
            if resource_id is not None:
                query = query.where(ResourceCheckout.resource_id == resource_id)
            if open_only:
                query = query.where(ResourceCheckout.status == "checked_out")
            rows = s.execute(
                query.order_by(
                    overdue.desc(), ResourceCheckout.due_date, ResourceCheckout.id
                ).limit(500)
            ).all()
            return tuple(ResourceCheckoutRow.model_validate(dict(r._mapping)) for r in rows)

    # --- library entries -------------------------------------------------------------------

    @unit_of_work
    def create(
        self,
        actor: Actor,
        data: ResourceForm | dict[str, Any],
        *,
        file_name: str = "",
        file_data: bytes | None = None,
        mime_type: str = "",
    ) -> ResourceRow:
        """Adds an entry; a file is stored in the database (refused above the size limit)."""
        require(actor, "resources")
        form: ResourceForm = parse_input(ResourceForm, data)
        file_name = parse_value("file_name", FileName, file_name)
        file_data = parse_value("file", bytes | None, file_data)
        mime_type = parse_value("mime_type", MimeType, mime_type)
        _check_size(file_name, file_data)
        physical = form.resource_type == "physical"
        with self._db.session() as s:
            resource = Resource(
                studio_id=actor.studio_id,
                uploaded_by_id=actor.user_id,
                title=form.title,
                description=form.description,
                resource_type=form.resource_type,
                category=form.category,
                tags=list(form.tags),
                is_public=form.is_public,
                external_url=form.external_url,
                file=file_data,
                file_name=file_name if file_data is not None else "",
                file_size=len(file_data) if file_data is not None else 0,
                mime_type=mime_type if file_data is not None else "",
                is_physical_item=physical,
                is_lendable=physical,
                quantity_total=form.quantity_total if physical else 0,
                quantity_available=form.quantity_total if physical else 0,
                checkout_duration_days=form.checkout_duration_days,
            )
            s.add(resource)
            s.flush()
            return self._row(s, resource.id)

    @unit_of_work
    def update(
        self, actor: Actor, resource_id: uuid.UUID, data: ResourceForm | dict[str, Any]
    ) -> ResourceRow:
        """Edits an entry; for a physical one the copies out stay out."""
        require(actor, "resources")
        form: ResourceForm = parse_input(ResourceForm, data)
        with self._db.session() as s:
            resource = self._lock(s, actor, resource_id)
            out = resource.quantity_total - resource.quantity_available
            if resource.is_physical_item and form.quantity_total < out:
                raise ValidationFailed(
                    {"quantity_total": f"{out} copies are lent out: keep at least {out}."}
                )
            resource.title = form.title
            resource.description = form.description
            resource.category = form.category
            resource.tags = list(form.tags)
            resource.is_public = form.is_public
            resource.external_url = form.external_url
            resource.checkout_duration_days = form.checkout_duration_days
            if resource.is_physical_item:
                resource.quantity_total = form.quantity_total
                resource.quantity_available = form.quantity_total - out
            s.flush()
            return self._row(s, resource.id)

    @unit_of_work
    def replace_file(
        self, actor: Actor, resource_id: uuid.UUID, file_name: str, data: bytes, mime_type: str
    ) -> ResourceRow:
        require(actor, "resources")
        file_name = parse_value("file_name", FileName, file_name)
        data = parse_value("file", bytes, data)
        mime_type = parse_value("mime_type", MimeType, mime_type)
        _check_size(file_name, data)
        with self._db.session() as s:
            resource = self._lock(s, actor, resource_id)
            resource.file = data
            resource.file_name = file_name
            resource.file_size = len(data)
            resource.mime_type = mime_type
            s.flush()
            return self._row(s, resource.id)

    @unit_of_work
    def share(
        self, actor: Actor, resource_id: uuid.UUID, student_ids: Sequence[uuid.UUID]
    ) -> ResourceRow:
        """Shares the entry with exactly these students (set-based: one delete, one insert)."""
        require(actor, "resources")
        with self._db.session() as s:
            self._lock(s, actor, resource_id)
            wanted = set(student_ids)
            known = set(
                s.scalars(
                    select(Student.id).where(
                        Student.id.in_(wanted), Student.studio_id == actor.studio_id
                    )
                )
            )
            if wanted - known:
                raise ValidationFailed({"students": "A chosen student is no longer on file."})
            s.execute(delete(resource_shares).where(resource_shares.c.resource_id == resource_id))
            if wanted:
                s.execute(
                    insert(resource_shares),
                    [{"resource_id": resource_id, "student_id": sid} for sid in wanted],
                )
            return self._row(s, resource_id)

    # --- lending physical copies ------------------------------------------------------------

    @unit_of_work
    def lend(self, actor: Actor, data: ResourceLend | dict[str, Any]) -> ResourceCheckoutRow:
        require(actor, "resources")
        form: ResourceLend = parse_input(ResourceLend, data)

        with self._db.session() as s:
            resource = self._lock(s, actor, form.resource_id)
            if not (resource.is_physical_item and resource.is_lendable):
                raise Conflict(f"{resource.title} is not a physical copy that can be lent.")
            if form.quantity > resource.quantity_available:
                n = resource.quantity_available
                raise ValidationFailed(
                    {
                        "quantity": ("No copies available" if n == 0 else f"Only {n} available")
                        + f" of {resource.title}."
                    }
                )
            student = s.get(Student, form.student_id)
            if student is None or student.studio_id != actor.studio_id:
                raise ValidationFailed({"student_id": "Choose the student who borrows it."})
            today = studio_today(s, actor)
            due = form.due_date or today + timedelta(days=resource.checkout_duration_days)
            if due < today:
                raise ValidationFailed({"due_date": "The due date is in the past."})
            s.execute(
                update(Resource)
                .where(Resource.id == resource.id)
                .values(quantity_available=Resource.quantity_available - form.quantity)
                .execution_options(synchronize_session=False)
            )
            checkout = ResourceCheckout(
                studio_id=actor.studio_id,
                resource_id=resource.id,
                student_id=student.id,
                quantity=form.quantity,
                due_date=due,
                checkout_notes=form.checkout_notes,
            )
            s.add(checkout)
            s.flush()
            return self._checkout_row(s, actor, checkout.id)

    def return_copy(
        self, actor: Actor, checkout_id: uuid.UUID, notes: str = ""
    ) -> ResourceCheckoutRow:
        return self._close(actor, checkout_id, "returned", notes)

    def mark_lost(
        self, actor: Actor, checkout_id: uuid.UUID, notes: str = ""
    ) -> ResourceCheckoutRow:
        """A lost copy leaves the total; the available count does not come back."""
        return self._close(actor, checkout_id, "lost", notes)

    @unit_of_work
    def _close(
        self, actor: Actor, checkout_id: uuid.UUID, status: str, notes: str
    ) -> ResourceCheckoutRow:
        require(actor, "resources")

        with self._db.session() as s:
            resource_id = s.scalar(
                select(ResourceCheckout.resource_id).where(
                    ResourceCheckout.id == checkout_id,
                    ResourceCheckout.studio_id == actor.studio_id,
                )
            )
            if resource_id is None:
                raise NotFound("This lending no longer exists.")
            self._lock(s, actor, resource_id)  # the resource first, as lend() does
            checkout = s.scalars(
                select(ResourceCheckout).where(ResourceCheckout.id == checkout_id).with_for_update()
            ).one()
            if checkout.status != "checked_out":
                raise Conflict(
                    f"This copy is {checkout.status.replace('_', ' ')} already: "
                    "only a copy that is out can be returned or reported lost."
                )
            change = (
                {"quantity_available": Resource.quantity_available + checkout.quantity}
                if status == "returned"
                else {"quantity_total": Resource.quantity_total - checkout.quantity}
            )
            s.execute(
                update(Resource)
                .where(Resource.id == resource_id)
                .values(**change)
                .execution_options(synchronize_session=False)
            )
            checkout.status = status
            checkout.returned_at = s.scalar(select(func.now())) if status == "returned" else None
            checkout.return_notes = notes
            s.flush()
            return self._checkout_row(s, actor, checkout.id)

    # --- inside a unit of work -----------------------------------------------------------

    @staticmethod
    def _lock(s: Session, actor: Actor, resource_id: uuid.UUID) -> Resource:
        resource = s.scalars(
            select(Resource)
            .where(Resource.id == resource_id, Resource.studio_id == actor.studio_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if resource is None:
            raise NotFound("This resource no longer exists.")
        return resource

    def _row(self, s: Session, resource_id: uuid.UUID) -> ResourceRow:
        s.flush()
        s.expire_all()
        shared = s.scalar(
            select(func.count())
            .select_from(resource_shares)
            .where(resource_shares.c.resource_id == resource_id)
        )
        r = s.get(Resource, resource_id)
        if r is None:
            raise NotFound("This resource no longer exists.")
        return ResourceRow(
            id=r.id,
            title=r.title,
            resource_type=r.resource_type,
            category=r.category,
            tags=tuple(r.tags),
            is_public=r.is_public,
            shared_count=shared or 0,
            file_name=r.file_name,
            file_size=r.file_size,
            external_url=r.external_url,
            quantity_total=r.quantity_total,
            quantity_available=r.quantity_available,
            is_lendable=r.is_lendable,
            checkout_duration_days=r.checkout_duration_days,
            description=r.description,
        )

    def _checkout_row(
        self, s: Session, actor: Actor, checkout_id: uuid.UUID
    ) -> ResourceCheckoutRow:
        s.flush()
        today = studio_today(s, actor)
        row = s.execute(
            _checkout_rows_select(today).where(ResourceCheckout.id == checkout_id)
        ).one()
        return ResourceCheckoutRow.model_validate(dict(row._mapping))
