"""Who said yes to a lesson outside hours is whoever's login wrote it.

Reviewed by hand. Since 0040 the desk may UPDATE `booking_overrides` (to record a yes again
on a moved lesson), the columns `reasons`, `confirmed_by_id` and `confirmed_at` included: the
desk's own login in psql set `confirmed_by_id` to an admin (or to anyone of any studio) and
`confirmed_at` to last year, and the lesson then read "confirmed by the admin". Now the
database writes both for every login: the user of the session's login and now(), whatever
the statement said (the owner's own sessions, the app's single-user database, keep theirs).

Revision ID: 0045_confirmed_by_self
Revises: 0044_control_free_json
Create Date: 2026-12-06 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0045_confirmed_by_self"
down_revision: str | None = "0044_control_free_json"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION booking_overrides_confirmed_by_self() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
    BEGIN
        IF NOT app_is_owner() THEN
            NEW.confirmed_by_id := app_user_id();
            NEW.confirmed_at := now();
        END IF;
        RETURN NEW;
    END;
    $$;
    CREATE TRIGGER booking_overrides_confirmed_by_self
        BEFORE INSERT OR UPDATE ON booking_overrides
        FOR EACH ROW EXECUTE FUNCTION booking_overrides_confirmed_by_self();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER booking_overrides_confirmed_by_self ON booking_overrides;
    DROP FUNCTION booking_overrides_confirmed_by_self();
    """)
