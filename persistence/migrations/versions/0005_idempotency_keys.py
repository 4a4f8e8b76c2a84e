"""idempotency keys with a fingerprint of the request

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:40:00

A key was only unique per account and table: a refused pick-up of another child
with a reused key found the first alert and raised none. One table now holds
every key an account used with a digest of the operation and its arguments.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_idempotency_key_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_key")
