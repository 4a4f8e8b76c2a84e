"""A seeded generator of read queries, built by walking the GraphQL schema from ``Query``.

It exists so that the fast executor (``schema.fastpath``) can be compared with
graphql-core's on inputs nobody hand-picked (``tests/test_fastpath.py``). What a
generated corpus covers:

- every object type reachable from ``Query``: the corpus opens with one query
  per such type (along a shortest path to it), then random queries;
- random selections of leaves and object fields (lists included) down to a
  bounded depth, ``__typename``, aliases, the same field selected twice (its
  sub-selections merged), named fragments (some spread twice), inline fragments
  with and without a type condition, and now and then an ``@include``/``@skip``
  directive (which the fast path leaves to graphql-core);
- every argument of every field reached, as an inline literal or as a variable,
  optional ones sometimes left out, with values drawn from ``Pools``: ids of the
  right kind in and out of the viewer's scope, nonexistent and malformed ids,
  dates, months, page sizes and cursors both valid and invalid.

Sensitive fields are chosen like any other, so each role meets the fields it is
denied (``null`` plus ``FORBIDDEN``). It generates no mutations or subscriptions:
the fast path runs queries only. An argument it has no pool for raises
``KeyError``, so a new argument fails loudly instead of going untested.
"""

from __future__ import annotations

import json
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined

# Argument name -> pool kind; ``id`` is told apart by the field it belongs to.
_ARGUMENT_KINDS = {
    "childId": "child",
    "classroomId": "classroom",
    "facilityId": "facility",
    "recordId": "record",
    "date": "date",
    "since": "date",
    "month": "month",
    "first": "first",
    "after": "cursor",
    "before": "cursor",
    "kanaPrefix": "kana",
    "includeReplaced": "boolean",
}
MAX_DEPTH = 4


@dataclass
class Pools:
    """Argument values by kind (``None`` in a pool means an explicit null).

    Arguments of a kind in ``always`` are never left out (``auditLog``'s
    ``recordId``: an unfiltered log grows with the very reads being compared).
    """

    values: dict[str, list[Any]]
    always: frozenset[str] | set[str] = frozenset()

    def kind(self, field_name: str, argument: str) -> str:
        if argument == "id":
            return field_name
        return _ARGUMENT_KINDS[argument]

    def pick(self, rng: random.Random, kind: str, *, non_null: bool) -> Any:
        # an explicit null for a non-null argument would not even validate
        return rng.choice([v for v in self.values[kind] if v is not None or not non_null])


@dataclass
class Query:
    text: str
    variables: dict[str, Any]


@dataclass
class _Document:
    rng: random.Random
    schema: GraphQLSchema
    pools: Pools
    definitions: list[str] = field(default_factory=list)  # variable definitions
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, body)
    counter: int = 0
    directive: bool = False  # one query in twenty gets one directive: graphql-core's alone

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def reachable_object_types(schema: GraphQLSchema) -> dict[str, list[str]]:
    """Every object type reachable from Query, with a shortest field path to it."""
    assert schema.query_type is not None
    paths: dict[str, list[str]] = {schema.query_type.name: []}
    queue: deque[GraphQLObjectType] = deque([schema.query_type])
    while queue:
        parent = queue.popleft()
        for name, gql_field in parent.fields.items():
            named = get_named_type(gql_field.type)
            if isinstance(named, GraphQLObjectType) and named.name not in paths:
                paths[named.name] = [*paths[parent.name], name]
                queue.append(named)
    return paths


def generate(schema: GraphQLSchema, pools: Pools, seed: int | str, size: int) -> list[Query]:
    """``size`` queries (at least one per reachable object type), the same for the same seed."""
    rng = random.Random(seed)
    targets = [path for path in reachable_object_types(schema).values() if path]
    queries = [_query(schema, pools, rng, path) for path in targets]
    while len(queries) < size:
        queries.append(_query(schema, pools, rng, []))
    return queries


def _query(schema: GraphQLSchema, pools: Pools, rng: random.Random, path: list[str]) -> Query:
    assert schema.query_type is not None
    document = _Document(rng, schema, pools, directive=rng.random() < 0.05)
    body = _selection(document, schema.query_type, 0, path)
    head = "query" + (f"({', '.join(document.definitions)})" if document.definitions else "")
    fragments = [
        f"fragment {name} on {on} {{ {text} }}" for name, (on, text) in document.fragments.items()
    ]
    return Query("\n".join([f"{head} {{ {body} }}", *fragments]), document.variables)


def _selection(doc: _Document, parent: GraphQLObjectType, depth: int, path: list[str]) -> str:
    rng = doc.rng
    names = list(parent.fields)
    wanted = rng.randint(1, 2 if depth == 0 else max(1, min(len(names), 5 - depth)))
    chosen = rng.sample(names, wanted)
    if path and path[0] not in chosen:
        chosen.append(path[0])
    parts = []
    for name in chosen:
        rest = path[1:] if path and name == path[0] else []
        parts.append(_field(doc, parent, name, depth, rest))
    if rng.random() < 0.2:
        parts.append("__typename")
    if rng.random() < 0.15:  # a field selected again: sub-selections merge
        again = rng.choice(chosen)
        if not parent.fields[again].args:
            parts.append(_field(doc, parent, again, depth, [], alias=False))
    return _group(doc, parent, parts)


def _group(doc: _Document, parent: GraphQLObjectType, parts: list[str]) -> str:
    """Put a random run of the selections into a named or an inline fragment."""
    rng = doc.rng
    roll = rng.random()
    if len(parts) < 2 or roll > 0.45:
        return " ".join(parts)
    cut = rng.randint(1, len(parts) - 1)
    inside, outside = " ".join(parts[:cut]), parts[cut:]
    if roll < 0.2:
        name = doc.fresh(f"{parent.name}Part")
        doc.fragments[name] = (parent.name, inside)
        spread = f"...{name}"
        spreads = [spread, spread] if rng.random() < 0.3 else [spread]
        return " ".join([*spreads, *outside])
    condition = f" on {parent.name}" if roll < 0.35 else ""
    return " ".join([f"...{condition} {{ {inside} }}", *outside])


def _field(
    doc: _Document,
    parent: GraphQLObjectType,
    name: str,
    depth: int,
    path: list[str],
    *,
    alias: bool = True,
) -> str:
    rng = doc.rng
    gql_field = parent.fields[name]
    arguments = _arguments(doc, name, gql_field)
    # Fields with arguments always get their own alias, so no two ever conflict.
    key = f"{doc.fresh('k')}: " if alias and (arguments or rng.random() < 0.2) else ""
    directive = ""
    if doc.directive and rng.random() < 0.3:
        doc.directive = False
        directive = rng.choice([" @include(if: true)", " @skip(if: false)"])
    text = f"{key}{name}{arguments}{directive}"
    named = get_named_type(gql_field.type)
    if is_leaf_type(named):
        return text
    assert isinstance(named, GraphQLObjectType)
    if depth + 1 >= MAX_DEPTH and not path:
        return f"{text} {{ {_leaf_or_typename(rng, named)} }}"
    return f"{text} {{ {_selection(doc, named, depth + 1, path)} }}"


def _leaf_or_typename(rng: random.Random, named: GraphQLNamedType) -> str:
    assert isinstance(named, GraphQLObjectType)
    leaves = [n for n, f in named.fields.items() if is_leaf_type(get_named_type(f.type))]
    return rng.choice(leaves) if leaves else "__typename"


def _arguments(doc: _Document, field_name: str, gql_field: GraphQLField) -> str:
    rng = doc.rng
    rendered = []
    for arg_name, argument in gql_field.args.items():
        kind = doc.pools.kind(field_name, arg_name)
        non_null = isinstance(argument.type, GraphQLNonNull)
        optional = argument.default_value is not Undefined or not non_null
        if optional and kind not in doc.pools.always and rng.random() < 0.5:
            continue
        value = doc.pools.pick(rng, kind, non_null=non_null or kind in doc.pools.always)
        if rng.random() < 0.5:
            variable = doc.fresh("v")
            doc.definitions.append(f"${variable}: {argument.type}")
            doc.variables[variable] = value
            rendered.append(f"{arg_name}: ${variable}")
        else:
            rendered.append(f"{arg_name}: {_literal(value)}")
    return f"({', '.join(rendered)})" if rendered else ""


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
