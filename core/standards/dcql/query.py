"""A parsed DCQL query (OpenID4VP 1.0 §6, App. B) as frozen dataclasses, and the bounds the
parser holds it to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from core.standards.dcql.errors import DcqlUnknownReference

FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
FORMAT_MSO_MDOC: Final = "mso_mdoc"
FORMAT_JWT_VC_JSON: Final = "jwt_vc_json"
PARSED_FORMATS: Final = frozenset({FORMAT_SD_JWT_VC, FORMAT_MSO_MDOC, FORMAT_JWT_VC_JSON})
MATCHED_FORMATS: Final = frozenset({FORMAT_SD_JWT_VC})

ClaimsPath = tuple[str | int | None, ...]
"""A claims path pointer (§7): names, indices, and ``None`` for "every element"."""
ClaimPath = tuple[str | int, ...]
"""A concrete path to one claim; the same shape as ``core.standards.sd_jwt.ClaimPath``."""
ClaimValue = str | int | bool


@dataclass(frozen=True)
class DcqlLimits:
    """Bounds on what the parser accepts; a query is small, so these are generous."""

    max_credential_queries: int = 50
    max_claims: int = 100
    max_path_length: int = 16
    max_claim_sets: int = 50
    max_credential_sets: int = 50
    max_options: int = 50
    max_values: int = 50
    max_trusted_authorities: int = 20
    max_id_length: int = 128
    max_string_length: int = 2048
    max_json_bytes: int = 256 * 1024


DEFAULT_LIMITS: Final = DcqlLimits()


@dataclass(frozen=True)
class SdJwtVcMeta:
    """App. B.3: the credential's ``vct`` must be one of ``vct_values``."""

    vct_values: tuple[str, ...]


@dataclass(frozen=True)
class MdocMeta:
    """App. B.2 (parse only)."""

    doctype_value: str


@dataclass(frozen=True)
class W3cMeta:
    """App. B.1 (parse only): alternatives, each a set of types the credential must carry."""

    type_values: tuple[tuple[str, ...], ...]


Meta = SdJwtVcMeta | MdocMeta | W3cMeta


@dataclass(frozen=True)
class ClaimsQuery:
    """§6.3. ``intent_to_retain`` exists for ``mso_mdoc`` only (App. B.2)."""

    path: ClaimsPath
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None
    intent_to_retain: bool | None = None


@dataclass(frozen=True)
class TrustedAuthority:
    """§6.1.1, e.g. ``aki``, ``etsi_tl``, ``openid_federation``."""

    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CredentialQuery:
    """§6.1."""

    id: str
    format: str
    meta: Meta
    multiple: bool = False
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    trusted_authorities: tuple[TrustedAuthority, ...] | None = None
    require_cryptographic_holder_binding: bool = True


@dataclass(frozen=True)
class CredentialSetQuery:
    """§6.2: ``options`` are alternatives, each a list of credential query ids."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    """§6. Build one with ``parse_query``, the one validating entry point."""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def credential(self, query_id: str) -> CredentialQuery:
        for query in self.credentials:
            if query.id == query_id:
                return query
        raise DcqlUnknownReference(f"no credential query has the id {query_id!r}")
