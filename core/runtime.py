"""What a running service holds: settings, database engine, clock and master key.

Built once by the composition root (``intyg.app.create_app``) and put on ``app.state``;
roles read it through their ``Annotated`` dependencies, and tests build their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.clock import Clock
from core.config import Settings
from core.crypto import MasterKey


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    master_key: MasterKey
