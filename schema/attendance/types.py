"""GraphQL views of stamps, notices, alerts and staff presence."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.policy import ItemClass
from resolvers.attendance import fields as r
from schema.attendance.enums import (
    AlertKind,
    NoticeKind,
    StampKind,
    StampMethod,
    Symptom,
)
from schema.guard import sensitive, staff_only

if TYPE_CHECKING:
    from schema.records.org import Classroom
    from schema.records.types import Child, Guardian, PickupPerson

C = ItemClass
_Child = Annotated["Child", strawberry.lazy("schema.records.types")]
_Guardian = Annotated["Guardian", strawberry.lazy("schema.records.types")]
_PickupPerson = Annotated["PickupPerson", strawberry.lazy("schema.records.types")]
_Classroom = Annotated["Classroom", strawberry.lazy("schema.records.org")]
_NOTICE = "attendance_notice"


@strawberry.type(
    description="An arrival or pick-up stamp. Stamps are never edited: a "
    "correction is a new stamp that supersedes the old one."
)
class AttendanceStamp:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    kind: StampKind = strawberry.field(description="Arrival or pick-up.")
    at: datetime.datetime = strawberry.field(
        description="When it happened: the server's clock, or the time a correction sets."
    )
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")
    day: datetime.date = strawberry.field(description="The facility's calendar day.")
    method: StampMethod = strawberry.field(description="How the stamp was made.")
    voided: bool = strawberry.field(
        description="A correction that cancels the stamp it corrects (e.g. a mistaken tap)."
    )
    child: _Child | None = strawberry.field(resolver=r.child_of, description="The child.")
    presented_by: _Guardian | None = strawberry.field(
        resolver=r.presenting_guardian,
        description="The guardian who stamped or presented a credential; null when none, or "
        "out of the viewer's reach.",
    )
    presented_by_pickup_person: _PickupPerson | None = sensitive(
        C.PICKUP_PERSON,
        resolver=r.presenting_pickup_person,
        entity="attendance_stamp",
        description="The authorised pick-up person whose PIN was used, if any.",
    )
    reason: str | None = staff_only(
        r.stamp_reason, description="Staff only: why this correction was made."
    )
    corrects: AttendanceStamp | None = staff_only(
        r.stamp_corrects, description="Staff only: the stamp this one corrects."
    )
    corrected_by: AttendanceStamp | None = staff_only(
        r.stamp_corrected_by,
        description="Staff only: the later stamp that corrected this one; null if it stands.",
    )


@strawberry.type(description="The result of a stamp request.")
class StampPayload:
    stamp: AttendanceStamp = strawberry.field(description="The stamp.")
    replayed: bool = strawberry.field(
        description="True when this idempotency key was seen before: the first result is "
        "returned and nothing new was recorded."
    )


@strawberry.type(
    description="An absence, late-arrival or early pick-up notice (欠席・遅刻・早退連絡). "
    "Immutable once sent: a change is a new notice that supersedes this one."
)
class AttendanceNotice:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    kind: NoticeKind = strawberry.field(description="What kind of notice.")
    start_date: datetime.date = strawberry.field(description="First day covered.")
    end_date: datetime.date = strawberry.field(description="Last day covered (inclusive).")
    symptoms: list[Symptom] | None = sensitive(
        C.CHILD_SPECIAL_CARE, "symptoms", entity=_NOTICE, description="Symptoms (sick notices)."
    )
    infectious_disease: str | None = sensitive(
        C.CHILD_SPECIAL_CARE,
        "infectious_disease",
        entity=_NOTICE,
        description="A diagnosed infectious disease, if any.",
    )
    temperature: float | None = sensitive(
        C.CHILD_SPECIAL_CARE, "temperature", entity=_NOTICE, description="Temperature in °C."
    )
    note: str | None = sensitive(
        C.CHILD_SPECIAL_CARE, "note", entity=_NOTICE, description="The guardian's note."
    )
    planned_arrival: datetime.time | None = strawberry.field(
        name="plannedArrivalTime", description="Late notices: when the child will arrive."
    )
    pickup_person: str | None = sensitive(
        C.PICKUP_PERSON,
        "pickup_person",
        entity=_NOTICE,
        description="Early pick-up notices: who will collect the child.",
    )
    pickup_time: datetime.time | None = strawberry.field(
        description="Early pick-up notices: when the child will be collected."
    )
    sent_at: datetime.datetime = strawberry.field(description="When it was sent.")
    child: _Child | None = strawberry.field(resolver=r.child_of, description="The child.")
    supersedes: AttendanceNotice | None = strawberry.field(
        resolver=r.notice_supersedes, description="The notice this one replaces."
    )
    superseded_by: AttendanceNotice | None = strawberry.field(
        resolver=r.notice_superseded_by,
        description="The notice that replaced this one; null while this one is current.",
    )
    acknowledged_at: datetime.datetime | None = strawberry.field(
        description="When staff acknowledged it (確認済); null while unread (確認中)."
    )
    acknowledged_by: str | None = strawberry.field(
        resolver=r.acknowledged_by_name, description="Display name of who acknowledged it."
    )


@strawberry.type(description="An alert raised to a class's staff and the director.")
class AttendanceAlert:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    kind: AlertKind = strawberry.field(description="What happened.")
    at: datetime.datetime = strawberry.field(description="When it was raised.")
    day: datetime.date = strawberry.field(description="The facility's day it belongs to.")
    classroom: _Classroom | None = strawberry.field(
        resolver=r.classroom_of, description="The class concerned."
    )
    child: _Child | None = strawberry.field(
        resolver=r.child_of, description="The child concerned (not for ratio alerts)."
    )
    presented_by: _Guardian | None = strawberry.field(
        resolver=r.presenting_guardian,
        description="PICKUP_REFUSED: the guardian whose pick-up was refused.",
    )
    presented_by_pickup_person: _PickupPerson | None = sensitive(
        C.PICKUP_PERSON,
        resolver=r.presenting_pickup_person,
        entity="attendance_alert",
        description="PICKUP_REFUSED: the pick-up person whose PIN was used.",
    )
    children_present: int | None = strawberry.field(
        resolver=r.alert_count("children_present"), description="RATIO_SHORT: children present."
    )
    staff_present: int | None = strawberry.field(
        resolver=r.alert_count("staff_present"), description="RATIO_SHORT: staff present."
    )
    staff_required: int | None = strawberry.field(
        resolver=r.alert_count("staff_required"), description="RATIO_SHORT: staff required."
    )


@strawberry.type(description="A staff member's time in a classroom (clocked in until out).")
class StaffPresence:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    classroom: _Classroom | None = strawberry.field(
        resolver=r.classroom_of, description="The classroom."
    )
    staff_name: str | None = strawberry.field(
        resolver=r.staff_name, description="The staff member's display name."
    )
    clocked_in_at: datetime.datetime = strawberry.field(description="When they clocked in.")
    clocked_out_at: datetime.datetime | None = strawberry.field(
        description="When they clocked out; null while in the room."
    )


@strawberry.type(description="A family's new QR code for the entrance tablet.")
class FamilyQrToken:
    token: str = strawberry.field(
        description="The secret to print as a QR code. Shown only now: the server keeps a "
        "digest. Issuing a new one revokes the previous code."
    )
    guardian_id: strawberry.ID = strawberry.field(description="The guardian it speaks for.")
    issued_at: datetime.datetime = strawberry.field(description="When it was issued.")
