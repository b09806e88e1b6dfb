"""The errors of JOSE (RFC 7515, RFC 7517), one ``JoseError`` leaf per failed check, each with
a stable ``code``."""

from __future__ import annotations

from core.errors import JoseError as JoseError  # re-exported: callers catch jose.JoseError


class MalformedJws(JoseError):
    code = "jose_malformed"
    title = "The token is not a well-formed compact JWS"


class AlgorithmNotAllowed(JoseError):
    code = "jose_alg_not_allowed"
    title = "The token's signature algorithm is not allowed"


class TypeMismatch(JoseError):
    code = "jose_typ_mismatch"
    title = "The token is not of the expected type"


class UnsupportedCritical(JoseError):
    code = "jose_crit_unsupported"
    title = "The token requires an extension that is not understood"


class KeyMismatch(JoseError):
    code = "jose_key_mismatch"
    title = "The key does not fit the token's algorithm"


class InvalidKey(JoseError):
    code = "jose_invalid_key"
    title = "The key is not a valid public key for an allowed algorithm"


class BadSignature(JoseError):
    code = "jose_bad_signature"
    title = "The signature does not verify"
