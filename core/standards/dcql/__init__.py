"""The Digital Credentials Query Language (DCQL) of OpenID for Verifiable Presentations 1.0.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html (1.0 final, tag
``1.0-final`` of github ``openid/OpenID4VP``). Section numbers below are the specification's.

- §6     A DCQL query: ``credentials`` (required, non-empty) and ``credential_sets``
         (optional, non-empty). Unknown properties MUST be ignored, and are, at every level.
- §6.1   Credential Query: ``id`` (``[A-Za-z0-9_-]+``, unique), ``format``, ``multiple``
         (default false), ``meta`` (required object), ``trusted_authorities``,
         ``require_cryptographic_holder_binding`` (default true), ``claims``, ``claim_sets``.
- §6.1.1 Trusted Authorities Query ``{type, values}``: parsed and kept, not evaluated here
         (it is a data-minimisation hint; the verifier checks trust on its own regardless).
- §6.2   Credential Set Query ``{options, required}`` (``required`` defaults to true).
- §6.3   Claims Query ``{id, path, values}``; ``id`` is required when ``claim_sets`` is present.
- §6.4.1 Selecting claims: no ``claims`` = only what is always disclosed; ``claims`` without
         ``claim_sets`` = all of them; with ``claim_sets`` = the first satisfiable set. A claim
         whose value matches none of ``values`` counts as absent.
- §6.4.2 Selecting credentials: every required credential set needs one satisfiable option.
- §7     Claims path pointer; §7.1.1 processing on JSON credentials; §7.2 on mdocs (exactly
         two strings: name space and data element identifier).
- App. B Format-specific ``meta``: B.1 ``type_values`` (W3C VCs, ``jwt_vc_json``), B.2
         ``doctype_value`` (``mso_mdoc``), B.3 ``vct_values`` (``dc+sd-jwt``).

Matching is implemented for ``dc+sd-jwt`` (the format Intyg issues); ``mso_mdoc`` and
``jwt_vc_json`` queries are parsed and validated so that a request asking for them can be read,
but they cannot be matched. Deliberate strictness beyond the text: a verifier MUST NOT point at
the same claim twice (§6.1) and this parser rejects such a query rather than ignoring the
duplicate; an optional member sent as ``null`` is rejected (null is not the type the text
names); ``vct`` is matched exactly (no type-metadata ``extends`` resolution here).

Every failure is a ``DcqlError`` leaf of ``errors`` with a stable ``code``. Details name
locations in the query (``credentials[1].claims[0].path``) and claims paths, never claim values.

One module per concern: ``query`` (the parsed query and its limits), ``parse``, ``pointer``
(§7.1.1), ``match`` (§6.4.1), ``evaluate`` (§6.4.2, for the wallet's candidates and the
verifier's answered ids), ``wire`` (back to JSON). Callers use the
names re-exported here: ``from core.standards import dcql; dcql.parse_query(...)``.
"""

from __future__ import annotations

from core.standards.dcql.errors import (
    DcqlClaimPathInvalid as DcqlClaimPathInvalid,
)
from core.standards.dcql.errors import (
    DcqlClaimsPathNoMatch as DcqlClaimsPathNoMatch,
)
from core.standards.dcql.errors import (
    DcqlDuplicateClaim as DcqlDuplicateClaim,
)
from core.standards.dcql.errors import (
    DcqlDuplicateEntry as DcqlDuplicateEntry,
)
from core.standards.dcql.errors import (
    DcqlDuplicateId as DcqlDuplicateId,
)
from core.standards.dcql.errors import (
    DcqlError as DcqlError,
)
from core.standards.dcql.errors import (
    DcqlMalformed as DcqlMalformed,
)
from core.standards.dcql.errors import (
    DcqlMetaInvalid as DcqlMetaInvalid,
)
from core.standards.dcql.errors import (
    DcqlNotSatisfied as DcqlNotSatisfied,
)
from core.standards.dcql.errors import (
    DcqlTooLarge as DcqlTooLarge,
)
from core.standards.dcql.errors import (
    DcqlUnknownReference as DcqlUnknownReference,
)
from core.standards.dcql.errors import (
    DcqlUnsupportedFormat as DcqlUnsupportedFormat,
)
from core.standards.dcql.evaluate import (
    CandidateCredential as CandidateCredential,
)
from core.standards.dcql.evaluate import (
    CandidateMatch as CandidateMatch,
)
from core.standards.dcql.evaluate import (
    CredentialSetOutcome as CredentialSetOutcome,
)
from core.standards.dcql.evaluate import (
    Evaluation as Evaluation,
)
from core.standards.dcql.evaluate import (
    check_answered as check_answered,
)
from core.standards.dcql.evaluate import (
    evaluate as evaluate,
)
from core.standards.dcql.match import (
    ClaimMatch as ClaimMatch,
)
from core.standards.dcql.match import (
    ClaimSelection as ClaimSelection,
)
from core.standards.dcql.match import (
    CredentialMatch as CredentialMatch,
)
from core.standards.dcql.match import (
    check_satisfied as check_satisfied,
)
from core.standards.dcql.match import (
    match_credential as match_credential,
)
from core.standards.dcql.parse import (
    parse_claims_path as parse_claims_path,
)
from core.standards.dcql.parse import (
    parse_query as parse_query,
)
from core.standards.dcql.parse import (
    parse_query_json as parse_query_json,
)
from core.standards.dcql.pointer import (
    select as select,
)
from core.standards.dcql.query import (
    DEFAULT_LIMITS as DEFAULT_LIMITS,
)
from core.standards.dcql.query import (
    FORMAT_JWT_VC_JSON as FORMAT_JWT_VC_JSON,
)
from core.standards.dcql.query import (
    FORMAT_MSO_MDOC as FORMAT_MSO_MDOC,
)
from core.standards.dcql.query import (
    FORMAT_SD_JWT_VC as FORMAT_SD_JWT_VC,
)
from core.standards.dcql.query import (
    MATCHED_FORMATS as MATCHED_FORMATS,
)
from core.standards.dcql.query import (
    PARSED_FORMATS as PARSED_FORMATS,
)
from core.standards.dcql.query import (
    ClaimPath as ClaimPath,
)
from core.standards.dcql.query import (
    ClaimsPath as ClaimsPath,
)
from core.standards.dcql.query import (
    ClaimsQuery as ClaimsQuery,
)
from core.standards.dcql.query import (
    ClaimValue as ClaimValue,
)
from core.standards.dcql.query import (
    CredentialQuery as CredentialQuery,
)
from core.standards.dcql.query import (
    CredentialSetQuery as CredentialSetQuery,
)
from core.standards.dcql.query import (
    DcqlLimits as DcqlLimits,
)
from core.standards.dcql.query import (
    DcqlQuery as DcqlQuery,
)
from core.standards.dcql.query import (
    MdocMeta as MdocMeta,
)
from core.standards.dcql.query import (
    Meta as Meta,
)
from core.standards.dcql.query import (
    SdJwtVcMeta as SdJwtVcMeta,
)
from core.standards.dcql.query import (
    TrustedAuthority as TrustedAuthority,
)
from core.standards.dcql.query import (
    W3cMeta as W3cMeta,
)
from core.standards.dcql.wire import (
    to_json as to_json,
)
