"""base64url without padding (RFC 4648 §5, as RFC 7515 §2 writes it), decoded strictly: the
one decoder for every base64url value that the service reads from another party (JWS parts and
JWK members, SD-JWT disclosures, status lists).

A value has one spelling and no other is read: no ``=`` padding, no ``+`` or ``/`` of the
standard alphabet, no whitespace or other characters, and a canonical last character (the bits
past the data are zero, RFC 4648 §3.5). ``binascii.a2b_base64(strict_mode=True)`` refuses all
but the last, so the last is checked here: strict mode reads ``QR`` as ``A`` just as ``QQ``.
Every failure is a ``B64urlRejected`` (a ``ValueError``) whose message quotes nothing of the
input; each caller raises its own standard's error from it.
"""

from __future__ import annotations

import binascii
from typing import Final

_URL_TO_STD: Final = bytes.maketrans(b"-_", b"+/")
_STD_TO_URL: Final = bytes.maketrans(b"+/", b"-_")
# The last character of a canonical encoding whose length is 2 (or 3) mod 4 carries 4 (or 2)
# zero bits past the data: its alphabet index is a multiple of 16 (or 4).
_CANONICAL_LAST: Final = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}


class B64urlRejected(ValueError):
    """Not base64url without padding in its canonical spelling."""


def encode(data: bytes) -> str:
    return encode_ascii(data).decode("ascii")


def encode_ascii(data: bytes) -> bytes:
    """``encode`` as ASCII bytes, for the hot paths that hash the encoding (SD-JWT digests)."""
    return binascii.b2a_base64(data, newline=False).translate(_STD_TO_URL).rstrip(b"=")


def decode(text: str | bytes) -> bytes:
    """The bytes that ``text`` spells in canonical base64url without padding, or raise."""
    try:
        raw = text.encode("ascii") if isinstance(text, str) else text
    except UnicodeEncodeError:
        raise B64urlRejected("base64url data must be ASCII") from None
    if b"=" in raw or b"+" in raw or b"/" in raw:
        raise B64urlRejected("base64url data must not contain '=', '+' or '/'")
    tail = len(raw) % 4
    try:
        data = binascii.a2b_base64(
            raw.translate(_URL_TO_STD) + b"=" * (-tail % 4), strict_mode=True
        )
    except binascii.Error:
        raise B64urlRejected("invalid base64url data") from None
    if tail and raw[-1] not in _CANONICAL_LAST[tail]:
        raise B64urlRejected("base64url data is not canonical (its trailing bits are not zero)")
    return data
