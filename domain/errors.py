"""Domain errors. Each carries the stable code that clients see."""

from __future__ import annotations


class DomainError(Exception):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, str]:
        """What GraphQL clients see under ``extensions``; read by graphql-core."""
        if self.field is None:
            return {"code": self.code}
        return {"code": self.code, "field": self.field}


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"


class PickupRefused(DomainError):
    """A pick-up the records do not allow; the reason is never given to the presenter."""

    code = "PICKUP_REFUSED"
