"""Where an issuer's certificates come from (HAIP 1.0 §6.1.1: SD-JWT VCs carry ``x5c``).

Development: a local CA (``INTYG_ISSUER_CA_DIR``, ``core.dev_ca``) is created on first use and
certifies each signing key of an issuer whose ``certificate`` is ``ca``; verifiers and wallets
list ``ca.pem`` as the issuer's trust anchor. Production: install the CA you are given in the
same place, or import a key with its certificate chain (``intyg issuer import-key``).
"""

from __future__ import annotations

from cryptography import x509

from core import dev_ca, jose
from core.runtime import Runtime

CA_NAME = "Intyg development issuer CA"


def load_or_create(rt: Runtime) -> tuple[x509.Certificate, jose.PrivateKey]:
    return dev_ca.load_or_create(rt, rt.settings.issuer_ca_dir, CA_NAME, "issuer-dev-ca")
