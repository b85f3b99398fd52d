"""A settled Stripe attempt is final: nobody reopens it or points it at another Stripe object.

Reviewed by hand. Found with the desk's own login in psql: `UPDATE stripe_attempts SET
status = 'open', settled_at = NULL` was allowed (the desk may change how an attempt ended, as
the app does when Stripe answers). A reopened refund would have been recorded a second time at
the next reconciliation, though Stripe refunded once. Now a row that is no longer open never
changes, and Stripe's id, once kept on an attempt, stays: for everyone, the owner too.

Revision ID: 0020_stripe_attempts_final
Revises: 0019_logins_survive_restore
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_stripe_attempts_final"
down_revision: str | Sequence[str] | None = "0019_logins_survive_restore"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL = """
CREATE FUNCTION stripe_attempts_settled_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'open' THEN
        RAISE EXCEPTION 'A settled Stripe attempt is never changed.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_stripe_attempts_settled_is_final';
    END IF;
    IF OLD.stripe_id IS NOT NULL AND NEW.stripe_id IS DISTINCT FROM OLD.stripe_id THEN
        RAISE EXCEPTION 'The Stripe object of an attempt never changes.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_stripe_attempts_stripe_id_is_final';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER stripe_attempts_settled_is_final BEFORE UPDATE ON stripe_attempts
    FOR EACH ROW EXECUTE FUNCTION stripe_attempts_settled_is_final();
"""


def upgrade() -> None:
    op.execute(FINAL)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS stripe_attempts_settled_is_final ON stripe_attempts")
    op.execute("DROP FUNCTION IF EXISTS stripe_attempts_settled_is_final()")
