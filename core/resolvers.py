"""Fetching what a credential points at, with bounded caches: issuer keys and status lists.

Used by the wallet (checking a credential as it arrives, and its status later) and by the
verifier (its pipeline). Each cache entry lives at most ``max_age`` seconds; a status list
is kept no longer than its own ``ttl`` says (draft-ietf-oauth-status-list §13.7) nor past
its ``exp``. Callers decide *which* URLs may be fetched (the verifier only trusted issuers);
this module only fetches, verifies and caches.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from core import jose
from core.http import Fetcher
from core.standards import sd_jwt_vc, status_list
from core.standards.status_list import StatusList


@dataclass
class _Entry:
    value: object
    expires_at: float


@dataclass
class _TtlCache:
    entries: dict[str, _Entry] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    max_entries: int = 1024

    def get(self, key: str, now: float) -> object | None:
        entry = self.entries.get(key)
        if entry is None or entry.expires_at <= now:
            return None
        return entry.value

    def put(self, key: str, value: object, expires_at: float) -> None:
        with self.lock:
            if len(self.entries) >= self.max_entries:
                self.entries.clear()  # bounded memory; a refetch is cheap
            self.entries[key] = _Entry(value, expires_at)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


@dataclass
class IssuerKeys:
    """JWT VC Issuer Metadata keys (draft-ietf-oauth-sd-jwt-vc §4), cached by issuer."""

    max_age: int = 300
    _cache: _TtlCache = field(default_factory=_TtlCache)

    def keys(self, fetcher: Fetcher, issuer: str, now: int) -> Mapping[str, jose.PublicKey]:
        cached = self._cache.get(issuer, now)
        if isinstance(cached, dict):
            return cached
        document = fetcher.get_json(sd_jwt_vc.issuer_metadata_url(issuer))
        keys = sd_jwt_vc.keys_from_issuer_metadata(document, expected_issuer=issuer)
        self._cache.put(issuer, keys, now + self.max_age)
        return keys

    def key_for(
        self, fetcher: Fetcher, issuer: str, header: Mapping[str, object], now: int
    ) -> jose.Keys:
        """The published key the header's ``kid`` names; without a ``kid``, the candidates
        ``jose.verify`` tries (``sd_jwt_vc.keys_without_kid``)."""
        kid = header.get("kid")
        if "kid" not in header:
            return sd_jwt_vc.keys_without_kid(self.keys(fetcher, issuer, now), header)
        if not isinstance(kid, str):
            raise sd_jwt_vc.IssuerMetadataInvalid("the credential's kid is not a string")
        key = self.keys(fetcher, issuer, now).get(kid)
        if key is None:  # perhaps rotated since we cached: look once more
            self.forget(issuer)
            key = self.keys(fetcher, issuer, now).get(kid)
        if key is None:
            raise sd_jwt_vc.IssuerMetadataInvalid(f"the issuer publishes no key {kid!r}")
        return key

    def forget(self, issuer: str) -> None:
        with self._cache.lock:
            self._cache.entries.pop(issuer, None)


@dataclass
class StatusLists:
    """Status List Tokens, verified with the issuer's keys, cached per their ``ttl``."""

    max_age: int = 300
    _cache: _TtlCache = field(default_factory=_TtlCache)

    def status(
        self,
        fetcher: Fetcher,
        reference: status_list.StatusListReference,
        issuer_key: jose.KeyResolver,
        now: int,
    ) -> int:
        """``issuer_key`` resolves the list's ``kid`` among the issuer's published keys
        (``IssuerKeys.key_for``: a list signed after a key rotation still verifies)."""
        return self.status_list(fetcher, reference.uri, issuer_key, now).get(reference.idx)

    def status_list(
        self, fetcher: Fetcher, uri: str, issuer_key: jose.KeyResolver, now: int
    ) -> StatusList:
        """The list at ``uri``, from the cache while its ``ttl`` lasts, else fetched."""
        lst = self._cache.get(uri, now)
        return lst if isinstance(lst, StatusList) else self._fetch(fetcher, uri, issuer_key, now)

    def _fetch(
        self, fetcher: Fetcher, uri: str, issuer_key: jose.KeyResolver, now: int
    ) -> StatusList:
        token = fetcher.get_text(uri, headers={"Accept": status_list.MEDIA_TYPE_STATUS_LIST_JWT})
        jws = jose.verify(token.strip(), issuer_key, typ=status_list.TYP_STATUS_LIST_JWT)
        lst = status_list.verify_status_list_token_claims(
            jws.header, jws.payload, expected_sub=uri, now=now
        )
        ttl = jws.payload.get("ttl")
        lifetime = min(self.max_age, ttl) if isinstance(ttl, int) and ttl > 0 else self.max_age
        exp = jws.payload.get("exp")
        expires = min(now + lifetime, exp) if isinstance(exp, int) else now + lifetime
        self._cache.put(uri, lst, expires)
        return lst

    def forget(self) -> None:
        self._cache.clear()
