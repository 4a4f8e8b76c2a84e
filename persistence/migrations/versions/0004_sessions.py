"""sessions: a PIN pad's own lock-out, and account changes that end old tokens

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-12 10:00:00.000000

A PIN pad's wrong-PIN count moves out of ``login_throttle`` (where a sign-in attempt
named ``kiosk-pin:<child>`` could lock it) into ``pin_pad_throttle``, per kiosk account
and child.

Access tokens carry the account's role and classes; they stay valid only while the
account's ``token_generation`` is the one they were issued with. Triggers bump it on
every change of role, facility, guardian link, disabled flag or classes, however the
change is made (the app, ``hoiku`` CLI, an operator's SQL), so such a change ends every
token issued before it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENERATION_TRIGGERS = (
    """
    CREATE FUNCTION account_scope_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.token_generation := NEW.token_generation + 1;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER account_scope_ends_tokens BEFORE UPDATE ON account FOR EACH ROW
        WHEN (OLD.role IS DISTINCT FROM NEW.role
              OR OLD.facility_id IS DISTINCT FROM NEW.facility_id
              OR OLD.guardian_id IS DISTINCT FROM NEW.guardian_id
              OR OLD.disabled IS DISTINCT FROM NEW.disabled)
        EXECUTE FUNCTION account_scope_changed()
    """,
    """
    CREATE FUNCTION account_classes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE account SET token_generation = token_generation + 1
                WHERE id = OLD.account_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE account SET token_generation = token_generation + 1
                WHERE id = NEW.account_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER account_classes_end_tokens AFTER INSERT OR UPDATE OR DELETE
        ON account_classroom FOR EACH ROW EXECUTE FUNCTION account_classes_changed()
    """,
)


def upgrade() -> None:
    op.create_table(
        "pin_pad_throttle",
        sa.Column("kiosk_account_id", sa.UUID(), nullable=False),
        sa.Column("child_id", sa.UUID(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_pin_pad_throttle_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_account_id"],
            ["account.id"],
            name=op.f("fk_pin_pad_throttle_kiosk_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "kiosk_account_id", "child_id", name=op.f("pk_pin_pad_throttle")
        ),
    )
    op.execute("DELETE FROM login_throttle WHERE login_id LIKE 'kiosk-pin:%'")
    for statement in GENERATION_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER account_classes_end_tokens ON account_classroom")
    op.execute("DROP FUNCTION account_classes_changed()")
    op.execute("DROP TRIGGER account_scope_ends_tokens ON account")
    op.execute("DROP FUNCTION account_scope_changed()")
    op.drop_table("pin_pad_throttle")
