from tests.factories import PASSWORD, build_world


async def test_teacher_reads_own_class_roster(api, services):
    world = await build_world(services.sessions)
    token = await api.login(world.logins["teacher"], PASSWORD)
    result = await api(
        """query($id: ID!) { classroom(id: $id) { name children { displayName allergies { allergen }
            guardians { familyName mobilePhone address } } } }""",
        {"id": str(world.room_a.id)},
        token=token,
    )
    assert result.data["classroom"]["name"] == "a"


async def test_login_payload_resolves_the_viewer_as_the_new_session(api, services):
    """A client can sign in and read its own classes in one round trip."""
    world = await build_world(services.sessions)
    result = await api(
        """mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) {
            viewer { role classrooms { name children { displayName } } } } }""",
        {"l": world.logins["teacher"], "p": PASSWORD},
    )
    assert result.errors == []
    viewer = result.data["login"]["viewer"]
    assert viewer["role"] == "TEACHER"
    assert [c["name"] for c in viewer["classrooms"]] == ["a"]
    assert len(viewer["classrooms"][0]["children"]) == 2


async def test_operational_endpoints_answer(api):
    """Load balancers and Prometheus need these; GraphiQL greets a browser in development."""
    http = api.http
    assert (await http.get("/healthz")).text == "ok"
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"database": "ok"}
    metrics = await http.get("/metrics")
    assert "hoiku_http_requests_total" in metrics.text
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
