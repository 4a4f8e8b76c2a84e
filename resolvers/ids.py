"""Parsing opaque ids from clients: malformed ids are bad input, not a lookup."""

from __future__ import annotations

import uuid

from domain.errors import InvalidInput


def parse_id(value: str, *, field: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(f"{field} is not a valid id", field=field) from None
