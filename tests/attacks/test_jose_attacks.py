"""JOSE attacks (RFC 8725), each at the three places Intyg takes a signed token from a
stranger, end to end over HTTP:

- the verifier's ``POST /verifiers/{slug}/verify`` (the Issuer-signed JWT of an SD-JWT VC):
  the result names the failed check and its code, and nothing is written;
- the issuer's credential endpoint (the OpenID4VCI key proof): ``400 invalid_proof``, and the
  access token and ``c_nonce`` are still good afterwards (nothing was spent);
- the wallet's ``POST /wallet/presentation-requests`` (the OpenID4VP Request Object, served by
  a hostile verifier): ``400`` with the ``oid4vp_*`` code, no request stored, nothing posted.

Unit-level twins of many rows live in ``tests/standards/test_jose.py``; the verifier rows of
``tests/verifier/test_attacks.py`` for alg none, HS256 and key-in-header are repeated here so
that this corpus lists every attack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk as jwcrypto_jwk
from sqlalchemy.engine import Engine

from core import jose
from core import x509 as certs
from core.clock import FixedClock
from core.standards import oid4vci
from tests.issuer.support import Protocol, oauth_error
from tests.verifier.support import Roles, assert_rejected, issuer_public_keys
from tests.wallet.flows import QUERY
from tests.wallet.verifier_double import VerifierDouble, make_ca_and_leaf

from .support import (
    BASE,
    HostileIssuer,
    HostileVerifier,
    assert_nothing_written,
    bind,
    duplicate_member_header,
    non_utf8_header,
    oversized_header,
    public_key_secrets,
    raw_jws,
    row_counts,
)

TYP_VC = "dc+sd-jwt"
ATTACKER_URL = f"{BASE}/attacker/keys.json"
PATH_TRAVERSAL = "../../../../../../etc/passwd"


def attacker_x5c(now: int) -> tuple[list[str], jose.PrivateKey]:
    """A certificate chain of a CA nobody trusts, and the leaf's private key."""
    _ca, leaf, leaf_key = make_ca_and_leaf(now)
    return certs.x5c_chain([leaf]), pyca_to_jose(leaf_key)


def pyca_to_jose(key: object) -> jose.PrivateKey:
    return jose.PrivateKey.from_jwk(json.loads(jwcrypto_jwk.JWK.from_pyca(key).export_private()))


# === the verifier: POST verify ===============================================================


@dataclass
class Forgery:
    """What an attacker holds: a payload claiming to be from the trusted issuer, that issuer's
    published kid and public key, a key of their own, and a hostile issuer also trusted."""

    payload: dict[str, object]
    kid: str
    public: jose.PublicKey
    attacker: jose.PrivateKey
    hostile: HostileIssuer
    now: int

    def header(self, **extra: object) -> dict[str, object]:
        return {"alg": "ES256", "typ": TYP_VC, "kid": self.kid, **extra}

    def signed(self, **extra: object) -> str:
        """Signed with the attacker's key under the issuer's kid, ``extra`` in the header."""
        return raw_jws(self.header(**extra), self.payload, self.attacker)


VERIFIER_ROWS: dict[str, tuple[Callable[[Forgery], str], str, str]] = {
    "alg-none": (
        lambda f: raw_jws(f.header(alg="none"), f.payload, None),
        "algorithm",
        "jose_alg_not_allowed",
    ),
    "alg-none-mixed-case": (
        lambda f: raw_jws(f.header(alg="nOnE"), f.payload, None),
        "algorithm",
        "jose_alg_not_allowed",
    ),
    "alg-hs256-public-key-as-secret": (
        lambda f: raw_jws(f.header(alg="HS256"), f.payload, public_key_secrets(f.public)[0]),
        "algorithm",
        "jose_alg_not_allowed",
    ),
    "alg-hs256-compact-jwk-as-secret": (
        lambda f: raw_jws(f.header(alg="HS256"), f.payload, public_key_secrets(f.public)[1]),
        "algorithm",
        "jose_alg_not_allowed",
    ),
    "alg-rs256-claimed": (
        lambda f: raw_jws(f.header(alg="RS256"), f.payload, f.attacker),
        "algorithm",
        "jose_alg_not_allowed",
    ),
    "embedded-jwk": (
        lambda f: f.signed(jwk=dict(f.attacker.public.jwk)),
        "signature",
        "jose_bad_signature",
    ),
    # without a kid every published key is tried, never the header's: a bad signature
    "embedded-jwk-without-kid": (
        lambda f: raw_jws(
            {"alg": "ES256", "typ": TYP_VC, "jwk": dict(f.attacker.public.jwk)},
            f.payload,
            f.attacker,
        ),
        "signature",
        "jose_bad_signature",
    ),
    "jku-header": (lambda f: f.signed(jku=ATTACKER_URL), "signature", "jose_bad_signature"),
    "x5u-header": (lambda f: f.signed(x5u=ATTACKER_URL), "signature", "jose_bad_signature"),
    "x5c-header": (  # beside the issuer's kid: the leaf is not the key the kid names
        lambda f: raw_jws(f.header(x5c=attacker_x5c(f.now)[0]), f.payload, f.attacker),
        "issuer_key",
        "issuer_keys_disagree",
    ),
    "kid-path-traversal": (
        lambda f: raw_jws(f.header(kid=PATH_TRAVERSAL), f.payload, f.attacker),
        "issuer_key",
        "issuer_key_not_found",
    ),
    "kid-url": (
        lambda f: raw_jws(f.header(kid=ATTACKER_URL), f.payload, f.attacker),
        "issuer_key",
        "issuer_key_not_found",
    ),
    "kid-sql-injection": (
        lambda f: raw_jws(f.header(kid="x' OR '1'='1"), f.payload, f.attacker),
        "issuer_key",
        "issuer_key_not_found",
    ),
    "kid-not-a-string": (
        lambda f: raw_jws(f.header(kid={"$ne": None}), f.payload, f.attacker),
        "issuer_key",
        "issuer_key_not_found",
    ),
    # another trusted issuer signs a credential in the victim issuer's name, under its own kid
    "kid-of-another-issuer": (
        lambda f: raw_jws(f.header(kid=f.hostile.key.kid), f.payload, f.hostile.key),
        "issuer_key",
        "issuer_key_not_found",
    ),
    # ... or in its own name, naming the victim issuer's kid
    "kid-of-another-issuer-own-name": (
        lambda f: raw_jws(f.header(), {**f.payload, "iss": f.hostile.id}, f.hostile.key),
        "issuer_key",
        "issuer_key_not_found",
    ),
    "crit-unknown": (
        lambda f: f.signed(crit=["urn:example:unknown"], **{"urn:example:unknown": True}),
        "algorithm",
        "jose_crit_unsupported",
    ),
    "crit-names-absent-member": (
        lambda f: f.signed(crit=["b64"]),
        "algorithm",
        "jose_crit_unsupported",
    ),
    "crit-empty": (lambda f: f.signed(crit=[]), "algorithm", "jose_crit_unsupported"),
    "typ-kb-jwt": (lambda f: f.signed(typ="kb+jwt"), "algorithm", "jose_typ_mismatch"),
    "typ-missing": (
        lambda f: raw_jws({"alg": "ES256", "kid": f.kid}, f.payload, f.attacker),
        "algorithm",
        "jose_typ_mismatch",
    ),
    "oversized-header": (
        lambda f: raw_jws(oversized_header(f.header()), f.payload, f.attacker),
        "format",
        "jose_malformed",
    ),
    "duplicate-header-members": (
        lambda f: raw_jws(duplicate_member_header(), f.payload, f.attacker),
        "format",
        "jose_malformed",
    ),
    "non-utf8-header": (
        lambda f: raw_jws(non_utf8_header(), f.payload, f.attacker),
        "format",
        "jose_malformed",
    ),
    "utf16-header": (
        lambda f: raw_jws(json.dumps(f.header()).encode("utf-16"), f.payload, f.attacker),
        "format",
        "jose_malformed",
    ),
}


@pytest.mark.parametrize(
    ("forge", "failed", "code"), VERIFIER_ROWS.values(), ids=list(VERIFIER_ROWS)
)
def test_verifier_rejects(
    roles: Roles,
    engine: Engine,
    hostile: HostileIssuer,
    outbound: list[str],
    clock: FixedClock,
    forge: Callable[[Forgery], str],
    failed: str,
    code: str,
) -> None:
    issuer = roles.issuer["issuer"]
    kid, public = next(iter(issuer_public_keys(roles.client, issuer).items()))
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, clock.now(), iss=issuer, family_name="Lindqvist")
    forgery = Forgery(payload, kid, public, jose.PrivateKey.generate(), hostile, clock.now())
    presentation = bind(forge(forgery), [], holder, now=clock.now())
    before = row_counts(engine)
    outbound.clear()
    assert_rejected(roles.verify(presentation), failed, code)
    assert_nothing_written(engine, before)
    assert not [url for url in outbound if "attacker" in url or "etc/passwd" in url], outbound


# === the issuer: the key proof at the credential endpoint ====================================


@dataclass
class ProofForgery:
    holder: jose.PrivateKey
    attacker: jose.PrivateKey
    claims: dict[str, object]
    now: int

    def header(self, **extra: object) -> dict[str, object]:
        header: dict[str, object] = {
            "alg": "ES256",
            "typ": oid4vci.TYP_PROOF,
            "jwk": dict(self.holder.public.jwk),
        }
        header.update(extra)
        return {k: v for k, v in header.items() if v is not None}

    def signed(self, **extra: object) -> str:
        return raw_jws(self.header(**extra), self.claims, self.holder)


PROOF_ROWS: dict[str, Callable[[ProofForgery], str]] = {
    "alg-none": lambda f: raw_jws(f.header(alg="none"), f.claims, None),
    "alg-hs256-public-key-as-secret": lambda f: raw_jws(
        f.header(alg="HS256"), f.claims, public_key_secrets(f.holder.public)[1]
    ),
    "embedded-jwk-of-another-key": lambda f: f.signed(jwk=dict(f.attacker.public.jwk)),
    "embedded-jwk-with-private-member": lambda f: f.signed(
        jwk={**dict(f.holder.public.jwk), "d": f.holder.private_jwk()["d"]}
    ),
    "jku-header": lambda f: f.signed(jwk=None, jku=ATTACKER_URL),
    "x5u-header": lambda f: f.signed(jwk=None, x5u=ATTACKER_URL),
    "x5c-header": lambda f: raw_jws(
        f.header(jwk=None, x5c=attacker_x5c(f.now)[0]), f.claims, attacker_x5c(f.now)[1]
    ),
    "kid-path-traversal": lambda f: f.signed(kid=PATH_TRAVERSAL),
    "kid-instead-of-jwk": lambda f: f.signed(jwk=None, kid=f.holder.kid),
    "crit-unknown": lambda f: f.signed(crit=["urn:example:unknown"], **{"urn:example:unknown": 1}),
    "typ-jwt": lambda f: f.signed(typ="JWT"),
    "oversized-header": lambda f: raw_jws(oversized_header(f.header()), f.claims, f.holder),
    "duplicate-header-members": lambda f: raw_jws(
        duplicate_member_header(typ=oid4vci.TYP_PROOF), f.claims, f.holder
    ),
    "non-utf8-header": lambda f: raw_jws(
        non_utf8_header(typ=oid4vci.TYP_PROOF), f.claims, f.holder
    ),
}


@pytest.fixture
def protocol(roles: Roles) -> Protocol:
    return Protocol(
        roles.client, roles.issuer["slug"], roles.issuer["issuer"], roles.issuer_auth, roles.clock
    )


@pytest.mark.parametrize("forge", PROOF_ROWS.values(), ids=list(PROOF_ROWS))
def test_issuer_rejects_proof(
    protocol: Protocol, engine: Engine, forge: Callable[[ProofForgery], str]
) -> None:
    access_token = protocol.access_token()
    nonce = protocol.nonce()
    holder = jose.PrivateKey.generate()
    claims = {"aud": protocol.issuer, "iat": protocol.clock.now(), "nonce": nonce}
    proof = forge(ProofForgery(holder, jose.PrivateKey.generate(), claims, protocol.clock.now()))
    before = row_counts(engine)
    oauth_error(
        protocol.credential_request(access_token, protocol.body(proof)), 400, "invalid_proof"
    )
    assert_nothing_written(engine, before)
    # nothing was spent: the same access token and c_nonce still buy a credential
    sound = oid4vci.make_proof(holder, audience=protocol.issuer, nonce=nonce, iat=claims["iat"])  # type: ignore[arg-type]
    answer = protocol.credential_request(access_token, protocol.body(sound))
    assert answer.status_code == 200, answer.text


# === the wallet: the request object of a hostile verifier ====================================

TYP_RO = "oauth-authz-req+jwt"


@dataclass
class RequestForgery:
    leaf: jose.PrivateKey  # the key of a certificate the wallet trusts (for x509_san_dns:localhost)
    x5c: list[str]
    attacker: jose.PrivateKey
    claims: dict[str, object]
    now: int

    def header(self, **extra: object) -> dict[str, object]:
        return {"alg": "ES256", "typ": TYP_RO, "x5c": self.x5c, **extra}

    def by_attacker(self, **extra: object) -> str:
        return raw_jws(self.header(**extra), self.claims, self.attacker)

    def by_leaf(self, **extra: object) -> str:
        return raw_jws(self.header(**extra), self.claims, self.leaf)


REQUEST_ROWS: dict[str, tuple[Callable[[RequestForgery], str], str]] = {
    "alg-none": (
        lambda f: raw_jws(f.header(alg="none"), f.claims, None),
        "oid4vp_request_signature_invalid",
    ),
    "alg-hs256-public-key-as-secret": (
        lambda f: raw_jws(f.header(alg="HS256"), f.claims, public_key_secrets(f.leaf.public)[1]),
        "oid4vp_request_signature_invalid",
    ),
    "embedded-jwk": (
        lambda f: f.by_attacker(jwk=dict(f.attacker.public.jwk)),
        "oid4vp_request_signature_invalid",
    ),
    "jku-header": (lambda f: f.by_attacker(jku=ATTACKER_URL), "oid4vp_request_signature_invalid"),
    "x5u-header": (lambda f: f.by_attacker(x5u=ATTACKER_URL), "oid4vp_request_signature_invalid"),
    "x5c-header-untrusted-chain": (
        lambda f: raw_jws(f.header(x5c=attacker_x5c(f.now)[0]), f.claims, attacker_x5c(f.now)[1]),
        "oid4vp_request_certificate_invalid",
    ),
    "x5c-missing": (
        lambda f: raw_jws(
            {"alg": "ES256", "typ": TYP_RO, "jwk": dict(f.attacker.public.jwk)},
            f.claims,
            f.attacker,
        ),
        "oid4vp_request_certificate_invalid",
    ),
    "kid-path-traversal": (
        lambda f: f.by_attacker(kid=PATH_TRAVERSAL),
        "oid4vp_request_signature_invalid",
    ),
    "crit-unknown": (
        lambda f: f.by_leaf(crit=["urn:example:unknown"], **{"urn:example:unknown": 1}),
        "oid4vp_request_invalid",
    ),
    "typ-jwt": (lambda f: f.by_leaf(typ="JWT"), "oid4vp_request_invalid"),
    "oversized-header": (
        lambda f: raw_jws(oversized_header(f.header()), f.claims, f.leaf),
        "oid4vp_request_invalid",
    ),
    "duplicate-header-members": (
        lambda f: raw_jws(duplicate_member_header(typ=TYP_RO), f.claims, f.leaf),
        "oid4vp_request_invalid",
    ),
    "non-utf8-header": (
        lambda f: raw_jws(non_utf8_header(typ=TYP_RO), f.claims, f.leaf),
        "oid4vp_request_invalid",
    ),
}


def request_claims(name: str, now: int, **changes: object) -> dict[str, object]:
    """A sound OpenID4VP request object's claims, answered at the hostile verifier."""
    claims: dict[str, object] = {
        "client_id": "x509_san_dns:localhost",
        "aud": "https://self-issued.me/v2",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": f"{BASE}/hostile-verifier/response/{name}",
        "nonce": "n-" + name,
        "state": "s-" + name,
        "dcql_query": QUERY,
        "client_metadata": {"client_name": "Fientliga verifieraren"},
        "purpose": "Rekrytering",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return claims


def leaf_forgery(double: VerifierDouble, name: str, now: int, **changes: object) -> RequestForgery:
    return RequestForgery(
        leaf=pyca_to_jose(double.leaf_key),
        x5c=certs.x5c_chain([double.leaf]),
        attacker=jose.PrivateKey.generate(),
        claims=request_claims(name, now, **changes),
        now=now,
    )


def assert_wallet_refuses(
    client: TestClient,
    engine: Engine,
    holder_auth: dict[str, str],
    hostile_verifier: HostileVerifier,
    link: str,
    code: str,
) -> None:
    before = row_counts(engine)
    answer = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code, answer.json()
    assert_nothing_written(engine, before)
    assert hostile_verifier.posts == []


@pytest.mark.parametrize(("forge", "code"), REQUEST_ROWS.values(), ids=list(REQUEST_ROWS))
def test_wallet_rejects_request_object(
    client: TestClient,
    engine: Engine,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    hostile_verifier: HostileVerifier,
    clock: FixedClock,
    request: pytest.FixtureRequest,
    forge: Callable[[RequestForgery], str],
    code: str,
) -> None:
    name = request.node.callspec.id
    token = forge(leaf_forgery(double, name, clock.now()))
    link = hostile_verifier.link(name, token)
    assert_wallet_refuses(client, engine, holder_auth, hostile_verifier, link, code)


def test_wallet_control_a_sound_request_object_is_taken(
    client: TestClient,
    holder_auth: dict[str, str],
    double: VerifierDouble,
    hostile_verifier: HostileVerifier,
    clock: FixedClock,
) -> None:
    """The rows above fail for the reason they name: the same forgery, signed soundly, passes."""
    link = hostile_verifier.link("sound", leaf_forgery(double, "sound", clock.now()).by_leaf())
    answer = client.post(
        "/wallet/presentation-requests", json={"request": link}, headers=holder_auth
    )
    assert answer.status_code == 201, answer.text
