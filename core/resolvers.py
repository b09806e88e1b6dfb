"""Fetching what a credential points at, with bounded caches: issuer keys and status lists.

Used by the wallet (checking a credential as it arrives, and its status later) and by the
verifier (its pipeline). Each cache entry lives at most ``max_age`` seconds; a status list
is kept no longer than its own ``ttl`` says (draft-ietf-oauth-status-list §13.7) nor past
its ``exp``. Callers decide *which* URLs may be fetched (the verifier only trusted issuers);
this module only fetches, verifies and caches.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography import x509

from core import jose
from core.http import Fetcher
from core.standards import sd_jwt_vc, status_list
from core.standards.status_list import StatusList
from core.ttlcache import TtlCache


class IssuerKeys:
    """JWT VC Issuer Metadata keys (draft-ietf-oauth-sd-jwt-vc §4), cached by issuer."""

    def __init__(self, max_age: int = 300, max_entries: int = 1024) -> None:
        self.max_age = max_age
        self._cache: TtlCache[str, Mapping[str, jose.PublicKey]] = TtlCache(max_entries)

    def keys(
        self, fetcher: Fetcher, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        """The issuer's published keys by kid; ``refresh`` drops the cached copy first."""

        def fetch() -> tuple[Mapping[str, jose.PublicKey], float]:
            document = fetcher.get_json(sd_jwt_vc.issuer_metadata_url(issuer))
            keys = sd_jwt_vc.keys_from_issuer_metadata(document, expected_issuer=issuer)
            return keys, now + self.max_age

        if refresh:
            self._cache.pop(issuer)
        return self._cache.get_or_load(issuer, now, fetch)

    def key_for(
        self,
        fetcher: Fetcher,
        issuer: str,
        header: Mapping[str, object],
        now: int,
        anchors: tuple[x509.Certificate, ...] = (),
    ) -> jose.Keys:
        """The key a status list token's header offers, by the same rules as a credential's
        (``sd_jwt_vc.issuer_signature_key``: an unknown ``kid`` refetches once); a ``kid``
        not published is ``IssuerMetadataInvalid``."""
        return sd_jwt_vc.issuer_signature_key(
            header,
            lambda refresh: self.keys(fetcher, issuer, now, refresh=refresh),
            issuer,
            anchors,
            now,
            missing=sd_jwt_vc.IssuerMetadataInvalid,
        )


class StatusLists:
    """Status List Tokens, verified with their issuer's keys, cached per their ``ttl``.

    Keyed by (issuer, list URI, trust anchors): a list verified with one issuer's key answers
    only for that issuer's credentials, never for another's that names the same URI, nor for a
    caller whose trust list gives that issuer other anchors."""

    def __init__(self, issuer_keys: IssuerKeys, max_age: int = 300, max_entries: int = 1024):
        self.issuer_keys = issuer_keys
        self.max_age = max_age
        self._cache: TtlCache[tuple[str, str, tuple[x509.Certificate, ...]], StatusList] = TtlCache(
            max_entries
        )

    def status(
        self,
        fetcher: Fetcher,
        issuer: str,
        reference: status_list.StatusListReference,
        now: int,
        anchors: tuple[x509.Certificate, ...] = (),
    ) -> int:
        return self.status_list(fetcher, issuer, reference.uri, now, anchors).get(reference.idx)

    def status_list(
        self,
        fetcher: Fetcher,
        issuer: str,
        uri: str,
        now: int,
        anchors: tuple[x509.Certificate, ...] = (),
    ) -> StatusList:
        """The list at ``uri``, signed by ``issuer``: from the cache while its ``ttl`` lasts,
        else fetched and verified with the key its header offers (``IssuerKeys.key_for``: a
        list signed after a key rotation still verifies)."""
        return self._cache.get_or_load(
            (issuer, uri, anchors), now, lambda: self._fetch(fetcher, issuer, uri, now, anchors)
        )

    def _fetch(
        self,
        fetcher: Fetcher,
        issuer: str,
        uri: str,
        now: int,
        anchors: tuple[x509.Certificate, ...],
    ) -> tuple[StatusList, float]:
        token = fetcher.get_text(uri, headers={"Accept": status_list.MEDIA_TYPE_STATUS_LIST_JWT})
        jws = jose.verify(
            token.strip(),
            lambda header: self.issuer_keys.key_for(fetcher, issuer, header, now, anchors),
            typ=status_list.TYP_STATUS_LIST_JWT,
        )
        lst = status_list.verify_status_list_token_claims(
            jws.header, jws.payload, expected_sub=uri, now=now
        )
        ttl = jws.payload.get("ttl")
        lifetime = min(self.max_age, ttl) if isinstance(ttl, int) and ttl > 0 else self.max_age
        exp = jws.payload.get("exp")
        expires = min(now + lifetime, exp) if isinstance(exp, int) else now + lifetime
        return lst, expires

    def forget(self) -> None:
        self._cache.clear()


class FetchingResolvers:
    """``core.credential_check.Resolvers`` over HTTP, through the runtime's caches. Which
    issuers it is asked about is the caller's choice: the verifier asks only about issuers on
    its trust list, the wallet only about the issuer that offered the credential."""

    def __init__(self, fetcher: Fetcher, issuer_keys: IssuerKeys, status_lists: StatusLists):
        self._fetcher = fetcher
        self._keys = issuer_keys
        self._lists = status_lists

    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        return self._keys.keys(self._fetcher, issuer, now, refresh=refresh)

    def status(
        self,
        reference: status_list.StatusListReference,
        issuer: str,
        now: int,
        anchors: tuple[x509.Certificate, ...] = (),
    ) -> int:
        return self._lists.status(self._fetcher, issuer, reference, now, anchors)
