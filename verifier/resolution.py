"""The verifier's view of the outside world: its trust list, and issuer keys and status
lists fetched only for issuers on that list (cached with bounded lifetimes)."""

from __future__ import annotations

from collections.abc import Mapping

from core import jose, trustlists
from core.runtime import Runtime
from core.standards import status_list, trust_list


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
        self.caches = rt.caches

    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        if refresh:
            self.caches.issuer_keys.forget(issuer)
        return self.caches.issuer_keys.keys(self.fetcher, issuer, now)

    def status(self, reference: status_list.StatusListReference, issuer: str, now: int) -> int:
        return self.caches.status_lists.status(self.fetcher, issuer, reference, now)
