"""Absence, late-arrival and early pick-up notices (欠席・遅刻・早退連絡).

A notice is immutable once sent; a change is a new notice that supersedes the
old one. Dates are real dates picked by the guardian, never "today" as text
(nurseries found guardians' relative dates ambiguous), and never in the past.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time

from domain.attendance import NoticeKind
from domain.errors import InvalidInput
from domain.validation import MAX_NOTE, optional_text, require_text

MAX_NOTICE_DAYS = 31
MIN_TEMPERATURE = 34.0
MAX_TEMPERATURE = 42.0
MAX_DISEASE = 100
MAX_PICKUP_PERSON = 100


class Symptom(enum.StrEnum):
    FEVER = "fever"  # 発熱
    COUGH = "cough"  # 咳
    VOMITING = "vomiting"  # 嘔吐
    DIARRHOEA = "diarrhoea"  # 下痢
    RASH = "rash"  # 発疹
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A notice as the guardian fills it in; ``validated`` returns it cleaned."""

    kind: NoticeKind
    start: date
    end: date
    symptoms: tuple[Symptom, ...] = ()
    infectious_disease: str | None = None
    temperature: float | None = None
    note: str | None = None
    planned_arrival: time | None = None
    pickup_person: str | None = None
    pickup_time: time | None = None


def validated(draft: NoticeDraft, *, today: date) -> NoticeDraft:
    """Check a draft against the rules; each failure names the input field."""
    _check_dates(draft, today=today)
    _check_kind_specifics(draft)
    return replace(
        draft,
        symptoms=_unique(draft.symptoms),
        temperature=_temperature(draft.temperature),
        infectious_disease=optional_text(
            draft.infectious_disease, field="infectiousDisease", max_length=MAX_DISEASE
        ),
        note=optional_text(draft.note, field="note", max_length=MAX_NOTE),
        pickup_person=optional_text(
            draft.pickup_person, field="pickupPerson", max_length=MAX_PICKUP_PERSON
        ),
    )


def _check_dates(draft: NoticeDraft, *, today: date) -> None:
    if draft.start < today:
        raise InvalidInput("startDate cannot be in the past", field="startDate")
    if draft.end < draft.start:
        raise InvalidInput("endDate cannot be before startDate", field="endDate")
    if (draft.end - draft.start).days + 1 > MAX_NOTICE_DAYS:
        raise InvalidInput(f"A notice covers at most {MAX_NOTICE_DAYS} days", field="endDate")


def _check_kind_specifics(draft: NoticeDraft) -> None:
    single_day = draft.kind in (NoticeKind.LATE, NoticeKind.EARLY_PICKUP)
    if single_day and draft.end != draft.start:
        raise InvalidInput("A late or early pick-up notice is for one day", field="endDate")
    if draft.kind is NoticeKind.LATE and draft.planned_arrival is None:
        raise InvalidInput(
            "A late notice needs the planned arrival time", field="plannedArrivalTime"
        )
    if draft.kind is NoticeKind.EARLY_PICKUP:
        if draft.pickup_time is None:
            raise InvalidInput("An early pick-up notice needs the pick-up time", field="pickupTime")
        require_text(draft.pickup_person or "", field="pickupPerson", max_length=MAX_PICKUP_PERSON)


def _temperature(value: float | None) -> float | None:
    if value is None:
        return None
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise InvalidInput(
            f"temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE} °C",
            field="temperature",
        )
    return round(value, 1)


def _unique(symptoms: Iterable[Symptom]) -> tuple[Symptom, ...]:
    return tuple(dict.fromkeys(symptoms))
