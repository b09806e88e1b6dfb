"""The issuer's eID broker: learners sign in through an OpenID Connect provider (BankID, Freja
eID or the Swedish state eID behind a broker), and the personal identity number of the ID
token keys their records.

Each issuer has at most one connection: the broker's discovery URL, Intyg's ``client_id``
there, and how Intyg authenticates at its token endpoint: ``client_secret_basic`` (the secret
sealed under the master key) or ``private_key_jwt`` (an ES256 key Intyg generates, sealed;
its public half is published at ``/issuers/{slug}/eid/jwks.json`` for the broker). The
protocol is ``core.oidc``'s; this module keeps the configuration and binds it to a tenant.

Use: ``connection`` → ``begin`` (send the browser to the URL, keep the ``PendingSignIn``
bound to the browser) → the broker redirects to ``…/eid/callback`` → ``finish`` with the
callback's query parameters → an ``oidc.Identity`` with the normalised personnummer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from core import jose, oidc
from core.config import check_public_url
from core.errors import InvalidInput, NotFound
from core.runtime import Runtime
from issuer import repository
from issuer.metadata import IssuerUrls
from issuer.models import IssuerEidConnection, IssuerTenant
from schemas import personnummer

AUTH_METHODS = (oidc.PRIVATE_KEY_JWT, oidc.CLIENT_SECRET_BASIC)


class EidConnectionInvalid(InvalidInput):
    code = "issuer_eid_connection_invalid"
    title = "The eID connection cannot be used as given"


class EidNotConfigured(NotFound):
    code = "issuer_eid_not_configured"
    title = "The issuer has no eID connection"


@dataclass(frozen=True)
class Connection:
    """An issuer's eID connection, ready to use (its secret or key unsealed; neither shows in
    the ``repr``)."""

    issuer_id: str
    discovery_url: str
    client: oidc.Client
    redirect_uri: str  # …/issuers/{slug}/eid/callback, as registered at the broker
    jwks_uri: str | None  # …/issuers/{slug}/eid/jwks.json, for private_key_jwt

    @property
    def auth_method(self) -> str:
        return (
            oidc.PRIVATE_KEY_JWT
            if isinstance(self.client.auth, oidc.PrivateKeyJwt)
            else oidc.CLIENT_SECRET_BASIC
        )


def _secret_aad(issuer_id: str) -> str:
    return f"issuer-eid-client-secret:{issuer_id}"


def _key_aad(issuer_id: str, kid: str) -> str:
    return f"issuer-eid-client-key:{issuer_id}:{kid}"


def configure(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    *,
    discovery_url: str,
    client_id: str,
    auth_method: str,
    client_secret: str | None = None,
    scope: str = oidc.DEFAULT_SCOPE,
    identity_claim: str = oidc.CLAIM_PERSONAL_IDENTITY_NUMBER,
) -> Connection:
    """Create or replace the issuer's connection (committed). A ``private_key_jwt`` connection
    keeps its key when it is configured again, so the broker's registration stays valid."""
    _check(rt, discovery_url, client_id, auth_method, client_secret, scope, identity_claim)
    now = rt.clock.now()
    row = repository.eid_connection(session, tenant.id) or IssuerEidConnection(
        issuer_id=tenant.id,
        discovery_url=discovery_url,
        client_id=client_id,
        auth_method=auth_method,
        scope=scope,
        identity_claim=identity_claim,
        created_at=now,
        updated_at=now,
    )
    row.discovery_url, row.client_id, row.auth_method = discovery_url, client_id, auth_method
    row.scope, row.identity_claim, row.updated_at = scope, identity_claim, now
    if auth_method == oidc.CLIENT_SECRET_BASIC:
        assert client_secret is not None  # _check
        row.sealed_secret = rt.master_key.seal(client_secret.encode(), _secret_aad(tenant.id))
        row.sealed_client_key = row.client_public_jwk = None
    else:
        row.sealed_secret = None
        if row.sealed_client_key is None or row.client_public_jwk is None:
            key = jose.PrivateKey.generate(jose.ES256)
            private = json.dumps(key.private_jwk()).encode()
            row.sealed_client_key = rt.master_key.seal(private, _key_aad(tenant.id, key.kid))
            row.client_public_jwk = {k: str(v) for k, v in key.public.jwk.items()}
    repository.save_eid_connection(session, row)
    session.commit()
    return _connection(rt, tenant, row)


def _check(
    rt: Runtime,
    discovery_url: str,
    client_id: str,
    auth_method: str,
    client_secret: str | None,
    scope: str,
    identity_claim: str,
) -> None:
    try:
        check_public_url(discovery_url, development=rt.settings.development)
    except ValueError:
        raise EidConnectionInvalid(
            "the discovery URL must be https (http only for loopback in development)"
        ) from None
    if not client_id.strip():
        raise EidConnectionInvalid("the client id is empty")
    if auth_method not in AUTH_METHODS:
        raise EidConnectionInvalid(f"the client authentication is one of {', '.join(AUTH_METHODS)}")
    if (auth_method == oidc.CLIENT_SECRET_BASIC) != bool(client_secret):
        raise EidConnectionInvalid(
            "a client secret is given with client_secret_basic, and only with it"
        )
    if oidc.SCOPE_OPENID not in scope.split(" "):  # OpenID Connect Core 1.0 §3.1.2.1
        raise EidConnectionInvalid("the scope must include openid")
    if not identity_claim.strip():
        raise EidConnectionInvalid("the personal identity number claim is empty")


def connection(session: Session, rt: Runtime, tenant: IssuerTenant) -> Connection:
    """The issuer's connection; ``EidNotConfigured`` when it has none."""
    row = repository.eid_connection(session, tenant.id)
    if row is None:
        raise EidNotConfigured(f"the issuer {tenant.slug!r} has no eID connection")
    return _connection(rt, tenant, row)


def _connection(rt: Runtime, tenant: IssuerTenant, row: IssuerEidConnection) -> Connection:
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    auth: oidc.ClientSecretBasic | oidc.PrivateKeyJwt
    if row.auth_method == oidc.CLIENT_SECRET_BASIC and row.sealed_secret is not None:
        auth = oidc.ClientSecretBasic(
            rt.master_key.open(row.sealed_secret, _secret_aad(row.issuer_id)).decode()
        )
    elif row.sealed_client_key is not None and row.client_public_jwk is not None:
        kid = row.client_public_jwk["kid"]
        private = rt.master_key.open(row.sealed_client_key, _key_aad(row.issuer_id, kid))
        auth = oidc.PrivateKeyJwt(jose.PrivateKey.from_jwk(json.loads(private)))
    else:
        raise EidNotConfigured("the eID connection has no client credentials")
    return Connection(
        issuer_id=row.issuer_id,
        discovery_url=row.discovery_url,
        client=oidc.Client(
            client_id=row.client_id,
            auth=auth,
            scope=row.scope,
            personal_identity_number_claim=row.identity_claim,
        ),
        redirect_uri=urls.eid_callback,
        jwks_uri=urls.eid_jwks if isinstance(auth, oidc.PrivateKeyJwt) else None,
    )


def public_jwks(session: Session, tenant: IssuerTenant) -> dict[str, list[dict[str, str]]]:
    """The JWK set the broker verifies Intyg's client assertions with (``private_key_jwt``)."""
    row = repository.eid_connection(session, tenant.id)
    if row is None or row.auth_method != oidc.PRIVATE_KEY_JWT or row.client_public_jwk is None:
        raise EidNotConfigured(f"the issuer {tenant.slug!r} has no private_key_jwt eID client")
    return {"keys": [{**row.client_public_jwk, "use": "sig"}]}


def provider(rt: Runtime, conn: Connection) -> oidc.ProviderMetadata:
    """The broker's discovery document (cached), checked, and fit for this connection."""
    metadata = rt.caches.oidc_providers.metadata(
        rt.fetcher, conn.discovery_url, rt.clock.now(), development=rt.settings.development
    )
    if conn.auth_method not in metadata.token_endpoint_auth_methods_supported:
        raise oidc.OidcDiscoveryInvalid(f"the provider does not accept {conn.auth_method}")
    return metadata


def begin(rt: Runtime, conn: Connection, redirect_uri: str) -> tuple[str, oidc.PendingSignIn]:
    """The URL to send the learner's browser to, and what to keep, bound to that browser
    (e.g. sealed in a cookie or a server-side session), until ``finish``."""
    return oidc.authorization_request(provider(rt, conn), conn.client, redirect_uri)


def finish(
    rt: Runtime,
    conn: Connection,
    response: Mapping[str, str],
    kept: oidc.PendingSignIn,
    redirect_uri: str,
) -> oidc.Identity:
    """The learner who signed in: ``response`` is the callback's query parameters (their
    ``state`` and ``iss`` are checked before the code is used); the personal identity number
    is validated and normalised to ``YYYYMMDDNNNN`` (``schemas.personnummer``)."""
    metadata = provider(rt, conn)
    code = oidc.authorization_code(response, kept, metadata)
    now = rt.clock.now()
    today = datetime.fromtimestamp(now, UTC).date()
    return oidc.sign_in(
        rt.fetcher,
        rt.caches.oidc_providers,
        metadata,
        conn.client,
        code,
        kept,
        redirect_uri,
        now=now,
        skew=rt.settings.clock_skew_seconds,
        normalise_identity_number=lambda v: personnummer.normalise_personnummer(v, today=today),
    )
