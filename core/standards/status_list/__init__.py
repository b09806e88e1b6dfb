"""Token Status List: a direct implementation of draft-ietf-oauth-status-list.

https://datatracker.ietf.org/doc/draft-ietf-oauth-status-list/ (section numbers below are
those of draft -21; the test vectors come from the draft's repository at commit
2fb61cd535a82ec77fe43d604e31b7012cab4adc, see ``tests/vectors`` SOURCES.md).

- §4.1  Status List: a byte array, 1, 2, 4 or 8 bits per Referenced Token; index ``i`` lives
        in byte ``i // (8 / bits)`` at bit offset ``(i % (8 / bits)) * bits`` counted from the
        least-significant bit; DEFLATE (RFC 1951) in the ZLIB format (RFC 1950), highest level.
- §4.2  Status List in JSON: ``{"bits": n, "lst": base64url(zlib(bytes))}``.
- §5.1  Status List Token in JWT format: header ``typ`` = ``statuslist+jwt``; claims ``sub``
        (the list's URI), ``iat`` (REQUIRED), ``exp``, ``ttl`` (OPTIONAL), ``status_list``.
- §6.1–6.2  The Referenced Token's ``status`` claim: ``{"status_list": {"idx", "uri"}}``.
- §7.1  Status Types: VALID 0x00, INVALID 0x01, SUSPENDED 0x02 (others are application- or
        registry-defined, so a decoded status is an ``int``, not always a ``StatusValue``).
- §8.3  Validating a Referenced Token: ``sub`` equals ``uri``, the token is valid per RFC 7519,
        and an index outside the list is an error.

A Status List arrives from a remote party compressed; decompression here is bounded (the
Security Considerations' warning about unbounded lists), so a few kilobytes of ``lst`` cannot
expand into gigabytes. No signing or HTTP here: the caller signs the payload built by
``status_list_token_payload`` with ``core.jose`` (``typ`` = ``TYP_STATUS_LIST_JWT``), and
verifies the signature before handing header and claims to ``verify_status_list_token_claims``.

One module per part: ``values`` (§7.1), ``codec`` (§4.1, §4.2, bounded decoding), ``token``
(§5.1, §8.3), ``reference`` (§6), ``indices`` (the issuer's index allocation), and all its
error classes in ``errors``. Callers use the names re-exported here:
``from core.standards import status_list; status_list.parse_status_claim(...)``.
"""

from __future__ import annotations

from core.standards.status_list.codec import (
    ALLOWED_BITS as ALLOWED_BITS,
)
from core.standards.status_list.codec import (
    DEFAULT_MAX_DECOMPRESSED_BYTES as DEFAULT_MAX_DECOMPRESSED_BYTES,
)
from core.standards.status_list.codec import (
    ZLIB_LEVEL as ZLIB_LEVEL,
)
from core.standards.status_list.codec import (
    StatusList as StatusList,
)
from core.standards.status_list.codec import (
    StatusListJson as StatusListJson,
)
from core.standards.status_list.codec import (
    decode_status_list as decode_status_list,
)
from core.standards.status_list.codec import (
    encode_sparse as encode_sparse,
)
from core.standards.status_list.codec import (
    inflate_bounded as inflate_bounded,
)
from core.standards.status_list.errors import (
    StatusListBitsUnsupported as StatusListBitsUnsupported,
)
from core.standards.status_list.errors import (
    StatusListClaimsInvalid as StatusListClaimsInvalid,
)
from core.standards.status_list.errors import (
    StatusListDecompressionBomb as StatusListDecompressionBomb,
)
from core.standards.status_list.errors import (
    StatusListError as StatusListError,
)
from core.standards.status_list.errors import (
    StatusListExpired as StatusListExpired,
)
from core.standards.status_list.errors import (
    StatusListIndexOutOfRange as StatusListIndexOutOfRange,
)
from core.standards.status_list.errors import (
    StatusListMalformed as StatusListMalformed,
)
from core.standards.status_list.errors import (
    StatusListNotYetValid as StatusListNotYetValid,
)
from core.standards.status_list.errors import (
    StatusListValueInvalid as StatusListValueInvalid,
)
from core.standards.status_list.errors import (
    StatusListWrongAlg as StatusListWrongAlg,
)
from core.standards.status_list.errors import (
    StatusListWrongSub as StatusListWrongSub,
)
from core.standards.status_list.errors import (
    StatusListWrongTyp as StatusListWrongTyp,
)
from core.standards.status_list.errors import (
    StatusReferenceInvalid as StatusReferenceInvalid,
)
from core.standards.status_list.indices import (
    pack_indices as pack_indices,
)
from core.standards.status_list.indices import (
    shuffled_indices as shuffled_indices,
)
from core.standards.status_list.indices import (
    unpack_indices as unpack_indices,
)
from core.standards.status_list.reference import (
    StatusListReference as StatusListReference,
)
from core.standards.status_list.reference import (
    parse_status_claim as parse_status_claim,
)
from core.standards.status_list.token import (
    MEDIA_TYPE_STATUS_LIST_JWT as MEDIA_TYPE_STATUS_LIST_JWT,
)
from core.standards.status_list.token import (
    TYP_STATUS_LIST_JWT as TYP_STATUS_LIST_JWT,
)
from core.standards.status_list.token import (
    status_list_token_payload as status_list_token_payload,
)
from core.standards.status_list.token import (
    verify_status_list_token_claims as verify_status_list_token_claims,
)
from core.standards.status_list.values import (
    CredentialStatus as CredentialStatus,
)
from core.standards.status_list.values import (
    StatusValue as StatusValue,
)
