"""The fast query executor gives exactly graphql-core's answer, on generated queries.

For every role, a seeded corpus of queries (``tests.query_corpus``) runs twice:
through the app as served (fast path on) and through an app whose schema uses
graphql-core's executor for everything. Data must be equal (key order
included), so must the set of errors (message, path, code, locations; graphql-core orders
errors by completion, which clients may not rely on) and the audit rows each
run writes. ``HOIKU_CORPUS_SEED`` and ``HOIKU_CORPUS_SIZE`` override the seed
and the number of queries per role; a failure names the seed that found it.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from graphql import GraphQLSchema, OperationDefinitionNode, TypeInfo, TypeInfoVisitor, parse, visit
from graphql import validate as validate_document
from graphql.language import Visitor
from sqlalchemy import text

from hoiku.app import create_app
from resolvers.services import Services
from schema import fastpath, fastplan
from schema.build import build_schema
from schema.fastplan import plan_for
from tests.attendance_support import CHECK_IN, CHECK_OUT, REPORT, DayClock
from tests.factories import PASSWORD, World, build_world
from tests.query_corpus import Pools, Query, generate, reachable_object_types
from tests.support import GraphQLClient, MutableClock, Result

SEED = int(os.environ.get("HOIKU_CORPUS_SEED", "20260601"))
SIZE = int(os.environ.get("HOIKU_CORPUS_SIZE", "200"))
ROLES = (
    "ward_admin", "director", "nurse", "clerk", "teacher",
    "guardian", "restricted_guardian", "kiosk", "reporter",
)  # fmt: skip
STAFF = {"ward_admin", "director", "nurse", "clerk", "teacher"}
NOWHERE = "00000000-0000-4000-8000-000000000000"

# The smallest queries that once told the executors apart, run for every role
# (``$child`` is a child most roles reach).
REGRESSIONS = [
    # One key selected twice: the fast path kept only the last sub-selection.
    """query($child: ID!) { child(id: $child) { guardians { id } guardians { familyName } } }""",
    # A fragment spread twice: the fast path reported a denied field's error twice.
    """query($child: ID!) { child(id: $child) { ...Care ...Care } }
    fragment Care on Child { healthStatus allergies { allergen } }""",
]

AUDIT_SINCE = text(
    "SELECT seq, account_id, role, action, item, entity, record_id, facility_id"
    " FROM audit_log WHERE seq > :mark ORDER BY seq"
)
CLOCK_IN = """mutation($c: ID!) { clockIn(classroomId: $c) { id } }"""
CORRECT = (
    """mutation($input: CorrectStampInput!) { correctStamp(input: $input) { stamp { id } } }"""
)
ACKNOWLEDGE = """mutation($id: ID!) { acknowledgeNotice(noticeId: $id) { id } }"""


@dataclass
class Setting:
    world: World
    tokens: dict[str, str]
    pools: Pools


async def _attendance_day(api: GraphQLClient, world: World, day: DayClock) -> list[str]:
    """A morning and afternoon of stamps, notices, a correction and a refused pick-up.

    Returns ids that reads never audit (stamps, accounts' logins), for ``auditLog``.
    """
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    a0, a1, b0 = world.families_a[0], world.families_a[1], world.families_b[0]
    day.at(7, 30)
    presence = await api(CLOCK_IN, {"c": str(world.room_a.id)}, token=teacher)
    day.at(7, 50)
    first = await api(CHECK_IN, {"id": str(a0.child.id)}, token=teacher)
    guardian_a1 = await api.login(a1.guardian_login, PASSWORD)
    second = await api(CHECK_IN, {"id": str(a1.child.id)}, token=guardian_a1)
    guardian_b0 = await api.login(b0.guardian_login, PASSWORD)
    sick = await api(
        REPORT,
        {"input": {"childId": str(b0.child.id), "kind": "SICK", "startDate": "2031-06-10",
                   "symptoms": ["FEVER"], "temperature": 38.5, "note": "夜中に発熱"}},
        token=guardian_b0,
    )  # fmt: skip
    early = await api(
        REPORT,
        {"input": {"childId": str(a1.child.id), "kind": "EARLY_PICKUP", "startDate": "2031-06-10",
                   "pickupPerson": "山田 梅", "pickupTime": "15:00:00"}},
        token=guardian_a1,
    )  # fmt: skip
    day.at(8, 10)
    await api(ACKNOWLEDGE, {"id": sick.data["reportAbsence"]["id"]}, token=director)
    stamp = second.data["checkIn"]["stamp"]["id"]
    correction = {"stampId": stamp, "at": "2031-06-10T07:45:00+09:00", "reason": "打刻漏れ"}
    corrected = await api(CORRECT, {"input": correction}, token=director)
    day.at(15)
    restricted = await api.login(a0.co_guardian_login, PASSWORD)
    refused = await api(CHECK_OUT, {"id": str(a0.child.id)}, token=restricted)
    for result in (presence, first, second, sick, early, corrected):
        assert result.errors == [], result.errors
    assert refused.errors  # the refused pick-up raised an alert
    day.at(15, 30)
    return [
        first.data["checkIn"]["stamp"]["id"],
        corrected.data["correctStamp"]["stamp"]["id"],
        presence.data["clockIn"]["id"],
    ]


def _pools(world: World, other: World, unaudited: list[str], cursor: str | None) -> Pools:
    """Mostly ids most roles reach (so queries get past their root fields), then the rest."""
    a0, a1, b0, elsewhere = world.family, world.families_a[1], world.families_b[0], other.family
    ids = {
        "child": [*[a0.child.id] * 4, a1.child.id, a1.child.id, b0.child.id, elsewhere.child.id],
        "classroom": [*[world.room_a.id] * 4, world.room_b.id, other.room_a.id],
        "facility": [*[world.facility.id] * 4, other.facility.id],
        "guardian": [
            *[a0.guardian.id] * 3,
            a0.co_guardian.id,
            b0.guardian.id,
            elsewhere.guardian.id,
        ],
        # Never an id that reads audit: each compared run would see the other's rows.
        "record": unaudited,
    }
    values: dict[str, list[Any]] = {
        kind: [*map(str, found), NOWHERE, "not-a-uuid"] for kind, found in ids.items()
    }
    values |= {
        "date": ["2031-06-10", "2031-06-10", "2031-06-09", "2031-06-11", "2031-02-30", None],
        "month": ["2031-06", "2031-06", "2031-05", "2031-13", "June"],
        "first": [1, 2, 3, 50, 1, 2, 3, 50, 0, 101],
        "cursor": [None, "junk", cursor],
        "kana": [None, "ヤ", "ヤマダ", "ア", ""],
        "boolean": [True, False],
    }
    return Pools(values, always={"record"})


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


@pytest.fixture(scope="module", autouse=True)
def own_plan_cache() -> Iterator[None]:
    """The corpus's plans go with the module: a full cache left behind (documents and
    all) made every ``gc.collect()`` of later tests slower."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastplan, "plans", fastplan.PlanCache())
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def setting(
    api: GraphQLClient, services: Services, clock: MutableClock
) -> AsyncIterator[Setting]:
    saved = clock.now
    world, other = await build_world(services.sessions), await build_world(services.sessions)
    unaudited = await _attendance_day(api, world, DayClock(clock))
    await _attendance_day(api, other, DayClock(clock))
    logins = {role: world.logins.get(role) for role in ROLES}
    logins["restricted_guardian"] = world.family.co_guardian_login
    tokens = {role: await api.login(str(login), PASSWORD) for role, login in logins.items()}
    page = await api("{ children(first: 1) { endCursor } }", token=tokens["director"])
    unaudited += [
        (await api("{ viewer { id } }", token=t)).data["viewer"]["id"] for t in tokens.values()
    ]
    yield Setting(
        world, tokens, _pools(world, other, unaudited, page.data["children"]["endCursor"])
    )
    clock.now = saved


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def reference(services: Services) -> AsyncIterator[GraphQLClient]:
    app = create_app(services=services, fast_path=False)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference.test") as http:
        yield GraphQLClient(http)


@dataclass
class Answer:
    data: str  # JSON, so key order counts
    errors: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]


class AuditTail:
    """The audit rows written since the last look (the tests of a run are sequential)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.mark = 0

    async def since(self) -> list[tuple[Any, ...]]:
        async with self.services.engine.connect() as connection:
            rows = list(await connection.execute(AUDIT_SINCE, {"mark": self.mark}))
        if rows:
            self.mark = rows[-1].seq
        return sorted(tuple(map(str, row[1:])) for row in rows)


def _answer(result: Result, audit: list[tuple[Any, ...]]) -> Answer:
    errors = sorted(
        (
            e["message"],
            json.dumps(e.get("path")),
            e.get("extensions", {}).get("code"),
            json.dumps(e.get("locations")),
        )
        for e in result.errors
    )
    return Answer(json.dumps(result.data, ensure_ascii=False), errors, audit)


def _propagated(result: Result) -> bool:
    """Whether a non-null field failed, nulling its parent (or the whole data).

    graphql-core then stops waiting for the failed field's siblings: which of
    them finish (adding their errors and audited reads) depends on timing.
    """
    for error in result.errors:
        value = result.data
        for step in (error.get("path") or [])[:-1]:
            if value is None:
                return True
            value = value[step]
        if value is None:
            return True
    return False


async def _differences(
    api: GraphQLClient,
    reference: GraphQLClient,
    audit: AuditTail,
    fast_answers: FastAnswers,
    token: str,
    query: Query,
) -> list[str]:
    answered = fast_answers.answered
    fast_result = await api(query.text, query.variables, token=token)
    fast = _answer(fast_result, await audit.since())
    slow_result = await reference(query.text, query.variables, token=token)
    slow = _answer(slow_result, await audit.since())
    parts = ["data"]
    # When both answers are graphql-core's and a non-null field failed, which sibling
    # errors and reads made it in before the failure is graphql-core's own timing.
    if fast_answers.answered > answered or not (
        _propagated(fast_result) and _propagated(slow_result)
    ):
        parts += ["errors", "audit"]
    return [
        f"{part}:\n  fast: {getattr(fast, part)}\n  core: {getattr(slow, part)}"
        for part in parts
        if getattr(fast, part) != getattr(slow, part)
    ]


class FastAnswers:
    """Counts the requests the fast path answered itself (no fallback to graphql-core)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answered = 0
        original = fastpath.execute_fast

        async def counting(*args: Any) -> Any:
            result = await original(*args)
            self.answered += result is not None
            return result

        monkeypatch.setattr(fastpath, "execute_fast", counting)


@pytest.fixture
def fast_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAnswers]:
    yield FastAnswers(monkeypatch)


# graphql-core drops the coroutines of a failed non-null field's siblings unawaited;
# the warning comes when they are collected, which the test forces before it ends.
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("role", ROLES)
async def test_fast_path_matches_graphql_core(
    api: GraphQLClient,
    reference: GraphQLClient,
    services: Services,
    setting: Setting,
    schema: GraphQLSchema,
    fast_answers: FastAnswers,
    role: str,
) -> None:
    audit = AuditTail(services)
    await audit.since()
    failures = []
    corpus = generate(schema, setting.pools, f"{SEED}:{role}", SIZE)
    regressions = [
        Query(text, {"child": str(setting.world.family.child.id)}) for text in REGRESSIONS
    ]
    labelled = [(f"regression {n}", q) for n, q in enumerate(regressions)]
    labelled += [(f"query #{n}", q) for n, q in enumerate(corpus)]
    for label, query in labelled:
        found = await _differences(api, reference, audit, fast_answers, setting.tokens[role], query)
        if found:
            failures.append(
                f"{label}\n{query.text}\nvariables: {query.variables}\n" + "\n".join(found)
            )
    gc.collect()
    assert not failures, (
        f"{len(failures)} of {len(corpus)} queries differ for {role} "
        f"(reproduce: HOIKU_CORPUS_SEED={SEED} HOIKU_CORPUS_SIZE={SIZE} "
        f"pytest tests/test_fastpath.py -k '{role}')\n\n" + "\n\n".join(failures[:3])
    )
    # Not vacuous: the fast path itself answered a good share (roles denied most root
    # fields, by design, get fewer answers that far).
    share = 4 if role in STAFF else 12
    assert fast_answers.answered >= len(corpus) // share, (
        f"the fast path answered only {fast_answers.answered} of {len(corpus)} for {role}"
    )


def _object_types_in(schema: GraphQLSchema, text_: str) -> set[str]:
    info = TypeInfo(schema)
    seen: set[str] = set()

    class Collect(Visitor):
        def enter_field(self, *_: Any) -> None:
            parent = info.get_parent_type()
            if parent is not None:
                seen.add(parent.name)

    visit(parse(text_), TypeInfoVisitor(info, Collect()))
    return seen


def test_the_corpus_covers_the_schema_and_takes_the_fast_path(
    schema: GraphQLSchema, setting: Setting
) -> None:
    corpus = generate(schema, setting.pools, f"{SEED}:director", SIZE)
    covered: set[str] = set()
    planned = valid = 0
    for query in corpus:
        document = parse(query.text)
        valid += validate_document(schema, document) == []  # malformed literals are not
        covered |= _object_types_in(schema, query.text)
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        planned += plan_for(schema, query.text, document, operation) is not None
    assert set(reachable_object_types(schema)) - covered == set()
    assert planned >= len(corpus) * 0.8, f"only {planned} of {len(corpus)} queries have a plan"
    assert valid >= len(corpus) * 0.8, f"only {valid} of {len(corpus)} queries validate"
    assert len(corpus) == SIZE
