"""Inputs of the attendance mutations; limits are in each field's description."""

from __future__ import annotations

import datetime

import strawberry

from schema.attendance.enums import NoticeKind, StampKind, Symptom

_KEY = (
    "A client-generated key (1–100 characters), unique per account: sending the same key "
    "again with the same arguments returns the first result and records nothing new; "
    "with other arguments it is a CONFLICT. Tablets replaying what they "
    "queued offline send the key they generated then."
)


@strawberry.input(description="A stamp at the entrance tablet: a family QR code or an adult's PIN.")
class KioskStampInput:
    child_id: strawberry.ID = strawberry.field(description="The child being brought or collected.")
    kind: StampKind = strawberry.field(description="Arrival or pick-up.")
    qr_token: str | None = strawberry.field(
        default=None, description="The family's QR code contents; give this or pin."
    )
    pin: str | None = strawberry.field(
        default=None,
        description="The adult's own PIN (4–8 digits); give this or qrToken. Repeated wrong "
        "PINs lock the child's PIN pad for a while (RATE_LIMITED).",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A staff correction of a stamp; the original is kept.")
class CorrectStampInput:
    stamp_id: strawberry.ID = strawberry.field(
        description="The stamp to correct: the latest version (one not corrected yet)."
    )
    at: datetime.datetime | None = strawberry.field(
        default=None,
        description="The right time, on the same day and not in the future; required "
        "unless void. Without an offset it is read as Japan time.",
    )
    void: bool = strawberry.field(
        default=False, description="Cancel the stamp (e.g. a mistaken tap) instead."
    )
    reason: str = strawberry.field(description="Why (required, at most 500 characters).")
    idempotency_key: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(
    description="An absence, late-arrival or early pick-up notice. Dates are real dates "
    "(never in the past, at most 31 days). A change is sent as a new notice with "
    "`supersedes`."
)
class ReportAbsenceInput:
    child_id: strawberry.ID = strawberry.field(description="The guardian's own child.")
    kind: NoticeKind = strawberry.field(description="What kind of notice.")
    start_date: datetime.date = strawberry.field(description="First day covered (today or later).")
    end_date: datetime.date | None = strawberry.field(
        default=None,
        description="Last day covered; defaults to startDate. LATE and EARLY_PICKUP are one day.",
    )
    symptoms: list[Symptom] = strawberry.field(
        default_factory=list, description="Symptoms, any of them (sick notices)."
    )
    infectious_disease: str | None = strawberry.field(
        default=None, description="A diagnosed infectious disease, if any (at most 100 chars)."
    )
    temperature: float | None = strawberry.field(
        default=None, description="Temperature in °C, 34.0–42.0."
    )
    note: str | None = strawberry.field(default=None, description="Note, at most 2,000 chars.")
    planned_arrival_time: datetime.time | None = strawberry.field(
        default=None, description="LATE: when the child will arrive (required)."
    )
    pickup_person: str | None = strawberry.field(
        default=None, description="EARLY_PICKUP: who will collect the child (required)."
    )
    pickup_time: datetime.time | None = strawberry.field(
        default=None, description="EARLY_PICKUP: when (required)."
    )
    supersedes: strawberry.ID | None = strawberry.field(
        default=None, description="The current notice this one replaces."
    )


@strawberry.input(description="Set an adult's kiosk PIN.")
class SetPinInput:
    pin: str = strawberry.field(description="4 to 8 digits.")
    guardian_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose PIN (staff). A guardian leaves it out to set their own.",
    )
    pickup_person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: set an authorised pick-up person's PIN instead."
    )
