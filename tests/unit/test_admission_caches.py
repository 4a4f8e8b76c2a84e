"""What admission keeps per document gives the answer a fresh walk gives, for every
variables it may meet: the per-document part never stands in for a variable's value."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ArgumentNode, Visitor, parse, visit

from schema.admission import StorableCheck, _unstorable

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
