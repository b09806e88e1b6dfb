"""Token Status List: a direct implementation of draft-ietf-oauth-status-list.

https://datatracker.ietf.org/doc/draft-ietf-oauth-status-list/ (section numbers below are
those of draft -21; the test vectors come from the draft's repository at commit
2fb61cd535a82ec77fe43d604e31b7012cab4adc, see ``tests/vectors`` SOURCES.md).

- §4.1  Status List: a byte array, 1, 2, 4 or 8 bits per Referenced Token; index ``i`` lives
        in byte ``i // (8 / bits)`` at bit offset ``(i % (8 / bits)) * bits`` counted from the
        least-significant bit; DEFLATE (RFC 1951) in the ZLIB format (RFC 1950), highest level.
- §4.2  Status List in JSON: ``{"bits": n, "lst": base64url(zlib(bytes))}``.
- §5.1  Status List Token in JWT format: header ``typ`` = ``statuslist+jwt``; claims ``sub``
        (the list's URI), ``iat`` (REQUIRED), ``exp``, ``ttl`` (OPTIONAL), ``status_list``.
- §6.1–6.2  The Referenced Token's ``status`` claim: ``{"status_list": {"idx", "uri"}}``.
- §7.1  Status Types: VALID 0x00, INVALID 0x01, SUSPENDED 0x02 (others are application- or
        registry-defined, so a decoded status is an ``int``, not always a ``StatusValue``).
- §8.3  Validating a Referenced Token: ``sub`` equals ``uri``, the token is valid per RFC 7519,
        and an index outside the list is an error.

A Status List arrives from a remote party compressed; decompression here is bounded (the
Security Considerations' warning about unbounded lists), so a few kilobytes of ``lst`` cannot
expand into gigabytes. No signing or HTTP here: the caller signs the payload built by
``status_list_token_payload`` with ``core.jose`` (``typ`` = ``TYP_STATUS_LIST_JWT``), and
verifies the signature before handing header and claims to ``verify_status_list_token_claims``.
"""

from __future__ import annotations

import random
import secrets
import sys
import zlib
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Final, NotRequired, TypedDict

from core import b64url
from core.errors import StatusListError as StatusListError  # re-exported

TYP_STATUS_LIST_JWT: Final = "statuslist+jwt"
MEDIA_TYPE_STATUS_LIST_JWT: Final = "application/statuslist+jwt"
ALLOWED_BITS: Final = frozenset({1, 2, 4, 8})
ZLIB_LEVEL: Final = 9
#: Bound on a decoded (decompressed) Status List: 16 MiB is 128 Mi one-bit entries.
DEFAULT_MAX_DECOMPRESSED_BYTES: Final = 16 * 1024 * 1024
#: MAC algorithms (and "none") that §5.1 rule 2 tells a Relying Party to reject.
_REJECTED_ALGS: Final = frozenset({"none", "HS256", "HS384", "HS512"})
_INDEX_TYPECODE: Final = "I"


class StatusValue(IntEnum):
    """§7.1 Status Types Values."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


class CredentialStatus(StrEnum):
    """A credential's status as the roles name it: a §7.1 value's name, or ``UNKNOWN`` for a
    value that §7.1 leaves to applications or does not define."""

    VALID = "VALID"
    INVALID = "INVALID"
    SUSPENDED = "SUSPENDED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def of(cls, value: int) -> CredentialStatus:
        try:
            return cls[StatusValue(value).name]
        except ValueError:
            return cls.UNKNOWN


class StatusListJson(TypedDict):
    """§4.2 the ``status_list`` JSON object."""

    bits: int
    lst: str
    aggregation_uri: NotRequired[str]


# --- errors ----------------------------------------------------------------------------------


class StatusListMalformed(StatusListError):
    code = "status_list_malformed"
    title = "The status list is not well-formed"


class StatusListBitsUnsupported(StatusListError):
    code = "status_list_bits_unsupported"
    title = "The status list uses a bit size other than 1, 2, 4 or 8"


class StatusListDecompressionBomb(StatusListError):
    code = "status_list_decompression_bomb"
    title = "The status list decompresses beyond the allowed size"


class StatusListIndexOutOfRange(StatusListError):
    code = "status_list_index_out_of_range"
    title = "The status index is outside the status list"


class StatusListValueInvalid(StatusListError):
    code = "status_list_value_invalid"
    title = "The status value does not fit the status list's bit size"


class StatusListWrongTyp(StatusListError):
    code = "status_list_wrong_typ"
    title = "The token is not a status list token (typ)"


class StatusListWrongAlg(StatusListError):
    code = "status_list_wrong_alg"
    title = "The status list token is not signed with an asymmetric algorithm"


class StatusListWrongSub(StatusListError):
    code = "status_list_wrong_sub"
    title = "The status list token is not the list the credential points to"


class StatusListClaimsInvalid(StatusListError):
    code = "status_list_claims_invalid"
    title = "The status list token's claims are missing or not well-formed"


class StatusListExpired(StatusListError):
    code = "status_list_expired"
    title = "The status list token has expired"


class StatusListNotYetValid(StatusListError):
    code = "status_list_not_yet_valid"
    title = "The status list token is not valid yet"


class StatusReferenceInvalid(StatusListError):
    code = "status_list_reference_invalid"
    title = "The credential's status claim is not well-formed"


# --- the in-memory list (§4.1) ---------------------------------------------------------------


def _check_bits(bits: object) -> int:
    if type(bits) is not int:
        raise StatusListMalformed("bits must be a JSON integer")
    if bits not in ALLOWED_BITS:
        raise StatusListBitsUnsupported(f"bits is {bits}; allowed are 1, 2, 4 and 8")
    return bits


class StatusList:
    """A Status List of ``size`` entries of ``bits`` bits each, all VALID (0) at first.

    The byte array always holds whole bytes, so a decoded list has ``8 // bits`` entries per
    byte: its ``size`` is the byte array's capacity.
    """

    __slots__ = ("_bits", "_data", "_mask", "_per_byte", "_size")

    def __init__(self, size: int, bits: int = 1) -> None:
        self._bits = _check_bits(bits)
        if type(size) is not int or size < 1:
            raise StatusListMalformed("a status list has at least one entry")
        self._size = size
        self._per_byte = 8 // self._bits
        self._mask = (1 << self._bits) - 1
        self._data = bytearray(-(-size // self._per_byte))

    @classmethod
    def from_bytes(cls, data: bytes, bits: int) -> StatusList:
        """The list over an uncompressed byte array (§4.1); every bit counts as an entry."""
        if not data:
            raise StatusListMalformed("the status list is empty")
        status_list = cls(len(data) * (8 // _check_bits(bits)), bits)
        status_list._data[:] = data
        return status_list

    @classmethod
    def from_sparse(cls, size: int, bits: int, statuses: Mapping[int, int]) -> StatusList:
        """A list of ``size`` entries, VALID except where ``statuses`` says otherwise."""
        status_list = cls(size, bits)
        for index, value in statuses.items():
            status_list.set(index, value)
        return status_list

    @property
    def bits(self) -> int:
        return self._bits

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"StatusList(size={self._size}, bits={self._bits})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self._bits, self._size, self._data) == (other._bits, other._size, other._data)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def _locate(self, index: int) -> tuple[int, int]:
        if type(index) is not int or not 0 <= index < self._size:
            raise StatusListIndexOutOfRange(
                f"index {index!r} is outside a status list of {self._size} entries"
            )
        return index // self._per_byte, (index % self._per_byte) * self._bits

    def get(self, index: int) -> int:
        """The status at ``index``; §8.3: an index outside the list is an error."""
        byte, shift = self._locate(index)
        return (self._data[byte] >> shift) & self._mask

    def set(self, index: int, value: int) -> None:
        byte, shift = self._locate(index)
        if type(value) is not int and not isinstance(value, StatusValue):
            raise StatusListValueInvalid("a status is an integer")
        if not 0 <= value <= self._mask:
            raise StatusListValueInvalid(f"status {value} does not fit in {self._bits} bit(s)")
        self._data[byte] = (self._data[byte] & ~(self._mask << shift)) | (value << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array of §4.1."""
        return bytes(self._data)

    def encode(self) -> StatusListJson:
        """§4.2: ``{"bits", "lst"}`` with ``lst`` = base64url(zlib level 9), no padding."""
        compressed = zlib.compress(self._data, ZLIB_LEVEL)
        lst = b64url.encode(compressed)
        return {"bits": self._bits, "lst": lst}


def encode_sparse(size: int, bits: int, statuses: Mapping[int, int]) -> StatusListJson:
    """The fast path for a status GET: ``{"bits", "lst"}`` for ``size`` entries, VALID except
    the few in ``statuses``. One zeroed bytearray, a bit write per entry, one zlib.compress."""
    return StatusList.from_sparse(size, bits, statuses).encode()


# --- decoding (§4.2), bounded ----------------------------------------------------------------


def _b64url_decode_strict(text: str) -> bytes:
    """base64url without padding (RFC 7515 §2), canonical: the only spelling of its bytes."""
    try:
        return b64url.decode(text)
    except b64url.B64urlRejected as exc:
        raise StatusListMalformed(f"lst is not base64url: {exc}") from None


def inflate_bounded(compressed: bytes, max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES) -> bytes:
    """ZLIB-format DEFLATE (RFC 1950/1951) decompression that never outputs > ``max_bytes``."""
    inflater = zlib.decompressobj()  # wbits=15: the ZLIB header and Adler-32 are required
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListMalformed("lst is not ZLIB-compressed data") from exc
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise StatusListDecompressionBomb(f"the status list is larger than {max_bytes} bytes")
    if not inflater.eof:
        raise StatusListMalformed("the compressed status list is truncated")
    if inflater.unused_data:
        raise StatusListMalformed("data follows the compressed status list")
    return data


def decode_status_list(
    status_list: object, *, max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
) -> StatusList:
    """Parse a §4.2 ``status_list`` object from an untrusted source; raises StatusListError."""
    if not isinstance(status_list, Mapping):
        raise StatusListMalformed("status_list must be a JSON object")
    bits = _check_bits(status_list.get("bits"))
    lst = status_list.get("lst")
    if not isinstance(lst, str):
        raise StatusListMalformed("lst must be a JSON string")
    aggregation_uri = status_list.get("aggregation_uri", "")
    if not isinstance(aggregation_uri, str):
        raise StatusListMalformed("aggregation_uri must be a JSON string")
    # zlib's compressBound: even incompressible data grows by well under 1/1000 plus a header,
    # so a longer lst cannot inflate to <= max_bytes; refuse it before decoding anything.
    if len(lst) * 3 // 4 > max_bytes + (max_bytes >> 10) + 64:
        raise StatusListDecompressionBomb(f"the status list is larger than {max_bytes} bytes")
    return StatusList.from_bytes(inflate_bounded(_b64url_decode_strict(lst), max_bytes), bits)


# --- the Status List Token (§5.1) ------------------------------------------------------------


def _numeric_date(payload: Mapping[str, object], name: str) -> float | None:
    """An RFC 7519 NumericDate claim, or None when absent; a bool is not a number."""
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StatusListClaimsInvalid(f"{name} must be a JSON number")
    return float(value)


def status_list_token_payload(
    sub: str,
    status_list: StatusListJson,
    iat: int,
    exp: int | None = None,
    ttl: int | None = None,
) -> dict[str, object]:
    """The claims of a §5.1 Status List Token, for the caller to sign with ``typ`` =
    ``statuslist+jwt``. ``status_list`` is what ``StatusList.encode``/``encode_sparse`` made."""
    if not isinstance(sub, str) or not sub:
        raise StatusListClaimsInvalid("sub must be the status list's URI")
    if type(iat) is not int:
        raise StatusListClaimsInvalid("iat must be an integer NumericDate")
    if exp is not None and (type(exp) is not int or exp <= iat):
        raise StatusListClaimsInvalid("exp must be an integer NumericDate after iat")
    if ttl is not None and (type(ttl) is not int or ttl <= 0):
        raise StatusListClaimsInvalid("ttl must be a positive number of seconds")
    _check_bits(status_list.get("bits"))
    if not isinstance(status_list.get("lst"), str):
        raise StatusListMalformed("lst must be a string")
    payload: dict[str, object] = {"sub": sub, "iat": iat, "status_list": dict(status_list)}
    if exp is not None:
        payload["exp"] = exp
    if ttl is not None:
        payload["ttl"] = ttl
    return payload


def _check_header(header: Mapping[str, object]) -> None:
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in (
        TYP_STATUS_LIST_JWT,
        MEDIA_TYPE_STATUS_LIST_JWT,
    ):
        raise StatusListWrongTyp(f"typ must be {TYP_STATUS_LIST_JWT}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg in _REJECTED_ALGS:
        raise StatusListWrongAlg("the status list token must use an asymmetric signature")


def _check_times(payload: Mapping[str, object], now: int, leeway: int) -> None:
    """RFC 7519 §4.1.4–4.1.6 and §5.1: iat REQUIRED; exp, nbf, ttl checked when present."""
    if _numeric_date(payload, "iat") is None:
        raise StatusListClaimsInvalid("iat is required")
    exp = _numeric_date(payload, "exp")
    if exp is not None and now >= exp + leeway:
        raise StatusListExpired("the status list token's exp has passed")
    nbf = _numeric_date(payload, "nbf")
    if nbf is not None and now < nbf - leeway:
        raise StatusListNotYetValid("the status list token's nbf is in the future")
    ttl = _numeric_date(payload, "ttl")  # seconds, not a date, but the same JSON number
    if ttl is not None and ttl <= 0:
        raise StatusListClaimsInvalid("ttl must be a positive number")


def verify_status_list_token_claims(
    header: Mapping[str, object],
    payload: Mapping[str, object],
    *,
    expected_sub: str,
    now: int,
    leeway: int = 0,
    max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
) -> StatusList:
    """§5.1 and §8.3 checks of a Status List Token whose signature the caller has verified.

    ``expected_sub`` is the ``uri`` of the Referenced Token's ``status_list`` claim; the
    comparison is simple string comparison. Returns the decoded list or raises.
    """
    _check_header(header)
    sub = payload.get("sub")
    if not isinstance(sub, str):
        raise StatusListClaimsInvalid("sub is required and must be a string")
    if sub != expected_sub:
        raise StatusListWrongSub("sub differs from the uri in the credential's status claim")
    _check_times(payload, now, leeway)
    if "status_list" not in payload:
        raise StatusListClaimsInvalid("status_list is required")
    return decode_status_list(payload["status_list"], max_bytes=max_bytes)


# --- the Referenced Token's status claim (§6.1, §6.2) ----------------------------------------


@dataclass(frozen=True, slots=True)
class StatusListReference:
    """A Referenced Token's ``status.status_list``: where its status lives."""

    idx: int
    uri: str


def parse_status_claim(status: object) -> StatusListReference:
    """Parse ``{"status_list": {"idx": int >= 0, "uri": str}}`` strictly."""
    if not isinstance(status, Mapping):
        raise StatusReferenceInvalid("status must be a JSON object")
    reference = status.get("status_list")
    if not isinstance(reference, Mapping):
        raise StatusReferenceInvalid("status.status_list must be a JSON object")
    idx, uri = reference.get("idx"), reference.get("uri")
    if type(idx) is not int or idx < 0:
        raise StatusReferenceInvalid("status.status_list.idx must be a non-negative integer")
    if not isinstance(uri, str) or not uri:
        raise StatusReferenceInvalid("status.status_list.uri must be a non-empty string")
    return StatusListReference(idx=idx, uri=uri)


# --- index allocation helpers ----------------------------------------------------------------


def shuffled_indices(size: int, rng: random.Random | secrets.SystemRandom) -> array[int]:
    """A random permutation of ``range(size)`` (Fisher–Yates via ``rng.shuffle``).

    The issuer stores it per list and hands indices out in this order, so that an index says
    nothing about when (or after whom) a credential was issued. With ``SystemRandom`` each
    swap reads the OS RNG: a few seconds per million entries, paid once per list.
    """
    if type(size) is not int or not 0 <= size <= 0xFFFFFFFF:
        raise StatusListMalformed("a status list's size is between 0 and 2**32 - 1")
    indices = array(_INDEX_TYPECODE, range(size))
    rng.shuffle(indices)
    return indices


def pack_indices(indices: Iterable[int]) -> bytes:
    """Unsigned 32-bit little-endian, whatever the platform's byte order."""
    packed = array(_INDEX_TYPECODE, indices)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_indices(data: bytes) -> array[int]:
    """The inverse of ``pack_indices``."""
    if len(data) % 4:
        raise StatusListMalformed("packed indices are whole 32-bit words")
    indices = array(_INDEX_TYPECODE)
    indices.frombytes(data)
    if sys.byteorder == "big":
        indices.byteswap()
    return indices


if array(_INDEX_TYPECODE).itemsize != 4:  # pragma: no cover - every platform CPython targets
    raise ImportError("array('I') is not 32 bits wide on this platform")
