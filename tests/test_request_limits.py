"""Requests that would cost the server a lot are refused, cheaply and with a code.

Each case is one a black-box review sent: many repeated fields, huge comments
and bodies, nested lists under aliases, text PostgreSQL cannot store, JSON that
is no request. Every answer is a 4xx or a coded GraphQL error, never a 500.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from graphql import get_introspection_query, graphql_sync

from hoiku.app import graphql_limits
from hoiku.settings import Settings
from resolvers.services import Services
from schema import admission, fastplan
from schema.build import build_schema
from tests.factories import PASSWORD, World, build_world
from tests.support import GraphQLClient, Result

DEFAULTS = Settings()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(services: Services) -> AsyncIterator[World]:
    yield await build_world(services.sessions)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def director(api: GraphQLClient, world: World) -> str:
    return await api.login(world.logins["director"], PASSWORD)


def _only_error(result: Result) -> dict[str, Any]:
    assert result.data is None
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# Item 3: bounded work before validation


async def test_repeated_fields_are_refused_before_validation(
    api: GraphQLClient, director: str
) -> None:
    query = "{ " + " ".join(["viewer { id }"] * 500) + " }"
    error = _only_error(await api(query, token=director))
    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "limit": DEFAULTS.max_selections}
    assert "1000 fields" in error["message"]  # 500 × (viewer, id)
    assert [e.errors for e in _examined(query)] == [None]  # parsed and counted, never validated


def _examined(query: str) -> list[admission.Examined]:
    return [e for (_, text), e in admission._examined.items.items() if text == query]


async def test_a_long_comment_is_refused_before_parsing(api: GraphQLClient, director: str) -> None:
    query = "#" + "x" * 100_000 + "\n{ viewer { id } }"
    error = _only_error(await api(query, token=director))
    assert error["extensions"] == {
        "code": "DOCUMENT_TOO_LARGE",
        "limit": DEFAULTS.max_document_chars,
    }
    assert _examined(query) == []  # never parsed


@pytest.mark.parametrize(
    "query",
    [
        "query Hostile { " + " ".join(["viewer { id }"] * 500) + " }",
        "#" + "x" * 19_950 + "\nquery Hostile { viewer { id } }",
        "query Hostile { " + " ".join(["a"] * 3_990) + " }",
    ],
    ids=["repeated_fields", "comment", "tokens"],
)
async def test_anonymous_documents_have_a_much_smaller_length_limit(
    api: GraphQLClient, query: str
) -> None:
    """What the review sent without a token, each within the signed-in limits."""
    assert len(query) <= DEFAULTS.max_document_chars
    error = _only_error(await api(query))
    assert error["extensions"] == {
        "code": "DOCUMENT_TOO_LARGE",
        "limit": DEFAULTS.anonymous_max_document_chars,
    }
    assert _examined(query) == []  # refused before a token was lexed


async def test_anonymous_documents_have_smaller_token_and_selection_limits(
    api: GraphQLClient,
) -> None:
    tokens = "{ " + " ".join(["a"] * DEFAULTS.anonymous_max_tokens) + " }"
    error = _only_error(await api(tokens))
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert f"more than {DEFAULTS.anonymous_max_tokens} tokens" in error["message"]
    count = DEFAULTS.anonymous_max_selections // 2 + 1
    aliased = "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(count)) + " }"
    error = _only_error(await api(aliased))
    assert error["extensions"] == {
        "code": "TOO_MANY_SELECTIONS",
        "limit": DEFAULTS.anonymous_max_selections,
    }
    assert f"selects {count * 2} fields" in error["message"]


async def test_an_anonymous_refusal_does_not_stick_to_the_document(
    api: GraphQLClient, director: str
) -> None:
    """The same text, refused anonymously, is examined again under a signed-in limit."""
    count = DEFAULTS.anonymous_max_selections // 2 + 2
    query = "{ " + " ".join(f"b{n}: viewer {{ id }}" for n in range(count)) + " }"
    assert _only_error(await api(query))["extensions"]["code"] == "TOO_MANY_SELECTIONS"
    error = _only_error(await api(query, token=director))  # within 200: validated
    assert error["message"] == f"{count} aliases found. Allowed: 30"
    assert [e.errors is not None for e in _examined(query)] == [True]


@pytest.mark.parametrize(
    ("repeated", "key"),
    [
        ("{{ {} }}".format(" ".join(["viewer { id }"] * 11)), "viewer"),
        (
            "{{ viewer {{ {} }} }} {}".format(
                " ".join(f"...F{n}" for n in range(11)),
                " ".join(f"fragment F{n} on Viewer {{ id }}" for n in range(11)),
            ),
            "id",
        ),
        ("{{ viewer {{ {} }} }}".format(" ".join(["... on Viewer { id }"] * 11)), "id"),
    ],
    ids=["written", "through_fragments", "through_inline_fragments"],
)
async def test_a_response_key_repeated_in_one_selection_set_is_refused_before_validation(
    api: GraphQLClient, director: str, repeated: str, key: str
) -> None:
    """graphql-core's overlapping-fields rule compares every pair of them."""
    for token in (None, director):
        error = _only_error(await api(repeated, token=token))
        assert error["extensions"] == {
            "code": "TOO_MANY_SELECTIONS",
            "limit": DEFAULTS.max_field_repeats,
        }
        assert error["message"] == (
            f"The document selects '{key}' 11 times in one selection set; "
            f"at most {DEFAULTS.max_field_repeats} may be"
        )
    assert [e.errors for e in _examined(repeated)] == [None]  # never validated


async def test_a_response_key_repeated_up_to_the_limit_is_answered(
    api: GraphQLClient, director: str
) -> None:
    query = "{{ {} }}".format(" ".join(["viewer { id }"] * DEFAULTS.max_field_repeats))
    result = await api(query, token=director)
    assert result.errors == []
    assert set(result.data["viewer"]) == {"id"}


async def test_a_streamed_body_over_the_limit_is_refused_with_413(api: GraphQLClient) -> None:
    chunk = b" " * 65_536

    async def body() -> AsyncIterator[bytes]:  # chunked: no Content-Length to trust
        yield b'{"query": "{ viewer { id } }", "pad": "'
        for _ in range(DEFAULTS.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"}'

    response = await api.http.post(
        "/graphql", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": f"The request body is larger than {DEFAULTS.max_body_bytes} bytes",
                "extensions": {"code": "REQUEST_TOO_LARGE", "limit": DEFAULTS.max_body_bytes},
            }
        ],
    }


# Item 6: cost


def _nested(levels: int) -> str:
    selection = "id"
    for name in reversed((["guardians", "children"] * levels)[:levels]):
        selection = f"{name} {{ {selection} }}"
    return selection


def _aliased(count: int) -> str:
    nested = f"children(first: 100) {{ nodes {{ {_nested(8)} }} }}"
    return "{ " + " ".join(f"a{n}: {nested}" for n in range(count)) + " }"


async def test_the_reviewed_query_is_refused_before_execution(
    api: GraphQLClient, director: str
) -> None:
    """30 aliases × 11 selections: refused by counting, before validation or cost."""
    error = _only_error(await api(_aliased(30), token=director))
    assert error["extensions"] == {"code": "TOO_MANY_SELECTIONS", "limit": DEFAULTS.max_selections}


async def test_aliased_nested_lists_are_too_costly_for_staff(
    api: GraphQLClient, director: str
) -> None:
    error = _only_error(await api(_aliased(3), token=director))
    extensions = error["extensions"]
    assert extensions["code"] == "QUERY_TOO_COSTLY"
    assert extensions["limit"] == DEFAULTS.max_query_cost
    assert extensions["cost"] > DEFAULTS.max_query_cost


async def test_first_argument_from_a_variable_sizes_the_page(
    api: GraphQLClient, director: str
) -> None:
    query = "query($n: Int!) { children(first: $n) { nodes { guardians { children { id } } } } }"
    small = await api(query, {"n": 2}, token=director)
    assert small.errors == []
    # 1 + 100 × (1 + 20 × (1 + 20)) = 42,101 units
    error = _only_error(await api(query, {"n": 100}, token=director))
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 42_101,
        "limit": DEFAULTS.max_query_cost,
    }


async def test_the_limit_depends_on_the_role(
    api: GraphQLClient, director: str, world: World
) -> None:
    # 1 + 20 × (1 + 20 × (1 + 20)) = 8,421: within staff's limit, over a guardian's.
    query = "{ viewer { children { guardians { children { id } } } } }"
    assert (await api(query, token=director)).errors == []
    guardian = await api.login(world.logins["guardian"], PASSWORD)
    error = _only_error(await api(query, token=guardian))
    assert error["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 8_421,
        "limit": DEFAULTS.query_cost_limits["guardian"],
    }


async def test_graphiql_introspection_stays_within_the_limits(
    api: GraphQLClient, world: World
) -> None:
    """Signed in or not: in development GraphiQL introspects before anyone signs in."""
    admin = await api.login(world.logins["ward_admin"], PASSWORD)
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    for token in (admin, None):
        result = await api(query, token=token)
        assert result.errors == []
        assert result.data["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (get_introspection_query(descriptions=True, input_value_deprecation=True), {}),
        (
            "query($n: String!) { __type(name: $n) { name fields { name } } __typename }",
            {"n": "Child"},
        ),
    ],
    ids=["graphiql", "type_from_a_variable"],
)
async def test_introspection_answered_off_the_event_loop_is_graphql_cores_answer(
    api: GraphQLClient, query: str, variables: dict[str, Any]
) -> None:
    """Development answers introspection to anyone; admission's thread computes it."""
    result = await api(query, variables)
    expected = graphql_sync(build_schema()._schema, query, variable_values=variables)
    assert (result.data, result.errors) == (expected.data, [])


async def test_a_query_plan_is_compiled_with_validation_off_the_event_loop(
    api: GraphQLClient, director: str
) -> None:
    query = "query Roster { viewer { id role children { id } } }"
    assert (await api(query, token=director)).errors == []
    [examined] = _examined(query)
    compiled = examined.plans["Roster"]
    assert compiled is not None and [plan.key for plan in compiled] == ["viewer"]
    schema = next(schema for (schema, text) in admission._examined.items if text == query)
    assert fastplan.plans._by_schema[schema][(query, "Roster")] is compiled  # not recompiled


# Low items: the client's mistakes are 4xx or BAD_USER_INPUT


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"query": "{ viewer { id } }", "x": "\xff\xfe"}', "Unable to parse"),
        (b'"{ viewer { id } }"', "must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "Unable to parse"),
        (b'{"query": "{ viewer { id } }", "operationName": 7}', "operationName"),
    ],
    ids=["invalid_utf8", "bare_string", "deeply_nested", "operation_name_not_a_string"],
)
async def test_bodies_that_are_no_request_are_400(
    api: GraphQLClient, body: bytes, complaint: str
) -> None:
    response = await api.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert complaint in response.text
    assert "Traceback" not in response.text


LOGIN = "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }"
CHECK_IN = (
    "mutation($c: ID!, $k: String) { checkIn(childId: $c, idempotencyKey: $k) { __typename } }"
)
UPDATE_GUARDIAN = (
    "mutation($input: UpdateGuardianInput!) { updateGuardian(input: $input) { __typename } }"
)


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone_surrogate"])
async def test_unstorable_text_is_bad_user_input_naming_the_field(
    api: GraphQLClient, director: str, world: World, bad: str
) -> None:
    child = str(world.family.child.id)
    guardian = str(world.family.guardian.id)
    cases: list[tuple[str, dict[str, Any], str | None, str]] = [
        (LOGIN, {"l": bad, "p": "x"}, None, "loginId"),
        (CHECK_IN, {"c": child, "k": bad}, director, "idempotencyKey"),
        (UPDATE_GUARDIAN, {"input": {"id": guardian, "familyName": bad}}, director, "familyName"),
        (
            "query($a: String) { children(after: $a) { hasNextPage } }",
            {"a": bad},
            director,
            "after",
        ),
    ]
    for query, variables, token, field in cases:
        error = _only_error(await _post_ascii(api, query, variables, token))
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, query
    literal = '{ children(kanaPrefix: "ア\\u0000") { hasNextPage } }'
    error = _only_error(await api(literal, token=director))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "kanaPrefix"}


async def _post_ascii(
    api: GraphQLClient, query: str, variables: dict[str, Any], token: str | None
) -> Result:
    """JSON with \\u escapes, as a browser sends it: httpx's UTF-8 cannot carry a lone surrogate."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})
    response = await api.http.post("/graphql", content=body.encode(), headers=headers)
    assert response.status_code == 200, response.text
    return Result(response.json().get("data"), response.json().get("errors") or [])


async def test_an_out_of_range_audit_cursor_is_bad_user_input(
    api: GraphQLClient, director: str
) -> None:
    for cursor in ("99999999999999999999", "-1", "１２"):
        result = await api(f'{{ auditLog(before: "{cursor}") {{ nextCursor }} }}', token=director)
        error = _only_error(result)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "before"}, cursor


async def test_a_child_cursor_hiding_a_nul_is_bad_user_input(
    api: GraphQLClient, director: str
) -> None:
    payload = json.dumps(["\x00", "ア", str(uuid.uuid4())]).encode()
    cursor = base64.urlsafe_b64encode(payload).decode()
    result = await api(f'{{ children(after: "{cursor}") {{ hasNextPage }} }}', token=director)
    assert _only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_a_subscription_over_http_is_bad_user_input(
    api: GraphQLClient, director: str, world: World
) -> None:
    query = "subscription($c: ID!) { attendanceChanged(classroomId: $c) { cursor } }"
    result = await api(query, {"c": str(world.room_a.id)}, token=director)
    error = _only_error(result)
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "WebSocket" in error["message"]


@pytest.fixture
def production(services: Services) -> Iterator[None]:
    services.production = True
    try:
        yield
    finally:
        services.production = False


async def test_production_keeps_field_suggestions_from_who_may_not_introspect(
    api: GraphQLClient, director: str, world: World, production: None
) -> None:
    query = "{ viewer { rol } }"
    for token in (director, None):
        error = _only_error(await api(query, token=token))
        assert error["message"] == "Cannot query field 'rol' on type 'Viewer'."
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    admin = await api.login(world.logins["ward_admin"], PASSWORD)
    error = _only_error(await api(query, token=admin))
    assert "Did you mean 'role'?" in error["message"]


async def test_unrefused_requests_validate_once(api: GraphQLClient, director: str) -> None:
    """Admission validates off the loop; the pipeline then reads the same cache entry."""
    query = "{ viewer { id role displayName } }"
    assert (await api(query, token=director)).errors == []
    assert [e.errors for e in _examined(query)] == [[]]


def test_settings_read_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOIKU_MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("HOIKU_ANONYMOUS_MAX_DOCUMENT_CHARS", "2500")
    monkeypatch.setenv("HOIKU_QUERY_COST_LIMITS", '{"guardian": 10}')
    monkeypatch.setenv("HOIKU_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    settings = Settings()
    assert settings.max_body_bytes == 1234
    assert graphql_limits(settings).document_limits(None).chars == 2500
    assert settings.query_cost_limits == {"guardian": 10}
    assert settings.trusted_proxies == ["10.0.0.1", "192.168.0.0/16"]
