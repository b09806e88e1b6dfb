"""The errors of SD-JWT (RFC 9901), one ``SdJwtError`` leaf per failure, each with a stable
``code``. Details name claim paths and digests, never claim values."""

from __future__ import annotations

from core.errors import SdJwtError as SdJwtError  # re-exported


class MalformedSdJwt(SdJwtError):
    code = "sd_jwt_malformed"
    title = "The SD-JWT is not in the compact serialisation of RFC 9901"


class MalformedDisclosure(SdJwtError):
    code = "sd_jwt_malformed_disclosure"
    title = "A disclosure is not a base64url JSON array of salt, name and value"


class ReservedClaimName(SdJwtError):
    code = "sd_jwt_reserved_claim_name"
    title = "A disclosure uses the reserved claim name _sd or ..."


class InvalidDigestStructure(SdJwtError):
    code = "sd_jwt_invalid_digest_structure"
    title = "An _sd array or an array-element digest is not shaped as RFC 9901 requires"


class UnsupportedSdAlg(SdJwtError):
    code = "sd_jwt_unsupported_sd_alg"
    title = "The SD-JWT uses a digest algorithm other than sha-256"


class DuplicateDisclosure(SdJwtError):
    code = "sd_jwt_duplicate_disclosure"
    title = "The same disclosure was sent more than once"


class DuplicateDigest(SdJwtError):
    code = "sd_jwt_duplicate_digest"
    title = "A disclosure digest appears more than once in the SD-JWT"


class UnreferencedDisclosure(SdJwtError):
    code = "sd_jwt_unreferenced_disclosure"
    title = "A disclosure is not referenced by any digest in the SD-JWT"


class DisclosureKindMismatch(SdJwtError):
    code = "sd_jwt_disclosure_kind_mismatch"
    title = "A disclosure is referenced from the wrong kind of place"


class ArrayDisclosureInObject(DisclosureKindMismatch):
    code = "sd_jwt_array_disclosure_in_object"
    title = "An array-element disclosure is referenced from an object's _sd array"


class ObjectDisclosureInArray(DisclosureKindMismatch):
    code = "sd_jwt_object_disclosure_in_array"
    title = "An object-property disclosure is referenced from an array element"


class ClaimNameConflict(SdJwtError):
    code = "sd_jwt_claim_name_exists"
    title = "A disclosed claim name already exists in its object"


class TooDeep(SdJwtError):
    code = "sd_jwt_too_deep"
    title = "The SD-JWT claims are nested too deeply"


class TooManyDisclosures(SdJwtError):
    code = "sd_jwt_too_many_disclosures"
    title = "The SD-JWT carries too many disclosures"


class UnknownClaimPath(SdJwtError):
    code = "sd_jwt_unknown_claim_path"
    title = "A selected claim path does not exist in the credential"


class IssuanceInputInvalid(SdJwtError):
    code = "sd_jwt_issuance_input_invalid"
    status = 422
    title = "The claims do not fit the selective-disclosure declaration"


class HolderKeyMissing(SdJwtError):
    code = "sd_jwt_holder_key_missing"
    title = "The SD-JWT has no usable holder key (cnf.jwk)"


class KeyBindingError(SdJwtError):
    code = "sd_jwt_kb_invalid"
    title = "The key binding JWT is not valid"


class KbJwtMissing(KeyBindingError):
    code = "sd_jwt_kb_missing"
    title = "The presentation has no key binding JWT"


class KbJwtUnexpected(KeyBindingError):
    code = "sd_jwt_kb_unexpected"
    title = "The SD-JWT already ends in a key binding JWT"


class KbJwtAudienceMismatch(KeyBindingError):
    code = "sd_jwt_kb_aud_mismatch"
    title = "The key binding JWT is meant for another audience"


class KbJwtNonceMismatch(KeyBindingError):
    code = "sd_jwt_kb_nonce_mismatch"
    title = "The key binding JWT does not carry the expected nonce"


class KbJwtIatInvalid(KeyBindingError):
    code = "sd_jwt_kb_iat_invalid"
    title = "The key binding JWT has no valid issued-at time"


class KbJwtIatInFuture(KeyBindingError):
    code = "sd_jwt_kb_iat_in_future"
    title = "The key binding JWT was issued in the future"


class KbJwtTooOld(KeyBindingError):
    code = "sd_jwt_kb_too_old"
    title = "The key binding JWT is too old"


class KbJwtSdHashMismatch(KeyBindingError):
    code = "sd_jwt_kb_sd_hash_mismatch"
    title = "The key binding JWT does not cover this presentation (sd_hash)"
