"""Prometheus metrics: request counts and latency per route."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("hoiku_http_requests_total", "HTTP requests", ["path", "method", "status"])
LATENCY = Histogram("hoiku_http_request_seconds", "HTTP request latency", ["path"])
WEBSOCKETS = Counter("hoiku_websocket_connections_total", "WebSocket connections opened")


class RequestMetrics:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer and slow responses)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            WEBSOCKETS.inc()
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            path = (
                scope["path"] if scope["path"] in ("/graphql", "/healthz", "/readyz") else "other"
            )
            REQUESTS.labels(path, scope["method"], str(status)).inc()
            LATENCY.labels(path).observe(time.perf_counter() - started)


async def endpoint(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
