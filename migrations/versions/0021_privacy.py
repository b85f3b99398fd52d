"""Privacy: data requests, consents, retention, and people's photos.

Reviewed by hand.

- `privacy_requests`: an export (recorded when made: the audit trail shows who exported whose
  data) or an erasure (recorded when asked, for admins' queue; carried out by an admin).
- `consents`: each consent given or withdrawn, per person and kind, by whom and when.
- `retention_runs`: the daily retention round, one per studio and day (the unique key is what
  makes it one desk at a time), with what it did.
- `audit_pauses`: the transactions of the privacy functions below. The audit trail copies every
  changed row; while a person is erased that copy would keep what is being erased, so
  `audit_changes` skips a transaction listed here. Only these functions write it (nobody has a
  grant), so nobody can hide their own changes with it.
- `users.avatar_thumb`: the list-sized copy of a person's photo.

Functions:
- `studiosync_erasure_blockers(person)`: why a person cannot be erased now (coming lessons,
  lent items, a balance or credit), in sentences; admins and the desk.
- `studiosync_erase_person(request)`: an admin carries out an erasure request: the person is
  anonymised ("Former student 1234") wherever their name, email, phone or login appears, while
  the money records stay as they are. Cannot be undone.
- `studiosync_apply_retention()`: the day's retention round of the caller's studio, by the
  studio's settings (admins and the desk; one desk per day).
- `studiosync_anonymise(person, reference)`: the common part; nobody may call it directly.

Revision ID: 0021_privacy
Revises: 0020_stripe_attempts_final
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from studiosync_desktop.permission_matrix import function_grant_statements, grant_statements

revision: str = "0021_privacy"
down_revision: str | Sequence[str] | None = "0020_stripe_attempts_final"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "studiosync_admin, studiosync_desk"
STUDIO = "studio_id = (SELECT app_studio_id())"
TABLES = ("privacy_requests", "consents", "retention_runs", "audit_pauses")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _create_tables() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("reference", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.UUID(), nullable=False),
        sa.Column("asked_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.UUID(), nullable=True),
        sa.Column("outcome", sa.Text(), server_default="", nullable=False),
        *_timestamps(),
        sa.CheckConstraint("kind IN ('export', 'erasure')",
                           name=op.f("ck_privacy_requests_kind_allowed")),
        sa.CheckConstraint("status IN ('open', 'done', 'refused', 'withdrawn')",
                           name=op.f("ck_privacy_requests_status_allowed")),
        sa.CheckConstraint("(status = 'open') = (done_at IS NULL)",
                           name=op.f("ck_privacy_requests_done_when_closed")),
        _fk("privacy_requests", "studio_id", "studios", "CASCADE"),
        _fk("privacy_requests", "person_id", "users", "RESTRICT"),
        _fk("privacy_requests", "recorded_by_id", "users", "SET NULL"),
        _fk("privacy_requests", "done_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_privacy_requests_reference")),
    )
    op.create_index(op.f("ix_privacy_requests_studio_id"), "privacy_requests", ["studio_id"])
    op.create_index(op.f("ix_privacy_requests_person_id"), "privacy_requests", ["person_id"])
    op.create_index("ix_privacy_requests_studio_id_status", "privacy_requests",
                    ["studio_id", "status"])
    op.create_index("uq_privacy_requests_open_erasure", "privacy_requests", ["person_id"],
                    unique=True,
                    postgresql_where=sa.text("kind = 'erasure' AND status = 'open'"))

    op.create_table(
        "consents",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), server_default="", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint(
            "kind IN ('terms', 'privacy_policy', 'marketing_email', 'recital_photos',"
            " 'analytics')",
            name=op.f("ck_consents_kind_allowed"),
        ),
        _fk("consents", "studio_id", "studios", "CASCADE"),
        _fk("consents", "user_id", "users", "CASCADE"),
        _fk("consents", "recorded_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_studio_id"), "consents", ["studio_id"])
    op.create_index("ix_consents_user_id_kind_recorded_at", "consents",
                    ["user_id", "kind", "recorded_at"])

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("studio_id", sa.UUID(), nullable=False),
        sa.Column("ran_on", sa.Date(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("ran_by_id", sa.UUID(), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        _fk("retention_runs", "studio_id", "studios", "CASCADE"),
        _fk("retention_runs", "ran_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
        sa.UniqueConstraint("studio_id", "ran_on",
                            name=op.f("uq_retention_runs_studio_id_ran_on")),
    )
    op.create_index(op.f("ix_retention_runs_studio_id"), "retention_runs", ["studio_id"])

    op.create_table(
        "audit_pauses",
        sa.Column("xact", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("xact", name=op.f("pk_audit_pauses")),
    )

    op.add_column("users", sa.Column("avatar_thumb", sa.LargeBinary(), nullable=True))
    op.create_check_constraint(
        op.f("ck_users_avatar_size"), "users", "octet_length(avatar) <= 1048576"
    )
    op.create_check_constraint(
        op.f("ck_users_avatar_thumb_size"), "users", "octet_length(avatar_thumb) <= 32768"
    )


def _secure() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for table in ("privacy_requests", "consents", "retention_runs"):
        op.execute(
            f"CREATE POLICY staff_studio ON {table} AS PERMISSIVE FOR ALL TO {STAFF}"
            f" USING ({STUDIO}) WITH CHECK ({STUDIO})"
        )
    # Nobody reads or writes the pauses but the privacy functions (as the owner).
    op.execute(
        "CREATE POLICY nobody ON audit_pauses AS PERMISSIVE FOR ALL TO studiosync_admin"
        " USING (false) WITH CHECK (false)"
    )
    columns = {
        table: set(
            op.get_bind()
            .execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = :t"
                ),
                {"t": table},
            )
            .scalars()
        )
        for table in (*TABLES, "users")
    }
    for statement in grant_statements(columns):
        op.execute(statement)


def _triggers() -> None:
    op.execute(
        "CREATE TRIGGER trg_privacy_requests_updated_at BEFORE UPDATE ON privacy_requests "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    for table in ("privacy_requests", "consents", "retention_runs"):
        op.execute(f"""
        CREATE TRIGGER {table}_live_insert AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        CREATE TRIGGER {table}_live_update AFTER UPDATE ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION studiosync_notify_change();
        """)
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER trg_{table}_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION audit_changes('id')"
            )


# 0012's audit trigger, skipping the transactions of the privacy functions.
AUDIT_CHANGES = """
CREATE OR REPLACE FUNCTION audit_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who uuid := app_user_id();
BEGIN
    IF current_setting('studiosync.audit', true) = 'off' AND app_is_owner() THEN
        RETURN NULL;
    END IF;
    {privacy}
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, new)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME,
               (r->>'id')::uuid, 'insert', r
          FROM (SELECT to_jsonb(n) AS r FROM new_rows n OFFSET 0) x;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME,
               (r->>'id')::uuid, 'delete', r
          FROM (SELECT to_jsonb(o) AS r FROM old_rows o OFFSET 0) x;
    ELSIF TG_ARGV[0] = 'id' THEN
        -- PL/pgSQL plans this per table, so the join is on the real key column.
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old, new)
        SELECT (nj->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME, n.id, 'update', oj, nj
          FROM new_rows n JOIN old_rows o ON o.id = n.id,
               LATERAL (SELECT to_jsonb(o) AS oj, to_jsonb(n) AS nj OFFSET 0) j
         WHERE oj - 'updated_at' IS DISTINCT FROM nj - 'updated_at';
    ELSE
        INSERT INTO audit_log (studio_id, db_role, user_id, table_name, row_id, action, old, new)
        SELECT (r->>'studio_id')::uuid, session_user, who, TG_TABLE_NAME, NULL, 'update', NULL, r
          FROM (SELECT to_jsonb(n) AS r FROM new_rows n OFFSET 0) x;
    END IF;
    RETURN NULL;
END;
$$;
"""
# Only a transaction a privacy function listed (the setting alone, anyone may set).
PRIVACY_SKIP = """IF current_setting('studiosync.privacy', true) = 'on'
       AND EXISTS (SELECT 1 FROM audit_pauses WHERE xact = pg_current_xact_id()::text) THEN
        RETURN NULL;
    END IF;"""

# 0004's guard of issued invoices' lines, letting an erasure replace a name in a description.
LINES_GUARD = """
CREATE OR REPLACE FUNCTION invoice_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inv_status text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT status INTO inv_status FROM invoices WHERE id = OLD.invoice_id;
        IF inv_status IS NOT NULL AND inv_status <> 'draft' THEN
            RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
        END IF;
        RETURN OLD;
    END IF;
    SELECT status INTO inv_status FROM invoices WHERE id = NEW.invoice_id;
    IF TG_OP = 'UPDATE' AND inv_status <> 'draft'
       AND (NEW.invoice_id, {description} NEW.quantity, NEW.unit_price, NEW.is_taxable,
            NEW.lesson_id, NEW.reservation_id)
           IS DISTINCT FROM
           (OLD.invoice_id, {old_description} OLD.quantity, OLD.unit_price, OLD.is_taxable,
            OLD.lesson_id, OLD.reservation_id) THEN
        RAISE EXCEPTION 'The lines of an issued invoice are frozen.'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_invoice_lines_frozen';
    END IF;
    IF inv_status = 'void' THEN
        NEW.billed_lesson_id := NULL;
        NEW.billed_reservation_id := NULL;
    ELSE
        NEW.billed_lesson_id := NEW.lesson_id;
        NEW.billed_reservation_id := NEW.reservation_id;
    END IF;
    RETURN NEW;
END;
$$;
"""
LINES_PRIVACY = (
    "CASE WHEN app_privacy_pause() THEN NULL ELSE NEW.description END,",
    "CASE WHEN app_privacy_pause() THEN NULL ELSE OLD.description END,",
)

FUNCTIONS = r"""
CREATE FUNCTION app_privacy_pause() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT current_setting('studiosync.privacy', true) = 'on'
       AND EXISTS (SELECT 1 FROM audit_pauses WHERE xact = pg_current_xact_id()::text)
$$;

CREATE FUNCTION studiosync_pause_audit(pause boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF pause THEN
        INSERT INTO audit_pauses (xact) VALUES (pg_current_xact_id()::text)
            ON CONFLICT DO NOTHING;
        PERFORM set_config('studiosync.privacy', 'on', true);
    ELSE
        DELETE FROM audit_pauses WHERE xact = pg_current_xact_id()::text;
        PERFORM set_config('studiosync.privacy', '', true);
    END IF;
END;
$$;

-- Why a person cannot be erased now, in sentences (empty: they can be).
CREATE FUNCTION studiosync_erasure_blockers(person uuid) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    reasons text[] := '{}';
    studio uuid;
    zone text;
    cur text;
    n bigint;
    next_at timestamptz;
    amount numeric;
    names text;
BEGIN
    SELECT u.studio_id, s.timezone, s.currency INTO studio, zone, cur
      FROM users u JOIN studios s ON s.id = u.studio_id
     WHERE u.id = person AND (app_is_owner() OR u.studio_id = app_studio_id());
    IF studio IS NULL THEN
        RAISE EXCEPTION 'This person is not on the roster.' USING ERRCODE = 'P0002';
    END IF;
    SELECT count(*), min(l.scheduled_start) INTO n, next_at FROM lessons l
     WHERE l.status IN ('scheduled', 'in_progress') AND l.scheduled_end > now()
       AND (l.student_id IN (SELECT id FROM students WHERE user_id = person)
            OR l.teacher_id IN (SELECT id FROM teachers WHERE user_id = person));
    IF n > 0 THEN
        reasons := reasons || format('They have %s coming lesson%s (the next on %s): cancel %s first.',
            n, CASE WHEN n = 1 THEN '' ELSE 's' END,
            to_char(next_at AT TIME ZONE zone, 'Dy FMDD Mon YYYY HH24:MI'),
            CASE WHEN n = 1 THEN 'it' ELSE 'them' END);
    END IF;
    IF EXISTS (SELECT 1 FROM recurring_patterns p
                WHERE p.is_active AND (p.end_date IS NULL OR p.end_date >= current_date)
                  AND (p.student_id IN (SELECT id FROM students WHERE user_id = person)
                       OR p.teacher_id IN (SELECT id FROM teachers WHERE user_id = person))) THEN
        reasons := reasons || 'A series of lessons is still running for them: end it first.'::text;
    END IF;
    SELECT count(*), string_agg(DISTINCT i.name, ', ') INTO n, names
      FROM checkout_logs c JOIN inventory_items i ON i.id = c.item_id
     WHERE c.student_id = person AND c.status IN ('pending', 'approved');
    IF n > 0 THEN
        reasons := reasons || format('They have %s lent out (%s): return %s first.',
            CASE WHEN n = 1 THEN 'an item' ELSE n || ' items' END, names,
            CASE WHEN n = 1 THEN 'it' ELSE 'them' END);
    END IF;
    SELECT count(*), string_agg(DISTINCT r.title, ', ') INTO n, names
      FROM resource_checkouts c JOIN resources r ON r.id = c.resource_id
     WHERE c.status = 'checked_out'
       AND c.student_id IN (SELECT id FROM students WHERE user_id = person);
    IF n > 0 THEN
        reasons := reasons || format('They have %s of the library (%s): return %s first.',
            CASE WHEN n = 1 THEN 'a copy' ELSE n || ' copies' END, names,
            CASE WHEN n = 1 THEN 'it' ELSE 'them' END);
    END IF;
    -- Money: what they pay for themselves, or as their family's contact.
    SELECT coalesce(sum(i.total - i.amount_paid), 0), count(*) INTO amount, n FROM invoices i
     WHERE i.status IN ('sent', 'partial') AND i.total <> i.amount_paid
       AND (i.student_id IN (SELECT id FROM students WHERE user_id = person)
            OR i.family_id IN (SELECT id FROM families WHERE primary_contact_id = person));
    IF n > 0 THEN
        reasons := reasons || format('There is a balance of %s %s on %s invoice%s: settle it first.',
            to_char(amount, 'FM999G999G990D00'), cur, n, CASE WHEN n = 1 THEN '' ELSE 's' END);
    END IF;
    SELECT count(*) INTO n FROM invoices i
     WHERE i.status = 'draft'
       AND (i.student_id IN (SELECT id FROM students WHERE user_id = person)
            OR i.family_id IN (SELECT id FROM families WHERE primary_contact_id = person));
    IF n > 0 THEN
        reasons := reasons || 'A draft invoice is waiting to be sent to them: send or delete it first.'::text;
    END IF;
    SELECT coalesce(sum(a.amount), 0) INTO amount FROM account_credits a
     WHERE a.student_id IN (SELECT id FROM students WHERE user_id = person)
        OR a.family_id IN (SELECT id FROM families WHERE primary_contact_id = person);
    IF amount <> 0 THEN
        reasons := reasons || format('They have %s %s of account credit: refund or use it first.',
            to_char(amount, 'FM999G999G990D00'), cur);
    END IF;
    IF EXISTS (SELECT 1 FROM users u WHERE u.id = person AND u.role = 'admin' AND u.is_active)
       AND NOT EXISTS (SELECT 1 FROM users u WHERE u.studio_id = studio AND u.id <> person
                          AND u.role = 'admin' AND u.is_active AND u.db_role IS NOT NULL) THEN
        reasons := reasons || 'They are the studio''s only administrator.'::text;
    END IF;
    RETURN reasons;
END;
$$;

-- Anonymises one person for good: what identifies them is removed from every text of their
-- studio (their name, email, phone and login), their own record and what was theirs alone
-- (notes, goals, photo, the text of their messages and emails). Money records keep every
-- amount. Not granted to anyone: erasure and retention call it.
CREATE FUNCTION studiosync_anonymise(person uuid, ref bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users%ROWTYPE;
    shown text;
    new_email text;
    paused boolean := app_privacy_pause();
    student_ids uuid[];
    teacher_ids uuid[];
    family_ids uuid[];
    needles text[];
    swaps text[];
    everywhere boolean[];
    personal text[] := ARRAY['first_name', 'last_name', 'email', 'phone_number', 'avatar',
        'avatar_thumb', 'date_of_birth', 'notes', 'emergency_contact_name',
        'emergency_contact_phone', 'search_text', 'db_role', 'bio', 'last_login',
        'billing_email', 'address'];
    tbl record;
    col record;
    expr text;
    sets text[];
    conds text[];
    i int;
BEGIN
    SELECT * INTO u FROM users WHERE id = person FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This person is not on the roster.' USING ERRCODE = 'P0002';
    END IF;
    shown := CASE u.role WHEN 'student' THEN 'Former student'
                         WHEN 'parent' THEN 'Former family contact'
                         WHEN 'teacher' THEN 'Former teacher'
                         ELSE 'Former staff member' END || ' ' || ref;
    new_email := 'former-' || ref || '@no-email.invalid';
    student_ids := ARRAY(SELECT id FROM students WHERE user_id = person);
    teacher_ids := ARRAY(SELECT id FROM teachers WHERE user_id = person);
    family_ids := ARRAY(SELECT id FROM families WHERE primary_contact_id = person);
    -- What is searched for everywhere (name, login) or in free text only (email, phone: a
    -- sibling's or parent's own phone column keeps the family's number).
    needles := ARRAY[trim(u.first_name || ' ' || u.last_name)];
    swaps := ARRAY[shown];
    everywhere := ARRAY[true];
    IF position('@' in u.email) > 1 AND u.email NOT LIKE '%@no-email.invalid' THEN
        needles := needles || u.email; swaps := swaps || new_email; everywhere := everywhere || false;
    END IF;
    IF length(regexp_replace(u.phone_number, '[^0-9]', '', 'g')) >= 5 THEN
        needles := needles || u.phone_number; swaps := swaps || ''::text;
        everywhere := everywhere || false;
    END IF;
    IF u.db_role IS NOT NULL THEN
        needles := needles || u.db_role; swaps := swaps || ('erased_login_' || ref);
        everywhere := everywhere || true;
    END IF;
    IF NOT paused THEN
        PERFORM studiosync_pause_audit(true);
    END IF;

    -- Their own record, and what was theirs alone.
    UPDATE users SET first_name = split_part(shown, ' ' || ref, 1), last_name = ref::text,
                     email = new_email, phone_number = '', avatar = NULL, avatar_thumb = NULL,
                     is_active = false, last_login = NULL, db_role = NULL
     WHERE id = person;
    UPDATE students SET date_of_birth = NULL, emergency_contact_name = '',
                        emergency_contact_phone = '', notes = '', is_active = false
     WHERE id = ANY(student_ids);
    UPDATE teachers SET bio = '', is_active = false, is_accepting_students = false
     WHERE id = ANY(teacher_ids);
    UPDATE families SET phone_number = '', billing_email = '', address = ''
     WHERE id = ANY(family_ids);
    UPDATE bands SET primary_contact_id = NULL WHERE primary_contact_id = person;
    DELETE FROM band_members WHERE user_id = person;
    UPDATE lesson_notes SET summary = '', homework = '', topics_covered = '[]',
                            assignments = '[]', strengths = '[]', challenges = '[]'
     WHERE lesson_id IN (SELECT id FROM lessons WHERE student_id = ANY(student_ids));
    UPDATE lessons SET cancellation_reason = ''
     WHERE student_id = ANY(student_ids) AND cancellation_reason <> '';
    DELETE FROM student_goals WHERE student_id = ANY(student_ids);
    DELETE FROM resource_shares WHERE student_id = ANY(student_ids);
    UPDATE resource_checkouts SET checkout_notes = '', return_notes = ''
     WHERE student_id = ANY(student_ids);
    UPDATE checkout_logs SET notes = '', return_notes = '' WHERE student_id = person;
    UPDATE room_reservations SET notes = '' WHERE student_id = person;
    UPDATE payment_methods SET is_active = false, is_default = false
     WHERE student_id = ANY(student_ids) OR family_id = ANY(family_ids);
    UPDATE messages SET content = '(erased)' WHERE sender_id = person;
    DELETE FROM notifications WHERE user_id = person;
    DELETE FROM email_preferences WHERE user_id = person;
    DELETE FROM login_verifiers WHERE user_id = person;
    DELETE FROM email_attachments WHERE message_id IN (
        SELECT id FROM email_outbox
         WHERE studio_id = u.studio_id AND (person_id = person OR lower(recipient) = lower(u.email)));
    UPDATE email_outbox SET recipient = '', subject = '(erased)', text_body = '', html_body = '',
                            details = '{}'
     WHERE studio_id = u.studio_id AND (person_id = person OR lower(recipient) = lower(u.email));
    UPDATE audit_log SET old = old - personal, new = new - personal
     WHERE studio_id = u.studio_id
       AND row_id = ANY(ARRAY[person] || student_ids || teacher_ids || family_ids);

    -- Every other text of the studio that names them, JSON included (the audit trail too).
    FOR tbl IN SELECT c.relname AS name,
                    EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                               AND a.attname = 'studio_id' AND NOT a.attisdropped) AS owned
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind = 'r'
                AND c.relname NOT IN ('alembic_version', 'audit_pauses', 'studios')
    LOOP
        sets := '{}';
        conds := '{}';
        FOR col IN SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type
                   FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid
                  WHERE k.relname = tbl.name AND k.relnamespace = 'public'::regnamespace
                    AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                    AND format_type(a.atttypid, NULL) IN ('text', 'character varying', 'jsonb')
        LOOP
            expr := format('%I', col.name);
            IF col.type = 'jsonb' THEN
                expr := expr || '::text';
            END IF;
            FOR i IN 1 .. cardinality(needles) LOOP
                -- Contact columns of other people's records keep their own numbers.
                CONTINUE WHEN NOT everywhere[i]
                    AND tbl.name IN ('users', 'students', 'families', 'bands')
                    AND col.name ~ '(phone|email)';
                CONTINUE WHEN needles[i] = '';
                conds := conds || format('%I%s ~* %L', col.name,
                    CASE WHEN col.type = 'jsonb' THEN '::text' ELSE '' END, '***=' || needles[i]);
                expr := format('regexp_replace(%s, %L, %L, %L)', expr, '***=' || needles[i],
                               swaps[i], 'gi');
            END LOOP;
            IF expr <> format('%I', col.name) AND expr <> format('%I::text', col.name) THEN
                sets := sets || format('%I = (%s)%s', col.name, expr,
                    CASE WHEN col.type = 'jsonb' THEN '::jsonb' ELSE '' END);
            END IF;
        END LOOP;
        CONTINUE WHEN cardinality(sets) = 0;
        EXECUTE format('UPDATE %I SET %s WHERE %s (%s)', tbl.name, array_to_string(sets, ', '),
                       CASE WHEN tbl.owned THEN format('studio_id = %L AND', u.studio_id) ELSE '' END,
                       array_to_string(conds, ' OR '));
    END LOOP;

    -- Their login goes too (a role name is server-wide and carries their email).
    IF u.db_role IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = u.db_role) THEN
        EXECUTE format('REVOKE studiosync_admin, studiosync_desk, studiosync_teacher FROM %I',
                       u.db_role);
        BEGIN
            EXECUTE format('DROP ROLE %I', u.db_role);
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN', u.db_role);
            EXECUTE format('ALTER ROLE %I RENAME TO %I', u.db_role, 'ss_erased_' || ref);
        END;
    END IF;
    IF NOT paused THEN
        PERFORM studiosync_pause_audit(false);
    END IF;
    RETURN shown;
END;
$$;

-- The audit trail's entries about one person's records, for their data export (the desk
-- exports too, and may not read the trail): when, which record, what changed; not who changed
-- it (a colleague's login is not theirs to have).
CREATE FUNCTION studiosync_person_audit(person uuid)
RETURNS TABLE (at timestamptz, table_name text, row_id uuid, action text, old jsonb, new jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT a.at, a.table_name::text, a.row_id, a.action::text, a.old, a.new FROM audit_log a
     WHERE (app_is_owner() OR app_role() IN ('admin', 'desk'))
       AND (app_is_owner() OR a.studio_id = app_studio_id())
       AND a.row_id IN (SELECT person
                        UNION ALL SELECT id FROM students WHERE user_id = person
                        UNION ALL SELECT id FROM teachers WHERE user_id = person
                        UNION ALL SELECT id FROM families WHERE primary_contact_id = person)
     ORDER BY a.at, a.id
$$;

-- An administrator carries out an erasure request. Cannot be undone.
CREATE FUNCTION studiosync_erase_person(request uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r privacy_requests%ROWTYPE;
    blockers text[];
    shown text;
BEGIN
    IF NOT (app_is_owner() OR app_role() = 'admin') THEN
        RAISE EXCEPTION 'Only an administrator may carry out an erasure.' USING ERRCODE = '42501';
    END IF;
    SELECT * INTO r FROM privacy_requests
     WHERE id = request AND (app_is_owner() OR studio_id = app_studio_id()) FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This request is no longer on file.' USING ERRCODE = 'P0002';
    END IF;
    IF r.kind <> 'erasure' OR r.status <> 'open' THEN
        RAISE EXCEPTION 'This request is % already.', r.status USING ERRCODE = 'P0001';
    END IF;
    IF r.person_id = app_user_id() THEN
        RAISE EXCEPTION 'You cannot erase yourself: another administrator must.'
            USING ERRCODE = 'P0001';
    END IF;
    -- Their rows, locked: a lesson booked for them meanwhile waits for this (its key check).
    PERFORM 1 FROM users WHERE id = r.person_id FOR UPDATE;
    PERFORM 1 FROM students WHERE user_id = r.person_id FOR UPDATE;
    PERFORM 1 FROM teachers WHERE user_id = r.person_id FOR UPDATE;
    blockers := studiosync_erasure_blockers(r.person_id);
    IF cardinality(blockers) > 0 THEN
        RAISE EXCEPTION '%', array_to_string(blockers, ' ') USING ERRCODE = 'P0001';
    END IF;
    shown := studiosync_anonymise(r.person_id, r.reference);
    UPDATE privacy_requests SET status = 'done', done_at = now(), done_by_id = app_user_id(),
                                outcome = 'Erased: now shown as ' || shown
     WHERE id = request;
    RETURN shown;
END;
$$;

-- The day's retention round of the caller's studio: once a day, one desk at a time. Returns
-- what it did, or NULL when another desk is at it or it already ran today.
CREATE FUNCTION studiosync_apply_retention() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    -- The owner (maintenance mode, the command line) runs it for the database's studio.
    studio uuid := coalesce(app_studio_id(), CASE WHEN app_is_owner() THEN
        (SELECT id FROM studios WHERE one_per_database ORDER BY created_at LIMIT 1) END);
    st studios%ROWTYPE;
    today date;
    run uuid;
    months int;
    n bigint;
    total bigint := 0;
    did jsonb := '{}';
    p record;
    ref bigint;
BEGIN
    IF NOT (app_is_owner() OR coalesce(app_role(), '') IN ('admin', 'desk')) THEN
        RAISE EXCEPTION 'Only the front desk or an administrator runs the retention round.'
            USING ERRCODE = '42501';
    END IF;
    IF studio IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT pg_try_advisory_xact_lock(7351003, hashtext(studio::text)) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO st FROM studios WHERE id = studio;
    today := (now() AT TIME ZONE st.timezone)::date;
    INSERT INTO retention_runs (studio_id, ran_on, ran_by_id)
    VALUES (studio, today, app_user_id()) ON CONFLICT DO NOTHING RETURNING id INTO run;
    IF run IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM studiosync_pause_audit(true);
    months := coalesce((st.settings->>'retention_messages_months')::int, 0);
    IF months > 0 THEN
        -- The audit trail's copies of those messages go with them.
        WITH gone AS (
            DELETE FROM messages WHERE studio_id = studio
               AND created_at < now() - make_interval(months => months) RETURNING id
        ), copies AS (
            DELETE FROM audit_log WHERE studio_id = studio AND table_name = 'messages'
               AND row_id IN (SELECT id FROM gone) RETURNING 1
        )
        SELECT count(*) INTO n FROM gone;
        DELETE FROM message_threads t WHERE t.studio_id = studio
           AND t.created_at < now() - make_interval(months => months)
           AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id);
        did := did || jsonb_build_object('messages', n);
    END IF;
    months := coalesce((st.settings->>'retention_notifications_months')::int, 0);
    IF months > 0 THEN
        DELETE FROM notifications WHERE studio_id = studio
           AND created_at < now() - make_interval(months => months);
        GET DIAGNOSTICS n = ROW_COUNT;
        did := did || jsonb_build_object('notifications', n);
    END IF;
    months := coalesce((st.settings->>'retention_audit_months')::int, 0);
    IF months > 0 THEN
        DELETE FROM audit_log WHERE studio_id = studio
           AND at < now() - make_interval(months => months);
        GET DIAGNOSTICS n = ROW_COUNT;
        did := did || jsonb_build_object('audit_entries', n);
    END IF;
    months := coalesce((st.settings->>'retention_former_students_months')::int, 0);
    IF months > 0 THEN
        n := 0;
        FOR p IN
            SELECT s.user_id FROM students s
             WHERE s.studio_id = studio AND NOT s.is_active
               AND s.created_at < now() - make_interval(months => months)
               AND NOT EXISTS (SELECT 1 FROM privacy_requests r WHERE r.person_id = s.user_id
                                  AND r.kind = 'erasure' AND r.status = 'done')
               AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.student_id = s.id
                                  AND l.scheduled_end > now() - make_interval(months => months))
               AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.student_id = s.id
                                  AND i.created_at > now() - make_interval(months => months))
             ORDER BY s.created_at
             LIMIT 500
        LOOP
            CONTINUE WHEN cardinality(studiosync_erasure_blockers(p.user_id)) > 0;
            INSERT INTO privacy_requests (studio_id, kind, person_id, asked_by, status,
                                          done_at, done_by_id)
            VALUES (studio, 'erasure', p.user_id, 'The studio''s retention policy', 'done',
                    now(), app_user_id())
            RETURNING reference INTO ref;
            UPDATE privacy_requests
               SET outcome = 'Anonymised after ' || months || ' months: now shown as '
                             || studiosync_anonymise(p.user_id, ref)
             WHERE reference = ref;
            n := n + 1;
        END LOOP;
        did := did || jsonb_build_object('former_students', n);
    END IF;
    PERFORM studiosync_pause_audit(false);
    UPDATE retention_runs SET summary = did WHERE id = run;
    RETURN did;
END;
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS studiosync_person_audit(uuid);
DROP FUNCTION IF EXISTS studiosync_apply_retention();
DROP FUNCTION IF EXISTS studiosync_erase_person(uuid);
DROP FUNCTION IF EXISTS studiosync_anonymise(uuid, bigint);
DROP FUNCTION IF EXISTS studiosync_erasure_blockers(uuid);
DROP FUNCTION IF EXISTS studiosync_pause_audit(boolean);
DROP FUNCTION IF EXISTS app_privacy_pause();
"""


def upgrade() -> None:
    _create_tables()
    _secure()
    _triggers()
    op.execute(FUNCTIONS)
    op.execute(AUDIT_CHANGES.replace("{privacy}", PRIVACY_SKIP))
    op.execute(
        LINES_GUARD.replace("{description}", LINES_PRIVACY[0]).replace(
            "{old_description}", LINES_PRIVACY[1]
        )
    )
    for name in ("studiosync_pause_audit(boolean)", "studiosync_anonymise(uuid, bigint)"):
        op.execute(
            f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC, studiosync_admin, studiosync_desk,"
            " studiosync_teacher"
        )
    for statement in function_grant_statements():
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        LINES_GUARD.replace("{description}", "NEW.description,").replace(
            "{old_description}", "OLD.description,"
        )
    )
    op.execute(AUDIT_CHANGES.replace("{privacy}", ""))
    op.execute(DROP_FUNCTIONS)
    op.drop_constraint(op.f("ck_users_avatar_thumb_size"), "users", type_="check")
    op.drop_constraint(op.f("ck_users_avatar_size"), "users", type_="check")
    op.drop_column("users", "avatar_thumb")
    for table in reversed(TABLES):
        op.drop_table(table)
