"""Where a verifier's certificate comes from.

Development: a local CA (``INTYG_VERIFIER_CA_DIR``, ``core.dev_ca``) is created on first use
and issues each new verifier an ``x509_san_dns`` certificate for its DNS name; wallets trust
``ca.pem``. Production: install the CA you are given in the same place (or replace a
verifier's chain), and point wallets at the real anchor.
"""

from __future__ import annotations

from cryptography import x509

from core import dev_ca, jose
from core.runtime import Runtime

CA_NAME = "Intyg development verifier CA"


def load_or_create(rt: Runtime) -> tuple[x509.Certificate, jose.PrivateKey]:
    return dev_ca.load_or_create(rt, rt.settings.verifier_ca_dir, CA_NAME, "verifier-dev-ca")
