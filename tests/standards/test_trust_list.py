"""Tests for core.standards.trust_list (signed lists modelled on ETSI TS 119 602).

Every rejection starts from a valid, signed list and breaks exactly one thing. jwcrypto checks
independently that a list is an ordinary JWS that any JOSE library can verify.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from core import jose
from core import x509 as X
from core.errors import IntygError
from core.standards import trust_list as tl

NOW = 1_790_000_000
DAY = 86_400
OPERATOR = jose.PrivateKey.generate()
ISSUER = "https://utbildning.example.se/issuer"
SKILL_VCT = "https://intyg.example.se/vct/skill-credential/v1"
VERIFIER_DNS = "matchning.example.se"

CA_CERT, CA_KEY = X.create_dev_ca("Intyg Dev CA", NOW)
VERIFIER_CERT = X.issue_verifier_certificate(
    CA_CERT, CA_KEY, VERIFIER_DNS, jose.PrivateKey.generate().public, NOW
)


def entities() -> list[dict[str, object]]:
    return [
        tl.issuer_entry(ISSUER, "Yrkeshögskolan Exempel", [SKILL_VCT]),
        tl.issuer_entry(
            "https://kommunal-vux.example.se",
            "Kommunal vuxenutbildning",
            [SKILL_VCT, "urn:eu.europa.ec.eudi:learning:credential:1"],
            x5c=X.x5c_chain([CA_CERT]),
        ),
        tl.verifier_entry(
            f"x509_san_dns:{VERIFIER_DNS}",
            "Matchningstjänsten AB",
            certificate_thumbprints=[X.certificate_thumbprint(VERIFIER_CERT)],
        ),
        tl.verifier_entry("Arbetsgivare.Example.SE", "Arbetsgivaren AB"),
    ]


def document(**changes: object) -> dict[str, object]:
    doc = tl.build_trust_list(
        list_id="https://trust.example.se/lists/skills",
        operator_name="Exempelmyndigheten",
        entities=entities(),
        issued_at=NOW - DAY,
        next_update=NOW + 7 * DAY,
        sequence_number=3,
    )
    for name, value in changes.items():
        if value is None:
            doc.pop(name)
        else:
            doc[name] = value
    return doc


def signed(doc: dict[str, object] | None = None, *, typ: str = tl.TYP_TRUST_LIST, **kw: Any) -> str:
    """Sign with core.jose directly, so that invalid documents can be signed too."""
    key = kw.pop("key", OPERATOR)
    return jose.sign(doc if doc is not None else document(), key, typ=typ, **kw)


def verify(token: str, **options: Any) -> tl.TrustList:
    keys = options.pop("operator_keys", [OPERATOR.public])
    return tl.verify_trust_list(token, keys, options.pop("now", NOW), **options)


# --- accepted --------------------------------------------------------------------------------


def test_sign_and_verify_round_trip() -> None:
    token = tl.sign_trust_list(document(), OPERATOR)
    assert jose.parse(token).header == {
        "alg": "ES256",
        "typ": "trust-list+jwt",
        "kid": OPERATOR.kid,
    }
    trust_list = verify(token)
    assert trust_list.list_id == "https://trust.example.se/lists/skills"
    assert trust_list.operator_name == "Exempelmyndigheten"
    assert (trust_list.sequence_number, trust_list.issued_at) == (3, NOW - DAY)
    assert trust_list.next_update == NOW + 7 * DAY
    assert len(trust_list.token_hash) == 43


def test_issuer_lookup_and_vct_allow_list() -> None:
    trust_list = verify(tl.sign_trust_list(document(), OPERATOR))
    issuer = trust_list.issuer(ISSUER)
    assert issuer is not None and issuer.name == "Yrkeshögskolan Exempel"
    assert issuer.allows(SKILL_VCT)
    assert not issuer.allows("urn:eu.europa.ec.eudi:learning:credential:1")
    assert not issuer.allows(SKILL_VCT + "/")  # exact match, no prefixes
    assert trust_list.issuer(ISSUER + "/") is None
    assert trust_list.issuer("https://unknown.example") is None
    other = trust_list.issuer("https://kommunal-vux.example.se")
    assert other is not None and other.x5c == tuple(X.x5c_chain([CA_CERT]))


def test_verifier_lookup_by_client_id() -> None:
    trust_list = verify(tl.sign_trust_list(document(), OPERATOR))
    verifier = trust_list.verifier(f"x509_san_dns:{VERIFIER_DNS}")
    assert verifier is not None and verifier.name == "Matchningstjänsten AB"
    assert verifier.pins(X.certificate_thumbprint(VERIFIER_CERT))
    assert not verifier.pins(X.certificate_thumbprint(CA_CERT))
    assert not verifier.pins(None)
    assert trust_list.verifier(f"redirect_uri:https://{VERIFIER_DNS}/cb") is None
    assert trust_list.verifier("x509_san_dns:unknown.example") is None
    assert trust_list.verifier("x509_san_dns:not a name") is None


def test_an_x509_hash_client_id_finds_the_entry_that_pins_its_certificate() -> None:
    trust_list = verify(tl.sign_trust_list(document(), OPERATOR))
    by_name = trust_list.verifier(f"x509_san_dns:{VERIFIER_DNS}")
    by_hash = trust_list.verifier(f"x509_hash:{X.certificate_thumbprint(VERIFIER_CERT)}")
    assert by_hash is not None and by_hash == by_name
    assert trust_list.verifier(f"x509_hash:{X.certificate_thumbprint(CA_CERT)}") is None


def test_a_bare_dns_name_lists_an_x509_san_dns_verifier() -> None:
    trust_list = verify(tl.sign_trust_list(document(), OPERATOR))
    verifier = trust_list.verifier("x509_san_dns:arbetsgivare.example.se")
    assert verifier is not None and verifier.id == "x509_san_dns:arbetsgivare.example.se"
    assert verifier.pins("any-thumbprint")  # nothing pinned
    assert trust_list.verifier("x509_san_dns:ARBETSGIVARE.example.se") == verifier


def test_issuers_and_verifiers_are_separate_namespaces() -> None:
    trust_list = verify(tl.sign_trust_list(document(), OPERATOR))
    assert trust_list.verifier(ISSUER) is None
    assert trust_list.issuer(f"x509_san_dns:{VERIFIER_DNS}") is None


def test_any_of_several_operator_keys_and_a_list_without_kid() -> None:
    other = jose.PrivateKey.generate(jose.EDDSA)
    keys = [other.public, OPERATOR.public]
    assert verify(signed(), operator_keys=keys).list_id
    assert verify(signed(include_kid=False), operator_keys=keys).list_id
    assert verify(signed(key=other), operator_keys=keys).list_id


def test_interop_jwcrypto_verifies_a_trust_list() -> None:
    token = jws.JWS()
    token.deserialize(tl.sign_trust_list(document(), OPERATOR))
    token.verify(jwk.JWK(**OPERATOR.public.jwk), alg="ES256")
    assert json.loads(token.payload) == document()


def test_accepts_up_to_the_clock_skew() -> None:
    assert verify(signed(), now=NOW + 7 * DAY - 1).list_id
    assert verify(signed(), now=NOW + 7 * DAY + 30, skew=60).list_id


def test_min_sequence_number_accepts_the_same_or_newer_list() -> None:
    assert verify(signed(), min_sequence_number=3).sequence_number == 3


# --- rejected, one check at a time -----------------------------------------------------------


def test_rejects_tampered_trust_list() -> None:
    token = tl.sign_trust_list(document(), OPERATOR)
    header, _, signature = token.split(".")
    forged = document(
        entities=[*entities(), tl.issuer_entry("https://evil.example", "E", [SKILL_VCT])]
    )
    tampered = f"{header}.{jose.b64url_encode(jose.compact_json(forged))}.{signature}"
    with pytest.raises(tl.TrustListSignatureInvalid) as excinfo:
        verify(tampered)
    assert excinfo.value.code == "trust_list_signature_invalid"


def test_rejects_expired_trust_list() -> None:
    with pytest.raises(tl.TrustListExpired) as excinfo:
        verify(signed(), now=NOW + 7 * DAY)
    assert excinfo.value.code == "trust_list_expired"


def test_rejects_unknown_operator_key() -> None:
    stranger = jose.PrivateKey.generate()
    with pytest.raises(tl.TrustListUnknownKey) as excinfo:
        verify(signed(key=stranger))
    assert excinfo.value.code == "trust_list_unknown_key"


def test_rejects_unknown_operator_key_without_kid() -> None:
    stranger = jose.PrivateKey.generate()
    with pytest.raises(tl.TrustListSignatureInvalid):
        verify(signed(key=stranger, include_kid=False))


def test_rejects_a_kid_that_names_an_operator_key_over_another_signature() -> None:
    stranger = jose.PrivateKey.generate()
    token = signed(key=stranger, include_kid=False, header={"kid": OPERATOR.kid})
    with pytest.raises(tl.TrustListSignatureInvalid):
        verify(token)


def test_rejects_without_operator_keys() -> None:
    with pytest.raises(tl.TrustListUnknownKey):
        verify(signed(), operator_keys=[])


@pytest.mark.parametrize("typ", ["JWT", "statuslist+jwt", "oauth-authz-req+jwt"])
def test_rejects_wrong_typ(typ: str) -> None:
    with pytest.raises(tl.TrustListWrongTyp) as excinfo:
        verify(signed(typ=typ))
    assert excinfo.value.code == "trust_list_wrong_typ"


def test_rejects_alg_none() -> None:
    header = jose.b64url_encode(jose.compact_json({"alg": "none", "typ": tl.TYP_TRUST_LIST}))
    body = jose.b64url_encode(jose.compact_json(document()))
    with pytest.raises(tl.TrustListMalformed):
        verify(f"{header}.{body}.")


def test_rejects_list_issued_in_the_future() -> None:
    with pytest.raises(tl.TrustListNotYetValid):
        verify(signed(document(issued_at=NOW + 120)), skew=60)


def test_rejects_rollback_to_an_older_list() -> None:
    with pytest.raises(tl.TrustListRolledBack):
        verify(signed(), min_sequence_number=4)


def test_rejects_garbage() -> None:
    with pytest.raises(tl.TrustListMalformed):
        verify("not-a-jws")


def _issuer(**changes: object) -> dict[str, object]:
    entry = tl.issuer_entry(ISSUER, "Yrkeshögskolan Exempel", [SKILL_VCT])
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    "doc",
    [
        document(list_id=None),
        document(list_id=""),
        document(sequence_number=0),
        document(sequence_number="3"),
        document(issued_at=None),
        document(next_update=NOW - 2 * DAY),
        document(next_update=True),
        document(operator=None),
        document(operator={"name": "X", "uri": "https://x"}),
        document(operator={"name": ""}),
        document(entities=None),
        document(extensions={"restrict": True}),
        document(entities=[_issuer(), _issuer()]),
        document(entities=["https://issuer.example"]),
        document(entities=[_issuer(kind="wallet")]),
        document(entities=[_issuer(kind=None)]),
        document(entities=[_issuer(name=None)]),
        document(entities=[_issuer(id="http://issuer.example")]),
        document(entities=[_issuer(id="https://issuer.example?x=1")]),
        document(entities=[_issuer(id="issuer")]),
        document(entities=[_issuer(vcts=None)]),
        document(entities=[_issuer(vcts=[])]),
        document(entities=[_issuer(vcts=[SKILL_VCT, SKILL_VCT])]),
        document(entities=[_issuer(vcts=SKILL_VCT)]),
        document(entities=[_issuer(restrictions=[])]),
        document(entities=[_issuer(x5c=["not base64!"])]),
        document(entities=[_issuer(certificate_thumbprints=["short"])]),
        document(entities=[tl.verifier_entry("not a dns name", "V")]),
        document(entities=[{**tl.verifier_entry("v.example", "V"), "vcts": [SKILL_VCT]}]),
        document(
            entities=[tl.verifier_entry("v.example", "V"), tl.verifier_entry("V.example", "W")]
        ),
    ],
    ids=[
        "no-list-id",
        "empty-list-id",
        "sequence-zero",
        "sequence-string",
        "no-issued-at",
        "next-update-before-issue",
        "next-update-bool",
        "no-operator",
        "operator-extra-member",
        "operator-empty-name",
        "no-entities",
        "unknown-top-member",
        "duplicate-issuer",
        "entity-not-object",
        "unknown-kind",
        "no-kind",
        "no-name",
        "http-issuer",
        "issuer-with-query",
        "issuer-not-url",
        "issuer-without-vcts",
        "issuer-empty-vcts",
        "duplicate-vct",
        "vcts-not-list",
        "unknown-entity-member",
        "bad-x5c",
        "bad-thumbprint",
        "verifier-not-dns",
        "verifier-with-vcts",
        "duplicate-verifier-case-insensitive",
    ],
)
def test_rejects_schema_violations(doc: dict[str, object]) -> None:
    with pytest.raises(tl.TrustListMalformed) as excinfo:
        verify(signed(doc))
    assert excinfo.value.code == "trust_list_malformed"


def test_build_and_sign_refuse_an_invalid_document() -> None:
    with pytest.raises(tl.TrustListMalformed):
        tl.build_trust_list(
            list_id="l", operator_name="o", entities=[], issued_at=NOW, next_update=NOW
        )
    with pytest.raises(tl.TrustListMalformed):
        tl.sign_trust_list(document(extensions={}), OPERATOR)


def test_an_empty_list_is_valid_and_trusts_no_one() -> None:
    trust_list = verify(signed(document(entities=[])))
    assert trust_list.issuer(ISSUER) is None and not trust_list.verifiers


def test_http_loopback_issuer_is_allowed_for_development_lists() -> None:
    doc = document(entities=[tl.issuer_entry("http://localhost:8000/issuer", "Demo", [SKILL_VCT])])
    assert verify(signed(doc)).issuer("http://localhost:8000/issuer") is not None


def test_error_codes_are_stable_and_distinct() -> None:
    classes: list[type[IntygError]] = [tl.TrustListError]
    classes += tl.TrustListError.__subclasses__()
    codes = [c.code for c in classes]
    assert len(codes) == 8 and len(set(codes)) == len(codes)
    assert all(code.startswith("trust_list_") for code in codes)
