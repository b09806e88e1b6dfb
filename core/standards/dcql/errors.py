"""The errors of DCQL (OpenID4VP 1.0 §6, §7): one ``DcqlError`` leaf per failure, each with
a stable ``code``. Details name locations in the query and claims paths, never claim values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import IntygError

if TYPE_CHECKING:
    from core.standards.dcql.query import ClaimsPath


class DcqlError(IntygError):
    code = "dcql_invalid"
    title = "The DCQL query is not valid"


class DcqlMalformed(DcqlError):
    code = "dcql_malformed"
    title = "The DCQL query is not shaped as OpenID4VP 1.0 section 6 requires"


class DcqlTooLarge(DcqlError):
    code = "dcql_too_large"
    title = "The DCQL query is larger than this service accepts"


class DcqlUnsupportedFormat(DcqlError):
    code = "dcql_unsupported_format"
    title = "The DCQL query asks for a credential format this service does not support"


class DcqlMetaInvalid(DcqlError):
    code = "dcql_meta_invalid"
    title = "The meta object of a credential query does not fit its format"


class DcqlClaimPathInvalid(DcqlError):
    code = "dcql_claim_path_invalid"
    title = "A claims path pointer is not valid (OpenID4VP 1.0 section 7)"


class DcqlDuplicateId(DcqlError):
    code = "dcql_duplicate_id"
    title = "Two credential queries, or two claims queries, share an id"


class DcqlDuplicateClaim(DcqlError):
    code = "dcql_duplicate_claim"
    title = "A credential query points at the same claim more than once"


class DcqlDuplicateEntry(DcqlError):
    code = "dcql_duplicate_entry"
    title = "A claim set or credential set option lists an id twice, or an option twice"


class DcqlUnknownReference(DcqlError):
    code = "dcql_unknown_reference"
    title = "A claim set or credential set refers to an id that is not defined"


class DcqlClaimsPathNoMatch(DcqlError):
    code = "dcql_claims_path_no_match"
    title = "A claims path pointer selects nothing in the credential"


class DcqlNotSatisfied(DcqlError):
    code = "dcql_not_satisfied"
    title = "The presented credential does not satisfy the credential query"

    def __init__(self, detail: str | None = None, *, path: ClaimsPath | None = None) -> None:
        super().__init__(detail)
        self.path = path
