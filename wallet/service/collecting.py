"""Collecting credentials: the wallet as an OpenID4VCI 1.0 client of the authorization code
flow (§5; HAIP 1.0 §4), a public client with PKCE (RFC 7636), PAR (RFC 9126), DPoP-bound
tokens (RFC 9449) and the ``iss`` of the authorization response checked (RFC 9207 §2.4).

``start``: discover the issuer (``receiving.discover_issuer``), push the authorization request
(``authorization_details`` of type ``openid_credential``; the PKCE challenge; ``state``) and
keep the verifier, ``state`` and the grant's DPoP key sealed in a ``WalletCollection`` bound
to the holder; the browser goes to the issuer's authorization endpoint. ``finish``: the
browser is back with ``code``, ``state`` and ``iss``; the collection of this holder and
``state`` is claimed (one caller wins, so a replayed callback is refused), the code redeemed,
every record of ``authorization_details[].credential_identifiers`` collected with a fresh
holder key, verified, stored and reported as the pre-authorized path does
(``receiving.accept``); a record that is not ready answers ``transaction_id`` (§9) and is kept
with its holder key, the refresh token and the DPoP key, sealed, for ``poll``. A failure
before the code is spent leaves the database as it was; a failure after it restores the
collection (the code is spent at the issuer: the holder starts again).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode, urlsplit

from sqlmodel import Session

from core import jose
from core.db import before_network_call
from core.errors import Forbidden, InvalidInput
from core.runtime import Runtime
from core.standards.authorization_code import s256
from core.tokens import hash_secret
from wallet import repository
from wallet.models import CollectionState, WalletCollection, WalletCredential, WalletHolder
from wallet.service import attesting, vault
from wallet.service.receiving import (
    IssuedCredentials,
    IssuerEndpoints,
    IssuerProtocolError,
    IssuerRefused,
    accept,
    access_token_of,
    discover_issuer,
    fresh_proof,
    json_object,
    post_json,
    token_request,
)

SIGN_IN_TTL: Final = 600  # the holder has ten minutes at the issuer's eID sign-in
GRANT_TTL: Final = 30 * 86_400  # as long as the issuer's refresh tokens live (at most)
CALLBACK_PATH: Final = "/wallet/collect/callback"


class CollectStateMismatch(InvalidInput):
    code = "collect_state_mismatch"
    title = "The sign-in does not belong to a collection this wallet started"


class CollectIssMismatch(InvalidInput):
    code = "collect_iss_mismatch"
    title = "The sign-in answer does not come from the issuer the collection started at"


class CollectDenied(Forbidden):
    code = "collect_access_denied"
    title = "The sign-in at the issuer was cancelled or refused"


def client_id(rt: Runtime) -> str:
    """The one client_id of the hosted wallet: the ``sub`` its wallet attestation names."""
    return attesting.client_id(rt)


def redirect_uri(rt: Runtime) -> str:
    return f"{rt.settings.public_url}{CALLBACK_PATH}"


def start(session: Session, rt: Runtime, holder: WalletHolder, issuer_url: str) -> str:
    """Push the authorization request; the URL to send the holder's browser to."""
    before_network_call(session)
    endpoints = discover_issuer(rt.fetcher, issuer_url, None)
    if endpoints.par is None or endpoints.authorization is None:
        raise IssuerProtocolError("the issuer does not offer pushed authorization requests")
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    dpop_key = jose.PrivateKey.generate()
    details = [
        {"type": "openid_credential", "credential_configuration_id": endpoints.configuration_id}
    ]
    form = {
        "client_id": client_id(rt),
        "response_type": "code",
        "redirect_uri": redirect_uri(rt),
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "state": state,
        "authorization_details": json.dumps(details),
    }
    headers = {}  # the wallet's attestation, when the issuer asks for one (HAIP 1.0 §4.3)
    if endpoints.attestation_audience is not None:
        headers = attesting.client_headers(rt, endpoints.attestation_audience)
    response = rt.fetcher.request("POST", endpoints.par, data=form, headers=headers)
    pushed = json_object(response.content, endpoints.par)
    if response.status_code not in (200, 201):
        raise IssuerRefused(f"the issuer refused the request: {pushed.get('error', '?')}")
    request_uri = pushed.get("request_uri")
    if not isinstance(request_uri, str):
        raise IssuerProtocolError("the pushed authorization response has no request_uri")
    now = rt.clock.now()
    row_id = str(uuid.uuid4())
    document = {
        "verifier": verifier,
        "state": state,
        "dpop_jwk": dict(dpop_key.private_jwk()),
        "configuration_id": endpoints.configuration_id,
        "authorization_server": endpoints.authorization_server,
    }
    repository.add_collection(
        session,
        WalletCollection(
            id=row_id,
            holder_id=holder.id,
            issuer=endpoints.credential_issuer,
            state=CollectionState.AUTHORIZING,
            state_hash=hash_secret(state),
            sealed=_seal(rt, holder, row_id, document),
            created_at=now,
            expires_at=now + SIGN_IN_TTL,
        ),
    )
    session.commit()
    query = urlencode({"client_id": client_id(rt), "request_uri": request_uri})
    separator = "&" if urlsplit(endpoints.authorization).query else "?"  # RFC 6749 §3.1
    return f"{endpoints.authorization}{separator}{query}"


@dataclass(frozen=True)
class Collected:
    credentials: list[WalletCredential]
    pending: int  # records the issuer deferred (§9): ``poll`` collects them later


def finish(
    session: Session, rt: Runtime, holder: WalletHolder, params: Mapping[str, str]
) -> Collected:
    """The authorization response (RFC 6749 §4.1.2, RFC 9207): check, redeem, collect."""
    state = params.get("state") or ""
    row = repository.collection_by_state(
        session,
        holder.id,
        hash_secret(state),
        state=CollectionState.AUTHORIZING,
        now=rt.clock.now(),
    )
    if row is None or not state:
        raise CollectStateMismatch("no collection of yours is waiting for this state")
    document = _open(rt, holder, row)
    if params.get("iss") != document["authorization_server"]:  # RFC 9207 §2.4
        raise CollectIssMismatch("the iss of the answer is not the collection's issuer")
    if "error" in params:
        raise CollectDenied("the issuer answered access_denied: nothing was collected")
    code = params.get("code")
    if not code:
        raise CollectStateMismatch("the answer has neither a code nor an error")
    if not repository.claim_collection(
        session, row.id, state=CollectionState.AUTHORIZING, to=CollectionState.REDEEMING
    ):
        raise CollectStateMismatch("this collection is already being finished")
    session.commit()
    try:
        return _redeem(session, rt, holder, row, document, code)
    except Exception:
        session.rollback()
        repository.claim_collection(
            session, row.id, state=CollectionState.REDEEMING, to=CollectionState.AUTHORIZING
        )
        session.commit()
        raise


def _redeem(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    row: WalletCollection,
    document: dict[str, object],
    code: str,
) -> Collected:
    endpoints = discover_issuer(rt.fetcher, row.issuer, str(document["configuration_id"]))
    dpop_key = jose.PrivateKey.from_jwk(_jwk(document))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(rt),
        "code_verifier": str(document["verifier"]),
        "client_id": client_id(rt),
    }
    body = token_request(
        rt, rt.fetcher, endpoints.token, form, dpop_key, endpoints.attestation_audience
    )
    token, expires_at = access_token_of(rt, body, dpop_key)
    refresh_token = body.get("refresh_token")
    grant = {
        "configuration_id": endpoints.configuration_id,
        "dpop_jwk": document["dpop_jwk"],
        "refresh_token": refresh_token if isinstance(refresh_token, str) else None,
        "pending": [],
    }
    received: list[WalletCredential] = []
    pending: list[dict[str, object]] = []
    for identifier in _identifiers(body):
        answer = _collect_identifier(
            session, rt, holder, endpoints, identifier, token, expires_at, dpop_key
        )
        if isinstance(answer, WalletCredential):
            received.append(answer)
        else:
            pending.append(answer)
    grant["pending"] = pending
    _keep_grant(session, rt, holder, row, grant)
    return Collected(received, len(pending))


def _keep_grant(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    row: WalletCollection,
    grant: dict[str, object],
) -> None:
    fresh = session.get(WalletCollection, row.id)
    assert fresh is not None
    fresh.state = CollectionState.COLLECTED
    fresh.state_hash = None
    fresh.sealed = _seal(rt, holder, fresh.id, grant)
    fresh.expires_at = rt.clock.now() + GRANT_TTL
    session.commit()


def _identifiers(body: Mapping[str, object]) -> list[str]:
    """§6.2: the ``credential_identifiers`` of each ``openid_credential`` detail."""
    details = body.get("authorization_details")
    found: list[str] = []
    for detail in details if isinstance(details, list) else []:
        ids = detail.get("credential_identifiers") if isinstance(detail, dict) else None
        found += [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    if not found:
        raise IssuerProtocolError("the token response names no credential_identifiers")
    return found


def poll(session: Session, rt: Runtime, holder: WalletHolder) -> Collected:
    """Ask for every deferred record (§9) with a refreshed access token (RFC 6749 §6)."""
    received: list[WalletCredential] = []
    still = 0
    rows = repository.collections(
        session, holder.id, state=CollectionState.COLLECTED, now=rt.clock.now()
    )
    for row in rows:
        grant = _open(rt, holder, row)
        pending = grant.get("pending")
        if not isinstance(pending, list) or not pending or not grant.get("refresh_token"):
            continue
        before_network_call(session)
        endpoints = discover_issuer(rt.fetcher, row.issuer, str(grant["configuration_id"]))
        token, expires_at = _refresh(session, rt, holder, row, endpoints, grant)
        left = []
        for entry in pending:
            dpop_key = jose.PrivateKey.from_jwk(_jwk(grant))
            answer = _deferred(session, rt, holder, endpoints, entry, token, expires_at, dpop_key)
            if isinstance(answer, WalletCredential):
                received.append(answer)
            else:
                left.append(entry)
        grant["pending"] = left
        _keep_grant(session, rt, holder, row, grant)
        still += len(left)
    return Collected(received, still)


def _refresh(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    row: WalletCollection,
    endpoints: IssuerEndpoints,
    grant: dict[str, object],
) -> tuple[str, int | None]:
    """A fresh access token; the rotated refresh token is kept at once (the old one is
    spent at the issuer whatever happens next)."""
    dpop_key = jose.PrivateKey.from_jwk(_jwk(grant))
    form = {
        "grant_type": "refresh_token",
        "refresh_token": str(grant["refresh_token"]),
        "client_id": client_id(rt),
    }
    before_network_call(session)
    body = token_request(
        rt, rt.fetcher, endpoints.token, form, dpop_key, endpoints.attestation_audience
    )
    rotated = body.get("refresh_token")
    if isinstance(rotated, str):
        grant["refresh_token"] = rotated
        _keep_grant(session, rt, holder, row, grant)
    return access_token_of(rt, body, dpop_key)


def _jwk(document: Mapping[str, object]) -> dict[str, object]:
    jwk = document.get("dpop_jwk")
    if not isinstance(jwk, dict):
        raise IssuerProtocolError("the collection has no DPoP key")
    return jwk


def _seal(rt: Runtime, holder: WalletHolder, row_id: str, document: object) -> bytes:
    return vault.seal(rt, holder, json.dumps(document).encode(), f"collection:{row_id}")


def _open(rt: Runtime, holder: WalletHolder, row: WalletCollection) -> dict[str, object]:
    opened = json.loads(vault.open_sealed(rt, holder, row.sealed, f"collection:{row.id}"))
    assert isinstance(opened, dict)
    return opened


def _collect_identifier(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    endpoints: IssuerEndpoints,
    identifier: str,
    token: str,
    expires_at: int | None,
    dpop_key: jose.PrivateKey,
) -> WalletCredential | dict[str, object]:
    """§8: one record by ``credential_identifier``; the credential, or what ``poll`` needs
    when the issuer deferred it (§9: ``transaction_id``, and the holder key it is bound to)."""
    holder_key, proof = fresh_proof(rt, rt.fetcher, endpoints)
    body = {"credential_identifier": identifier, "proofs": {"jwt": [proof]}}
    now = rt.clock.now()
    answer = post_json(
        rt.fetcher,
        endpoints.credential,
        body,
        token,
        dpop_key,
        now=now,
        json_body=True,
        deferred_ok=True,
    )
    issued = IssuedCredentials(answer, token, expires_at, dpop_key)
    return _accepted_or_pending(session, rt, holder, endpoints, issued, holder_key)


def _deferred(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    endpoints: IssuerEndpoints,
    entry: object,
    token: str,
    expires_at: int | None,
    dpop_key: jose.PrivateKey,
) -> WalletCredential | dict[str, object]:
    """§9.1: ask again for a deferred credential with its ``transaction_id``."""
    if not isinstance(entry, dict) or endpoints.deferred is None:
        raise IssuerProtocolError("the issuer has no deferred credential endpoint")
    holder_key = jose.PrivateKey.from_jwk(_jwk({"dpop_jwk": entry.get("holder_jwk")}))
    body = {"transaction_id": entry.get("transaction_id")}
    now = rt.clock.now()
    answer = post_json(
        rt.fetcher,
        endpoints.deferred,
        body,
        token,
        dpop_key,
        now=now,
        json_body=True,
        deferred_ok=True,
    )
    issued = IssuedCredentials(answer, token, expires_at, dpop_key)
    return _accepted_or_pending(session, rt, holder, endpoints, issued, holder_key)


def _accepted_or_pending(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    endpoints: IssuerEndpoints,
    issued: IssuedCredentials,
    holder_key: jose.PrivateKey,
) -> WalletCredential | dict[str, object]:
    transaction_id = issued.response.get("transaction_id")
    if "credentials" not in issued.response:
        if not isinstance(transaction_id, str):
            raise IssuerProtocolError("the deferred answer has no transaction_id")
        return {"transaction_id": transaction_id, "holder_jwk": dict(holder_key.private_jwk())}
    return accept(session, rt, holder, endpoints, issued, holder_key)
