"""Compact JWE (RFC 7516) with ECDH-ES on P-256 (RFC 7518 §4.6) and AES-GCM content encryption
(§5.3), the one combination HAIP 1.0 §5 asks for encrypted OpenID4VP responses.

The primitives are jwcrypto's. What is checked here, before any key is used, is what the
caller must be able to rely on: a bounded five-part token whose protected header names exactly
``ECDH-ES``, one of the allowed ``enc`` values, the ``kid`` of the recipient's key, an ephemeral
P-256 public key, and no compression (``zip``: a small token must not inflate into a large
one) or critical extension. A key agreement on another curve, a token for another key and a
tampered ciphertext all fail with their own code.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from typing import Final

from jwcrypto import jwe as _jwe
from jwcrypto import jwk as _jwk
from jwcrypto.common import JWException

from core.jose.encoding import MAX_TOKEN_BYTES, b64url_decode, compact_json, json_object
from core.jose.errors import JoseError, MalformedJws

ECDH_ES: Final = "ECDH-ES"
A128GCM: Final = "A128GCM"
A256GCM: Final = "A256GCM"
#: The content encryptions a JWE may use here, strongest first (HAIP 1.0 §5: a wallet that
#: supports both SHOULD use A256GCM).
CONTENT_ENCRYPTIONS: Final = (A256GCM, A128GCM)
_HEADER_MEMBERS: Final = frozenset({"alg", "enc", "kid", "epk", "apu", "apv", "typ", "cty"})
#: The members of a public encryption key that are kept and used; whatever else a verifier
#: sends (``key_ops``, ``x5u``, …) is dropped, so the key checked is the key used.
PUBLIC_KEY_MEMBERS: Final = ("kty", "crv", "x", "y", "use", "alg", "kid")


class JweError(JoseError):
    code = "jwe_invalid"
    title = "The encrypted token is not valid"


class JweMalformed(JweError):
    code = "jwe_malformed"
    title = "The token is not a well-formed compact JWE"


class JweAlgorithmNotAllowed(JweError):
    code = "jwe_alg_not_allowed"
    title = "The token's key agreement or content encryption is not allowed"


class JweKeyMismatch(JweError):
    code = "jwe_key_mismatch"
    title = "The token is not encrypted to this key"


class JweDecryptionFailed(JweError):
    code = "jwe_decryption_failed"
    title = "The token does not decrypt with this key"


def new_encryption_key() -> dict[str, object]:
    """A fresh ECDH-ES P-256 private JWK with a random ``kid`` (``use: enc``)."""
    key = _jwk.JWK.generate(kty="EC", crv="P-256")
    private: dict[str, object] = key.export_private(as_dict=True)
    return {**private, "use": "enc", "alg": ECDH_ES, "kid": secrets.token_urlsafe(12)}


def public_encryption_key(jwk: Mapping[str, object]) -> dict[str, object]:
    """The public members of an encryption key (of ``new_encryption_key()``'s key, for a
    JWKS; of a verifier's key, as the wallet keeps and uses it)."""
    return {name: jwk[name] for name in PUBLIC_KEY_MEMBERS if name in jwk}


def is_encryption_key(jwk: object) -> bool:
    """Can ``encrypt`` use this JWK? (a valid EC P-256 public key for ``ECDH-ES``, not marked
    for another ``use``)"""
    if not (
        isinstance(jwk, dict)
        and jwk.get("kty") == "EC"
        and jwk.get("crv") == "P-256"
        and jwk.get("alg") == ECDH_ES
        and jwk.get("use", "enc") == "enc"
        and isinstance(jwk.get("x"), str)
        and isinstance(jwk.get("y"), str)
        and "d" not in jwk
    ):
        return False
    try:  # the point must be on the curve
        _jwk.JWK(kty="EC", crv="P-256", x=jwk["x"], y=jwk["y"]).get_op_key("encrypt")
    except (JWException, ValueError, TypeError):
        return False
    return True


def encrypt(payload: Mapping[str, object], public_jwk: Mapping[str, object], enc: str) -> str:
    """Encrypt a JSON object to ``public_jwk``; the JWE carries the key's ``kid`` when it has
    one (OpenID4VP 1.0 §8.3)."""
    if enc not in CONTENT_ENCRYPTIONS:
        raise JweAlgorithmNotAllowed(f"enc {enc!r} is not one of {list(CONTENT_ENCRYPTIONS)}")
    if not is_encryption_key(dict(public_jwk)):
        raise JweKeyMismatch("the key is not an EC P-256 key for ECDH-ES")
    header: dict[str, object] = {"alg": ECDH_ES, "enc": enc}
    if isinstance(public_jwk.get("kid"), str):
        header["kid"] = public_jwk["kid"]
    try:
        key = _jwcrypto_key(public_encryption_key(public_jwk))
        token = _jwe.JWE(compact_json(dict(payload)), protected=compact_json(header).decode())
        token.add_recipient(key)
        return str(token.serialize(compact=True))
    except (JWException, ValueError, TypeError) as exc:
        raise JweKeyMismatch(f"the key cannot be used for ECDH-ES: {exc}") from None


def _jwcrypto_key(jwk: Mapping[str, object]) -> _jwk.JWK:
    return _jwk.JWK(**{k: v for k, v in jwk.items() if k != "use"})  # jwcrypto checks no use


def _shown(value: object) -> str:
    """A header value of someone else's token, bounded for an error message."""
    return repr(value)[:64]


def header_of(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> dict[str, object]:
    """The protected header of a compact JWE, parsed strictly (nothing is decrypted)."""
    if not isinstance(token, str) or len(token) > max_bytes:
        raise JweMalformed(f"the token is missing or larger than {max_bytes} bytes")
    parts = token.split(".")
    if len(parts) != 5:
        raise JweMalformed("a compact JWE has five parts")
    try:
        return json_object(b64url_decode(parts[0]), "JWE header")
    except MalformedJws as exc:
        raise JweMalformed(exc.detail) from None


def decrypt(
    token: str,
    private_jwk: Mapping[str, object],
    *,
    encryptions: Collection[str] = CONTENT_ENCRYPTIONS,
    max_bytes: int = MAX_TOKEN_BYTES,
) -> dict[str, object]:
    """Decrypt a compact JWE made for ``private_jwk`` and return its JSON object payload."""
    header = header_of(token, max_bytes=max_bytes)
    if header.get("alg") != ECDH_ES:
        raise JweAlgorithmNotAllowed(f"alg must be {ECDH_ES!r}, not {_shown(header.get('alg'))}")
    if header.get("enc") not in encryptions:
        raise JweAlgorithmNotAllowed(
            f"enc {_shown(header.get('enc'))} is not one of the offered {sorted(encryptions)}"
        )
    unknown = set(header) - _HEADER_MEMBERS
    if unknown:  # zip, crit, jku, x5u, …: nothing a response needs, each a risk
        raise JweAlgorithmNotAllowed(f"the JWE header carries {_shown(sorted(unknown))}")
    if header.get("kid") != private_jwk.get("kid"):
        raise JweKeyMismatch("the JWE's kid is not the one of the key it was meant for")
    epk = header.get("epk")
    if not (isinstance(epk, dict) and epk.get("kty") == "EC" and epk.get("crv") == "P-256"):
        raise JweMalformed("epk must be an ephemeral EC P-256 public key")
    try:
        key = _jwcrypto_key(private_jwk)
        opened = _jwe.JWE(algs=[ECDH_ES, *encryptions])
        opened.deserialize(token, key=key)
        plaintext = opened.payload
    except (JWException, ValueError, TypeError):
        raise JweDecryptionFailed("the token does not decrypt with this request's key") from None
    try:
        return json_object(plaintext, "JWE payload")
    except MalformedJws as exc:
        raise JweMalformed(exc.detail) from None
