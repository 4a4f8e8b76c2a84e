"""Assemble the strawberry Schema with its limits and extensions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError, specified_rules
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.schema import StreamResult
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from schema.accounts.root import AccountsQuery, AuthMutation
from schema.admission import Admission, Limits
from schema.attendance.root import AttendanceMutation, AttendanceQuery
from schema.attendance.subscriptions import RealtimeSubscription
from schema.extensions import (
    FlushAuditReads,
    IntrospectionOnlyForAdminsInProduction,
    MaskUnexpectedErrors,
    coded,
)
from schema.fastpath import FastQueryExecution
from schema.records.mutations import RecordsMutation
from schema.records.root import RecordsQuery
from schema.stream_results import SubscriptionResults

# Each capability contributes its own root classes; add yours here.
QUERIES: tuple[type, ...] = (AccountsQuery, RecordsQuery, AttendanceQuery)
MUTATIONS: tuple[type, ...] = (AuthMutation, RecordsMutation, AttendanceMutation)
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscription,)

SDL_PATH = Path(__file__).with_name("schema.graphql")

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = Limits.max_tokens
LIMIT_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_DEPTH, None),
    max_aliases_rule(MAX_ALIASES),
]
# The same rule classes every request, so the validation cache can hit:
# strawberry's QueryDepthLimiter would mint a new class per request.
RULES: tuple[type[ASTValidationRule], ...] = (*specified_rules, *LIMIT_RULES)


class HoikuSchema(strawberry.Schema):
    """strawberry's Schema, behind ``schema.admission`` when given one."""

    def __init__(self, *args: Any, admission: Admission | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.admission = admission

    async def execute(  # the same parameters as strawberry's, passed through
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        *rest: Any,
        **options: Any,
    ) -> ExecutionResult:
        refusal = await self._refusal(
            query, variable_values, context_value, operation_name, streaming=False
        )
        if refusal is not None:
            return ExecutionResult(data=None, errors=[refusal])
        result = await super().execute(
            query, variable_values, context_value, root_value, operation_name, *rest, **options
        )
        # strawberry answers an exception raised in an extension hook itself, after the
        # hooks that code errors have run: code (and mask) what reaches the client here.
        if result.errors:
            result.errors = [coded(error) for error in result.errors]
        return result

    async def stream(  # the same parameters as strawberry's, passed through
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        *rest: Any,
        **options: Any,
    ) -> StreamResult:
        refusal = await self._refusal(
            query, variable_values, context_value, operation_name, streaming=True
        )
        if refusal is not None:
            return _refused_stream(refusal)
        return await super().stream(
            query, variable_values, context_value, root_value, operation_name, *rest, **options
        )

    async def _refusal(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        *,
        streaming: bool,
    ) -> GraphQLError | None:
        if self.admission is None:
            return None
        actor = getattr(context, "actor_or_none", None)
        return await self.admission.refusal(
            self._schema,
            query,
            variables,
            operation_name,
            role=str(actor.role) if actor is not None else None,
            streaming=streaming,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors (FORBIDDEN fields, bad input) are answers, not incidents:
        # strawberry's default would log a full traceback for each of them.
        # Unexpected ones are logged once, by MaskUnexpectedErrors.
        return None


async def _refused_stream(error: GraphQLError) -> AsyncGenerator[Any, None]:
    yield PreExecutionError(data=None, errors=[error])


def build_schema(*, fast_path: bool = True, limits: Limits | None = None) -> strawberry.Schema:
    """The schema; ``fast_path=False`` keeps graphql-core's executor for every query."""
    fast = [FastQueryExecution] if fast_path else []
    admission = Admission(limits or Limits(), RULES, compile_plans=fast_path)
    return HoikuSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None,
        extensions=[
            MaskUnexpectedErrors,
            IntrospectionOnlyForAdminsInProduction,
            FlushAuditReads,
            SubscriptionResults,
            *fast,
            # Parse and validation from admission's caches, shared by every request.
            *admission.pipeline_extensions(),
        ],
        admission=admission,
    )


def printed_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
