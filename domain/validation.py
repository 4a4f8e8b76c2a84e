"""Input rules for personal records; each failure names the offending field."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput

_KANA = re.compile(r"^[\u3041-\u3096\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$")
# Japanese landline, mobile and IP phone numbers, hyphens optional; or E.164.
_PHONE = re.compile(r"^(0\d{1,4}-?\d{1,4}-?\d{3,4}|\+[1-9]\d{7,14})$")
MAX_TEXT = 200
MAX_NOTE = 2000
MAX_NAME = 100
MAX_ADDRESS = 300
MAX_RELATIONSHIP = 50
MAX_ALLERGIES = 30
OLDEST_CHILD_YEARS = 7
OLDEST_ADULT_YEARS = 120


def require_text(value: str, *, field: str, max_length: int = MAX_TEXT) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    return text


def optional_text(value: str | None, *, field: str, max_length: int = MAX_NOTE) -> str | None:
    if value is None or not value.strip():
        return None
    return require_text(value, field=field, max_length=max_length)


def require_kana(value: str, *, field: str) -> str:
    text = require_text(value, field=field, max_length=100)
    if not _KANA.match(text):
        raise InvalidInput(f"{field} must be written in kana", field=field)
    return text


def optional_phone(value: str | None, *, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    digits = text.replace("-", "")
    if not _PHONE.match(text) or not 10 <= len(digits.lstrip("+")) <= 15:
        raise InvalidInput(f"{field} is not a phone number", field=field)
    return text


def child_birth_date(value: date, *, today: date, field: str = "dateOfBirth") -> date:
    if value > today:
        raise InvalidInput(f"{field} cannot be in the future", field=field)
    if today.year - value.year > OLDEST_CHILD_YEARS:
        raise InvalidInput(f"{field} is too far in the past for a nursery child", field=field)
    return value


def adult_birth_date(value: date, *, today: date, field: str = "dateOfBirth") -> date:
    if value > today or today.year - value.year < 14:
        raise InvalidInput(f"{field} is not a plausible adult's date of birth", field=field)
    if today.year - value.year > OLDEST_ADULT_YEARS:
        raise InvalidInput(f"{field} is too far in the past", field=field)
    return value


def person_birth_date(value: date, *, today: date, field: str = "dateOfBirth") -> date:
    """Anyone in a household: a newborn sibling as much as a great-grandparent."""
    if value > today:
        raise InvalidInput(f"{field} cannot be in the future", field=field)
    if today.year - value.year > OLDEST_ADULT_YEARS:
        raise InvalidInput(f"{field} is too far in the past", field=field)
    return value


class AllergySeverity(enum.StrEnum):
    """How a food is handled. By the 2019 guideline removal is all or nothing;
    PARTIAL stays for records kept under older instruction sheets."""

    COMPLETE_REMOVAL = "complete_removal"
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class AllergyEntry:
    allergen: str
    severity: AllergySeverity
    note: str | None = None


def allergy_list(
    entries: Sequence[AllergyEntry], *, field: str = "allergies"
) -> list[dict[str, str | None]]:
    """Allergies as stored: one entry per allergen, each with its handling and a note."""
    if len(entries) > MAX_ALLERGIES:
        raise InvalidInput(f"{field} holds at most {MAX_ALLERGIES} entries", field=field)
    stored: list[dict[str, str | None]] = []
    for entry in entries:
        allergen = require_text(entry.allergen, field=field, max_length=MAX_NAME)
        if any(s["allergen"] == allergen for s in stored):
            raise InvalidInput(f"{field} lists {allergen} twice", field=field)
        note = optional_text(entry.note, field=field, max_length=MAX_TEXT)
        stored.append({"allergen": allergen, "severity": entry.severity.value, "note": note})
    return stored


def fiscal_year_of(day: date) -> int:
    """The 年度 a day belongs to: it starts on 1 April."""
    return day.year if day.month >= 4 else day.year - 1


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable_text(text: str) -> bool:
    """False for NUL, which PostgreSQL's text refuses, and for a lone surrogate,
    which has no UTF-8 form: either would fail deep in the driver, not as input."""
    return _UNSTORABLE.search(text) is None
