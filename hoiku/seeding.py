"""Seeding orchestration shared by ``hoiku seed`` and ``hoiku serve``."""

from __future__ import annotations

from hoiku.settings import Settings


async def seed_demo_if_empty(settings: Settings, database_url: str, *, show_progress: bool) -> bool:
    """Seed the demo ward when the database holds no facility; True if it seeded."""
    return False
