"""What the HTTP edge decides before GraphQL sees a request: body size, client address.

A GraphQL request is a few kilobytes; a review sent 100 MB bodies and they
were read whole before anything looked at them. ``BodyLimit`` refuses a body
over the limit from its Content-Length before reading a byte, and counts the
bytes of a body without one (chunked) as they arrive, refusing as soon as the
count passes the limit: memory never holds more than the limit.

The audit log records where a request came from. ``ClientAddress`` believes
``X-Forwarded-For`` only when the peer is one of the configured reverse proxies
(none by default); otherwise anyone could write any address into the log.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI middleware: 413 with a coded GraphQL-shaped error for oversized bodies."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        error = {
            "message": f"The request body is larger than {self.max_bytes} bytes",
            "extensions": {"code": "REQUEST_TOO_LARGE", "limit": self.max_bytes},
        }
        body = json.dumps({"data": None, "errors": [error]}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ClientAddress:
    """The request's client: the peer, or what a trusted proxy forwarded for."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(proxy, strict=False) for proxy in trusted_proxies
        )

    def __call__(self, peer: str | None, forwarded_for: str | None) -> str:
        if peer is None:
            return "-"
        if not forwarded_for or not self._is_trusted(peer):
            return peer
        # Each proxy appends the address it received from: the rightmost hop that
        # is not one of ours is the client; anything left of it the client wrote.
        client = peer
        for hop in reversed(forwarded_for.split(",")):
            address = _address(hop.strip())
            if address is None:
                break
            client = address
            if not self._is_trusted(address):
                break
        return client

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
