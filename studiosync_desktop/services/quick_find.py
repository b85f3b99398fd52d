"""Finding a person or an invoice by typing, for the command palette: misspellings forgiven.

People come from the roster's own search (trigram similarity: "Isabela Turnr" finds Isabella
Turner), from the four lists at once, ranked together by how closely the name matches.
Invoices are those whose number or payer contains the text, then those of the payer found first
(so a misspelled family name still finds the family's invoices). Each part asks only what
the person's role may see.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.quick_find import Found, FoundPerson
from studiosync_desktop.schemas.rows import InvoiceRow
from studiosync_desktop.services.billing import BillingService
from studiosync_desktop.services.permissions import can
from studiosync_desktop.services.roster import RosterService

# Shorter text matches too much to be worth a round trip.
MIN_LENGTH = 2


class QuickFind:
    def __init__(self, roster: RosterService, billing: BillingService) -> None:
        self._roster = roster
        self._billing = billing

    def find(self, actor: Actor, text: str, limit: int = 5) -> Found:
        text = text.strip()
        if len(text) < MIN_LENGTH:
            return Found(text=text)
        people = self._people(actor, text, limit) if can(actor, "roster") else ()
        invoices = self._invoices(actor, text, people, limit) if can(actor, "billing") else ()
        return Found(text=text, people=people, invoices=invoices)

    def _people(self, actor: Actor, text: str, limit: int) -> tuple[FoundPerson, ...]:
        roster = self._roster
        found = [
            *(
                FoundPerson(
                    kind="students",
                    id=r.id,
                    name=r.name,
                    detail=_joined(r.instrument, r.family_name),
                    payer=r.family_name or r.name,
                )
                for r in roster.students(actor, search=text, limit=limit).rows
            ),
            *(
                FoundPerson(kind="families", id=r.id, name=r.name, detail="family", payer=r.name)
                for r in roster.families(actor, search=text, limit=limit).rows
            ),
            *(
                FoundPerson(kind="teachers", id=r.id, name=r.name, detail="teacher")
                for r in roster.teachers(actor, search=text, limit=limit).rows
            ),
            *(
                FoundPerson(kind="bands", id=r.id, name=r.name, detail="band", payer=r.name)
                for r in roster.bands(actor, search=text, limit=limit).rows
            ),
        ]
        # The roster ranks each list; across lists, the closest name first (stable ties).
        ranked = sorted(found, key=lambda p: -fuzz.WRatio(text.lower(), p.name.lower()))
        return tuple(ranked[:limit])

    def _invoices(
        self, actor: Actor, text: str, people: tuple[FoundPerson, ...], limit: int
    ) -> tuple[InvoiceRow, ...]:
        rows = list(self._billing.invoices(actor, search=text, limit=limit).rows)
        payers = list(dict.fromkeys(p.payer for p in people if p.payer))[:1]
        for payer in payers:  # the best-matching payer's invoices, however misspelled
            if len(rows) >= limit:
                break
            rows.extend(self._billing.invoices(actor, search=payer, limit=limit).rows)
        unique = {r.id: r for r in rows}
        return tuple(unique.values())[:limit]


def _joined(*parts: str) -> str:
    return " \N{MIDDLE DOT} ".join(p for p in parts if p)
