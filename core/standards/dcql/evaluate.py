"""Evaluating a whole query against candidate credentials (OpenID4VP 1.0 §6.4.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from core.standards.dcql.match import CredentialMatch, match_credential
from core.standards.dcql.query import CredentialSetQuery, DcqlQuery


@dataclass(frozen=True)
class CandidateCredential:
    """A credential to match: the caller's reference, its format and its processed claims."""

    ref: str
    format: str
    claims: Mapping[str, object]


@dataclass(frozen=True)
class CandidateMatch:
    candidate: CandidateCredential
    match: CredentialMatch


@dataclass(frozen=True)
class CredentialSetOutcome:
    """One credential set query (§6.2) and its options that the candidates can satisfy."""

    query: CredentialSetQuery
    satisfiable_options: tuple[tuple[str, ...], ...]

    @property
    def required(self) -> bool:
        return self.query.required

    @property
    def satisfied(self) -> bool:
        return bool(self.satisfiable_options)

    @property
    def chosen(self) -> tuple[str, ...] | None:
        """The first satisfiable option: the verifier's preference."""
        return self.satisfiable_options[0] if self.satisfiable_options else None


@dataclass(frozen=True)
class Evaluation:
    """A DCQL query evaluated against candidate credentials (§6.4.2).

    ``matches``: per credential query id, the candidates that satisfy it (possibly none).
    ``required_ids``: the credential queries in a required credential set (all of them without
    credential_sets); ``optional_ids``: those only in optional sets. ``satisfiable``: every
    required credential set has an option whose every query has a candidate (without
    credential_sets: every query has one); if not, the wallet MUST return nothing.
    ``selected_ids``: the queries to answer, taking each set's first satisfiable option
    (required sets, then satisfiable optional ones); empty when not satisfiable.
    """

    matches: Mapping[str, tuple[CandidateMatch, ...]]
    credential_sets: tuple[CredentialSetOutcome, ...]
    required_ids: frozenset[str]
    optional_ids: frozenset[str]
    satisfiable: bool
    selected_ids: tuple[str, ...]


def evaluate(query: DcqlQuery, credentials: Sequence[CandidateCredential]) -> Evaluation:
    """Match every credential query against every candidate and apply ``credential_sets``."""
    matches: dict[str, tuple[CandidateMatch, ...]] = {}
    for credential_query in query.credentials:
        found = ((c, match_credential(credential_query, c.format, c.claims)) for c in credentials)
        matches[credential_query.id] = tuple(CandidateMatch(c, m) for c, m in found if m)
    frozen = MappingProxyType(matches)
    if query.credential_sets is None:
        ids = tuple(q.id for q in query.credentials)
        ok = all(matches[i] for i in ids)
        return Evaluation(frozen, (), frozenset(ids), frozenset(), ok, ids if ok else ())
    outcomes = tuple(
        CredentialSetOutcome(s, tuple(o for o in s.options if all(matches[i] for i in o)))
        for s in query.credential_sets
    )
    required = frozenset(i for o in outcomes if o.required for opt in o.query.options for i in opt)
    optional = frozenset(i for o in outcomes for opt in o.query.options for i in opt) - required
    ok = all(o.satisfied for o in outcomes if o.required)
    ordered = [o for o in outcomes if o.required] + [o for o in outcomes if not o.required]
    selected = tuple(dict.fromkeys(i for o in ordered if o.chosen for i in o.chosen))
    return Evaluation(frozen, outcomes, required, optional, ok, selected if ok else ())
