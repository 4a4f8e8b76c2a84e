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
    get_settings.cache_clear()  # and so does the app this process builds
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
    from hoiku.seeding import DemoRefusedInProduction, seed_demo_if_empty

    settings = get_settings()
    url = database_url(settings)
    from persistence.migrate import upgrade

    upgrade(url)
    try:
        seeded = run_async(lambda: seed_demo_if_empty(settings, url, show_progress=True))
    except DemoRefusedInProduction as refused:
        raise click.ClickException(str(refused)) from None
    if not seeded:
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
@click.option(
    "--classroom",
    "classrooms",
    multiple=True,
    help="Teachers: a classroom name of this fiscal year (repeat for several).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(
    login_id: str,
    role: str,
    facility_code: str | None,
    display_name: str,
    classrooms: tuple[str, ...],
    password_stdin: bool,
) -> None:
    from domain.errors import DomainError
    from hoiku.accounts_admin import create_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = get_settings()
    url = database_url(settings)
    try:
        message = run_async(
            lambda: create_account(
                settings,
                url,
                login_id=login_id,
                role=role,
                facility_code=facility_code,
                display_name=display_name,
                password=password,
                classrooms=classrooms,
            )
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(message)


@main.command(
    help="Serve the API (GraphiQL at /graphql in development). Migrates first and, "
    "in development, seeds the demo ward when the database is empty."
)
@click.option("--host", default=None, help="Bind address (default HOIKU_HOST).")
@click.option("--port", default=None, type=int, help="Port (default HOIKU_PORT).")
@click.option("--workers", default=None, type=int, help="Worker processes (default HOIKU_WORKERS).")
@click.option("--no-seed", is_flag=True, help="Do not seed the demo ward into an empty database.")
def serve(host: str | None, port: int | None, workers: int | None, no_seed: bool) -> None:
    import uvicorn

    from hoiku.seeding import DemoRefusedInProduction, seed_demo_if_empty
    from persistence.migrate import upgrade

    settings = get_settings()
    url = database_url(settings)
    upgrade(url)
    if not no_seed:
        try:
            run_async(lambda: seed_demo_if_empty(settings, url, show_progress=True))
        except DemoRefusedInProduction as refused:
            click.echo(str(refused), err=True)
    uvicorn.run(
        "hoiku.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="info",
        ws="websockets-sansio",
        # Events are small JSON; per-connection deflate state would cost ~37 KiB per
        # subscribed device (bench/subscription_memory.py). UVICORN_WS_PER_MESSAGE_DEFLATE
        # =false does the same for a plain `uvicorn hoiku.asgi:app`.
        ws_per_message_deflate=False,
        # The app decides whom to believe about X-Forwarded-For (HOIKU_TRUSTED_PROXIES);
        # uvicorn's own handling would trust any local peer's header.
        proxy_headers=False,
        ws_max_size=settings.max_body_bytes,
    )


def _import_csv_help() -> str:
    from persistence.records.roster.csv_format import columns_help

    columns = "\n".join(f"  {line}" for line in columns_help().splitlines())
    return (
        "Import the ward's roster CSV into one facility for this fiscal year.\n\n"
        "The file may be UTF-8 (with or without BOM), Shift_JIS as Excel saves it, or "
        "Excel's UTF-16 text; the encoding is detected. One row per child and guardian: "
        "a child with two guardians takes two rows with the same child columns; siblings "
        "share a guardian whose カナ and 携帯電話 (or 住所) match. The class comes from "
        "クラス, else 年齢, else the date of birth. Children already at the facility "
        "(same 児童カナ and 生年月日) are skipped, so importing a file twice adds nothing. "
        "Every row is checked first: on any problem each one is listed with its row "
        "number (the header is row 1) and nothing is written.\n\n"
        "\b\nColumns (header names; unknown columns are ignored):\n" + columns
    )


@main.command(name="import-csv", help=_import_csv_help())
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. F01.")
@click.option("--check", "dry_run", is_flag=True, help="Check everything, write nothing.")
def import_csv(path: Path, facility_code: str, dry_run: bool) -> None:
    from hoiku.roster_import import import_roster_file
    from persistence.records.roster.errors import RosterInvalid

    settings = get_settings()
    url = database_url(settings)
    try:
        outcome = run_async(
            lambda: import_roster_file(
                settings,
                url,
                path,
                facility_code=facility_code,
                show_progress=True,
                dry_run=dry_run,
            )
        )
    except RosterInvalid as invalid:
        for error in invalid.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(invalid.errors)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    report = outcome.report
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} into {report.facility_code} ({report.fiscal_year}年度) from {outcome.rows} rows "
        f"({outcome.encoding}): {report.children_created} children, "
        f"{report.guardians_created} new guardians ({report.guardians_reused} already known); "
        f"{report.children_already_present} children were already there."
    )
    if outcome.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(outcome.ignored_columns)}", err=True)


@main.group(help="Safety alerts raised by the clock rather than by a request.")
def alerts() -> None:
    pass


@alerts.command(
    name="run",
    help="Raise the 'expected but not arrived' alert for every child with no stamp and no "
    "notice, at each facility whose arrival cutoff (default 09:30) has passed today. Safe to "
    "run from cron every few minutes: a child is alerted at most once a day. The server "
    "does the same by itself every 30 seconds.",
)
def run_alerts() -> None:
    from hoiku.jobs import missing_arrival_alerts

    settings = get_settings()
    url = database_url(settings)
    raised = run_async(lambda: missing_arrival_alerts(settings, url))
    click.echo(
        f"{sum(raised.values())} missing-arrival alerts raised at "
        f"{sum(1 for n in raised.values() if n)} of {len(raised)} facilities past their cutoff."
    )


@main.command(name="print-schema", help="Print the GraphQL SDL (what schema/schema.graphql holds).")
def print_schema() -> None:
    from schema.build import build_schema, printed_sdl

    click.echo(printed_sdl(build_schema()), nl=False)
