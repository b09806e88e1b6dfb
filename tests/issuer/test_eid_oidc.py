"""``core.oidc`` against a real OpenID Connect provider (npm ``oidc-provider``, started by
``tests/oidc_provider``): sign-in with both client authentications, ES256 and RS256 ID
tokens, and the attacks of OpenID Connect Core 1.0 §3.1.3.7, RFC 7636 and RFC 9207."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import NamedTuple

import httpx
import pytest

from core import jose, oidc
from core.errors import IntygError
from core.http import Fetcher, FetchPolicy
from schemas import personnummer
from tests.oidc_provider import harness

REDIRECT = "http://localhost:8000/issuers/yh-akademin/eid/callback"
SECRET = "a-client-secret-of-the-test-provider-0123456789"
PNR = oidc.CLAIM_PERSONAL_IDENTITY_NUMBER
USERS = {
    "anna": {"given_name": "Anna", "family_name": "Andersson", PNR: "191212121212"},
    "bertil": {"given_name": "Bertil", "family_name": "Berg", PNR: "19811218-9876"},
    "nils": {"given_name": "Nils", "family_name": "Nummerlös"},
    "felix": {"given_name": "Felix", "family_name": "Fel", PNR: "191212121213"},
}
CLIENT_KEY = jose.PrivateKey.generate()


def _client(client_id: str, **metadata: object) -> dict[str, object]:
    return {"client_id": client_id, "redirect_uris": [REDIRECT], **metadata}


CLIENTS = [
    _client("intyg-basic", client_secret=SECRET, token_endpoint_auth_method="client_secret_basic"),
    _client(
        "intyg-jwt",
        token_endpoint_auth_method="private_key_jwt",
        token_endpoint_auth_signing_alg="ES256",
        jwks={"keys": [{**CLIENT_KEY.public.jwk, "use": "sig"}]},
    ),
    _client("intyg-rs256", client_secret=SECRET, id_token_signed_response_alg="RS256"),
    _client("other-rp", client_secret=SECRET),
]
BASIC = oidc.Client("intyg-basic", oidc.ClientSecretBasic(SECRET))
JWT = oidc.Client("intyg-jwt", oidc.PrivateKeyJwt(CLIENT_KEY))
RS256 = oidc.Client("intyg-rs256", oidc.ClientSecretBasic(SECRET))
OTHER = oidc.Client("other-rp", oidc.ClientSecretBasic(SECRET))


@pytest.fixture(scope="module")
def provider() -> Iterator[harness.Provider]:
    with harness.start(CLIENTS, USERS) as started:
        yield started


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FetchPolicy(development=True, allowed_hosts=frozenset({"127.0.0.1"})))


class Flow(NamedTuple):
    metadata: oidc.ProviderMetadata
    pending: oidc.PendingSignIn
    params: dict[str, str]


class Rp:
    """Intyg as the relying party, step by step, so that a test can meddle between steps."""

    def __init__(self, provider: harness.Provider, fetcher: Fetcher) -> None:
        self.provider, self.fetcher, self.providers = provider, fetcher, oidc.Providers()

    def now(self) -> int:
        return int(time.time())

    def metadata(self) -> oidc.ProviderMetadata:
        return self.providers.metadata(
            self.fetcher, self.provider.discovery_url, self.now(), development=True
        )

    def login(self, client: oidc.Client, account: str = "anna") -> Flow:
        metadata = self.metadata()
        url, pending = oidc.authorization_request(metadata, client, REDIRECT)
        return Flow(metadata, pending, self.provider.login(url, account))

    def code(self, flow: Flow) -> str:
        return oidc.authorization_code(flow.params, flow.pending, flow.metadata)

    def id_token(self, client: oidc.Client, account: str = "anna") -> tuple[str, Flow]:
        flow = self.login(client, account)
        token = oidc.exchange_code(
            self.fetcher, flow.metadata, client, self.code(flow), flow.pending, REDIRECT,
            now=self.now(),
        )  # fmt: skip
        return token, flow

    def verify(
        self, token: str, client: oidc.Client, nonce: str, now: int | None = None
    ) -> jose.JsonObject:
        metadata = self.metadata()
        at = self.now() if now is None else now
        keys = self.providers.key_resolver(self.fetcher, metadata, at)
        return oidc.verify_id_token(token, keys, metadata, client, nonce=nonce, now=at, skew=60)

    def sign_in(self, client: oidc.Client, account: str = "anna") -> oidc.Identity:
        flow = self.login(client, account)
        return oidc.sign_in(
            self.fetcher, self.providers, flow.metadata, client, self.code(flow), flow.pending,
            REDIRECT, now=self.now(), skew=60, normalise_identity_number=normalise,
        )  # fmt: skip


def normalise(value: str) -> str:
    return personnummer.normalise_personnummer(value, today=datetime.now(UTC).date())


@pytest.fixture
def rp(provider: harness.Provider, fetcher: Fetcher) -> Rp:
    return Rp(provider, fetcher)


def refused(error: type[IntygError], call: object, *secrets: str) -> IntygError:
    """``call()`` raises exactly ``error``, whose message holds none of ``secrets``."""
    assert callable(call)
    with pytest.raises(IntygError) as caught:
        call()
    assert type(caught.value) is error, repr(caught.value)
    assert "\n" not in caught.value.detail
    for secret in secrets:
        assert secret not in str(caught.value)
    return caught.value


def part(token: str, index: int) -> dict[str, object]:
    piece = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


# --- sign-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("client", [BASIC, JWT], ids=["client_secret_basic", "private_key_jwt"])
def test_core_3_1_sign_in_gives_the_normalised_personnummer(rp: Rp, client: oidc.Client) -> None:
    identity = rp.sign_in(client, "bertil")
    assert identity == oidc.Identity(
        issuer=rp.provider.issuer,
        subject="bertil",
        personal_identity_number="198112189876",
        given_name="Bertil",
        family_name="Berg",
    )
    assert "198112189876" not in repr(identity)


def test_core_3_1_3_7_es256_by_default_and_rs256_when_the_client_asks(rp: Rp) -> None:
    es256, flow = rp.id_token(BASIC)
    assert part(es256, 0)["alg"] == "ES256"
    assert rp.verify(es256, BASIC, flow.pending.nonce)["sub"] == "anna"
    rs256, flow = rp.id_token(RS256)
    assert part(rs256, 0)["alg"] == "RS256"
    assert rp.verify(rs256, RS256, flow.pending.nonce)["sub"] == "anna"
    assert rp.sign_in(RS256).personal_identity_number == "191212121212"


def test_discovery_reads_the_providers_endpoints(rp: Rp) -> None:
    metadata = rp.metadata()
    assert metadata.issuer == rp.provider.issuer
    assert metadata.token_endpoint == f"{rp.provider.issuer}/token"
    assert {
        "client_secret_basic",
        "private_key_jwt",
    } <= metadata.token_endpoint_auth_methods_supported
    assert metadata.authorization_response_iss_parameter_supported  # RFC 9207
    assert rp.providers.metadata(rp.fetcher, rp.provider.issuer, rp.now(), development=True) == (
        metadata
    )  # the issuer URL itself is a discovery URL too (Discovery §4.1)


def test_authorization_request_carries_pkce_s256_state_and_nonce(rp: Rp) -> None:
    url, pending = oidc.authorization_request(rp.metadata(), BASIC, REDIRECT)
    query = dict(httpx.URL(url).params)
    assert query["response_type"] == "code" and query["scope"].split()[0] == "openid"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == oidc.code_challenge(pending.code_verifier)
    assert (query["state"], query["nonce"]) == (pending.state, pending.nonce)
    assert pending.code_verifier not in url
    assert pending.code_verifier not in repr(pending)


# --- attacks ---------------------------------------------------------------------------------


def test_rejects_callback_with_another_state_csrf(rp: Rp) -> None:
    flow = rp.login(BASIC)
    forged = {**flow.params, "state": "the-state-of-another-sign-in"}
    refused(
        oidc.OidcStateMismatch,
        lambda: oidc.authorization_code(forged, flow.pending, flow.metadata),
        flow.params["code"],
    )
    missing = {k: v for k, v in flow.params.items() if k != "state"}
    refused(
        oidc.OidcStateMismatch,
        lambda: oidc.authorization_code(missing, flow.pending, flow.metadata),
    )


def test_rfc9207_rejects_callback_from_another_issuer_mix_up(rp: Rp) -> None:
    flow = rp.login(BASIC)
    for params in (
        {**flow.params, "iss": "https://evil.example"},
        {k: v for k, v in flow.params.items() if k != "iss"},  # advertised, so required
    ):
        refused(
            oidc.OidcAuthorizationFailed,
            lambda p=params: oidc.authorization_code(p, flow.pending, flow.metadata),  # type: ignore[misc]
        )


def test_rejects_id_token_replayed_into_another_sign_in_nonce(rp: Rp) -> None:
    token, _ = rp.id_token(BASIC)
    later = rp.login(BASIC)
    error = refused(oidc.OidcIdTokenInvalid, lambda: rp.verify(token, BASIC, later.pending.nonce))
    assert "nonce" in error.detail


def test_rejects_id_token_for_another_audience(rp: Rp) -> None:
    token, flow = rp.id_token(OTHER)
    error = refused(oidc.OidcIdTokenInvalid, lambda: rp.verify(token, BASIC, flow.pending.nonce))
    assert "not meant for this client" in error.detail


def test_rejects_expired_id_token(rp: Rp) -> None:
    token, flow = rp.id_token(BASIC)
    exp = part(token, 1)["exp"]
    assert isinstance(exp, int)
    later = exp + 61  # past the 60 s of allowed skew
    error = refused(
        oidc.OidcIdTokenInvalid, lambda: rp.verify(token, BASIC, flow.pending.nonce, later)
    )
    assert "expired" in error.detail


def test_rejects_id_token_from_the_future(rp: Rp) -> None:
    token, flow = rp.id_token(BASIC)
    earlier = rp.now() - 3600
    error = refused(
        oidc.OidcIdTokenInvalid, lambda: rp.verify(token, BASIC, flow.pending.nonce, earlier)
    )
    assert "implausible" in error.detail


def test_rejects_tampered_signature_and_tampered_claims(rp: Rp) -> None:
    token, flow = rp.id_token(BASIC)
    header, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    claims = part(token, 1) | {"sub": "bertil"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for tampered in (f"{header}.{payload}.{flipped}", f"{header}.{forged_payload}.{signature}"):
        error = refused(
            oidc.OidcIdTokenInvalid,
            lambda t=tampered: rp.verify(t, BASIC, flow.pending.nonce),  # type: ignore[misc]
        )
        assert "signature" in error.detail


def test_rejects_unsigned_and_hmac_id_tokens_alg_confusion(rp: Rp) -> None:
    token, flow = rp.id_token(BASIC)
    _, payload, _ = token.split(".")
    for alg in ("none", "HS256"):
        header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
        forged = f"{header}.{payload}.{'' if alg == 'none' else 'c2ln'}"
        refused(oidc.OidcIdTokenInvalid, lambda f=forged: rp.verify(f, BASIC, flow.pending.nonce))  # type: ignore[misc]


def test_discovery_4_3_rejects_a_document_naming_another_issuer(
    rp: Rp, provider: harness.Provider
) -> None:
    # The same server under another name: its document names 127.0.0.1, not localhost.
    elsewhere = provider.issuer.replace("127.0.0.1", "localhost")
    policy = FetchPolicy(development=True, allowed_hosts=frozenset({"localhost"}))
    error = refused(
        oidc.OidcDiscoveryInvalid,
        lambda: oidc.Providers().metadata(Fetcher(policy), elsewhere, rp.now(), development=True),
    )
    assert "another issuer" in error.detail
    document = httpx.get(provider.discovery_url).json()
    refused(
        oidc.OidcDiscoveryInvalid,
        lambda: oidc.parse_metadata(
            {**document, "issuer": "https://evil.example"}, provider.issuer, development=True
        ),
    )


def test_discovery_rejects_plain_http_outside_development(provider: harness.Provider) -> None:
    document = httpx.get(provider.discovery_url).json()
    error = refused(
        oidc.OidcDiscoveryInvalid,
        lambda: oidc.parse_metadata(document, provider.issuer, development=False),
    )
    assert "https" in error.detail


def test_rfc7636_wrong_code_verifier_is_refused_by_the_provider(rp: Rp) -> None:
    flow = rp.login(BASIC)
    wrong = oidc.PendingSignIn(flow.pending.state, flow.pending.nonce, "x" * 43)
    code = rp.code(flow)
    error = refused(
        oidc.OidcTokenError,
        lambda: oidc.exchange_code(
            rp.fetcher, flow.metadata, BASIC, code, wrong, REDIRECT, now=rp.now()
        ),
        code,
        SECRET,
    )
    assert "invalid_grant" in error.detail


def test_rfc6749_4_1_2_code_used_twice_is_refused(rp: Rp) -> None:
    flow = rp.login(BASIC)
    code = rp.code(flow)

    def exchange() -> str:
        return oidc.exchange_code(
            rp.fetcher, flow.metadata, BASIC, code, flow.pending, REDIRECT, now=rp.now()
        )

    assert exchange()
    error = refused(oidc.OidcTokenError, exchange, code, SECRET)
    assert "invalid_grant" in error.detail


@pytest.mark.parametrize(
    "impostor",
    [
        oidc.Client("intyg-basic", oidc.ClientSecretBasic("not-the-secret-" + "0" * 32)),
        oidc.Client("intyg-jwt", oidc.PrivateKeyJwt(jose.PrivateKey.generate())),
    ],
    ids=["wrong_secret", "wrong_private_key"],
)
def test_rejects_client_authentication_with_wrong_credentials(
    rp: Rp, impostor: oidc.Client
) -> None:
    flow = rp.login(impostor)
    code = rp.code(flow)
    error = refused(
        oidc.OidcTokenError,
        lambda: oidc.exchange_code(
            rp.fetcher, flow.metadata, impostor, code, flow.pending, REDIRECT, now=rp.now()
        ),
        code,
    )
    assert "invalid_client" in error.detail


@pytest.mark.parametrize(("account", "why"), [("nils", "carries no"), ("felix", "not valid")])
def test_rejects_id_token_without_a_valid_personnummer(rp: Rp, account: str, why: str) -> None:
    error = refused(oidc.OidcIdTokenInvalid, lambda: rp.sign_in(BASIC, account), "191212121213")
    assert why in error.detail
