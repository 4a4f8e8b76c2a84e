"""Assemble the strawberry Schema with its limits and extensions."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.attendance_root import AttendanceMutation, AttendanceQuery
from schema.extensions import (
    FlushAuditReads,
    IntrospectionOnlyForAdminsInProduction,
    MaskUnexpectedErrors,
    ParserCacheReportingSyntaxErrors,
)
from schema.fastpath import FastQueryExecution
from schema.realtime_root import RealtimeSubscription
from schema.records_mutations import RecordsMutation
from schema.root import AuthMutation, RecordsQuery
from schema.stream_results import SubscriptionResults

# Each capability contributes its own root classes; add yours here.
QUERIES: tuple[type, ...] = (RecordsQuery, AttendanceQuery)
MUTATIONS: tuple[type, ...] = (AuthMutation, RecordsMutation, AttendanceMutation)
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscription,)

SDL_PATH = Path(__file__).with_name("schema.graphql")

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 4000
LIMIT_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_DEPTH, None),
    max_aliases_rule(MAX_ALIASES),
]


class HoikuSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors (FORBIDDEN fields, bad input) are answers, not incidents:
        # strawberry's default would log a full traceback for each of them.
        # Unexpected ones are logged once, by MaskUnexpectedErrors.
        return None


def build_schema(*, fast_path: bool = True) -> strawberry.Schema:
    """The schema; ``fast_path=False`` keeps graphql-core's executor for every query."""
    fast = [FastQueryExecution] if fast_path else []
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
            # The same rule classes every request, so ValidationCache can hit:
            # strawberry's QueryDepthLimiter would mint a new class per request.
            lambda: AddValidationRules(LIMIT_RULES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Both caches live at module level, shared by every request.
            lambda: ParserCacheReportingSyntaxErrors(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


def printed_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
