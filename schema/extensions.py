"""Request-level extensions: error masking, audit flush, production introspection.

None of these hooks into per-field resolution: they run once per operation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

from graphql import GraphQLError
from graphql.language import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from domain.errors import DomainError
from domain.policy import can_use_introspection_in_production

log = logging.getLogger("hoiku.graphql")

_INTERNAL = "Internal server error"


def coded(error: GraphQLError) -> GraphQLError:
    """Give every error a stable code; hide anything that is not ours."""
    original = error.original_error
    if original is None or _about_the_request(error):
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return error
    if isinstance(original, DomainError) or (
        isinstance(original, GraphQLError) and (original.extensions or {}).get("code")
    ):
        return error
    if _cancelled_by_the_database(original):
        log.warning("statement cancelled (statement_timeout) at %s", error.path)
        return GraphQLError(
            "The request took too long and was stopped; ask for less, or try again later",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "TIMEOUT"},
        )
    log.error("unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        _INTERNAL,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for statement_timeout (and cancel requests)


def _cancelled_by_the_database(error: BaseException) -> bool:
    """asyncpg's QueryCanceledError, raw or wrapped by SQLAlchemy (which keeps the
    SQLSTATE on its own error and the driver's as the cause)."""
    seen: BaseException | None = error
    for _ in range(5):  # the wrappers nest two or three deep; a cycle must not spin
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) == _QUERY_CANCELED:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _about_the_request(error: GraphQLError) -> bool:
    """graphql-core's own words about the request, before any resolver ran.

    A variable of the wrong type arrives as a pathless error wrapping the
    scalar's GraphQLError; it is the client's mistake, not an incident. Errors
    with a path come from execution, where a wrapped GraphQLError may quote
    server-side values, so those stay masked.
    """
    return error.path is None and isinstance(error.original_error, GraphQLError)


class MaskUnexpectedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [coded(e) for e in result.errors]
            if not _may_introspect(self.execution_context.context):
                result.errors = [_without_suggestions(e) for e in result.errors]


# graphql-core ends a validation or coercion message with its guesses:
# "Cannot query field 'familyDocter' on type 'Child'. Did you mean 'familyDoctor'?"
_SUGGESTION = re.compile(r"\s*Did you mean .*\?$", re.DOTALL)


def _may_introspect(context: object) -> bool:
    services = getattr(context, "services", None)
    if services is None or not services.production:
        return True
    return can_use_introspection_in_production(getattr(context, "actor_or_none", None))


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error minus graphql-core's guesses, which would spell out the schema
    to a requester that introspection is closed to."""
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


async def flush_audit_reads(context: object) -> None:
    """The context's buffered special-care reads, audited (``RequestContext``)."""
    flush = getattr(context, "flush_audit_reads", None)
    if flush is not None:
        await flush()


class FlushAuditReads(SchemaExtension):
    """Write one audit row per special-care item and record read in this operation."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        await flush_audit_reads(self.execution_context.context)


class IntrospectionOnlyForAdminsInProduction(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if not _may_introspect(context) and _asks_for_introspection(document):
            error = GraphQLError("Introspection is disabled", extensions={"code": "FORBIDDEN"})
            self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield


_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _asks_for_introspection(document: DocumentNode | None) -> bool:
    """Whether any operation or fragment of the document selects ``__schema``/``__type``.

    Fragments count: ``{ ...F } fragment F on Query { __schema { … } }`` introspects too.
    """
    if document is None:
        return False
    return any(
        _introspects(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, ExecutableDefinitionNode)
    )


def _introspects(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return False
    return any(
        (isinstance(s, FieldNode) and s.name.value in _INTROSPECTION_FIELDS)
        or _introspects(getattr(s, "selection_set", None))
        for s in selection_set.selections
    )
