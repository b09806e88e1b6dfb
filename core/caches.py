"""Everything a process keeps in memory between requests, in one place.

One ``Caches`` per ``Runtime`` (built with it in ``intyg.runtime.build_runtime``), reached as
``rt.caches.<name>``: a fresh runtime starts with empty caches, so tests need not clear any.
Pure function caches of immutable values stay where they are, since they hold no state a
test or an operator could observe: parsed public JWKs and encoded JWS headers
(``core.jose``), the TLS context (``core.http``), the per-file SQLite writer lock
(``core.sqlite_lock``: two runtimes on one file must share it).
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from typing import TypeVar

from core import jose, oidc
from core.http import Fetcher
from core.resolvers import FetchingResolvers, IssuerKeys, StatusLists
from core.standards.trust_list import TrustList
from core.ttlcache import TtlCache

Row = TypeVar("Row")

# How long a fetched document may answer without a refetch (seconds, the runtime clock).
FETCHED_MAX_AGE = 300
# How long the issuer trusts its memory of which signing key is active (seconds, monotonic):
# a rotation made by another process is picked up within this; one made by this process at once.
ACTIVE_KEY_TTL = 5.0
# How long a tenant row answers a hot path's lookup by slug or API key (seconds, monotonic):
# a change made by another process (API key rotated, trust list replaced, tenant removed) is
# seen within this; one made by this process at once.
TENANT_TTL = 5.0


class Caches:
    """The process's caches, each bounded, with its lifetime:

    ======================  ==============================  ========  ==========================
    name                    key → value                     at most   lifetime
    ======================  ==============================  ========  ==========================
    issuer_keys             issuer → published keys         1,024     300 s; an unknown ``kid``
                                                                      refetches once (rotation)
    status_lists            (issuer, list URI) → verified   1,024     the list's ``ttl``, at most
                            status list                               300 s, never past ``exp``
    trust_lists             signed token → verified list    64        300 s, never past the
                                                                      list's ``next_update``
    trust_list_sources      file path or URL → token        64        300 s (then reread)
    signing_keys            (issuer id, kid) → unsealed     1,024     the process (a key never
                            private key                               changes once made)
    active_signing_keys     issuer id → its active key      1,024     ``ACTIVE_KEY_TTL`` (5 s)
                            and its x5c
    status_list_orders      list id → index permutation     64        the process (immutable)
    open_status_lists       (issuer id, bits) → the list    1,024     the process; a full list
                            it allocates from                         is replaced on the spot
    tenants                 (role, slug or API key hash)    4,096     ``TENANT_TTL`` (5 s)
                            → the tenant row
    oidc_providers          discovery URL → metadata;       256       300 s; an unknown ``kid``
                            jwks_uri → JWK set                        refetches once (rotation)
    ======================  ==============================  ========  ==========================

    Full caches drop their oldest entry. The wallet and the verifier share ``issuer_keys``
    and ``status_lists``: an entry is verified the same way whichever role fetched it.
    """

    def __init__(self) -> None:
        self.issuer_keys = IssuerKeys(max_age=FETCHED_MAX_AGE, max_entries=1024)
        self.status_lists = StatusLists(self.issuer_keys, max_age=FETCHED_MAX_AGE, max_entries=1024)
        self.trust_lists: TtlCache[str, TrustList] = TtlCache(64)
        self.trust_list_sources: TtlCache[str, str] = TtlCache(64)
        self.signing_keys: TtlCache[tuple[str, str], jose.PrivateKey] = TtlCache(1024)
        # issuer id → (its active key, the JOSE header that goes with it: its x5c)
        self.active_signing_keys: TtlCache[
            str, tuple[jose.PrivateKey, dict[str, object], int | None]
        ] = TtlCache(1024)
        # 4 bytes per index: 512 KiB for a list of the default 131,072 entries.
        self.status_list_orders: TtlCache[str, array[int]] = TtlCache(64)
        self.open_status_lists: TtlCache[tuple[str, int], tuple[str, bytes]] = TtlCache(1024)
        # Values are the roles' own row types; each role reads back only the keys it wrote.
        self.tenants: TtlCache[tuple[str, str], object] = TtlCache(4096)
        self.oidc_providers = oidc.Providers(max_age=FETCHED_MAX_AGE, max_entries=256)

    def resolvers(self, fetcher: Fetcher) -> FetchingResolvers:
        """Issuer keys and status lists for ``core.credential_check``, fetched with ``fetcher``
        through ``issuer_keys`` and ``status_lists``."""
        return FetchingResolvers(fetcher, self.issuer_keys, self.status_lists)

    def tenant(self, key: tuple[str, str], kind: type[Row], load: Callable[[], Row]) -> Row:
        """The tenant row cached under ``key`` for ``TENANT_TTL``, else ``load()``'s (once
        per key at a time; a ``load`` that raises caches nothing)."""
        now = time.monotonic()
        row = self.tenants.get_or_load(key, now, lambda: (load(), now + TENANT_TTL))
        assert isinstance(row, kind)
        return row
