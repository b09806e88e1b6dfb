"""Over-asking: does a request ask for more than the purpose it names is registered for?

A recognised verifier's entry in the wallet's list of recognised verifiers may register its
purposes and the claims each needs (``core.standards.intended_use``, modelled on the EUDI
registration certificate). A request names its purpose by the ``purpose_id`` parameter of its
Request Object (an Intyg extension beside ``purpose``, the words the holder reads; OpenID4VP
1.0 has no parameter for it). The wallet decides, in this order:

1. ``not_assessed`` — no list is configured, the verifier is not on it (or not
   authenticated), or its entry registers no purposes: there is nothing to compare with, so
   no verdict either way.
2. ``purpose_not_named`` — the entry registers purposes, the request names none.
3. ``purpose_not_registered`` — it names one the entry does not register.
   Both are findings in themselves: the holder is told that the wallet cannot tell which
   claims the purpose needs. The request is never matched to a purpose by its words or by
   guessing the "closest" registered one.
4. ``within_purpose`` / ``over_asking`` — the named purpose is registered: every claim the
   request asks for (required and optional, per credential query, by ``vct`` and claims path)
   must be covered by a claim the purpose registers for *every* ``vct`` the query accepts
   (``intended_use.covers``). What is not covered is an *extra claim*; any extra claim makes
   the request over-asking.

The registration the verdict rests on is taken when the request arrives and kept with it, so
a later change of the list does not change what the holder was shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from core.standards import dcql, intended_use
from core.standards.trust_list import TrustedVerifier
from schemas.wallet_api import OverAskingFinding
from wallet.models import WalletCredential

#: The findings, as the wallet API names them.
Finding = OverAskingFinding

#: The Request Object parameter that names the registered purpose (an Intyg extension).
PARAMETER: Final = "purpose_id"
MAX_PURPOSE_ID_CHARS: Final = 200


@dataclass(frozen=True)
class ExtraClaim:
    query_id: str
    vcts: tuple[str, ...]
    path: intended_use.PathPattern
    #: the verifier's query cannot be satisfied without it (it is in every claim set)
    required: bool


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    purpose_id: str | None
    purpose: intended_use.RegisteredPurpose | None
    extra: tuple[ExtraClaim, ...] = ()

    @property
    def over_asking(self) -> bool | None:
        """Yes, no, or (without a registered purpose to compare with) unknown."""
        if self.finding in (Finding.WITHIN_PURPOSE, Finding.OVER_ASKING):
            return self.finding == Finding.OVER_ASKING
        return None


def named_purpose(claims: Mapping[str, object]) -> str | None:
    """The purpose id a Request Object names; anything but a bounded string names none."""
    value = claims.get(PARAMETER)
    if isinstance(value, str) and 0 < len(value) <= MAX_PURPOSE_ID_CHARS:
        return value
    return None


def registration(entry: TrustedVerifier | None, purpose_id: str | None) -> dict[str, object]:
    """What a request will be compared with, as JSON to keep with it. ``entry`` is the
    verifier's entry on the list, or None when it is not recognised."""
    if entry is None or not entry.purposes:
        finding = Finding.NOT_ASSESSED
    elif purpose_id is None:
        finding = Finding.PURPOSE_NOT_NAMED
    elif entry.purpose(purpose_id) is None:
        finding = Finding.PURPOSE_NOT_REGISTERED
    else:
        registered = entry.purpose(purpose_id)
        assert registered is not None
        return {"finding": "registered", "purpose_id": purpose_id, **registered.as_json()}
    return {"finding": finding.value, "purpose_id": purpose_id}


def assess(query: dcql.DcqlQuery, kept: Mapping[str, object] | None) -> Verdict:
    """The verdict on a request's query against the registration kept with it."""
    kept = kept or {"finding": Finding.NOT_ASSESSED.value}
    purpose_id = kept.get("purpose_id")
    named = purpose_id if isinstance(purpose_id, str) else None
    if kept.get("finding") != "registered":
        return Verdict(Finding(str(kept.get("finding"))), named, None)
    raw = {k: kept[k] for k in ("id", "name", "claims") if k in kept}
    purpose = intended_use.parse_purposes([raw], "registration")[0]
    extra = tuple(_extra_claims(query, purpose))
    finding = Finding.OVER_ASKING if extra else Finding.WITHIN_PURPOSE
    return Verdict(finding, named, purpose, extra)


def _extra_claims(
    query: dcql.DcqlQuery, purpose: intended_use.RegisteredPurpose
) -> Iterable[ExtraClaim]:
    for credential_query in query.credentials:
        meta = credential_query.meta
        vcts = meta.vct_values if isinstance(meta, dcql.SdJwtVcMeta) else ()
        if not any(c.vct in vcts for c in purpose.claims):
            # The purpose needs nothing of such a credential: presenting it at all tells that
            # the holder has one, with its claims that are never selective. The path ``()``
            # stands for the credential itself.
            yield ExtraClaim(credential_query.id, vcts, (), True)
            continue
        for path, required in _asked(credential_query):
            if not vcts or not all(purpose.needs(vct, path) for vct in vcts):
                yield ExtraClaim(credential_query.id, vcts, path, required)


def _asked(query: dcql.CredentialQuery) -> list[tuple[dcql.ClaimsPath, bool]]:
    """The claims a credential query asks for, each with whether every claim set (DCQL
    §6.4.1) needs it; a claim in no claim set is not asked for."""
    claims = query.claims or ()
    if query.claim_sets is None:
        return [(claim.path, True) for claim in claims]
    sets = [set(s) for s in query.claim_sets]
    in_every, in_any = set.intersection(*sets), set.union(*sets)
    return [(c.path, c.id in in_every) for c in claims if c.id in in_any]


def path_json(path: intended_use.PathPattern) -> list[str | int]:
    """A path as the consent record and the log write them: ``"*"`` for every element."""
    return ["*" if step is None else step for step in path]


def display_of(
    credentials: Iterable[WalletCredential], vcts: Sequence[str], path: Sequence[object]
) -> list[dict[str, object]]:
    """How the issuer's metadata names the claim at ``path`` (OpenID4VCI claim description
    ``display`` entries, ``{locale, name}``), from a held credential of one of ``vcts``; empty
    when no held credential describes it."""
    for row in credentials:
        if row.vct not in vcts:
            continue
        described = row.display.get("claims")
        for entry in described if isinstance(described, list) else ():
            if not isinstance(entry, dict):
                continue
            pattern, display = entry.get("path"), entry.get("display")
            if isinstance(pattern, list) and isinstance(display, list) and _same(pattern, path):
                return [d for d in display if isinstance(d, dict)]
    return []


def _same(pattern: Sequence[object], path: Sequence[object]) -> bool:
    return len(pattern) == len(path) and all(
        p == step or (p is None and (step is None or isinstance(step, int)))
        for p, step in zip(pattern, path, strict=True)
    )


def as_json(verdict: Verdict, credentials: Sequence[WalletCredential]) -> dict[str, object]:
    """The verdict as the holder's API shows it: the extra claims by path, with labels."""
    return {
        "finding": verdict.finding.value,
        "over_asking": verdict.over_asking,
        "purpose_id": verdict.purpose_id,
        "purpose_name": dict(verdict.purpose.name) if verdict.purpose else {},
        "extra_claims": [
            {
                "query_id": extra.query_id,
                "vcts": list(extra.vcts),
                "path": path_json(extra.path),
                "required": extra.required,
                "display": display_of(credentials, extra.vcts, extra.path),
            }
            for extra in verdict.extra
        ],
        "needed_only_may_be_refused": any(e.required for e in verdict.extra),
    }
