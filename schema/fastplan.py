"""Compiling a validated query into a plan for the fast executor (``schema.fastpath``).

A plan is the query's fields, each bound to the very resolver graphql-core
would call (guards included), with what the executor needs to place its value:
nullability, list-ness, the leaf serializer, a declared relation. Anything the
fast executor does not handle raises ``Unsupported`` here, once per document.
"""

from __future__ import annotations

import inspect
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_leaf_type,
)
from graphql.language import DocumentNode

from resolvers.relations import Relation
from schema.guard import Guard

_BACKREF = "strawberry-definition"


class Unsupported(Exception):
    """The document (or this execution) needs graphql-core's full executor."""


@dataclass(frozen=True, slots=True)
class FastInfo:
    """What our resolvers read from ``info``: the request context, nothing else."""

    context: Any


@dataclass(eq=False)
class FieldPlan:
    key: str
    node: FieldNode
    gql_field: GraphQLField | None
    call: Callable[[Any, FastInfo, dict[str, Any]], Any]
    arg_names: dict[str, str]  # graphql name -> python name
    non_null: bool
    is_list: bool
    serialize: Callable[[Any], Any] | None  # leaves only
    nodes: list[FieldNode]  # every node selected under this key: an error's locations
    children: list[FieldPlan] = field(default_factory=list)
    plain_string: bool = False  # a String/ID leaf: a str value needs no serializing
    relation: Relation | None = None  # a declared relation: loaded for a whole level at once
    guard: Guard | None = None  # a guarded field: the policy is read once per level

    @property
    def takes_args(self) -> bool:
        return bool(self.gql_field is not None and self.gql_field.args)


Path = tuple[str | int, ...]
Parent = tuple[Any, dict[str, Any], Path]  # (object, its response dict, its path)


def _typename(name: str) -> Callable[[Any, FastInfo, dict[str, Any]], Any]:
    return lambda root, info, args: name


def _caller(strawberry_field: Any) -> Callable[[Any, FastInfo, dict[str, Any]], Any]:
    resolver = strawberry_field.base_resolver
    if resolver is None:
        getter = attrgetter(strawberry_field.python_name)
        return lambda root, info, args: getter(root)
    function = resolver.wrapped_func
    parameters = inspect.signature(function).parameters
    takes_root, takes_info = "root" in parameters, "info" in parameters
    if "self" in parameters:
        raise Unsupported("method resolver")
    if list(parameters) == ["root", "info"]:  # every guard and relation: call directly
        return lambda root, info, args: function(root, info)

    def call(root: Any, info: FastInfo, args: dict[str, Any]) -> Any:
        if takes_root:
            args["root"] = root
        if takes_info:
            args["info"] = info
        return function(**args)

    return call


def _response_key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _unwrap(gql_type: Any) -> tuple[bool, bool, Any]:
    non_null = isinstance(gql_type, GraphQLNonNull)
    inner = gql_type.of_type if non_null else gql_type
    if isinstance(inner, GraphQLList):
        item = inner.of_type
        item = item.of_type if isinstance(item, GraphQLNonNull) else item
        if isinstance(item, GraphQLList):
            raise Unsupported("nested lists")
        return non_null, True, item
    return non_null, False, inner


class PlanCompiler:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def compile(
        self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]
    ) -> list[FieldPlan]:
        """One plan per response key: like graphql-core, fields selected more than once
        under one key (directly, or through fragments) merge their sub-selections."""
        by_key: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()  # a fragment spread twice is collected once, as there
        for selection_set in selection_sets:
            for node in self._collect(parent, selection_set, visited):
                by_key.setdefault(_response_key(node), []).append(node)
        return [self._field(parent, key, nodes) for key, nodes in by_key.items()]

    def _collect(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode, visited: set[str]
    ) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if selection.directives:
                raise Unsupported("directives")
            if isinstance(selection, FieldNode):
                yield selection
                continue
            if isinstance(selection, FragmentSpreadNode):
                if selection.name.value in visited:
                    continue
                visited.add(selection.name.value)
                fragment: Any = self.fragments[selection.name.value]
            elif isinstance(selection, InlineFragmentNode):
                fragment = selection
            else:
                raise Unsupported("selection kind")
            condition = fragment.type_condition
            if condition is not None and condition.name.value != parent.name:
                raise Unsupported("type condition")
            yield from self._collect(parent, fragment.selection_set, visited)

    def _field(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> FieldPlan:
        node = nodes[0]
        name = node.name.value
        if any(other.name.value != name for other in nodes):
            raise Unsupported("one key for different fields")  # validation refuses these
        if name == "__typename":
            return FieldPlan(key, node, None, _typename(parent.name), {}, True, False, str, nodes)
        if name.startswith("__"):
            raise Unsupported("introspection")
        gql_field = parent.fields[name]
        strawberry_field = (gql_field.extensions or {}).get(_BACKREF)
        if strawberry_field is None or strawberry_field.extensions:
            raise Unsupported("field without plain resolver")
        non_null, is_list, inner = _unwrap(gql_field.type)
        # strawberry builds the GraphQL arguments from its own, in the same order
        arg_names = dict(
            zip(gql_field.args, (a.python_name for a in strawberry_field.arguments), strict=True)
        )
        for argument in gql_field.args.values():
            if not is_leaf_type(_unwrap(argument.type)[2]) or _unwrap(argument.type)[1]:
                raise Unsupported("non-scalar argument")
        plan = FieldPlan(
            key,
            node,
            gql_field,
            _caller(strawberry_field),
            arg_names,
            non_null,
            is_list,
            None,
            nodes,
        )
        resolver = strawberry_field.base_resolver
        function = resolver.wrapped_func if resolver else None
        plan.relation = getattr(function, "relation", None)
        plan.guard = getattr(function, "guard", None)
        if is_leaf_type(inner):
            plan.serialize = inner.serialize
            plan.plain_string = inner in (GraphQLString, GraphQLID)
        elif isinstance(inner, GraphQLObjectType) and node.selection_set is not None:
            plan.children = self.compile(inner, [n.selection_set for n in nodes if n.selection_set])
        else:
            raise Unsupported("abstract type")
        return plan


class PlanCache:
    """Compiled plans keyed by everything a plan depends on, least recently used first out.

    The key is the schema, the document's text and the operation's name: a plan
    is a pure function of those three. Never the document object's ``id()``:
    once strawberry's parser cache drops a document, a new one can be born at the
    same address and would inherit another query's plan.
    """

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._by_schema: weakref.WeakKeyDictionary[
            GraphQLSchema, OrderedDict[tuple[str, str | None], list[FieldPlan] | None]
        ] = weakref.WeakKeyDictionary()

    def plan(
        self,
        schema: GraphQLSchema,
        source: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> list[FieldPlan] | None:
        plans = self._by_schema.setdefault(schema, OrderedDict())
        key = (source, operation.name.value if operation.name else None)
        try:
            plans.move_to_end(key)
            return plans[key]
        except KeyError:
            pass
        return self.put(schema, source, key[1], compile_plan(schema, document, operation))

    def put(
        self,
        schema: GraphQLSchema,
        source: str,
        operation_name: str | None,
        compiled: list[FieldPlan] | None,
    ) -> list[FieldPlan] | None:
        """Keep a plan compiled elsewhere (admission compiles them off the event loop)."""
        plans = self._by_schema.setdefault(schema, OrderedDict())
        plans[(source, operation_name)] = compiled
        plans.move_to_end((source, operation_name))
        if len(plans) > self.maxsize:
            plans.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        return sum(len(plans) for plans in self._by_schema.values())


def compile_plan(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> list[FieldPlan] | None:
    """The query operation's plan, or None when it needs the full executor. Pure: safe
    in any thread."""
    if schema.query_type is None:
        return None
    try:
        return PlanCompiler(schema, document).compile(schema.query_type, [operation.selection_set])
    except Unsupported:
        return None


plans = PlanCache()


def plan_for(
    schema: GraphQLSchema,
    source: str | None,
    document: DocumentNode,
    operation: OperationDefinitionNode,
) -> list[FieldPlan] | None:
    """The compiled plan of a query, or None when it needs the full executor.

    Only queries have plans, whatever the cache holds; a document without its
    text (nothing to key it by) is compiled afresh.
    """
    if operation.operation is not OperationType.QUERY:
        return None
    if source is None:
        return compile_plan(schema, document, operation)
    return plans.plan(schema, source, document, operation)
