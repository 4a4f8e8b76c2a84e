"""The ``hoiku`` command for operators: serve, migrate, seed, create users."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from hoiku.settings import Settings, get_settings

T = TypeVar("T")


def database_url(settings: Settings) -> str:
    """HOIKU_DATABASE_URL when set; otherwise start the embedded PostgreSQL."""
    if settings.database_url:
        return settings.database_url
    from hoiku.embedded import start_embedded_postgres

    click.echo(f"Starting embedded PostgreSQL under {settings.data_dir / 'pg'} …", err=True)
    url, _server = start_embedded_postgres(Path(settings.data_dir))
    os.environ["HOIKU_DATABASE_URL"] = url  # worker processes inherit the same server
    return url


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(work())  # type: ignore[arg-type]


@click.group(
    help="Hoiku: the ward's nursery operations backend. Settings come from HOIKU_* "
    "environment variables (see README)."
)
def main() -> None:
    pass


@main.command(help="Apply database migrations (safe to run repeatedly).")
def migrate() -> None:
    from persistence.migrate import upgrade

    upgrade(database_url(get_settings()))
    click.echo("Database is up to date.")


@main.command(
    help="Fill the database with the deterministic demo ward (25 facilities, "
    "2,524 children). Refuses to run on a database that already has data."
)
@click.option("--demo", is_flag=True, required=True, help="Build the demo ward of PRODUCT.md.")
def seed(demo: bool) -> None:
    from hoiku.seeding import seed_demo_if_empty

    settings = get_settings()
    url = database_url(settings)
    from persistence.migrate import upgrade

    upgrade(url)
    if not run_async(lambda: seed_demo_if_empty(settings, url, show_progress=True)):
        click.echo("The database already holds data; nothing seeded.", err=True)
        sys.exit(1)


@main.command(
    name="create-user",
    help="Create a sign-in account. The password is asked for "
    "on the terminal unless --password-stdin is given.",
)
@click.option("--login-id", required=True, help="What the user types to sign in.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["ward_admin", "director", "nurse", "clerk", "teacher", "kiosk", "reporter"]),
)
@click.option("--facility", "facility_code", help="Facility code (e.g. F01) for facility roles.")
@click.option("--name", "display_name", required=True, help="Name shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(
    login_id: str, role: str, facility_code: str | None, display_name: str, password_stdin: bool
) -> None:
    from hoiku.accounts_admin import create_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = get_settings()
    url = database_url(settings)
    message = run_async(
        lambda: create_account(
            settings,
            url,
            login_id=login_id,
            role=role,
            facility_code=facility_code,
            display_name=display_name,
            password=password,
        )
    )
    click.echo(message)


@main.command(
    help="Serve the API (GraphiQL at /graphql in development). Migrates first and "
    "seeds the demo ward when the database is empty."
)
@click.option("--host", default=None, help="Bind address (default HOIKU_HOST).")
@click.option("--port", default=None, type=int, help="Port (default HOIKU_PORT).")
@click.option("--workers", default=None, type=int, help="Worker processes (default HOIKU_WORKERS).")
@click.option("--no-seed", is_flag=True, help="Do not seed the demo ward into an empty database.")
def serve(host: str | None, port: int | None, workers: int | None, no_seed: bool) -> None:
    import uvicorn

    from hoiku.seeding import seed_demo_if_empty
    from persistence.migrate import upgrade

    settings = get_settings()
    url = database_url(settings)
    upgrade(url)
    if not no_seed:
        run_async(lambda: seed_demo_if_empty(settings, url, show_progress=True))
    uvicorn.run(
        "hoiku.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="info",
        ws="websockets-sansio",
    )


@main.command(name="print-schema", help="Print the GraphQL SDL (what schema/schema.graphql holds).")
def print_schema() -> None:
    from schema.build import build_schema, printed_sdl

    click.echo(printed_sdl(build_schema()), nl=False)
