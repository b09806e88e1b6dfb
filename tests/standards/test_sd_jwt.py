"""RFC 9901 (SD-JWT): published vectors, issuance, processing, presentation, key binding.

Vectors: ``ietf-sd-jwt-rfc9901/`` (RFC 9901 §5.1, §5.2, A.1–A.4, and the ``inputs/`` YAML the
examples are generated from) and ``ietf-sd-jwt-vc/`` (draft-ietf-oauth-sd-jwt-vc §2.3, A.1);
provenance in ``SOURCES.md`` beside them. Every rejection test breaks exactly one check.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core import jose
from core.errors import IntygError, JoseError, SdJwtError, all_error_classes
from core.standards import sd_jwt as sd
from core.standards.sd_jwt.issue import _encode_json
from core.standards.sd_jwt.present import _path_exists
from tests.vectorpath import VECTORS

RFC_DIR = VECTORS / "ietf-sd-jwt-rfc9901"
VC_DIR = VECTORS / "ietf-sd-jwt-vc"
TYP = "example+sd-jwt"
NOW = 1_700_000_000


def _examples(folder: Path) -> list[dict[str, object]]:
    return json.loads((folder / "examples.json").read_text())["examples"]  # type: ignore[no-any-return]


RFC_EXAMPLES = _examples(RFC_DIR)
VC_EXAMPLES = _examples(VC_DIR)
ALL_EXAMPLES = [("rfc9901", e) for e in RFC_EXAMPLES] + [("sd-jwt-vc", e) for e in VC_EXAMPLES]


def _vector_id(item: tuple[str, dict[str, object]]) -> str:
    return f"{item[0]}-{item[1]['id']}"


def _issuer_key(folder: Path) -> jose.PublicKey:
    return jose.PublicKey.from_jwk(json.loads((folder / "issuer_public_jwk.json").read_text()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _disclosure(*content: object) -> str:
    return _b64(json.dumps(list(content)).encode())


def _digest(encoded: str) -> str:
    return sd.compute_sd_hash(encoded)  # same function: base64url(sha-256(ascii))


def _counter_salts() -> Callable[[int], bytes]:
    counter = iter(range(1, 1_000_000))
    return lambda n: next(counter).to_bytes(n, "big")


@pytest.fixture(scope="module")
def issuer() -> jose.PrivateKey:
    return jose.PrivateKey.generate("ES256")


@pytest.fixture(scope="module")
def holder() -> jose.PrivateKey:
    return jose.PrivateKey.generate("ES256")


def _signed(issuer: jose.PrivateKey, payload: dict[str, object], *disclosures: str) -> str:
    return sd.serialize(jose.sign(payload, issuer, typ=TYP), disclosures)


def _verify(issuer: jose.PrivateKey, token: str, **kw: object) -> sd.VerifiedSdJwt:
    return sd.verify_sd_jwt(token, issuer.public, typ=TYP, **kw)  # type: ignore[arg-type]


# --- published vectors ---------------------------------------------------------------------


@pytest.mark.parametrize("item", ALL_EXAMPLES, ids=_vector_id)
def test_published_vectors_verify_and_process(item: tuple[str, dict[str, object]]) -> None:
    source, example = item
    key = _issuer_key(RFC_DIR if source == "rfc9901" else VC_DIR)
    header = example["issuer_signed_jwt_header"]
    assert isinstance(header, dict)
    verified = sd.verify_sd_jwt(str(example["sd_jwt"]), key, typ=header["typ"])
    assert verified.claims == example["expected_processed_payload"]
    assert verified.jws.header == header
    # every disclosure got a path, and the path leads to the disclosed claim
    assert len(verified.disclosed) == len(verified.parts.disclosures)
    for item_ in verified.disclosed:
        assert _path_exists(verified.claims, item_.path)


@pytest.mark.parametrize(
    "item", [i for i in ALL_EXAMPLES if i[1]["kind"] == "sd-jwt+kb"], ids=_vector_id
)
def test_published_vectors_key_binding(item: tuple[str, dict[str, object]]) -> None:
    source, example = item
    key = _issuer_key(RFC_DIR if source == "rfc9901" else VC_DIR)
    header = example["issuer_signed_jwt_header"]
    assert isinstance(header, dict)
    verified = sd.verify_sd_jwt(str(example["sd_jwt"]), key, typ=header["typ"])
    assert verified.parts.kb_jwt is not None
    kb_iat = jose.parse(verified.parts.kb_jwt).payload["iat"]
    assert isinstance(kb_iat, int)
    claims = sd.verify_kb_jwt(
        verified.parts,
        sd.holder_public_key(verified.jws.payload),
        expected_aud=str(example["expected_kb_aud"]),
        expected_nonce=str(example["expected_kb_nonce"]),
        now=kb_iat + 5,
    )
    assert claims["nonce"] == "1234567890"
    with pytest.raises(sd.KbJwtTooOld):  # the published iat is in the past
        sd.verify_kb_jwt(
            verified.parts,
            sd.holder_public_key(verified.jws.payload),
            expected_aud=str(example["expected_kb_aud"]),
            expected_nonce=str(example["expected_kb_nonce"]),
            now=kb_iat + 3600,
        )


def test_rfc9901_5_1_issuance_has_all_disclosures_of_the_simple_input() -> None:
    example = RFC_EXAMPLES[0]
    verified = sd.verify_sd_jwt(str(example["sd_jwt"]), _issuer_key(RFC_DIR), typ=TYP)
    paths = {d.path for d in verified.disclosed}
    assert ("given_name",) in paths and ("nationalities", 1) in paths
    assert sd.SD_ALG_KEY not in verified.claims


def test_rfc9901_5_2_presentation_selects_by_path_like_the_spec() -> None:
    """Recreate the §5.2 selection (given_name, family_name, address, nationalities[0])."""
    issued = sd.verify_sd_jwt(str(RFC_EXAMPLES[0]["sd_jwt"]), _issuer_key(RFC_DIR), typ=TYP)
    presented = sd.select_disclosures(
        issued, [("given_name",), ("family_name",), ("address",), ("nationalities", 0)]
    )
    spec_presentation = sd.split(str(RFC_EXAMPLES[1]["sd_jwt"]))
    assert set(presented) == set(spec_presentation.disclosures)


# --- the YAML inputs the spec examples come from ------------------------------------------


@dataclass(frozen=True)
class _Sd:
    value: object

    def __hash__(self) -> int:
        return hash(repr(self.value))


class _SpecLoader(yaml.SafeLoader):
    pass


def _construct_sd(loader: yaml.SafeLoader, node: yaml.Node) -> _Sd:
    if isinstance(node, yaml.MappingNode):
        return _Sd(loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return _Sd(loader.construct_sequence(node, deep=True))
    assert isinstance(node, yaml.ScalarNode)
    tag = (
        "tag:yaml.org,2002:str"
        if node.style == '"'
        else loader.resolve(yaml.ScalarNode, node.value, (True, False))
    )
    return _Sd(loader.construct_object(yaml.ScalarNode(tag, node.value, style=node.style)))


_SpecLoader.add_constructor("!sd", _construct_sd)


def _unwrap(value: object, path: sd.ClaimPath, paths: set[sd.ClaimPath]) -> object:
    """Plain claims plus the SD paths that the ``!sd`` tags declare."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            name = key.value if isinstance(key, _Sd) else key
            if isinstance(key, _Sd):
                paths.add((*path, name))
            out[name] = _unwrap(item, (*path, name), paths)
        return out
    if isinstance(value, list):
        elements: list[object] = []
        for index, item in enumerate(value):
            if isinstance(item, _Sd):
                paths.add((*path, index))
                item = item.value
            elements.append(_unwrap(item, (*path, index), paths))
        return elements
    return value


def _spec_inputs() -> Iterator[Path]:
    """The inputs that describe one credential's claims (``user_claims``); the others
    (settings-only or serialization examples) have nothing for an issuer to issue."""
    for folder in (RFC_DIR, VC_DIR):
        for spec_file in sorted((folder / "inputs").glob("*/specification.yml")):
            if "user_claims:" in spec_file.read_text():
                yield spec_file


@pytest.mark.parametrize("spec_file", list(_spec_inputs()), ids=lambda p: p.parent.name)
def test_spec_inputs_issue_and_process_with_our_issuer(spec_file: Path) -> None:
    raw = yaml.load(spec_file.read_text(), Loader=_SpecLoader)  # noqa: S506 - SafeLoader subclass
    user_claims = raw["user_claims"]
    assert isinstance(user_claims, dict)
    paths: set[sd.ClaimPath] = set()
    claims = _unwrap(user_claims, (), paths)
    assert isinstance(claims, dict)
    settings_ = yaml.safe_load((spec_file.parents[1] / "settings.yml").read_text())
    keys = settings_["key_settings"]
    issuer_key = jose.PrivateKey.from_jwk(keys.get("issuer_key") or keys["issuer_keys"][0])
    token = sd.issue(claims, sd.SdSpec(frozenset(paths)), issuer_key, typ=TYP)
    verified = sd.verify_sd_jwt(token, issuer_key.public, typ=TYP)
    assert verified.claims == claims
    assert {d.path for d in verified.disclosed} == paths
    assert len(verified.parts.disclosures) == len(paths)


# --- issuance ------------------------------------------------------------------------------

SKILL_CLAIMS: dict[str, object] = {
    "iss": "https://issuer.example.se",
    "given_name": "Åsa",
    "family_name": "Öberg",
    "learner_identification": "199001011234",
    "skills": [
        {"id": "urn:jobtech:1", "label": {"sv": "Svetsning", "en": "Welding"}},
        {"id": "urn:jobtech:2", "label": {"sv": "Ritning", "en": "Drafting"}},
        {"id": "urn:jobtech:3", "label": {"sv": "Säkerhet", "en": "Safety"}},
    ],
    "address": {"street": "Storgatan 1", "locality": "Umeå"},
    "credits": [{"value": 30, "unit": "yh-poäng"}],
}
SKILL_SPEC = sd.SdSpec.of(
    ("given_name",),
    ("family_name",),
    ("learner_identification",),
    ("skills", sd.ANY_ELEMENT),
    ("address",),
    ("address", "street"),
)


def test_issue_roundtrip_with_array_elements_and_recursive_disclosure(
    issuer: jose.PrivateKey,
) -> None:
    token = sd.issue(SKILL_CLAIMS, SKILL_SPEC, issuer, typ=TYP)
    verified = _verify(issuer, token)
    assert verified.claims == SKILL_CLAIMS
    payload = verified.jws.payload
    assert payload[sd.SD_ALG_KEY] == "sha-256"
    assert "given_name" not in payload and "address" not in payload
    assert payload["credits"] == SKILL_CLAIMS["credits"]
    assert all(set(e) == {"..."} for e in payload["skills"])  # type: ignore[union-attr]
    paths = {d.path for d in verified.disclosed}
    assert paths == {
        ("given_name",), ("family_name",), ("learner_identification",),
        ("skills", 0), ("skills", 1), ("skills", 2), ("address",), ("address", "street"),
    }  # fmt: skip


def test_issue_with_eddsa(issuer: jose.PrivateKey) -> None:
    key = jose.PrivateKey.generate("EdDSA")
    token = sd.issue(SKILL_CLAIMS, SKILL_SPEC, key, typ=TYP)
    assert sd.verify_sd_jwt(token, key.public, typ=TYP).claims == SKILL_CLAIMS


def test_rfc9901_4_2_4_1_sd_digests_are_sorted() -> None:
    issued = sd.build_payload(SKILL_CLAIMS, SKILL_SPEC)
    digests = issued.payload[sd.SD_DIGESTS_KEY]
    assert isinstance(digests, list) and digests == sorted(digests) and len(digests) == 4


def test_rfc9901_4_2_5_decoys_are_added_and_removed(issuer: jose.PrivateKey) -> None:
    spec = sd.SdSpec(SKILL_SPEC.paths, decoys=3)
    issued = sd.build_payload(SKILL_CLAIMS, spec)
    top = issued.payload[sd.SD_DIGESTS_KEY]
    assert isinstance(top, list) and len(top) == 4 + 3 and top == sorted(top)
    token = sd.serialize(jose.sign(issued.payload, issuer, typ=TYP), issued.disclosures)
    verified = _verify(issuer, token)
    assert verified.claims == SKILL_CLAIMS
    address = json.loads(base64.urlsafe_b64decode(_pad(_find(issued.disclosures, "address"))))
    assert len(address[2][sd.SD_DIGESTS_KEY]) == 1 + 3  # the nested _sd has decoys too


def _pad(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def _find(disclosures: tuple[str, ...], name: str) -> str:
    for encoded in disclosures:
        if sd.decode_disclosure(encoded).name == name:
            return encoded
    raise AssertionError(name)


def test_rfc9901_9_5_salts_are_128_bits_from_the_injected_source() -> None:
    calls: list[int] = []

    def source(n: int) -> bytes:
        calls.append(n)
        return bytes(range(n))

    issued = sd.build_payload({"a": 1}, sd.SdSpec.of(("a",)), salt_source=source)
    assert calls == [16]
    decoded = sd.decode_disclosure(issued.disclosures[0])
    assert base64.urlsafe_b64decode(_pad(decoded.salt)) == bytes(range(16))


def test_issuance_is_deterministic_with_a_deterministic_salt_source() -> None:
    first = sd.build_payload(SKILL_CLAIMS, SKILL_SPEC, salt_source=_counter_salts())
    second = sd.build_payload(SKILL_CLAIMS, SKILL_SPEC, salt_source=_counter_salts())
    assert first == second
    assert first != sd.build_payload(SKILL_CLAIMS, SKILL_SPEC)


def test_rfc9901_4_2_1_disclosure_is_compact_utf8_json() -> None:
    issued = sd.build_payload({"name": "Åsa"}, sd.SdSpec.of(("name",)), salt_source=bytes)
    raw = base64.urlsafe_b64decode(_pad(issued.disclosures[0])).decode("utf-8")
    assert raw == '["AAAAAAAAAAAAAAAAAAAAAA","name","Åsa"]'


def test_index_and_any_element_paths_merge() -> None:
    claims = {"xs": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}
    spec = sd.SdSpec.of(("xs", sd.ANY_ELEMENT, "a"), ("xs", 1, "b"), ("xs", 1))
    issued = sd.build_payload(claims, spec)
    decoded = [sd.decode_disclosure(d) for d in issued.disclosures]
    full = sd.process_disclosures(issued.payload, decoded)
    assert full.claims == claims
    assert {d.path for d in full.disclosed} == {("xs", 0, "a"), ("xs", 1), ("xs", 1, "a"),
                                                ("xs", 1, "b")}  # fmt: skip


def test_absent_optional_claims_are_skipped() -> None:
    issued = sd.build_payload({"a": 1}, sd.SdSpec.of(("a",), ("date_of_expiry",)))
    assert len(issued.disclosures) == 1


@pytest.mark.parametrize(
    "claims, path",
    [
        ({"a": "x"}, ("a", "b")),
        ({"a": [1]}, ("a", "b")),
        ({"a": {"b": 1}}, ("a", 0)),
        ({"a": {"b": 1}}, ("a", sd.ANY_ELEMENT)),
    ],
)
def test_issuance_rejects_a_spec_that_does_not_fit_the_claims(
    claims: dict[str, object], path: sd.SpecPath
) -> None:
    with pytest.raises(sd.IssuanceInputInvalid):
        sd.build_payload(claims, sd.SdSpec.of(path))


@pytest.mark.parametrize(
    "claims",
    [
        {"_sd": ["x"]},
        {"a": {"_sd": ["x"]}},
        {"a": [{"...": "x"}]},
        {"_sd_alg": "sha-256"},
        {"given_name": {"_sd": []}},
    ],
)
def test_issuance_rejects_reserved_names_in_claims(claims: dict[str, object]) -> None:
    with pytest.raises(sd.IssuanceInputInvalid):
        sd.build_payload(claims, sd.SdSpec.of(("given_name",)))


def test_issuance_rejects_claims_deeper_than_the_verifier_accepts() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(sd.IssuanceInputInvalid):
        sd.build_payload({"a": deep}, sd.SdSpec.of(("b",)))


@pytest.mark.parametrize("value", [{1, 2}, b"bytes", object()])
def test_issuance_rejects_values_that_are_not_json(value: object) -> None:
    with pytest.raises(sd.IssuanceInputInvalid):
        sd.build_payload({"a": value}, sd.SdSpec.of(("a",)))


@pytest.mark.parametrize("path", [(), ("_sd",), ("a", "..."), ("_sd_alg",), ("a", -1), ("a", True)])
def test_sd_spec_rejects_invalid_paths(path: sd.SpecPath) -> None:
    with pytest.raises(ValueError):
        sd.SdSpec.of(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_disclosure_json_is_compact_utf8_and_roundtrips(value: object) -> None:
    encoded = _encode_json(["s", value])
    assert json.loads(encoded.decode("utf-8")) == ["s", value]
    assert encoded.startswith(b'["s",')


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "serialized",
    ["", "abc", "~", "~abc~", "jwt~~", "jwt~d1~~", "jwt~d1~~kb", "é~", "jwt\u00e9~"],
)
def test_split_rejects_malformed_serialisation(serialized: str) -> None:
    with pytest.raises(sd.MalformedSdJwt):
        sd.split(serialized)


def test_split_parts() -> None:
    assert sd.split("j~a~b~") == sd.SdJwt("j", ("a", "b"), None)
    assert sd.split("j~a~k.b.c") == sd.SdJwt("j", ("a",), "k.b.c")
    assert sd.split("j~") == sd.SdJwt("j", (), None)
    assert sd.split("j~a~b~").without_kb == "j~a~b~"
    assert sd.split("j~a~k.b.c").serialize() == "j~a~k.b.c"


@pytest.mark.parametrize(
    "encoded",
    [
        _b64(b'["salt","a",1]') + "=",  # padding
        _b64(b'["salt","a",1]').replace("-", "+") + "+/",  # standard alphabet
        "A",  # impossible length
        "AB",  # non-canonical trailing bits (AA is the canonical form of one zero byte)
        _b64(b"not json"),
        _b64(b'{"salt":"a"}'),
        _b64(b'["salt"]'),
        _b64(b'["salt","a",1,2]'),
        _b64(b'[1,"a",1]'),
        _b64(b'["salt",1,1]'),
        _b64(b'["salt","a",NaN]'),
        _b64(b'["salt","a",{"k":1,"k":2}]'),
        _b64(b'["salt","\xff",1]'),
        _b64(b"[" * 100_000),
        "",
    ],
)
def test_rejects_malformed_disclosure(encoded: str) -> None:
    with pytest.raises(sd.MalformedDisclosure):
        sd.decode_disclosure(encoded)


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_rfc9901_4_2_1_rejects_reserved_claim_name_in_disclosure(name: str) -> None:
    with pytest.raises(sd.ReservedClaimName):
        sd.decode_disclosure(_disclosure("salt", name, 1))


def test_decode_disclosure_forms() -> None:
    obj = sd.decode_disclosure(_disclosure("s1", "name", {"x": [1]}))
    assert (obj.salt, obj.name, obj.value) == ("s1", "name", {"x": [1]})
    element = sd.decode_disclosure(_disclosure("s2", "value"))
    assert (element.salt, element.name, element.value) == ("s2", None, "value")
    # RFC 9901 §5.1: the digest of a published disclosure
    published = "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd"
    digest = sd.decode_disclosure(published).digest
    assert digest == "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo"


# --- processing: each §7.1 rejection --------------------------------------------------------


def test_rejects_duplicate_digest_in_payload(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "a", 1)
    token = _signed(issuer, {"_sd": [_digest(d), _digest(d)]}, d)
    with pytest.raises(sd.DuplicateDigest):
        _verify(issuer, token)


def test_rejects_duplicate_decoy_digest(issuer: jose.PrivateKey) -> None:
    decoy = _digest("decoy")
    token = _signed(issuer, {"_sd": [decoy], "o": {"_sd": [decoy]}})
    with pytest.raises(sd.DuplicateDigest):
        _verify(issuer, token)


def test_rejects_duplicate_digest_across_disclosures(issuer: jose.PrivateKey) -> None:
    inner = _disclosure("s1", "b", 1)
    outer = _disclosure("s2", "a", {"_sd": [_digest(inner)]})
    token = _signed(issuer, {"_sd": [_digest(outer), _digest(inner)]}, outer, inner)
    with pytest.raises(sd.DuplicateDigest):
        _verify(issuer, token)


def test_rejects_duplicate_digest_between_array_and_object(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", 1)
    token = _signed(issuer, {"xs": [{"...": _digest(d)}], "ys": [{"...": _digest(d)}]}, d)
    with pytest.raises(sd.DuplicateDigest):
        _verify(issuer, token)


def test_rejects_duplicate_disclosure(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "a", 1)
    token = _signed(issuer, {"_sd": [_digest(d)]}, d, d)
    with pytest.raises(sd.DuplicateDisclosure):
        _verify(issuer, token)


def test_rejects_unreferenced_disclosure(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "a", 1)
    stray = _disclosure("s2", "b", 2)
    token = _signed(issuer, {"_sd": [_digest(d)]}, d, stray)
    with pytest.raises(sd.UnreferencedDisclosure):
        _verify(issuer, token)


def test_rejects_disclosure_referenced_only_from_an_undisclosed_parent(
    issuer: jose.PrivateKey,
) -> None:
    inner = _disclosure("s1", "b", 1)
    outer = _disclosure("s2", "a", {"_sd": [_digest(inner)]})
    token = _signed(issuer, {"_sd": [_digest(outer)]}, inner)  # outer withheld
    with pytest.raises(sd.UnreferencedDisclosure):
        _verify(issuer, token)


def test_rejects_object_disclosure_referenced_from_array(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "a", 1)
    token = _signed(issuer, {"xs": [{"...": _digest(d)}]}, d)
    with pytest.raises(sd.ObjectDisclosureInArray):
        _verify(issuer, token)


def test_rejects_array_disclosure_referenced_from_sd(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", 1)
    token = _signed(issuer, {"_sd": [_digest(d)]}, d)
    with pytest.raises(sd.ArrayDisclosureInObject):
        _verify(issuer, token)


def test_rejects_disclosed_name_that_exists_in_the_object(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "given_name", "Mallory")
    token = _signed(issuer, {"given_name": "Alice", "_sd": [_digest(d)]}, d)
    with pytest.raises(sd.ClaimNameConflict):
        _verify(issuer, token)


def test_rejects_two_disclosures_with_the_same_name(issuer: jose.PrivateKey) -> None:
    d1, d2 = _disclosure("s1", "age", 17), _disclosure("s2", "age", 30)
    token = _signed(issuer, {"_sd": [_digest(d1), _digest(d2)]}, d1, d2)
    with pytest.raises(sd.ClaimNameConflict):
        _verify(issuer, token)


@pytest.mark.parametrize("alg", ["sha-512", "SHA-256", "md5", 256, None])
def test_rfc9901_4_1_1_rejects_sd_alg_other_than_sha256(
    issuer: jose.PrivateKey, alg: object
) -> None:
    token = _signed(issuer, {"_sd_alg": alg, "a": 1})
    with pytest.raises(sd.UnsupportedSdAlg):
        _verify(issuer, token)


def test_rfc9901_4_1_1_absent_sd_alg_means_sha256(issuer: jose.PrivateKey) -> None:
    d = _disclosure("s", "a", 1)
    assert _verify(issuer, _signed(issuer, {"_sd": [_digest(d)]}, d)).claims == {"a": 1}


def test_nested_sd_alg_is_not_the_digest_algorithm(issuer: jose.PrivateKey) -> None:
    token = _signed(issuer, {"o": {"_sd_alg": "x"}})
    assert _verify(issuer, token).claims == {"o": {"_sd_alg": "x"}}


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": "digest"},
        {"_sd": [1]},
        {"_sd": {"d": 1}},
        {"xs": [{"...": 1}]},
        {"o": {"_sd": None}},
    ],
)
def test_rejects_malformed_digest_structures(
    issuer: jose.PrivateKey, payload: dict[str, object]
) -> None:
    with pytest.raises(sd.InvalidDigestStructure):
        _verify(issuer, _signed(issuer, payload))


def _nested(depth: int) -> dict[str, object]:
    value: dict[str, object] = {"leaf": 1}
    for _ in range(depth):
        value = {"n": value}
    return value


def test_rejects_nesting_beyond_the_depth_limit(issuer: jose.PrivateKey) -> None:
    _verify(issuer, _signed(issuer, _nested(30)))
    with pytest.raises(sd.TooDeep):
        _verify(issuer, _signed(issuer, _nested(40)))


def test_rejects_nesting_beyond_the_depth_limit_through_disclosures(
    issuer: jose.PrivateKey,
) -> None:
    disclosures: list[str] = []
    value: object = 1
    for _ in range(40):
        d = _disclosure("s", [value])
        disclosures.append(d)
        value = {"...": _digest(d)}
    token = _signed(issuer, {"xs": [value]}, *disclosures)
    with pytest.raises(sd.TooDeep):
        _verify(issuer, token)


def test_rejects_too_many_disclosures(issuer: jose.PrivateKey) -> None:
    ds = [_disclosure(f"s{i}", f"c{i}", i) for i in range(5)]
    token = _signed(issuer, {"_sd": sorted(_digest(d) for d in ds)}, *ds)
    assert len(_verify(issuer, token).claims) == 5
    limits = sd.ProcessingLimits(max_disclosures=4)
    with pytest.raises(sd.TooManyDisclosures):
        _verify(issuer, token, limits=limits)
    with pytest.raises(sd.TooManyDisclosures):
        sd.process_disclosures({}, [sd.decode_disclosure(d) for d in ds], limits=limits)


def test_undisclosed_array_elements_and_decoys_are_removed(issuer: jose.PrivateKey) -> None:
    shown = _disclosure("s", "DE")
    token = _signed(issuer, {"xs": [{"...": _digest(shown)}, {"...": _digest("x")}, "US"]}, shown)
    verified = _verify(issuer, token)
    assert verified.claims == {"xs": ["DE", "US"]}
    assert verified.disclosed[0].path == ("xs", 0)


def test_issuer_signature_failure_is_a_jose_error(issuer: jose.PrivateKey) -> None:
    token = sd.issue(SKILL_CLAIMS, SKILL_SPEC, issuer, typ=TYP)
    other = jose.PrivateKey.generate("ES256")
    with pytest.raises(jose.BadSignature):
        sd.verify_sd_jwt(token, other.public, typ=TYP)
    with pytest.raises(jose.TypeMismatch):
        sd.verify_sd_jwt(token, issuer.public, typ="dc+sd-jwt")


def test_tampered_disclosure_is_unreferenced(issuer: jose.PrivateKey) -> None:
    issued = sd.build_payload({"grade": "C"}, sd.SdSpec.of(("grade",)))
    forged = _disclosure(sd.decode_disclosure(issued.disclosures[0]).salt, "grade", "A")
    token = sd.serialize(jose.sign(issued.payload, issuer, typ=TYP), [forged])
    with pytest.raises(sd.UnreferencedDisclosure):
        _verify(issuer, token)


# --- presentation and key binding -----------------------------------------------------------


@pytest.fixture(scope="module")
def issued(issuer: jose.PrivateKey, holder: jose.PrivateKey) -> sd.VerifiedSdJwt:
    claims = {**SKILL_CLAIMS, "cnf": {"jwk": holder.public.jwk}}
    return _verify(issuer, sd.issue(claims, SKILL_SPEC, issuer, typ=TYP))


def test_data_minimisation_presents_exactly_the_selected_claims(
    issuer: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    presentation = sd.present(issued, [("given_name",), ("skills", 1)])
    verified = _verify(issuer, presentation)
    assert len(verified.parts.disclosures) == 2
    assert verified.claims["given_name"] == "Åsa"
    assert "family_name" not in verified.claims and "address" not in verified.claims
    assert verified.claims["skills"] == [SKILL_CLAIMS["skills"][1]]  # type: ignore[index]


def test_presenting_a_nested_claim_includes_its_recursive_parent(
    issuer: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    verified = _verify(issuer, sd.present(issued, [("address", "street")]))
    assert verified.claims["address"] == {"street": "Storgatan 1", "locality": "Umeå"}
    assert len(verified.parts.disclosures) == 2
    only_parent = _verify(issuer, sd.present(issued, [("address", "locality")]))
    assert only_parent.claims["address"] == {"locality": "Umeå"}


def test_presenting_a_parent_includes_everything_below_it(
    issuer: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    verified = _verify(issuer, sd.present(issued, [("skills",)]))
    assert verified.claims["skills"] == SKILL_CLAIMS["skills"]
    assert len(verified.parts.disclosures) == 3


def test_presenting_nothing_and_unknown_paths(
    issuer: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    bare = _verify(issuer, sd.present(issued, []))
    assert "given_name" not in bare.claims and bare.claims["skills"] == []
    with pytest.raises(sd.UnknownClaimPath):
        sd.select_disclosures(issued, [("skills", 9)])
    with pytest.raises(sd.UnknownClaimPath):
        sd.select_disclosures(issued, [("nickname",)])


def _kb_presentation(issued: sd.VerifiedSdJwt, holder: jose.PrivateKey) -> str:
    presentation = sd.present(issued, [("given_name",)])
    return sd.add_key_binding(presentation, holder, aud="https://v.example", nonce="n-1", iat=NOW)


def _verify_kb(
    presentation: str | sd.SdJwt, key: jose.PublicKey, **overrides: object
) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "expected_aud": "https://v.example", "expected_nonce": "n-1", "now": NOW + 10,
    }  # fmt: skip
    kwargs.update(overrides)
    return sd.verify_kb_jwt(presentation, key, **kwargs)  # type: ignore[arg-type]


def test_rfc9901_4_3_key_binding_roundtrip(
    issuer: jose.PrivateKey, holder: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    presentation = _kb_presentation(issued, holder)
    verified = _verify(issuer, presentation)
    kb = _verify_kb(verified.parts, sd.holder_public_key(verified.jws.payload))
    assert kb["sd_hash"] == sd.compute_sd_hash(verified.parts.without_kb)
    assert set(kb) == {"iat", "aud", "nonce", "sd_hash"}
    header = jose.parse(verified.parts.kb_jwt or "").header
    assert header == {"alg": "ES256", "typ": "kb+jwt"}


def test_kb_rejects_missing_kb_jwt(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    with pytest.raises(sd.KbJwtMissing):
        _verify_kb(sd.present(issued, [("given_name",)]), holder.public)


def test_kb_rejects_wrong_audience(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    with pytest.raises(sd.KbJwtAudienceMismatch):
        _verify_kb(_kb_presentation(issued, holder), holder.public, expected_aud="https://x")


def test_kb_rejects_wrong_nonce_replay(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    with pytest.raises(sd.KbJwtNonceMismatch):
        _verify_kb(_kb_presentation(issued, holder), holder.public, expected_nonce="n-2")


def test_kb_rejects_iat_in_the_future(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    presentation = _kb_presentation(issued, holder)
    _verify_kb(presentation, holder.public, now=NOW - 60)  # within leeway
    with pytest.raises(sd.KbJwtIatInFuture):
        _verify_kb(presentation, holder.public, now=NOW - 61)


def test_kb_rejects_stale_iat(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    presentation = _kb_presentation(issued, holder)
    _verify_kb(presentation, holder.public, now=NOW + 360)
    with pytest.raises(sd.KbJwtTooOld):
        _verify_kb(presentation, holder.public, now=NOW + 361)
    with pytest.raises(sd.KbJwtTooOld):
        _verify_kb(presentation, holder.public, now=NOW + 100, max_age=30, leeway=0)


@pytest.mark.parametrize("iat", [None, "1700000000", True])
def test_kb_rejects_missing_or_non_numeric_iat(
    holder: jose.PrivateKey, issued: sd.VerifiedSdJwt, iat: object
) -> None:
    sd_jwt = sd.present(issued, [("given_name",)])
    payload = {"aud": "https://v.example", "nonce": "n-1", "sd_hash": sd.compute_sd_hash(sd_jwt)}
    if iat is not None:
        payload["iat"] = iat  # type: ignore[assignment]
    kb = jose.sign(payload, holder, typ=sd.TYP_KB_JWT, include_kid=False)
    with pytest.raises(sd.KbJwtIatInvalid):
        _verify_kb(sd_jwt + kb, holder.public)


def test_kb_rejects_sd_hash_of_other_disclosures(
    holder: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    """The attack: reuse a KB-JWT with a different set of disclosures."""
    parts = sd.split(_kb_presentation(issued, holder))
    extra = sd.select_disclosures(issued, [("family_name",)])
    tampered = sd.SdJwt(parts.issuer_jwt, parts.disclosures + extra, parts.kb_jwt)
    with pytest.raises(sd.KbJwtSdHashMismatch):
        _verify_kb(tampered, holder.public)
    stripped = sd.SdJwt(parts.issuer_jwt, (), parts.kb_jwt)
    with pytest.raises(sd.KbJwtSdHashMismatch):
        _verify_kb(stripped, holder.public)


def test_kb_rejects_missing_sd_hash(holder: jose.PrivateKey, issued: sd.VerifiedSdJwt) -> None:
    sd_jwt = sd.present(issued, [("given_name",)])
    payload = {"aud": "https://v.example", "nonce": "n-1", "iat": NOW}
    kb = jose.sign(payload, holder, typ=sd.TYP_KB_JWT, include_kid=False)
    with pytest.raises(sd.KbJwtSdHashMismatch):
        _verify_kb(sd_jwt + kb, holder.public)


def test_kb_rejects_wrong_typ_none_alg_and_wrong_key(
    holder: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    sd_jwt = sd.present(issued, [("given_name",)])
    payload = {"aud": "https://v.example", "nonce": "n-1", "iat": NOW,
               "sd_hash": sd.compute_sd_hash(sd_jwt)}  # fmt: skip
    wrong_typ = jose.sign(payload, holder, typ="JWT", include_kid=False)
    with pytest.raises(jose.TypeMismatch):
        _verify_kb(sd_jwt + wrong_typ, holder.public)
    header = _b64(b'{"alg":"none","typ":"kb+jwt"}')
    unsigned = f"{header}.{_b64(json.dumps(payload).encode())}."
    with pytest.raises(jose.AlgorithmNotAllowed):
        _verify_kb(sd_jwt + unsigned, holder.public)
    good = sd.add_key_binding(sd_jwt, holder, aud="https://v.example", nonce="n-1", iat=NOW)
    with pytest.raises(jose.BadSignature):
        _verify_kb(good, jose.PrivateKey.generate("ES256").public)
    with pytest.raises(jose.AlgorithmNotAllowed):
        _verify_kb(good, holder.public, algorithms=frozenset({"EdDSA"}))


def test_make_kb_jwt_refuses_an_sd_jwt_that_already_has_one(
    holder: jose.PrivateKey, issued: sd.VerifiedSdJwt
) -> None:
    with pytest.raises(sd.KbJwtUnexpected):
        sd.make_kb_jwt(_kb_presentation(issued, holder), holder, aud="a", nonce="n", iat=NOW)


@pytest.mark.parametrize(
    "payload",
    [{}, {"cnf": "x"}, {"cnf": {"kid": "k"}}, {"cnf": {"jwk": "x"}}, {"cnf": {"jwk": {"d": "1"}}}],
)
def test_holder_public_key_requires_cnf_jwk(payload: dict[str, object]) -> None:
    with pytest.raises(sd.HolderKeyMissing):
        sd.holder_public_key(payload)


# --- errors -----------------------------------------------------------------------------------


def test_error_codes_are_stable_unique_and_titled() -> None:
    leaves = [c for c in all_error_classes() if issubclass(c, SdJwtError)]
    codes = [c.code for c in leaves]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("sd_jwt_") for code in codes)
    assert all(c.title and c.title != IntygError.title for c in leaves)
    assert {"sd_jwt_duplicate_digest", "sd_jwt_unreferenced_disclosure",
            "sd_jwt_kb_sd_hash_mismatch"} <= set(codes)  # fmt: skip


# --- robustness ---------------------------------------------------------------------------------


_FUZZ_KEY = jose.PrivateKey.generate("ES256").public


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_parser_never_raises_anything_but_its_errors(text: str) -> None:
    for function in (sd.split, sd.decode_disclosure):
        with contextlib.suppress(SdJwtError):
            function(text)
    with contextlib.suppress(SdJwtError, JoseError):
        sd.verify_sd_jwt(text, _FUZZ_KEY, typ=TYP)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_disclosure_decoder_on_random_base64url(data: bytes) -> None:
    with contextlib.suppress(SdJwtError):
        sd.decode_disclosure(_b64(data))


_digest_like = st.sampled_from(["d1", "d2", "d3", _digest(_disclosure("s", "a", 1))])
_sd_values = st.recursive(
    st.none() | st.integers() | st.text(max_size=4) | _digest_like,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["_sd", "...", "a", "b", "_sd_alg"]), children, max_size=3
        )
        | st.builds(lambda d: {"...": d}, _digest_like)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["_sd", "a", "xs", "_sd_alg"]), _sd_values, max_size=4),
    st.lists(st.tuples(st.text(max_size=3), st.sampled_from(["a", "b", None]), _sd_values),
             max_size=4),
)  # fmt: skip
def test_processing_random_structures_raises_only_sd_jwt_errors(
    payload: dict[str, object], raw: list[tuple[str, str | None, object]]
) -> None:
    disclosures = []
    for salt, name, value in raw:
        content = [salt, value] if name is None else [salt, name, value]
        disclosures.append(sd.decode_disclosure(_b64(json.dumps(content).encode())))
    with contextlib.suppress(SdJwtError):
        sd.process_disclosures(payload, disclosures)
