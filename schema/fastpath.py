"""A plan-compiling executor for plain read queries: the same resolvers, less machinery.

graphql-core resolves every field through several layers of generic machinery
(about 8 µs a field here), which is where a class roster's time went. For
queries made only of object fields, lists and leaves, the validated document is
compiled once into a plan (``schema.fastplan``) and run here level by level:
every field still goes through its own resolver (so every ``sensitive`` guard,
scope and DataLoader applies unchanged), all awaitables of one level are
gathered together (so DataLoaders batch exactly as before), and errors of
nullable fields are reported at their path as graphql-core would.

Anything outside that subset (mutations, directives, abstract types, input
objects, a non-null field that fails) is handed to graphql-core unchanged, so
the fast path can only ever be a faster way to the same answer. A test runs a
corpus of queries both ways and compares.
"""

from __future__ import annotations

import asyncio
import logging
from types import CoroutineType
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLSchema, OperationDefinitionNode
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import DocumentNode
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError
from domain.policy import Reach
from schema.fastplan import FastInfo, FieldPlan, Parent, Path, Unsupported, plan_for

log = logging.getLogger("hoiku.fastpath")

_AWAITABLES = (CoroutineType, asyncio.Future)
_NO_ARGS: dict[str, Any] = {}


class Run:
    """One execution of a plan: level by level, each level's awaitables gathered."""

    def __init__(self, context: Any, variables: Any) -> None:
        self.info = FastInfo(context)
        self.variables = variables
        self.errors: list[GraphQLError] = []

    async def level(self, plans: list[FieldPlan], parents: list[Parent]) -> None:
        pending: list[tuple[FieldPlan, dict[str, Any], Path, Any]] = []
        objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]] = []
        batches: list[tuple[FieldPlan, list[tuple[Parent, Any]], Any]] = []
        try:
            self._start(plans, parents, pending, objects, batches)
        except BaseException:
            for _, _, _, awaitable in pending:
                if isinstance(awaitable, CoroutineType):
                    awaitable.close()
            raise
        if pending or batches:
            awaitables = [p[3] for p in pending] + [b[2] for b in batches]
            results = await asyncio.gather(*awaitables, return_exceptions=True)
            for (plan, out, path, _), result in zip(pending, results, strict=False):
                self._settle(plan, out, path, result, objects)
            for (plan, keyed, _), result in zip(batches, results[len(pending) :], strict=True):
                self._settle_batch(plan, keyed, result, objects)
        await self._descend(objects)

    def _settle(
        self,
        plan: FieldPlan,
        out: dict[str, Any],
        path: Path,
        result: Any,
        objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]],
    ) -> None:
        if isinstance(result, DomainError):
            self._fail(plan, out, path, result)
        elif isinstance(result, BaseException):
            raise Unsupported("unexpected error") from result
        else:
            self._place(plan, out, path, result, objects)

    def _settle_batch(
        self,
        plan: FieldPlan,
        keyed: list[tuple[Parent, Any]],
        result: Any,
        objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]],
    ) -> None:
        """Hand each parent its share of one ``load_many`` (parents without a key get None)."""
        values = iter(result) if isinstance(result, list) else None
        for (_, out, path), key in keyed:
            if key is None:
                self._place(plan, out, path, None, objects)
            elif values is None:
                self._settle(plan, out, path, result, objects)
            else:
                self._place(plan, out, path, next(values), objects)

    def _start(
        self,
        plans: list[FieldPlan],
        parents: list[Parent],
        pending: list[tuple[FieldPlan, dict[str, Any], Path, Any]],
        objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]],
        batches: list[tuple[FieldPlan, list[tuple[Parent, Any]], Any]],
    ) -> None:
        """Call every resolver of this level; leaves are placed at once."""
        info = self.info
        for plan in plans:
            if plan.relation is not None:
                batches.append(self._load_level(plan, parents))
                continue
            args = self._arguments(plan) if plan.takes_args else _NO_ARGS
            call = self._guarded_call(plan) or plan.call
            for root, out, path in parents:
                try:
                    value = call(root, info, dict(args) if args else args)
                except DomainError as error:
                    self._fail(plan, out, path, error)
                    continue
                except Exception as error:  # masked and logged by the full executor
                    raise Unsupported("unexpected error") from error
                if isinstance(value, _AWAITABLES):
                    out[plan.key] = None
                    pending.append((plan, out, path, value))
                else:
                    self._place(plan, out, path, value, objects)

    def _guarded_call(self, plan: FieldPlan) -> Any:
        """For a guarded field, decide the policy once for the level (role reach)."""
        guard = plan.guard
        if guard is None:
            return None
        context = self.info.context
        level = context.reach[guard.item_class]
        if level is Reach.ALL:
            return lambda root, info, args: guard.value(root, info)
        if level is Reach.NONE:

            def deny(root: Any, info: Any, args: Any) -> Any:
                raise guard.denied()

            return deny
        return None  # OWN depends on each record: the resolver decides per object

    def _place(
        self,
        plan: FieldPlan,
        out: dict[str, Any],
        path: Path,
        value: Any,
        objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]],
    ) -> None:
        if value is None:
            if plan.non_null:
                raise Unsupported("null in non-null field")
            out[plan.key] = None
        elif plan.serialize is None:
            out[plan.key] = None  # filled in by _descend
            objects.append((plan, out, path, value))
        elif plan.is_list:
            out[plan.key] = [plan.serialize(v) for v in value]
        elif plan.plain_string and type(value) is str:
            out[plan.key] = value
        else:
            out[plan.key] = plan.serialize(value)

    async def _descend(self, objects: list[tuple[FieldPlan, dict[str, Any], Path, Any]]) -> None:
        """Build the child objects of this level and resolve them, one level per plan."""
        by_plan: dict[int, tuple[FieldPlan, list[Parent]]] = {}
        for plan, out, path, value in objects:
            children = by_plan.setdefault(id(plan), (plan, []))[1]
            here = (*path, plan.key)
            if plan.is_list:
                items: list[Any] = []
                for index, item in enumerate(value):
                    child: dict[str, Any] = {}
                    items.append(child)
                    children.append((item, child, (*here, index)))
                out[plan.key] = items
            else:
                child = {}
                out[plan.key] = child
                children.append((value, child, here))
        for plan, parents in by_plan.values():
            await self.level(plan.children, parents)

    def _load_level(
        self, plan: FieldPlan, parents: list[Parent]
    ) -> tuple[FieldPlan, list[tuple[Parent, Any]], Any]:
        """One ``load_many`` for a relation across every parent of this level."""
        assert plan.relation is not None
        try:
            loader = getattr(self.info.context.loaders, plan.relation.loader)
        except DomainError as error:  # no actor: let the full executor answer
            raise Unsupported("loaders unavailable") from error
        keyed = [(parent, plan.relation.key(parent[0])) for parent in parents]
        for (_, out, _), _key in keyed:
            out[plan.key] = None
        present = [key for _, key in keyed if key is not None]
        return plan, keyed, loader.load_many(present)

    def _arguments(self, plan: FieldPlan) -> dict[str, Any]:
        assert plan.gql_field is not None
        values = get_argument_values(plan.gql_field, plan.node, self.variables)
        return {plan.arg_names[name]: value for name, value in values.items()}

    def _fail(self, plan: FieldPlan, out: dict[str, Any], path: Path, error: DomainError) -> None:
        if plan.non_null:
            raise Unsupported("error in non-null field")
        out[plan.key] = None
        self.errors.append(
            GraphQLError(
                error.message, nodes=plan.nodes, path=[*path, plan.key], original_error=error
            )
        )


async def execute_fast(
    schema: GraphQLSchema,
    source: str | None,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    context: Any,
    raw_variables: dict[str, Any] | None,
) -> ExecutionResult | None:
    plans = plan_for(schema, source, document, operation)
    if plans is None:
        return None
    variables = get_variable_values(
        schema, operation.variable_definitions or (), raw_variables or {}
    )
    if isinstance(variables, list):
        return None  # let graphql-core report the coercion errors
    run = Run(context, variables)
    data: dict[str, Any] = {}
    audited = dict(context.audit.reads)
    try:
        await run.level(plans, [(None, data, ())])
    except Unsupported:
        _forget_attempt(context, audited)
        return None
    except Exception:  # a fast-path defect must never cost an answer
        log.exception("fast path failed; falling back to graphql-core")
        _forget_attempt(context, audited)
        return None
    return ExecutionResult(data=data, errors=run.errors or None)


def _forget_attempt(context: Any, audited: dict[Any, Any]) -> None:
    """Leave graphql-core the request as it found it: an abandoned attempt's values were
    never answered, so its reads are not audited, and its loaders' warm caches would
    change which of several failing fields graphql-core reports first."""
    reads = context.audit.reads
    reads.clear()
    reads.update(audited)
    context.fresh_loaders()


class FastQueryExecution(SchemaExtension):
    """Runs plain queries through ``execute_fast``; everything else falls through."""

    async def on_execute(self):  # type: ignore[no-untyped-def]
        ec = self.execution_context
        if ec.result is None and ec.graphql_document is not None:
            operation = get_operation_ast(ec.graphql_document, ec.operation_name)
            if operation is not None:
                schema = ec.schema._schema
                try:
                    result = await execute_fast(
                        schema, ec.query, ec.graphql_document, operation, ec.context, ec.variables
                    )
                except Exception:  # a fast-path defect must never cost an answer
                    log.exception("fast path failed before running; graphql-core answers")
                    result = None
                if result is not None:
                    ec.result = result
        yield
