"""What the command palette finds by typing: people of the roster and invoices."""

from __future__ import annotations

import uuid

from studiosync_desktop.schemas.common import Frozen
from studiosync_desktop.schemas.roster import RosterKind
from studiosync_desktop.schemas.rows import InvoiceRow


class FoundPerson(Frozen):
    kind: RosterKind
    id: uuid.UUID
    name: str
    detail: str  # what tells two people of one name apart: instrument, family, teacher
    payer: str = ""  # whose invoices are theirs: a student's family, else their own name


class Found(Frozen):
    """People (best match first, whatever their kind) and invoices, for one typed text."""

    text: str
    people: tuple[FoundPerson, ...] = ()
    invoices: tuple[InvoiceRow, ...] = ()
