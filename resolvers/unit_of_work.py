"""The unit of work as every capability's services open it: one transaction whose
events are published (``services.publisher``) only if it commits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from persistence import unit_of_work as uow_module
from persistence.unit_of_work import UnitOfWork
from resolvers.services import Services

__all__ = ["UnitOfWork", "unit_of_work"]


@contextlib.asynccontextmanager
async def unit_of_work(services: Services) -> AsyncIterator[UnitOfWork]:
    async with uow_module.unit_of_work(services.sessions, services.publisher) as uow:
        yield uow
