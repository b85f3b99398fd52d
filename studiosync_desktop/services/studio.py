"""The studio: first-start setup, its settings, and who acts on this PC."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.models import Studio, User
from studiosync_desktop.schemas.common import Actor, parse_input, parse_value
from studiosync_desktop.schemas.studio import (
    StudioBranding,
    StudioDetails,
    StudioInfo,
    StudioSettings,
    StudioSetup,
    check_colour,
)
from studiosync_desktop.services import who_acts
from studiosync_desktop.services.images import fit_logo
from studiosync_desktop.services.permissions import require
from studiosync_desktop.services.unit_of_work import unit_of_work

M = TypeVar("M", bound=BaseModel)


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "studio"


class StudioAlreadySetUp(Conflict):
    """Setting up a studio on a database that already has one (another desk was first)."""


class StudioService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def is_empty(self) -> bool:
        """True when no studio exists yet: the app shows the setup wizard."""
        return who_acts.studio_is_empty(self._db)

    @unit_of_work
    def set_up(self, data: StudioSetup | dict[str, object]) -> Actor:
        """Creates the studio and its first admin; returns the admin as the acting user."""
        setup = parse_input(StudioSetup, data)
        settings = StudioSettings(tax_rate_percent=setup.tax_rate_percent)
        with self._db.session() as s:
            self._refuse_second_studio(s)
            studio = Studio(
                name=setup.studio_name,
                slug=slugify(setup.studio_name),
                timezone=setup.timezone,
                currency=setup.currency,
                settings=settings.model_dump(mode="json"),
            )
            s.add(studio)
            s.flush()
            admin = User(
                studio_id=studio.id,
                email=str(setup.admin_email),
                first_name=setup.admin_first_name,
                last_name=setup.admin_last_name,
                role="admin",
                is_staff=True,
                is_superuser=True,
            )
            s.add(admin)
            s.flush()
            return Actor(
                user_id=admin.id,
                studio_id=studio.id,
                role="admin",
                name=admin.full_name,
                timezone=studio.timezone,
            )

    @staticmethod
    def _refuse_second_studio(s: Session) -> None:
        """Names the studio already here. Two desks finishing the wizard at once both pass this
        look; the database's one-studio index refuses the second, whose rerun lands here."""
        existing = s.scalar(select(Studio.name).order_by(Studio.created_at).limit(1))
        if existing is not None:
            raise StudioAlreadySetUp(
                f"This database already has a studio, {existing}, set up from another desk."
            )

    def default_actor(self) -> Actor:
        """The first active admin: who acts on a single-PC install until accounts log in."""
        return who_acts.default_actor(self._db)

    def details(self, actor: Actor) -> StudioDetails:
        """The studio's name, contact details and time zone, as its settings dialog shows them."""
        with self._db.read_session() as s:
            studio = self._studio(s, actor)
            return StudioDetails.model_validate(
                {name: getattr(studio, name) for name in StudioDetails.model_fields}
            )

    @unit_of_work
    def save_details(self, actor: Actor, data: StudioDetails | dict[str, object]) -> StudioInfo:
        """An administrator changes the studio's name, contact details or time zone."""
        require(actor, "settings")
        details = parse_input(StudioDetails, data)
        with self._db.session() as s:
            studio = self._studio(s, actor, lock=True)
            for name, value in details.model_dump().items():
                setattr(studio, name, value)
        return self.info(actor)

    @unit_of_work
    def save_settings(self, actor: Actor, data: StudioSettings | dict[str, object]) -> StudioInfo:
        """An administrator changes the studio's policies (billing, scheduling, lending)."""
        require(actor, "settings")
        settings = parse_input(StudioSettings, data)
        with self._db.session() as s:
            studio = self._studio(s, actor, lock=True)
            # Keys this version does not know (a newer desk's) are kept.
            studio.settings = {**studio.settings, **settings.model_dump(mode="json")}
        return self.info(actor)

    def branding(self, actor: Actor) -> StudioBranding:
        """The studio's name, logo and accent colour (every login reads them)."""
        with self._db.read_session() as s:
            studio = self._studio(s, actor)
            return StudioBranding(
                name=studio.name,
                logo=studio.logo,
                logo_mime_type=studio.logo_mime_type,
                theme_color=studio.theme_color or "#3b6ea5",
            )

    @unit_of_work
    def set_logo(self, actor: Actor, data: bytes | None) -> StudioBranding:
        """An administrator gives the studio a logo (PNG or JPEG, checked and made the size it
        is printed at), or takes it away (None)."""
        require(actor, "settings")
        data = parse_value("logo", bytes | None, data)
        picture = fit_logo(data) if data is not None else None
        with self._db.session() as s:
            studio = self._studio(s, actor, lock=True)
            studio.logo = picture.data if picture else None
            studio.logo_mime_type = picture.mime_type if picture else ""
        return self.branding(actor)

    @unit_of_work
    def set_theme_color(self, actor: Actor, colour: str) -> StudioBranding:
        """An administrator chooses the accent colour of the studio's PDFs and emails."""
        require(actor, "settings")
        colour = parse_value("theme_color", str, colour)
        try:
            colour = check_colour(colour)
        except ValueError as exc:
            raise ValidationFailed({"theme_color": str(exc)}) from exc
        with self._db.session() as s:
            self._studio(s, actor, lock=True).theme_color = colour
        return self.branding(actor)

    @staticmethod
    def _studio(s: Session, actor: Actor, lock: bool = False) -> Studio:
        studio = s.get(Studio, actor.studio_id, with_for_update=lock)
        if studio is None:
            raise NotFound("The studio no longer exists.")
        return studio

    def info(self, actor: Actor) -> StudioInfo:
        return who_acts.studio_info(self._db, actor)
