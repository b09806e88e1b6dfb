"""The verifier's view of the outside world: its trust list, and issuer keys and status
lists fetched only for issuers on that list (cached with bounded lifetimes)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from core import jose
from core.errors import IntygError, ServiceUnavailable
from core.resolvers import IssuerKeys, StatusLists
from core.runtime import Runtime
from core.standards import status_list, trust_list
from verifier import ca

ISSUER_KEYS = IssuerKeys(max_age=300)
STATUS_LISTS = StatusLists(max_age=300)
_parsed: dict[str, tuple[int, trust_list.TrustList]] = {}
_lock = threading.Lock()
RELOAD_SECONDS = 300


class TrustListUnavailable(ServiceUnavailable):
    code = "trust_list_unavailable"
    title = "The verifier has no valid trust list"


def load_trust_list(rt: Runtime, token: str | None) -> trust_list.TrustList:
    """The verifier's own list, else the configured default (a file or URL, refreshed)."""
    now = rt.clock.now()
    if token is None:
        token = _default_token(rt, now)
    cached = _parsed.get(token)
    if cached is not None and cached[0] > now and cached[1].next_update > now:
        return cached[1]
    try:
        parsed = trust_list.verify_trust_list(token, ca.operator_keys(rt), now)
    except IntygError as exc:
        raise TrustListUnavailable(f"{exc.code}: {exc.detail}") from None
    with _lock:
        if len(_parsed) > 64:
            _parsed.clear()
        _parsed[token] = (now + RELOAD_SECONDS, parsed)
    return parsed


_default: dict[str, tuple[int, str]] = {}


def _default_token(rt: Runtime, now: int) -> str:
    source = rt.settings.verifier_trust_list
    if not source:
        raise TrustListUnavailable("upload one (PUT trust-list) or set INTYG_VERIFIER_TRUST_LIST")
    cached = _default.get(source)
    if cached is not None and cached[0] > now:
        return cached[1]
    if source.startswith(("https://", "http://")):
        token = rt.fetcher.get_text(source).strip()
    else:
        token = Path(source).read_text().strip()
    _default[source] = (now + RELOAD_SECONDS, token)
    return token


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
            fetcher, reference, lambda header: ISSUER_KEYS.key_for(fetcher, issuer, header, now), now
        )
