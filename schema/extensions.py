"""Request-level extensions: error masking, audit flush, production introspection.

None of these hooks into per-field resolution: they run once per operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

from graphql import GraphQLError
from graphql.language import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from domain.errors import DomainError
from domain.policy import can_use_introspection_in_production
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord

log = logging.getLogger("hoiku.graphql")

_INTERNAL = "Internal server error"


def coded(error: GraphQLError) -> GraphQLError:
    """Give every error a stable code; hide anything that is not ours."""
    original = error.original_error
    if original is None:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return error
    if isinstance(original, DomainError) or (
        isinstance(original, GraphQLError) and (original.extensions or {}).get("code")
    ):
        return error
    log.error("unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        _INTERNAL,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


class MaskUnexpectedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [coded(e) for e in result.errors]


class FlushAuditReads(SchemaExtension):
    """Write one audit row per special-care item and record read in this operation."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        reads = context.audit.reads
        if not reads or context.actor_or_none is None:
            return
        records = [AuditRecord("read", item, entity, record) for item, entity, record in reads]
        reads.clear()
        async with context.sessions.begin() as session:
            await audit.append(session, context.actor_or_none, records)


class IntrospectionOnlyForAdminsInProduction(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if (
            context.services.production
            and not can_use_introspection_in_production(context.actor_or_none)
            and _asks_for_introspection(self.execution_context.graphql_document)
        ):
            error = GraphQLError("Introspection is disabled", extensions={"code": "FORBIDDEN"})
            self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield


def _asks_for_introspection(document) -> bool:  # type: ignore[no-untyped-def]
    if document is None:
        return False
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                name = selection.name.value if isinstance(selection, FieldNode) else ""
                if name.startswith("__") and name != "__typename":
                    return True
    return False
