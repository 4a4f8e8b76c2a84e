"""Where the tests' services are, and what a missing one means.

PostgreSQL is the machine's (``HOIKU_TEST_ADMIN_URL``); Redis servers are the
tests' own throwaway processes, which a test may kill and restart. Outside CI a
missing service skips the tests that need it; with CI=true it fails them.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import socket
import sys
from typing import NoReturn

import pytest

ADMIN_URL = os.environ.get("HOIKU_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(service: str, reason: str) -> NoReturn:
    message = f"{service} is not reachable: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: tests that need {service} must run)", pytrace=False)
    pytest.skip(message)


class RedisServer:
    """A redis-server on a free port that a test may SIGKILL and start again on that port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        async with asyncio.timeout(5):
            while not await self._accepts_connections():
                if self._process.returncode is not None:
                    raise RuntimeError(f"redis-server exited with {self._process.returncode}")
                await asyncio.sleep(0.01)

    async def kill(self) -> None:
        """SIGKILL: no goodbye to clients, like a crashed or partitioned server."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        self._process = None

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers, like a hung server."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    async def _accepts_connections(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            return await reader.readline() == b"+PONG\r\n"
        except OSError:
            return False
        finally:
            writer.close()
            await writer.wait_closed()


# Looked up in the parent, so the forked child only makes the call.
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child: if pytest is killed before teardown, take redis-server with it."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


async def started_redis() -> RedisServer:
    """A redis-server of the test's own; in CI a missing one fails instead of skipping."""
    if shutil.which("redis-server") is None:
        unavailable("Redis", "redis-server is not on PATH")
    server = RedisServer()
    try:
        await server.start()
    except (OSError, RuntimeError, TimeoutError) as exc:
        await server.kill()
        unavailable("Redis", f"redis-server did not start: {exc!r}")
    return server
