"""What makes two requests with one idempotency key the same request.

A key is the client's promise that a retry is the same request. The server
checks it: a digest of the operation and its arguments is kept with the key,
and a key sent again with other arguments is a CONFLICT (never a silent
replay of something else, never a swallowed safety alert).
"""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any


class KeyUse(enum.Enum):
    FIRST = "first"  # the key is new: do the work
    RETRY = "retry"  # same key, same request: answer the first result
    CONFLICT = "conflict"  # same key, another request


def fingerprint(operation: str, **arguments: Any) -> str:
    """A stable digest of the operation and its arguments (ids, kinds, digests: no secrets)."""
    canonical = json.dumps([operation, arguments], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
