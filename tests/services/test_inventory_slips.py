"""Checkout slips and item labels render from the service's DTOs (A4, Letter, receipt, label)."""

from __future__ import annotations

import re

import pytest
from factories import Maker

from studiosync_desktop.db import Database
from studiosync_desktop.reports.checkout_slip import render_checkout_slip
from studiosync_desktop.reports.item_label import render_item_label
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.inventory import InventoryService


def _media_box(pdf: bytes) -> tuple[float, float]:
    m = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert m is not None
    return float(m.group(1)), float(m.group(2))


@pytest.mark.parametrize(
    ("page", "width"), [("a4", 595.2756), ("letter", 612.0), ("receipt", 226.7717)]
)
def test_slip_renders_one_page_per_checkout(
    db: Database, admin: Actor, page: str, width: float
) -> None:
    inv = InventoryService(db)
    item = inv.create_item(admin, {"name": "Cello 1/2", "serial_number": "CE-12", "quantity": 2})
    person = Maker(db, admin.studio_id).person("Sam", "Lee")
    loan = inv.request(admin, {"item_id": item.id, "borrower_id": person, "approve_now": True})
    pdf = render_checkout_slip(inv.slip(admin, loan.id), page)  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF")
    assert _media_box(pdf)[0] == pytest.approx(width, abs=0.01)


def test_label_carries_the_item_barcode(db: Database, admin: Actor) -> None:
    inv = InventoryService(db)
    item = inv.create_item(admin, {"name": "Music stand"})
    label = inv.label(admin, item.id)
    pdf = render_item_label(label)
    assert pdf.startswith(b"%PDF")
    assert _media_box(pdf) == pytest.approx((175.748, 82.205), abs=0.01)
