"""Compact JWS (RFC 7515) and JWK (RFC 7517, RFC 7638 thumbprints) for Intyg.

The only package that calls the signature primitives (from ``cryptography``, in ``keys``).
Every verify names its algorithms and its ``typ``; nothing is inferred from the token:

1. parse strictly (three base64url parts, JSON objects, bounded sizes, no duplicate members);
2. ``alg`` must be on the caller's allow-list (ES256, EdDSA by default; RS256 and PS256 only
   where a caller lists them, for OpenID Connect ID tokens) before any key is touched
   (RFC 8725 §3.1: ``none`` and HMAC are never on it);
3. ``typ`` must be the expected one (RFC 8725 §3.11, explicit typing);
4. ``crit`` names only understood extensions (RFC 7515 §4.1.11);
5. the key comes from the caller (never from ``jwk``/``jku``/``x5u``/``x5c`` in the header
   unless the caller's resolver deliberately reads it, as the OID4VCI proof does), and must
   match the algorithm;
6. the signature.

One module per part: ``keys`` (JWKs, thumbprints, the signature primitives), ``compact``
(sign, parse, verify), ``encoding`` (base64url and JSON), and all its error classes in
``errors``. Callers use the names re-exported here: ``from core import jose; jose.verify(...)``.
"""

from __future__ import annotations

from core.jose.compact import (
    MAX_HEADER_BYTES as MAX_HEADER_BYTES,
)
from core.jose.compact import (
    Jws as Jws,
)
from core.jose.compact import (
    KeyResolver as KeyResolver,
)
from core.jose.compact import (
    Keys as Keys,
)
from core.jose.compact import (
    check_header as check_header,
)
from core.jose.compact import (
    parse as parse,
)
from core.jose.compact import (
    same_type as same_type,
)
from core.jose.compact import (
    sign as sign,
)
from core.jose.compact import (
    verify as verify,
)
from core.jose.encoding import (
    MAX_TOKEN_BYTES as MAX_TOKEN_BYTES,
)
from core.jose.encoding import (
    JsonObject as JsonObject,
)
from core.jose.encoding import (
    b64url_decode as b64url_decode,
)
from core.jose.encoding import (
    b64url_encode as b64url_encode,
)
from core.jose.encoding import (
    compact_json as compact_json,
)
from core.jose.encoding import (
    json_object as json_object,
)
from core.jose.errors import (
    AlgorithmNotAllowed as AlgorithmNotAllowed,
)
from core.jose.errors import (
    BadSignature as BadSignature,
)
from core.jose.errors import (
    InvalidKey as InvalidKey,
)
from core.jose.errors import (
    JoseError as JoseError,
)
from core.jose.errors import (
    KeyMismatch as KeyMismatch,
)
from core.jose.errors import (
    MalformedJws as MalformedJws,
)
from core.jose.errors import (
    TypeMismatch as TypeMismatch,
)
from core.jose.errors import (
    UnsupportedCritical as UnsupportedCritical,
)
from core.jose.keys import (
    ALLOWED_ALGORITHMS as ALLOWED_ALGORITHMS,
)
from core.jose.keys import (
    EDDSA as EDDSA,
)
from core.jose.keys import (
    ES256 as ES256,
)
from core.jose.keys import (
    PS256 as PS256,
)
from core.jose.keys import (
    RS256 as RS256,
)
from core.jose.keys import (
    RSA_ALGORITHMS as RSA_ALGORITHMS,
)
from core.jose.keys import (
    PrivateKey as PrivateKey,
)
from core.jose.keys import (
    PublicKey as PublicKey,
)
from core.jose.keys import (
    jwk_thumbprint as jwk_thumbprint,
)
