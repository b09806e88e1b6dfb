"""Build the ``Runtime`` that a process serves with, from its ``Settings``."""

from __future__ import annotations

from core.caches import Caches
from core.clock import Clock, SystemClock
from core.config import Settings
from core.crypto import MasterKey
from core.db import create_db_engine
from core.runtime import Runtime


def load_master_key(settings: Settings) -> MasterKey:
    """``INTYG_MASTER_KEY`` when set, else the key file (created with mode 0600 if missing)."""
    if settings.master_key is not None:
        return MasterKey.from_text(settings.master_key.get_secret_value())
    return MasterKey.load_or_create(settings.master_key_file)


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    settings = settings.checked()
    return Runtime(
        settings=settings,
        engine=create_db_engine(settings.database_url),
        clock=clock or SystemClock(),
        master_key=load_master_key(settings),
        caches=Caches(),
    )
