"""Per-result hooks for subscriptions: each pushed event is one answer of its own.

The request-level extensions run once per operation, and a subscription is one
operation for as long as it lives: without this, a pushed event's unexpected error would
leave unmasked and its special-care reads unaudited until the client unsubscribes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from persistence.repositories import audit
from schema.extensions import coded


class SubscriptionResults(SchemaExtension):
    """Before each subscription result is sent: code or mask its errors, audit its reads."""

    async def on_stream_result(self, result: object) -> AsyncIterator[None]:
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            if isinstance(result, ExecutionResult) and result.errors:
                result.errors = [coded(error) for error in result.errors]
            await _flush_audit_reads(self.execution_context.context)
        yield


async def _flush_audit_reads(context: object) -> None:
    reads = getattr(context, "audit", None)
    actor = getattr(context, "actor_or_none", None)
    if reads is None or not reads.reads or actor is None:
        return
    records = reads.drain()
    async with context.sessions.begin() as session:  # type: ignore[attr-defined]
        await audit.append(session, actor, records)
