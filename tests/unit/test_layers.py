"""The import layers of STYLE.md hold: domain is pure; persistence and realtime
never reach up into schema or resolvers; nothing below the composition root
imports it (except the security helpers it owns for resolvers to use); SQL lives
in persistence only (resolvers and schema import no SQLAlchemy or driver);
realtime is handed the event log and never imports persistence; and nothing
reaches into a private name of SQLAlchemy or asyncpg."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = (
    "sqlalchemy",
    "strawberry",
    "starlette",
    "redis",
    "broadcaster",
    "aioboto3",
    "asyncpg",
)
FORBIDDEN = {
    "domain": ("schema", "resolvers", "persistence", "realtime", "hoiku", *FRAMEWORKS),
    "persistence": ("schema", "resolvers", "realtime", "hoiku", "strawberry", "starlette"),
    "realtime": (
        "schema",
        "resolvers",
        "persistence",
        "hoiku",
        "strawberry",
        "starlette",
        "sqlalchemy",
        "asyncpg",
    ),
    "resolvers": ("sqlalchemy", "asyncpg"),
    "schema": ("sqlalchemy", "asyncpg"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & set(FORBIDDEN[layer]))
        for path in (ROOT / layer).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


DATABASE_LIBRARIES = ("sqlalchemy", "asyncpg")
# SQLAlchemy's Row keeps its own API under a leading underscore (documented, public) so
# that it never shadows a column name.
PUBLIC_ROW_API = frozenset({"_mapping", "_asdict", "_fields", "_tuple", "_t"})
# Private names of other libraries, met in modules that also import SQLAlchemy (strawberry's
# ``Schema._schema``, the graphql-core schema): not this test's business.
NOT_DATABASE = frozenset({"_schema"})
PACKAGES = ("domain", "persistence", "resolvers", "schema", "realtime", "hoiku", "bench", "tests")


def _private_database_names(path: Path) -> list[str]:
    """Private names of SQLAlchemy or asyncpg this module imports or reaches into."""
    tree = ast.parse(path.read_text(), filename=str(path))
    if not _imports(path) & set(DATABASE_LIBRARIES):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in DATABASE_LIBRARIES:
                parts = [*node.module.split("."), *(a.name for a in node.names)]
                found += [f"{node.lineno}: {p}" for p in parts if _private(p)]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in DATABASE_LIBRARIES:
                    found += [f"{node.lineno}: {p}" for p in parts if _private(p)]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            own = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            if not own and node.attr not in PUBLIC_ROW_API | NOT_DATABASE:
                found.append(f"{node.lineno}: .{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_sqlalchemy_or_asyncpg_name_is_used() -> None:
    """In a module that imports SQLAlchemy or asyncpg, no ``from sqlalchemy.x import _y``,
    no ``sqlalchemy._x`` module, and no ``obj._x`` reached from outside ``obj``'s class:
    an upgrade may change any of them without notice (the driver path once drove the
    asyncpg adapter's ``_transaction``/``_start_transaction``)."""
    offenders = {
        str(path.relative_to(ROOT)): names
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (names := _private_database_names(path))
    }
    assert offenders == {}
