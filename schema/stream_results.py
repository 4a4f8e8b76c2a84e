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

from schema.extensions import coded, flush_audit_reads


class SubscriptionResults(SchemaExtension):
    """Before each subscription result is sent: code or mask its errors, audit its reads."""

    async def on_stream_result(self, result: object) -> AsyncIterator[None]:
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            if isinstance(result, ExecutionResult) and result.errors:
                result.errors = [coded(error) for error in result.errors]
            await flush_audit_reads(self.execution_context.context)
        yield
