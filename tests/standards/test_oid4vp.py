"""Tests for core.standards.oid4vp (OpenID for Verifiable Presentations 1.0 final).

Vectors: ``openid4vp-1.0/`` beside the checkout (provenance in its SOURCES.md: the spec
repository's ``examples/`` at tag ``1.0-final`` and the spec's inline JSON examples) — DCQL
queries, verifier metadata, ``vp_token`` shapes, an error response and the §5.4 example request.
Interop: jwcrypto signs and verifies Request Objects independently of ``core.jose``.

Every rejection test starts from a valid request and breaks exactly one check.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws

from core import jose
from core import x509 as X
from core.errors import IntygError
from core.jose import jwe
from core.standards import oid4vp as vp
from tests.vectorpath import VECTORS

VECTOR_DIR = VECTORS / "openid4vp-1.0"
EXAMPLES = VECTOR_DIR / "examples"
INLINE = json.loads((VECTOR_DIR / "inline_json_examples.json").read_text())["examples"]

NOW = 1_790_000_000
DAY = 86_400
SKEW = 60
DNS = "verifier.example.se"
CLIENT_ID = f"x509_san_dns:{DNS}"
RESPONSE_URI = f"https://{DNS}/oid4vp/response/9f1c"
REQUEST_URI = f"https://{DNS}/oid4vp/request/7c2e"
NONCE = "n-0S6_WzA2Mj"
STATE = "af0ifjsldkj"
DCQL = json.loads((EXAMPLES / "query_lang" / "simple.json").read_text())
METADATA = json.loads(
    (EXAMPLES / "client_metadata" / "sd_jwt_vc_verifier_metadata.json").read_text()
)

CA_CERT, CA_KEY = X.create_dev_ca("Intyg Dev CA", NOW)
KEY = jose.PrivateKey.generate()
LEAF = X.issue_verifier_certificate(
    CA_CERT, CA_KEY, DNS, KEY.public, NOW, 30, organisation="Arbetsgivaren AB"
)
X5C = X.x5c_chain([LEAF])


def _inline(section: str, md_line: int) -> Any:
    [example] = [e for e in INLINE if e["section"] == section and e["md_line"] == md_line]
    return example["json"]


def payload(**changes: object) -> dict[str, object]:
    """A valid Request Object payload; a change of ``None`` removes the claim."""
    claims = vp.request_object_payload(
        CLIENT_ID, RESPONSE_URI, NONCE, STATE, DCQL, METADATA, iat=NOW, exp=NOW + 300
    )
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def unsigned_request_object(claims: dict[str, object]) -> str:
    """An unsecured JWT (RFC 7519 §6), as a development verifier with the ``redirect_uri:``
    prefix sends it (Intyg's verifier always signs)."""
    header = {"alg": "none", "typ": vp.TYP_REQUEST_OBJECT}
    encoded = (jose.b64url_encode(jose.compact_json(part)) for part in (header, claims))
    return ".".join(encoded) + "."


def signed(claims: dict[str, object] | None = None, **header: object) -> str:
    """Sign like a verifier would, bypassing the builder's own checks."""
    key = header.pop("key", KEY)
    assert isinstance(key, jose.PrivateKey)
    typ = str(header.pop("typ", vp.TYP_REQUEST_OBJECT))
    extra = {"x5c": X5C, **header}
    return jose.sign(claims or payload(), key, typ=typ, header=extra, include_kid=False)


def verify(token: str, **options: Any) -> vp.VerifiedRequest:
    arguments: dict[str, Any] = {
        "expected_client_id": CLIENT_ID,
        "trust_anchors": [CA_CERT],
        "now": NOW,
        "skew": SKEW,
        "allow_unsigned_redirect_uri": False,
        **options,
    }
    return vp.verify_request_object(token, **arguments)


# --- the link (§5.7, RFC 9101 §5.2) ----------------------------------------------------------


def test_link_round_trip() -> None:
    link = vp.authorization_request_link(CLIENT_ID, REQUEST_URI)
    assert link == (
        "openid4vp://?client_id=x509_san_dns%3Averifier.example.se"
        "&request_uri=https%3A%2F%2Fverifier.example.se%2Foid4vp%2Frequest%2F7c2e"
    )
    assert vp.parse_authorization_request_link(link) == vp.RequestLink(
        CLIENT_ID, REQUEST_URI, "get"
    )


def test_oid4vp_5_4_example_link_with_request_uri_method_post() -> None:
    link = (
        "openid4vp://?client_id=x509_san_dns%3Aclient.example.org"
        "&request_uri=https%3A%2F%2Fclient.example.org%2Frequest%2Fvapof4ql2i7m41m68uep"
        "&request_uri_method=post"
    )
    parsed = vp.parse_authorization_request_link(link)
    assert parsed.client_id == "x509_san_dns:client.example.org"
    assert parsed.request_uri == "https://client.example.org/request/vapof4ql2i7m41m68uep"
    assert parsed.request_uri_method == "post"


def test_link_with_post_method_builds_and_parses() -> None:
    link = vp.authorization_request_link(CLIENT_ID, REQUEST_URI, request_uri_method="post")
    assert vp.parse_authorization_request_link(link).request_uri_method == "post"


def test_link_accepts_http_loopback_only_when_allowed() -> None:
    link = vp.authorization_request_link(
        "x509_san_dns:localhost", "http://localhost:8000/verifier/request/1"
    )
    with pytest.raises(vp.RequestLinkInvalid):
        vp.parse_authorization_request_link(link)
    parsed = vp.parse_authorization_request_link(link, allow_http_loopback=True)
    assert parsed.request_uri == "http://localhost:8000/verifier/request/1"


@pytest.mark.parametrize(
    "query",
    [
        f"client_id={CLIENT_ID}&client_id={CLIENT_ID}&request_uri={REQUEST_URI}",
        f"request_uri={REQUEST_URI}",
        f"client_id=&request_uri={REQUEST_URI}",
        f"client_id={CLIENT_ID}",
        f"client_id={CLIENT_ID}&request_uri={REQUEST_URI}&request_uri={REQUEST_URI}",
        f"client_id={CLIENT_ID}&request_uri=http://{DNS}/request",
        f"client_id={CLIENT_ID}&request_uri=http://localhost/request",
        f"client_id={CLIENT_ID}&request_uri=https://user@{DNS}/request",
        f"client_id={CLIENT_ID}&request_uri=/request",
        f"client_id={CLIENT_ID}&request=eyJhbGciOiJub25lIn0.e30.",
        f"client_id={CLIENT_ID}&request_uri={REQUEST_URI}&request_uri_method=get&"
        "request_uri_method=post",
    ],
    ids=[
        "two-client-ids",
        "no-client-id",
        "empty-client-id",
        "no-request-uri",
        "two-request-uris",
        "http-request-uri",
        "http-loopback-not-allowed",
        "userinfo",
        "relative",
        "by-value",
        "two-methods",
    ],
)
def test_rejects_malformed_link(query: str) -> None:
    link = "openid4vp://?" + urlencode([tuple(p.split("=", 1)) for p in query.split("&")], safe="")
    with pytest.raises(vp.RequestLinkInvalid) as excinfo:
        vp.parse_authorization_request_link(link)
    assert excinfo.value.code == "oid4vp_request_link_invalid"


@pytest.mark.parametrize(
    "link",
    [
        "openid-credential-offer://?client_id=a%3Ab&request_uri=https%3A%2F%2Fa.example%2F",
        "openid4vp://?client_id=a%3Ab&request_uri=https%3A%2F%2Fa.example%2F&flag",
        "openid4vp://?client_id=x509_san_dns%3Aå.example&request_uri=https%3A%2F%2Fa.example",
        "openid4vp://?client_id=a%3Ab&request_uri=https%3A%2F%2Fa.example%2F" + "&x=y" * 1100,
    ],
    ids=["wrong-scheme", "field-without-value", "not-ascii", "too-long"],
)
def test_rejects_link_that_is_not_an_openid4vp_link(link: str) -> None:
    with pytest.raises(vp.RequestLinkInvalid):
        vp.parse_authorization_request_link(link)


@pytest.mark.parametrize("method", ["GET", "put", ""])
def test_oid4vp_8_5_invalid_request_uri_method(method: str) -> None:
    link = vp.authorization_request_link(CLIENT_ID, REQUEST_URI) + f"&request_uri_method={method}"
    with pytest.raises(vp.RequestUriMethodInvalid) as excinfo:
        vp.parse_authorization_request_link(link)
    assert excinfo.value.oauth_error == "invalid_request_uri_method"


# --- the Request Object: accepted ------------------------------------------------------------


def test_request_object_payload_has_the_direct_post_shape() -> None:
    claims = payload()
    assert claims["response_type"] == "vp_token"
    assert claims["response_mode"] == "direct_post"
    assert claims["aud"] == "https://self-issued.me/v2"
    assert claims["response_uri"] == RESPONSE_URI
    assert "redirect_uri" not in claims
    assert vp.request_object_payload(
        CLIENT_ID, RESPONSE_URI, NONCE, None, DCQL, {}, iat=NOW, exp=NOW + 60
    ).keys() == set(claims) - {"state"}


def test_sign_request_object_header_has_typ_and_x5c() -> None:
    token = vp.sign_request_object(payload(), KEY, X5C)
    header = jose.parse(token).header
    assert header == {"alg": "ES256", "typ": "oauth-authz-req+jwt", "x5c": X5C}


def test_verify_request_object_returns_verified_fields_and_evidence() -> None:
    token = vp.sign_request_object(payload(), KEY, X5C)
    request = verify(token)
    assert request.verified is True
    assert request.client_id == CLIENT_ID
    assert (request.client_id_prefix, request.original_client_id) == ("x509_san_dns", DNS)
    assert request.response_uri == RESPONSE_URI
    assert request.response_mode == "direct_post"
    assert (request.nonce, request.state) == (NONCE, STATE)
    assert request.dcql_query == DCQL
    assert request.client_metadata == METADATA
    assert (request.iat, request.exp) == (NOW, NOW + 300)
    assert request.certificate_thumbprint == X.certificate_thumbprint(LEAF)
    assert request.organisation == "Arbetsgivaren AB"
    digest = hashlib.sha256(token.encode("ascii")).digest()
    assert request.request_hash == jose.b64url_encode(digest)
    assert request.claims == payload()


def test_verify_accepts_within_clock_skew() -> None:
    token = signed(payload(iat=NOW + SKEW, exp=NOW - SKEW + 1))
    assert verify(token).exp == NOW - SKEW + 1


def test_verify_ignores_iss_and_unknown_parameters() -> None:
    token = signed(payload(iss="https://anything.example", verifier_info=[{"format": "x"}]))
    assert verify(token).verified


def test_oid4vp_5_10_1_example_request_object_with_wallet_nonce() -> None:
    dns = "client.example.org"
    key = jose.PrivateKey.generate()
    leaf = X.issue_verifier_certificate(CA_CERT, CA_KEY, dns, key.public, NOW)
    claims = {
        "client_id": "x509_san_dns:client.example.org",
        "response_uri": "https://client.example.org/post",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "dcql_query": DCQL,
        "nonce": "n-0S6_WzA2Mj",
        "wallet_nonce": "qPmxiNFCR3QTm19POc8u",
        "state": "eyJhb...6-sVA",
        "exp": NOW + 300,
    }
    token = vp.sign_request_object(claims, key, X.x5c_chain([leaf]))
    request = verify(
        token,
        expected_client_id="x509_san_dns:client.example.org",
        wallet_nonce=claims["wallet_nonce"],
    )
    assert request.response_uri == "https://client.example.org/post"
    assert request.iat is None
    with pytest.raises(vp.RequestObjectInvalid):
        verify(
            token, expected_client_id="x509_san_dns:client.example.org", wallet_nonce="other-nonce"
        )


@pytest.mark.parametrize("name", sorted(p.name for p in (EXAMPLES / "query_lang").glob("*.json")))
def test_oid4vp_6_published_dcql_queries_fit_a_request(name: str) -> None:
    query = json.loads((EXAMPLES / "query_lang" / name).read_text())
    token = signed(payload(dcql_query=query))
    assert verify(token).dcql_query == query


def test_interop_request_signed_by_jwcrypto_verifies() -> None:
    token = jws.JWS(json.dumps(payload()))
    token.add_signature(
        jwk.JWK(**KEY.private_jwk()),
        alg="ES256",
        protected=json.dumps({"alg": "ES256", "typ": "oauth-authz-req+jwt", "x5c": X5C}),
    )
    assert verify(token.serialize(compact=True)).verified


def test_interop_our_request_verifies_with_jwcrypto_and_the_certificate_key() -> None:
    compact = vp.sign_request_object(payload(), KEY, X5C)
    leaf = X.parse_x5c(jose.parse(compact).header["x5c"])[0]
    pem = leaf.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    checked = jws.JWS()
    checked.deserialize(compact)
    checked.verify(jwk.JWK.from_pem(pem), alg="ES256")
    assert json.loads(checked.payload) == payload()
    assert checked.jose_header["typ"] == "oauth-authz-req+jwt"


# --- the Request Object: one check at a time -------------------------------------------------


def test_rejects_chain_to_an_unknown_ca() -> None:
    other_ca, _ = X.create_dev_ca("Other CA", NOW)
    with pytest.raises(vp.RequestCertificateInvalid) as excinfo:
        verify(signed(), trust_anchors=[other_ca])
    assert isinstance(excinfo.value.__cause__, X.X509ChainInvalid)
    assert "x509_chain_invalid" in excinfo.value.detail
    assert excinfo.value.oauth_error == "invalid_client"


def test_rejects_expired_leaf_certificate() -> None:
    later = NOW + 31 * DAY
    token = signed(payload(iat=later, exp=later + 300))
    with pytest.raises(vp.RequestCertificateInvalid) as excinfo:
        verify(token, now=later)
    assert isinstance(excinfo.value.__cause__, X.X509Expired)


def test_rejects_san_mismatch_between_client_id_and_certificate() -> None:
    client_id = "x509_san_dns:other.example.se"
    token = signed(payload(client_id=client_id, response_uri="https://other.example.se/r"))
    with pytest.raises(vp.RequestCertificateInvalid) as excinfo:
        verify(token, expected_client_id=client_id)
    assert isinstance(excinfo.value.__cause__, X.X509SanMismatch)


def test_rejects_missing_x5c() -> None:
    token = jose.sign(payload(), KEY, typ=vp.TYP_REQUEST_OBJECT)
    with pytest.raises(vp.RequestCertificateInvalid) as excinfo:
        verify(token)
    assert isinstance(excinfo.value.__cause__, X.X509Malformed)


def test_rejects_request_signed_by_a_key_other_than_the_leafs() -> None:
    with pytest.raises(vp.RequestSignatureInvalid) as excinfo:
        verify(signed(key=jose.PrivateKey.generate()))
    assert isinstance(excinfo.value.__cause__, jose.BadSignature)


def test_rejects_alg_confusion_hs256_with_the_certificate_key() -> None:
    good = signed()
    header = jose.b64url_encode(
        jose.compact_json({"alg": "HS256", "typ": vp.TYP_REQUEST_OBJECT, "x5c": X5C})
    )
    forged = header + good[good.index(".") :]
    with pytest.raises(vp.RequestSignatureInvalid) as excinfo:
        verify(forged)
    assert isinstance(excinfo.value.__cause__, jose.AlgorithmNotAllowed)


def test_rejects_unsigned_request_under_x509_san_dns() -> None:
    token = unsigned_request_object(payload())
    with pytest.raises(vp.RequestSignatureInvalid):
        verify(token, allow_unsigned_redirect_uri=True)


def test_rejects_response_uri_on_another_host() -> None:
    token = signed(payload(response_uri="https://collector.example/steal"))
    with pytest.raises(vp.ResponseUriMismatch) as excinfo:
        verify(token)
    assert excinfo.value.code == "oid4vp_response_uri_mismatch"


def test_rejects_response_uri_on_a_subdomain_of_the_dns_name() -> None:
    with pytest.raises(vp.ResponseUriMismatch):
        verify(signed(payload(response_uri=f"https://evil.{DNS}/r")))


@pytest.mark.parametrize(
    "response_uri",
    [f"http://{DNS}/r", f"https://{DNS}/r#frag", "/relative", 42],
    ids=["http", "fragment", "relative", "not-a-string"],
)
def test_rejects_response_uri_that_is_not_an_https_url(response_uri: object) -> None:
    with pytest.raises(vp.RequestObjectInvalid):
        verify(signed(payload(response_uri=response_uri)))


def test_rejects_client_id_mismatch_between_link_and_object() -> None:
    token = signed(payload(client_id="x509_san_dns:VERIFIER.example.se"))
    with pytest.raises(vp.ClientIdMismatch) as excinfo:
        verify(token)
    assert excinfo.value.code == "oid4vp_client_id_mismatch"


def test_rejects_client_id_with_another_prefix_in_the_object() -> None:
    token = signed(payload(client_id=f"redirect_uri:{RESPONSE_URI}"))
    with pytest.raises(vp.ClientIdMismatch):
        verify(token)


@pytest.mark.parametrize(
    "client_id",
    [
        "decentralized_identifier:did:example:123",
        "verifier_attestation:verifier.example",
        "openid_federation:https://federation-verifier.example.com",
        "origin:https://verifier.example.com/",
        "https://client.example.org/cb",
        "example-client",
        "x509_san_dns:not a dns name",
    ],
)
def test_rejects_unsupported_client_id_prefix(client_id: str) -> None:
    token = signed(payload(client_id=client_id))
    with pytest.raises(vp.ClientIdUnsupported) as excinfo:
        verify(token, expected_client_id=client_id, allow_unsigned_redirect_uri=True)
    assert excinfo.value.code == "oid4vp_client_id_unsupported"
    assert excinfo.value.oauth_error == "invalid_request"


# --- x509_hash (§5.9.3; HAIP 1.0's prefix) ---------------------------------------------------

HASH_CLIENT_ID = vp.x509_hash_client_id(LEAF)


def test_x509_hash_client_id_is_the_base64url_sha256_of_the_der_leaf() -> None:
    der = LEAF.public_bytes(serialization.Encoding.DER)
    digest = jose.b64url_encode(hashlib.sha256(der).digest())
    assert f"x509_hash:{digest}" == HASH_CLIENT_ID
    # §5.9.3's example value has the same shape: 43 base64url characters, no padding
    assert len(digest) == len("Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk")


def test_x509_hash_request_verifies_and_binds_no_host() -> None:
    other_host = "https://svar.example.org/oid4vp/response/9f1c"  # no FQDN rule (§5.9.3)
    token = signed(payload(client_id=HASH_CLIENT_ID, response_uri=other_host))
    verified = verify(token, expected_client_id=HASH_CLIENT_ID)
    assert verified.verified and verified.client_id_prefix == "x509_hash"
    assert verified.certificate_thumbprint == HASH_CLIENT_ID.removeprefix("x509_hash:")
    assert verified.organisation == "Arbetsgivaren AB"
    assert verified.response_uri == other_host


def test_rejects_x509_hash_of_another_certificate() -> None:
    """The attack: a valid chain, but the client_id names someone else's certificate."""
    other = X.issue_verifier_certificate(CA_CERT, CA_KEY, DNS, KEY.public, NOW, 30)
    client_id = vp.x509_hash_client_id(other)
    token = signed(payload(client_id=client_id))
    with pytest.raises(vp.ClientIdMismatch) as excinfo:
        verify(token, expected_client_id=client_id)
    assert "x509_hash" in excinfo.value.detail


def test_rejects_x509_hash_request_whose_chain_does_not_validate() -> None:
    other_ca, _ = X.create_dev_ca("Another CA", NOW)
    token = signed(payload(client_id=HASH_CLIENT_ID))
    with pytest.raises(vp.RequestCertificateInvalid):
        verify(token, expected_client_id=HASH_CLIENT_ID, trust_anchors=[other_ca])


def test_rejects_x509_hash_request_signed_by_another_key() -> None:
    token = signed(payload(client_id=HASH_CLIENT_ID), key=jose.PrivateKey.generate())
    with pytest.raises(vp.RequestSignatureInvalid):
        verify(token, expected_client_id=HASH_CLIENT_ID)


def test_rejects_unsigned_request_under_x509_hash() -> None:
    token = unsigned_request_object(payload(client_id=HASH_CLIENT_ID))
    with pytest.raises(vp.RequestSignatureInvalid):
        verify(token, expected_client_id=HASH_CLIENT_ID, allow_unsigned_redirect_uri=True)


@pytest.mark.parametrize("typ", ["JWT", "oauth-authz-req+jwt-x", "dc+sd-jwt"])
def test_rejects_wrong_typ(typ: str) -> None:
    with pytest.raises(vp.RequestObjectInvalid) as excinfo:
        verify(signed(typ=typ))
    assert isinstance(excinfo.value.__cause__, jose.TypeMismatch)


def test_accepts_typ_with_application_prefix() -> None:
    assert verify(signed(typ="application/oauth-authz-req+jwt")).verified


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "vp_token id_token"}, vp.RequestObjectInvalid),
        ({"response_type": None}, vp.RequestObjectInvalid),
        ({"response_mode": "direct_post.jwt"}, vp.ResponseEncryptionUnsupported),
        ({"response_mode": "fragment"}, vp.RequestObjectInvalid),
        ({"response_uri": None}, vp.RequestObjectInvalid),
        ({"redirect_uri": RESPONSE_URI}, vp.RequestObjectInvalid),
        ({"nonce": None}, vp.RequestObjectInvalid),
        ({"nonce": "not url safe!"}, vp.RequestObjectInvalid),
        ({"nonce": "n" * 513}, vp.RequestObjectInvalid),
        ({"state": "a b"}, vp.RequestObjectInvalid),
        ({"state": 7}, vp.RequestObjectInvalid),
        ({"dcql_query": None}, vp.RequestObjectInvalid),
        ({"dcql_query": json.dumps(DCQL)}, vp.RequestObjectInvalid),
        ({"dcql_query": {"credentials": []}}, vp.RequestObjectInvalid),
        ({"dcql_query": {"credentials": [{"id": "a"}, {"id": "a"}]}}, vp.RequestObjectInvalid),
        ({"dcql_query": {"credentials": [{"id": "a.b"}]}}, vp.RequestObjectInvalid),
        ({"client_metadata": "{}"}, vp.RequestObjectInvalid),
        ({"scope": "com.example.healthCardCredential_presentation"}, vp.RequestObjectInvalid),
        ({"aud": "https://wallet.example"}, vp.RequestObjectInvalid),
        ({"exp": None}, vp.RequestObjectInvalid),
        ({"exp": str(NOW + 300)}, vp.RequestObjectInvalid),
        ({"exp": True}, vp.RequestObjectInvalid),
        ({"exp": NOW - SKEW}, vp.RequestExpired),
        ({"iat": NOW + SKEW + 1}, vp.RequestObjectInvalid),
        ({"nbf": NOW + SKEW + 1}, vp.RequestObjectInvalid),
        ({"transaction_data": ["eyJ0eXBlIjoiZXhhbXBsZSJ9"]}, vp.TransactionDataUnsupported),
    ],
    ids=lambda v: (
        next(iter(v)) + "=" + str(next(iter(v.values())))[:24] if isinstance(v, dict) else ""
    ),
)
def test_rejects_request_claims(change: dict[str, object], error: type[vp.Oid4vpError]) -> None:
    with pytest.raises(error):
        verify(signed(payload(**change)))


def test_oid4vp_5_1_transaction_data_answers_invalid_transaction_data() -> None:
    with pytest.raises(vp.TransactionDataUnsupported) as excinfo:
        verify(signed(payload(transaction_data=["e30"])))
    assert excinfo.value.oauth_error == "invalid_transaction_data"


def test_aud_as_a_list_containing_the_static_audience_is_accepted() -> None:
    assert verify(signed(payload(aud=["https://self-issued.me/v2", "x"]))).verified


def test_rejects_an_oversized_request_object() -> None:
    with pytest.raises(vp.RequestObjectInvalid):
        verify("a" * (vp.MAX_REQUEST_OBJECT_BYTES + 1))


def test_rejects_a_request_object_that_is_not_a_jws() -> None:
    with pytest.raises(vp.RequestObjectInvalid):
        verify("not.a-jws")


def test_builder_refuses_what_the_wallet_would_refuse() -> None:
    with pytest.raises(vp.RequestObjectInvalid):
        vp.request_object_payload(
            CLIENT_ID, RESPONSE_URI, "bad nonce", None, DCQL, {}, NOW, NOW + 1
        )
    with pytest.raises(vp.RequestExpired):
        vp.request_object_payload(CLIENT_ID, RESPONSE_URI, NONCE, None, DCQL, {}, NOW, NOW)


# --- the redirect_uri: prefix (unsigned, development only) -----------------------------------

DEV_CLIENT_ID = f"redirect_uri:{RESPONSE_URI}"


def unsigned(**changes: object) -> str:
    return unsigned_request_object(payload(client_id=DEV_CLIENT_ID, **changes))


def test_unsigned_redirect_uri_request_is_accepted_in_development_as_unverified() -> None:
    request = verify(unsigned(), expected_client_id=DEV_CLIENT_ID, allow_unsigned_redirect_uri=True)
    assert request.verified is False
    assert request.certificate_thumbprint is None and request.organisation is None
    assert request.client_id_prefix == "redirect_uri"
    assert request.response_uri == RESPONSE_URI
    assert request.request_hash == vp.request_object_hash(unsigned())


def test_rejects_unsigned_request_without_the_development_flag() -> None:
    with pytest.raises(vp.UnsignedRequestRejected) as excinfo:
        verify(unsigned(), expected_client_id=DEV_CLIENT_ID)
    assert excinfo.value.code == "oid4vp_unsigned_request_rejected"


def test_rejects_redirect_uri_request_posting_elsewhere() -> None:
    token = unsigned(response_uri="https://elsewhere.example/r")
    with pytest.raises(vp.ResponseUriMismatch):
        verify(token, expected_client_id=DEV_CLIENT_ID, allow_unsigned_redirect_uri=True)


def test_rejects_signed_request_under_redirect_uri() -> None:
    token = signed(payload(client_id=DEV_CLIENT_ID))
    with pytest.raises(vp.RequestObjectInvalid):
        verify(token, expected_client_id=DEV_CLIENT_ID, allow_unsigned_redirect_uri=True)


def test_rejects_unsigned_request_with_wrong_typ() -> None:
    claims = jose.b64url_encode(jose.compact_json(payload(client_id=DEV_CLIENT_ID)))
    header = jose.b64url_encode(jose.compact_json({"alg": "none", "typ": "JWT"}))
    with pytest.raises(vp.RequestObjectInvalid):
        verify(
            f"{header}.{claims}.",
            expected_client_id=DEV_CLIENT_ID,
            allow_unsigned_redirect_uri=True,
        )


def test_redirect_uri_on_loopback_http_needs_the_loopback_flag() -> None:
    uri = "http://localhost:8000/verifier/response/1"
    token = unsigned_request_object(payload(client_id=f"redirect_uri:{uri}", response_uri=uri))
    options: dict[str, Any] = {
        "expected_client_id": f"redirect_uri:{uri}",
        "allow_unsigned_redirect_uri": True,
    }
    with pytest.raises(vp.RequestObjectInvalid):
        verify(token, **options)
    assert verify(token, allow_http_loopback=True, **options).response_uri == uri


def test_oid4vp_5_4_example_request_is_not_a_direct_post_request() -> None:
    example = dict(_inline("Examples", 443))  # by value, redirect_uri, no response_mode
    example["exp"] = NOW + 300
    client_id = example["client_id"]
    with pytest.raises(vp.RequestObjectInvalid) as excinfo:
        verify(
            unsigned_request_object(example),
            expected_client_id=client_id,
            allow_unsigned_redirect_uri=True,
        )
    assert "response_mode" in excinfo.value.detail


# --- the response (§8.1, §8.2, §8.5) ---------------------------------------------------------


def test_direct_post_round_trip() -> None:
    vp_token = {"my_credential": ["eyJhbGci...QMA"]}
    form = vp.direct_post_form(vp_token, STATE)
    assert form == {"vp_token": '{"my_credential":["eyJhbGci...QMA"]}', "state": STATE}
    assert vp.parse_direct_post(form) == vp.DirectPostResponse(vp_token, None, None, STATE)


@pytest.mark.parametrize(
    ("section", "md_line"),
    [
        ("Examples {#response_dcql_query}", 1189),
        ("Presentation Response", 2684),
        ("Presentation Response", 2817),
    ],
)
def test_oid4vp_8_1_published_vp_token_examples_parse(section: str, md_line: int) -> None:
    vp_token = _inline(section, md_line)
    form = {"vp_token": json.dumps(vp_token), "state": "eyJhb...6-sVA"}
    assert vp.parse_direct_post(form).vp_token == vp_token


def test_oid4vp_8_3_decrypted_response_payload_has_the_vp_token_shape() -> None:
    response = _inline("Encrypted Responses {#response_encryption}", 1417)
    assert vp.check_vp_token(response["vp_token"]) == response["vp_token"]


def test_object_presentations_are_allowed() -> None:
    ldp = json.loads((EXAMPLES / "response" / "ldp_vc.json").read_text())
    form = vp.direct_post_form({"example_ldp_vc": [ldp]}, None)
    assert vp.parse_direct_post(form).vp_token == {"example_ldp_vc": [ldp]}
    assert vp.parse_direct_post(form).state is None


def test_oid4vp_8_2_error_response_example() -> None:
    body = json.loads(
        (EXAMPLES / "digital_credentials_api" / "error_invalid_request.json").read_text()
    )
    form = {**body, "error_description": "unsupported client_id_prefix", "state": "eyJhb...6-sVA"}
    parsed = vp.parse_direct_post(form)
    assert (parsed.error, parsed.error_description) == (
        "invalid_request",
        form["error_description"],
    )
    assert parsed.vp_token is None and parsed.state == "eyJhb...6-sVA"


def test_error_form_round_trip() -> None:
    form = vp.direct_post_error_form("access_denied", "The End-User did not give consent", STATE)
    parsed = vp.parse_direct_post(form)
    assert (parsed.error, parsed.state) == ("access_denied", STATE)


def test_error_form_refuses_unregistered_codes_and_bad_text() -> None:
    with pytest.raises(ValueError):
        vp.direct_post_error_form("made_up", None, None)
    with pytest.raises(ValueError):
        vp.direct_post_error_form("access_denied", 'quote " inside', None)


def test_wallet_errors_map_to_registered_response_codes() -> None:
    leaves = [c for c in _subclasses(vp.Oid4vpError)]
    assert all(c.oauth_error in vp.RESPONSE_ERROR_CODES for c in leaves)
    codes = [c.code for c in leaves]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("oid4vp_") for code in codes)


def _subclasses(cls: type[IntygError]) -> list[type[vp.Oid4vpError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found  # type: ignore[return-value]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"vp_token": '{"a":["x"]}', "error": "access_denied"},
        {"vp_token": "not json"},
        {"vp_token": '["eyJ..."]'},
        {"vp_token": '"eyJ..."'},
        {"vp_token": "{}"},
        {"vp_token": '{"a":[]}'},
        {"vp_token": '{"a":"eyJ..."}'},
        {"vp_token": '{"a":[""]}'},
        {"vp_token": '{"a":[7]}'},
        {"vp_token": '{"a b":["x"]}'},
        {"vp_token": '{"a":["x"],"a":["y"]}'},
        {"vp_token": '{"a":["x"]}', "state": "with space"},
        {"response": "eyJra...9t2LQ"},
        {"error": "bad\ncode"},
        {"error": "access_denied", "error_description": 'quote"d'},
    ],
    ids=[
        "empty",
        "both",
        "not-json",
        "array",
        "string",
        "empty-object",
        "empty-list",
        "not-a-list",
        "empty-presentation",
        "number",
        "bad-id",
        "duplicate-id",
        "bad-state",
        "direct_post.jwt",
        "bad-error",
        "bad-description",
    ],
)
def test_rejects_malformed_direct_post(form: dict[str, str]) -> None:
    with pytest.raises(vp.ResponseInvalid) as excinfo:
        vp.parse_direct_post(form)
    assert excinfo.value.code == "oid4vp_response_invalid"


def test_rejects_oversized_vp_token() -> None:
    big = json.dumps({"a": ["x" * vp.MAX_VP_TOKEN_BYTES]})
    with pytest.raises(vp.ResponseInvalid):
        vp.parse_direct_post({"vp_token": big})


MULTI = json.loads((EXAMPLES / "query_lang" / "multi_credentials.json").read_text())


def test_vp_token_answers_the_published_multi_credential_query() -> None:
    vp.check_vp_token_against_query({"pid": ["eyJ...sd-jwt~"], "mdl": ["o2d2ZXJ..."]}, MULTI)
    # a query may go unanswered (the Verifier's DCQL evaluation decides whether that is enough)
    vp.check_vp_token_against_query({"pid": ["eyJ...sd-jwt~"]}, MULTI)


def test_rejects_vp_token_with_an_id_not_asked_for() -> None:
    with pytest.raises(vp.ResponseInvalid):
        vp.check_vp_token_against_query({"passport": ["eyJ..."]}, MULTI)


def test_oid4vp_8_1_one_presentation_unless_multiple() -> None:
    with pytest.raises(vp.ResponseInvalid):
        vp.check_vp_token_against_query({"pid": ["a", "b"]}, MULTI)
    multiple = {"credentials": [{**MULTI["credentials"][0], "multiple": True}]}
    vp.check_vp_token_against_query({"pid": ["a", "b"]}, multiple)


def test_vectors_are_where_provenance_says() -> None:
    assert (VECTORS / "SOURCES.md").read_text().count("openid4vp-1.0/") >= 1
    assert isinstance(VECTOR_DIR, Path) and EXAMPLES.is_dir()


# --- encrypted responses (§8.3, §8.3.1 direct_post.jwt; HAIP 1.0 §5) --------------------------

ENCRYPTED = json.loads((EXAMPLES / "response" / "encrypted_response.json").read_text())
VERIFIER_KEY = jwe.new_encryption_key()


def test_oid4vp_8_3_published_encrypted_response_decrypts() -> None:
    parsed = vp.parse_direct_post(
        {"response": ENCRYPTED["response"]}, decryption_key=ENCRYPTED["private_jwk"]
    )
    assert parsed.vp_token == ENCRYPTED["payload"]["vp_token"]
    assert parsed.error is None and parsed.state is None


def test_oid4vp_8_3_the_wallet_picks_the_p256_key_and_an_enc_it_supports() -> None:
    request = _inline("Encrypted Responses {#response_encryption}", 1326)
    chosen = vp.choose_response_encryption(request["client_metadata"])
    assert chosen.jwk["kid"] == "ac" and chosen.enc == "A128GCM"  # not X25519, P-384, X448


def test_haip_the_wallet_prefers_a256gcm_when_both_are_offered() -> None:
    chosen = vp.choose_response_encryption(vp.encryption_metadata(VERIFIER_KEY))
    assert chosen.enc == "A256GCM" and chosen.jwk == jwe.public_encryption_key(VERIFIER_KEY)
    default = vp.choose_response_encryption(
        {"jwks": {"keys": [jwe.public_encryption_key(VERIFIER_KEY)]}}
    )
    assert default.enc == "A128GCM"  # §5.1: the default when none is listed


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"jwks": {"keys": []}},
        {
            "jwks": {
                "keys": [
                    {k: v for k, v in jwe.public_encryption_key(VERIFIER_KEY).items() if k != "kid"}
                ]
            }
        },
        {"jwks": {"keys": [{**jwe.public_encryption_key(VERIFIER_KEY), "crv": "P-384"}]}},
        {"jwks": {"keys": [{**jwe.public_encryption_key(VERIFIER_KEY), "alg": "ECDH-ES+A128KW"}]}},
        {
            "jwks": {"keys": [jwe.public_encryption_key(VERIFIER_KEY)]},
            "encrypted_response_enc_values_supported": ["A128CBC-HS256", "A192GCM"],
        },
    ],
    ids=["no-jwks", "no-keys", "no-kid", "p384", "key-wrap", "enc-cbc"],
)
def test_a_request_for_an_encryption_the_wallet_lacks_is_refused(
    metadata: dict[str, object],
) -> None:
    token = signed(payload(response_mode="direct_post.jwt", client_metadata=metadata))
    with pytest.raises(vp.ResponseEncryptionUnsupported) as excinfo:
        verify(token)
    assert excinfo.value.oauth_error == "invalid_request"  # §8.5 has no code of its own


def test_a_direct_post_jwt_request_verifies_with_its_encryption() -> None:
    metadata = {**METADATA, **vp.encryption_metadata(VERIFIER_KEY)}
    claims = vp.request_object_payload(
        CLIENT_ID,
        RESPONSE_URI,
        NONCE,
        STATE,
        DCQL,
        metadata,
        iat=NOW,
        exp=NOW + 300,
        response_mode="direct_post.jwt",
    )
    verified = verify(signed(claims))
    assert verified.response_mode == "direct_post.jwt"
    assert verified.response_encryption == vp.ResponseEncryption(
        jwe.public_encryption_key(VERIFIER_KEY), "A256GCM"
    )
    with pytest.raises(vp.ResponseEncryptionUnsupported):  # the builder refuses it too
        vp.request_object_payload(
            CLIENT_ID,
            RESPONSE_URI,
            NONCE,
            STATE,
            DCQL,
            METADATA,
            iat=NOW,
            exp=NOW + 300,
            response_mode="direct_post.jwt",
        )
    assert verify(signed()).response_encryption is None


def encryption() -> vp.ResponseEncryption:
    return vp.choose_response_encryption(vp.encryption_metadata(VERIFIER_KEY))


def test_encrypted_response_round_trip() -> None:
    vp_token = {"my_credential": ["eyJhbGci...QMA"]}
    form = vp.direct_post_form(vp_token, STATE, encryption())
    assert (
        set(form) == {"response"} and jwe.header_of(form["response"])["kid"] == VERIFIER_KEY["kid"]
    )
    parsed = vp.parse_direct_post(form, decryption_key=VERIFIER_KEY)
    assert parsed == vp.DirectPostResponse(vp_token, None, None, STATE)
    denied = vp.direct_post_error_form("access_denied", "no", STATE, encryption())
    parsed = vp.parse_direct_post(denied, decryption_key=VERIFIER_KEY)
    assert (parsed.error, parsed.state, parsed.vp_token) == ("access_denied", STATE, None)


def test_an_unencrypted_error_is_accepted_but_not_an_unencrypted_vp_token() -> None:
    """§8.3.1: a wallet unable to encrypt MAY send an error in the clear; never the vp_token."""
    error = vp.direct_post_error_form("invalid_request", "cannot encrypt", STATE)
    assert vp.parse_direct_post(error, decryption_key=VERIFIER_KEY).error == "invalid_request"
    plain = vp.direct_post_form({"q": ["eyJ..."]}, STATE)
    with pytest.raises(vp.ResponseInvalid, match="encrypted"):
        vp.parse_direct_post(plain, decryption_key=VERIFIER_KEY)


def test_an_encrypted_response_that_was_not_asked_for_is_refused() -> None:
    form = vp.direct_post_form({"q": ["eyJ..."]}, STATE, encryption())
    with pytest.raises(vp.ResponseInvalid, match="not asked for"):
        vp.parse_direct_post(form)


def test_a_response_encrypted_to_another_requests_key_is_refused() -> None:
    old_key = jwe.new_encryption_key()
    old = vp.choose_response_encryption(vp.encryption_metadata(old_key))
    form = vp.direct_post_form({"q": ["eyJ..."]}, STATE, old)
    with pytest.raises(vp.ResponseNotDecrypted) as excinfo:
        vp.parse_direct_post(form, decryption_key=VERIFIER_KEY)
    assert "jwe_key_mismatch" in excinfo.value.detail


def test_parameters_beside_the_encrypted_response_are_refused() -> None:
    form = {**vp.direct_post_form({"q": ["eyJ..."]}, STATE, encryption()), "state": STATE}
    with pytest.raises(vp.ResponseInvalid, match="inside the JWE"):
        vp.parse_direct_post(form, decryption_key=VERIFIER_KEY)


@pytest.mark.parametrize(
    "payload_",
    [{"state": STATE}, {"vp_token": "not-an-object", "state": STATE}, {"vp_token": {}, "state": 7}],
    ids=["neither", "string-vp_token", "number-state"],
)
def test_a_decrypted_payload_is_held_to_the_response_rules(payload_: dict[str, object]) -> None:
    form = {"response": jwe.encrypt(payload_, jwe.public_encryption_key(VERIFIER_KEY), "A128GCM")}
    with pytest.raises(vp.ResponseInvalid):
        vp.parse_direct_post(form, decryption_key=VERIFIER_KEY)


@pytest.mark.parametrize("value", ["é" * 43, "short", "A" * 44, "A" * 42 + "="])
def test_an_x509_hash_that_is_not_a_sha256_is_refused_before_anything_else(value: str) -> None:
    client_id = f"x509_hash:{value}"
    with pytest.raises(vp.ClientIdUnsupported):
        verify(signed(payload(client_id=client_id)), expected_client_id=client_id)


def test_the_wallet_keeps_and_uses_only_the_keys_public_members() -> None:
    """What a verifier adds to its key (key_ops, x5u, …) is neither kept nor used."""
    extra = {"key_ops": ["sign"], "x5u": "https://attacker.example/cert", "ext": True}
    metadata = {"jwks": {"keys": [{**jwe.public_encryption_key(VERIFIER_KEY), **extra}]}}
    chosen = vp.choose_response_encryption(metadata)
    assert chosen.jwk == jwe.public_encryption_key(VERIFIER_KEY)
    form = vp.direct_post_form({"q": ["eyJ..."]}, STATE, chosen)
    assert vp.parse_direct_post(form, decryption_key=VERIFIER_KEY).vp_token == {"q": ["eyJ..."]}
