"""The committed SDL is the schema the code builds: client changes are reviewable."""

from __future__ import annotations

from schema.build import SDL_PATH, build_schema, printed_sdl


def test_committed_schema_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == printed_sdl(build_schema()), (
        "schema/schema.graphql differs from the schema the code builds. "
        "If the change is deliberate, run `make schema` to regenerate it and commit it."
    )
