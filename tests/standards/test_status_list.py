"""Tests for core.standards.status_list (draft-ietf-oauth-status-list).

Vectors: ``ietf-token-status-list/`` beside the checkout (provenance in its SOURCES.md): the
draft's §4.2 encoding examples and its §5.1 signed ``statuslist+jwt`` example.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import zlib
from array import array
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws

from core.errors import IntygError, StatusListError
from core.standards import status_list as sl
from core.standards.status_list import (
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    TYP_STATUS_LIST_JWT,
    StatusList,
    StatusListBitsUnsupported,
    StatusListClaimsInvalid,
    StatusListDecompressionBomb,
    StatusListExpired,
    StatusListIndexOutOfRange,
    StatusListJson,
    StatusListMalformed,
    StatusListNotYetValid,
    StatusListReference,
    StatusListValueInvalid,
    StatusListWrongAlg,
    StatusListWrongSub,
    StatusListWrongTyp,
    StatusReferenceInvalid,
    StatusValue,
    decode_status_list,
    encode_sparse,
    inflate_bounded,
    pack_indices,
    parse_status_claim,
    shuffled_indices,
    status_list_token_payload,
    unpack_indices,
    verify_status_list_token_claims,
)
from tests.vectorpath import VECTORS

VECTOR_DIR = VECTORS / "ietf-token-status-list"
ENCODING = json.loads((VECTOR_DIR / "encoding_vectors.json").read_text())["vectors"]
TOKEN = json.loads((VECTOR_DIR / "status_list_token.json").read_text())

EXAMPLE_SUB = "https://example.com/statuslists/1"
EXAMPLE_IAT = 1686920170
EXAMPLE_EXP = 2291720170
HEADER = {"alg": "ES256", "typ": TYP_STATUS_LIST_JWT}
SMALL_LIST: StatusListJson = {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}  # §4.2 example, 16 entries


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def expected_statuses(vector: dict[str, Any]) -> dict[int, int]:
    return {int(index): value for index, value in vector["expected_nonzero_statuses"].items()}


def payload(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": EXAMPLE_SUB,
        "iat": EXAMPLE_IAT,
        "exp": EXAMPLE_EXP,
        "ttl": 43200,
        "status_list": dict(SMALL_LIST),
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def verify(
    claims: dict[str, object], header: Mapping[str, object] = HEADER, now: int = EXAMPLE_IAT + 1
) -> StatusList:
    return verify_status_list_token_claims(header, claims, expected_sub=EXAMPLE_SUB, now=now)


# --- §4.1 / §4.2: the published vectors ------------------------------------------------------


def test_draft_4_1_bit_order_example() -> None:
    statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    status_list = StatusList(16, bits=1)
    for index, value in enumerate(statuses):
        status_list.set(index, value)
    assert status_list.to_bytes() == bytes([0xB9, 0xA3])
    assert [status_list.get(index) for index in range(16)] == statuses


@pytest.mark.parametrize("vector", ENCODING, ids=[vector["id"] for vector in ENCODING])
def test_draft_4_2_vector_decodes_to_the_published_statuses(vector: dict[str, Any]) -> None:
    decoded = decode_status_list(vector["status_list"])
    expected = expected_statuses(vector)
    assert decoded.bits == vector["bits"]
    assert decoded.size == vector["num_entries"]
    assert len(decoded.to_bytes()) == vector["uncompressed_length_bytes"]
    for index, value in expected.items():
        assert decoded.get(index) == value
    # Every other index is VALID: the whole byte array equals the one built from the map.
    rebuilt = StatusList.from_sparse(vector["num_entries"], vector["bits"], expected)
    assert decoded == rebuilt
    if "expected_uncompressed_bytes_hex" in vector:
        hex_bytes = bytes(int(byte, 16) for byte in vector["expected_uncompressed_bytes_hex"])
        assert decoded.to_bytes() == hex_bytes


@pytest.mark.parametrize("vector", ENCODING, ids=[vector["id"] for vector in ENCODING])
def test_draft_4_2_vector_reencodes_to_the_spec_bytes(vector: dict[str, Any]) -> None:
    assert vector["reencode_zlib9_identical"] is True
    expected = expected_statuses(vector)
    assert decode_status_list(vector["status_list"]).encode() == vector["status_list"]
    assert encode_sparse(vector["num_entries"], vector["bits"], expected) == vector["status_list"]


def test_draft_4_3_cwt_example_carries_the_same_compressed_bytes() -> None:
    raw = base64.urlsafe_b64decode(SMALL_LIST["lst"] + "==")
    assert raw.hex() in TOKEN["status_list_cwt_hex"]


# --- §5.1: the example Status List Token -----------------------------------------------------


def example_jwt() -> tuple[dict[str, object], dict[str, object]]:
    token = jws.JWS()
    token.deserialize(TOKEN["status_list_jwt"])
    token.verify(jwk.JWK(**TOKEN["issuer_public_jwk"]), alg="ES256")
    return dict(token.jose_header), json.loads(token.payload)


def test_draft_5_1_example_token_signature_and_claims_verify() -> None:
    header, claims = example_jwt()
    assert header["typ"] == TYP_STATUS_LIST_JWT
    status_list = verify_status_list_token_claims(
        header, claims, expected_sub=EXAMPLE_SUB, now=EXAMPLE_IAT + 60
    )
    assert status_list == decode_status_list(SMALL_LIST)
    reference = {"status_list": {"idx": 0, "uri": EXAMPLE_SUB}}
    assert status_list.get(parse_status_claim(reference).idx) == StatusValue.INVALID
    reference = {"status_list": {"idx": 1, "uri": EXAMPLE_SUB}}
    assert status_list.get(parse_status_claim(reference).idx) == StatusValue.VALID


def test_draft_5_1_example_token_is_expired_at_its_exp() -> None:
    header, claims = example_jwt()
    with pytest.raises(StatusListExpired):
        verify_status_list_token_claims(header, claims, expected_sub=EXAMPLE_SUB, now=EXAMPLE_EXP)


def test_draft_5_1_example_token_for_another_list_is_wrong_sub() -> None:
    header, claims = example_jwt()
    with pytest.raises(StatusListWrongSub):
        verify_status_list_token_claims(
            header, claims, expected_sub=EXAMPLE_SUB + "0", now=EXAMPLE_IAT
        )


def test_payload_helper_signed_with_jwcrypto_verifies() -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    encoded = encode_sparse(1024, 2, {7: StatusValue.SUSPENDED, 1000: StatusValue.INVALID})
    claims = status_list_token_payload(EXAMPLE_SUB, encoded, iat=100, exp=200, ttl=60)
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg="ES256", protected={"alg": "ES256", "typ": TYP_STATUS_LIST_JWT})
    parsed = jws.JWS()
    parsed.deserialize(token.serialize(compact=True))
    parsed.verify(key, alg="ES256")
    status_list = verify_status_list_token_claims(
        parsed.jose_header, json.loads(parsed.payload), expected_sub=EXAMPLE_SUB, now=150
    )
    assert status_list.get(7) == StatusValue.SUSPENDED
    assert status_list.get(1000) == StatusValue.INVALID
    assert status_list.get(8) == StatusValue.VALID


def test_payload_helper_omits_absent_optional_claims() -> None:
    claims = status_list_token_payload(EXAMPLE_SUB, SMALL_LIST, iat=1, exp=None, ttl=None)
    assert claims == {"sub": EXAMPLE_SUB, "iat": 1, "status_list": SMALL_LIST}


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"sub": ""}, StatusListClaimsInvalid),
        ({"iat": "1"}, StatusListClaimsInvalid),
        ({"exp": 1}, StatusListClaimsInvalid),
        ({"ttl": 0}, StatusListClaimsInvalid),
        ({"ttl": True}, StatusListClaimsInvalid),
        ({"status_list": {"bits": 3, "lst": "eNo"}}, StatusListBitsUnsupported),
        ({"status_list": {"bits": 1}}, StatusListMalformed),
    ],
)
def test_payload_helper_refuses_bad_arguments(
    arguments: dict[str, object], error: type[StatusListError]
) -> None:
    values: dict[str, Any] = {"sub": EXAMPLE_SUB, "status_list": SMALL_LIST, "iat": 10}
    values.update(arguments)
    with pytest.raises(error):
        status_list_token_payload(**values)


# --- rejections: one check each --------------------------------------------------------------


def test_rejects_decompression_bomb_over_configured_bound() -> None:
    bomb = b64url(zlib.compress(bytes(1025), 9))
    with pytest.raises(StatusListDecompressionBomb):
        decode_status_list({"bits": 1, "lst": bomb}, max_bytes=1024)
    assert decode_status_list({"bits": 1, "lst": bomb}, max_bytes=1025).size == 1025 * 8


def test_rejects_decompression_bomb_over_default_bound() -> None:
    compressed = zlib.compress(bytes(DEFAULT_MAX_DECOMPRESSED_BYTES + 1), 9)
    assert len(compressed) < 64 * 1024  # a small payload on the wire
    with pytest.raises(StatusListDecompressionBomb):
        decode_status_list({"bits": 8, "lst": b64url(compressed)})


def test_rejects_oversized_lst_before_decoding() -> None:
    with pytest.raises(StatusListDecompressionBomb):
        decode_status_list({"bits": 1, "lst": "A" * 4096}, max_bytes=1024)


@pytest.mark.parametrize("bits", [1, 8])
def test_accepts_incompressible_list_at_the_bound(bits: int) -> None:
    data = random.Random(3).randbytes(4096)
    encoded = {"bits": bits, "lst": b64url(zlib.compress(data, 9))}
    assert decode_status_list(encoded, max_bytes=4096).to_bytes() == data


def test_rejects_decompression_bomb_in_token_claims() -> None:
    bomb = {"bits": 1, "lst": b64url(zlib.compress(bytes(4096), 9))}
    with pytest.raises(StatusListDecompressionBomb):
        verify_status_list_token_claims(
            HEADER,
            payload(status_list=bomb),
            expected_sub=EXAMPLE_SUB,
            now=EXAMPLE_IAT,
            max_bytes=4095,
        )


@pytest.mark.parametrize(
    "lst",
    [
        "eNrbuRgAAhcBXQ==",  # padding
        "eNrbuRgAAhcBXQ=",
        "eNrbuRgAAhcB+Q",  # base64, not base64url
        "eNrbuRgAAhcB/Q",
        "eNrbuRgAAhcBX",  # length 1 mod 4
        "eNrbuRgAAhcBXR",  # non-canonical trailing bits
        "eNrbuRgA AhcBXQ",
        "eNrbuRgAAhcBXQ\n",
        "",
    ],
)
def test_rejects_bad_base64url(lst: str) -> None:
    with pytest.raises(StatusListMalformed):
        decode_status_list({"bits": 1, "lst": lst})


@pytest.mark.parametrize(
    "compressed",
    [
        zlib.compress(b"\x01\x02", 9)[2:-4],  # raw DEFLATE without the ZLIB header
        zlib.compress(b"\x01\x02", 9)[:-3],  # truncated
        zlib.compress(b"\x01\x02", 9) + b"\x00",  # trailing data
        zlib.compress(b"", 9),  # an empty list
        b"\x1f\x8b\x08\x00" + bytes(8),  # gzip
        b"not zlib",
    ],
    ids=["raw-deflate", "truncated", "trailing", "empty", "gzip", "garbage"],
)
def test_rejects_bad_zlib(compressed: bytes) -> None:
    with pytest.raises(StatusListMalformed):
        decode_status_list({"bits": 1, "lst": b64url(compressed)})


@pytest.mark.parametrize("bits", [0, 3, 5, 16, -1, 256])
def test_rejects_unsupported_bits(bits: int) -> None:
    with pytest.raises(StatusListBitsUnsupported):
        decode_status_list({"bits": bits, "lst": SMALL_LIST["lst"]})
    with pytest.raises(StatusListBitsUnsupported):
        StatusList(8, bits)


@pytest.mark.parametrize("bits", [None, "1", 1.0, True])
def test_rejects_bits_that_are_not_integers(bits: object) -> None:
    with pytest.raises(StatusListMalformed):
        decode_status_list({"bits": bits, "lst": SMALL_LIST["lst"]})


@pytest.mark.parametrize(
    "status_list",
    [
        None,
        [],
        "eNrbuRgAAhcBXQ",
        {"bits": 1},
        {"bits": 1, "lst": None},
        {"bits": 1, "lst": b"eNrbuRgAAhcBXQ"},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 1},
    ],
)
def test_rejects_malformed_status_list_object(status_list: object) -> None:
    with pytest.raises(StatusListMalformed):
        decode_status_list(status_list)


def test_accepts_status_list_with_aggregation_uri() -> None:
    status_list = dict(SMALL_LIST, aggregation_uri="https://example.com/statuslists")
    assert decode_status_list(status_list) == decode_status_list(SMALL_LIST)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ES256"},
        {"alg": "ES256", "typ": "JWT"},
        {"alg": "ES256", "typ": "dc+sd-jwt"},
        {"alg": "ES256", "typ": "statuslist+cwt"},
        {"alg": "ES256", "typ": ["statuslist+jwt"]},
    ],
)
def test_rejects_wrong_typ(header: dict[str, object]) -> None:
    with pytest.raises(StatusListWrongTyp):
        verify(payload(), header)


@pytest.mark.parametrize("typ", ["application/statuslist+jwt", "StatusList+JWT"])
def test_accepts_typ_spelled_as_media_type(typ: str) -> None:
    assert verify(payload(), {"alg": "ES256", "typ": typ}).size == 16


@pytest.mark.parametrize("alg", ["none", "HS256", "HS384", "HS512", None])
def test_rejects_mac_or_missing_alg(alg: str | None) -> None:
    header = (
        {"typ": TYP_STATUS_LIST_JWT} if alg is None else {"alg": alg, "typ": TYP_STATUS_LIST_JWT}
    )
    with pytest.raises(StatusListWrongAlg):
        verify(payload(), header)


@pytest.mark.parametrize(
    "sub",
    [EXAMPLE_SUB + "/", "https://example.com/statuslists/2", "HTTPS://example.com/statuslists/1"],
)
def test_rejects_wrong_sub(sub: str) -> None:
    with pytest.raises(StatusListWrongSub):
        verify(payload(sub=sub))


@pytest.mark.parametrize(
    "claims",
    [
        payload(sub=None),
        payload(sub=1),
        payload(iat=None),
        payload(iat="1686920170"),
        payload(iat=True),
        payload(exp="2291720170"),
        payload(nbf=[1]),
        payload(ttl=0),
        payload(ttl=-5),
        payload(ttl="43200"),
        payload(status_list=None),
    ],
)
def test_rejects_missing_or_malformed_claims(claims: dict[str, object]) -> None:
    with pytest.raises(StatusListClaimsInvalid):
        verify(claims)


@pytest.mark.parametrize("now", [EXAMPLE_EXP, EXAMPLE_EXP + 1])
def test_rejects_expired(now: int) -> None:
    with pytest.raises(StatusListExpired):
        verify(payload(), now=now)


def test_accepts_just_before_exp_and_within_leeway() -> None:
    assert verify(payload(), now=EXAMPLE_EXP - 1).size == 16
    status_list = verify_status_list_token_claims(
        HEADER, payload(), expected_sub=EXAMPLE_SUB, now=EXAMPLE_EXP + 5, leeway=10
    )
    assert status_list.size == 16


def test_accepts_token_without_exp() -> None:
    assert verify(payload(exp=None, ttl=None), now=EXAMPLE_EXP * 2).size == 16


def test_rejects_not_yet_valid() -> None:
    with pytest.raises(StatusListNotYetValid):
        verify(payload(nbf=EXAMPLE_IAT + 100), now=EXAMPLE_IAT)


def test_rejects_malformed_status_list_claim_in_token() -> None:
    with pytest.raises(StatusListBitsUnsupported):
        verify(payload(status_list={"bits": 3, "lst": SMALL_LIST["lst"]}))


@pytest.mark.parametrize("index", [16, 17, 10**9, -1])
def test_rejects_index_out_of_range(index: int) -> None:
    status_list = decode_status_list(SMALL_LIST)
    with pytest.raises(StatusListIndexOutOfRange):
        status_list.get(index)
    with pytest.raises(StatusListIndexOutOfRange):
        status_list.set(index, 0)


@pytest.mark.parametrize("index", [16, 17, 10**9])
def test_rejects_status_claim_index_beyond_list(index: int) -> None:
    with pytest.raises(StatusListIndexOutOfRange):
        claim = {"status_list": {"idx": index, "uri": EXAMPLE_SUB}}
        decode_status_list(SMALL_LIST).get(parse_status_claim(claim).idx)


@pytest.mark.parametrize(
    ("bits", "value"),
    [(1, 2), (2, 4), (4, 16), (8, 256), (1, -1), (1, True), (8, 1.0), (8, "1")],
)
def test_rejects_status_value_that_does_not_fit(bits: int, value: Any) -> None:
    with pytest.raises(StatusListValueInvalid):
        StatusList(8, bits).set(0, value)
    with pytest.raises(StatusListValueInvalid):
        encode_sparse(8, bits, {0: value})


@pytest.mark.parametrize(
    "claim",
    [
        None,
        [],
        "https://example.com/statuslists/1",
        {},
        {"status_list": None},
        {"status_list": []},
        {"status_list": {"uri": EXAMPLE_SUB}},
        {"status_list": {"idx": -1, "uri": EXAMPLE_SUB}},
        {"status_list": {"idx": "1", "uri": EXAMPLE_SUB}},
        {"status_list": {"idx": 1.0, "uri": EXAMPLE_SUB}},
        {"status_list": {"idx": True, "uri": EXAMPLE_SUB}},
        {"status_list": {"idx": None, "uri": EXAMPLE_SUB}},
        {"status_list": {"idx": 1}},
        {"status_list": {"idx": 1, "uri": 5}},
        {"status_list": {"idx": 1, "uri": ""}},
        {"status_list": {"idx": 1, "uri": [EXAMPLE_SUB]}},
        {"identifier_list": {"id": "1", "uri": EXAMPLE_SUB}},
    ],
)
def test_rejects_bad_status_claim_shape(claim: object) -> None:
    with pytest.raises(StatusReferenceInvalid):
        parse_status_claim(claim)
    with pytest.raises(StatusReferenceInvalid):
        decode_status_list(SMALL_LIST).get(parse_status_claim(claim).idx)


def test_status_claim_parses_and_ignores_other_members() -> None:
    claim = {"status_list": {"idx": 3, "uri": EXAMPLE_SUB, "x": 1}, "other_mechanism": {}}
    assert parse_status_claim(claim) == StatusListReference(idx=3, uri=EXAMPLE_SUB)


# --- the in-memory list ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, -1])
def test_rejects_empty_list(size: int) -> None:
    with pytest.raises(StatusListMalformed):
        StatusList(size, 1)


@pytest.mark.parametrize(
    ("size", "bits", "length"), [(9, 1, 2), (8, 1, 1), (5, 2, 2), (3, 4, 2), (3, 8, 3)]
)
def test_byte_length_rounds_up(size: int, bits: int, length: int) -> None:
    status_list = StatusList(size, bits)
    assert len(status_list) == size
    assert len(status_list.to_bytes()) == length


def test_set_overwrites_only_its_own_bits() -> None:
    status_list = StatusList(4, 2)
    for index in range(4):
        status_list.set(index, 3)
    status_list.set(1, StatusValue.SUSPENDED)
    status_list.set(2, StatusValue.VALID)
    assert [status_list.get(index) for index in range(4)] == [3, 2, 0, 3]
    assert status_list.to_bytes() == bytes([0b11_00_10_11])


def test_repr_does_not_dump_the_list() -> None:
    assert repr(StatusList(16, 1)) == "StatusList(size=16, bits=1)"


def test_error_tree_codes_are_stable_and_distinct() -> None:
    leaves = [
        cls
        for cls in vars(sl).values()
        if isinstance(cls, type) and issubclass(cls, StatusListError) and cls is not StatusListError
    ]
    codes = [cls.code for cls in leaves]
    assert len(leaves) == 12
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("status_list_") for code in codes)
    assert all(issubclass(cls, IntygError) and cls.title for cls in leaves)


# --- index allocation helpers ----------------------------------------------------------------


def test_shuffled_indices_is_a_permutation() -> None:
    indices = shuffled_indices(10_000, random.Random(7))
    assert indices.typecode == "I"
    assert sorted(indices) == list(range(10_000))
    assert list(indices[:100]) != list(range(100))
    assert indices == shuffled_indices(10_000, random.Random(7))


def test_shuffled_indices_with_system_random() -> None:
    import secrets

    assert sorted(shuffled_indices(100, secrets.SystemRandom())) == list(range(100))
    assert len(shuffled_indices(0, secrets.SystemRandom())) == 0


@pytest.mark.parametrize("size", [-1, 2**32])
def test_shuffled_indices_refuses_impossible_sizes(size: int) -> None:
    with pytest.raises(StatusListMalformed):
        shuffled_indices(size, random.Random(0))


def test_pack_indices_is_little_endian_u32() -> None:
    assert pack_indices(array("I", [1, 0x01020304])) == b"\x01\x00\x00\x00\x04\x03\x02\x01"
    assert unpack_indices(b"\x01\x00\x00\x00\x04\x03\x02\x01") == array("I", [1, 0x01020304])


def test_pack_unpack_roundtrip() -> None:
    indices = shuffled_indices(4096, random.Random(1))
    assert unpack_indices(pack_indices(indices)) == indices


def test_unpack_refuses_partial_words() -> None:
    with pytest.raises(StatusListMalformed):
        unpack_indices(b"\x00\x00\x00")


def test_inflate_bounded_accepts_exactly_the_bound() -> None:
    assert inflate_bounded(zlib.compress(bytes(100)), 100) == bytes(100)


# --- properties ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
lst_values = (
    st.text(max_size=64)
    | st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=64
    )
    | st.binary(max_size=48).map(b64url)
    | st.binary(max_size=2048).map(lambda data: b64url(zlib.compress(data, 9)))
    | st.binary(max_size=64).map(lambda data: b64url(zlib.compress(data, 9)[: len(data) // 2]))
)
status_list_objects = st.fixed_dictionaries(
    {"bits": st.sampled_from([1, 2, 4, 8]) | json_values, "lst": lst_values | json_values}
)


@settings(max_examples=400, deadline=None)
@given(
    status_list=status_list_objects | json_values,
    max_bytes=st.sampled_from([64, 1024, DEFAULT_MAX_DECOMPRESSED_BYTES]),
)
def test_property_decode_raises_only_status_list_errors(
    status_list: object, max_bytes: int
) -> None:
    try:
        decoded = decode_status_list(status_list, max_bytes=max_bytes)
    except StatusListError:
        return
    assert 1 <= len(decoded.to_bytes()) <= max_bytes


@settings(max_examples=300, deadline=None)
@given(
    claims=st.dictionaries(
        st.sampled_from(["sub", "iat", "exp", "nbf", "ttl", "status_list"]),
        json_values | status_list_objects | st.just(EXAMPLE_SUB),
    ),
    header=st.dictionaries(
        st.sampled_from(["alg", "typ"]),
        json_values | st.sampled_from(["ES256", TYP_STATUS_LIST_JWT]),
    ),
    now=st.integers(),
)
def test_property_token_claims_raise_only_status_list_errors(
    claims: dict[str, object], header: dict[str, object], now: int
) -> None:
    with contextlib.suppress(StatusListError):
        verify_status_list_token_claims(header, claims, expected_sub=EXAMPLE_SUB, now=now)


@settings(max_examples=300, deadline=None)
@given(
    claim=json_values
    | st.fixed_dictionaries(
        {"status_list": st.fixed_dictionaries({"idx": json_values, "uri": json_values})}
    )
)
def test_property_status_claim_raises_only_status_list_errors(claim: object) -> None:
    with contextlib.suppress(StatusListError):
        decode_status_list(SMALL_LIST).get(parse_status_claim(claim).idx)


@st.composite
def sparse_lists(draw: st.DrawFn) -> tuple[int, int, dict[int, int]]:
    bits = draw(st.sampled_from([1, 2, 4, 8]))
    size = draw(st.integers(min_value=1, max_value=5000))
    statuses = draw(
        st.dictionaries(
            st.integers(min_value=0, max_value=size - 1),
            st.integers(min_value=0, max_value=(1 << bits) - 1),
            max_size=64,
        )
    )
    return size, bits, statuses


@settings(max_examples=300, deadline=None)
@given(case=sparse_lists())
def test_property_sparse_encode_decode_roundtrip(case: tuple[int, int, dict[int, int]]) -> None:
    size, bits, statuses = case
    decoded = decode_status_list(encode_sparse(size, bits, statuses))
    assert decoded.bits == bits
    assert size <= decoded.size < size + 8 // bits
    for index in range(decoded.size):
        assert decoded.get(index) == statuses.get(index, StatusValue.VALID)
    assert decoded.encode() == encode_sparse(size, bits, statuses)
