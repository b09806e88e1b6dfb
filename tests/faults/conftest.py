"""The fault suites use the wallet suites' one-process app (every role, the wallet's outbound
HTTP routed back into it) and its issuer and holder."""

from tests.wallet.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    double,
    holder_auth,
    issuer,
    issuer_auth,
)
