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
    print(result)
    assert result.data["classroom"]["name"] == "a"
