"""The errors of the Token Status List, one ``StatusListError`` leaf per failure, each with a
stable ``code``."""

from __future__ import annotations

from core.errors import StatusListError as StatusListError  # re-exported


class StatusListMalformed(StatusListError):
    code = "status_list_malformed"
    title = "The status list is not well-formed"


class StatusListBitsUnsupported(StatusListError):
    code = "status_list_bits_unsupported"
    title = "The status list uses a bit size other than 1, 2, 4 or 8"


class StatusListDecompressionBomb(StatusListError):
    code = "status_list_decompression_bomb"
    title = "The status list decompresses beyond the allowed size"


class StatusListIndexOutOfRange(StatusListError):
    code = "status_list_index_out_of_range"
    title = "The status index is outside the status list"


class StatusListValueInvalid(StatusListError):
    code = "status_list_value_invalid"
    title = "The status value does not fit the status list's bit size"


class StatusListWrongTyp(StatusListError):
    code = "status_list_wrong_typ"
    title = "The token is not a status list token (typ)"


class StatusListWrongAlg(StatusListError):
    code = "status_list_wrong_alg"
    title = "The status list token is not signed with an asymmetric algorithm"


class StatusListWrongSub(StatusListError):
    code = "status_list_wrong_sub"
    title = "The status list token is not the list the credential points to"


class StatusListClaimsInvalid(StatusListError):
    code = "status_list_claims_invalid"
    title = "The status list token's claims are missing or not well-formed"


class StatusListExpired(StatusListError):
    code = "status_list_expired"
    title = "The status list token has expired"


class StatusListNotYetValid(StatusListError):
    code = "status_list_not_yet_valid"
    title = "The status list token is not valid yet"


class StatusReferenceInvalid(StatusListError):
    code = "status_list_reference_invalid"
    title = "The credential's status claim is not well-formed"
