"""The verifier's trust list: its own, or the configured default. Issuer keys and status lists
come through ``rt.caches.resolvers`` (``core.resolvers``), and the pipeline asks about an
issuer only once it is on this list."""

from __future__ import annotations

from core import trustlists
from core.runtime import Runtime
from core.standards import trust_list


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
