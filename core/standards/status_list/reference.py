"""§6.1–6.2 the Referenced Token's ``status`` claim: where its status lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.standards.status_list.errors import StatusReferenceInvalid


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
