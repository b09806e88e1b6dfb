"""What a holder is asked for, what they may choose, and the presentation that results.

Shared by one-off sharing (OpenID4VP) and standing grants. For each DCQL credential query the
holder sees the matching credentials and, per credential, the *required* claims (in every
claim set the credential can satisfy) and the *optional* ones (in some sets only). The holder
picks one credential and any optional claims; the pick must still satisfy one of the
verifier's claim sets (DCQL §6.4.1). The presentation then carries exactly the disclosures
for the chosen paths and a key binding JWT — never more (data minimisation).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from core import jose, trustlists
from core import x509 as certs
from core.errors import IntygError, InvalidInput
from core.runtime import Runtime
from core.standards import dcql, sd_jwt, trust_list
from wallet.service.holdings import OpenedCredential

Path = tuple[str | int, ...]


class ChoiceInvalid(InvalidInput):
    code = "choice_invalid"
    title = "The choice does not fit the request"


@dataclass(frozen=True)
class CandidateView:
    credential_id: str
    required: tuple[Path, ...]
    optional: tuple[Path, ...]
    claim_sets: tuple[frozenset[Path], ...]


@dataclass(frozen=True)
class QueryView:
    query_id: str
    required: bool
    requested: tuple[Path, ...]
    candidates: tuple[CandidateView, ...]


def evaluate(
    query: dcql.DcqlQuery,
    credentials: Sequence[OpenedCredential],
    lists: Sequence[tuple[str, trust_list.TrustList]] = (),
    now: int = 0,
) -> tuple[QueryView, ...]:
    """The candidates per credential query; ``lists``, the trust lists the wallet itself reads
    (by the URL it reads each from), for ``etsi_tl`` authorities (``lists_for``)."""
    candidates = [
        dcql.CandidateCredential(
            c.row.id,
            c.row.format,
            c.verified.claims,
            authorities(c.verified.jws.header, c.verified.jws.payload, lists, now),
        )
        for c in credentials
    ]
    evaluation = dcql.evaluate(query, candidates)
    views = []
    for credential_query in query.credentials:
        matches = evaluation.matches.get(credential_query.id, ())
        views.append(
            QueryView(
                query_id=credential_query.id,
                required=credential_query.id not in evaluation.optional_ids,
                requested=_requested_paths(credential_query),
                candidates=tuple(_candidate(m) for m in matches),
            )
        )
    return tuple(views)


def authorities(
    header: Mapping[str, object],
    payload: Mapping[str, object],
    lists: Sequence[tuple[str, trust_list.TrustList]] = (),
    now: int = 0,
) -> frozenset[tuple[str, str]]:
    """The DCQL trusted authorities a credential is seen to match (OpenID4VP 1.0 §6.1.1.1):
    ``aki``, the Authority Key Identifier of each certificate in its ``x5c``; ``etsi_tl``, the
    URL of each of ``lists`` that lists its issuer. The wallet fetches no list a verifier
    names: an ``etsi_tl`` of another list matches nothing here."""
    found: set[tuple[str, str]] = set()
    issuer = payload.get("iss")
    for url, listed in lists:
        if isinstance(issuer, str) and listed.issuer_for(issuer, header.get("x5c"), now):
            found.add(("etsi_tl", url))
    if "x5c" in header:
        try:
            chain = certs.parse_x5c(header["x5c"])
        except certs.X509Error:
            chain = []
        found.update(("aki", k) for c in chain if (k := certs.authority_key_id(c)) is not None)
    return frozenset(found)


def evaluate_for(
    rt: Runtime, query: dcql.DcqlQuery, opened: Mapping[str, OpenedCredential]
) -> tuple[QueryView, ...]:
    """``evaluate`` of the holder's usable credentials, with the wallet's own lists."""
    return evaluate(query, list(opened.values()), lists_for(rt, query), rt.clock.now())


def lists_for(rt: Runtime, query: dcql.DcqlQuery) -> list[tuple[str, trust_list.TrustList]]:
    """The wallet's own trust list (``INTYG_WALLET_RECOGNISED_VERIFIERS``) when it is read
    from an https URL and the query names ``etsi_tl`` authorities; else none."""
    source = rt.settings.wallet_recognised_verifiers
    wanted = any(
        a.type == "etsi_tl" for q in query.credentials for a in q.trusted_authorities or ()
    )
    if not wanted or not source or not source.startswith("https://"):
        return []
    try:
        return [(source, trustlists.from_source(rt, source))]
    except IntygError:
        return []  # no list to go by: the authority matches nothing


def _requested_paths(query: dcql.CredentialQuery) -> tuple[Path, ...]:
    """The paths as the verifier wrote them (``null`` for "every element"), for the record."""
    return tuple(tuple("*" if s is None else s for s in c.path) for c in query.claims or ())


def _candidate(match: dcql.CandidateMatch) -> CandidateView:
    sets = [frozenset(match.match.selection.paths)]
    sets += [frozenset(s.paths) for s in match.match.alternatives]
    required = frozenset.intersection(*sets)
    everything = frozenset.union(*sets)
    ordered = list(
        dict.fromkeys(
            p for s in [match.match.selection, *match.match.alternatives] for p in s.paths
        )
    )
    return CandidateView(
        credential_id=match.candidate.ref,
        required=tuple(p for p in ordered if p in required),
        optional=tuple(p for p in ordered if p in everything - required),
        claim_sets=tuple(sets),
    )


@dataclass(frozen=True)
class Chosen:
    query_id: str
    credential_id: str
    paths: tuple[Path, ...]


def resolve_choice(
    views: Sequence[QueryView],
    choice: Mapping[str, tuple[str, Sequence[Sequence[object]]]],
    *,
    needed: Callable[[str, Path], bool] | None = None,
) -> tuple[Chosen, ...]:
    """Check the holder's pick ``{query_id: (credential_id, optional paths)}`` against the
    request; every required query must be answered, nothing unrequested may be added.

    With ``needed`` (the holder answers an over-asking request with only the claims its
    purpose needs: ``needed(credential_id, path)``), every other path is left out, required
    ones too; the answer may then satisfy none of the verifier's claim sets, which the holder
    was told."""
    by_id = {view.query_id: view for view in views}
    unknown = set(choice) - set(by_id)
    if unknown:
        raise ChoiceInvalid(f"these credential queries were not asked for: {sorted(unknown)}")
    chosen = []
    for view in views:
        if view.query_id not in choice:
            if view.required:
                raise ChoiceInvalid(f"the request requires an answer to {view.query_id!r}")
            continue
        credential_id, optional = choice[view.query_id]
        candidate = next((c for c in view.candidates if c.credential_id == credential_id), None)
        if candidate is None:
            raise ChoiceInvalid(f"that credential does not match {view.query_id!r}")
        picked = {_as_path(p) for p in optional}
        extra = picked - set(candidate.optional)
        if extra:
            listed = sorted((list(p) for p in extra), key=str)
            raise ChoiceInvalid(f"{view.query_id!r}: not optional claims of this request: {listed}")
        paths = set(candidate.required) | picked
        if needed is not None:
            if not needed(credential_id, ()):
                continue  # the purpose needs nothing of it: not even that the holder has it
            paths = {p for p in paths if needed(credential_id, p)}
        elif not any(claim_set <= paths for claim_set in candidate.claim_sets):
            raise ChoiceInvalid(f"{view.query_id!r}: the choice satisfies none of the claim sets")
        ordered = tuple(p for p in (*candidate.required, *candidate.optional) if p in paths)
        chosen.append(Chosen(view.query_id, credential_id, ordered))
    if not chosen:
        raise ChoiceInvalid("choose at least one credential")
    return tuple(chosen)


def _as_path(raw: Sequence[object]) -> Path:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ChoiceInvalid("a claim path is a non-empty list of names and indices")
    steps: list[str | int] = []
    for step in raw:
        if isinstance(step, bool) or not isinstance(step, (str, int)):
            raise ChoiceInvalid("a claim path holds only names and indices")
        steps.append(step)
    return tuple(steps)


def build_vp_token(
    chosen: Iterable[Chosen],
    opened: Mapping[str, OpenedCredential],
    *,
    audience: str,
    nonce: str,
    now: int,
) -> dict[str, list[str | dict[str, object]]]:
    """One key-bound SD-JWT VC presentation per answered query, with exactly the chosen
    disclosures (the KB-JWT's ``sd_hash`` covers them, so none can be added later)."""
    vp_token: dict[str, list[str | dict[str, object]]] = {}
    for item in chosen:
        credential = opened[item.credential_id]
        presentation = sd_jwt.present(credential.verified, item.paths)
        vp_token[item.query_id] = [
            sd_jwt.add_key_binding(
                presentation, credential.holder_key, aud=audience, nonce=nonce, iat=now
            )
        ]
    return vp_token


def disclosed_paths(chosen: Iterable[Chosen]) -> list[dict[str, object]]:
    """For the consent record: which claim paths of which credential went (no values)."""
    return [
        {"query": c.query_id, "credential_id": c.credential_id, "paths": [list(p) for p in c.paths]}
        for c in chosen
    ]


def token_hash(vp_token_json: str) -> str:
    return jose.b64url_encode(hashlib.sha256(vp_token_json.encode()).digest())


def view_json(
    views: Sequence[QueryView],
    opened: Mapping[str, OpenedCredential],
) -> list[dict[str, object]]:
    """What the holder is shown: per query, candidates with their claims and values (the
    holder's own data, shown only to them, so they can decide)."""
    out: list[dict[str, object]] = []
    for view in views:
        candidates = []
        for candidate in view.candidates:
            credential = opened[candidate.credential_id]
            claims = credential.verified.claims
            candidates.append(
                {
                    "credential_id": candidate.credential_id,
                    "issuer_name": credential.row.display.get("issuer_name"),
                    "vct": credential.row.vct,
                    "status": credential.row.status,
                    "required_claims": [_claim(p, claims) for p in candidate.required],
                    "optional_claims": [_claim(p, claims) for p in candidate.optional],
                }
            )
        out.append(
            {
                "query_id": view.query_id,
                "required": view.required,
                "requested": [list(p) for p in view.requested],
                "candidates": candidates,
            }
        )
    return out


def _claim(path: Path, claims: Mapping[str, object]) -> dict[str, object]:
    value: object = claims
    for step in path:
        value = value[step] if isinstance(value, (dict, list)) else None  # type: ignore[index]
    return {"path": list(path), "value": value}
