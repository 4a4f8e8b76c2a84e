"""Seeding orchestration shared by ``hoiku seed`` and ``hoiku serve``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hoiku.progress import phase_progress
from hoiku.security import hash_password
from hoiku.settings import Settings
from persistence.crypto import configure_keyring
from persistence.db import make_engine
from persistence.demo.allocation import DemoScale
from persistence.demo.seed import seed_demo_ward

DEMO_PASSWORD = "hoiku-demo"


class DemoRefusedInProduction(Exception):
    """The demo accounts share a published password: a production ward never gets them."""

    def __init__(self) -> None:
        super().__init__(
            "HOIKU_ENV=production: the demo ward (accounts with the published password "
            "'hoiku-demo') is never seeded; create accounts with `hoiku create-user`."
        )


async def seed_demo_if_empty(
    settings: Settings,
    database_url: str,
    *,
    show_progress: bool,
    scale: DemoScale | None = None,
) -> bool:
    """Seed the demo ward when the database holds no facility; True if it seeded.

    Raises DemoRefusedInProduction in production, before touching the database.
    """
    if settings.is_production:
        raise DemoRefusedInProduction
    configure_keyring(settings.data_key)
    # Demo only: one argon2 hash shared by every demo account. Hashing each of the
    # ~4,900 accounts separately would take minutes; a real account never shares one.
    password_hash = await asyncio.to_thread(hash_password, DEMO_PASSWORD)
    # The resolvers date the fiscal year by the UTC clock; the seed follows them.
    today = datetime.now(UTC).date()
    engine = make_engine(database_url, pool_size=1)
    try:
        with phase_progress(show_progress) as progress:
            async with engine.begin() as connection:
                rows = await seed_demo_ward(
                    connection,
                    today=today,
                    password_hash=password_hash,
                    scale=scale,
                    progress=progress,
                )
    finally:
        await engine.dispose()
    return rows is not None
