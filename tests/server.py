"""A real Hoiku server in a subprocess, for tests that need real sockets (WebSockets, HTTP).

    with running_server(database_url, env={"HOIKU_SECRET_KEY": secret}) as base_url:
        ...  # base_url is "http://127.0.0.1:<port>"

The server is ``uvicorn hoiku.asgi:app`` on a free port, configured only through
``HOIKU_*`` environment variables, as an operator would run it. It is stopped
(SIGTERM, then SIGKILL) when the block ends; its output is shown if it fails to
start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UVICORN = Path(sys.executable).with_name("uvicorn")
HOIKU = Path(sys.executable).with_name("hoiku")
STARTUP_SECONDS = 20.0


# Looked up in the parent, so the forked child only makes the call.
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child: if pytest is killed before teardown, the server goes too."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env(database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("HOIKU_")}
    return {**inherited, "HOIKU_DATABASE_URL": database_url, "HOIKU_ENV": "development", **extra}


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server not ready after {STARTUP_SECONDS}s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    serve_args: Sequence[str] | None = None,
) -> Iterator[str]:
    """Run ``uvicorn hoiku.asgi:app`` against ``database_url``; yield its base URL.

    With ``serve_args``, run ``hoiku serve <serve_args>`` instead, as the Dockerfile does.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [str(UVICORN), "hoiku.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    if serve_args is not None:
        command = [str(HOIKU), "serve", *serve_args]
        env = {"HOIKU_HOST": "127.0.0.1", "HOIKU_PORT": str(port), **(env or {})}
    with tempfile.NamedTemporaryFile(prefix="hoiku-server-", suffix=".log") as log_file:
        log = Path(log_file.name)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_server_env(database_url, env or {}),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        try:
            _wait_until_ready(process, base_url, log)
            yield base_url
        finally:
            _stop(process)
