"""core.config: Settings from the ``INTYG_`` environment, and the public URL rule.

The four names ``INTYG_DATABASE_URL``, ``INTYG_PUBLIC_URL``, ``INTYG_ADMIN_TOKEN`` and
``INTYG_MASTER_KEY_FILE`` are an operator contract; these tests pin them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from core.config import Settings, check_public_url, is_loopback_host

CONTRACT = ("INTYG_DATABASE_URL", "INTYG_PUBLIC_URL", "INTYG_ADMIN_TOKEN", "INTYG_MASTER_KEY_FILE")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*CONTRACT, "INTYG_MASTER_KEY", "INTYG_DEVELOPMENT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the public URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://intyg.example.se", "https://intyg.example.se/base", "HTTPS://intyg.example.se:8443"],
)
@pytest.mark.parametrize("development", [True, False])
def test_https_public_url_is_accepted(url: str, development: bool) -> None:
    assert check_public_url(url, development=development) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://127.1.2.3",
        "http://[::1]:8000",
        "http://LOCALHOST",
        "http://issuer.localhost:8000",
    ],
)
def test_http_loopback_is_accepted_in_development(url: str) -> None:
    assert check_public_url(url, development=True) == url


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"]
)
def test_http_loopback_is_rejected_when_not_in_development(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        check_public_url(url, development=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://intyg.example.se",
        "http://10.0.0.1:8000",
        "http://0.0.0.0:8000",
        "http://localhost.attacker.example",
        "http://127.0.0.1.nip.io",
        "http://localhost@attacker.example",
        "http://[::ffff:192.0.2.1]",
    ],
)
@pytest.mark.parametrize("development", [True, False])
def test_http_non_loopback_is_rejected(url: str, development: bool) -> None:
    with pytest.raises(ValueError):
        check_public_url(url, development=development)


@pytest.mark.parametrize(
    "url", ["https://", "https:///path", "ftp://intyg.example.se", "intyg.example.se", "", "//x"]
)
def test_public_url_without_https_host_is_rejected(url: str) -> None:
    with pytest.raises(ValueError):
        check_public_url(url, development=True)


@pytest.mark.parametrize("host", [None, "", "example.se", "127.0.0.1.example", "::2"])
def test_is_loopback_host_negative(host: str | None) -> None:
    assert not is_loopback_host(host)


def test_settings_checked_applies_the_public_url_rule(clean_env: pytest.MonkeyPatch) -> None:
    Settings(public_url="http://localhost:8000", development=True).checked()
    Settings(public_url="https://intyg.example.se", development=False).checked()
    with pytest.raises(ValueError):
        Settings(public_url="http://localhost:8000", development=False).checked()
    with pytest.raises(ValueError):
        Settings(public_url="http://intyg.example.se", development=True).checked()


def test_settings_strip_trailing_slash_of_public_url(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings(public_url="https://intyg.example.se/").public_url == "https://intyg.example.se"


# --- environment names (the operator contract) ---------------------------------------------------


def test_intyg_environment_names_map_to_settings(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("INTYG_DATABASE_URL", "postgresql+psycopg://intyg@db/intyg")
    clean_env.setenv("INTYG_PUBLIC_URL", "https://intyg.example.se/")
    clean_env.setenv("INTYG_ADMIN_TOKEN", "s3cret-admin-token")
    clean_env.setenv("INTYG_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    clean_env.setenv("INTYG_DEVELOPMENT", "false")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://intyg@db/intyg"
    assert settings.public_url == "https://intyg.example.se"
    assert settings.admin_token is not None
    assert settings.admin_token.get_secret_value() == "s3cret-admin-token"
    assert settings.master_key_file == tmp_path / "master.key"
    assert settings.development is False
    settings.checked()


def test_unprefixed_names_are_not_read(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    clean_env.setenv("PUBLIC_URL", "https://elsewhere.example")
    settings = Settings()
    assert settings.database_url == "sqlite:///intyg.db"
    assert settings.public_url == "http://localhost:8000"


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.admin_token is None
    assert settings.master_key_file == Path(".intyg/master.key")
    assert settings.development is True
    settings.checked()


def test_invalid_environment_value_is_a_validation_error(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("INTYG_STATUS_LIST_BITS", "3")
    with pytest.raises(ValidationError):
        Settings()


# --- secrets stay out of repr --------------------------------------------------------------------


def test_admin_token_is_a_secret_str_not_in_repr(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("INTYG_ADMIN_TOKEN", "s3cret-admin-token")
    clean_env.setenv("INTYG_MASTER_KEY", "bWFzdGVyLWtleS1tYXRlcmlhbA")
    settings = Settings()
    assert isinstance(settings.admin_token, SecretStr)
    assert isinstance(settings.master_key, SecretStr)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "s3cret-admin-token" not in shown
        assert "bWFzdGVyLWtleS1tYXRlcmlhbA" not in shown
