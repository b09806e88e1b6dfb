"""The issuer's published documents and the URLs they are built from.

- Credential Issuer Metadata (OpenID4VCI 1.0 §12.2), path-inserted well-known URL;
- OAuth 2.0 Authorization Server Metadata (RFC 8414) for the token endpoint — the credential
  issuer is its own authorization server, so ``authorization_servers`` is omitted (§12.2.4);
- JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §4) with the JWKS inline;
- the skill credential's Type Metadata at its ``vct`` URL, and its JSON Schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core import jose
from core.standards.authorization_code import (
    AUTHORIZATION_CODE_GRANT,
    PKCE_S256,
    REFRESH_TOKEN_GRANT,
    RESPONSE_TYPE_CODE,
)
from core.standards.client_attestation import AUTH_METHOD as ATTEST_JWT_CLIENT_AUTH
from core.standards.oid4vci import FORMAT_SD_JWT_VC, PRE_AUTHORIZED_GRANT
from schemas.type_metadata import CLAIM_TEXTS, LOCALES

CONFIGURATION_ID = "skill_credential_sd_jwt"
BATCH_SIZE = 10
# OpenID4VCI 1.0 §12.2.4 ``scope`` of each configuration (HAIP 1.0 §4: one for every one).
SCOPES = {CONFIGURATION_ID: CONFIGURATION_ID}
SKILL_TYPE_PATH = "/types/skill-credential"


def skill_vct(public_url: str) -> str:
    return f"{public_url}{SKILL_TYPE_PATH}"


def skill_schema_uri(public_url: str) -> str:
    return f"{public_url}{SKILL_TYPE_PATH}/schema.json"


@dataclass(frozen=True)
class IssuerUrls:
    public_url: str
    slug: str

    @property
    def issuer(self) -> str:
        return f"{self.public_url}/issuers/{self.slug}"

    @property
    def token(self) -> str:
        return f"{self.issuer}/token"

    @property
    def nonce(self) -> str:
        return f"{self.issuer}/nonce"

    @property
    def credential(self) -> str:
        return f"{self.issuer}/credential"

    @property
    def par(self) -> str:
        return f"{self.issuer}/par"

    @property
    def authorize(self) -> str:
        return f"{self.issuer}/authorize"

    @property
    def deferred_credential(self) -> str:
        return f"{self.issuer}/deferred_credential"

    @property
    def notification(self) -> str:
        return f"{self.issuer}/notification"

    @property
    def eid_callback(self) -> str:
        """Where the eID broker sends the learner back (the redirect URI registered there)."""
        return f"{self.issuer}/eid/callback"

    @property
    def eid_jwks(self) -> str:
        """The public key of the issuer's ``private_key_jwt`` client authentication."""
        return f"{self.issuer}/eid/jwks.json"

    def offer(self, offer_id: str) -> str:
        return f"{self.issuer}/offers/{offer_id}"

    def status_list(self, list_id: str) -> str:
        return f"{self.issuer}/status-lists/{list_id}"


def credential_issuer_metadata(
    urls: IssuerUrls, display_name: str, key_attestations: Mapping[str, object] | None = None
) -> dict[str, object]:
    """``key_attestations``: §12.2.4 ``key_attestations_required`` of the jwt proof type
    (OpenID4VCI 1.0 Appendix D.2 values), when the issuer requires key attestations."""
    configuration = _skill_configuration(urls.public_url)
    if key_attestations is not None:
        proof_types = configuration["proof_types_supported"]
        assert isinstance(proof_types, dict)
        proof_types["jwt"]["key_attestations_required"] = dict(key_attestations)
    return {
        "credential_issuer": urls.issuer,
        "credential_endpoint": urls.credential,
        "nonce_endpoint": urls.nonce,
        "deferred_credential_endpoint": urls.deferred_credential,
        "notification_endpoint": urls.notification,
        "batch_credential_issuance": {"batch_size": BATCH_SIZE},
        "display": [{"name": display_name, "locale": locale} for locale in LOCALES],
        "credential_configurations_supported": {CONFIGURATION_ID: configuration},
    }


def _skill_configuration(public_url: str) -> dict[str, object]:
    return {
        "format": FORMAT_SD_JWT_VC,
        "vct": skill_vct(public_url),
        "scope": next(scope for scope, c in SCOPES.items() if c == CONFIGURATION_ID),
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": [jose.ES256],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": sorted(jose.ALLOWED_ALGORITHMS)}
        },
        "credential_metadata": {
            "display": [
                {
                    "name": "Kompetensintyg",
                    "locale": "sv-SE",
                    "background_color": "#1f4e79",
                    "text_color": "#ffffff",
                },
                {
                    "name": "Skill credential",
                    "locale": "en-US",
                    "background_color": "#1f4e79",
                    "text_color": "#ffffff",
                },
            ],
            "claims": [
                {
                    "path": list(path),
                    "display": [
                        {"name": text.sv, "locale": "sv-SE"},
                        {"name": text.en, "locale": "en-US"},
                    ],
                }
                for path, text in CLAIM_TEXTS.items()
            ],
        },
    }


def authorization_server_metadata(
    urls: IssuerUrls, require_dpop: bool, require_attestation: bool = False
) -> dict[str, object]:
    document: dict[str, object] = {
        "issuer": urls.issuer,
        "token_endpoint": urls.token,
        # RFC 9126 §5 / HAIP 1.0 §4: the authorization code flow, pushed requests only
        "authorization_endpoint": urls.authorize,
        "pushed_authorization_request_endpoint": urls.par,
        "require_pushed_authorization_requests": True,
        "code_challenge_methods_supported": [PKCE_S256],
        "authorization_response_iss_parameter_supported": True,  # RFC 9207 §3
        "scopes_supported": sorted(SCOPES),
        "grant_types_supported": [
            AUTHORIZATION_CODE_GRANT,
            REFRESH_TOKEN_GRANT,
            PRE_AUTHORIZED_GRANT,
        ],
        "response_types_supported": [RESPONSE_TYPE_CODE],
        # draft-ietf-oauth-attestation-based-client-auth §13.4: when wallet attestation is
        # required it is the only method (public clients are then refused).
        "token_endpoint_auth_methods_supported": [
            ATTEST_JWT_CLIENT_AUTH if require_attestation else "none"
        ],
        "pre-authorized_grant_anonymous_access_supported": True,
        "dpop_signing_alg_values_supported": sorted(jose.ALLOWED_ALGORITHMS),
    }
    if require_dpop:
        document["dpop_bound_access_tokens_required"] = True
    return document
