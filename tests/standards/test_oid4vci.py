"""core.standards.oid4vci: OpenID for Verifiable Credential Issuance 1.0 (final).

Vectors: ``openid4vci-1.0/examples/credential_offer_*`` beside the checkout (tag 1.0-final,
provenance in ``SOURCES.md`` there). ``credential_offer_pre-authz_code.json`` is noted there as
stale (not referenced by the 1.0 text); it is still checked, separately, because it has the
1.0 shape. Covered: credential offers (§4.1.1, §4.1.2 by value, §4.1.3 by reference), key
proofs of type ``jwt`` (Appendix F.1, F.4), and well-known URLs (§12.2.2, RFC 8414 §3.1).
"""

from __future__ import annotations

import contextlib
import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from core import jose
from core.standards import oid4vci
from core.standards.oid4vci import (
    PRE_AUTHORIZED_GRANT,
    TYP_PROOF,
    InvalidNonce,
    InvalidOffer,
    InvalidProof,
)
from tests.vectorpath import VECTORS

EXAMPLES = VECTORS / "openid4vci-1.0" / "examples"
ISSUER = "https://issuer.example.se/yh-akademin"
NOW = 1_790_000_000
MAX_AGE = 300
SKEW = 60
NONCE = "wKI4LT17ac15ES9bw8ac4"
OFFER = oid4vci.offer_document(
    ISSUER, ["SkillCredential"], "oaKazRN8I0IbtZ0C7JuMn5", {"length": 6, "input_mode": "numeric"}
)


def offer_link_by_value(offer: dict[str, object]) -> str:
    """§4.1.2: the offer itself in the link (Intyg's issuer offers by reference only)."""
    encoded = quote(json.dumps(offer, separators=(",", ":")), safe="")
    return f"{oid4vci.OFFER_SCHEME}://?credential_offer={encoded}"


def example(name: str) -> object:
    text = (EXAMPLES / name).read_text()
    if name.endswith(".txt"):  # an HTTP response: the JSON body follows the blank line
        text = text.split("\n\n", 1)[1]
    return json.loads(text)


def offer_rejected(link: str) -> InvalidOffer:
    with pytest.raises(InvalidOffer) as caught:
        oid4vci.parse_offer_link(link)
    assert caught.value.code == "invalid_credential_offer"
    return caught.value


def check_rejected(document: object) -> None:
    with pytest.raises(InvalidOffer):
        oid4vci.check_offer(document)


# --- published credential offers (§4.1.1) ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["credential_offer_by_reference.json", "credential_offer_multiple_credentials.json"]
)
def test_oid4vci_4_1_1_published_pre_authorized_offers_are_accepted(name: str) -> None:
    document = example(name)
    offer = oid4vci.check_offer(document)
    assert offer.credential_issuer == "https://credential-issuer.example.com"
    grant = document["grants"][PRE_AUTHORIZED_GRANT]  # type: ignore[index]
    assert offer.pre_authorized_code == grant["pre-authorized_code"]
    assert offer.tx_code == grant["tx_code"]
    assert list(offer.credential_configuration_ids) == document["credential_configuration_ids"]  # type: ignore[index]
    assert offer.raw == document


def test_oid4vci_4_1_1_published_multiple_credentials_offer_keeps_its_tx_code() -> None:
    offer = oid4vci.check_offer(example("credential_offer_multiple_credentials.json"))
    assert offer.credential_configuration_ids == (
        "UniversityDegreeCredential",
        "org.iso.18013.5.1.mDL",
    )
    assert offer.tx_code is not None and offer.tx_code["length"] == 4


def test_oid4vci_stale_pre_authz_code_example_still_has_the_1_0_shape() -> None:
    # SOURCES.md: not referenced by the 1.0 text (stale); its shape is still a valid 1.0 offer.
    offer = oid4vci.check_offer(example("credential_offer_pre-authz_code.json"))
    assert offer.pre_authorized_code == "adhjhdjajkdkhjhdj"


def test_oid4vci_4_1_1_published_authorization_code_offer_is_refused() -> None:
    # Intyg supports the pre-authorized code flow only (§3.5); this offer has no such grant.
    check_rejected(example("credential_offer_authz_code.txt"))


def test_oid4vci_4_1_1_published_offers_survive_a_by_value_link() -> None:
    names = ("credential_offer_by_reference.json", "credential_offer_multiple_credentials.json")
    for name in names:
        document = example(name)
        assert isinstance(document, dict)
        parsed = oid4vci.parse_offer_link(offer_link_by_value(document))
        assert parsed.offer == document


# --- offer links (§4.1.2, §4.1.3) -------------------------------------------------------------


def test_oid4vci_4_1_3_offer_link_by_reference_roundtrip() -> None:
    uri = f"{ISSUER}/offers/8f2c?lang=sv&x=a b"
    link = oid4vci.offer_link_by_reference(uri)
    assert link.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2F")
    parsed = oid4vci.parse_offer_link(link)
    assert parsed.offer_uri == uri
    assert parsed.offer is None


def test_oid4vci_4_1_2_offer_link_by_value_roundtrip() -> None:
    link = offer_link_by_value(OFFER)
    assert link.startswith("openid-credential-offer://?credential_offer=%7B")
    parsed = oid4vci.parse_offer_link(link)
    assert parsed.offer == OFFER
    assert parsed.offer_uri is None


def test_oid4vci_4_1_2_by_value_roundtrip_with_non_ascii_text() -> None:
    tx_code = {"description": "Skriv koden åäö"}
    offer = oid4vci.offer_document(ISSUER, ["Färdighet"], "c0de", tx_code)
    assert oid4vci.parse_offer_link(offer_link_by_value(offer)).offer == offer


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_offer_link_on_a_web_page_is_accepted(scheme: str) -> None:
    link = f"{scheme}://wallet.example/offer?credential_offer_uri={quote(ISSUER, safe='')}"
    assert oid4vci.parse_offer_link(link).offer_uri == ISSUER


def test_offer_link_with_surrounding_whitespace_is_accepted() -> None:
    link = oid4vci.offer_link_by_reference(ISSUER)
    assert oid4vci.parse_offer_link(f"  {link}\n").offer_uri == ISSUER


@pytest.mark.parametrize(
    "scheme", ["openid4vp", "openid-credential-offerx", "ftp", "javascript", "file", ""]
)
def test_parse_offer_link_rejects_wrong_scheme(scheme: str) -> None:
    link = oid4vci.offer_link_by_reference(ISSUER).replace("openid-credential-offer", scheme, 1)
    offer_rejected(link)


def test_parse_offer_link_rejects_both_parameters() -> None:
    by_value = offer_link_by_value(OFFER)
    offer_rejected(f"{by_value}&credential_offer_uri={quote(ISSUER, safe='')}")


@pytest.mark.parametrize(
    "query", ["", "?", "?credential_offer=", "?credential_offer_uri=", "?offer=x", "?a=1"]
)
def test_parse_offer_link_rejects_neither_parameter(query: str) -> None:
    offer_rejected(f"openid-credential-offer://{query}")


def test_parse_offer_link_rejects_repeated_credential_offer_uri() -> None:
    link = oid4vci.offer_link_by_reference(ISSUER)
    offer_rejected(f"{link}&credential_offer_uri={quote('https://attacker.example', safe='')}")


def test_parse_offer_link_rejects_repeated_credential_offer() -> None:
    link = offer_link_by_value(OFFER)
    other = oid4vci.offer_document("https://attacker.example", ["X"], "code", None)
    offer_rejected(f"{link}&credential_offer={quote(json.dumps(other), safe='')}")


@pytest.mark.parametrize("value", ["not-json", "{", "{'a': 1}", "%7B%22a%22"])
def test_parse_offer_link_rejects_non_json_offer(value: str) -> None:
    offer_rejected(f"openid-credential-offer://?credential_offer={value}")


def test_parse_offer_link_rejects_deeply_nested_json() -> None:
    offer_rejected("openid-credential-offer://?credential_offer=" + "[" * 8000)


@pytest.mark.parametrize("value", ["[]", "1", "null", '"offer"'])
def test_parse_offer_link_rejects_json_that_is_not_an_object(value: str) -> None:
    offer_rejected(f"openid-credential-offer://?credential_offer={quote(value, safe='')}")


def test_parse_offer_link_rejects_too_long_link() -> None:
    uri = ISSUER + "/offers/" + "a" * oid4vci.MAX_OFFER_LINK
    offer_rejected(oid4vci.offer_link_by_reference(uri))


@pytest.mark.parametrize("link", [None, 1, b"openid-credential-offer://?credential_offer_uri=x"])
def test_parse_offer_link_rejects_non_string(link: object) -> None:
    offer_rejected(link)  # type: ignore[arg-type]


def test_parse_offer_link_by_value_checks_the_offer() -> None:
    without_grant = {k: v for k, v in OFFER.items() if k != "grants"}
    offer_rejected(offer_link_by_value(without_grant))


# --- check_offer (§4.1.1) -----------------------------------------------------------------------


def _with_grant(**grant: object) -> dict[str, object]:
    return {**OFFER, "grants": {PRE_AUTHORIZED_GRANT: grant}}


@pytest.mark.parametrize(
    "grants",
    [
        None,
        {},
        [],
        {"authorization_code": {"issuer_state": "x"}},
        {PRE_AUTHORIZED_GRANT: "code"},
        {PRE_AUTHORIZED_GRANT: {}},
        {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": 12345}},
    ],
    ids=["none", "empty", "list", "authz-code", "grant-str", "no-code", "code-int"],
)
def test_check_offer_rejects_offer_without_pre_authorized_grant(grants: object) -> None:
    document = dict(OFFER)
    if grants is None:
        del document["grants"]
    else:
        document["grants"] = grants
    check_rejected(document)


@pytest.mark.parametrize(
    "ids", [None, [], "SkillCredential", [1], ["ok", None], {"SkillCredential": True}]
)
def test_check_offer_rejects_bad_credential_configuration_ids(ids: object) -> None:
    document = dict(OFFER)
    if ids is None:
        del document["credential_configuration_ids"]
    else:
        document["credential_configuration_ids"] = ids
    check_rejected(document)


@pytest.mark.parametrize("issuer", [None, "", 1, ["https://issuer.example.se"]])
def test_check_offer_rejects_missing_credential_issuer(issuer: object) -> None:
    document = dict(OFFER)
    if issuer is None:
        del document["credential_issuer"]
    else:
        document["credential_issuer"] = issuer
    check_rejected(document)


@pytest.mark.parametrize("tx_code", ["123456", 6, ["numeric"], True])
def test_check_offer_rejects_tx_code_that_is_not_an_object(tx_code: object) -> None:
    check_rejected(_with_grant(**{"pre-authorized_code": "c", "tx_code": tx_code}))


def test_check_offer_accepts_empty_tx_code_object_and_absent_tx_code() -> None:
    empty = oid4vci.check_offer(_with_grant(**{"pre-authorized_code": "c", "tx_code": {}}))
    assert empty.tx_code == {}
    assert oid4vci.check_offer(_with_grant(**{"pre-authorized_code": "c"})).tx_code is None


@pytest.mark.parametrize("document", [None, [], "offer", 1])
def test_check_offer_rejects_non_object(document: object) -> None:
    check_rejected(document)


# --- key proof of type jwt (Appendix F.1, F.4) ----------------------------------------------------


@pytest.fixture(scope="module", params=[jose.ES256, jose.EDDSA])
def holder(request: pytest.FixtureRequest) -> jose.PrivateKey:
    return jose.PrivateKey.generate(request.param)


def verify(proof: object, **overrides: object) -> oid4vci.VerifiedProof:
    options: dict[str, object] = {
        "audience": ISSUER,
        "now": NOW,
        "max_age": MAX_AGE,
        "skew": SKEW,
        **overrides,
    }
    return oid4vci.verify_proof(proof, **options)  # type: ignore[arg-type]


def proof_rejected(
    proof: object, error: type[Exception] = InvalidProof, **overrides: object
) -> None:
    with pytest.raises(error) as caught:
        verify(proof, **overrides)
    assert type(caught.value) is error


def signed(
    holder: jose.PrivateKey,
    payload: dict[str, object] | None = None,
    *,
    typ: str = TYP_PROOF,
    header: dict[str, object] | None = None,
    include_kid: bool = False,
) -> str:
    body = {"aud": ISSUER, "iat": NOW, "nonce": NONCE} if payload is None else payload
    extra = {"jwk": dict(holder.public.jwk)} if header is None else header
    return jose.sign(body, holder, typ=typ, header=extra, include_kid=include_kid)


def test_oid4vci_f1_proof_roundtrip(holder: jose.PrivateKey) -> None:
    proof = oid4vci.make_proof(holder, audience=ISSUER, nonce=NONCE, iat=NOW)
    verified = verify(proof)
    assert verified.nonce == NONCE
    assert verified.holder_key == holder.public
    assert verified.holder_key.kid == holder.kid


def test_oid4vci_f1_made_proof_header_and_claims(holder: jose.PrivateKey) -> None:
    proof = oid4vci.make_proof(holder, audience=ISSUER, nonce=NONCE, iat=NOW, client_id="wallet")
    parsed = jose.parse(proof)
    assert parsed.header == {"alg": holder.alg, "typ": TYP_PROOF, "jwk": dict(holder.public.jwk)}
    assert parsed.payload == {"aud": ISSUER, "iat": NOW, "nonce": NONCE, "iss": "wallet"}


def test_interop_jwcrypto_made_proof_verifies() -> None:
    wallet = jwcrypto_jwk.JWK.generate(kty="EC", crv="P-256")
    header = {"typ": TYP_PROOF, "alg": "ES256", "jwk": json.loads(wallet.export_public())}
    token = jwcrypto_jws.JWS(json.dumps({"aud": ISSUER, "iat": NOW, "nonce": NONCE}).encode())
    token.add_signature(wallet, alg="ES256", protected=json.dumps(header))
    verified = verify(token.serialize(compact=True))
    assert verified.holder_key.kid == wallet.thumbprint()


@pytest.mark.parametrize("aud", ["https://attacker.example", ISSUER + "/", [ISSUER], None])
def test_oid4vci_f4_rejects_wrong_aud(holder: jose.PrivateKey, aud: object) -> None:
    payload: dict[str, object] = {"iat": NOW, "nonce": NONCE}
    if aud is not None:
        payload["aud"] = aud
    proof_rejected(signed(holder, payload))


def test_oid4vci_f4_rejects_stale_iat(holder: jose.PrivateKey) -> None:
    proof = oid4vci.make_proof(holder, audience=ISSUER, nonce=NONCE, iat=NOW - MAX_AGE - 1)
    proof_rejected(proof)


def test_oid4vci_f4_rejects_future_iat(holder: jose.PrivateKey) -> None:
    proof = oid4vci.make_proof(holder, audience=ISSUER, nonce=NONCE, iat=NOW + SKEW + 1)
    proof_rejected(proof)


@pytest.mark.parametrize("iat", [NOW - MAX_AGE, NOW + SKEW])
def test_oid4vci_f4_iat_window_edges_are_accepted(holder: jose.PrivateKey, iat: int) -> None:
    verify(oid4vci.make_proof(holder, audience=ISSUER, nonce=NONCE, iat=iat))


@pytest.mark.parametrize("iat", [None, str(NOW), float(NOW), True])
def test_oid4vci_f1_rejects_missing_or_non_integer_iat(
    holder: jose.PrivateKey, iat: object
) -> None:
    payload: dict[str, object] = {"aud": ISSUER, "nonce": NONCE}
    if iat is not None:
        payload["iat"] = iat
    proof_rejected(signed(holder, payload))


def test_oid4vci_8_3_1_2_missing_nonce_is_invalid_proof(holder: jose.PrivateKey) -> None:
    # OID4VCI 1.0 §8.3.1.2: a key proof that contains no c_nonce is ``invalid_proof``;
    # ``invalid_nonce`` is for a c_nonce that is present but not valid (the caller's store).
    proof_rejected(oid4vci.make_proof(holder, audience=ISSUER, nonce=None, iat=NOW), InvalidProof)


@pytest.mark.parametrize("nonce", ["", 1, ["n"]])
def test_oid4vci_8_3_1_2_empty_or_non_string_nonce_is_invalid_proof(
    holder: jose.PrivateKey, nonce: object
) -> None:
    proof_rejected(signed(holder, {"aud": ISSUER, "iat": NOW, "nonce": nonce}), InvalidProof)


def test_invalid_nonce_is_the_registered_error_code() -> None:
    assert InvalidNonce.code == "invalid_nonce"
    assert InvalidProof.code == "invalid_proof"


def test_oid4vci_f1_rejects_kid_header_instead_of_jwk(holder: jose.PrivateKey) -> None:
    proof_rejected(signed(holder, header={}, include_kid=True))


def test_oid4vci_f1_rejects_kid_header_beside_jwk(holder: jose.PrivateKey) -> None:
    # A kid naming an honest key next to an attacker's jwk must not let either win silently.
    proof_rejected(signed(holder, include_kid=True))


def test_oid4vci_f1_rejects_x5c_header(holder: jose.PrivateKey) -> None:
    proof_rejected(signed(holder, header={"x5c": ["MIIB"]}))
    proof_rejected(signed(holder, header={"x5c": ["MIIB"], "jwk": dict(holder.public.jwk)}))


def test_oid4vci_f1_passes_key_attestation_header_on_unverified(holder: jose.PrivateKey) -> None:
    """Appendix D: the proof layer hands the header on; the issuer's policy verifies it
    (``core.standards.key_attestation``, tests/issuer/test_attestation.py)."""
    header = {"key_attestation": "eyJ...", "jwk": dict(holder.public.jwk)}
    verified = verify(signed(holder, header=header))
    assert verified.key_attestation == "eyJ..."
    assert verified.holder_key.kid == holder.kid


def test_oid4vci_f1_rejects_missing_jwk(holder: jose.PrivateKey) -> None:
    proof_rejected(signed(holder, header={}))


def test_oid4vci_f1_rejects_jwk_with_private_d(holder: jose.PrivateKey) -> None:
    proof_rejected(signed(holder, header={"jwk": holder.private_jwk()}))


def test_oid4vci_f1_rejects_signature_by_another_key_than_the_jwk(holder: jose.PrivateKey) -> None:
    other = jose.PrivateKey.generate(holder.alg)
    proof_rejected(signed(holder, header={"jwk": dict(other.public.jwk)}))


@pytest.mark.parametrize("typ", ["jwt", "dpop+jwt", "kb+jwt", "openid4vci-proof+jwt+x"])
def test_oid4vci_f1_rejects_wrong_typ(holder: jose.PrivateKey, typ: str) -> None:
    proof_rejected(signed(holder, typ=typ))


def test_oid4vci_f1_accepts_application_prefixed_typ(holder: jose.PrivateKey) -> None:
    verify(signed(holder, typ="application/openid4vci-proof+jwt"))


def test_oid4vci_f1_rejects_alg_none(holder: jose.PrivateKey) -> None:
    header = {"typ": TYP_PROOF, "alg": "none", "jwk": dict(holder.public.jwk)}
    payload = {"aud": ISSUER, "iat": NOW, "nonce": NONCE}
    encode = jose.b64url_encode
    proof_rejected(f"{encode(jose.compact_json(header))}.{encode(jose.compact_json(payload))}.")


def test_oid4vci_f1_rejects_alg_outside_callers_list(holder: jose.PrivateKey) -> None:
    narrower = frozenset({jose.ES256, jose.EDDSA} - {holder.alg})
    proof_rejected(signed(holder), algorithms=narrower)


@pytest.mark.parametrize("proof", [None, 1, {"jwt": "x"}, ["a.b.c"]])
def test_oid4vci_f1_rejects_non_string_proof(proof: object) -> None:
    proof_rejected(proof)


@pytest.mark.parametrize("proof", ["", "a.b", "a.b.c", "é.e30.AA"])
def test_oid4vci_f1_rejects_malformed_proof(proof: str) -> None:
    proof_rejected(proof)


# --- well-known URLs (§12.2.2, RFC 8414 §3.1) -----------------------------------------------------


def test_rfc8414_3_1_example_inserts_segment_before_path() -> None:
    url = oid4vci.well_known_url("https://example.com/issuer1", oid4vci.WELL_KNOWN_AS)
    assert url == "https://example.com/.well-known/oauth-authorization-server/issuer1"


def test_oid4vci_12_2_2_issuer_metadata_url_with_tenant_path() -> None:
    url = oid4vci.well_known_url(ISSUER, oid4vci.WELL_KNOWN_ISSUER)
    assert url == "https://issuer.example.se/.well-known/openid-credential-issuer/yh-akademin"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        (
            "https://issuer.example.se",
            "https://issuer.example.se/.well-known/openid-credential-issuer",
        ),
        (
            "https://issuer.example.se/",
            "https://issuer.example.se/.well-known/openid-credential-issuer",
        ),
        (
            "https://issuer.example.se:8443/a/b/",
            "https://issuer.example.se:8443/.well-known/openid-credential-issuer/a/b",
        ),
    ],
)
def test_oid4vci_12_2_2_issuer_metadata_url_edges(identifier: str, expected: str) -> None:
    assert oid4vci.well_known_url(identifier, oid4vci.WELL_KNOWN_ISSUER) == expected


@pytest.mark.parametrize(
    "link",
    [
        "openid-credential-offer://[?credential_offer_uri=x",
        "https://[wallet.example/?credential_offer_uri=x",
    ],
)
def test_parse_offer_link_rejects_link_that_is_not_a_uri(link: str) -> None:
    offer_rejected(link)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_offer_link_of_random_text_raises_only_invalid_offer(text: str) -> None:
    with contextlib.suppress(InvalidOffer):
        oid4vci.parse_offer_link("openid-credential-offer://?credential_offer=" + text)
    with contextlib.suppress(InvalidOffer):
        oid4vci.parse_offer_link(text)
