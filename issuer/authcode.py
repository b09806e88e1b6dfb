"""The authorization code flow of the issuer (OpenID4VCI 1.0 §5, §6; HAIP 1.0 §4): a learner
collects their records after signing in with their eID.

PAR (RFC 9126) → the authorization endpoint (only pushed requests; the eID sign-in starts,
bound to the browser by an HttpOnly cookie whose hash keys the sealed ``PendingSignIn``) →
the eID callback (the learner's personal identity number; a single-use authorization code,
hashed, bound to the client, the redirect URI, the PKCE challenge and the configurations;
RFC 9207 ``iss`` in the response) → the token endpoint (PKCE ``S256``, DPoP required:
a DPoP-bound access token, a rotating DPoP-bound refresh token, and ``authorization_details``
whose ``credential_identifiers`` are the learner's record ids) → the credential endpoint
(``credential_identifier``; ``issuer.deferred.issue_record``).

Each request checks everything before it writes, and single use (request URI, sign-in, code,
refresh token) is decided by conditional updates, so a refused request leaves the database as
it was (except a spent DPoP ``jti``, by design: ``issuance.remember_jti``). Codes, tokens and
the personal identity number never appear in an error. No FastAPI here.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Final
from urllib.parse import urlencode, urlsplit

from sqlmodel import Session

from core import oidc
from core.db import session_scope
from core.errors import InvalidInput, Unauthenticated
from core.runtime import Runtime
from core.standards import authorization_code as ac
from core.standards import dpop, oid4vci
from core.tokens import hash_secret, new_secret
from issuer import attestation, deferred, eid, issuance, records, service
from issuer import authcode_repository as sql
from issuer.metadata import SCOPES, IssuerUrls
from issuer.models import (
    GrantTokenKind,
    IssuerAuthorization,
    IssuerGrantToken,
    IssuerPushedRequest,
    IssuerSignIn,
    IssuerTenant,
)

PAR_TTL: Final = 60  # RFC 9126 §2.2: short; the wallet redirects at once
SIGN_IN_TTL: Final = 600  # the learner has ten minutes at the eID provider
CODE_TTL: Final = 60  # RFC 6749 §4.1.2: a maximum of ten minutes is recommended
REFRESH_TTL: Final = 30 * 86_400
SIGN_IN_COOKIE: Final = "intyg_eid_sign_in"
UNKNOWN_REQUEST: Final = "the request_uri is unknown, used or expired"


def _bound_to(authorization_id: str) -> str:
    return f"authz:{authorization_id}"


def _person_aad(authorization_id: str) -> str:
    return f"issuer-authorization-person:{authorization_id}"


def _pending_aad(cookie_hash: str) -> str:
    return f"issuer-sign-in:{cookie_hash}"


# --- PAR (RFC 9126 §2) ------------------------------------------------------------------------


def push(
    session: Session,
    rt: Runtime,
    slug: str,
    form: Mapping[str, str],
    client_attestation: tuple[str | None, str | None] = (None, None),
) -> dict[str, object]:
    """§2.1 a pushed authorization request from a public client; §2.2 its ``request_uri``."""
    tenant = service.cached_tenant(rt, slug)
    if "request_uri" in form:  # §2.1: MUST NOT be given here
        raise oid4vci.InvalidRequest("request_uri is not allowed in a pushed request")
    client_id = form.get("client_id")
    if not client_id or len(client_id) > 255:
        raise oid4vci.InvalidRequest("client_id is missing")
    attestation.check_client(session, rt, tenant, client_attestation, client_id)
    if form.get("response_type") != ac.RESPONSE_TYPE_CODE:
        raise ac.UnsupportedResponseType("response_type must be code")
    redirect_uri = ac.redirect_uri(form.get("redirect_uri"), development=rt.settings.development)
    if form.get("code_challenge_method") != ac.PKCE_S256:  # HAIP 1.0 §4: S256 only
        raise oid4vci.InvalidRequest("code_challenge_method must be S256")
    challenge = ac.pkce_value(form.get("code_challenge"), "code_challenge")
    state = form.get("state")
    if state is not None and len(state) > 1024:
        raise oid4vci.InvalidRequest("state is too long")
    configurations, by_details = ac.requested_configurations(
        form.get("scope"), form.get("authorization_details"), SCOPES
    )
    request_uri = ac.REQUEST_URI_PREFIX + new_secret()
    now = rt.clock.now()
    if secrets.randbelow(100) == 0:  # now and then, as issuance does with spent nonces
        sql.purge_expired(session, now, SIGN_IN_TTL)
    sql.insert(
        session,
        IssuerPushedRequest(
            request_hash=hash_secret(request_uri),
            issuer_id=tenant.id,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            state=state,
            configuration_ids=configurations,
            by_details=by_details,
            created_at=now,
            expires_at=now + PAR_TTL,
        ),
    )
    session.commit()
    return {"request_uri": request_uri, "expires_in": PAR_TTL}


# --- the authorization endpoint (RFC 9126 §4) ----------------------------------------------------


@dataclass(frozen=True)
class SignInStarted:
    """Send the browser to ``location``; set ``cookie`` (HttpOnly) for the callback."""

    location: str
    cookie: str

    def __repr__(self) -> str:
        return "SignInStarted(<hidden>)"


def authorize(
    session: Session, rt: Runtime, slug: str, client_id: str | None, request_uri: str | None
) -> SignInStarted:
    tenant = service.cached_tenant(rt, slug)
    if not request_uri:  # RFC 9126 §5: this issuer requires pushed authorization requests
        raise oid4vci.InvalidRequest("this issuer takes only pushed authorization requests")
    if not client_id:
        raise oid4vci.InvalidRequest("client_id is missing")
    request_hash = hash_secret(request_uri)
    # Read outside the write transaction (SQLite's writer lock); the conditional update decides.
    now = rt.clock.now()
    with session_scope(rt.engine, read_only=True) as reading:
        pushed = sql.pushed_request(reading, tenant.id, request_hash)
        if (
            pushed is None
            or pushed.used_at is not None
            or pushed.expires_at <= now
            or not secrets.compare_digest(pushed.client_id.encode(), client_id.encode())
        ):
            raise oid4vci.InvalidRequest(UNKNOWN_REQUEST)
        connection = eid.connection(reading, rt, tenant)
    location, pending = eid.begin(rt, connection, connection.redirect_uri)
    cookie = new_secret()
    cookie_hash = hash_secret(cookie)
    sealed = rt.master_key.seal(json.dumps(asdict(pending)).encode(), _pending_aad(cookie_hash))
    if not sql.use_pushed_request(session, request_hash, now):
        session.rollback()
        raise oid4vci.InvalidRequest(UNKNOWN_REQUEST)
    sql.insert(
        session,
        IssuerSignIn(
            cookie_hash=cookie_hash,
            issuer_id=tenant.id,
            request_hash=request_hash,
            sealed_pending=sealed,
            expires_at=now + SIGN_IN_TTL,
        ),
    )
    session.commit()
    return SignInStarted(location, cookie)


# --- the eID callback: the authorization response (§5.2, RFC 9207) ---------------------------


def callback(
    session: Session, rt: Runtime, slug: str, cookie: str | None, response: Mapping[str, str]
) -> str:
    """Where to send the browser: the wallet's ``redirect_uri`` with ``code``, ``state`` and
    ``iss``, or with ``error=access_denied`` when the eID sign-in failed."""
    tenant = service.cached_tenant(rt, slug)
    if not cookie:
        raise oid4vci.InvalidRequest("no eID sign-in is under way in this browser")
    cookie_hash = hash_secret(cookie)
    with session_scope(rt.engine, read_only=True) as reading:
        sign_in = sql.sign_in(reading, tenant.id, cookie_hash)
        pushed = (
            None
            if sign_in is None
            else sql.pushed_request(reading, tenant.id, sign_in.request_hash)
        )
        connection = eid.connection(reading, rt, tenant)
    now = rt.clock.now()
    if (
        sign_in is None
        or pushed is None
        or sign_in.used_at is not None
        or sign_in.expires_at <= now
    ):
        raise oid4vci.InvalidRequest("the eID sign-in of this browser is unknown, used or expired")
    pending = oidc.PendingSignIn(
        **json.loads(rt.master_key.open(sign_in.sealed_pending, _pending_aad(cookie_hash)))
    )
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    try:
        identity = eid.finish(rt, connection, response, pending, connection.redirect_uri)
    except (Unauthenticated, InvalidInput):  # the learner did not sign in, or not validly
        return _redirect(pushed, {"error": "access_denied", "iss": urls.issuer})
    code = new_secret()
    authorization_id = str(uuid.uuid4())
    person = identity.personal_identity_number
    if not sql.use_sign_in(session, cookie_hash, now):
        session.rollback()
        raise oid4vci.InvalidRequest("the eID sign-in of this browser is unknown, used or expired")
    sql.insert(
        session,
        IssuerAuthorization(
            id=authorization_id,
            issuer_id=tenant.id,
            code_hash=hash_secret(code),
            client_id=pushed.client_id,
            redirect_uri=pushed.redirect_uri,
            code_challenge=pushed.code_challenge,
            configuration_ids=pushed.configuration_ids,
            sealed_person=rt.master_key.seal(person.encode(), _person_aad(authorization_id)),
            created_at=now,
            code_expires_at=now + CODE_TTL,
        ),
    )
    session.commit()
    return _redirect(pushed, {"code": code, "iss": urls.issuer})


def _redirect(pushed: IssuerPushedRequest, params: dict[str, str]) -> str:
    if pushed.state is not None:
        params["state"] = pushed.state
    separator = "&" if urlsplit(pushed.redirect_uri).query else "?"
    return pushed.redirect_uri + separator + urlencode(params)


# --- the token endpoint (§6): authorization_code and refresh_token ---------------------------


def token(
    session: Session, rt: Runtime, slug: str, request: issuance.TokenRequest
) -> dict[str, object]:
    tenant = service.cached_tenant(rt, slug)
    form = request.form
    grant_type = form.get("grant_type")
    if grant_type not in (ac.AUTHORIZATION_CODE_GRANT, ac.REFRESH_TOKEN_GRANT):
        return issuance.token(session, rt, slug, request)
    if request.dpop_proof is None:  # HAIP 1.0 §4: DPoP-bound tokens in this flow
        raise dpop.InvalidDpopProof("this grant needs a DPoP proof")
    attestation.check_client(session, rt, tenant, request.client_attestation, form.get("client_id"))
    if grant_type == ac.AUTHORIZATION_CODE_GRANT:
        return _by_code(session, rt, tenant, request)
    return _by_refresh(session, rt, tenant, request)


def _by_code(
    session: Session, rt: Runtime, tenant: IssuerTenant, request: issuance.TokenRequest
) -> dict[str, object]:
    form = request.form
    code, redirect_uri, client_id = (form.get(k) for k in ("code", "redirect_uri", "client_id"))
    if not code or not redirect_uri or not client_id:
        raise oid4vci.InvalidRequest("code, redirect_uri and client_id are required")
    verifier = ac.pkce_value(form.get("code_verifier"), "code_verifier")
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    jkt = issuance.dpop_for_token(session, rt, tenant, request.dpop_proof, urls.token)
    assert jkt is not None  # a proof was given
    with session_scope(rt.engine, read_only=True) as reading:
        row = sql.authorization_by_code(reading, tenant.id, hash_secret(code))
    now = rt.clock.now()
    if row is None or row.code_used_at is not None or row.code_expires_at <= now:
        raise oid4vci.InvalidGrant("the authorization code is unknown, used or expired")
    if not secrets.compare_digest(row.client_id.encode(), client_id.encode()):
        raise oid4vci.InvalidGrant("the code was issued to another client")
    if not secrets.compare_digest(row.redirect_uri.encode(), redirect_uri.encode()):
        raise oid4vci.InvalidGrant("redirect_uri is not the one of the authorization request")
    if not ac.verifier_matches(verifier, row.code_challenge):  # RFC 7636 §4.6
        raise oid4vci.InvalidGrant("the code_verifier does not match the code_challenge")
    if not sql.use_code(session, row.id, now):
        session.rollback()
        raise oid4vci.InvalidGrant("the authorization code is unknown, used or expired")
    return _tokens(session, rt, tenant, row, jkt, now)


def _by_refresh(
    session: Session, rt: Runtime, tenant: IssuerTenant, request: issuance.TokenRequest
) -> dict[str, object]:
    form = request.form
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise oid4vci.InvalidRequest("refresh_token is missing")
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    jkt = issuance.dpop_for_token(session, rt, tenant, request.dpop_proof, urls.token)
    assert jkt is not None
    token_hash = hash_secret(refresh_token)
    with session_scope(rt.engine, read_only=True) as reading:
        held = sql.grant_token(reading, token_hash, GrantTokenKind.REFRESH)
        row = None if held is None else sql.authorization(reading, tenant.id, held.authorization_id)
    now = rt.clock.now()
    if held is None or row is None or held.used_at is not None or held.expires_at <= now:
        raise oid4vci.InvalidGrant("the refresh token is unknown, used or expired")
    if not secrets.compare_digest(held.dpop_jkt, jkt):  # RFC 9449 §5
        raise oid4vci.InvalidGrant("the refresh token is bound to another DPoP key")
    client_id = form.get("client_id")
    if client_id is not None and not secrets.compare_digest(
        row.client_id.encode(), client_id.encode()
    ):
        raise oid4vci.InvalidGrant("the refresh token was issued to another client")
    if not sql.use_refresh_token(session, token_hash, now):  # rotation: spent once
        session.rollback()
        raise oid4vci.InvalidGrant("the refresh token is unknown, used or expired")
    return _tokens(session, rt, tenant, row, jkt, now)


def _tokens(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    row: IssuerAuthorization,
    jkt: str,
    now: int,
) -> dict[str, object]:
    """A new access token and refresh token, both bound to ``jkt``; committed. §6.2: the
    ``credential_identifiers`` are the learner's records now (new ones show on refresh)."""
    person = rt.master_key.open(row.sealed_person, _person_aad(row.id)).decode()
    identifiers = [view.id for view in records.records_for(session, rt, tenant, person)]
    access_token, refresh_token = new_secret(), new_secret()
    ttl = rt.settings.access_token_ttl_seconds
    for value, kind, expires_at in (
        (access_token, GrantTokenKind.ACCESS, now + ttl),
        (refresh_token, GrantTokenKind.REFRESH, now + REFRESH_TTL),
    ):
        sql.insert(
            session,
            IssuerGrantToken(
                token_hash=hash_secret(value),
                authorization_id=row.id,
                kind=kind,
                dpop_jkt=jkt,
                expires_at=expires_at,
            ),
        )
    session.commit()
    return {
        "access_token": access_token,
        "token_type": "DPoP",
        "expires_in": ttl,
        "refresh_token": refresh_token,
        "authorization_details": ac.token_details(list(row.configuration_ids), identifiers),
    }


# --- the credential endpoint (§8) with an access token of this flow --------------------------


@dataclass(frozen=True)
class CredentialAnswer:
    status: int  # 200, or 202 for a deferred issuance (§8.3)
    body: dict[str, object]


def credential(
    session: Session, rt: Runtime, slug: str, request: issuance.CredentialRequest
) -> CredentialAnswer:
    """An access token of this flow issues a record by ``credential_identifier``; any other
    is the pre-authorized flow's (``issuance.credential``)."""
    tenant = service.cached_tenant(rt, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    row = _authorization_of_token(session, rt, tenant, request, urls.credential)
    if row is None:
        return CredentialAnswer(200, issuance.credential(session, rt, slug, request))
    now = rt.clock.now()
    record_id = _credential_identifier(request.body)
    assert isinstance(request.body, dict)
    proofs = issuance.proof_jwts(request.body)
    holder_keys, nonce = issuance.verified_holder_keys(rt, tenant, proofs, urls.issuer, now)
    person = rt.master_key.open(row.sealed_person, _person_aad(row.id)).decode()
    issuance.spend_nonce(session, tenant, nonce, now)
    try:
        result = deferred.issue_record(
            session,
            rt,
            tenant,
            record_id,
            holder_keys,
            personnummer=person,
            bound_to=_bound_to(row.id),
        )
    except records.RecordNotFound:
        session.rollback()
        raise ac.UnknownCredentialIdentifier("no such credential of this grant") from None
    session.commit()
    return CredentialAnswer(
        202 if isinstance(result, deferred.Deferred) else 200, result.response()
    )


def grant_of_token(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    request: issuance.CredentialRequest,
    uri: str,
) -> str | None:
    """The grant (``bound_to``) of an access token of this flow, presented with its DPoP proof
    for ``uri`` — for the deferred credential and notification endpoints; None for a token of
    the pre-authorized flow."""
    row = _authorization_of_token(session, rt, tenant, request, uri)
    return None if row is None else _bound_to(row.id)


def _authorization_of_token(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    request: issuance.CredentialRequest,
    uri: str,
) -> IssuerAuthorization | None:
    """The authorization an access token of this flow belongs to (its DPoP proof checked),
    None when the token is not one of this flow's."""
    value = (request.authorization or "").partition(" ")[2].strip()
    with session_scope(rt.engine, read_only=True) as reading:
        held = sql.grant_token(reading, hash_secret(value), GrantTokenKind.ACCESS)
        row = None if held is None else sql.authorization(reading, tenant.id, held.authorization_id)
    if held is None:
        return None
    if row is None or held.expires_at <= rt.clock.now():  # another issuer's: like an unknown one
        raise oid4vci.InvalidToken("the access token is unknown, used or expired")
    issuance.dpop_at_resource(session, rt, request, uri, value, held.dpop_jkt)
    return row


def _credential_identifier(body: object) -> str:
    """§8.2: ``credential_identifier`` (from the token response), never together with
    ``credential_configuration_id``."""
    if not isinstance(body, dict):
        raise oid4vci.InvalidCredentialRequest("the request body must be a JSON object")
    if "credential_configuration_id" in body:
        raise oid4vci.InvalidCredentialRequest(
            "this token names credentials by credential_identifier"
        )
    identifier = body.get("credential_identifier")
    if not isinstance(identifier, str) or not identifier:
        raise oid4vci.InvalidCredentialRequest("credential_identifier is missing")
    return identifier
