"""Matching one credential against one credential query (OpenID4VP 1.0 §6.4.1, App. B.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.standards.dcql.errors import (
    DcqlClaimsPathNoMatch,
    DcqlMetaInvalid,
    DcqlNotSatisfied,
    DcqlUnsupportedFormat,
)
from core.standards.dcql.pointer import select, show
from core.standards.dcql.query import (
    MATCHED_FORMATS,
    ClaimPath,
    ClaimsPath,
    ClaimsQuery,
    ClaimValue,
    CredentialQuery,
    SdJwtVcMeta,
)


@dataclass(frozen=True)
class ClaimMatch:
    """One claims query as satisfied by a credential: the concrete paths it selects.

    With ``values``, only the selected claims whose value matches are kept (§6.4.1: a claim
    that does not match is treated as absent).
    """

    claim_id: str | None
    query_path: ClaimsPath
    paths: tuple[ClaimPath, ...]


@dataclass(frozen=True)
class ClaimSelection:
    """The claims one option of §6.4.1 requires; ``claim_set`` is None without claim_sets."""

    claim_set: tuple[str, ...] | None
    claims: tuple[ClaimMatch, ...]

    @property
    def paths(self) -> tuple[ClaimPath, ...]:
        """Every concrete path to disclose, in order, without repeats."""
        return tuple(dict.fromkeys(p for claim in self.claims for p in claim.paths))


@dataclass(frozen=True)
class CredentialMatch:
    """A credential that satisfies a credential query.

    ``selection`` is what to disclose: the first satisfiable claim set, the verifier's
    preference (§6.4.1), or all claims, or none (an empty selection when the query names no
    claims: only what is always disclosed goes). ``alternatives`` are the other satisfiable
    claim sets, in the verifier's order.
    """

    query_id: str
    selection: ClaimSelection
    alternatives: tuple[ClaimSelection, ...] = ()

    @property
    def paths(self) -> tuple[ClaimPath, ...]:
        return self.selection.paths


def match_credential(
    query: CredentialQuery, format: str, claims: Mapping[str, object]
) -> CredentialMatch | None:
    """Whether a credential of ``format`` with processed ``claims`` satisfies ``query``.

    ``claims`` is the fully disclosed view of the credential (for SD-JWT VC: every Disclosure
    applied, with ``vct`` and ``cnf``). A credential of another format is no match; a query of
    a format that is parsed but not matched here raises ``DcqlUnsupportedFormat``.
    """
    if format != query.format:
        return None
    if not _type_matches(query, claims):
        return None
    if query.require_cryptographic_holder_binding and "cnf" not in claims:
        return None  # App. B.3: without ``cnf`` there is no holder binding to prove
    options = _satisfiable_selections(query, claims)
    if not options:
        return None
    return CredentialMatch(query.id, options[0], options[1:])


def _type_matches(query: CredentialQuery, claims: Mapping[str, object]) -> bool:
    """App. B.3: the credential's ``vct`` is one of ``vct_values`` (exactly)."""
    if query.format not in MATCHED_FORMATS:
        raise DcqlUnsupportedFormat(f"credentials of format {query.format!r} are not matched")
    if not isinstance(query.meta, SdJwtVcMeta):
        raise DcqlMetaInvalid(f"the credential query {query.id!r} has no vct_values")
    vct = claims.get("vct")
    return isinstance(vct, str) and vct in query.meta.vct_values


def _satisfiable_selections(
    query: CredentialQuery, claims: Mapping[str, object]
) -> tuple[ClaimSelection, ...]:
    """§6.4.1: each option that the credential can satisfy, in the verifier's order."""
    if query.claims is None:
        return (ClaimSelection(None, ()),)
    if query.claim_sets is None:
        found = [_claim_match(claim, claims) for claim in query.claims]
        if any(match is None for match in found):
            return ()
        return (ClaimSelection(None, tuple(m for m in found if m is not None)),)
    by_id: dict[str | None, ClaimsQuery] = {claim.id: claim for claim in query.claims}
    cache: dict[str, ClaimMatch | None] = {}
    options: list[ClaimSelection] = []
    for claim_set in query.claim_sets:
        for claim_id in claim_set:
            if claim_id not in cache:
                cache[claim_id] = _claim_match(by_id[claim_id], claims)
        found = [cache[claim_id] for claim_id in claim_set]
        if all(match is not None for match in found):
            options.append(ClaimSelection(claim_set, tuple(m for m in found if m is not None)))
    return tuple(options)


def _claim_match(claim: ClaimsQuery, claims: Mapping[str, object]) -> ClaimMatch | None:
    try:
        selected = select(claim.path, claims)
    except DcqlClaimsPathNoMatch:
        return None
    paths = tuple(
        where
        for where, value in selected
        if claim.values is None or _value_matches(value, claim.values)
    )
    return ClaimMatch(claim.id, claim.path, paths) if paths else None


def _value_matches(value: object, allowed: tuple[ClaimValue, ...]) -> bool:
    """§6.3: type and value both match exactly, so ``true`` is not ``1`` nor ``"1"``."""
    return any(type(value) is type(candidate) and value == candidate for candidate in allowed)


def check_satisfied(query: CredentialQuery, claims: Mapping[str, object]) -> None:
    """Raise ``DcqlNotSatisfied`` unless the presented ``claims`` satisfy ``query``.

    For the verifier, after the presentation is verified: ``claims`` is the processed
    presentation (its disclosed claims and the always-visible ones). Value restrictions are
    checked too, since a verifier MUST NOT rely on the wallet honouring them (§6.4.1). The
    error names the first missing claims path (of the preferred claim set, with claim_sets).
    """
    if not _type_matches(query, claims):
        raise DcqlNotSatisfied(f"the credential's vct is not one that {query.id!r} accepts")
    if query.require_cryptographic_holder_binding and "cnf" not in claims:
        raise DcqlNotSatisfied(f"{query.id!r} requires holder binding; the credential has no cnf")
    if query.claims is None:
        return
    if query.claim_sets is None:
        _raise_missing(query, query.claims, claims)
        return
    by_id = {claim.id: claim for claim in query.claims}
    first_missing: DcqlNotSatisfied | None = None
    for claim_set in query.claim_sets:
        try:
            _raise_missing(query, [by_id[claim_id] for claim_id in claim_set], claims)
        except DcqlNotSatisfied as missing:
            first_missing = first_missing or missing
            continue
        return
    assert first_missing is not None  # claim_sets is never empty
    raise first_missing


def _raise_missing(
    query: CredentialQuery, wanted: Sequence[ClaimsQuery], claims: Mapping[str, object]
) -> None:
    for claim in wanted:
        if _claim_match(claim, claims) is None:
            raise DcqlNotSatisfied(
                f"{query.id!r}: no claim at {show(claim.path)}"
                + (" with one of the requested values" if claim.values is not None else ""),
                path=claim.path,
            )
