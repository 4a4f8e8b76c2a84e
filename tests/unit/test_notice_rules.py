"""Notice rules: dates, temperature, kind-specific fields; PINs and pick-up rights."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from domain.attendance import NoticeKind
from domain.errors import InvalidInput
from domain.notices import NoticeDraft, Symptom, validated
from domain.pickup import PickupRight, may_bring, may_collect, validated_pin

TODAY = date(2026, 6, 9)


def draft(**kw: object) -> NoticeDraft:
    base: dict[str, object] = {"kind": NoticeKind.SICK, "start": TODAY, "end": TODAY}
    return NoticeDraft(**(base | kw))  # type: ignore[arg-type]


def field_of(bad: NoticeDraft) -> str | None:
    with pytest.raises(InvalidInput) as error:
        validated(bad, today=TODAY)
    return error.value.field


def test_a_good_sick_notice_is_cleaned() -> None:
    good = validated(
        draft(symptoms=(Symptom.FEVER, Symptom.COUGH, Symptom.FEVER), temperature=38.04, note=" "),
        today=TODAY,
    )
    assert good.symptoms == (Symptom.FEVER, Symptom.COUGH)
    assert good.temperature == 38.0
    assert good.note is None


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (draft(start=TODAY - timedelta(1), end=TODAY), "startDate"),
        (draft(end=TODAY - timedelta(1)), "endDate"),
        (draft(end=TODAY + timedelta(31)), "endDate"),
        (draft(temperature=60.0), "temperature"),
        (draft(temperature=33.9), "temperature"),
        (draft(kind=NoticeKind.LATE), "plannedArrivalTime"),
        (
            draft(kind=NoticeKind.LATE, planned_arrival=time(10), end=TODAY + timedelta(1)),
            "endDate",
        ),
        (draft(kind=NoticeKind.EARLY_PICKUP, pickup_person="祖母"), "pickupTime"),
        (draft(kind=NoticeKind.EARLY_PICKUP, pickup_time=time(15)), "pickupPerson"),
        (draft(note="x" * 2001), "note"),
    ],
)
def test_bad_notices_name_the_field(bad: NoticeDraft, field: str) -> None:
    assert field_of(bad) == field


def test_thirty_one_days_is_the_longest() -> None:
    validated(draft(end=TODAY + timedelta(30)), today=TODAY)


def test_temperature_bounds_are_inclusive() -> None:
    for value in (34.0, 42.0):
        validated(draft(temperature=value), today=TODAY)


def test_pins() -> None:
    assert validated_pin("0123") == "0123"
    for bad in ("123", "123456789", "12a4", "１２３４"):
        with pytest.raises(InvalidInput):
            validated_pin(bad)


@pytest.mark.parametrize(
    ("right", "collect", "bring"),
    [
        (None, False, False),
        (PickupRight(is_guardian=True, may_pick_up=True), True, True),
        (PickupRight(is_guardian=True, may_pick_up=True, restricted=True), False, True),
        (PickupRight(is_guardian=True, may_pick_up=False), False, True),
        (PickupRight(is_pickup_person=True), True, True),
    ],
)
def test_pickup_rights(right: PickupRight | None, collect: bool, bring: bool) -> None:
    assert may_collect(right) is collect
    assert may_bring(right) is bring
