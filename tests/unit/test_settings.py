"""Production refuses to start on the development secrets."""

from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from hoiku.settings import Settings

REAL_DATA_KEY = "k1:" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
REAL_SECRET = "s" * 40


def test_development_runs_on_defaults() -> None:
    assert Settings(env="development").is_production is False


@pytest.mark.parametrize(
    ("secret", "data_key", "complaint"),
    [
        (None, REAL_DATA_KEY, "HOIKU_SECRET_KEY"),
        ("too-short", REAL_DATA_KEY, "HOIKU_SECRET_KEY"),
        (REAL_SECRET, None, "HOIKU_DATA_KEY"),
    ],
)
def test_production_refuses_default_or_weak_secrets(
    secret: str | None, data_key: str | None, complaint: str
) -> None:
    given = {k: v for k, v in {"secret_key": secret, "data_key": data_key}.items() if v}
    with pytest.raises(ValidationError, match=complaint):
        Settings(env="production", **given)


def test_production_starts_with_its_own_secrets() -> None:
    settings = Settings(env="production", secret_key=REAL_SECRET, data_key=REAL_DATA_KEY)
    assert settings.is_production
