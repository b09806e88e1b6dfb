"""Issuing an SD-JWT (RFC 9901 §4, §5.1): plain claims and an ``SdSpec`` become a payload with
digests and the Disclosures, salted from an injectable source (§9.5)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core import b64url, jose
from core.standards.sd_jwt.compact import DEFAULT_LIMITS, ProcessingLimits, serialize
from core.standards.sd_jwt.disclosures import (
    ARRAY_DIGEST_KEY,
    RESERVED_CLAIM_NAMES,
    SALT_BYTES,
    SD_ALG_KEY,
    SD_ALG_SHA256,
    SD_DIGESTS_KEY,
    disclosure_digest,
)
from core.standards.sd_jwt.errors import IssuanceInputInvalid
from core.standards.sd_jwt.spec import SdSpec, SpecNode

SaltSource = Callable[[int], bytes]


def _encode_json(value: object) -> bytes:
    """Compact UTF-8 JSON (what ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``
    writes), from ``core.jose`` (orjson: the issuance hot path makes one per Disclosure)."""
    return jose.compact_json(value)


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
        content[0] = b64url.encode(self.salt_source(SALT_BYTES))
        try:
            text = _encode_json(content)
        except (TypeError, ValueError, RecursionError) as exc:
            raise IssuanceInputInvalid("a claim value is not representable as JSON") from exc
        encoded = b64url.encode_ascii(text)
        self.disclosures.append(encoded.decode("ascii"))
        return disclosure_digest(encoded)

    def decoy(self) -> str:
        """§4.2.5: the digest of a random value, indistinguishable from a real digest."""
        return disclosure_digest(b64url.encode_ascii(self.salt_source(SALT_BYTES)))


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
    payload = _issue_object(claims, spec.tree, state, 0)
    payload[SD_ALG_KEY] = SD_ALG_SHA256
    return IssuedPayload(payload, tuple(state.disclosures))


def _issue_value(value: object, node: SpecNode | None, state: _Issuing, depth: int) -> object:
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
    obj: Mapping[str, object], node: SpecNode, state: _Issuing, depth: int
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


def _issue_array(values: list[object], node: SpecNode, state: _Issuing, depth: int) -> list[object]:
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
