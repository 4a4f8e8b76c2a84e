"""What an operation may cost, estimated from the document before anything runs.

Every object a query asks for costs one unit, times how many of it a list may
hold: a paginated field's ``first`` sizes its page's list (``children(first:
100) { nodes { … } }`` counts 100 nodes), any other list counts as
``list_size`` items. Leaves are free, and so is introspection, which reads
the schema, not the data. The estimate is an upper bound in spirit, not a
prediction: its job is to refuse ``guardians { children { guardians { … } } }``
nested nine deep under thirty aliases before a resolver runs.

It only reads the document and the schema, so it is cheap (linear in the
document, fragments costed once each) and knows nothing about who asks; the
limit for the asker is applied by ``schema.admission``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.language import DocumentNode
from graphql.utilities import get_operation_ast

PAGE_ARGUMENT = "first"


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    list_size: int,
) -> int | None:
    """The operation's cost, or None when the document names no such operation."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    costing = _Costing(schema, fragments, {} if variables is None else variables, list_size)
    return costing.selections(root, operation.selection_set, page=None)


_MISSING = object()


class DocumentCost:
    """``operation_cost`` for one parsed document, remembered.

    A cost depends on the schema and the document (the caller keys this by both),
    the operation's name, ``list_size``, and the values of the variables that size
    a page (``first: $n``): each of those counts as absent, an int, or anything else,
    which is all ``_Costing.page_size`` tells apart. Which variables size a page
    depends only on the operation, so it is learnt on the first costing and the key
    carries their values. Bounded: a client varying ``first`` gets at most ``size``
    entries, the oldest dropped.
    """

    def __init__(self, document: DocumentNode, *, size: int = 32) -> None:
        self.document = document
        self.size = size
        self.page_variables: dict[tuple[str | None, int], tuple[str, ...]] = {}
        self.costs: dict[tuple[Any, ...], int | None] = {}

    def cost(
        self,
        schema: GraphQLSchema,
        operation_name: str | None,
        variables: Mapping[str, Any],
        *,
        list_size: int,
    ) -> int | None:
        shape = (operation_name, list_size)
        names = self.page_variables.get(shape)
        if names is not None:
            key = (shape, tuple(_page_value(variables.get(n, _MISSING)) for n in names))
            if key in self.costs:
                return self.costs[key]
        reads = _Reads(variables)
        cost = operation_cost(schema, self.document, operation_name, reads, list_size=list_size)
        names = self.page_variables.setdefault(shape, tuple(sorted(reads.names)))
        key = (shape, tuple(_page_value(variables.get(n, _MISSING)) for n in names))
        self.costs[key] = cost
        while len(self.costs) > self.size:
            del self.costs[next(iter(self.costs))]
        return cost


def _page_value(value: Any) -> tuple[str, int]:
    if value is _MISSING:
        return ("absent", 0)
    if isinstance(value, int):
        return ("int", int(value))
    return ("other", 0)


class _Reads(dict[str, Any]):
    """The request's variables, noting which names the costing looks up."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        super().__init__(variables)
        self.names: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.names.add(name)
        return super().get(name, default)


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        list_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.list_size = list_size
        self.memo: dict[tuple[str, int | None], int] = {}

    def selections(self, parent: Any, selection_set: SelectionSetNode, *, page: int | None) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                own = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(own, selection.selection_set, page=page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self.memo:
            self.memo[key] = 0  # a cycle (refused by validation anyway) costs nothing more
            definition = self.fragments.get(name)
            if definition is not None:
                own = self.schema.get_type(definition.type_condition.name.value)
                self.memo[key] = self.selections(own, definition.selection_set, page=page)
        return self.memo[key]

    def field(self, parent: Any, node: FieldNode, page: int | None) -> int:
        fields = getattr(parent, "fields", None)
        definition = fields.get(node.name.value) if fields else None
        if definition is None or node.selection_set is None:
            return 0  # leaves, introspection (__schema, __type) and unknown fields
        named, is_list = _unwrap(definition.type)
        size = self.page_size(node, definition)
        if is_list:
            count = size if size is not None else (page or self.list_size)
            return count * (1 + self.selections(named, node.selection_set, page=None))
        return 1 + self.selections(named, node.selection_set, page=size)

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The ``first`` argument's value: literal, variable, or the schema's default."""
        argument = definition.args.get(PAGE_ARGUMENT)
        if argument is None:
            return None
        given = next((a.value for a in node.arguments or () if a.name.value == PAGE_ARGUMENT), None)
        value: Any = argument.default_value
        if isinstance(given, IntValueNode):
            value = int(given.value)
        elif isinstance(given, VariableNode):
            value = self.variables.get(given.name.value, value)
        return max(value, 0) if isinstance(value, int) else self.list_size


def _unwrap(type_: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list
