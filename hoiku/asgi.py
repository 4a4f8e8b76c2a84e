"""``hoiku.asgi:app`` for uvicorn workers; settings come from the environment."""

import sys

from hoiku.app import create_app

# Admission parses and validates a document seen for the first time in a worker
# thread. CPython hands the GIL back to a waiting thread only every switch interval
# (5 ms by default), and the event loop waits that long each time it wakes from
# I/O while the worker computes; 1 ms keeps /healthz and small requests quick
# under hostile documents (bench/hostile_requests.py) at no cost when idle.
sys.setswitchinterval(0.001)

app = create_app()
