"""The verifier's view of the outside world: its trust list, and issuer keys and status
lists fetched only for issuers on that list (cached with bounded lifetimes)."""

from __future__ import annotations

from collections.abc import Mapping

from core import jose, trustlists
from core.resolvers import IssuerKeys, StatusLists
from core.runtime import Runtime
from core.standards import status_list, trust_list

ISSUER_KEYS = IssuerKeys(max_age=300)
STATUS_LISTS = StatusLists(max_age=300)


def load_trust_list(rt: Runtime, token: str | None) -> trust_list.TrustList:
    """The verifier's own list, else the configured default (a file or URL, refreshed)."""
    if token is not None:
        return trustlists.verified(rt, token)
    source = rt.settings.verifier_trust_list
    if not source:
        raise trustlists.TrustListUnavailable(
            "upload one (PUT trust-list) or set INTYG_VERIFIER_TRUST_LIST"
        )
    return trustlists.from_source(rt, source)


class TrustedResolvers:
    """``pipeline.Resolvers`` over HTTP; the pipeline asks only for trusted issuers."""

    def __init__(self, rt: Runtime) -> None:
        self.fetcher = rt.fetcher

    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        if refresh:
            ISSUER_KEYS.forget(issuer)
        return ISSUER_KEYS.keys(self.fetcher, issuer, now)

    def status(self, reference: status_list.StatusListReference, issuer: str, now: int) -> int:
        fetcher = self.fetcher
        return STATUS_LISTS.status(
            fetcher,
            reference,
            lambda header: ISSUER_KEYS.key_for(fetcher, issuer, header, now),
            now,
        )
