"""Migrations match the models, and the audit log stays append-only for the app's role."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from persistence.migrate import alembic_config
from resolvers.services import Services
from tests.factories import build_world


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


_OLD_ROW = text(
    "INSERT INTO audit_log (role, action, item, entity, record_id, facility_id, client)"
    " VALUES ('ward_admin', :action, 'child_special_care', :entity, :record, :facility, 'test')"
    " RETURNING seq"
)


async def test_backfill_moves_reads_to_the_facility_of_the_record_read(
    services: Services, database_url: str
) -> None:
    """0006 rewrites rows keyed on the reader's facility, then the log is append-only again."""
    world, other = await build_world(services.sessions), await build_world(services.sessions)
    child, guardian = world.family.child.id, world.family.guardian.id
    unknown = uuid.uuid4()
    rows = {  # name: (action, entity, record, facility as written, facility expected)
        "staff read elsewhere": ("read", "child", child, other.facility.id, world.facility.id),
        "ward admin read": ("read", "child", child, None, world.facility.id),
        "guardian read": ("read", "guardian", guardian, None, world.facility.id),
        "write keeps its own": ("update", "child", child, other.facility.id, other.facility.id),
        "record gone": ("read", "child", unknown, other.facility.id, other.facility.id),
    }
    seqs = {}
    async with services.engine.begin() as connection:
        for name, (action, entity, record, facility, _) in rows.items():
            values = {"action": action, "entity": entity, "record": record, "facility": facility}
            seqs[name] = await connection.scalar(_OLD_ROW, values)
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0005")
    await asyncio.to_thread(command.upgrade, config, "head")
    async with services.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT seq, facility_id FROM audit_log WHERE seq = ANY(:seqs)"),
            {"seqs": list(seqs.values())},
        )
        facilities = {seq: facility for seq, facility in result}
        enabled = await connection.scalar(
            text(
                "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'audit_log_no_update_delete'"
            )
        )
    assert {name: facilities[seq] for name, seq in seqs.items()} == {
        name: expected for name, (*_, expected) in rows.items()
    }
    assert enabled == "O"  # fires again for every session
