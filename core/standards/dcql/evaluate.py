"""Evaluating a whole query (OpenID4VP 1.0 §6.4.2): the wallet's candidate credentials
(``evaluate``), or the credential query ids a verifier received answers to (``check_answered``);
both apply ``credential_sets`` the same way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from core.standards.dcql.errors import DcqlNotSatisfied
from core.standards.dcql.match import CredentialMatch, match_credential
from core.standards.dcql.query import CredentialQuery, CredentialSetQuery, DcqlQuery


@dataclass(frozen=True)
class CandidateCredential:
    """A credential to match: the caller's reference, its format and its processed claims;
    ``authorities``, the (type, value) pairs of §6.1.1.1 the holder knows it satisfies (for
    ``aki``: the Authority Key Identifiers in its issuer's ``x5c`` chain)."""

    ref: str
    format: str
    claims: Mapping[str, object]
    authorities: frozenset[tuple[str, str]] = frozenset()

    def certified_by_one_of(self, query: CredentialQuery) -> bool:
        """§6.1.1: with ``trusted_authorities``, a credential is returned only if it matches
        one of them; an authority the holder cannot evaluate matches nothing."""
        wanted = query.trusted_authorities
        if wanted is None:
            return True
        return any((a.type, value) in self.authorities for a in wanted for value in a.values)


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
        found = (
            (c, match_credential(credential_query, c.format, c.claims))
            for c in credentials
            if c.certified_by_one_of(credential_query)
        )
        matches[credential_query.id] = tuple(CandidateMatch(c, m) for c, m in found if m)
    sets = _apply_credential_sets(query, lambda query_id: bool(matches[query_id]))
    return Evaluation(MappingProxyType(matches), *sets)


def check_answered(query: DcqlQuery, answered: Collection[str]) -> tuple[str, ...]:
    """The verifier's side of §6.4.2: the credential query ids a ``vp_token`` answers (§8.1)
    satisfy the query — every required credential set has an option whose every id is
    answered; without ``credential_sets``, every credential query is answered. Optional sets
    may go unanswered. Returns the ids of the options taken, as ``Evaluation.selected_ids``;
    raises ``DcqlNotSatisfied`` otherwise.

    Not ``evaluate``: it counts a credential toward every query it fits, while a response
    answers a query only under that query's id, and each answer is checked on its own."""
    sets = _apply_credential_sets(query, lambda query_id: query_id in answered)
    if not sets.satisfiable:
        if not sets.credential_sets:
            missing = [q.id for q in query.credentials if q.id not in answered]
            raise DcqlNotSatisfied(f"no answer to the credential queries {missing}")
        outcomes = enumerate(sets.credential_sets)
        unmet = next(i for i, s in outcomes if s.required and not s.satisfied)
        raise DcqlNotSatisfied(f"no option of the required credential_sets[{unmet}] is answered")
    return sets.selected_ids


class _CredentialSets(NamedTuple):
    """The fields of ``Evaluation`` that ``credential_sets`` decides, in its order."""

    credential_sets: tuple[CredentialSetOutcome, ...]
    required_ids: frozenset[str]
    optional_ids: frozenset[str]
    satisfiable: bool
    selected_ids: tuple[str, ...]


def _apply_credential_sets(query: DcqlQuery, has: Callable[[str], bool]) -> _CredentialSets:
    """§6.4.2 given whether each credential query ``has`` a credential for it."""
    if query.credential_sets is None:
        ids = tuple(q.id for q in query.credentials)
        ok = all(has(i) for i in ids)
        return _CredentialSets((), frozenset(ids), frozenset(), ok, ids if ok else ())
    outcomes = tuple(
        CredentialSetOutcome(s, tuple(o for o in s.options if all(has(i) for i in o)))
        for s in query.credential_sets
    )
    required = frozenset(i for o in outcomes if o.required for opt in o.query.options for i in opt)
    optional = frozenset(i for o in outcomes for opt in o.query.options for i in opt) - required
    ok = all(o.satisfied for o in outcomes if o.required)
    ordered = [o for o in outcomes if o.required] + [o for o in outcomes if not o.required]
    selected = tuple(dict.fromkeys(i for o in ordered if o.chosen for i in o.chosen))
    return _CredentialSets(outcomes, required, optional, ok, selected if ok else ())
