"""The issuer's index allocation: a random permutation of a list's indices, stored packed, so
that an index says nothing about when a credential was issued."""

from __future__ import annotations

import random
import secrets
import sys
from array import array
from collections.abc import Iterable
from typing import Final

from core.standards.status_list.errors import StatusListMalformed

_INDEX_TYPECODE: Final = "I"


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
