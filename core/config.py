"""Settings from the environment (``INTYG_`` prefix), built in ``create_app``, never at import.

The names ``INTYG_DATABASE_URL``, ``INTYG_PUBLIC_URL``, ``INTYG_ADMIN_TOKEN`` and
``INTYG_MASTER_KEY_FILE`` are an operator contract: never rename them.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_public_url(url: str, *, development: bool) -> str:
    """HTTPS everywhere; plain http only for loopback hosts in a development setting."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and development and is_loopback_host(parts.hostname):
        return url
    raise ValueError(
        f"{url!r} must be an https URL (http is accepted only for loopback in development)"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTYG_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///intyg.db",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="Base URL that every identifier and endpoint is built from.",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token of the service admin (/admin/*)."
    )
    master_key: SecretStr | None = Field(
        default=None, description="Base64url 32-byte master key (overrides the key file)."
    )
    master_key_file: Path = Field(
        default=Path(".intyg/master.key"),
        description="Master key file, created with mode 0600 on first run.",
    )
    roles: frozenset[Literal["issuer", "wallet", "verifier"]] = Field(
        default=frozenset({"issuer", "wallet", "verifier"}),
        description="Which roles this process serves (JSON list); all three by default.",
    )
    development: bool = Field(
        default=True,
        description="Allows plain http on loopback hosts; set false in production.",
    )
    require_dpop: bool = Field(
        default=False, description="Issuer token endpoint requires a DPoP proof."
    )
    offer_ttl_seconds: int = Field(
        default=24 * 3600, ge=60, description="How long a pre-authorized code can be redeemed."
    )
    access_token_ttl_seconds: int = Field(default=300, ge=30)
    c_nonce_ttl_seconds: int = Field(default=300, ge=30)
    credential_ttl_days: int = Field(default=5 * 365, ge=1)
    status_list_size: int = Field(default=131_072, ge=16)
    status_list_bits: int = Field(default=2)
    status_list_ttl_seconds: int = Field(default=300, ge=0)
    proof_max_age_seconds: int = Field(default=300, ge=10)
    clock_skew_seconds: int = Field(default=60, ge=0, le=300)
    wallet_trust_anchors: Path | None = Field(
        default=None,
        description="PEM file of the CA certificates the wallet accepts verifiers under "
        "(x509_san_dns client identifiers).",
    )
    verifier_ca_dir: Path = Field(
        default=Path(".intyg/verifier-ca"),
        description="Development CA that issues verifier certificates (created on first use "
        "in development; production installs the CA it is given).",
    )
    issuer_ca_dir: Path = Field(
        default=Path(".intyg/issuer-ca"),
        description="CA that certifies issuers' signing keys (the x5c of their credentials; "
        "created on first use in development; production installs the CA it is given).",
    )
    wallet_provider_dir: Path = Field(
        default=Path(".intyg/wallet-provider"),
        description="The hosted wallet's wallet-provider key (sealed under the master key, "
        "created on first use), which signs its wallet and key attestations.",
    )
    trust_list_operator_keys: Path = Field(
        default=Path(".intyg/trust-list-operator.jwks"),
        description="JWKS of the public keys whose signatures on trust lists are accepted.",
    )
    verifier_trust_list: str | None = Field(
        default=None,
        description="Default signed trust list for verifiers (a file path or an https URL), "
        "used when a verifier has none of its own.",
    )
    verifier_status_unknown: Literal["reject", "accept"] = Field(
        default="reject",
        description="What a verifier does when a credential's status list cannot be fetched.",
    )
    wallet_recognised_verifiers: str | None = Field(
        default=None,
        description="A signed trust list (file or https URL) of the verifiers the wallet "
        "recognises; requests show whether the verifier is on it.",
    )
    wallet_require_recognised_verifier: bool = Field(
        default=False, description="Refuse requests from verifiers not on that list."
    )
    presentation_request_ttl_seconds: int = Field(default=600, ge=30)
    fetch_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Deadline of one outbound fetch's whole exchange (connect, headers, body).",
    )
    fetch_allowed_hosts: frozenset[str] = Field(
        default=frozenset(),
        description="Hosts that may be fetched even though they resolve to non-public "
        "addresses (loopback hosts are added in development).",
    )

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("status_list_bits")
    @classmethod
    def _bits(cls, value: int) -> int:
        if value not in (1, 2, 4, 8):
            raise ValueError("status_list_bits must be 1, 2, 4 or 8")
        return value

    def checked(self) -> Settings:
        check_public_url(self.public_url, development=self.development)
        return self
