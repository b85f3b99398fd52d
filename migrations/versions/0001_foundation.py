"""Foundation: the whole StudioSync schema.

Reviewed by hand: extensions, the updated_at trigger and the lower(email) index are not
something autogenerate writes.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-26 05:55:17.531640
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001_foundation'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


UPDATED_AT_FUNCTION = """
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$
"""


def tables_with_updated_at() -> list[str]:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'updated_at' "
            "ORDER BY table_name"
        )
    )
    return [r[0] for r in rows]


def upgrade() -> None:
    # btree_gist: the exclusion constraints of scheduling and rooms; pg_trgm: roster search.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(UPDATED_AT_FUNCTION)
    op.create_table('studios',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('website', sa.String(length=300), server_default='', nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('address', sa.String(length=300), server_default='', nullable=False),
    sa.Column('city', sa.String(length=120), server_default='', nullable=False),
    sa.Column('state', sa.String(length=120), server_default='', nullable=False),
    sa.Column('country', sa.String(length=120), server_default='', nullable=False),
    sa.Column('postal_code', sa.String(length=20), server_default='', nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_mime_type', sa.String(length=100), server_default='', nullable=False),
    sa.Column('theme_color', sa.String(length=9), server_default='#3b6ea5', nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False),
    sa.Column('settings', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('layout_data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_studios_currency_iso')),
    sa.CheckConstraint("theme_color ~ '^#[0-9A-Fa-f]{6}$'", name=op.f('ck_studios_theme_color_hex')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studios')),
    sa.UniqueConstraint('slug', name=op.f('uq_studios_slug'))
    )
    op.create_table('message_threads',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_message_threads_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads'))
    )
    op.create_index(op.f('ix_message_threads_studio_id'), 'message_threads', ['studio_id'], unique=False)
    op.create_table('practice_rooms',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('capacity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('equipment', sa.Text(), server_default='', nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_practice_rooms_capacity_positive')),
    sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_practice_rooms_hourly_rate_not_negative')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_practice_rooms_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_rooms')),
    sa.UniqueConstraint('studio_id', 'name', name=op.f('uq_practice_rooms_studio_id_name'))
    )
    op.create_index(op.f('ix_practice_rooms_studio_id'), 'practice_rooms', ['studio_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), server_default='', nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('phone_number', sa.String(length=40), server_default='', nullable=False),
    sa.Column('avatar', sa.LargeBinary(), nullable=True),
    sa.Column('db_role', sa.String(length=63), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('is_staff', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_superuser', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('last_login', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("position('@' in email) > 1", name=op.f('ck_users_email_has_at')),
    sa.CheckConstraint("role IN ('admin', 'desk', 'teacher', 'student', 'parent')", name=op.f('ck_users_role_allowed')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_users_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('db_role', name=op.f('uq_users_db_role'))
    )
    op.create_index(op.f('ix_users_studio_id'), 'users', ['studio_id'], unique=False)
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('bands',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('primary_contact_id', sa.UUID(), nullable=True),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('phone_number', sa.String(length=40), server_default='', nullable=False),
    sa.Column('address', sa.String(length=300), server_default='', nullable=False),
    sa.Column('city', sa.String(length=120), server_default='', nullable=False),
    sa.Column('state', sa.String(length=120), server_default='', nullable=False),
    sa.Column('postal_code', sa.String(length=20), server_default='', nullable=False),
    sa.Column('country', sa.String(length=120), server_default='', nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['primary_contact_id'], ['users.id'], name=op.f('fk_bands_primary_contact_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_bands_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bands'))
    )
    op.create_index(op.f('ix_bands_primary_contact_id'), 'bands', ['primary_contact_id'], unique=False)
    op.create_index(op.f('ix_bands_studio_id'), 'bands', ['studio_id'], unique=False)
    op.create_table('families',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('primary_contact_id', sa.UUID(), nullable=True),
    sa.Column('phone_number', sa.String(length=40), server_default='', nullable=False),
    sa.Column('address', sa.Text(), server_default='', nullable=False),
    sa.Column('billing_email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['primary_contact_id'], ['users.id'], name=op.f('fk_families_primary_contact_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_families_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_families'))
    )
    op.create_index(op.f('ix_families_primary_contact_id'), 'families', ['primary_contact_id'], unique=False)
    op.create_index(op.f('ix_families_studio_id'), 'families', ['studio_id'], unique=False)
    op.create_table('inventory_items',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), server_default='other', nullable=False),
    sa.Column('quantity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('available_quantity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), server_default=sa.text('2'), nullable=False),
    sa.Column('condition', sa.String(length=20), server_default='good', nullable=False),
    sa.Column('status', sa.String(length=20), server_default='available', nullable=False),
    sa.Column('location', sa.String(length=200), server_default='', nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('serial_number', sa.String(length=100), server_default='', nullable=False),
    sa.Column('is_borrowable', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('max_checkout_days', sa.Integer(), server_default=sa.text('14'), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('last_maintenance', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('instrument', 'equipment', 'sheet-music', 'accessories', 'other')", name=op.f('ck_inventory_items_category_allowed')),
    sa.CheckConstraint("condition IN ('excellent', 'good', 'fair', 'needs-repair')", name=op.f('ck_inventory_items_condition_allowed')),
    sa.CheckConstraint("status IN ('available', 'checked-out', 'maintenance', 'retired')", name=op.f('ck_inventory_items_status_allowed')),
    sa.CheckConstraint('available_quantity BETWEEN 0 AND quantity', name=op.f('ck_inventory_items_available_within_quantity')),
    sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_inventory_items_threshold_not_negative')),
    sa.CheckConstraint('max_checkout_days BETWEEN 1 AND 365', name=op.f('ck_inventory_items_checkout_days_in_range')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_inventory_items_quantity_not_negative')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_inventory_items_value_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_inventory_items_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_inventory_items_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_items'))
    )
    op.create_index('ix_inventory_items_serial_number', 'inventory_items', ['studio_id', 'serial_number'], unique=False)
    op.create_index(op.f('ix_inventory_items_studio_id'), 'inventory_items', ['studio_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('thread_id', sa.UUID(), nullable=False),
    sa.Column('sender_id', sa.UUID(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('is_read', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_messages_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    op.create_index(op.f('ix_messages_sender_id'), 'messages', ['sender_id'], unique=False)
    op.create_index(op.f('ix_messages_studio_id'), 'messages', ['studio_id'], unique=False)
    op.create_index('ix_messages_thread_id_created_at', 'messages', ['thread_id', 'created_at'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.Column('notification_type', sa.String(length=40), server_default='info', nullable=False),
    sa.Column('is_read', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('link', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_notifications_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index(op.f('ix_notifications_studio_id'), 'notifications', ['studio_id'], unique=False)
    op.create_index('ix_notifications_user_id_is_read_created_at', 'notifications', ['user_id', 'is_read', 'created_at'], unique=False)
    op.create_table('resources',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('uploaded_by_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('resource_type', sa.String(length=10), nullable=False),
    sa.Column('file', sa.LargeBinary(), nullable=True),
    sa.Column('file_name', sa.String(length=255), server_default='', nullable=False),
    sa.Column('file_size', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('mime_type', sa.String(length=100), server_default='', nullable=False),
    sa.Column('external_url', sa.String(length=2000), server_default='', nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('category', sa.String(length=100), server_default='', nullable=False),
    sa.Column('is_physical_item', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('quantity_total', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('quantity_available', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('is_lendable', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('checkout_duration_days', sa.Integer(), server_default=sa.text('14'), nullable=False),
    sa.Column('is_public', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(tags) = 'array'", name=op.f('ck_resources_tags_is_array')),
    sa.CheckConstraint("resource_type IN ('pdf', 'audio', 'video', 'image', 'physical', 'link', 'other')", name=op.f('ck_resources_type_allowed')),
    sa.CheckConstraint('checkout_duration_days BETWEEN 1 AND 365', name=op.f('ck_resources_duration_in_range')),
    sa.CheckConstraint('file IS NULL OR octet_length(file) = file_size', name=op.f('ck_resources_file_size_matches')),
    sa.CheckConstraint('file_size BETWEEN 0 AND 52428800', name=op.f('ck_resources_file_size_limit')),
    sa.CheckConstraint('quantity_available BETWEEN 0 AND quantity_total', name=op.f('ck_resources_available_within_total')),
    sa.CheckConstraint('quantity_total >= 0', name=op.f('ck_resources_quantity_total_not_negative')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_resources_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_resources_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    op.create_index(op.f('ix_resources_resource_type'), 'resources', ['resource_type'], unique=False)
    op.create_index(op.f('ix_resources_studio_id'), 'resources', ['studio_id'], unique=False)
    op.create_index('ix_resources_studio_id_is_public', 'resources', ['studio_id', 'is_public'], unique=False)
    op.create_table('room_reservations',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('room_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('total_cost', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('is_paid', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('booked_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')", name=op.f('ck_room_reservations_status_allowed')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_room_reservations_end_after_start')),
    sa.CheckConstraint('total_cost >= 0', name=op.f('ck_room_reservations_total_cost_not_negative')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_room_reservations_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['practice_rooms.id'], name=op.f('fk_room_reservations_room_id_practice_rooms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_room_reservations_student_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_room_reservations_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_reservations'))
    )
    op.create_index(op.f('ix_room_reservations_room_id'), 'room_reservations', ['room_id'], unique=False)
    op.create_index(op.f('ix_room_reservations_start_time'), 'room_reservations', ['start_time'], unique=False)
    op.create_index(op.f('ix_room_reservations_student_id'), 'room_reservations', ['student_id'], unique=False)
    op.create_index(op.f('ix_room_reservations_studio_id'), 'room_reservations', ['studio_id'], unique=False)
    op.create_table('teachers',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('bio', sa.Text(), server_default='', nullable=False),
    sa.Column('specialties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('is_accepting_students', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('booking_buffer_minutes', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("jsonb_typeof(specialties) = 'array'", name=op.f('ck_teachers_specialties_is_array')),
    sa.CheckConstraint('booking_buffer_minutes BETWEEN 0 AND 240', name=op.f('ck_teachers_booking_buffer_in_range')),
    sa.CheckConstraint('hourly_rate >= 0', name=op.f('ck_teachers_hourly_rate_not_negative')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_teachers_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_teachers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teachers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_teachers_user_id'))
    )
    op.create_index(op.f('ix_teachers_studio_id'), 'teachers', ['studio_id'], unique=False)
    op.create_table('thread_participants',
    sa.Column('thread_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_thread_participants_thread_id_message_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_thread_participants'))
    )
    op.create_index(op.f('ix_thread_participants_user_id'), 'thread_participants', ['user_id'], unique=False)
    op.create_table('band_members',
    sa.Column('band_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['band_id'], ['bands.id'], name=op.f('fk_band_members_band_id_bands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_band_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('band_id', 'user_id', name=op.f('pk_band_members'))
    )
    op.create_index(op.f('ix_band_members_user_id'), 'band_members', ['user_id'], unique=False)
    op.create_table('checkout_logs',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('item_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('checkout_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('return_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('condition_out', sa.String(length=20), server_default='', nullable=False),
    sa.Column('condition_in', sa.String(length=20), server_default='', nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('return_notes', sa.Text(), server_default='', nullable=False),
    sa.Column('approved_by_id', sa.UUID(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'returned', 'rejected', 'cancelled')", name=op.f('ck_checkout_logs_status_allowed')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_checkout_logs_quantity_positive')),
    sa.CheckConstraint('return_date IS NULL OR checkout_date IS NULL OR return_date >= checkout_date', name=op.f('ck_checkout_logs_return_after_checkout')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_checkout_logs_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['inventory_items.id'], name=op.f('fk_checkout_logs_item_id_inventory_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_checkout_logs_student_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_checkout_logs_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_logs'))
    )
    op.create_index(op.f('ix_checkout_logs_item_id'), 'checkout_logs', ['item_id'], unique=False)
    op.create_index(op.f('ix_checkout_logs_status'), 'checkout_logs', ['status'], unique=False)
    op.create_index(op.f('ix_checkout_logs_student_id'), 'checkout_logs', ['student_id'], unique=False)
    op.create_index(op.f('ix_checkout_logs_studio_id'), 'checkout_logs', ['studio_id'], unique=False)
    op.create_table('lesson_plans',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('specialty', sa.String(length=100), server_default='', nullable=False),
    sa.Column('duration_minutes', sa.Integer(), server_default=sa.text('30'), nullable=False),
    sa.Column('objectives', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('materials', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('activities', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('is_public', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_minutes BETWEEN 5 AND 480', name=op.f('ck_lesson_plans_duration_in_range')),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_lesson_plans_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_lesson_plans_teacher_id_teachers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_plans'))
    )
    op.create_index(op.f('ix_lesson_plans_studio_id'), 'lesson_plans', ['studio_id'], unique=False)
    op.create_index(op.f('ix_lesson_plans_teacher_id'), 'lesson_plans', ['teacher_id'], unique=False)
    op.create_table('message_reads',
    sa.Column('message_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reads_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'user_id', name=op.f('pk_message_reads'))
    )
    op.create_index(op.f('ix_message_reads_user_id'), 'message_reads', ['user_id'], unique=False)
    op.create_table('students',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('family_id', sa.UUID(), nullable=True),
    sa.Column('primary_teacher_id', sa.UUID(), nullable=True),
    sa.Column('instrument', sa.String(length=100), server_default='', nullable=False),
    sa.Column('specialties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('emergency_contact_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('emergency_contact_phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('enrollment_date', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("date_of_birth IS NULL OR date_of_birth > DATE '1900-01-01'", name=op.f('ck_students_birth_plausible')),
    sa.CheckConstraint("jsonb_typeof(specialties) = 'array'", name=op.f('ck_students_specialties_is_array')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_students_family_id_families'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['primary_teacher_id'], ['teachers.id'], name=op.f('fk_students_primary_teacher_id_teachers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_students_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_students_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
    sa.UniqueConstraint('user_id', name=op.f('uq_students_user_id'))
    )
    op.create_index(op.f('ix_students_family_id'), 'students', ['family_id'], unique=False)
    op.create_index(op.f('ix_students_primary_teacher_id'), 'students', ['primary_teacher_id'], unique=False)
    op.create_index(op.f('ix_students_studio_id'), 'students', ['studio_id'], unique=False)
    op.create_table('invoices',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('invoice_number', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='draft', nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('subtotal', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('discount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('tax', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('late_fee', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('void_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('credit_note_for_id', sa.UUID(), nullable=True),
    sa.Column('family_id', sa.UUID(), nullable=True),
    sa.Column('band_id', sa.UUID(), nullable=True),
    sa.Column('student_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status = 'draft' OR invoice_number IS NOT NULL", name=op.f('ck_invoices_issued_has_number')),
    sa.CheckConstraint("status IN ('draft', 'sent', 'partial', 'paid', 'void')", name=op.f('ck_invoices_status_allowed')),
    sa.CheckConstraint('amount_paid >= 0', name=op.f('ck_invoices_amount_paid_not_negative')),
    sa.CheckConstraint('discount >= 0 AND late_fee >= 0', name=op.f('ck_invoices_discount_fee_not_negative')),
    sa.CheckConstraint('due_date IS NULL OR issue_date IS NULL OR due_date >= issue_date', name=op.f('ck_invoices_due_after_issue')),
    sa.CheckConstraint('num_nonnulls(family_id, band_id, student_id) = 1', name=op.f('ck_invoices_one_payer')),
    sa.CheckConstraint('period_end IS NULL OR period_start IS NULL OR period_end >= period_start', name=op.f('ck_invoices_period_end_after_start')),
    sa.CheckConstraint('total = subtotal - discount + tax + late_fee', name=op.f('ck_invoices_total_adds_up')),
    sa.ForeignKeyConstraint(['band_id'], ['bands.id'], name=op.f('fk_invoices_band_id_bands'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['credit_note_for_id'], ['invoices.id'], name=op.f('fk_invoices_credit_note_for_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_invoices_family_id_families'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_invoices_student_id_students'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_invoices_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('studio_id', 'invoice_number', name=op.f('uq_invoices_studio_id_invoice_number'))
    )
    op.create_index('ix_invoices_band_id_status', 'invoices', ['band_id', 'status'], unique=False)
    op.create_index(op.f('ix_invoices_due_date'), 'invoices', ['due_date'], unique=False)
    op.create_index('ix_invoices_family_id_status', 'invoices', ['family_id', 'status'], unique=False)
    op.create_index('ix_invoices_student_id_status', 'invoices', ['student_id', 'status'], unique=False)
    op.create_index(op.f('ix_invoices_studio_id'), 'invoices', ['studio_id'], unique=False)
    op.create_table('payment_methods',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('payment_type', sa.String(length=20), server_default='card', nullable=False),
    sa.Column('brand', sa.String(length=30), server_default='', nullable=False),
    sa.Column('last_four', sa.String(length=4), nullable=False),
    sa.Column('stripe_payment_method_id', sa.String(length=255), nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=255), server_default='', nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('family_id', sa.UUID(), nullable=True),
    sa.Column('band_id', sa.UUID(), nullable=True),
    sa.Column('student_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("last_four ~ '^[0-9]{4}$'", name=op.f('ck_payment_methods_last_four_digits')),
    sa.CheckConstraint("payment_type IN ('card', 'bank_account')", name=op.f('ck_payment_methods_type_allowed')),
    sa.CheckConstraint('num_nonnulls(family_id, band_id, student_id) = 1', name=op.f('ck_payment_methods_one_payer')),
    sa.ForeignKeyConstraint(['band_id'], ['bands.id'], name=op.f('fk_payment_methods_band_id_bands'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_payment_methods_family_id_families'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_payment_methods_student_id_students'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_payment_methods_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_methods')),
    sa.UniqueConstraint('stripe_payment_method_id', name=op.f('uq_payment_methods_stripe_payment_method_id'))
    )
    op.create_index(op.f('ix_payment_methods_studio_id'), 'payment_methods', ['studio_id'], unique=False)
    op.create_table('recurring_patterns',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=True),
    sa.Column('band_id', sa.UUID(), nullable=True),
    sa.Column('room_id', sa.UUID(), nullable=True),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('day_of_week', sa.String(length=9), nullable=False),
    sa.Column('week_of_month', sa.SmallInteger(), nullable=True),
    sa.Column('time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('lesson_type', sa.String(length=10), server_default='private', nullable=False),
    sa.Column('location', sa.String(length=200), server_default='', nullable=False),
    sa.Column('rate', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("day_of_week IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')", name=op.f('ck_recurring_patterns_day_of_week_allowed')),
    sa.CheckConstraint("frequency IN ('weekly', 'biweekly', 'monthly')", name=op.f('ck_recurring_patterns_frequency_allowed')),
    sa.CheckConstraint("lesson_type IN ('private', 'group', 'ensemble', 'online', 'makeup')", name=op.f('ck_recurring_patterns_lesson_type_allowed')),
    sa.CheckConstraint('duration_minutes BETWEEN 5 AND 480', name=op.f('ck_recurring_patterns_duration_in_range')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_recurring_patterns_end_after_start')),
    sa.CheckConstraint('num_nonnulls(student_id, band_id, room_id) >= 1', name=op.f('ck_recurring_patterns_has_student_band_or_room')),
    sa.CheckConstraint('rate IS NULL OR rate >= 0', name=op.f('ck_recurring_patterns_rate_not_negative')),
    sa.CheckConstraint('week_of_month IS NULL OR week_of_month BETWEEN 1 AND 5', name=op.f('ck_recurring_patterns_week_of_month_range')),
    sa.ForeignKeyConstraint(['band_id'], ['bands.id'], name=op.f('fk_recurring_patterns_band_id_bands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['practice_rooms.id'], name=op.f('fk_recurring_patterns_room_id_practice_rooms'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_recurring_patterns_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_recurring_patterns_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_recurring_patterns_teacher_id_teachers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_patterns'))
    )
    op.create_index(op.f('ix_recurring_patterns_band_id'), 'recurring_patterns', ['band_id'], unique=False)
    op.create_index(op.f('ix_recurring_patterns_student_id'), 'recurring_patterns', ['student_id'], unique=False)
    op.create_index(op.f('ix_recurring_patterns_studio_id'), 'recurring_patterns', ['studio_id'], unique=False)
    op.create_index(op.f('ix_recurring_patterns_teacher_id'), 'recurring_patterns', ['teacher_id'], unique=False)
    op.create_table('resource_checkouts',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='checked_out', nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkout_notes', sa.Text(), server_default='', nullable=False),
    sa.Column('return_notes', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('checked_out', 'returned', 'lost')", name=op.f('ck_resource_checkouts_status_allowed')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_resource_checkouts_quantity_positive')),
    sa.CheckConstraint('returned_at IS NULL OR returned_at >= checked_out_at', name=op.f('ck_resource_checkouts_return_after_checkout')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_checkouts_resource_id_resources'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_resource_checkouts_student_id_students'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_resource_checkouts_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_checkouts'))
    )
    op.create_index(op.f('ix_resource_checkouts_resource_id'), 'resource_checkouts', ['resource_id'], unique=False)
    op.create_index(op.f('ix_resource_checkouts_student_id'), 'resource_checkouts', ['student_id'], unique=False)
    op.create_index(op.f('ix_resource_checkouts_studio_id'), 'resource_checkouts', ['studio_id'], unique=False)
    op.create_table('resource_shares',
    sa.Column('resource_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_shares_resource_id_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_resource_shares_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'student_id', name=op.f('pk_resource_shares'))
    )
    op.create_index(op.f('ix_resource_shares_student_id'), 'resource_shares', ['student_id'], unique=False)
    op.create_table('student_goals',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='active', nullable=False),
    sa.Column('progress_percentage', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'achieved', 'abandoned')", name=op.f('ck_student_goals_status_allowed')),
    sa.CheckConstraint('progress_percentage BETWEEN 0 AND 100', name=op.f('ck_student_goals_progress_0_to_100')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_student_goals_student_id_students'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_student_goals_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_student_goals_teacher_id_teachers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_goals'))
    )
    op.create_index(op.f('ix_student_goals_student_id'), 'student_goals', ['student_id'], unique=False)
    op.create_index(op.f('ix_student_goals_studio_id'), 'student_goals', ['studio_id'], unique=False)
    op.create_index(op.f('ix_student_goals_teacher_id'), 'student_goals', ['teacher_id'], unique=False)
    op.create_table('lessons',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=True),
    sa.Column('band_id', sa.UUID(), nullable=True),
    sa.Column('room_id', sa.UUID(), nullable=True),
    sa.Column('scheduled_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location', sa.String(length=200), server_default='', nullable=False),
    sa.Column('lesson_type', sa.String(length=10), server_default='private', nullable=False),
    sa.Column('status', sa.String(length=12), server_default='scheduled', nullable=False),
    sa.Column('rate', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('recurring_pattern_id', sa.UUID(), nullable=True),
    sa.Column('lesson_plan_id', sa.UUID(), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.UUID(), nullable=True),
    sa.Column('is_late_cancel', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("lesson_type IN ('private', 'group', 'ensemble', 'online', 'makeup')", name=op.f('ck_lessons_lesson_type_allowed')),
    sa.CheckConstraint("status = 'cancelled' OR cancelled_at IS NULL", name=op.f('ck_lessons_cancelled_at_only_if_cancelled')),
    sa.CheckConstraint("status IN ('scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')", name=op.f('ck_lessons_status_allowed')),
    sa.CheckConstraint('actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start', name=op.f('ck_lessons_actual_end_after_start')),
    sa.CheckConstraint('num_nonnulls(student_id, band_id, room_id) >= 1', name=op.f('ck_lessons_has_student_band_or_room')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_lessons_rate_not_negative')),
    sa.CheckConstraint('scheduled_end > scheduled_start', name=op.f('ck_lessons_end_after_start')),
    sa.ForeignKeyConstraint(['band_id'], ['bands.id'], name=op.f('fk_lessons_band_id_bands'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_lessons_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_plan_id'], ['lesson_plans.id'], name=op.f('fk_lessons_lesson_plan_id_lesson_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recurring_pattern_id'], ['recurring_patterns.id'], name=op.f('fk_lessons_recurring_pattern_id_recurring_patterns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['practice_rooms.id'], name=op.f('fk_lessons_room_id_practice_rooms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_lessons_student_id_students'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_lessons_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_lessons_teacher_id_teachers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons'))
    )
    op.create_index(op.f('ix_lessons_band_id'), 'lessons', ['band_id'], unique=False)
    op.create_index(op.f('ix_lessons_recurring_pattern_id'), 'lessons', ['recurring_pattern_id'], unique=False)
    op.create_index(op.f('ix_lessons_room_id'), 'lessons', ['room_id'], unique=False)
    op.create_index(op.f('ix_lessons_scheduled_start'), 'lessons', ['scheduled_start'], unique=False)
    op.create_index(op.f('ix_lessons_status'), 'lessons', ['status'], unique=False)
    op.create_index('ix_lessons_student_id_scheduled_start', 'lessons', ['student_id', 'scheduled_start'], unique=False)
    op.create_index(op.f('ix_lessons_studio_id'), 'lessons', ['studio_id'], unique=False)
    op.create_index('ix_lessons_teacher_id_scheduled_start', 'lessons', ['teacher_id', 'scheduled_start'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('invoice_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('refunded_amount', sa.Numeric(precision=12, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('transaction_id', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='completed', nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('processed_by_id', sa.UUID(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("payment_method IN ('cash', 'check', 'card', 'bank_transfer', 'stripe', 'account_credit')", name=op.f('ck_payments_method_allowed')),
    sa.CheckConstraint("status IN ('pending', 'completed', 'failed', 'refunded', 'partially_refunded')", name=op.f('ck_payments_status_allowed')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('refunded_amount BETWEEN 0 AND amount', name=op.f('ck_payments_refund_within_amount')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['processed_by_id'], ['users.id'], name=op.f('fk_payments_processed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_payments_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_payments_transaction_id'))
    )
    op.create_index('ix_payments_invoice_id_status', 'payments', ['invoice_id', 'status'], unique=False)
    op.create_index(op.f('ix_payments_studio_id'), 'payments', ['studio_id'], unique=False)
    op.create_table('invoice_line_items',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('invoice_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total_price', sa.Numeric(precision=12, scale=2), sa.Computed('quantity * unit_price', persisted=True), nullable=False),
    sa.Column('is_taxable', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=True),
    sa.Column('reservation_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_line_items_quantity_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_line_items_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_invoice_line_items_lesson_id_lessons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reservation_id'], ['room_reservations.id'], name=op.f('fk_invoice_line_items_reservation_id_room_reservations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_invoice_line_items_studio_id_studios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line_items'))
    )
    op.create_index(op.f('ix_invoice_line_items_invoice_id'), 'invoice_line_items', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_invoice_line_items_lesson_id'), 'invoice_line_items', ['lesson_id'], unique=False)
    op.create_index(op.f('ix_invoice_line_items_reservation_id'), 'invoice_line_items', ['reservation_id'], unique=False)
    op.create_index(op.f('ix_invoice_line_items_studio_id'), 'invoice_line_items', ['studio_id'], unique=False)
    op.create_table('lesson_notes',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('studio_id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('teacher_id', sa.UUID(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('topics_covered', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('assignments', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('strengths', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('challenges', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('homework', sa.Text(), server_default='', nullable=False),
    sa.Column('visible_to_student', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('visible_to_parent', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_notes_lesson_id_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], name=op.f('fk_lesson_notes_studio_id_studios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_lesson_notes_teacher_id_teachers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_notes'))
    )
    op.create_index(op.f('ix_lesson_notes_lesson_id'), 'lesson_notes', ['lesson_id'], unique=False)
    op.create_index(op.f('ix_lesson_notes_studio_id'), 'lesson_notes', ['studio_id'], unique=False)
    op.create_index(op.f('ix_lesson_notes_teacher_id'), 'lesson_notes', ['teacher_id'], unique=False)

    for table in tables_with_updated_at():
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )


def downgrade() -> None:
    op.drop_index(op.f('ix_lesson_notes_teacher_id'), table_name='lesson_notes')
    op.drop_index(op.f('ix_lesson_notes_studio_id'), table_name='lesson_notes')
    op.drop_index(op.f('ix_lesson_notes_lesson_id'), table_name='lesson_notes')
    op.drop_table('lesson_notes')
    op.drop_index(op.f('ix_invoice_line_items_studio_id'), table_name='invoice_line_items')
    op.drop_index(op.f('ix_invoice_line_items_reservation_id'), table_name='invoice_line_items')
    op.drop_index(op.f('ix_invoice_line_items_lesson_id'), table_name='invoice_line_items')
    op.drop_index(op.f('ix_invoice_line_items_invoice_id'), table_name='invoice_line_items')
    op.drop_table('invoice_line_items')
    op.drop_index(op.f('ix_payments_studio_id'), table_name='payments')
    op.drop_index('ix_payments_invoice_id_status', table_name='payments')
    op.drop_table('payments')
    op.drop_index('ix_lessons_teacher_id_scheduled_start', table_name='lessons')
    op.drop_index(op.f('ix_lessons_studio_id'), table_name='lessons')
    op.drop_index('ix_lessons_student_id_scheduled_start', table_name='lessons')
    op.drop_index(op.f('ix_lessons_status'), table_name='lessons')
    op.drop_index(op.f('ix_lessons_scheduled_start'), table_name='lessons')
    op.drop_index(op.f('ix_lessons_room_id'), table_name='lessons')
    op.drop_index(op.f('ix_lessons_recurring_pattern_id'), table_name='lessons')
    op.drop_index(op.f('ix_lessons_band_id'), table_name='lessons')
    op.drop_table('lessons')
    op.drop_index(op.f('ix_student_goals_teacher_id'), table_name='student_goals')
    op.drop_index(op.f('ix_student_goals_studio_id'), table_name='student_goals')
    op.drop_index(op.f('ix_student_goals_student_id'), table_name='student_goals')
    op.drop_table('student_goals')
    op.drop_index(op.f('ix_resource_shares_student_id'), table_name='resource_shares')
    op.drop_table('resource_shares')
    op.drop_index(op.f('ix_resource_checkouts_studio_id'), table_name='resource_checkouts')
    op.drop_index(op.f('ix_resource_checkouts_student_id'), table_name='resource_checkouts')
    op.drop_index(op.f('ix_resource_checkouts_resource_id'), table_name='resource_checkouts')
    op.drop_table('resource_checkouts')
    op.drop_index(op.f('ix_recurring_patterns_teacher_id'), table_name='recurring_patterns')
    op.drop_index(op.f('ix_recurring_patterns_studio_id'), table_name='recurring_patterns')
    op.drop_index(op.f('ix_recurring_patterns_student_id'), table_name='recurring_patterns')
    op.drop_index(op.f('ix_recurring_patterns_band_id'), table_name='recurring_patterns')
    op.drop_table('recurring_patterns')
    op.drop_index(op.f('ix_payment_methods_studio_id'), table_name='payment_methods')
    op.drop_table('payment_methods')
    op.drop_index(op.f('ix_invoices_studio_id'), table_name='invoices')
    op.drop_index('ix_invoices_student_id_status', table_name='invoices')
    op.drop_index('ix_invoices_family_id_status', table_name='invoices')
    op.drop_index(op.f('ix_invoices_due_date'), table_name='invoices')
    op.drop_index('ix_invoices_band_id_status', table_name='invoices')
    op.drop_table('invoices')
    op.drop_index(op.f('ix_students_studio_id'), table_name='students')
    op.drop_index(op.f('ix_students_primary_teacher_id'), table_name='students')
    op.drop_index(op.f('ix_students_family_id'), table_name='students')
    op.drop_table('students')
    op.drop_index(op.f('ix_message_reads_user_id'), table_name='message_reads')
    op.drop_table('message_reads')
    op.drop_index(op.f('ix_lesson_plans_teacher_id'), table_name='lesson_plans')
    op.drop_index(op.f('ix_lesson_plans_studio_id'), table_name='lesson_plans')
    op.drop_table('lesson_plans')
    op.drop_index(op.f('ix_checkout_logs_studio_id'), table_name='checkout_logs')
    op.drop_index(op.f('ix_checkout_logs_student_id'), table_name='checkout_logs')
    op.drop_index(op.f('ix_checkout_logs_status'), table_name='checkout_logs')
    op.drop_index(op.f('ix_checkout_logs_item_id'), table_name='checkout_logs')
    op.drop_table('checkout_logs')
    op.drop_index(op.f('ix_band_members_user_id'), table_name='band_members')
    op.drop_table('band_members')
    op.drop_index(op.f('ix_thread_participants_user_id'), table_name='thread_participants')
    op.drop_table('thread_participants')
    op.drop_index(op.f('ix_teachers_studio_id'), table_name='teachers')
    op.drop_table('teachers')
    op.drop_index(op.f('ix_room_reservations_studio_id'), table_name='room_reservations')
    op.drop_index(op.f('ix_room_reservations_student_id'), table_name='room_reservations')
    op.drop_index(op.f('ix_room_reservations_start_time'), table_name='room_reservations')
    op.drop_index(op.f('ix_room_reservations_room_id'), table_name='room_reservations')
    op.drop_table('room_reservations')
    op.drop_index('ix_resources_studio_id_is_public', table_name='resources')
    op.drop_index(op.f('ix_resources_studio_id'), table_name='resources')
    op.drop_index(op.f('ix_resources_resource_type'), table_name='resources')
    op.drop_table('resources')
    op.drop_index('ix_notifications_user_id_is_read_created_at', table_name='notifications')
    op.drop_index(op.f('ix_notifications_studio_id'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_messages_thread_id_created_at', table_name='messages')
    op.drop_index(op.f('ix_messages_studio_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_sender_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_inventory_items_studio_id'), table_name='inventory_items')
    op.drop_index('ix_inventory_items_serial_number', table_name='inventory_items')
    op.drop_table('inventory_items')
    op.drop_index(op.f('ix_families_studio_id'), table_name='families')
    op.drop_index(op.f('ix_families_primary_contact_id'), table_name='families')
    op.drop_table('families')
    op.drop_index(op.f('ix_bands_studio_id'), table_name='bands')
    op.drop_index(op.f('ix_bands_primary_contact_id'), table_name='bands')
    op.drop_table('bands')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_index(op.f('ix_users_studio_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_practice_rooms_studio_id'), table_name='practice_rooms')
    op.drop_table('practice_rooms')
    op.drop_index(op.f('ix_message_threads_studio_id'), table_name='message_threads')
    op.drop_table('message_threads')
    op.drop_table('studios')
    op.execute("DROP FUNCTION IF EXISTS set_updated_at()")
