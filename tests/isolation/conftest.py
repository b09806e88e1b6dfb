"""The isolation suites run on the verifier suites' one-process app: issuer, wallet and verifier
in one app, outbound HTTP routed back into it; each test's runtime brings its own empty caches."""

from __future__ import annotations

from tests.verifier.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    operator_key,
    outage,
    outbound,
    roles,
)
