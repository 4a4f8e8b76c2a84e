"""Migrations match the models, and the audit log stays append-only for the app's role."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from persistence.migrate import alembic_config
from resolvers.services import Services


def test_models_and_migrations_agree(database_url: str) -> None:
    """Fails with the pending operations when a model changed without a migration."""
    command.check(alembic_config(database_url))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET role = 'ward_admin' WHERE record_id = :marker",
        "DELETE FROM audit_log WHERE record_id = :marker",
        "TRUNCATE audit_log",
    ],
    ids=["update", "delete", "truncate"],
)
async def test_app_role_cannot_rewrite_the_audit_log(services: Services, statement: str) -> None:
    marker = uuid.uuid4()
    async with services.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO audit_log (role, action, item, entity, record_id, client)"
                " VALUES ('director', 'read', 'child_special_care', 'child', :marker, 'test')"
            ),
            {"marker": marker},
        )
    parameters = {"marker": marker} if ":marker" in statement else {}
    with pytest.raises(DBAPIError, match="audit_log is append-only") as raised:
        async with services.engine.begin() as connection:
            await connection.execute(text(statement), parameters)
    assert raised.value.orig.sqlstate == "42501"  # type: ignore[union-attr]  # insufficient_privilege
    async with services.engine.connect() as connection:
        kept = await connection.scalar(
            text("SELECT role FROM audit_log WHERE record_id = :marker"), {"marker": marker}
        )
    assert kept == "director"
