"""``children`` page cursors are opaque: they carry nothing the viewer may not read."""

from __future__ import annotations

import base64
import contextlib
import json

from tests.factories import PASSWORD, build_world

PAGE = "query($after: String) { children(first: 1, after: $after) { nodes { id } endCursor } }"


async def test_a_kiosk_reads_no_kana_out_of_a_cursor_and_a_tampered_one_is_refused(api, services):
    """Issue 6 (low): the kiosk could read ``['ヤマダ','ハナコ',id]`` out of a base64 cursor."""
    world = await build_world(services.sessions)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    first = await api(PAGE, token=kiosk)
    assert first.errors == []
    cursor = first.data["children"]["endCursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    readable = raw.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):  # a JSON cursor may escape the kana
        readable += json.dumps(json.loads(raw), ensure_ascii=False)
    assert "ヤマダ" not in readable and "ハナコ" not in readable
    second = await api(PAGE, {"after": cursor}, token=kiosk)
    assert second.errors == []
    assert second.data["children"]["nodes"] != first.data["children"]["nodes"]
    # Another child's id the viewer does not reach, and a garbled cursor: both bad input.
    outside = await build_world(services.sessions)
    foreign = base64.urlsafe_b64encode(outside.family.child.id.bytes).decode().rstrip("=")
    for tampered in (foreign, cursor[:-3] + "!!!"):
        refused = await api(PAGE, {"after": tampered}, token=kiosk)
        assert [e["extensions"] for e in refused.errors] == [
            {"code": "BAD_USER_INPUT", "field": "after"}
        ]
