"""What admission keeps per document gives the answer a fresh walk gives, for every
variables it may meet: the per-document part never stands in for a variable's value."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ArgumentNode, Visitor, build_schema, parse, visit

from schema.admission import StorableCheck, _unstorable
from schema.cost import DocumentCost, operation_cost

BAD = "a\x00b"
DOCUMENTS = [
    "mutation($i: KioskStampInput!) { kioskStamp(input: $i) { replayed } }",
    'query($a: String) { x(p: "ok", after: $a) { y(q: "a\\u0000") } }',
    'query($a: String) { x(p: "a\\u0000", after: $a) }',
    'query($a: [String]) { x(list: ["ok", $a], obj: {k: "v", n: {m: $a}}) }',
    'query($a: String) { x @include(if: $a) { y(z: $a) } } fragment F on T { w(v: "\\u0000") }',
    "{ x(k: 1, l: [1, 2], e: ENUM) }",
]
VARIABLES: list[dict[str, Any]] = [
    {},
    {"i": {"childId": "c", "kind": "ARRIVAL", "idempotencyKey": "k"}},
    {"i": {"childId": "c", "note": {"deep": [BAD]}}},
    {"a": "fine"},
    {"a": BAD},
    {"a": ["ok", "\ud800"]},
    {"a": None},
]


class _Walk(Visitor):
    """The walk admission did on every request before the check was split."""

    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self.found is None:
            self.found = _unstorable(node.name.value, node.value, self.variables)


def _walked(document: str, variables: dict[str, Any]) -> str | None:
    walk = _Walk(variables)
    visit(parse(document), walk)
    return walk.found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_documents_storable_check_answers_as_a_fresh_walk_for_any_variables(
    document: str,
) -> None:
    check = StorableCheck.of(parse(document))
    for variables in VARIABLES:  # one check, many requests: the order matters too
        assert check.unstorable_argument(variables) == _walked(document, variables), variables


def test_a_variable_makes_the_same_document_unstorable_and_storable_again() -> None:
    check = StorableCheck.of(parse(DOCUMENTS[0]))
    assert check.unstorable_argument({"i": {"kind": "ARRIVAL"}}) is None
    assert check.unstorable_argument({"i": {"note": BAD}}) == "note"
    assert check.unstorable_argument({"i": {"kind": "ARRIVAL"}}) is None


SDL = """
type Query { children(first: Int = 100, after: String): Page, kids: [Kid] }
type Page { nodes: [Kid] }
type Kid { id: ID, kids: [Kid], page(first: Int = 5): Page }
"""
COSTED = """
query A($n: Int, $m: Int) { children(first: $n) { nodes { page(first: $m) { nodes { id } } } } }
query B($n: Int) { kids { page(first: $n) { nodes { kids { id } } } } }
query C { children { nodes { id } } }
"""
PAGE_VALUES: list[dict[str, Any]] = [
    {},
    {"n": 2},
    {"n": 3, "m": 7},
    {"n": 2, "m": None},
    {"n": "2"},
    {"n": True},
    {"n": -4, "m": 0},
    {"m": 9},
    {"n": 2},
]


def test_a_documents_remembered_cost_is_the_cost_for_every_operation_list_size_and_page() -> None:
    schema = build_schema(SDL)
    document = parse(COSTED)
    costs = DocumentCost(document, size=4)  # small: evictions happen along the way
    for operation in ("A", "B", "C", None, "D"):
        for list_size in (20, 3):
            for variables in PAGE_VALUES:
                expected = operation_cost(
                    schema, document, operation, variables, list_size=list_size
                )
                remembered = costs.cost(schema, operation, variables, list_size=list_size)
                assert remembered == expected, (operation, list_size, variables)
    assert len(costs.costs) <= 4


def test_a_page_variable_changes_the_remembered_cost() -> None:
    schema, costs = build_schema(SDL), DocumentCost(parse(COSTED))
    # 1 + n × (1 + (1 + m)): the page of children, each one's page of m kids
    assert costs.cost(schema, "A", {"n": 2, "m": 1}, list_size=20) == 7
    assert costs.cost(schema, "A", {"n": 50, "m": 1}, list_size=20) == 151
    assert costs.cost(schema, "A", {"n": 50, "m": 3}, list_size=20) == 251
    assert costs.cost(schema, "A", {"n": 2, "m": 1}, list_size=20) == 7
