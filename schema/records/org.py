"""GraphQL views of facilities and classrooms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.records import fields as r

if TYPE_CHECKING:
    from schema.records.types import Child


@strawberry.type(description="A classroom (クラス) of one fiscal year; may hold mixed ages.")
class Classroom:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    name: str = strawberry.field(description="Classroom name, e.g. ひよこ組.")
    name_kana: str = strawberry.field(description="Kana reading of the name.")
    fiscal_year: int = strawberry.field(description="年度: the fiscal year starting 1 April.")
    age_min: int = strawberry.field(description="Youngest class age (as of 1 April).")
    age_max: int = strawberry.field(description="Oldest class age (as of 1 April).")
    facility: Facility | None = strawberry.field(
        resolver=r.facility_of, description="The facility the classroom belongs to."
    )
    children: list[Annotated[Child, strawberry.lazy("schema.records.types")]] = strawberry.field(
        resolver=r.children_of_classroom,
        description="Children currently in the class the viewer may reach, in kana order.",
    )


@strawberry.type(description="A nursery or kodomo-en run by the ward.")
class Facility:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    code: str = strawberry.field(description="Short code, e.g. F01.")
    name: str = strawberry.field(description="Facility name.")
    name_kana: str = strawberry.field(description="Kana reading of the name.")
    classrooms: list[Classroom] = strawberry.field(
        resolver=r.classrooms_of_facility,
        description="Classrooms the viewer may reach, newest fiscal year first.",
    )
