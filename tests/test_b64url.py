"""``core.b64url``: the one strict base64url decoder (RFC 4648 §5 without padding)."""

from __future__ import annotations

import binascii
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import b64url

ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@given(st.binary(max_size=64))
def test_decode_reads_what_encode_writes(data: bytes) -> None:
    encoded = b64url.encode(data)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert b64url.decode(encoded) == data
    assert b64url.decode(encoded.encode("ascii")) == data


def test_binascii_strict_mode_alone_reads_non_canonical_trailing_bits() -> None:
    """Why the last character is checked by hand: strict mode reads ``QR==`` as ``QQ==``."""
    assert binascii.a2b_base64(b"QR==", strict_mode=True) == b"A"


@pytest.mark.parametrize("size", [1, 2])
def test_a_non_canonical_last_character_is_refused(size: int) -> None:
    """RFC 4648 §3.5: the bits past the data are zero, so each byte string has one spelling."""
    canonical = b64url.encode(bytes(size))  # "AA" or "AAA"
    read = set()
    for last in ALPHABET:
        text = canonical[:-1] + last
        try:
            data = b64url.decode(text)
        except b64url.B64urlRejected:
            continue
        assert b64url.encode(data) == text
        read.add(last)
    assert len(read) == {1: 4, 2: 16}[size]


@pytest.mark.parametrize(
    "text",
    ["AA==", "AAA=", "+/8", "_-8+", "A", "AAAAA", "AA AA", "AAAA\n", " AAAA", "AAé", b"\xff\xff"],
)
def test_refuses_everything_but_unpadded_base64url(text: str | bytes) -> None:
    with pytest.raises(b64url.B64urlRejected):
        b64url.decode(text)
