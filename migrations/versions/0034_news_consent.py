"""Studio news only to people who agreed: the database refuses an outbox row of kind 'news'
for anyone whose latest marketing-email consent is not a yes, or addressed to another address
than theirs (found with the desk's own login in psql: it could queue news to anybody, the
consent being checked by the app alone).

Reviewed by hand.

Revision ID: 0034_news_consent
Revises: 0033_news_email
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034_news_consent"
down_revision: str | None = "0033_news_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
    CREATE FUNCTION studiosync_news_needs_consent() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        IF NOT COALESCE((
            SELECT c.granted FROM consents c
             WHERE c.user_id = NEW.person_id AND c.kind = 'marketing_email'
             ORDER BY c.recorded_at DESC, c.created_at DESC LIMIT 1), false)
        THEN
            RAISE EXCEPTION 'Studio news goes only to people who agreed to marketing emails.'
                USING ERRCODE = 'P0001';
        END IF;
        IF NEW.recipient <> '' AND lower(NEW.recipient) IS DISTINCT FROM (
            SELECT lower(u.email) FROM users u WHERE u.id = NEW.person_id)
        THEN
            RAISE EXCEPTION 'Studio news goes to the address of the person who agreed.'
                USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
    END;
    $$;
    REVOKE ALL ON FUNCTION studiosync_news_needs_consent() FROM PUBLIC;
    CREATE TRIGGER email_outbox_news_consent
        BEFORE INSERT OR UPDATE OF kind, person_id, recipient ON email_outbox
        FOR EACH ROW WHEN (NEW.kind = 'news')
        EXECUTE FUNCTION studiosync_news_needs_consent();
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS email_outbox_news_consent ON email_outbox")
    op.execute("DROP FUNCTION IF EXISTS studiosync_news_needs_consent()")
