"""Input rules for personal records; each failure names the offending field."""

from __future__ import annotations

import re
from datetime import date

from domain.errors import InvalidInput

_KANA = re.compile(r"^[\u3041-\u3096\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$")
# Japanese landline, mobile and IP phone numbers, hyphens optional; or E.164.
_PHONE = re.compile(r"^(0\d{1,4}-?\d{1,4}-?\d{3,4}|\+[1-9]\d{7,14})$")
MAX_TEXT = 200
MAX_NOTE = 2000
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


def fiscal_year_of(day: date) -> int:
    """The 年度 a day belongs to: it starts on 1 April."""
    return day.year if day.month >= 4 else day.year - 1
