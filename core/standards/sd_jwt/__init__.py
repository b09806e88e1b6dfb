"""Selective Disclosure for JWTs: a direct implementation of IETF RFC 9901 (SD-JWT).

https://www.rfc-editor.org/rfc/rfc9901 (November 2025; the text of
draft-ietf-oauth-selective-disclosure-jwt-22). Section numbers below are the RFC's.

- §4     SD-JWT compact serialisation ``<Issuer-signed JWT>~<D.1>~...~<D.N>~[<KB-JWT>]``.
- §4.1.1 ``_sd_alg``: top level only; absent means ``sha-256``, the only one supported here.
- §4.2.1 Object-property Disclosure ``[salt, name, value]``; the name is never ``_sd``/``...``.
- §4.2.2 Array-element Disclosure ``[salt, value]``.
- §4.2.3 The digest is taken over the US-ASCII bytes of the base64url Disclosure.
- §4.2.4 Digests go in an object's ``_sd`` array, or stand in an array as ``{"...": digest}``.
- §4.2.5 Decoy digests; §4.2.4.1 ``_sd`` is sorted, so its order reveals nothing.
- §4.2.6 Recursive Disclosures: a disclosed value may itself carry ``_sd``/``...`` digests.
- §4.3   Key Binding JWT: header ``typ: kb+jwt``; claims ``iat``, ``aud``, ``nonce``,
         ``sd_hash`` = base64url(sha-256(US-ASCII of ``<JWT>~<D.1>~...~<D.N>~``)) (§4.3.1).
- §7.1   Verifying the SD-JWT: every digest at most once, every Disclosure referenced, the
         kind of Disclosure fits where its digest stands, no claim name overwritten.
- §7.3   Verifying the KB-JWT: signature with the holder key, ``typ``, ``iat`` fresh, ``nonce``
         and ``aud`` as expected, ``sd_hash`` over the presentation.
- §9.5   Salts: 128 bits from a cryptographically secure source (injectable for tests).

The JWS layer is ``core.jose``; its ``JoseError`` subclasses propagate unchanged from the
signature checks (issuer JWT and KB-JWT). Everything else raises a ``SdJwtError`` leaf of
``errors``, each with a stable ``code``. Error details name claim paths and digests, never claim
values.

One module per part of the RFC: ``compact`` (§4 serialisation, processing limits),
``disclosures`` (§4.2), ``spec`` (what an issuer makes disclosable), ``issue``, ``verify``
(§7.1), ``present`` (§5.2), ``key_binding`` (§4.3, §7.3). Callers use the names re-exported
here: ``from core.standards import sd_jwt; sd_jwt.verify_sd_jwt(...)``.
"""

from __future__ import annotations

from core.standards.sd_jwt.compact import (
    DEFAULT_LIMITS as DEFAULT_LIMITS,
)
from core.standards.sd_jwt.compact import (
    SEPARATOR as SEPARATOR,
)
from core.standards.sd_jwt.compact import (
    ProcessingLimits as ProcessingLimits,
)
from core.standards.sd_jwt.compact import (
    SdJwt as SdJwt,
)
from core.standards.sd_jwt.compact import (
    serialize as serialize,
)
from core.standards.sd_jwt.compact import (
    split as split,
)
from core.standards.sd_jwt.disclosures import (
    ARRAY_DIGEST_KEY as ARRAY_DIGEST_KEY,
)
from core.standards.sd_jwt.disclosures import (
    RESERVED_CLAIM_NAMES as RESERVED_CLAIM_NAMES,
)
from core.standards.sd_jwt.disclosures import (
    SALT_BYTES as SALT_BYTES,
)
from core.standards.sd_jwt.disclosures import (
    SD_ALG_KEY as SD_ALG_KEY,
)
from core.standards.sd_jwt.disclosures import (
    SD_ALG_SHA256 as SD_ALG_SHA256,
)
from core.standards.sd_jwt.disclosures import (
    SD_DIGESTS_KEY as SD_DIGESTS_KEY,
)
from core.standards.sd_jwt.disclosures import (
    ClaimPath as ClaimPath,
)
from core.standards.sd_jwt.disclosures import (
    Disclosure as Disclosure,
)
from core.standards.sd_jwt.disclosures import (
    decode_disclosure as decode_disclosure,
)
from core.standards.sd_jwt.errors import (
    ArrayDisclosureInObject as ArrayDisclosureInObject,
)
from core.standards.sd_jwt.errors import (
    ClaimNameConflict as ClaimNameConflict,
)
from core.standards.sd_jwt.errors import (
    DisclosureKindMismatch as DisclosureKindMismatch,
)
from core.standards.sd_jwt.errors import (
    DuplicateDigest as DuplicateDigest,
)
from core.standards.sd_jwt.errors import (
    DuplicateDisclosure as DuplicateDisclosure,
)
from core.standards.sd_jwt.errors import (
    HolderKeyMissing as HolderKeyMissing,
)
from core.standards.sd_jwt.errors import (
    InvalidDigestStructure as InvalidDigestStructure,
)
from core.standards.sd_jwt.errors import (
    IssuanceInputInvalid as IssuanceInputInvalid,
)
from core.standards.sd_jwt.errors import (
    KbJwtAudienceMismatch as KbJwtAudienceMismatch,
)
from core.standards.sd_jwt.errors import (
    KbJwtIatInFuture as KbJwtIatInFuture,
)
from core.standards.sd_jwt.errors import (
    KbJwtIatInvalid as KbJwtIatInvalid,
)
from core.standards.sd_jwt.errors import (
    KbJwtMissing as KbJwtMissing,
)
from core.standards.sd_jwt.errors import (
    KbJwtNonceMismatch as KbJwtNonceMismatch,
)
from core.standards.sd_jwt.errors import (
    KbJwtSdHashMismatch as KbJwtSdHashMismatch,
)
from core.standards.sd_jwt.errors import (
    KbJwtTooOld as KbJwtTooOld,
)
from core.standards.sd_jwt.errors import (
    KbJwtUnexpected as KbJwtUnexpected,
)
from core.standards.sd_jwt.errors import (
    KeyBindingError as KeyBindingError,
)
from core.standards.sd_jwt.errors import (
    MalformedDisclosure as MalformedDisclosure,
)
from core.standards.sd_jwt.errors import (
    MalformedSdJwt as MalformedSdJwt,
)
from core.standards.sd_jwt.errors import (
    ObjectDisclosureInArray as ObjectDisclosureInArray,
)
from core.standards.sd_jwt.errors import (
    ReservedClaimName as ReservedClaimName,
)
from core.standards.sd_jwt.errors import (
    SdJwtError as SdJwtError,
)
from core.standards.sd_jwt.errors import (
    TooDeep as TooDeep,
)
from core.standards.sd_jwt.errors import (
    TooManyDisclosures as TooManyDisclosures,
)
from core.standards.sd_jwt.errors import (
    UnknownClaimPath as UnknownClaimPath,
)
from core.standards.sd_jwt.errors import (
    UnreferencedDisclosure as UnreferencedDisclosure,
)
from core.standards.sd_jwt.errors import (
    UnsupportedSdAlg as UnsupportedSdAlg,
)
from core.standards.sd_jwt.issue import (
    IssuedPayload as IssuedPayload,
)
from core.standards.sd_jwt.issue import (
    SaltSource as SaltSource,
)
from core.standards.sd_jwt.issue import (
    build_payload as build_payload,
)
from core.standards.sd_jwt.issue import (
    issue as issue,
)
from core.standards.sd_jwt.key_binding import (
    SD_HASH_KEY as SD_HASH_KEY,
)
from core.standards.sd_jwt.key_binding import (
    TYP_KB_JWT as TYP_KB_JWT,
)
from core.standards.sd_jwt.key_binding import (
    KbExpectations as KbExpectations,
)
from core.standards.sd_jwt.key_binding import (
    add_key_binding as add_key_binding,
)
from core.standards.sd_jwt.key_binding import (
    compute_sd_hash as compute_sd_hash,
)
from core.standards.sd_jwt.key_binding import (
    make_kb_jwt as make_kb_jwt,
)
from core.standards.sd_jwt.key_binding import (
    verify_kb_jwt as verify_kb_jwt,
)
from core.standards.sd_jwt.present import (
    present as present,
)
from core.standards.sd_jwt.present import (
    select_disclosures as select_disclosures,
)
from core.standards.sd_jwt.spec import (
    ANY_ELEMENT as ANY_ELEMENT,
)
from core.standards.sd_jwt.spec import (
    SdSpec as SdSpec,
)
from core.standards.sd_jwt.spec import (
    SpecPath as SpecPath,
)
from core.standards.sd_jwt.spec import (
    SpecStep as SpecStep,
)
from core.standards.sd_jwt.verify import (
    DisclosedClaim as DisclosedClaim,
)
from core.standards.sd_jwt.verify import (
    ProcessedClaims as ProcessedClaims,
)
from core.standards.sd_jwt.verify import (
    VerifiedSdJwt as VerifiedSdJwt,
)
from core.standards.sd_jwt.verify import (
    check_sd_alg as check_sd_alg,
)
from core.standards.sd_jwt.verify import (
    holder_public_key as holder_public_key,
)
from core.standards.sd_jwt.verify import (
    process_disclosures as process_disclosures,
)
from core.standards.sd_jwt.verify import (
    verify_sd_jwt as verify_sd_jwt,
)
