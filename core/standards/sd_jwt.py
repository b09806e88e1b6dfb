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
signature checks (issuer JWT and KB-JWT). Everything else raises a ``SdJwtError`` leaf below,
each with a stable ``code``. Error details name claim paths and digests, never claim values.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from core import b64url, jose, jsontext
from core.errors import SdJwtError as SdJwtError  # re-exported

SD_DIGESTS_KEY: Final = "_sd"
ARRAY_DIGEST_KEY: Final = "..."
SD_ALG_KEY: Final = "_sd_alg"
SD_HASH_KEY: Final = "sd_hash"
SD_ALG_SHA256: Final = "sha-256"
TYP_KB_JWT: Final = "kb+jwt"
SEPARATOR: Final = "~"
SALT_BYTES: Final = 16  # §9.5: 128 bits of entropy
RESERVED_CLAIM_NAMES: Final = frozenset({SD_DIGESTS_KEY, ARRAY_DIGEST_KEY})

ClaimPath = tuple[str | int, ...]
SaltSource = Callable[[int], bytes]


# --- errors ----------------------------------------------------------------------------------


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


# --- encoding helpers ------------------------------------------------------------------------

_STD_TO_URL = bytes.maketrans(b"+/", b"-_")


def _encode_json(value: object) -> bytes:
    """Compact UTF-8 JSON (what ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``
    writes), from ``core.jose`` (orjson: the issuance hot path makes one per Disclosure)."""
    return jose.compact_json(value)


_sha256 = hashlib.sha256
_b2a = binascii.b2a_base64


def _b64(data: bytes) -> bytes:
    """base64url without padding, as ASCII bytes (the hot path stays in bytes)."""
    return _b2a(data, newline=False).translate(_STD_TO_URL).rstrip(b"=")


def _digest(encoded: bytes) -> str:
    """§4.2.3: base64url(sha-256(US-ASCII bytes of the base64url Disclosure))."""
    return _b64(_sha256(encoded).digest()).decode("ascii")


def compute_sd_hash(sd_jwt: str) -> str:
    """§4.3.1: the ``sd_hash`` of ``<Issuer-signed JWT>~<D.1>~...~<D.N>~``."""
    return _digest(sd_jwt.encode("ascii"))


# --- declaring what is selectively disclosable -------------------------------------------------


class _AnyElement:
    """Path step meaning "each element of this array, on its own"."""

    _instance: _AnyElement | None = None

    def __new__(cls) -> _AnyElement:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY_ELEMENT"


ANY_ELEMENT: Final = _AnyElement()
SpecStep = str | int | _AnyElement
SpecPath = tuple[SpecStep, ...]


class _Node:
    """One level of a compiled ``SdSpec``: which children are SD, and what lies below them."""

    __slots__ = ("sd", "keys", "indices", "any_element", "has_sd_keys", "container")

    def __init__(self) -> None:
        self.sd = False  # this part is SD
        self.keys: dict[str, _Node] = {}
        self.indices: dict[int, _Node] = {}
        self.any_element: _Node | None = None
        self.has_sd_keys = False  # some property of this object is SD: it gets an _sd array
        self.container = False  # some path continues below this part

    def child(self, step: SpecStep) -> _Node:
        self.container = True
        if isinstance(step, _AnyElement):
            if self.any_element is None:
                self.any_element = _Node()
            return self.any_element
        if isinstance(step, str):
            return self.keys.setdefault(step, _Node())
        return self.indices.setdefault(step, _Node())

    def element(self, index: int) -> _Node | None:
        """The node for array element ``index``: its own entry merged with ``ANY_ELEMENT``'s."""
        own = self.indices.get(index)
        if own is None or self.any_element is None:
            return own or self.any_element
        return _merge(own, self.any_element)


def _merge(a: _Node | None, b: _Node | None) -> _Node | None:
    """The union of two spec subtrees (an index path and an ``ANY_ELEMENT`` path overlap)."""
    if a is None or b is None:
        return a or b
    merged = _Node()
    merged.sd, merged.has_sd_keys = a.sd or b.sd, a.has_sd_keys or b.has_sd_keys
    merged.container = a.container or b.container
    for name in a.keys.keys() | b.keys.keys():
        merged.keys[name] = _merge(a.keys.get(name), b.keys.get(name))  # type: ignore[assignment]
    for index in a.indices.keys() | b.indices.keys():
        merged.indices[index] = _merge(a.indices.get(index), b.indices.get(index))  # type: ignore[assignment]
    merged.any_element = _merge(a.any_element, b.any_element)
    return merged


def _compile(paths: Iterable[SpecPath]) -> _Node:
    root = _Node()
    for path in paths:
        parent = root
        for step in path[:-1]:
            parent = parent.child(step)
        parent.child(path[-1]).sd = True
        if isinstance(path[-1], str):
            parent.has_sd_keys = True
    return root


def _check_spec_path(path: SpecPath) -> None:
    if not isinstance(path, tuple) or not path:
        raise ValueError("an SD path is a non-empty tuple of names, indices or ANY_ELEMENT")
    for step in path:
        if isinstance(step, str):
            if step in RESERVED_CLAIM_NAMES or step == SD_ALG_KEY:
                raise ValueError(f"{step!r} is reserved by RFC 9901 and cannot be a claim name")
        elif (
            isinstance(step, bool)
            or not isinstance(step, int | _AnyElement)
            or (isinstance(step, int) and step < 0)
        ):
            raise ValueError(f"invalid SD path step {step!r}")


@dataclass(frozen=True)
class SdSpec:
    """Which parts of the claims are selectively disclosable (SD).

    Each path names one SD part: ``("given_name",)`` a top-level property,
    ``("address", "street")`` a nested property, ``("skills", ANY_ELEMENT)`` each element of
    an array on its own, ``("skills", 2)`` one element. Declaring both ``("address",)`` and
    ``("address", "street")`` makes a recursive disclosure (§4.2.6). Paths whose claims are
    absent are skipped (optional claims). ``decoys`` decoy digests (§4.2.5) are added to every
    ``_sd`` array that the declaration gives SD properties.
    """

    paths: frozenset[SpecPath]
    decoys: int = 0
    _tree: _Node = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        paths = frozenset(self.paths)
        for path in paths:
            _check_spec_path(path)
        if not isinstance(self.decoys, int) or self.decoys < 0:
            raise ValueError("decoys must be a non-negative integer")
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "_tree", _compile(paths))

    @classmethod
    def of(cls, *paths: SpecPath, decoys: int = 0) -> SdSpec:
        return cls(frozenset(paths), decoys)


@dataclass(frozen=True)
class ProcessingLimits:
    """Bounds on what a verifier will process (RFC 9901 §10: resource exhaustion)."""

    max_depth: int = 32
    max_disclosures: int = 512


DEFAULT_LIMITS: Final = ProcessingLimits()


# --- issuance (§4, §5.1) ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedPayload:
    """The Issuer-signed JWT payload (to be signed) and the encoded Disclosures, in order."""

    payload: dict[str, object]
    disclosures: tuple[str, ...]


class _Issuing:
    """Per-issuance state: the salt source and the disclosures made so far."""

    __slots__ = ("salt_source", "decoys", "disclosures", "max_depth")

    def __init__(self, salt_source: SaltSource, decoys: int, max_depth: int) -> None:
        self.salt_source = salt_source
        self.decoys = decoys
        self.disclosures: list[str] = []
        self.max_depth = max_depth

    def disclose(self, content: list[object]) -> str:
        """§4.2.1/§4.2.2: ``content`` is ``[salt, name, value]`` or ``[salt, value]`` with a
        ``None`` salt that is filled in here; returns the Disclosure's digest (§4.2.3)."""
        # _b64 inlined: this runs once per SD claim on the issuance hot path.
        salt = _b2a(self.salt_source(SALT_BYTES), newline=False).translate(_STD_TO_URL)
        content[0] = salt.rstrip(b"=").decode("ascii")
        try:
            text = _encode_json(content)
        except (TypeError, ValueError, RecursionError) as exc:
            raise IssuanceInputInvalid("a claim value is not representable as JSON") from exc
        encoded = _b2a(text, newline=False).translate(_STD_TO_URL).rstrip(b"=")
        self.disclosures.append(encoded.decode("ascii"))
        return _b2a(_sha256(encoded).digest(), newline=False).translate(_STD_TO_URL)[:43].decode()

    def decoy(self) -> str:
        """§4.2.5: the digest of a random value, indistinguishable from a real digest."""
        return _digest(_b64(self.salt_source(SALT_BYTES)))


def build_payload(
    claims: Mapping[str, object],
    spec: SdSpec,
    *,
    salt_source: SaltSource = secrets.token_bytes,
    limits: ProcessingLimits = DEFAULT_LIMITS,
) -> IssuedPayload:
    """Turn plain ``claims`` into an SD-JWT payload plus Disclosures, per ``spec``.

    Parts of ``claims`` outside the SD paths are shared, not copied, into the payload.
    """
    if SD_ALG_KEY in claims:
        raise IssuanceInputInvalid(f"the claim name {SD_ALG_KEY!r} is reserved")
    state = _Issuing(salt_source, spec.decoys, limits.max_depth)
    payload = _issue_object(claims, spec._tree, state, 0)
    payload[SD_ALG_KEY] = SD_ALG_SHA256
    return IssuedPayload(payload, tuple(state.disclosures))


def _issue_value(value: object, node: _Node | None, state: _Issuing, depth: int) -> object:
    if depth > state.max_depth:
        raise IssuanceInputInvalid(f"the claims are nested deeper than {state.max_depth}")
    if node is None or not node.container:
        if type(value) is dict or type(value) is list:
            _check_plain(value, depth, state.max_depth)
        return value
    if isinstance(value, dict):
        return _issue_object(value, node, state, depth)
    if isinstance(value, list):
        return _issue_array(value, node, state, depth)
    raise IssuanceInputInvalid("an SD path continues below a value that is not an object/array")


def _issue_object(
    obj: Mapping[str, object], node: _Node, state: _Issuing, depth: int
) -> dict[str, object]:
    if node.indices or node.any_element:
        raise IssuanceInputInvalid("an SD path uses an array step on an object")
    out: dict[str, object] = {}
    digests: list[str] = []
    keys = node.keys
    for name, value in obj.items():
        if name in RESERVED_CLAIM_NAMES:
            raise IssuanceInputInvalid(f"the claim name {name!r} is reserved")
        child = keys.get(name)
        issued = _issue_value(value, child, state, depth + 1)
        if child is not None and child.sd:
            digests.append(state.disclose([None, name, issued]))
        else:
            out[name] = issued
    if node.has_sd_keys:
        digests.extend(state.decoy() for _ in range(state.decoys))
    if digests:
        digests.sort()  # §4.2.4.1: order must not reveal the original claim order
        out[SD_DIGESTS_KEY] = digests
    return out


def _issue_array(values: list[object], node: _Node, state: _Issuing, depth: int) -> list[object]:
    if node.keys:
        raise IssuanceInputInvalid("an SD path uses a claim name on an array")
    out: list[object] = []
    for index, value in enumerate(values):
        child = node.element(index)
        issued = _issue_value(value, child, state, depth + 1)
        if child is not None and child.sd:
            out.append({ARRAY_DIGEST_KEY: state.disclose([None, issued])})
        else:
            out.append(issued)
    return out


def _check_plain(value: dict[str, object] | list[object], depth: int, max_depth: int) -> None:
    """Plain (non-SD) claims must not smuggle in ``_sd``/``...`` that a verifier would read,
    nor nest deeper than a verifier accepts. Claims are JSON-shaped: dicts and lists."""
    if depth > max_depth:
        raise IssuanceInputInvalid(f"the claims are nested deeper than {max_depth}")
    if type(value) is dict:
        if SD_DIGESTS_KEY in value or ARRAY_DIGEST_KEY in value:
            raise IssuanceInputInvalid("plain claims must not use the names '_sd' or '...'")
        items: Iterable[object] = value.values()
    else:
        items = value
    for item in items:
        if type(item) is dict or type(item) is list:
            _check_plain(item, depth + 1, max_depth)


def serialize(issuer_jwt: str, disclosures: Iterable[str], kb_jwt: str | None = None) -> str:
    """§4: ``<Issuer-signed JWT>~<D.1>~...~<D.N>~`` followed by the KB-JWT, if any."""
    return SEPARATOR.join((issuer_jwt, *disclosures, kb_jwt or ""))


def issue(
    claims: Mapping[str, object],
    spec: SdSpec,
    key: jose.PrivateKey,
    *,
    typ: str,
    header: Mapping[str, object] | None = None,
    salt_source: SaltSource = secrets.token_bytes,
) -> str:
    """Issue an SD-JWT: build the payload, sign it with ``core.jose``, append Disclosures."""
    issued = build_payload(claims, spec, salt_source=salt_source)
    return serialize(jose.sign(issued.payload, key, typ=typ, header=header), issued.disclosures)


# --- parsing (§4, §4.2) ------------------------------------------------------------------------


@dataclass(frozen=True)
class SdJwt:
    """A compact SD-JWT or SD-JWT+KB split into its parts (nothing verified yet)."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None = None

    @property
    def without_kb(self) -> str:
        """The SD-JWT part that ``sd_hash`` covers: ``<JWT>~<D.1>~...~<D.N>~``."""
        return serialize(self.issuer_jwt, self.disclosures)

    def serialize(self) -> str:
        return serialize(self.issuer_jwt, self.disclosures, self.kb_jwt)


def split(serialized: str, *, limits: ProcessingLimits = DEFAULT_LIMITS) -> SdJwt:
    """Split ``<JWT>~<D.1>~...~<D.N>~[<KB-JWT>]``; every part except the last is non-empty."""
    if not isinstance(serialized, str) or not serialized.isascii():
        raise MalformedSdJwt("an SD-JWT is an ASCII string")
    if len(serialized) > jose.MAX_TOKEN_BYTES:
        raise MalformedSdJwt("the SD-JWT is too large")
    parts = serialized.split(SEPARATOR)
    if len(parts) < 2:
        raise MalformedSdJwt("an SD-JWT ends with '~' (or '~' and a key binding JWT)")
    issuer_jwt, *disclosures, kb_jwt = parts
    if not issuer_jwt or any(not d for d in disclosures):
        raise MalformedSdJwt("an SD-JWT has an empty part between '~' separators")
    if len(disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    return SdJwt(issuer_jwt, tuple(disclosures), kb_jwt or None)


class Disclosure(NamedTuple):
    """A decoded Disclosure; ``name`` is ``None`` for an array element (§4.2.2)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: object


def decode_disclosure(encoded: str) -> Disclosure:
    """§4.2.1/§4.2.2, strictly: base64url, UTF-8 JSON array of 3 or 2, salt a string."""
    if not isinstance(encoded, str) or not encoded:
        raise MalformedDisclosure("a disclosure is a non-empty string")
    try:
        data = b64url.decode(encoded)
    except b64url.B64urlRejected as exc:
        raise MalformedDisclosure(f"a disclosure is not base64url: {exc}") from None
    try:
        content = jsontext.loads(
            data, decoder=jsontext.UNIQUE_MEMBERS, max_bytes=jose.MAX_TOKEN_BYTES
        )
    except jsontext.JsonRejected as exc:
        raise MalformedDisclosure(f"a disclosure is not JSON: {exc}") from None
    if not isinstance(content, list) or len(content) not in (2, 3):
        raise MalformedDisclosure("a disclosure is a JSON array of 3 (or 2) elements")
    if not isinstance(content[0], str):
        raise MalformedDisclosure("a disclosure's salt is a string")
    if len(content) == 2:
        return Disclosure(encoded, _digest(encoded.encode("ascii")), content[0], None, content[1])
    name = content[1]
    if not isinstance(name, str):
        raise MalformedDisclosure("a disclosure's claim name is a string")
    if name in RESERVED_CLAIM_NAMES:
        raise ReservedClaimName(f"a disclosure names the reserved claim {name!r}")
    return Disclosure(encoded, _digest(encoded.encode("ascii")), content[0], name, content[2])


# --- processing (§7.1) -------------------------------------------------------------------------


class DisclosedClaim(NamedTuple):
    """Where a Disclosure's claim sits in the processed claims, e.g. ``("skills", 2)``."""

    path: ClaimPath
    disclosure: Disclosure


@dataclass(frozen=True)
class ProcessedClaims:
    """The claims with Disclosures applied; ``disclosed`` follows the input Disclosure order."""

    claims: dict[str, object]
    disclosed: tuple[DisclosedClaim, ...]


class _Processing:
    __slots__ = ("by_digest", "seen", "paths", "max_depth")

    def __init__(self, by_digest: dict[str, Disclosure], max_depth: int) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.paths: dict[str, ClaimPath] = {}
        self.max_depth = max_depth

    def take(self, digest: object) -> Disclosure | None:
        """§7.1 step 4: each digest at most once; returns its Disclosure, if one was sent."""
        if not isinstance(digest, str):
            raise InvalidDigestStructure("a digest is not a string")
        if digest in self.seen:
            raise DuplicateDigest(f"the digest {digest} appears more than once")
        self.seen.add(digest)
        return self.by_digest.get(digest)


def check_sd_alg(payload: Mapping[str, object]) -> None:
    """§4.1.1: ``_sd_alg`` absent means sha-256; sha-256 is the only one accepted here."""
    alg = payload.get(SD_ALG_KEY, SD_ALG_SHA256)
    if alg != SD_ALG_SHA256:
        shown = alg if isinstance(alg, str) and len(alg) < 40 else "(not a short string)"
        raise UnsupportedSdAlg(f"the digest algorithm {shown!r} is not supported")


def process_disclosures(
    payload: Mapping[str, object],
    disclosures: Sequence[Disclosure],
    *,
    limits: ProcessingLimits = DEFAULT_LIMITS,
) -> ProcessedClaims:
    """§7.1 steps 3–5: replace digests by disclosed claims, recursively, and check them."""
    check_sd_alg(payload)
    if len(disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    by_digest: dict[str, Disclosure] = {}
    for disclosure in disclosures:
        if disclosure.digest in by_digest:
            raise DuplicateDisclosure(f"the disclosure {disclosure.digest} is sent twice")
        by_digest[disclosure.digest] = disclosure
    state = _Processing(by_digest, limits.max_depth)
    claims = _process_object(payload, (), state, 0)
    claims.pop(SD_ALG_KEY, None)  # §7.1 step 3.5: _sd_alg lives at the top level only
    unreferenced = [d.digest for d in disclosures if d.digest not in state.paths]
    if unreferenced:
        raise UnreferencedDisclosure(f"no digest references the disclosure {unreferenced[0]}")
    disclosed = tuple(DisclosedClaim(state.paths[d.digest], d) for d in disclosures)
    return ProcessedClaims(claims, disclosed)


def _process_value(value: object, path: ClaimPath, state: _Processing, depth: int) -> object:
    if isinstance(value, dict):
        return _process_object(value, path, state, depth)
    if isinstance(value, list):
        return _process_array(value, path, state, depth)
    return value


def _process_object(
    obj: Mapping[str, object], path: ClaimPath, state: _Processing, depth: int
) -> dict[str, object]:
    if depth > state.max_depth:
        raise TooDeep(f"the claims are nested deeper than {state.max_depth}")
    out = {
        name: _process_value(value, (*path, name), state, depth + 1)
        for name, value in obj.items()
        if name != SD_DIGESTS_KEY
    }
    digests = obj.get(SD_DIGESTS_KEY, ())
    if not isinstance(digests, list | tuple):
        raise InvalidDigestStructure("an _sd member is not an array of digests")
    for digest in digests:
        disclosure = state.take(digest)
        if disclosure is None:
            continue  # a decoy, or a claim the holder did not disclose
        if disclosure.name is None:
            raise ArrayDisclosureInObject(f"the disclosure {disclosure.digest} is in an _sd")
        if disclosure.name in out:
            raise ClaimNameConflict(f"the claim {disclosure.name!r} already exists at {path}")
        claim_path = (*path, disclosure.name)
        state.paths[disclosure.digest] = claim_path
        out[disclosure.name] = _process_value(disclosure.value, claim_path, state, depth + 1)
    return out


def _process_array(
    values: Sequence[object], path: ClaimPath, state: _Processing, depth: int
) -> list[object]:
    if depth > state.max_depth:
        raise TooDeep(f"the claims are nested deeper than {state.max_depth}")
    out: list[object] = []
    for value in values:
        if not (isinstance(value, dict) and len(value) == 1 and ARRAY_DIGEST_KEY in value):
            out.append(_process_value(value, (*path, len(out)), state, depth + 1))
            continue
        disclosure = state.take(value[ARRAY_DIGEST_KEY])
        if disclosure is None:
            continue  # §7.1 step 3.3: undisclosed elements and decoys are removed
        if disclosure.name is not None:
            raise ObjectDisclosureInArray(f"the disclosure {disclosure.digest} is in an array")
        element_path = (*path, len(out))
        state.paths[disclosure.digest] = element_path
        out.append(_process_value(disclosure.value, element_path, state, depth + 1))
    return out


# --- verifying the SD-JWT (§7.1, §7.3 steps 1–4) ---------------------------------------------


@dataclass(frozen=True)
class VerifiedSdJwt:
    """An SD-JWT whose issuer signature verified and whose Disclosures were processed.

    ``parts.kb_jwt`` is not checked here: call ``verify_kb_jwt`` when key binding is required.
    """

    parts: SdJwt
    jws: jose.Jws
    claims: dict[str, object]
    disclosed: tuple[DisclosedClaim, ...]


def verify_sd_jwt(
    serialized: str | SdJwt,
    issuer_key: jose.PublicKey | jose.KeyResolver,
    *,
    typ: str,
    algorithms: frozenset[str] = jose.ALLOWED_ALGORITHMS,
    limits: ProcessingLimits = DEFAULT_LIMITS,
) -> VerifiedSdJwt:
    """Verify the Issuer-signed JWT with ``core.jose``, then process the Disclosures."""
    parts = serialized if isinstance(serialized, SdJwt) else split(serialized, limits=limits)
    if len(parts.disclosures) > limits.max_disclosures:
        raise TooManyDisclosures(f"more than {limits.max_disclosures} disclosures")
    jws = jose.verify(parts.issuer_jwt, issuer_key, typ=typ, algorithms=algorithms)
    disclosures = [decode_disclosure(d) for d in parts.disclosures]
    processed = process_disclosures(jws.payload, disclosures, limits=limits)
    return VerifiedSdJwt(parts, jws, processed.claims, processed.disclosed)


def holder_public_key(payload: Mapping[str, object]) -> jose.PublicKey:
    """The holder key from ``cnf.jwk`` (RFC 7800 §3.2), as RFC 9901 §4.1.2 recommends."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise HolderKeyMissing("the SD-JWT has no cnf.jwk")
    if "d" in jwk:
        raise HolderKeyMissing("cnf.jwk must be a public key")
    return jose.PublicKey.from_jwk(jwk)


# --- presentation (§5.2, §4.3) -----------------------------------------------------------------


def _is_prefix(short: ClaimPath, long: ClaimPath) -> bool:
    return len(short) <= len(long) and long[: len(short)] == short


def _path_exists(claims: object, path: ClaimPath) -> bool:
    node = claims
    for step in path:
        in_object = isinstance(step, str) and isinstance(node, dict) and step in node
        in_array = type(step) is int and isinstance(node, list) and 0 <= step < len(node)
        if not (in_object or in_array):
            return False
        node = node[step]  # type: ignore[index]
    return True


def select_disclosures(
    verified: VerifiedSdJwt | ProcessedClaims, paths: Iterable[ClaimPath]
) -> tuple[str, ...]:
    """The Disclosures that reveal exactly the claims at ``paths``, in the issued order.

    A path selects the Disclosures on the way to it (a recursive parent), its own, and those
    below it (selecting ``("address",)`` reveals the whole address, ``("skills", 2)`` one
    skill). A path that is not in the claims raises ``UnknownClaimPath``.
    """
    wanted = tuple(paths)
    for path in wanted:
        if not _path_exists(verified.claims, path):
            raise UnknownClaimPath(f"the claim path {path!r} is not in the credential")
    return tuple(
        item.disclosure.encoded
        for item in verified.disclosed
        if any(_is_prefix(item.path, p) or _is_prefix(p, item.path) for p in wanted)
    )


def present(verified: VerifiedSdJwt, paths: Iterable[ClaimPath]) -> str:
    """An SD-JWT presentation (no KB-JWT yet) revealing only the claims at ``paths``."""
    return serialize(verified.parts.issuer_jwt, select_disclosures(verified, paths))


def make_kb_jwt(sd_jwt: str, holder_key: jose.PrivateKey, *, aud: str, nonce: str, iat: int) -> str:
    """§4.3: the KB-JWT over ``sd_jwt`` (``<JWT>~<D.1>~...~<D.N>~``, without a KB-JWT)."""
    if not sd_jwt.endswith(SEPARATOR):
        raise KbJwtUnexpected("key binding needs an SD-JWT that ends with '~'")
    split(sd_jwt)  # the structure must be sound before the holder signs over it
    payload: dict[str, object] = {
        "iat": iat,
        "aud": aud,
        "nonce": nonce,
        SD_HASH_KEY: compute_sd_hash(sd_jwt),
    }
    return jose.sign(payload, holder_key, typ=TYP_KB_JWT, include_kid=False)


def add_key_binding(
    sd_jwt: str, holder_key: jose.PrivateKey, *, aud: str, nonce: str, iat: int
) -> str:
    """The SD-JWT+KB: ``sd_jwt`` followed by its KB-JWT."""
    return sd_jwt + make_kb_jwt(sd_jwt, holder_key, aud=aud, nonce=nonce, iat=iat)


@dataclass(frozen=True)
class KbExpectations:
    """What the verifier expects of a KB-JWT; times in seconds since the epoch."""

    aud: str
    nonce: str
    now: int
    max_age: int = 300
    leeway: int = 60


def verify_kb_jwt(
    presentation: str | SdJwt,
    holder_key: jose.PublicKey,
    *,
    expected_aud: str,
    expected_nonce: str,
    now: int,
    max_age: int = 300,
    leeway: int = 60,
    algorithms: frozenset[str] = jose.ALLOWED_ALGORITHMS,
) -> dict[str, object]:
    """§7.3: verify the KB-JWT of an SD-JWT+KB; return its claims or raise.

    ``typ``, the algorithm allow-list and the signature are checked by ``core.jose`` (its
    ``JoseError`` propagates); the claims here, each with its own error.
    """
    parts = presentation if isinstance(presentation, SdJwt) else split(presentation)
    if parts.kb_jwt is None:
        raise KbJwtMissing("the presentation ends with '~' and carries no key binding JWT")
    claims = jose.verify(parts.kb_jwt, holder_key, typ=TYP_KB_JWT, algorithms=algorithms).payload
    _check_kb_claims(claims, KbExpectations(expected_aud, expected_nonce, now, max_age, leeway))
    expected_hash = compute_sd_hash(parts.without_kb)
    sd_hash = claims.get(SD_HASH_KEY)
    if not isinstance(sd_hash, str) or not hmac.compare_digest(
        sd_hash.encode("utf-8"), expected_hash.encode("ascii")
    ):
        raise KbJwtSdHashMismatch("sd_hash does not match the presented SD-JWT and disclosures")
    return claims


def _check_kb_claims(claims: Mapping[str, object], expected: KbExpectations) -> None:
    aud = claims.get("aud")
    if not isinstance(aud, str) or aud != expected.aud:
        raise KbJwtAudienceMismatch("the aud claim is not this verifier")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or nonce != expected.nonce:
        raise KbJwtNonceMismatch("the nonce claim is not the one this verifier issued")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise KbJwtIatInvalid("the iat claim is missing or not a number")
    if iat > expected.now + expected.leeway:
        raise KbJwtIatInFuture(f"iat is {int(iat - expected.now)} s in the future")
    if iat < expected.now - expected.max_age - expected.leeway:
        raise KbJwtTooOld(f"iat is {int(expected.now - iat)} s old (max {expected.max_age} s)")
