"""The import layers of STYLE.md hold: domain is pure; persistence and realtime
never reach up into schema or resolvers; nothing below the composition root
imports it (except the security helpers it owns for resolvers to use)."""

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
    "realtime": ("schema", "resolvers", "hoiku", "strawberry", "starlette"),
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
