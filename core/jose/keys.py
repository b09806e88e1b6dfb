"""JWK (RFC 7517) public and private keys of the allowed algorithms, ES256 (P-256) and EdDSA
(Ed25519, RFC 8037), with RFC 7638 thumbprints as their ``kid``. The only module that calls
the signature primitives (from ``cryptography``).

RSA public keys (RS256, PS256; RFC 7518 §3.3, §3.5) verify what others sign and Intyg only
checks: the ID tokens of eID brokers (OpenID Connect Core 1.0 §3.1.3.7), which commonly sign
RS256. They are never generated, never on the default allow-list, and parse only when the
caller names the RSA algorithm (``PublicKey.from_jwk(jwk, alg=RS256)``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from core.jose.encoding import JsonObject, b64url_decode, b64url_encode, compact_json
from core.jose.errors import (
    AlgorithmNotAllowed,
    BadSignature,
    InvalidKey,
    KeyMismatch,
    MalformedJws,
)

ES256: Final = "ES256"
EDDSA: Final = "EdDSA"
ALLOWED_ALGORITHMS: Final[frozenset[str]] = frozenset({ES256, EDDSA})
RS256: Final = "RS256"
PS256: Final = "PS256"
#: Verified only where a caller lists them (OpenID Connect ID tokens); never signed with.
RSA_ALGORITHMS: Final[frozenset[str]] = frozenset({RS256, PS256})
#: Every algorithm a caller may list; anything else is refused whatever the caller says.
KNOWN_ALGORITHMS: Final[frozenset[str]] = ALLOWED_ALGORITHMS | RSA_ALGORITHMS
#: RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
RSA_MIN_BITS: Final = 2048

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_P256 = ec.SECP256R1()
# RFC 7518 §3.5: PS256 uses MGF1 with SHA-256 and a salt as long as the hash (32 bytes).
_PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

_PublicCrypto = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
_PrivateCrypto = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638 thumbprint (SHA-256) of the required public members."""
    kty = jwk.get("kty")
    members = (
        ("crv", "kty", "x", "y")
        if kty == "EC"
        else ("e", "kty", "n")
        if kty == "RSA"
        else ("crv", "kty", "x")
    )
    try:
        canonical = {name: jwk[name] for name in members}
    except KeyError as exc:
        raise InvalidKey(f"the JWK lacks the member {exc.args[0]!r}") from None
    return b64url_encode(hashlib.sha256(compact_json(canonical)).digest())


@dataclass(frozen=True, repr=False)
class PublicKey:
    """A verified-shape public key with its algorithm and RFC 7638 ``kid``."""

    alg: str
    jwk: Mapping[str, object]
    kid: str
    _key: _PublicCrypto = field(compare=False)

    def __repr__(self) -> str:
        return f"PublicKey(alg={self.alg!r}, kid={self.kid!r})"

    @staticmethod
    def from_jwk(jwk: Mapping[str, object], alg: str | None = None) -> PublicKey:
        """Parse a public JWK (cached: the same key is parsed once)."""
        if not isinstance(jwk, Mapping):
            raise InvalidKey("the key is not a JSON object")
        if "d" in jwk:
            raise InvalidKey("a public key was expected, the JWK holds private material")
        members = tuple(sorted((k, v) for k, v in jwk.items() if k in _PUBLIC_MEMBERS))
        try:
            return _public_from_members(members, alg)
        except TypeError:  # unhashable member values
            raise InvalidKey("the JWK's members are not strings") from None

    def verify(self, signature: bytes, data: bytes) -> None:
        try:
            if isinstance(self._key, ec.EllipticCurvePublicKey):
                if len(signature) != 64:
                    raise BadSignature("an ES256 signature is 64 bytes")
                der = encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                )
                self._key.verify(der, data, _ECDSA_SHA256)
            elif isinstance(self._key, rsa.RSAPublicKey):
                pad = _PSS_SHA256 if self.alg == PS256 else padding.PKCS1v15()
                self._key.verify(signature, data, pad, hashes.SHA256())
            else:
                self._key.verify(signature, data)
        except _CryptoInvalidSignature:
            raise BadSignature() from None


_PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "y", "n", "e", "alg", "use", "kid"})


# Sized for the keys that recur (issuers', verifiers', trust-list operators'): a holder key
# recurs only within one flow, and a larger cache fills with them and holds memory for none.
# A pure function of immutable values, so it stays a function cache rather than runtime state
# (``core.caches``): nothing in it can go stale or differ between runtimes.
@lru_cache(maxsize=256)
def _public_from_members(members: tuple[tuple[str, object], ...], alg: str | None) -> PublicKey:
    jwk = dict(members)
    kty, crv = jwk.get("kty"), jwk.get("crv")
    declared = jwk.get("alg")
    if kty == "RSA":
        return _rsa_public(jwk, alg)
    try:
        if kty == "EC" and crv == "P-256":
            x, y = b64url_decode(_str(jwk, "x")), b64url_decode(_str(jwk, "y"))
            if len(x) != 32 or len(y) != 32:
                raise InvalidKey("a P-256 coordinate is 32 bytes")
            key: _PublicCrypto = ec.EllipticCurvePublicKey.from_encoded_point(
                _P256, b"\x04" + x + y
            )
            natural = ES256
        elif kty == "OKP" and crv == "Ed25519":
            x = b64url_decode(_str(jwk, "x"))
            key = ed25519.Ed25519PublicKey.from_public_bytes(x)
            natural = EDDSA
        else:
            raise InvalidKey("only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are accepted")
    except (ValueError, MalformedJws) as exc:
        if isinstance(exc, InvalidKey):
            raise
        raise InvalidKey("the key's coordinates are not a valid point") from None
    chosen = alg or (declared if isinstance(declared, str) else natural)
    if chosen != natural or (isinstance(declared, str) and declared != natural):
        raise KeyMismatch(f"a {kty} {crv} key cannot be used with {chosen}")
    public = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")}
    kid = jwk_thumbprint(public)
    return PublicKey(alg=natural, jwk={**public, "kid": kid, "alg": natural}, kid=kid, _key=key)


def _rsa_public(jwk: Mapping[str, object], alg: str | None) -> PublicKey:
    """An RSA key for the RSA algorithm the caller names (never chosen by the key itself)."""
    if alg not in RSA_ALGORITHMS:
        raise InvalidKey("an RSA key is accepted only where the caller allows RS256 or PS256")
    declared = jwk.get("alg")
    if declared is not None and declared != alg:
        raise KeyMismatch(f"an RSA key declared for {declared!r} cannot be used with {alg}")
    try:
        n = int.from_bytes(b64url_decode(_str(jwk, "n")), "big")
        e = int.from_bytes(b64url_decode(_str(jwk, "e")), "big")
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, MalformedJws):
        raise InvalidKey("the RSA key's modulus or exponent is not valid") from None
    if key.key_size < RSA_MIN_BITS:
        raise InvalidKey(f"an RSA key must have at least {RSA_MIN_BITS} bits")
    public = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
    kid = jwk_thumbprint(public)
    return PublicKey(alg=alg, jwk={**public, "kid": kid, "alg": alg}, kid=kid, _key=key)


def _str(jwk: Mapping[str, object], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"the JWK member {name!r} must be a string")
    return value


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """A signing key. Its ``repr`` never shows key material."""

    public: PublicKey
    _key: _PrivateCrypto = field(compare=False)

    @property
    def alg(self) -> str:
        return self.public.alg

    @property
    def kid(self) -> str:
        return self.public.kid

    def __repr__(self) -> str:
        return f"PrivateKey(alg={self.alg!r}, kid={self.kid!r})"

    @staticmethod
    def generate(alg: str = ES256) -> PrivateKey:
        if alg == ES256:
            return PrivateKey._wrap(ec.generate_private_key(_P256))
        if alg == EDDSA:
            return PrivateKey._wrap(ed25519.Ed25519PrivateKey.generate())
        raise AlgorithmNotAllowed(f"cannot generate a key for {alg!r}")

    @staticmethod
    def _wrap(key: _PrivateCrypto) -> PrivateKey:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            numbers = key.public_key().public_numbers()
            jwk: JsonObject = {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        else:
            raw = key.public_key().public_bytes_raw()
            jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        return PrivateKey(public=PublicKey.from_jwk(jwk), _key=key)

    @staticmethod
    def from_jwk(jwk: Mapping[str, object]) -> PrivateKey:
        """Load a private JWK (as kept encrypted at rest)."""
        try:
            d = b64url_decode(_str(jwk, "d"))
            if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
                key: _PrivateCrypto = ec.derive_private_key(int.from_bytes(d, "big"), _P256)
            elif jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                key = ed25519.Ed25519PrivateKey.from_private_bytes(d)
            else:
                raise InvalidKey("only EC P-256 and OKP Ed25519 private keys are accepted")
        except (ValueError, MalformedJws) as exc:
            if isinstance(exc, InvalidKey):
                raise
            raise InvalidKey("the private key is not valid") from None
        private = PrivateKey._wrap(key)
        if jwk.get("x") not in (None, private.public.jwk["x"]):
            raise InvalidKey("the private key does not match its public members")
        return private

    def private_jwk(self) -> JsonObject:
        """The private JWK, for encrypted storage only (never log or return it)."""
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            d = self._key.private_numbers().private_value.to_bytes(32, "big")
        else:
            d = self._key.private_bytes_raw()
        return {**self.public.jwk, "d": b64url_encode(d)}

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(self._key.sign(data, _ECDSA_SHA256))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self._key.sign(data)
