"""Compact JWS (RFC 7515) and JWK (RFC 7517, RFC 7638 thumbprints) for Intyg.

The only module that calls the signature primitives (from ``cryptography``). Every verify
names its algorithms and its ``typ``; nothing is inferred from the token:

1. parse strictly (three base64url parts, JSON objects, bounded sizes, no duplicate members);
2. ``alg`` must be on the caller's allow-list (ES256, EdDSA at most) before any key is touched
   (RFC 8725 §3.1: ``none`` and HMAC are never on it);
3. ``typ`` must be the expected one (RFC 8725 §3.11, explicit typing);
4. ``crit`` names only understood extensions (RFC 7515 §4.1.11);
5. the key comes from the caller (never from ``jwk``/``jku``/``x5u``/``x5c`` in the header
   unless the caller's resolver deliberately reads it, as the OID4VCI proof does), and must
   match the algorithm;
6. the signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import orjson
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from core import b64url, jsontext
from core.errors import JoseError as JoseError  # re-exported: callers catch jose.JoseError

ES256: Final = "ES256"
EDDSA: Final = "EdDSA"
ALLOWED_ALGORITHMS: Final[frozenset[str]] = frozenset({ES256, EDDSA})

MAX_TOKEN_BYTES: Final = 2 * 1024 * 1024
MAX_HEADER_BYTES: Final = 8 * 1024

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_P256 = ec.SECP256R1()

JsonObject = dict[str, object]


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


# --- base64url and JSON --------------------------------------------------------------------

b64url_encode = b64url.encode


def b64url_decode(text: str | bytes) -> bytes:
    """Strict base64url without padding (RFC 7515 §2, ``core.b64url``); else malformed."""
    try:
        return b64url.decode(text)
    except b64url.B64urlRejected as exc:
        raise MalformedJws(str(exc)) from None


def json_object(data: bytes, what: str) -> JsonObject:
    """Parse a UTF-8 JSON object, rejecting duplicate member names (RFC 7515 §5.2 step 4)."""
    try:
        value = jsontext.loads(data, decoder=jsontext.UNIQUE_MEMBERS, max_bytes=MAX_TOKEN_BYTES)
    except jsontext.JsonRejected as exc:
        raise MalformedJws(f"the {what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise MalformedJws(f"the {what} is not a JSON object")
    return value


def compact_json(value: object) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(separators=(",", ":"), ensure_ascii=False)``
    writes it, but ~20x faster (orjson): it is on every issuance's hot path."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise TypeError(str(exc)) from None


# --- keys ------------------------------------------------------------------------------------

_PublicCrypto = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
_PrivateCrypto = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def jwk_thumbprint(jwk: Mapping[str, object]) -> str:
    """RFC 7638 thumbprint (SHA-256) of the required public members."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("crv", "kty", "x")
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
            else:
                self._key.verify(signature, data)
        except _CryptoInvalidSignature:
            raise BadSignature() from None


_PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "y", "alg", "use", "kid"})


# Sized for the keys that recur (issuers', verifiers', trust-list operators'): a holder key
# recurs only within one flow, and a larger cache fills with them and holds memory for none.
# A pure function of immutable values, so it stays a function cache rather than runtime state
# (``core.caches``): nothing in it can go stale or differ between runtimes.
@lru_cache(maxsize=256)
def _public_from_members(members: tuple[tuple[str, object], ...], alg: str | None) -> PublicKey:
    jwk = dict(members)
    kty, crv = jwk.get("kty"), jwk.get("crv")
    declared = jwk.get("alg")
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


# --- sign and verify -------------------------------------------------------------------------


def sign(
    payload: Mapping[str, object],
    key: PrivateKey,
    *,
    typ: str,
    header: Mapping[str, object] | None = None,
    include_kid: bool = True,
) -> str:
    """Sign ``payload`` as a compact JWS with explicit ``typ``; ``kid`` is the thumbprint."""
    if header:
        protected: JsonObject = {"alg": key.alg, "typ": typ}
        if include_kid:
            protected["kid"] = key.kid
        protected.update(header)
        encoded_header = b64url_encode(compact_json(protected))
    else:
        encoded_header = _plain_header(key.alg, typ, key.kid if include_kid else None)
    signing_input = f"{encoded_header}.{b64url_encode(compact_json(payload))}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


@lru_cache(maxsize=1024)  # a pure function of its arguments, like ``_public_from_members``
def _plain_header(alg: str, typ: str, kid: str | None) -> str:
    protected: JsonObject = {"alg": alg, "typ": typ}
    if kid is not None:
        protected["kid"] = kid
    return b64url_encode(compact_json(protected))


@dataclass(frozen=True)
class Jws:
    """A parsed (not yet verified, unless returned by ``verify``) compact JWS."""

    header: JsonObject
    payload: JsonObject
    signing_input: bytes
    signature: bytes
    token: str


def parse(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> Jws:
    """Split and decode a compact JWS whose payload is a JSON object. No checks of trust."""
    if not isinstance(token, str) or not token.isascii():
        raise MalformedJws("the token must be an ASCII string")
    if len(token) > max_bytes:
        raise MalformedJws(f"the token is larger than {max_bytes} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJws("a compact JWS has exactly three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > MAX_HEADER_BYTES:
        raise MalformedJws("the protected header is too large")
    header = json_object(b64url_decode(header_b64), "protected header")
    payload = json_object(b64url_decode(payload_b64), "payload")
    signature = b64url_decode(signature_b64)
    return Jws(header, payload, f"{header_b64}.{payload_b64}".encode(), signature, token)


#: The key a header names; or, for a header that names none (no ``kid``), the candidates the
#: signature then chooses among (bounded by whoever picks them).
Keys = PublicKey | Sequence[PublicKey]
KeyResolver = Callable[[Mapping[str, object]], Keys]


def verify(
    token: str | Jws,
    key: Keys | KeyResolver,
    *,
    typ: str,
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS,
    understood_crit: frozenset[str] = frozenset(),
) -> Jws:
    """Verify a compact JWS; return it parsed, or raise the ``JoseError`` of the failed check.

    Given several candidate keys, the token verifies if one of them fits its ``alg`` and
    verifies its signature; if none does, it is ``BadSignature``, as with one wrong key."""
    jws = parse(token) if isinstance(token, str) else token
    alg = check_header(jws.header, typ=typ, algorithms=algorithms, understood_crit=understood_crit)
    found = key(jws.header) if callable(key) else key
    if isinstance(found, PublicKey):
        if found.alg != alg:
            raise KeyMismatch(f"the token says {alg} but the key is for {found.alg}")
        found.verify(jws.signature, jws.signing_input)
        return jws
    for candidate in found:
        if candidate.alg != alg:
            continue
        try:
            candidate.verify(jws.signature, jws.signing_input)
        except BadSignature:
            continue
        return jws
    raise BadSignature(f"none of the {len(found)} candidate keys verifies the signature")


def check_header(
    header: Mapping[str, object],
    *,
    typ: str,
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS,
    understood_crit: frozenset[str] = frozenset(),
) -> str:
    """The checks that come before any key is touched; returns the accepted ``alg``."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in ALLOWED_ALGORITHMS:
        raise AlgorithmNotAllowed(f"the algorithm {alg!r} is not allowed here")
    if not same_type(header.get("typ"), typ):
        raise TypeMismatch(f"expected typ {typ!r}, got {header.get('typ')!r}")
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
            raise UnsupportedCritical("crit must be a non-empty list of header names")
        unknown = [c for c in crit if c not in understood_crit or c not in header]
        if unknown:
            raise UnsupportedCritical(f"critical header parameters not understood: {unknown}")
    return alg


def same_type(actual: object, expected: str) -> bool:
    """RFC 7515 §4.1.9: media types compare case-insensitively, ``application/`` optional."""
    if not isinstance(actual, str):
        return False
    a, e = actual.lower(), expected.lower()
    return a.removeprefix("application/") == e.removeprefix("application/")
