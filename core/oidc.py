"""OpenID Connect relying party: the authorization code flow of OpenID Connect Core 1.0 §3.1
(https://openid.net/specs/openid-connect-core-1_0.html), against a provider found by OpenID
Connect Discovery 1.0 (https://openid.net/specs/openid-connect-discovery-1_0.html), with PKCE
(RFC 7636, ``S256``), the ``iss`` authorization response parameter (RFC 9207), and client
authentication by ``client_secret_basic`` (RFC 6749 §2.3.1) or ``private_key_jwt`` (OpenID
Connect Core §9, RFC 7523 §2.2).

The issuer signs learners in through this at an eID broker (BankID, Freja eID, the Swedish
state eID). The flow in steps: ``Providers.metadata`` (discovery, cached) →
``authorization_request`` (the URL to send the browser to, and the secrets to keep) →
``authorization_code`` (the callback's parameters checked) → ``sign_in`` (code exchanged,
ID token validated per §3.1.3.7) → an ``Identity``. No FastAPI and no SQL here; every request
goes through ``core.http.Fetcher``. Codes, tokens, secrets and identity numbers never reach an
error message or a ``repr``.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote_plus, urlencode, urlsplit

from core import jose, jsontext
from core.config import check_public_url
from core.errors import Unauthenticated, UpstreamError
from core.http import Fetcher
from core.standards.authorization_code import s256
from core.ttlcache import TtlCache

WELL_KNOWN_OPENID_CONFIGURATION: Final = "/.well-known/openid-configuration"
SCOPE_OPENID: Final = "openid"
#: The Swedish OpenID Connect profile (oidc.se, "Claims and Scopes Specification for the
#: Swedish OpenID Connect Profile" §2.1, §3.1.1): the scope that asks for the personal identity
#: number, and the claim that carries it (12 digits, ``YYYYMMDDNNNN``).
SCOPE_NATURAL_PERSON_NUMBER: Final = "https://id.oidc.se/scope/naturalPersonNumber"
CLAIM_PERSONAL_IDENTITY_NUMBER: Final = "https://id.oidc.se/claim/personalIdentityNumber"
DEFAULT_SCOPE: Final = f"{SCOPE_OPENID} {SCOPE_NATURAL_PERSON_NUMBER}"

CLIENT_SECRET_BASIC: Final = "client_secret_basic"
PRIVATE_KEY_JWT: Final = "private_key_jwt"
#: RFC 7523 §2.2 via OpenID Connect Core §9.
CLIENT_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ASSERTION_LIFETIME: Final = 60  # seconds; the brief allows at most 5 minutes
#: ID token algorithms: ES256, and the RSA ones eID brokers commonly sign with.
ID_TOKEN_ALGORITHMS: Final = frozenset({jose.ES256, jose.RS256, jose.PS256})
#: How old an ID token's ``iat`` may be (§3.1.3.7 step 10 leaves the bound to the client).
ID_TOKEN_MAX_AGE: Final = 600
MAX_CANDIDATE_KEYS: Final = 10  # a header without ``kid``: at most this many keys are tried
_OAUTH_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


class OidcDiscoveryInvalid(UpstreamError):
    code = "oidc_discovery_invalid"
    title = "The OpenID provider's discovery document is not usable"


class OidcAuthorizationFailed(Unauthenticated):
    code = "oidc_authorization_failed"
    title = "The sign-in at the OpenID provider did not succeed"


class OidcStateMismatch(Unauthenticated):
    code = "oidc_state_mismatch"
    title = "The sign-in response does not belong to this sign-in"


class OidcTokenError(Unauthenticated):
    code = "oidc_token_error"
    title = "The OpenID provider did not exchange the authorization code"


class OidcIdTokenInvalid(Unauthenticated):
    code = "oidc_id_token_invalid"
    title = "The OpenID provider's ID token is not valid"


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of a discovery document (Discovery §3) that the code flow uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: frozenset[str]
    token_endpoint_auth_methods_supported: frozenset[str]
    #: RFC 9207 §3: when advertised, every authorization response must carry ``iss``.
    authorization_response_iss_parameter_supported: bool


@dataclass(frozen=True, repr=False)
class ClientSecretBasic:
    secret: str

    def __repr__(self) -> str:
        return "ClientSecretBasic(secret=<hidden>)"


@dataclass(frozen=True)
class PrivateKeyJwt:
    key: jose.PrivateKey  # its repr shows only alg and kid


@dataclass(frozen=True)
class Client:
    """Intyg's registration at one provider."""

    client_id: str
    auth: ClientSecretBasic | PrivateKeyJwt
    scope: str = DEFAULT_SCOPE
    personal_identity_number_claim: str = CLAIM_PERSONAL_IDENTITY_NUMBER


@dataclass(frozen=True, repr=False)
class PendingSignIn:
    """What the relying party keeps between the redirect and the callback (bound to the
    browser by the caller): never sent anywhere but where the protocol says."""

    state: str
    nonce: str
    code_verifier: str

    def __repr__(self) -> str:
        return "PendingSignIn(<hidden>)"


@dataclass(frozen=True)
class Identity:
    """Who signed in: the provider's ``sub`` and the person's identity number."""

    issuer: str
    subject: str
    personal_identity_number: str = field(repr=False)
    given_name: str | None = None
    family_name: str | None = None


def discovery_document_url(url: str) -> str:
    """The discovery document's URL for an operator's "discovery URL", which may be the
    document's own URL or the issuer identifier (Discovery §4.1: the well-known path is
    appended after removing a trailing ``/``)."""
    if urlsplit(url).path.endswith(WELL_KNOWN_OPENID_CONFIGURATION):
        return url
    return url.rstrip("/") + WELL_KNOWN_OPENID_CONFIGURATION


def parse_metadata(document: object, discovery_url: str, *, development: bool) -> ProviderMetadata:
    """Check a discovery document; raise ``OidcDiscoveryInvalid`` naming the first fault."""
    if not isinstance(document, Mapping):
        raise OidcDiscoveryInvalid("the discovery document is not a JSON object")
    expected = discovery_document_url(discovery_url).removesuffix(WELL_KNOWN_OPENID_CONFIGURATION)
    issuer = document.get("issuer")
    # Discovery §4.3: the issuer MUST be identical to the URL the document was found under.
    if not isinstance(issuer, str) or issuer.rstrip("/") != expected.rstrip("/"):
        raise OidcDiscoveryInvalid("the discovery document names another issuer than its URL")
    urls = {
        name: _endpoint(document, name, development)
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    }
    if "code" not in _strings(document, "response_types_supported"):
        raise OidcDiscoveryInvalid("the provider does not support the authorization code flow")
    algorithms = _strings(document, "id_token_signing_alg_values_supported")
    if not algorithms & ID_TOKEN_ALGORITHMS:
        raise OidcDiscoveryInvalid("the provider signs ID tokens with no algorithm Intyg accepts")
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in _strings(document, "code_challenge_methods_supported"):
        raise OidcDiscoveryInvalid("the provider does not support PKCE with S256 (RFC 7636)")
    auth_methods = (
        _strings(document, "token_endpoint_auth_methods_supported")
        if "token_endpoint_auth_methods_supported" in document
        else frozenset({CLIENT_SECRET_BASIC})  # Discovery §3: the default when omitted
    )
    return ProviderMetadata(
        issuer=urls["issuer"],
        authorization_endpoint=urls["authorization_endpoint"],
        token_endpoint=urls["token_endpoint"],
        jwks_uri=urls["jwks_uri"],
        id_token_signing_alg_values_supported=algorithms,
        token_endpoint_auth_methods_supported=auth_methods,
        authorization_response_iss_parameter_supported=(
            document.get("authorization_response_iss_parameter_supported") is True
        ),
    )


def _endpoint(document: Mapping[str, object], name: str, development: bool) -> str:
    value = document.get(name)
    if not isinstance(value, str):
        raise OidcDiscoveryInvalid(f"the discovery document has no {name}")
    try:
        return check_public_url(value, development=development)
    except ValueError:
        raise OidcDiscoveryInvalid(f"the {name} is not an https URL") from None


def _strings(document: Mapping[str, object], name: str) -> frozenset[str]:
    value = document.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OidcDiscoveryInvalid(f"the discovery document's {name} is not a list of strings")
    return frozenset(value)


class Providers:
    """Discovery documents and JWKS of OpenID providers, cached by URL for ``max_age``
    seconds (like ``core.resolvers.IssuerKeys``); an unknown ``kid`` refetches the JWKS once,
    so a provider's key rotation is picked up at once."""

    def __init__(self, max_age: int = 300, max_entries: int = 256) -> None:
        self.max_age = max_age
        self._metadata: TtlCache[tuple[str, bool], ProviderMetadata] = TtlCache(max_entries)
        self._jwks: TtlCache[str, tuple[Mapping[str, object], ...]] = TtlCache(max_entries)

    def metadata(
        self, fetcher: Fetcher, discovery_url: str, now: int, *, development: bool
    ) -> ProviderMetadata:
        def fetch() -> tuple[ProviderMetadata, float]:
            document = fetcher.get_json(discovery_document_url(discovery_url))
            metadata = parse_metadata(document, discovery_url, development=development)
            return metadata, now + self.max_age

        return self._metadata.get_or_load((discovery_url, development), now, fetch)

    def key_resolver(
        self, fetcher: Fetcher, metadata: ProviderMetadata, now: int
    ) -> jose.KeyResolver:
        """The keys of ``metadata.jwks_uri`` that may have signed a token with this header
        (its ``alg`` is on the allow-list by then: ``jose.verify`` checks it first)."""

        def resolve(header: Mapping[str, object]) -> jose.Keys:
            alg, kid = header.get("alg"), header.get("kid")
            assert isinstance(alg, str)  # jose.check_header has accepted it
            found = _keys_for(self._jwks_of(fetcher, metadata.jwks_uri, now), alg, kid)
            if not found and kid is not None:  # a key rotated in since the last fetch
                found = _keys_for(self._jwks_of(fetcher, metadata.jwks_uri, now, True), alg, kid)
            if not found:
                raise OidcIdTokenInvalid("the provider publishes no key for the ID token")
            return found[:MAX_CANDIDATE_KEYS]

        return resolve

    def _jwks_of(
        self, fetcher: Fetcher, uri: str, now: int, refresh: bool = False
    ) -> tuple[Mapping[str, object], ...]:
        def fetch() -> tuple[tuple[Mapping[str, object], ...], float]:
            document = fetcher.get_json(uri)
            keys = document.get("keys") if isinstance(document, Mapping) else None
            if not isinstance(keys, list):
                raise OidcDiscoveryInvalid("the provider's jwks_uri holds no JWK set")
            return tuple(k for k in keys if isinstance(k, Mapping)), now + self.max_age

        if refresh:
            self._jwks.pop(uri)
        return self._jwks.get_or_load(uri, now, fetch)


def _keys_for(jwks: Sequence[Mapping[str, object]], alg: str, kid: object) -> list[jose.PublicKey]:
    found: list[jose.PublicKey] = []
    for jwk in jwks:
        if kid is not None and jwk.get("kid") != kid:
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            found.append(jose.PublicKey.from_jwk(jwk, alg=alg))
        except jose.JoseError:
            continue  # a key of another type or algorithm: not this token's
    return found


def authorization_request(
    metadata: ProviderMetadata, client: Client, redirect_uri: str
) -> tuple[str, PendingSignIn]:
    """The authentication request (Core §3.1.2.1) as a URL, and what to keep for the callback:
    ``state`` (CSRF, RFC 6749 §10.12), ``nonce`` (replay, Core §15.5.2) and the PKCE
    ``code_verifier`` (RFC 7636 §4.1: 32 random octets, base64url)."""
    pending = PendingSignIn(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(32),
    )
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": client.scope,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": code_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
        # §3.1.2.1: the learner signs in each time, never by a session the broker keeps, so
        # that no page can start a sign-in that completes without them (a phishing aid).
        "prompt": "login",
    }
    separator = "&" if urlsplit(metadata.authorization_endpoint).query else "?"
    return metadata.authorization_endpoint + separator + urlencode(params), pending


#: RFC 7636 §4.2, the one S256 of the project (the issuer's side checks with it too)
code_challenge = s256


def authorization_code(
    params: Mapping[str, str], pending: PendingSignIn, metadata: ProviderMetadata
) -> str:
    """The code of an authorization response (Core §3.1.2.5, §3.1.2.6), after its ``state``
    and ``iss`` (RFC 9207 §2.4) are checked; a provider's error becomes
    ``OidcAuthorizationFailed`` with its registered code only."""
    state = params.get("state")
    if state is None or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise OidcStateMismatch("the state of the response is not the one of this sign-in")
    iss = params.get("iss")
    # RFC 9207 §2.4: required when advertised, and always the provider's own (else mix-up).
    iss_expected = iss is not None or metadata.authorization_response_iss_parameter_supported
    if iss_expected and iss != metadata.issuer:
        raise OidcAuthorizationFailed("the response does not come from the expected issuer")
    if "error" in params:
        raise OidcAuthorizationFailed(f"the provider answered {_error_code(params.get('error'))}")
    code = params.get("code")
    if not code:
        raise OidcAuthorizationFailed("the response carries no authorization code")
    return code


def _error_code(value: object) -> str:
    """An OAuth error code fit for a message (RFC 6749 §5.2's charset, lowercase words)."""
    return value if isinstance(value, str) and _OAUTH_ERROR_CODE.fullmatch(value) else "an error"


def sign_in(
    fetcher: Fetcher,
    providers: Providers,
    metadata: ProviderMetadata,
    client: Client,
    code: str,
    pending: PendingSignIn,
    redirect_uri: str,
    *,
    now: int,
    skew: int,
    normalise_identity_number: Callable[[str], str],
) -> Identity:
    """Exchange ``code`` (Core §3.1.3.1) and validate the ID token (§3.1.3.7); the identity
    number claim is required and passed through ``normalise_identity_number`` (a
    ``ValueError`` from it makes the token invalid)."""
    id_token = exchange_code(fetcher, metadata, client, code, pending, redirect_uri, now=now)
    claims = verify_id_token(
        id_token,
        providers.key_resolver(fetcher, metadata, now),
        metadata,
        client,
        nonce=pending.nonce,
        now=now,
        skew=skew,
    )
    return identity(metadata.issuer, claims, client, normalise_identity_number)


def exchange_code(
    fetcher: Fetcher,
    metadata: ProviderMetadata,
    client: Client,
    code: str,
    pending: PendingSignIn,
    redirect_uri: str,
    *,
    now: int,
) -> str:
    """The token request (Core §3.1.3.1, RFC 7636 §4.5); returns the ID token (compact JWS)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": pending.code_verifier,
    }
    headers = {"Accept": "application/json"}
    if isinstance(client.auth, ClientSecretBasic):
        # RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
        pair = f"{quote_plus(client.client_id)}:{quote_plus(client.auth.secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_assertion_type"] = CLIENT_ASSERTION_TYPE
        form["client_assertion"] = client_assertion(client, client.auth.key, metadata, now)
    response = fetcher.request("POST", metadata.token_endpoint, data=form, headers=headers)
    try:
        body = jsontext.loads(response.content)
    except jsontext.JsonRejected:
        body = None
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, Mapping) else None
        raise OidcTokenError(f"the token endpoint refused the code: {_error_code(error)}")
    if not isinstance(body, Mapping):
        raise OidcTokenError("the token endpoint did not answer with a JSON object")
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise OidcTokenError("the token response carries no ID token")  # Core §3.1.3.3
    return id_token


def client_assertion(
    client: Client, key: jose.PrivateKey, metadata: ProviderMetadata, now: int
) -> str:
    """RFC 7523 §3 (Core §9): ``iss`` = ``sub`` = client_id, ``aud`` = the token endpoint, a
    fresh ``jti``, a short ``exp``."""
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": metadata.token_endpoint,
        "jti": secrets.token_urlsafe(24),
        "iat": now,
        "exp": now + CLIENT_ASSERTION_LIFETIME,
    }
    return jose.sign(claims, key, typ="JWT")


def verify_id_token(
    token: str,
    keys: jose.KeyResolver,
    metadata: ProviderMetadata,
    client: Client,
    *,
    nonce: str,
    now: int,
    skew: int,
) -> jose.JsonObject:
    """ID token validation, OpenID Connect Core 1.0 §3.1.3.7; returns its claims."""
    try:
        # Steps 6–8: the signature, by a key of the provider's jwks_uri, with an algorithm of
        # the allow-list (RFC 8725 §3.1) that the provider also advertises. ID tokens carry
        # no typ, or the generic "JWT" (typ=None).
        algorithms = ID_TOKEN_ALGORITHMS & metadata.id_token_signing_alg_values_supported
        claims = jose.verify(token, keys, typ=None, algorithms=algorithms).payload
    except jose.JoseError as exc:
        raise OidcIdTokenInvalid(f"the ID token's signature is not valid: {exc.title}") from None
    if claims.get("iss") != metadata.issuer:  # step 2
        raise OidcIdTokenInvalid("the ID token comes from another issuer")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client.client_id not in audiences:  # step 3
        raise OidcIdTokenInvalid("the ID token is not meant for this client")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client.client_id:  # steps 4–5
        raise OidcIdTokenInvalid("the ID token was issued to another party (azp)")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise OidcIdTokenInvalid("the ID token lacks exp or iat")
    if now >= exp + skew:  # step 9
        raise OidcIdTokenInvalid("the ID token has expired")
    if iat > now + skew or iat < now - ID_TOKEN_MAX_AGE - skew:  # step 10
        raise OidcIdTokenInvalid("the ID token was issued at an implausible time")
    got = claims.get("nonce")  # step 11: the nonce of this sign-in, a replay otherwise
    if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
        raise OidcIdTokenInvalid("the ID token's nonce is not the one of this sign-in")
    sub = claims.get("sub")  # §2: sub is REQUIRED, at most 255 ASCII characters
    if not isinstance(sub, str) or not sub or len(sub) > 255 or not sub.isascii():
        raise OidcIdTokenInvalid("the ID token has no valid sub")
    return claims


def identity(
    issuer: str,
    claims: Mapping[str, object],
    client: Client,
    normalise_identity_number: Callable[[str], str],
) -> Identity:
    """The person of a validated ID token; the identity number claim is required."""
    number = claims.get(client.personal_identity_number_claim)
    if not isinstance(number, str):
        raise OidcIdTokenInvalid("the ID token carries no personal identity number")
    try:
        normalised = normalise_identity_number(number)
    except ValueError:  # its message never holds the number (schemas.personnummer)
        raise OidcIdTokenInvalid("the ID token's personal identity number is not valid") from None
    given, family = claims.get("given_name"), claims.get("family_name")
    return Identity(
        issuer=issuer,
        subject=str(claims["sub"]),
        personal_identity_number=normalised,
        given_name=given if isinstance(given, str) else None,
        family_name=family if isinstance(family, str) else None,
    )
