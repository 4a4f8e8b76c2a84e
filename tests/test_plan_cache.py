"""The fast path's plan cache answers each request with its own plan, whatever memory does.

Plans were once cached under ``id(document)``: when strawberry's parser cache
dropped a document and a new one was born at the same address, the new request
inherited the old plan, and a mutation could be answered with a query's plan
(HTTP 200, nothing written). These tests churn far more distinct documents than
the parser cache holds, through the public API and directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import OperationDefinitionNode, parse

from schema import fastplan
from schema.build import build_schema
from tests.attendance_support import CHECK_IN, CHECK_OUT, DayClock, stamps_of
from tests.factories import PASSWORD, build_world

# Well past the parser and validation caches' 256 documents, so they evict.
CHURN = 700


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    yield DayClock(clock)
    clock.now = saved


async def test_distinct_requests_each_get_their_own_answer_through_the_api(api, services):
    world = await build_world(services.sessions)
    token = await api.login(world.family.guardian_login, PASSWORD)
    wrong: list[tuple[str, object]] = []
    for n in range(CHURN):
        if n % 2:
            alias, query, root = f"w{n}", f"mutation {{ w{n}: __typename }}", "Mutation"
        else:
            alias, query, root = f"q{n}", f"{{ q{n}: __typename }}", "Query"
        result = await api(query, token=token)
        if result.data != {alias: root}:
            wrong.append((alias, result.data))
    assert wrong == []


async def test_stamps_amid_churn_are_each_written(api, services, day):
    """The reported harm: a checkIn answered 200 by a query's plan and never written."""
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.family.guardian_login, PASSWORD)
    written = 0
    for n in range(300):
        await api(f"{{ churn{n}: __typename }}", token=token)
        if n % 30 == 29:
            # A fresh text each time (an unused alias), as distinct clients' documents are;
            # arrival and pick-up alternate, so each one is a legal new stamp.
            mutation, field = (CHECK_IN, "checkIn") if written % 2 == 0 else (CHECK_OUT, "checkOut")
            document = mutation.replace(f"{field}(", f"s{n}: {field}(", 1)
            day.at(8, n // 30)
            result = await api(document, {"id": str(child.id), "key": f"churn-{n}"}, token=token)
            assert result.errors == []
            assert result.data[f"s{n}"]["replayed"] is False
            written += 1
            assert await stamps_of(services, child.id) == written


def test_a_document_born_at_a_freed_address_gets_its_own_plan():
    schema = build_schema()._schema
    seen_addresses: set[int] = set()
    reused = 0
    for n in range(CHURN):
        text = f"{{ q{n}: __typename }}"
        # Without locations a document holds no token chain (no cycles), so dropping
        # it frees it at once and the next one is likely born at the same address.
        document = parse(text, no_location=True)
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        reused += id(document) in seen_addresses
        seen_addresses.add(id(document))
        plan = fastplan.plan_for(schema, text, document, operation)
        assert plan is not None and [field.key for field in plan] == [f"q{n}"]
        del document, operation
    assert reused > 0, "the test did not exercise address reuse"


def test_a_mutation_never_takes_a_plan_even_under_a_cached_text():
    schema = build_schema()._schema
    text = "{ viewer { id } }"
    query = parse(text)
    assert fastplan.plan_for(schema, text, query, query.definitions[0]) is not None  # type: ignore[arg-type]
    mutation = parse("mutation { logout }")
    # Even if a caller passed the wrong text, a mutation is never run as a plan.
    assert fastplan.plan_for(schema, text, mutation, mutation.definitions[0]) is None  # type: ignore[arg-type]


def test_the_cache_is_bounded():
    schema = build_schema()._schema
    cache = fastplan.PlanCache(maxsize=16)
    for n in range(100):
        text = f"{{ q{n}: __typename }}"
        document = parse(text)
        cache.plan(schema, text, document, document.definitions[0])  # type: ignore[arg-type]
    assert len(cache) == 16
