"""All services of one database, built once by the composition root and handed to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from studiosync_desktop.db import Database
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.inventory import InventoryService
from studiosync_desktop.services.rooms import RoomService
from studiosync_desktop.services.roster import RosterService
from studiosync_desktop.services.scheduling import SchedulingService
from studiosync_desktop.services.studio import StudioService


@dataclass(frozen=True)
class Services:
    studio: StudioService
    scheduling: SchedulingService
    roster: RosterService
    billing: BillingService
    inventory: InventoryService
    rooms: RoomService

    @classmethod
    def build(cls, db: Database) -> Services:
        return cls(
            studio=StudioService(db),
            scheduling=SchedulingService(db),
            roster=RosterService(db),
            billing=BillingService(db),
            inventory=InventoryService(db),
            rooms=RoomService(db),
        )
