"""What a running service holds: settings, database engine, clock, master key and caches.

Built once by the composition root (``intyg.app.create_app``) and put on ``app.state``;
roles read it through their ``Annotated`` dependencies, and tests build their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from core.caches import Caches
from core.clock import Clock
from core.config import LOOPBACK_NAMES, Settings
from core.crypto import MasterKey
from core.http import Fetcher, FetchPolicy, HttpClientFactory, default_client_factory


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    master_key: MasterKey
    http: HttpClientFactory = default_client_factory
    caches: Caches = field(default_factory=Caches)

    @property
    def fetcher(self) -> Fetcher:
        allowed = set(self.settings.fetch_allowed_hosts)
        if self.settings.development:
            allowed |= LOOPBACK_NAMES
        policy = FetchPolicy(self.settings.development, frozenset(allowed))
        return Fetcher(policy, self.http, self.settings.fetch_timeout_seconds)
