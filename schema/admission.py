"""Admission: the cheap checks a GraphQL document passes before it may cost anything.

A black-box review froze the server with documents that were all legal:
500 × ``viewer { id }`` (5.5 KB) spent 2.5 s in graphql-core's validation,
whose overlapping-fields rule is quadratic in repeated fields; a 10 MB comment
took seconds to lex although comments are no tokens; thirty aliases of nested
lists ran for 22 s. So before strawberry's pipeline runs, every document is
measured, the cheapest measure first:

1. its length in characters (free) — ``DOCUMENT_TOO_LARGE``;
2. its tokens (while parsing) and, in one walk of the parsed document, its
   field selections and how often one selection set repeats a response key —
   ``BAD_USER_INPUT`` / ``TOO_MANY_SELECTIONS``;
3. validity (the pipeline reports validation errors itself), then unstorable
   text in arguments and variables — ``BAD_USER_INPUT`` naming the field;
4. its estimated cost against the asker's limit (``schema.cost``) —
   ``QUERY_TOO_COSTLY`` with the cost and the limit.

A requester without a valid token gets much smaller document limits than a
signed-in one: all it may do is sign in, refresh a session, or (in
development) introspect the schema for GraphiQL (1.6 KB, 80 selections), so a
hostile anonymous document is refused by its length, before a token is lexed.

The repeat limit is there because graphql-core's OverlappingFieldsCanBeMerged
compares every pair of fields that share a response key in a selection set
(fields that fragments bring into it included), and again for their
sub-selections: ``{ viewer { id } × 100 }`` is 200 selections but 4,950
comparisons. No legitimate query asks for one key more than a handful of times,
so counting keys per selection set, fragments merged as the rule merges them,
refuses the cheap form of that attack before validation; the selection limit
bounds the nested forms (the comparisons stay under selections²).

Parsing and validating a document not seen before run in a small thread pool,
off the event loop, so one client's document cannot stall everyone else's
requests (or ``/healthz``); the results land in the bounded caches that the
pipeline's own parse and validation steps then read. Refusals never run a
resolver, and never echo the offending text.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any, Generic, TypeVar

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    Visitor,
    execute,
    parse,
    visit,
)
from graphql.language import DocumentNode
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from domain.validation import is_storable_text
from schema import fastplan
from schema.cost import DocumentCost
from schema.fastplan import FieldPlan

ANONYMOUS = "anonymous"
CACHE_SIZE = 256

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class DocumentLimits:
    """How large a document may be, measured before it is validated."""

    chars: int
    tokens: int
    selections: int


@dataclass(frozen=True)
class Limits:
    """What one operation may ask for; ``hoiku.app`` fills it from the settings."""

    max_document_chars: int = 20_000
    max_tokens: int = 4000
    max_selections: int = 200
    anonymous: DocumentLimits = DocumentLimits(chars=4_000, tokens=600, selections=150)
    max_repeats: int = 10
    max_cost: int = 20_000
    cost_limits: Mapping[str, int] = field(
        default_factory=lambda: {ANONYMOUS: 1_000, "guardian": 5_000, "kiosk": 5_000}
    )
    list_size: int = 20

    def document_limits(self, role: str | None) -> DocumentLimits:
        if role is None:
            return self.anonymous
        return DocumentLimits(self.max_document_chars, self.max_tokens, self.max_selections)

    def cost_limit(self, role: str | None) -> int:
        return self.cost_limits.get(role or ANONYMOUS, self.max_cost)


class _Lru(Generic[K, V]):
    """A bounded map used only on the event loop; values are computed by the caller."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Shape:
    """A document's size as written: selections, and its most repeated response key."""

    selections: int
    repeated_key: str | None
    repeats: int


@dataclass(frozen=True)
class Examined:
    """What admission learnt of one document text, for one schema."""

    document: DocumentNode | None  # None when refused: a big tree is not worth keeping
    shape: Shape
    errors: list[GraphQLError] | None  # None: not validated, too many selections
    plans: Mapping[str | None, list[FieldPlan] | None] = field(default_factory=dict)
    storable: StorableCheck | None = None  # None: not validated, or validation failed
    cost: DocumentCost | None = None  # likewise

    def refused_by(self, limits: DocumentLimits, max_repeats: int) -> bool:
        return self.shape.selections > limits.selections or self.shape.repeats > max_repeats


def examine(
    schema: GraphQLSchema,
    query: str,
    limits: DocumentLimits,
    max_repeats: int,
    rules: tuple[type[ASTValidationRule], ...],
    compile_plans: bool,
) -> Examined:
    """Parse, measure, validate, compile: all of it CPU, run in the pool.

    Raises GraphQLSyntaxError."""
    document = parse(query, max_tokens=limits.tokens)
    shape = measure(document)
    if shape.selections > limits.selections or shape.repeats > max_repeats:
        return Examined(None, shape, None)
    errors = validate_document(schema, document, rules)
    if errors:
        return Examined(document, shape, errors)
    plans = compiled_plans(schema, document) if compile_plans else {}
    return Examined(
        document, shape, errors, plans, StorableCheck.of(document), DocumentCost(document)
    )


# Shared by every request; the schema is part of the key, and its limits with it.
_examined: _Lru[tuple[GraphQLSchema, str], Examined] = _Lru(CACHE_SIZE)
# One thread: a burst of hostile documents queues behind it instead of adding
# threads that contend with the event loop for the GIL.
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hoiku-admission")


async def _off_loop(work: Callable[..., V], *args: Any) -> V:
    return await asyncio.get_running_loop().run_in_executor(_pool, work, *args)


class Admission:
    """The checks of the module docstring, for one schema's limits and rules."""

    def __init__(
        self,
        limits: Limits,
        rules: tuple[type[ASTValidationRule], ...],
        *,
        compile_plans: bool = True,
    ) -> None:
        self.limits = limits
        self.rules = rules
        self.compile_plans = compile_plans

    async def refusal(
        self,
        schema: GraphQLSchema,
        query: str | None,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        *,
        role: str | None,
        streaming: bool,
    ) -> GraphQLError | None:
        """Why this operation may not run, or None to let the pipeline run it."""
        if not isinstance(query, str):
            return None  # no document (strawberry answers that itself)
        limits = self.limits.document_limits(role)
        if len(query) > limits.chars:
            return _refused(
                "DOCUMENT_TOO_LARGE",
                f"The document is longer than {limits.chars} characters",
                limit=limits.chars,
            )
        try:
            examined = await self._examined(schema, query, limits)
        except GraphQLError as error:
            error.extensions = {"code": "BAD_USER_INPUT"}
            return error
        if (refusal := self._shape_refusal(examined.shape, limits)) is not None:
            return refusal
        if examined.errors or examined.document is None:
            return None  # the pipeline reports them, from the same cache
        return self._operation_refusal(
            schema,
            examined,
            variables or {},
            operation_name,
            role=role,
            streaming=streaming,
        )

    async def _examined(
        self, schema: GraphQLSchema, query: str, limits: DocumentLimits
    ) -> Examined:
        """From the cache, unless it is missing or was refused under smaller limits."""
        key = (schema, query)
        examined = _examined.get(key)
        max_repeats = self.limits.max_repeats
        if examined is None or (
            examined.document is None and not examined.refused_by(limits, max_repeats)
        ):
            work = (schema, query, limits, max_repeats, self.rules, self.compile_plans)
            examined = _examined.put(key, await _off_loop(examine, *work))
            for name, plan in examined.plans.items():
                fastplan.plans.put(schema, query, name, plan)
        return examined

    def _shape_refusal(self, shape: Shape, limits: DocumentLimits) -> GraphQLError | None:
        if shape.selections > limits.selections:
            return _refused(
                "TOO_MANY_SELECTIONS",
                f"The document selects {shape.selections} fields; "
                f"at most {limits.selections} may be",
                limit=limits.selections,
            )
        if shape.repeats > self.limits.max_repeats:
            return _refused(
                "TOO_MANY_SELECTIONS",
                f"The document selects '{shape.repeated_key}' {shape.repeats} times in one "
                f"selection set; at most {self.limits.max_repeats} may be",
                limit=self.limits.max_repeats,
            )
        return None

    def _operation_refusal(
        self,
        schema: GraphQLSchema,
        examined: Examined,
        variables: Mapping[str, Any],
        operation_name: str | None,
        *,
        role: str | None,
        streaming: bool,
    ) -> GraphQLError | None:
        document, storable, costs = examined.document, examined.storable, examined.cost
        assert document is not None and storable is not None and costs is not None
        if (name := storable.unstorable_argument(variables)) is not None:
            return _refused(
                "BAD_USER_INPUT",
                f"{name} contains a NUL character or an unpaired surrogate",
                field=name,
            )
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        if operation.operation == OperationType.SUBSCRIPTION and not streaming:
            return _refused(
                "BAD_USER_INPUT",
                "Subscriptions are served over WebSocket (graphql-transport-ws), not HTTP",
            )
        limit = self.limits.cost_limit(role)
        cost = costs.cost(schema, operation_name, variables, list_size=self.limits.list_size)
        if cost is not None and cost > limit:
            return _refused(
                "QUERY_TOO_COSTLY",
                f"The operation may cost {cost}; the limit is {limit}: ask for fewer or "
                "smaller lists (first:) or fewer nested levels",
                cost=cost,
                limit=limit,
            )
        return None

    def pipeline_extensions(self) -> list[Callable[[], SchemaExtension]]:
        """The pipeline's parse and validation steps, reading the same cache; and
        introspection answered off the event loop."""
        return [
            lambda: CachedParse(self.limits.max_tokens),
            lambda: CachedValidation(self.rules),
            IntrospectionOffTheLoop,
        ]


def _refused(code: str, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def measure(document: DocumentNode) -> Shape:
    """Selections as written (fields and fragment spreads, fragments counted once), and
    the response key repeated most in one selection set, counting the fields that
    inline fragments and fragment spreads bring into it as OverlappingFieldsCanBeMerged
    does. Without recursion: a document may nest as deep as its tokens allow."""
    fragments = {
        d.name.value: d.selection_set
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    keys = _KeyCounter(fragments)
    pending = [d.selection_set for d in document.definitions if isinstance(d, _Executable)]
    count = 0
    worst: tuple[int, str | None] = (0, None)
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections:
            count += isinstance(selection, FieldNode | FragmentSpreadNode)
            if inner := getattr(selection, "selection_set", None):
                pending.append(inner)
        merged = keys.merged(selection_set)
        if merged:
            key, repeats = max(merged.items(), key=lambda item: item[1])
            worst = max(worst, (repeats, key), key=lambda item: item[0])
    return Shape(count, worst[1], worst[0])


_Executable = OperationDefinitionNode | FragmentDefinitionNode


class _KeyCounter:
    """Response keys of a selection set with its fragments merged in (each fragment
    once, as graphql-core collects them); a fragment's own keys are computed once."""

    def __init__(self, fragments: Mapping[str, SelectionSetNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Counter[str]] = {}

    def merged(self, selection_set: SelectionSetNode) -> Counter[str]:
        keys: Counter[str] = Counter()
        spreads: set[str] = set()
        pending = [selection_set]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    keys[(selection.alias or selection.name).value] += 1
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    spreads.add(selection.name.value)
        for name in spreads:
            keys.update(self.fragment(name))
        return keys

    def fragment(self, name: str) -> Counter[str]:
        if name not in self.memo:
            self.memo[name] = Counter()  # a cycle (refused by validation) adds nothing
            selection_set = self.fragments.get(name)
            if selection_set is not None:
                self.memo[name] = self.merged(selection_set)
        return self.memo[name]


def compiled_plans(
    schema: GraphQLSchema, document: DocumentNode
) -> dict[str | None, list[FieldPlan] | None]:
    """Each query's fast-path plan, by operation name (None: the only, unnamed one)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return {
        o.name.value if o.name else None: fastplan.compile_plan(schema, document, o)
        for o in operations
        if o.operation is OperationType.QUERY
    }


@dataclass(frozen=True)
class StorableCheck:
    """The first argument (or input field) whose text PostgreSQL could not store, split
    at what the variables change: a literal is checked once per document (admission
    caches this with the parsed document), an argument naming a variable on every request.

    ``variable_arguments`` are the arguments, in document order, that name a variable
    and come before ``literal_found`` (the first all-literal argument whose text cannot
    be stored, if any): the answer is the first of them that the variables make
    unstorable, else ``literal_found``, as one walk in document order would find."""

    variable_arguments: tuple[tuple[str, ValueNode], ...]
    literal_found: str | None

    @staticmethod
    def of(document: DocumentNode) -> StorableCheck:
        collector = _ArgumentCollector()
        visit(document, collector)
        variable_arguments: list[tuple[str, ValueNode]] = []
        for name, value in collector.arguments:
            if _names_a_variable(value):
                variable_arguments.append((name, value))
            elif (found := _unstorable(name, value, {})) is not None:
                return StorableCheck(tuple(variable_arguments), found)
        return StorableCheck(tuple(variable_arguments), None)

    def unstorable_argument(self, variables: Mapping[str, Any]) -> str | None:
        for name, value in self.variable_arguments:
            if (found := _unstorable(name, value, variables)) is not None:
                return found
        return self.literal_found


class _ArgumentCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.arguments: list[tuple[str, ValueNode]] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.arguments.append((node.name.value, node.value))


def _names_a_variable(value: ValueNode) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, VariableNode):
            return True
        if isinstance(item, ListValueNode):
            pending.extend(item.values)
        elif isinstance(item, ObjectValueNode):
            pending.extend(f.value for f in item.fields)
    return False


def _unstorable(name: str, value: ValueNode, variables: Mapping[str, Any]) -> str | None:
    """Depth-first over a literal and the variables it names, without recursion:
    variables may nest as deep as the JSON parser allowed."""
    pending: list[tuple[str, Any]] = [(name, value)]
    while pending:
        name, item = pending.pop()
        if isinstance(item, VariableNode):
            pending.append((name, variables.get(item.name.value)))
        elif isinstance(item, StringValueNode | str):
            text = item.value if isinstance(item, StringValueNode) else item
            if not is_storable_text(text):
                return name
        elif isinstance(item, ListValueNode):
            pending.extend((name, v) for v in item.values)
        elif isinstance(item, ObjectValueNode):
            pending.extend((f.name.value, f.value) for f in item.fields)
        elif isinstance(item, list):
            pending.extend((name, v) for v in item)
        elif isinstance(item, dict):
            pending.extend((str(k), v) for k, v in item.items())
    return None


class CachedParse(SchemaExtension):
    """The pipeline's parse step, from admission's cache.

    On a miss (admission off, or the entry evicted) it parses here; on a syntax
    error it leaves the document unset, and strawberry parses again inside the
    ``try`` that turns the error into an answer: raised from this hook, it would
    skip every ``on_operation`` hook and reach the client without a code.
    """

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        if context.query is not None:
            key = (context.schema._schema, context.query)
            examined = _examined.get(key)
            if examined is not None and examined.document is not None:
                context.graphql_document = examined.document
            else:
                with contextlib.suppress(GraphQLError):
                    context.graphql_document = parse(context.query, max_tokens=self.max_tokens)
        yield


class CachedValidation(SchemaExtension):
    """The pipeline's validation step, from admission's cache (the same rules every time)."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.rules = rules

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        schema = context.schema._schema
        examined = _examined.get((schema, context.query or ""))
        errors = examined.errors if examined is not None else None
        if errors is None or examined is None or examined.document is not document:
            errors = validate_document(schema, document, self.rules)
        context.pre_execution_errors = errors
        yield


_INTROSPECTION_ROOTS = frozenset({"__schema", "__type", "__typename"})


class IntrospectionOffTheLoop(SchemaExtension):
    """graphql-core's executor for an operation that only introspects, in admission's
    thread: GraphiQL's introspection takes 70 ms of CPU, and development answers it
    to anyone. Its resolvers are synchronous and read only the schema."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if context.result is None and operation is not None and _only_introspects(operation):
            result = await _off_loop(
                execute,
                context.schema._schema,
                document,
                None,
                None,
                context.variables,
                context.operation_name,
            )
            if not isawaitable(result):
                context.result = result
        yield


def _only_introspects(operation: OperationDefinitionNode) -> bool:
    return operation.operation is OperationType.QUERY and all(
        isinstance(s, FieldNode) and not s.directives and s.name.value in _INTROSPECTION_ROOTS
        for s in operation.selection_set.selections
    )
