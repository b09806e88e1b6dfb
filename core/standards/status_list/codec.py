"""§4.1 the Status List as a byte array and §4.2 its JSON form: encoding, and decoding from an
untrusted source with bounded decompression."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Final, NotRequired, TypedDict

from core import b64url
from core.standards.status_list.errors import (
    StatusListBitsUnsupported,
    StatusListDecompressionBomb,
    StatusListIndexOutOfRange,
    StatusListMalformed,
    StatusListValueInvalid,
)
from core.standards.status_list.values import StatusValue

ALLOWED_BITS: Final = frozenset({1, 2, 4, 8})
ZLIB_LEVEL: Final = 9
#: Bound on a decoded (decompressed) Status List: 16 MiB is 128 Mi one-bit entries.
DEFAULT_MAX_DECOMPRESSED_BYTES: Final = 16 * 1024 * 1024


class StatusListJson(TypedDict):
    """§4.2 the ``status_list`` JSON object."""

    bits: int
    lst: str
    aggregation_uri: NotRequired[str]


def check_bits(bits: object) -> int:
    """§4.2 ``bits``: a JSON integer, 1, 2, 4 or 8."""
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
        self._bits = check_bits(bits)
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
        status_list = cls(len(data) * (8 // check_bits(bits)), bits)
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
    bits = check_bits(status_list.get("bits"))
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
