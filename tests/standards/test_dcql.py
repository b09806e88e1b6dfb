"""Tests for core.standards.dcql (OpenID for Verifiable Presentations 1.0, §6 DCQL, §7).

Vectors: ``openid4vp-1.0/`` beside the checkout (provenance in its SOURCES.md): the DCQL
queries of ``examples/query_lang/`` and ``examples/request/`` at tag ``1.0-final``, and the
JSON blocks of the specification text (``inline_json_examples.json``): the ``dcql_query``
objects in request examples, the §6.1.1 trusted-authority entries and the §7.3 credential.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import IntygError, all_error_classes
from core.standards import dcql
from core.standards import sd_jwt as sd
from core.standards.dcql import (
    CandidateCredential,
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlClaimPathInvalid,
    DcqlClaimsPathNoMatch,
    DcqlDuplicateClaim,
    DcqlDuplicateEntry,
    DcqlDuplicateId,
    DcqlError,
    DcqlMalformed,
    DcqlMetaInvalid,
    DcqlNotSatisfied,
    DcqlQuery,
    DcqlTooLarge,
    DcqlUnknownReference,
    DcqlUnsupportedFormat,
    MdocMeta,
    SdJwtVcMeta,
    W3cMeta,
    check_answered,
    check_satisfied,
    evaluate,
    match_credential,
    parse_claims_path,
    parse_query,
    parse_query_json,
    select,
    to_json,
)
from tests.helpers import learner_claims
from tests.vectorpath import VECTORS

VP_DIR = VECTORS / "openid4vp-1.0"
QUERY_FILES = sorted((VP_DIR / "examples" / "query_lang").glob("*.json"))
INLINE = json.loads((VP_DIR / "inline_json_examples.json").read_text())["examples"]
SD = dcql.FORMAT_SD_JWT_VC
SKILL_VCT = "https://issuer.example.se/vct/skill"
ID_VCT = "https://credentials.example.com/identity_credential"
HOLDER_CNF = {"jwk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}}


def _load(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())


def _dcql_objects(value: object) -> Iterator[dict[str, object]]:
    """Every object in the spec's JSON blocks that is a DCQL query (has ``credentials``)."""
    if isinstance(value, dict):
        if isinstance(value.get("credentials"), list):
            yield value
        for item in value.values():
            yield from _dcql_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dcql_objects(item)


INLINE_QUERIES = [(e["md_line"], q) for e in INLINE for q in _dcql_objects(e["json"])]


def _inline(section_start: str) -> list[dict[str, object]]:
    return [e["json"] for e in INLINE if e["section"].startswith(section_start)]


def skill_credential(**overrides: object) -> dict[str, object]:
    """The fully disclosed view of an Intyg skill credential (SD-JWT VC)."""
    claims = learner_claims(**overrides)
    claims.setdefault("vct", SKILL_VCT)
    claims.setdefault("iss", "https://issuer.example.se")
    claims.setdefault("cnf", HOLDER_CNF)
    return {k: v for k, v in claims.items() if v is not None}


def skill_query(**fields: object) -> CredentialQuery:
    raw: dict[str, object] = {"id": "skill", "format": SD, "meta": {"vct_values": [SKILL_VCT]}}
    raw.update(fields)
    return parse_query({"credentials": [raw]}).credentials[0]


def _query(credential: dict[str, object], **top: object) -> dict[str, object]:
    return {"credentials": [credential], **top}


def _sd_credential(**fields: object) -> dict[str, object]:
    return {"id": "c", "format": SD, "meta": {"vct_values": [ID_VCT]}, **fields}


# --- the specification's own examples ---------------------------------------------------------


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_oid4vp_examples_query_lang_parse_and_round_trip(path: Path) -> None:
    data = _load(path)
    query = parse_query(data)
    assert to_json(query) == data
    assert parse_query(to_json(query)) == query


def test_oid4vp_query_lang_vectors_are_all_present() -> None:
    assert {p.stem for p in QUERY_FILES} == {
        "claims_alternatives", "complex_mdoc", "credentials_alternatives", "multi_credentials",
        "simple", "simple_mdoc", "value_matching_simple",
    }  # fmt: skip


@pytest.mark.parametrize(("line", "data"), INLINE_QUERIES, ids=lambda v: str(v)[:12])
def test_oid4vp_inline_dcql_queries_parse_and_round_trip(
    line: int, data: dict[str, object]
) -> None:
    query = parse_query(data)
    assert to_json(query) == data


def test_oid4vp_inline_dcql_queries_were_found() -> None:
    assert len(INLINE_QUERIES) >= 2


def test_oid4vp_simple_example_fields() -> None:
    query = parse_query(_load(VP_DIR / "examples/query_lang/simple.json"))
    (cq,) = query.credentials
    assert cq.id == "my_credential" and cq.format == SD and not cq.multiple
    assert cq.meta == SdJwtVcMeta((ID_VCT,))
    assert [c.path for c in cq.claims or ()] == [
        ("last_name",), ("first_name",), ("address", "street_address"),
    ]  # fmt: skip
    assert cq.require_cryptographic_holder_binding is True
    assert cq.claim_sets is None and cq.trusted_authorities is None
    assert query.credential_sets is None


def test_oid4vp_complex_mdoc_is_parsed_with_credential_sets() -> None:
    query = parse_query(_load(VP_DIR / "examples/query_lang/complex_mdoc.json"))
    assert query.credential("mdl-id").meta == MdocMeta("org.iso.18013.5.1.mDL")
    assert query.credential_sets == (
        CredentialSetQuery((("mdl-id",), ("photo_card-id",)), required=True),
        CredentialSetQuery((("mdl-address",), ("photo_card-address",)), required=False),
    )


def test_oid4vp_request_dcql_jwt_vc_is_parsed_only() -> None:
    query = parse_query(_load(VP_DIR / "examples/request/dcql_jwt_vc.json"))
    (cq,) = query.credentials
    assert cq.meta == W3cMeta((("IDCredential",),))
    assert match_credential(cq, SD, skill_credential()) is None  # another format: no match
    with pytest.raises(DcqlUnsupportedFormat):
        match_credential(cq, dcql.FORMAT_JWT_VC_JSON, {"type": ["IDCredential"]})


def test_oid4vp_request_dcql_ldp_vc_is_an_unsupported_format() -> None:
    with pytest.raises(DcqlUnsupportedFormat, match="ldp_vc"):
        parse_query(_load(VP_DIR / "examples/request/dcql_ldp_vc.json"))


def test_oid4vp_6_1_1_trusted_authorities_examples_are_kept() -> None:
    entries = _inline("Authority Key Identifier") + _inline("ETSI") + _inline("OpenID Federation")
    assert [e["type"] for e in entries] == ["aki", "etsi_tl", "openid_federation"]
    data = _query(_sd_credential(trusted_authorities=entries))
    cq = parse_query(data).credentials[0]
    assert [(t.type, t.values) for t in cq.trusted_authorities or ()] == [
        (e["type"], tuple(e["values"])) for e in entries
    ]
    assert to_json(parse_query(data)) == data


# --- §7 claims path pointer ---------------------------------------------------------------------

POINTER_DOC = _inline("Claims Path Pointer Example")[0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("name",), [(("name",), "Arthur Dent")]),
        (("address",), [(("address",), POINTER_DOC["address"])]),
        (("address", "street_address"), [(("address", "street_address"), "42 Market Street")]),
        (
            ("degrees", None, "type"),
            [
                (("degrees", 0, "type"), "Bachelor of Science"),
                (("degrees", 1, "type"), "Master of Science"),
            ],
        ),
        (("nationalities", 1), [(("nationalities", 1), "Betelgeusian")]),
    ],
)
def test_oid4vp_7_3_claims_path_pointer_examples(
    path: dcql.ClaimsPath, expected: list[tuple[dcql.ClaimPath, object]]
) -> None:
    assert select(path, POINTER_DOC) == expected


def test_7_1_1_null_selects_every_element() -> None:
    assert select(("nationalities", None), POINTER_DOC) == [
        (("nationalities", 0), "British"), (("nationalities", 1), "Betelgeusian"),
    ]  # fmt: skip


def test_7_1_1_missing_key_removes_only_that_element() -> None:
    doc = {"a": [{"x": 1}, {"y": 2}, {"x": 3}]}
    assert select(("a", None, "x"), doc) == [(("a", 0, "x"), 1), (("a", 2, "x"), 3)]


def test_7_1_1_index_out_of_range_removes_that_array() -> None:
    doc = {"a": [[1, 2], [3]]}
    assert select(("a", None, 1), doc) == [(("a", 0, 1), 2)]


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        (("missing",), {"a": 1}),  # step 3: nothing selected
        (("nationalities", 5), POINTER_DOC),
        (("name", "first"), POINTER_DOC),  # 2.1: a string step on a non-object
        (("address", None), POINTER_DOC),  # 2.2: null on a non-array
        (("address", 0), POINTER_DOC),  # 2.3: an index on a non-array
        (("name", 0), POINTER_DOC),  # a string is not an array
        (("a", None, "x"), {"a": [{"x": 1}, "text"]}),  # one wrong element aborts it all
        (("a", None), {"a": []}),  # every element of nothing is nothing
        (("a",), ["not", "an", "object"]),
    ],
)
def test_7_1_1_processing_errors(path: dcql.ClaimsPath, doc: object) -> None:
    with pytest.raises(DcqlClaimsPathNoMatch):
        select(path, doc)


@pytest.mark.parametrize("step", [True, -1, 1.5, {}, []])
def test_7_1_1_step_2_4_other_components_are_an_error(step: object) -> None:
    with pytest.raises(DcqlClaimPathInvalid):
        select(("nationalities", step), POINTER_DOC)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path", [[], "name", None, [-1], [1.5], [True], [False], [{}], [["a"]], ("x", b"y")]
)
def test_7_rejects_invalid_claims_path_pointers(path: object) -> None:
    with pytest.raises(DcqlClaimPathInvalid):
        parse_claims_path(path)


def test_7_claims_path_pointer_length_is_bounded() -> None:
    assert len(parse_claims_path(["a"] * 16)) == 16
    with pytest.raises(DcqlTooLarge):
        parse_claims_path(["a"] * 17)


# --- parsing: defaults and ignored extensions ---------------------------------------------------


def test_6_1_defaults() -> None:
    cq = parse_query(_query(_sd_credential())).credentials[0]
    assert cq.multiple is False and cq.require_cryptographic_holder_binding is True
    assert cq.claims is None and cq.claim_sets is None


def test_6_2_required_defaults_to_true() -> None:
    data = _query(_sd_credential(), credential_sets=[{"options": [["c"]]}])
    assert parse_query(data).credential_sets == (CredentialSetQuery((("c",),), True),)


def test_6_unknown_properties_are_ignored_at_every_level() -> None:
    data = {
        "future": {"x": 1},
        "credentials": [
            _sd_credential(
                ext=1,
                meta={"vct_values": [ID_VCT], "other": 2},
                claims=[{"path": ["a"], "ext": [1]}],
                trusted_authorities=[{"type": "aki", "values": ["x"], "ext": 1}],
            )
        ],
        "credential_sets": [{"options": [["c"]], "purpose": "x"}],
    }
    plain = parse_query(data)
    assert plain.credentials[0].claims == (ClaimsQuery(("a",)),)
    assert "future" not in to_json(plain)


def test_intent_to_retain_is_kept_for_mdoc_only() -> None:
    mdoc = {"id": "m", "format": "mso_mdoc", "meta": {"doctype_value": "org.iso.18013.5.1.mDL"},
            "claims": [{"path": ["ns", "x"], "intent_to_retain": True}]}  # fmt: skip
    assert parse_query(_query(mdoc)).credentials[0].claims == (
        ClaimsQuery(("ns", "x"), intent_to_retain=True),
    )
    sd_claims = _sd_credential(claims=[{"path": ["x"], "intent_to_retain": True}])
    assert parse_query(_query(sd_claims)).credentials[0].claims == (ClaimsQuery(("x",)),)


def test_parse_query_json() -> None:
    text = (VP_DIR / "examples/query_lang/claims_alternatives.json").read_text()
    assert parse_query_json(text) == parse_query(json.loads(text))
    assert parse_query_json(text.encode()) == parse_query(json.loads(text))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", DcqlMalformed),
        ("{", DcqlMalformed),
        ("[]", DcqlMalformed),
        ('{"credentials": NaN}', DcqlMalformed),
        ('{"credentials": [], "credentials": []}', DcqlMalformed),  # duplicate member
        (b"\xff\xfe", DcqlMalformed),
        ("[" * 100_000, DcqlMalformed),
        (" " * 300_000, DcqlTooLarge),
    ],
)
def test_parse_query_json_rejects(text: str | bytes, error: type[DcqlError]) -> None:
    with pytest.raises(error):
        parse_query_json(text)


# --- parsing: every rejection -------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    """The valid query that each rejection case changes in one place."""
    return {
        "credentials": [
            _sd_credential(claims=[{"id": "a", "path": ["a"]}, {"id": "b", "path": ["b"]}],
                           claim_sets=[["a", "b"], ["a"]]),
            {"id": "d", "format": SD, "meta": {"vct_values": [SKILL_VCT]}},
        ],
        "credential_sets": [{"options": [["c"], ["d"]]}],
    }  # fmt: skip


Edit = Callable[[dict[str, Any]], object]


def _cred(q: dict[str, Any]) -> dict[str, Any]:
    return q["credentials"][0]  # type: ignore[no-any-return]


def _claim(q: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return _cred(q)["claims"][index]  # type: ignore[no-any-return]


def _sets(value: object) -> Edit:
    return lambda q: q.update(credential_sets=value)


def _set(**fields: object) -> Edit:
    return lambda q: _cred(q).update(fields)


def _set_claim(**fields: object) -> Edit:
    return lambda q: _claim(q).update(fields)


M, MI, P = DcqlMalformed, DcqlMetaInvalid, DcqlClaimPathInvalid
REJECTIONS: list[tuple[str, Edit, type[DcqlError]]] = [
    ("credentials_missing", lambda q: q.pop("credentials"), M),
    ("credentials_null", lambda q: q.update(credentials=None), M),
    ("credentials_not_array", lambda q: q.update(credentials={"c": _cred(q)}), M),
    ("credentials_empty", lambda q: q.update(credentials=[]), M),
    ("credential_not_object", lambda q: q["credentials"].append("c"), M),
    ("credential_id_duplicate", lambda q: q["credentials"][1].update(id="c"), DcqlDuplicateId),
    ("id_missing", lambda q: _cred(q).pop("id"), M),
    ("id_empty", _set(id=""), M),
    ("id_space", _set(id="my id"), M),
    ("id_non_ascii", _set(id="intyg_å"), M),
    ("id_slash", _set(id="a/b"), M),
    ("id_trailing_newline", _set(id="a\n"), M),
    ("id_int", _set(id=1), M),
    ("format_missing", lambda q: _cred(q).pop("format"), M),
    ("format_not_string", _set(format=[SD]), M),
    ("format_empty", _set(format=""), M),
    ("multiple_string", _set(multiple="true"), M),
    ("holder_binding_int", _set(require_cryptographic_holder_binding=1), M),
    ("meta_missing", lambda q: _cred(q).pop("meta"), MI),
    ("meta_not_object", _set(meta=[ID_VCT]), MI),
    ("meta_empty_for_sd_jwt", _set(meta={}), MI),
    ("vct_values_string", _set(meta={"vct_values": ID_VCT}), MI),
    ("vct_values_empty", _set(meta={"vct_values": []}), MI),
    ("vct_values_int", _set(meta={"vct_values": [1]}), MI),
    ("vct_values_empty_string", _set(meta={"vct_values": [""]}), MI),
    ("claims_null", _set(claims=None), M),
    ("claims_empty", _set(claims=[]), M),
    ("claims_not_array", _set(claims={"path": ["a"]}), M),
    ("claim_not_object", lambda q: _cred(q)["claims"].append(["a"]), M),
    ("claim_path_missing", lambda q: _claim(q).pop("path"), P),
    ("claim_path_empty", _set_claim(path=[]), P),
    ("claim_path_negative", _set_claim(path=["a", -1]), P),
    ("claim_path_float", _set_claim(path=["a", 0.0]), P),
    ("claim_path_bool", _set_claim(path=["a", True]), P),
    ("claim_id_invalid", _set_claim(id="a.b"), M),
    ("claim_id_duplicate", lambda q: _claim(q, 1).update(id="a"), DcqlDuplicateId),
    ("claim_path_duplicate", lambda q: _claim(q, 1).update(path=["a"]), DcqlDuplicateClaim),
    ("values_empty", _set_claim(values=[]), M),
    ("values_not_array", _set_claim(values="x"), M),
    ("values_float", _set_claim(values=[1.5]), M),
    ("values_null", _set_claim(values=[None]), M),
    ("values_object", _set_claim(values=[{"a": 1}]), M),
    ("claim_sets_without_claims", lambda q: _cred(q).pop("claims"), M),
    ("claim_sets_without_ids", lambda q: _claim(q, 1).pop("id"), M),
    ("claim_sets_empty", _set(claim_sets=[]), M),
    ("claim_sets_flat", _set(claim_sets=["a"]), M),
    ("claim_set_empty", _set(claim_sets=[[]]), M),
    ("claim_set_unknown_id", _set(claim_sets=[["a", "z"]]), DcqlUnknownReference),
    ("claim_set_repeats_id", _set(claim_sets=[["a", "a"]]), DcqlDuplicateEntry),
    ("claim_set_twice", _set(claim_sets=[["a", "b"], ["b", "a"]]), DcqlDuplicateEntry),
    ("trusted_authorities_empty", _set(trusted_authorities=[]), M),
    ("trusted_authority_no_type", _set(trusted_authorities=[{"values": ["x"]}]), M),
    ("trusted_authority_no_values", _set(trusted_authorities=[{"type": "aki", "values": []}]), M),
    ("trusted_authority_int_value", _set(trusted_authorities=[{"type": "aki", "values": [1]}]), M),
    ("credential_sets_null", _sets(None), M),
    ("credential_sets_empty", _sets([]), M),
    ("credential_set_not_object", _sets([["c"]]), M),
    ("options_missing", _sets([{"required": True}]), M),
    ("options_empty", _sets([{"options": []}]), M),
    ("option_empty", _sets([{"options": [[]]}]), M),
    ("option_not_array", _sets([{"options": ["c"]}]), M),
    ("option_unknown_id", _sets([{"options": [["zz"]]}]), DcqlUnknownReference),
    ("option_repeats_id", _sets([{"options": [["c", "c"]]}]), DcqlDuplicateEntry),
    ("option_twice", _sets([{"options": [["c", "d"], ["d", "c"]]}]), DcqlDuplicateEntry),
    ("required_string", _sets([{"options": [["c"]], "required": "false"}]), M),
]


def test_the_query_the_rejections_change_is_valid() -> None:
    assert len(parse_query(_valid()).credentials) == 2


@pytest.mark.parametrize(
    ("edit", "error"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_rejects(edit: Edit, error: type[DcqlError]) -> None:
    query = _valid()
    edit(query)
    with pytest.raises(error) as caught:
        parse_query(query)
    assert type(caught.value) is error


@pytest.mark.parametrize("data", [None, [], "credentials", 1, [{"credentials": []}]])
def test_rejects_a_query_that_is_not_an_object(data: object) -> None:
    with pytest.raises(DcqlMalformed):
        parse_query(data)


@pytest.mark.parametrize(
    ("fmt", "meta"),
    [
        ("mso_mdoc", {}),
        ("mso_mdoc", {"doctype_value": ""}),
        ("mso_mdoc", {"doctype_value": ["org.iso.18013.5.1.mDL"]}),
        ("jwt_vc_json", {}),
        ("jwt_vc_json", {"type_values": []}),
        ("jwt_vc_json", {"type_values": ["IDCredential"]}),
        ("jwt_vc_json", {"type_values": [[]]}),
        ("jwt_vc_json", {"type_values": [[1]]}),
    ],
)
def test_app_b_rejects_meta_that_does_not_fit_the_format(fmt: str, meta: object) -> None:
    with pytest.raises(DcqlMetaInvalid):
        parse_query(_query({"id": "x", "format": fmt, "meta": meta}))


@pytest.mark.parametrize("path", [["ns"], ["ns", "a", "b"], ["ns", None], ["ns", 0]])
def test_7_2_mdoc_claims_path_is_two_strings(path: list[object]) -> None:
    mdoc = {
        "id": "m",
        "format": "mso_mdoc",
        "meta": {"doctype_value": "d"},
        "claims": [{"path": path}],
    }
    with pytest.raises(DcqlClaimPathInvalid):
        parse_query(_query(mdoc))


def test_mdoc_intent_to_retain_must_be_boolean() -> None:
    mdoc = {"id": "m", "format": "mso_mdoc", "meta": {"doctype_value": "d"},
            "claims": [{"path": ["ns", "x"], "intent_to_retain": "yes"}]}  # fmt: skip
    with pytest.raises(DcqlMalformed):
        parse_query(_query(mdoc))


@pytest.mark.parametrize("fmt", ["ldp_vc", "vc+sd-jwt", "DC+SD-JWT", "jwt_vc", "x" * 500])
def test_rejects_unsupported_formats(fmt: str) -> None:
    with pytest.raises(DcqlUnsupportedFormat) as caught:
        parse_query(_query({"id": "x", "format": fmt, "meta": {}}))
    assert len(caught.value.detail) < 120  # a long format is not echoed


@pytest.mark.parametrize(
    "data",
    [
        {"credentials": [_sd_credential(id=f"c{i}") for i in range(51)]},
        _query(_sd_credential(claims=[{"path": [f"c{i}"]} for i in range(101)])),
        _query(_sd_credential(id="a" * 129)),
        _query(_sd_credential(meta={"vct_values": ["x" * 2049]})),
        _query(_sd_credential(meta={"vct_values": [f"v{i}" for i in range(51)]})),
        _query(_sd_credential(claims=[{"path": ["a"], "values": ["x" * 2049]}])),
        _query(_sd_credential(claims=[{"path": ["x" * 2049]}])),
        _query(_sd_credential(claims=[{"path": ["a"] * 17}])),
        _query(_sd_credential(), credential_sets=[{"options": [["c"]]}] * 51),
    ],
    ids=["queries", "claims", "id", "vct", "vct_values", "value", "path_step", "path", "sets"],
)
def test_rejects_queries_past_the_bounds(data: dict[str, object]) -> None:
    with pytest.raises(DcqlTooLarge):
        parse_query(data)


def test_bounds_are_inclusive() -> None:
    data = {"credentials": [_sd_credential(id=f"c{i}") for i in range(50)]}
    assert len(parse_query(data).credentials) == 50
    claims = _query(_sd_credential(claims=[{"path": [f"c{i}"]} for i in range(100)]))
    assert len(parse_query(claims).credentials[0].claims or ()) == 100


def test_limits_can_be_tightened() -> None:
    limits = dcql.DcqlLimits(max_credential_queries=1)
    with pytest.raises(DcqlTooLarge):
        parse_query(
            {"credentials": [_sd_credential(id="a"), _sd_credential(id="b")]}, limits=limits
        )


def test_error_details_do_not_echo_claim_values() -> None:
    with pytest.raises(DcqlMalformed) as caught:
        parse_query(
            _query(_sd_credential(claims=[{"path": ["a"], "values": [{"pnr": "19900101-0017"}]}]))
        )
    assert "19900101" not in caught.value.detail
    assert "credentials[0].claims[0].values[0]" in caught.value.detail


# --- matching (§6.4.1) --------------------------------------------------------------------------


def test_match_vct_mismatch_is_no_match() -> None:
    assert match_credential(skill_query(), SD, skill_credential(vct="https://other/vct")) is None
    assert match_credential(skill_query(), SD, {"cnf": HOLDER_CNF}) is None


def test_match_other_format_is_no_match() -> None:
    assert match_credential(skill_query(), "jwt_vc_json", skill_credential()) is None


def test_match_without_claims_requires_nothing_selectively_disclosable() -> None:
    match = match_credential(skill_query(), SD, skill_credential())
    assert match is not None
    assert match.paths == () and match.selection.claim_set is None and match.alternatives == ()


def test_match_all_claims_are_required_without_claim_sets() -> None:
    query = skill_query(claims=[{"path": ["given_name"]}, {"path": ["eqf_level"]}])
    match = match_credential(query, SD, skill_credential())
    assert match is not None and match.paths == (("given_name",), ("eqf_level",))
    assert match_credential(query, SD, skill_credential(eqf_level=None)) is None


def test_match_null_path_expands_to_every_element() -> None:
    query = skill_query(claims=[{"id": "s", "path": ["skills", None]}])
    match = match_credential(query, SD, skill_credential())
    assert match is not None
    assert match.paths == (("skills", 0), ("skills", 1), ("skills", 2))
    assert [(c.claim_id, c.query_path) for c in match.selection.claims] == [("s", ("skills", None))]


def test_match_null_path_into_elements() -> None:
    query = skill_query(claims=[{"path": ["skills", None, "id"]}])
    match = match_credential(query, SD, skill_credential())
    assert match is not None and match.paths == tuple(("skills", i, "id") for i in range(3))


def test_match_values_select_only_the_matching_elements() -> None:
    sql = "https://data.jobtechdev.se/taxonomy/concept/GNpR_2DU_tpd"
    query = skill_query(claims=[{"path": ["skills", None, "id"], "values": [sql, "urn:none"]}])
    match = match_credential(query, SD, skill_credential())
    assert match is not None and match.paths == (("skills", 2, "id"),)


@pytest.mark.parametrize(
    ("claim", "values", "matches"),
    [
        ("VG", ["G", "VG"], True),
        ("VG", ["G"], False),
        (5, [5], True),
        (5, ["5"], False),
        ("5", [5], False),
        (1, [True], False),
        (True, [1], False),
        (True, [True], True),
        (False, [0], False),
        (5.0, [5], False),
        ({"value": 5}, [5], False),
    ],
)
def test_6_3_values_match_type_and_value_exactly(
    claim: object, values: list[object], matches: bool
) -> None:
    query = skill_query(claims=[{"path": ["x"], "values": values}])
    assert (match_credential(query, SD, skill_credential(x=claim)) is not None) is matches


def test_oid4vp_value_matching_simple_example() -> None:
    query = parse_query(_load(VP_DIR / "examples/query_lang/value_matching_simple.json"))
    cq = query.credentials[0]
    person = {"vct": ID_VCT, "cnf": HOLDER_CNF, "last_name": "Doe", "first_name": "John",
              "address": {"street_address": "1 Rd"}, "postal_code": "90211"}  # fmt: skip
    assert match_credential(cq, SD, person) is not None
    assert match_credential(cq, SD, {**person, "last_name": "Dough"}) is None
    assert match_credential(cq, SD, {**person, "postal_code": 90211}) is None


def _address(**claims: object) -> dict[str, object]:
    base = {"vct": ID_VCT, "cnf": HOLDER_CNF, "last_name": "Dent", "date_of_birth": "1952-03-11"}
    return base | claims


def test_oid4vp_claims_alternatives_first_satisfiable_set_wins() -> None:
    cq = parse_query(_load(VP_DIR / "examples/query_lang/claims_alternatives.json")).credentials[0]
    everything = _address(postal_code="1", locality="Milliways", region="Betelgeuse")
    match = match_credential(cq, SD, everything)
    assert match is not None
    assert match.selection.claim_set == ("a", "c", "d", "e")
    assert match.paths == (("last_name",), ("locality",), ("region",), ("date_of_birth",))
    assert [a.claim_set for a in match.alternatives] == [("a", "b", "e")]


def test_oid4vp_claims_alternatives_falls_back_in_order() -> None:
    cq = parse_query(_load(VP_DIR / "examples/query_lang/claims_alternatives.json")).credentials[0]
    match = match_credential(cq, SD, _address(postal_code="1", locality="Milliways"))
    assert match is not None
    assert match.selection.claim_set == ("a", "b", "e") and match.alternatives == ()
    assert [c.claim_id for c in match.selection.claims] == ["a", "b", "e"]
    assert match_credential(cq, SD, _address(locality="Milliways")) is None


def test_match_paths_are_not_repeated() -> None:
    query = skill_query(
        claims=[{"path": ["skills", None]}, {"path": ["skills", 1]}, {"path": ["given_name"]}]
    )
    match = match_credential(query, SD, skill_credential())
    assert match is not None
    assert match.paths == (("skills", 0), ("skills", 1), ("skills", 2), ("given_name",))


def test_match_requires_holder_binding_by_default() -> None:
    unbound = skill_credential(cnf=None)
    assert match_credential(skill_query(), SD, unbound) is None
    relaxed = skill_query(require_cryptographic_holder_binding=False)
    assert match_credential(relaxed, SD, unbound) is not None


def test_match_rejects_a_hand_built_query_with_the_wrong_meta() -> None:
    query = CredentialQuery("x", SD, MdocMeta("d"))
    with pytest.raises(DcqlMetaInvalid):
        match_credential(query, SD, skill_credential())


# --- check_satisfied (the verifier's DCQL step) -------------------------------------------------


def test_check_satisfied_passes() -> None:
    query = skill_query(claims=[{"path": ["skills", None, "id"]}, {"path": ["given_name"]}])
    check_satisfied(query, skill_credential())
    check_satisfied(skill_query(), {"vct": SKILL_VCT, "cnf": HOLDER_CNF})


def test_check_satisfied_names_the_missing_path() -> None:
    query = skill_query(claims=[{"path": ["given_name"]}, {"path": ["credits", 0, "unit"]}])
    with pytest.raises(DcqlNotSatisfied) as caught:
        check_satisfied(query, skill_credential(credits=[]))
    assert caught.value.code == "dcql_not_satisfied"
    assert caught.value.path == ("credits", 0, "unit")
    assert '["credits", 0, "unit"]' in caught.value.detail


def test_check_satisfied_enforces_values_without_echoing_them() -> None:
    query = skill_query(claims=[{"path": ["assessment_grade"], "values": ["VG"]}])
    with pytest.raises(DcqlNotSatisfied) as caught:
        check_satisfied(query, skill_credential(assessment_grade="IG"))
    assert "IG" not in caught.value.detail and "requested values" in caught.value.detail


def test_check_satisfied_with_claim_sets() -> None:
    claims = [
        {"id": "t", "path": ["achievement_title"]},
        {"id": "g", "path": ["assessment_grade"]},
        {"id": "l", "path": ["eqf_level"]},
    ]
    query = skill_query(claims=claims, claim_sets=[["t", "g"], ["t", "l"]])
    check_satisfied(query, skill_credential())
    check_satisfied(query, skill_credential(assessment_grade=None))
    with pytest.raises(DcqlNotSatisfied) as caught:
        check_satisfied(query, skill_credential(assessment_grade=None, eqf_level=None))
    assert caught.value.path == ("assessment_grade",)  # from the preferred set


def test_check_satisfied_vct_mismatch() -> None:
    with pytest.raises(DcqlNotSatisfied, match="vct"):
        check_satisfied(skill_query(), skill_credential(vct="https://other/vct"))


def test_check_satisfied_holder_binding() -> None:
    with pytest.raises(DcqlNotSatisfied, match="cnf"):
        check_satisfied(skill_query(), skill_credential(cnf=None))
    check_satisfied(
        skill_query(require_cryptographic_holder_binding=False), skill_credential(cnf=None)
    )


def test_check_satisfied_is_for_matched_formats_only() -> None:
    query = parse_query(_load(VP_DIR / "examples/query_lang/simple_mdoc.json")).credentials[0]
    with pytest.raises(DcqlUnsupportedFormat):
        check_satisfied(query, {})


def test_sd_jwt_presentation_of_a_match_satisfies_the_query_and_nothing_more() -> None:
    """Wallet: match, disclose exactly ``match.paths``; verifier: ``check_satisfied``."""
    spec = sd.SdSpec.of(("given_name",), ("family_name",), ("skills", sd.ANY_ELEMENT),
                        ("assessment_grade",))  # fmt: skip
    issued = sd.build_payload(skill_credential(), spec)
    disclosures = [sd.decode_disclosure(d) for d in issued.disclosures]
    full = sd.process_disclosures(issued.payload, disclosures)
    sql = "https://data.jobtechdev.se/taxonomy/concept/GNpR_2DU_tpd"
    query = skill_query(
        claims=[{"path": ["skills", None, "id"], "values": [sql]}, {"path": ["given_name"]}]
    )
    match = match_credential(query, SD, full.claims)
    assert match is not None and match.paths == (("skills", 2, "id"), ("given_name",))
    chosen = set(sd.select_disclosures(full, match.paths))
    shown = sd.process_disclosures(issued.payload, [d for d in disclosures if d.encoded in chosen])
    check_satisfied(query, shown.claims)
    assert "family_name" not in shown.claims and "assessment_grade" not in shown.claims
    assert [s["id"] for s in shown.claims["skills"]] == [sql]  # type: ignore[union-attr]


# --- evaluate (§6.4.2) --------------------------------------------------------------------------


def _candidate(ref: str, vct: str, **claims: object) -> CandidateCredential:
    return CandidateCredential(ref, SD, {"vct": vct, "cnf": HOLDER_CNF, **claims})


PID = _candidate("w-pid", ID_VCT, given_name="A", family_name="D",
                 address={"street_address": "42 Market Street"})  # fmt: skip
REDUCED_1 = _candidate(
    "w-r1", "https://credentials.example.com/reduced_identity_credential",
    given_name="A", family_name="D",
)  # fmt: skip
REDUCED_2 = _candidate("w-r2", "https://cred.example/residence_credential",
                       postal_code="1", locality="M", region="B")  # fmt: skip
REWARDS = _candidate("w-rw", "https://company.example/company_rewards", rewards_number=7)
ALTERNATIVES = parse_query(_load(VP_DIR / "examples/query_lang/credentials_alternatives.json"))


def test_evaluate_oid4vp_credentials_alternatives_prefers_the_first_option() -> None:
    result = evaluate(ALTERNATIVES, [REWARDS, REDUCED_2, PID, REDUCED_1])
    assert result.satisfiable
    assert [m.candidate.ref for m in result.matches["pid"]] == ["w-pid"]
    assert result.matches["other_pid"] == ()
    assert result.selected_ids == ("pid", "nice_to_have")
    assert result.required_ids == {"pid", "other_pid", "pid_reduced_cred_1", "pid_reduced_cred_2"}
    assert result.optional_ids == {"nice_to_have"}
    required, optional = result.credential_sets
    assert required.required and required.chosen == ("pid",)
    assert required.satisfiable_options == (("pid",), ("pid_reduced_cred_1", "pid_reduced_cred_2"))
    assert not optional.required and optional.chosen == ("nice_to_have",)


def test_evaluate_falls_back_to_a_later_option() -> None:
    result = evaluate(ALTERNATIVES, [REDUCED_1, REDUCED_2])
    assert result.satisfiable
    assert result.selected_ids == ("pid_reduced_cred_1", "pid_reduced_cred_2")
    assert not result.credential_sets[1].satisfied  # the optional set: nothing, and that is fine


def test_evaluate_an_incomplete_option_does_not_satisfy() -> None:
    result = evaluate(ALTERNATIVES, [REDUCED_1, REWARDS])
    assert not result.satisfiable and result.selected_ids == ()
    assert [m.candidate.ref for m in result.matches["nice_to_have"]] == ["w-rw"]


def test_evaluate_without_credential_sets_requires_every_query() -> None:
    query = parse_query(_load(VP_DIR / "examples/query_lang/multi_credentials.json"))
    result = evaluate(query, [PID])
    assert result.required_ids == {"pid", "mdl"} and result.optional_ids == frozenset()
    assert not result.satisfiable and result.selected_ids == ()
    assert result.credential_sets == ()
    both = parse_query({"credentials": [_sd_credential(id="a"), _sd_credential(id="b")]})
    ok = evaluate(both, [PID])
    assert ok.satisfiable and ok.selected_ids == ("a", "b")  # one credential may answer both


def test_evaluate_a_query_in_a_required_and_an_optional_set_is_required() -> None:
    query = parse_query({
        "credentials": [_sd_credential(id="a"), _sd_credential(id="b")],
        "credential_sets": [{"options": [["a"]]}, {"options": [["a", "b"]], "required": False}],
    })  # fmt: skip
    result = evaluate(query, [PID])
    assert result.required_ids == {"a"} and result.optional_ids == {"b"}
    assert result.selected_ids == ("a", "b")


def test_evaluate_candidate_matches_carry_the_claim_selection() -> None:
    result = evaluate(ALTERNATIVES, [PID])
    (found,) = result.matches["pid"]
    assert found.match.query_id == "pid"
    assert found.match.paths == (("given_name",), ("family_name",), ("address", "street_address"))


# --- check_answered: §6.4.2 over the ids a vp_token answers ---------------------------------------


def test_check_answered_oid4vp_credentials_alternatives_first_option() -> None:
    assert check_answered(ALTERNATIVES, {"pid"}) == ("pid",)
    assert check_answered(ALTERNATIVES, {"other_pid", "nice_to_have"}) == (
        "other_pid",
        "nice_to_have",
    )


def test_check_answered_an_alternative_option_of_two_ids_satisfies() -> None:
    answered = {"pid_reduced_cred_1", "pid_reduced_cred_2"}
    assert check_answered(ALTERNATIVES, answered) == ("pid_reduced_cred_1", "pid_reduced_cred_2")


def test_check_answered_half_an_option_leaves_the_required_set_unmet() -> None:
    with pytest.raises(DcqlNotSatisfied, match=r"credential_sets\[0\]"):
        check_answered(ALTERNATIVES, {"pid_reduced_cred_1", "nice_to_have"})


def test_check_answered_only_the_optional_set_is_refused() -> None:
    with pytest.raises(DcqlNotSatisfied):
        check_answered(ALTERNATIVES, {"nice_to_have"})
    with pytest.raises(DcqlNotSatisfied):
        check_answered(ALTERNATIVES, set())


def test_check_answered_an_unanswered_optional_set_is_fine() -> None:
    query = parse_query({
        "credentials": [_sd_credential(id="a"), _sd_credential(id="b")],
        "credential_sets": [{"options": [["a"]]}, {"options": [["b"]], "required": False}],
    })  # fmt: skip
    assert check_answered(query, {"a"}) == ("a",)
    assert check_answered(query, {"a", "b"}) == ("a", "b")


def test_check_answered_without_credential_sets_needs_every_query() -> None:
    query = parse_query({"credentials": [_sd_credential(id="a"), _sd_credential(id="b")]})
    assert check_answered(query, {"a", "b"}) == ("a", "b")
    with pytest.raises(DcqlNotSatisfied, match=r"\['b'\]"):
        check_answered(query, {"a"})


def test_check_answered_judges_ids_where_evaluate_counts_a_credential_for_each_query() -> None:
    """One PID fits both queries, so ``evaluate`` is satisfied; a response that answers only
    ``a`` has not answered ``b``."""
    query = parse_query({"credentials": [_sd_credential(id="a"), _sd_credential(id="b")]})
    assert evaluate(query, [PID]).satisfiable
    with pytest.raises(DcqlNotSatisfied):
        check_answered(query, {"a"})


def test_evaluation_matches_are_read_only() -> None:
    result = evaluate(ALTERNATIVES, [PID])
    with pytest.raises(TypeError):
        result.matches["pid"] = ()  # type: ignore[index]


def test_dcql_query_credential_lookup() -> None:
    assert ALTERNATIVES.credential("pid").id == "pid"
    with pytest.raises(DcqlUnknownReference):
        ALTERNATIVES.credential("nope")


# --- the wire form ------------------------------------------------------------------------------


def test_to_json_writes_non_defaults_only() -> None:
    query = DcqlQuery(
        (
            CredentialQuery("a", SD, SdJwtVcMeta((SKILL_VCT,)), multiple=True,
                            claims=(ClaimsQuery(("skills", None), "s", ("x", 1, True)),),
                            claim_sets=(("s",),), require_cryptographic_holder_binding=False),
        ),
        (CredentialSetQuery((("a",),), required=False),),
    )  # fmt: skip
    wire = to_json(query)
    assert wire == {
        "credentials": [{
            "id": "a", "format": SD, "meta": {"vct_values": [SKILL_VCT]}, "multiple": True,
            "require_cryptographic_holder_binding": False,
            "claims": [{"id": "s", "path": ["skills", None], "values": ["x", 1, True]}],
            "claim_sets": [["s"]],
        }],
        "credential_sets": [{"options": [["a"]], "required": False}],
    }  # fmt: skip
    assert parse_query(json.loads(json.dumps(wire))) == query


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (DcqlQuery((CredentialQuery("bad id", SD, SdJwtVcMeta((SKILL_VCT,))),)), DcqlMalformed),
        (DcqlQuery((CredentialQuery("a", SD, MdocMeta("d")),)), DcqlMetaInvalid),
        (DcqlQuery(()), DcqlMalformed),
        (
            DcqlQuery(
                (CredentialQuery("a", SD, SdJwtVcMeta((SKILL_VCT,))),),
                (CredentialSetQuery((("b",),)),),
            ),
            DcqlUnknownReference,
        ),
    ],
)
def test_to_json_refuses_a_hand_built_invalid_query(
    query: DcqlQuery, error: type[DcqlError]
) -> None:
    with pytest.raises(error):
        to_json(query)


# --- errors ---------------------------------------------------------------------------------------


def test_error_codes_are_stable_unique_and_titled() -> None:
    leaves = [c for c in all_error_classes() if issubclass(c, DcqlError)]
    codes = [c.code for c in leaves]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("dcql_") for code in codes)
    assert all(c.title and c.title != IntygError.title for c in leaves)
    assert DcqlError.code == "dcql_invalid" and issubclass(DcqlError, IntygError)
    assert {"dcql_malformed", "dcql_unsupported_format", "dcql_claim_path_invalid",
            "dcql_not_satisfied"} <= set(codes)  # fmt: skip


# --- robustness ---------------------------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
VOCABULARY = st.sampled_from([
    "credentials", "credential_sets", "id", "format", "meta", "vct_values", "doctype_value",
    "type_values", "claims", "path", "values", "claim_sets", "options", "required", "multiple",
    "trusted_authorities", "type", "require_cryptographic_holder_binding", "intent_to_retain",
    SD, "mso_mdoc", "jwt_vc_json", "a", "c",
])  # fmt: skip
DCQLISH = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | VOCABULARY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(VOCABULARY, inner, max_size=5),
    max_leaves=40,
)
PATH_STEP = st.none() | st.booleans() | st.integers(-1, 3) | st.sampled_from(["skills", "id", "sv"])
VECTOR_QUERIES = [_load(p) for p in QUERY_FILES]


def _paths_in(value: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_in(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_in(item, (*prefix, index))


def _replaced(document: object, where: tuple[object, ...], new: object) -> object:
    if not where:
        return new
    out = copy.deepcopy(document)
    node = out
    for step in where[:-1]:
        node = node[step]  # type: ignore[index]
    node[where[-1]] = new  # type: ignore[index]
    return out


def _parse_only_dcql_errors(data: object) -> None:
    try:
        query = parse_query(data)
    except DcqlError:
        return
    assert parse_query(to_json(query)) == query
    claims = skill_credential()
    with contextlib.suppress(DcqlUnsupportedFormat):
        evaluate(query, [CandidateCredential("x", SD, claims)])


@settings(max_examples=400, deadline=None)
@given(JSONISH)
def test_parse_random_json_raises_only_dcql_errors(data: object) -> None:
    _parse_only_dcql_errors(data)
    _parse_only_dcql_errors({"credentials": data})
    _parse_only_dcql_errors({"credentials": [data]})


@settings(max_examples=400, deadline=None)
@given(DCQLISH)
def test_parse_dcql_shaped_noise_raises_only_dcql_errors(data: object) -> None:
    _parse_only_dcql_errors(data)
    _parse_only_dcql_errors({"credentials": [data]})


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_parse_mutated_vectors_raises_only_dcql_errors(data: st.DataObject) -> None:
    vector = data.draw(st.sampled_from(VECTOR_QUERIES))
    where = data.draw(st.sampled_from(list(_paths_in(vector))))
    _parse_only_dcql_errors(_replaced(vector, where, data.draw(JSONISH | DCQLISH)))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_parse_query_json_random_text_raises_only_dcql_errors(text: str | bytes) -> None:
    with contextlib.suppress(DcqlError):
        parse_query_json(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(PATH_STEP, min_size=1, max_size=5), JSONISH | st.just(skill_credential()))
def test_select_raises_only_dcql_errors_and_paths_lead_to_values(
    path: list[object], document: object
) -> None:
    try:
        found = select(tuple(path), document)  # type: ignore[arg-type]
    except DcqlError:
        return
    for where, value in found:
        node = document
        for step in where:
            node = node[step]  # type: ignore[index]
        assert node is value
