"""People of a studio in name order, from an index: a one-letter roster search stops at a page.

Reviewed by hand.

A one- or two-letter search of the roster's students ('s': ~1,230 of the large demo's 2,000
match) is alphabetical, one page (200). Without an order to read the people in, the database
read every user and student of the studio, kept the matching ones and sorted them all (about
6 ms as the desk). With `(studio_id, last_name, first_name)` it reads the studio's people in
name order and stops when the page is full (~580 people for 's', about 1.5 ms); the planner
still hashes everything when few match ('zq').

Revision ID: 0053_users_by_name
Revises: 0052_invoice_shares
Create Date: 2026-12-07 01:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0053_users_by_name"
down_revision = "0052_invoice_shares"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_studio_id_name", "users", ["studio_id", "last_name", "first_name"])


def downgrade() -> None:
    op.drop_index("ix_users_studio_id_name", table_name="users")
