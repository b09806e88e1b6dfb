"""Presenting an SD-JWT (RFC 9901 §5.2): the Disclosures that reveal the chosen claims."""

from __future__ import annotations

from collections.abc import Iterable

from core.standards.sd_jwt.compact import serialize
from core.standards.sd_jwt.disclosures import ClaimPath
from core.standards.sd_jwt.errors import UnknownClaimPath
from core.standards.sd_jwt.verify import ProcessedClaims, VerifiedSdJwt


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
