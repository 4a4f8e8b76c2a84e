"""Relation resolvers declared as data: which loader, keyed by which attribute.

A relation field resolves one parent at a time through its DataLoader (so
graphql-core batches it). The declaration is also read by the fast query
path, which loads the keys of all parents at one level in a single
``load_many`` instead of one coroutine and one future per parent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry


@dataclass(frozen=True, slots=True)
class Relation:
    loader: str  # attribute of resolvers.loaders.Loaders
    key: Callable[[Any], Any]  # parent -> loader key; None means no related object


def relation(loader: str, key: Callable[[Any], Any]) -> Callable[..., Awaitable[Any]]:
    spec = Relation(loader, key)

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        value = spec.key(root)
        if value is None:
            return None
        return await getattr(info.context.loaders, spec.loader).load(value)

    resolve.relation = spec  # type: ignore[attr-defined]
    return resolve
