"""Encrypted responses (§8.3, §8.3.1 ``direct_post.jwt``; HAIP 1.0 §5): the verifier puts a
fresh encryption key per request in ``client_metadata.jwks`` and offers content encryptions in
``encrypted_response_enc_values_supported``; the wallet picks a key it can use and the
strongest ``enc`` both support, and posts ``response=<JWE>`` whose payload holds the response
parameters as top-level members. The JWE itself is ``core.jose.jwe``'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.jose import jwe
from core.standards.oid4vp.errors import RequestObjectInvalid, ResponseEncryptionUnsupported

#: §5.1: the default when ``encrypted_response_enc_values_supported`` is absent.
DEFAULT_ENCRYPTIONS = (jwe.A128GCM,)
#: HAIP 1.0 §5: verifiers MUST list both.
OFFERED_ENCRYPTIONS = [jwe.A128GCM, jwe.A256GCM]


@dataclass(frozen=True)
class ResponseEncryption:
    """Wallet side: the verifier's public key and the ``enc`` to encrypt the response with."""

    jwk: dict[str, object]
    enc: str


def encryption_metadata(private_jwk: Mapping[str, object]) -> dict[str, object]:
    """Verifier side: the ``client_metadata`` members that ask for an encrypted response."""
    return {
        "jwks": {"keys": [jwe.public_encryption_key(private_jwk)]},
        "encrypted_response_enc_values_supported": list(OFFERED_ENCRYPTIONS),
    }


def choose_response_encryption(metadata: Mapping[str, object]) -> ResponseEncryption:
    """Wallet side: the key and ``enc`` for a ``direct_post.jwt`` request, or why there are none."""
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ResponseEncryptionUnsupported(
            "direct_post.jwt needs the verifier's encryption key in client_metadata.jwks (§8.3)"
        )
    # §5.1: every JWK there has a kid, which the JWE repeats (§8.3)
    usable = [k for k in keys if jwe.is_encryption_key(k) and isinstance(k.get("kid"), str)]
    if not usable:
        raise ResponseEncryptionUnsupported(
            "no key in client_metadata.jwks is a P-256 key for ECDH-ES with a kid; the wallet "
            "encrypts with ECDH-ES on P-256 only"
        )
    offered = metadata.get("encrypted_response_enc_values_supported", list(DEFAULT_ENCRYPTIONS))
    if not isinstance(offered, list) or not offered:
        raise RequestObjectInvalid("encrypted_response_enc_values_supported is a non-empty array")
    enc = next((e for e in jwe.CONTENT_ENCRYPTIONS if e in offered), None)
    if enc is None:
        raise ResponseEncryptionUnsupported(
            f"the verifier offers enc {[str(e)[:32] for e in offered[:8]]}; the wallet "
            f"encrypts with {' or '.join(jwe.CONTENT_ENCRYPTIONS)}"
        )
    return ResponseEncryption(jwe.public_encryption_key(usable[0]), enc)


def encrypted_form(payload: Mapping[str, object], encryption: ResponseEncryption) -> dict[str, str]:
    """Wallet side: the §8.3.1 body, ``response=<JWE>``."""
    return {"response": jwe.encrypt(payload, encryption.jwk, encryption.enc)}
