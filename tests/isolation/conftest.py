"""The isolation suites run on the verifier suites' one-process app: issuer, wallet and verifier
in one app, outbound HTTP routed back into it, and the process-wide caches emptied per test."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from tests.verifier.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    operator_key,
    outage,
    outbound,
    roles,
)

# (module, attribute): caches of issuer keys, status lists and trust lists, wherever they live
CACHES = (
    ("verifier.resolution", "ISSUER_KEYS"),
    ("verifier.resolution", "STATUS_LISTS"),
    ("verifier.resolution", "_parsed"),
    ("verifier.resolution", "_default"),
    ("wallet.service.receiving", "ISSUER_KEYS"),
    ("wallet.service.receiving", "STATUS_LISTS"),
    ("core.trustlists", "_parsed"),
    ("core.trustlists", "_sources"),
)


def forget_caches() -> None:
    for module_name, name in CACHES:
        try:
            cache = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            continue
        inner = getattr(cache, "_cache", cache)
        if hasattr(inner, "clear"):
            inner.clear()


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    forget_caches()
    yield
    forget_caches()
