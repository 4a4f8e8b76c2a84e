"""The import layers of STYLE.md hold: domain is pure; persistence and realtime
never reach up into schema or resolvers; nothing below the composition root
imports it (except the security helpers it owns for resolvers to use); SQL lives
in persistence only (resolvers and schema import no SQLAlchemy or driver);
realtime is handed the event log and never imports persistence; and nothing
reaches into a private name of SQLAlchemy or asyncpg.

And the shape inside the layers (README, "How it is built"): one package per
capability in resolvers/ and schema/, capability packages meeting only through
the shared modules, no transaction opened by a GraphQL adapter."""

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


CAPABILITIES = ("accounts", "attendance", "records")
# The shared modules at the top of resolvers/ (and what capabilities may import of
# each other's world); a new top-level file is a decision, not a habit.
SHARED_RESOLVERS = {
    "__init__",
    "unit_of_work",
    "context",
    "ids",
    "loader_set",
    "loaders",
    "relations",
    "services",
}
SHARED_SCHEMA = {
    "__init__",
    "admission",
    "build",
    "cost",
    "enums",
    "extensions",
    "fastpath",
    "fastplan",
    "guard",
    "stream_results",
}


def _modules(path: Path) -> set[str]:
    """Every absolute module an import names, ``from a.b import c`` as a.b and a.b.c."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _dotted(packages: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{package}." for package in packages)


def _files(*layers: str) -> list[Path]:
    return sorted(path for layer in layers for path in (ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize(
    ("layer", "shared"), [("resolvers", SHARED_RESOLVERS), ("schema", SHARED_SCHEMA)]
)
def test_a_layer_holds_capability_packages_and_its_shared_modules(
    layer: str, shared: set[str]
) -> None:
    top = {path.stem for path in (ROOT / layer).glob("*.py")}
    packages = {path.parent.name for path in (ROOT / layer).glob("*/__init__.py")}
    assert (top, packages) == (shared, set(CAPABILITIES))


def test_every_package_says_what_it_holds() -> None:
    undocumented = [
        str(init.relative_to(ROOT))
        for capability in CAPABILITIES
        for init in (
            ROOT / "resolvers" / capability / "__init__.py",
            ROOT / "schema" / capability / "__init__.py",
            ROOT / "persistence" / capability / "__init__.py",
        )
        if ast.get_docstring(ast.parse(init.read_text())) is None
    ]
    assert undocumented == []


@pytest.mark.parametrize("layer", ["resolvers", "persistence"])
@pytest.mark.parametrize("capability", CAPABILITIES)
def test_capabilities_meet_only_through_shared_modules(layer: str, capability: str) -> None:
    others = tuple(f"{layer}.{other}" for other in CAPABILITIES if other != capability)
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _modules(path) if name in others or name.startswith(_dotted(others))
        )
        for path in _files(f"{layer}/{capability}")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_sqlalchemy_above_persistence() -> None:
    importing = {
        str(path.relative_to(ROOT))
        for path in _files("resolvers", "schema")
        if _imports(path) & {"sqlalchemy", "asyncpg"}
    }
    assert importing == set()


def _takes_info(function: ast.AsyncFunctionDef | ast.FunctionDef) -> bool:
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return any(
        arg.annotation is not None and ast.unparse(arg.annotation).endswith("Info")
        for arg in arguments
    )


def test_graphql_adapters_open_no_transaction() -> None:
    """A function handed ``info`` adapts GraphQL to a service; the service opens the
    unit of work. Reads may still open short sessions (``sessions()``)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{function.name}"
        for path in _files("resolvers", "schema")
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef) and _takes_info(function)
        for node in ast.walk(function)
        if (isinstance(node, ast.Attribute) and node.attr in {"begin", "unit_of_work"})
        or (isinstance(node, ast.Name) and node.id == "unit_of_work")
    ]
    assert offenders == []


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


def test_no_module_imports_from_a_conftest() -> None:
    """Fixtures live in conftests; what tests import lives in a module of its own."""
    importing = sorted(
        str(path.relative_to(ROOT))
        for path in _files("tests")
        if any(name.split(".")[-1] == "conftest" for name in _modules(path))
    )
    assert importing == []
