"""Pagination wrappers."""

from __future__ import annotations

import strawberry

from schema.records.types import Child


@strawberry.type(description="A page of children in kana order.")
class ChildPage:
    nodes: list[Child] = strawberry.field(description="The children on this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool = strawberry.field(description="Whether another page follows.")
