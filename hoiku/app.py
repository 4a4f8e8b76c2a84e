"""The ASGI application: routes, GraphQL view, and the lifespan that builds services."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from domain.errors import Unauthenticated
from hoiku import metrics
from hoiku.edge import BodyLimit, ClientAddress
from hoiku.scheduler import running_scheduler
from hoiku.security import TokenIssuer
from hoiku.settings import Settings, get_settings
from hoiku.ws import SessionSocket, sign_in
from persistence.crypto import configure_keyring
from persistence.db import make_engine, make_sessionmaker
from persistence.repositories.events import StreamLog
from realtime.runtime import running_realtime
from resolvers.accounts.tokens import actor_from_token, bearer_token
from resolvers.context import RequestContext
from resolvers.services import Services
from schema.admission import DocumentLimits, Limits
from schema.build import build_schema


def _client(address: str, user_agent: str | None) -> str:
    return f"{address} {user_agent or ''}".strip()[:200]


class HoikuGraphQL(GraphQL[RequestContext, None]):
    def __init__(
        self, *args: Any, client_address: ClientAddress | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.client_address = client_address or ClientAddress(())

    def parse_json(self, data: str | bytes) -> Any:
        """Only a JSON object is a request (or its variables): anything else, bytes that are
        not UTF-8 or nesting deeper than the parser goes included, is the client's mistake."""
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        data = await super().parse_http_body(request)
        assert isinstance(data, GraphQLRequestData)  # batching is off: lists are refused
        if not isinstance(data.operation_name, str | None):
            raise HTTPException(400, "The operationName must be a string or null")
        return data

    async def get_context(self, request: Any, response: Any = None) -> RequestContext:
        services: Services = request.app.state.services
        peer = request.client[0] if request.client else None
        address = self.client_address(peer, request.headers.get("x-forwarded-for"))
        client = _client(address, request.headers.get("user-agent"))
        context = RequestContext(services=services, actor=None, client=client)
        if request.scope["type"] == "http":
            try:
                token = bearer_token(request.headers.get("authorization"))
                if token:
                    context.set_actor(await actor_from_token(services, token, client=client))
            except Unauthenticated as error:
                context.auth_error = error
        return context

    graphql_transport_ws_handler_class = SessionSocket

    async def on_ws_connect(self, context: RequestContext) -> Any:
        """Sign-in for WebSockets: the token travels in connection_init's payload."""
        await sign_in(context)
        return None


@contextlib.asynccontextmanager
async def serving_realtime(services: Services, redis_url: str | None) -> AsyncIterator[None]:
    """Subscriptions' hub and the publisher that mutations call after commit."""
    # The hub's reads are single statements: the autocommit pool spares BEGIN/ROLLBACK.
    reads = make_sessionmaker(services.reads) if services.reads is not None else services.sessions
    forget = services.generations.forget
    log = StreamLog(reads)
    async with running_realtime(redis_url, log, on_session_revoked=forget) as realtime:
        services.hub = realtime.hub
        services.publisher = realtime.publisher
        services.session_watch = realtime.sessions
        try:
            yield
        finally:
            services.hub = services.publisher = services.session_watch = None


def _services(settings: Settings, database_url: str) -> Services:
    configure_keyring(settings.data_key)
    # Only the API's engines carry the timeout: migrations, seeding and CLI jobs make their own.
    timeout = settings.statement_timeout_ms
    engine = make_engine(database_url, statement_timeout_ms=timeout)
    return Services(
        engine=engine,
        sessions=make_sessionmaker(engine),
        tokens=TokenIssuer(settings.secret_key, timedelta(minutes=settings.access_token_minutes)),
        clock=lambda: datetime.now(UTC),
        refresh_token_days=settings.refresh_token_days,
        login_max_failures=settings.login_max_failures,
        login_lock_minutes=settings.login_lock_minutes,
        production=settings.is_production,
        token_check_seconds=settings.token_check_seconds,
        # Sized for the concurrent requests of one process: overflow connections
        # are closed on return, and a new one costs a handshake and type introspection.
        reads=make_engine(
            database_url,
            pool_size=15,
            max_overflow=5,
            autocommit=True,
            statement_timeout_ms=timeout,
        ),
    )


def graphql_limits(settings: Settings) -> Limits:
    return Limits(
        max_document_chars=settings.max_document_chars,
        max_tokens=settings.max_tokens,
        max_selections=settings.max_selections,
        anonymous=DocumentLimits(
            chars=settings.anonymous_max_document_chars,
            tokens=settings.anonymous_max_tokens,
            selections=settings.anonymous_max_selections,
        ),
        max_repeats=settings.max_field_repeats,
        max_cost=settings.max_query_cost,
        cost_limits=dict(settings.query_cost_limits),
        list_size=settings.query_cost_list_size,
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"database": "unavailable"}, status_code=503)
    return JSONResponse({"database": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    fast_path: bool = True,
    alert_scheduler: bool | None = None,
) -> Starlette:
    """``alert_scheduler`` defaults to on when the app builds its own services (not in tests)."""
    settings = settings or get_settings()
    graphql = HoikuGraphQL(
        build_schema(fast_path=fast_path, limits=graphql_limits(settings)),
        graphql_ide=None if settings.is_production else "graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        max_subscriptions_per_connection=settings.ws_max_subscriptions,
        allow_queries_via_get=True,
        client_address=ClientAddress(settings.trusted_proxies),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or _services(settings, settings.database_url or "")
        try:
            async with (
                serving_realtime(app.state.services, settings.redis_url),
                running_scheduler(
                    app.state.services, enabled=own if alert_scheduler is None else alert_scheduler
                ),
            ):
                # Everything built so far lives as long as the process: out of the
                # collector's sight, a full collection no longer walks the schema and
                # the ORM (120-260 ms each, triggered by parsing churn; ~20-40 ms now).
                gc.freeze()
                yield
        finally:
            if own:
                await app.state.services.engine.dispose()
                if app.state.services.reads is not None:
                    await app.state.services.reads.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.endpoint),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(metrics.RequestMetrics)  # outermost: it counts the 413s too
    return app
