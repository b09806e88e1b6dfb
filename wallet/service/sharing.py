"""Sharing under consent: the wallet as an OpenID4VP 1.0 wallet.

1. ``receive_request``: the holder pastes (or scans) an ``openid4vp://`` link; the wallet
   fetches the Request Object, authenticates the verifier (``x509_hash`` or ``x509_san_dns``
   chain to the wallet's trust anchors; an unsigned ``redirect_uri:`` request only in
   development, marked unverified), evaluates the DCQL query against the holder's credentials
   and stores the request. Nothing is sent.
2. ``approve``: the holder's choice becomes a presentation with exactly those disclosures and
   a KB-JWT (``aud`` = the verifier's client_id, its ``nonce``, ``sd_hash``), posted to the
   ``response_uri`` (``direct_post``, or encrypted to the request's key with
   ``direct_post.jwt``); a consent record and a log entry are written whether the verifier
   accepts it or not.
3. ``deny``: ``access_denied`` goes to the verifier; the refusal is recorded.
A request is answered once: the move out of ``pending`` is a conditional update.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from sqlmodel import Session

from core import jose, jsontext, trustlists
from core.config import is_loopback_host
from core.db import before_network_call
from core.errors import Conflict, Forbidden, IntygError, NotFound, UpstreamError
from core.runtime import Runtime
from core.standards import dcql, oid4vp
from core.x509 import certificates_from_pem
from schemas import wallet_log as log
from wallet import repository
from wallet.models import RequestState, WalletHolder, WalletPresentationRequest
from wallet.service import consents, holdings, overasking, selection, transparency


class RequestNotFound(NotFound):
    code = "presentation_request_not_found"
    title = "No such presentation request"


class RequestNotPending(Conflict):
    code = "presentation_request_not_pending"
    title = "The request was already answered"


class RequestExpired(IntygError):
    code = "presentation_request_expired"
    status = 410
    title = "The request has expired"


class VerifierRejected(UpstreamError):
    code = "verifier_rejected_presentation"
    title = "The verifier did not accept the presentation"


@lru_cache(maxsize=8)
def _anchors_from(path: Path, mtime: float) -> tuple[x509.Certificate, ...]:
    del mtime  # part of the cache key: an edited file is read again
    return tuple(certificates_from_pem(path.read_bytes()))


def trust_anchors(rt: Runtime) -> tuple[x509.Certificate, ...]:
    path = rt.settings.wallet_trust_anchors
    if path is None or not path.exists():
        return ()
    return _anchors_from(path, path.stat().st_mtime)


def receive_request(
    session: Session, rt: Runtime, holder: WalletHolder, link: str
) -> tuple[WalletPresentationRequest, list[dict[str, object]]]:
    before_network_call(session)
    dev = rt.settings.development
    parsed = oid4vp.parse_authorization_request_link(link, allow_http_loopback=dev)
    token, wallet_nonce = _fetch_request_object(rt, parsed)
    try:
        verified = oid4vp.verify_request_object(
            token,
            expected_client_id=parsed.client_id,
            wallet_nonce=wallet_nonce,
            trust_anchors=trust_anchors(rt),
            now=rt.clock.now(),
            skew=rt.settings.clock_skew_seconds,
            allow_unsigned_redirect_uri=dev,
            allow_http_loopback=dev,
        )
    except oid4vp.ResponseEncryptionUnsupported as exc:
        _cannot_encrypt(rt, exc, parsed.client_id)
        raise
    recognition = _recognition(rt, verified)
    query = dcql.parse_query(verified.dcql_query)
    opened = holdings.open_usable(session, rt, holder)
    views = selection.evaluate_for(rt, query, opened)
    row = _store_request(session, rt, holder, verified, recognition)
    return row, selection.view_json(views, opened)


def _fetch_request_object(rt: Runtime, parsed: oid4vp.RequestLink) -> tuple[str, str | None]:
    """The Request Object and the ``wallet_nonce`` it must return: with
    ``request_uri_method=post`` the wallet POSTs its metadata and a fresh nonce (§5.10)."""
    accept = {"Accept": oid4vp.MEDIA_TYPE_REQUEST_OBJECT}
    wallet_nonce = None
    if parsed.request_uri_method == "post":
        wallet_nonce = secrets.token_urlsafe(24)
        form = oid4vp.request_uri_post_form(sorted(jose.ALLOWED_ALGORITHMS), wallet_nonce)
        response = rt.fetcher.request("POST", parsed.request_uri, data=form, headers=accept)
    else:
        response = rt.fetcher.request("GET", parsed.request_uri, headers=accept)
    if response.status_code != 200:
        raise RequestNotFound(
            f"the verifier's request could not be fetched ({response.status_code})"
        )
    return response.text.strip(), wallet_nonce


def _cannot_encrypt(rt: Runtime, exc: oid4vp.ResponseEncryptionUnsupported, client_id: str) -> None:
    """Tell an authenticated verifier — a recognised one, where the wallet talks to no other —
    in the clear as §8.3.1 allows, that the wallet cannot encrypt its answer the way it asks
    (best effort: the holder is told in any case)."""
    if exc.answer_to is None:
        return
    response_uri, state = exc.answer_to
    form = oid4vp.direct_post_error_form(
        oid4vp.ERROR_INVALID_REQUEST,
        "the wallet encrypts responses with ECDH-ES on P-256 and A128GCM or A256GCM only",
        state,
    )
    with contextlib.suppress(IntygError):
        source = rt.settings.wallet_recognised_verifiers
        if rt.settings.wallet_require_recognised_verifier and (
            not source or trustlists.from_source(rt, source).verifier(client_id) is None
        ):
            return
        rt.fetcher.request("POST", response_uri, data=form)


class VerifierNotRecognised(Forbidden):
    code = "verifier_not_recognised"
    title = "The verifier is not on the wallet's list of recognised verifiers"


def _recognition(rt: Runtime, verified: oid4vp.VerifiedRequest) -> dict[str, object]:
    """Is the (authenticated) verifier on the signed list of verifiers this wallet knows?
    ``recognised`` is None when no list is configured; a listed verifier whose certificate
    is not the one the list pins is refused outright. ``registration`` is what its list entry
    registers for the purpose the request names (``overasking``)."""
    purpose_id = overasking.named_purpose(verified.claims)
    source = rt.settings.wallet_recognised_verifiers
    if not source:
        return {"recognised": None, "registration": overasking.registration(None, purpose_id)}
    entry = trustlists.from_source(rt, source).verifier(verified.client_id)
    if entry is None or not verified.verified:
        if rt.settings.wallet_require_recognised_verifier:
            raise VerifierNotRecognised(f"{verified.client_id} is not on the list")
        return {"recognised": False, "registration": overasking.registration(None, purpose_id)}
    if not entry.pins(verified.certificate_thumbprint):
        raise VerifierNotRecognised("the verifier's certificate is not the one the list names")
    return {
        "recognised": True,
        "listed_name": entry.name,
        "registration": overasking.registration(entry, purpose_id),
    }


def _store_request(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    verified: oid4vp.VerifiedRequest,
    recognition: dict[str, object],
) -> WalletPresentationRequest:
    now = rt.clock.now()
    metadata = verified.client_metadata
    purpose = verified.claims.get("purpose")
    row = WalletPresentationRequest(
        id=str(uuid.uuid4()),
        holder_id=holder.id,
        client_id=verified.client_id,
        verifier={
            "client_id": verified.client_id,
            "name": metadata.get("client_name")
            or verified.organisation
            or verified.original_client_id,
            "organisation": verified.organisation,
            "verified": verified.verified,
            "certificate_thumbprint": verified.certificate_thumbprint,
            "logo_uri": metadata.get("logo_uri"),
            "legal_basis": verified.claims.get("legal_basis") or consents.DEFAULT_LEGAL_BASIS,
            **recognition,
        },
        response_uri=verified.response_uri,
        response_encryption=_encryption_json(verified.response_encryption),
        nonce=verified.nonce,
        oauth_state=verified.state,
        dcql_query=verified.dcql_query,
        purpose=str(purpose)[:1000] if isinstance(purpose, str) else "",
        request_object_hash=verified.request_hash,
        created_at=now,
        expires_at=min(verified.exp, now + rt.settings.presentation_request_ttl_seconds),
    )
    repository.add_presentation_request(session, row)
    transparency.append(
        session,
        holder.id,
        now,
        log.PresentationRequested(
            request_id=row.id,
            recipient=row.verifier["name"],
            client_id=row.client_id,
            verified=verified.verified,
            purpose=row.purpose,
        ),
    )
    session.commit()
    return row


def get_request(
    session: Session, holder: WalletHolder, request_id: str
) -> WalletPresentationRequest:
    row = repository.presentation_request_of(session, holder.id, request_id)
    if row is None:
        raise RequestNotFound()
    return row


def current_view(
    session: Session, rt: Runtime, holder: WalletHolder, row: WalletPresentationRequest
) -> list[dict[str, object]]:
    opened = holdings.open_usable(session, rt, holder)
    query = dcql.parse_query(row.dcql_query)
    views = selection.evaluate_for(rt, query, opened)
    return selection.view_json(views, opened)


def verdict(row: WalletPresentationRequest) -> overasking.Verdict:
    """Does the request ask for more than its named purpose is registered for?"""
    registration = row.verifier.get("registration")
    kept = registration if isinstance(registration, dict) else None
    return overasking.assess(dcql.parse_query(row.dcql_query), kept)


def assessment(
    session: Session, holder: WalletHolder, row: WalletPresentationRequest
) -> dict[str, object]:
    """The verdict as the holder's API shows it (extra claims labelled from their cards)."""
    return overasking.as_json(verdict(row), holdings.list_credentials(session, holder))


def _take(
    session: Session, rt: Runtime, row: WalletPresentationRequest, outcome: RequestState
) -> None:
    """Move the request out of ``pending`` exactly once (a replayed answer fails here)."""
    now = rt.clock.now()
    if row.state == RequestState.PENDING and row.expires_at <= now:
        row.state = RequestState.EXPIRED
        session.commit()
    if row.state == RequestState.EXPIRED:
        raise RequestExpired("ask the verifier for a new request")
    if not repository.move_presentation_request(
        session, row.id, old=RequestState.PENDING, new=outcome
    ):
        session.rollback()
        raise RequestNotPending(f"this request was already {row.state}")


@dataclass(frozen=True)
class Outcome:
    consent_id: str
    redirect_uri: str | None


def approve(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    request_id: str,
    choice: Mapping[str, tuple[str, Sequence[Sequence[object]]]],
    *,
    only_needed: bool = False,
) -> Outcome:
    """Send the chosen claims; with ``only_needed``, only those of them that the request's
    registered purpose needs (the holder's answer to over-asking)."""
    row = get_request(session, holder, request_id)
    opened = holdings.open_usable(session, rt, holder)
    query = dcql.parse_query(row.dcql_query)
    views = selection.evaluate_for(rt, query, opened)
    found = verdict(row)
    needed = _needed_claims(found, opened) if only_needed else None
    chosen = selection.resolve_choice(views, choice, needed=needed)
    _take(session, rt, row, RequestState.APPROVED)
    now = rt.clock.now()
    vp_token = selection.build_vp_token(
        chosen, opened, audience=row.client_id, nonce=row.nonce, now=now
    )
    form = oid4vp.direct_post_form(vp_token, row.oauth_state, _encryption(row))
    token_hash = selection.token_hash(oid4vp.vp_token_json(vp_token))
    consent = consents.record_presentation(session, rt, holder, row, views, chosen, token_hash)
    answer = log.OverAskingAnswer.NEEDED_ONLY if only_needed else log.OverAskingAnswer.AS_ASKED
    _log_over_asking(session, rt, holder, row, found, answer)
    session.commit()  # the consent is given before anything leaves the wallet
    before_network_call(session)
    try:
        response = rt.fetcher.request("POST", row.response_uri, data=form)
        if response.status_code != 200:
            raise VerifierRejected(
                f"the verifier answered {response.status_code}: {_error_of(response.content)}"
            )
    except IntygError as exc:
        consents.presentation_failed(session, rt, holder, consent, row, exc.code)
        session.commit()
        raise
    consents.presented(session, rt, holder, consent, row, chosen)
    session.commit()
    return Outcome(consent.id, _redirect_of(rt, response.content))


def deny(session: Session, rt: Runtime, holder: WalletHolder, request_id: str) -> str:
    row = get_request(session, holder, request_id)
    _take(session, rt, row, RequestState.DENIED)
    asked = selection.evaluate(dcql.parse_query(row.dcql_query), [])  # what was refused (paths)
    consent = consents.record_refusal(session, rt, holder, row, asked)
    _log_over_asking(session, rt, holder, row, verdict(row), log.OverAskingAnswer.DENIED)
    session.commit()
    before_network_call(session)
    form = oid4vp.direct_post_error_form(
        oid4vp.ERROR_ACCESS_DENIED, "The holder declined", row.oauth_state, _encryption(row)
    )
    with contextlib.suppress(IntygError):  # the refusal stands whether or not it was heard
        rt.fetcher.request("POST", row.response_uri, data=form)
    return consent.id


def _needed_claims(
    found: overasking.Verdict, opened: Mapping[str, holdings.OpenedCredential]
) -> Callable[[str, selection.Path], bool]:
    """Is the claim at this path of this credential one the named purpose needs?"""
    purpose = found.purpose
    if purpose is None:
        raise selection.ChoiceInvalid(
            "the request names no registered purpose, so no claim is known to be needed"
        )

    def needed(credential_id: str, path: selection.Path) -> bool:
        """For ``()``: does the purpose need anything of this credential at all?"""
        credential = opened.get(credential_id)
        if credential is None:
            return False
        if not path:
            return any(c.vct == credential.row.vct for c in purpose.claims)
        return purpose.needs(credential.row.vct, path)

    return needed


def _log_over_asking(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    row: WalletPresentationRequest,
    found: overasking.Verdict,
    answer: log.OverAskingAnswer,
) -> None:
    """An over-asking request's answer goes in the log: the extra claim paths (never values)
    and what the holder chose."""
    if found.finding != overasking.Finding.OVER_ASKING:
        return
    transparency.append(
        session,
        holder.id,
        rt.clock.now(),
        log.OverAsking(
            request_id=row.id,
            recipient=row.verifier.get("name"),
            client_id=row.client_id,
            purpose_id=found.purpose_id or "",
            extra_claims=[
                log.ExtraClaim(
                    query=e.query_id, path=overasking.path_json(e.path), required=e.required
                )
                for e in found.extra
            ],
            answer=answer,
        ),
    )


def _encryption_json(encryption: oid4vp.ResponseEncryption | None) -> dict[str, object] | None:
    return None if encryption is None else {"jwk": encryption.jwk, "enc": encryption.enc}


def _encryption(row: WalletPresentationRequest) -> oid4vp.ResponseEncryption | None:
    """With ``direct_post.jwt``: the verifier's key and the ``enc`` chosen when it asked."""
    kept = row.response_encryption
    if kept is None:
        return None
    jwk, enc = kept["jwk"], kept["enc"]
    assert isinstance(jwk, dict) and isinstance(enc, str)  # as _encryption_json wrote them
    return oid4vp.ResponseEncryption(jwk, enc)


def _error_of(content: bytes) -> str:
    try:
        body = jsontext.loads(content)
    except jsontext.JsonRejected:
        return "no JSON body"
    error = body.get("error") if isinstance(body, dict) else None
    return str(error)[:100] if error else "no error code"


def _redirect_of(rt: Runtime, content: bytes) -> str | None:
    """§8.2: the ``redirect_uri`` the verifier answered with (same-device flow): https, or
    http on a loopback host in development, as for the ``response_uri``."""
    try:
        body = jsontext.loads(content)
    except jsontext.JsonRejected:
        return None
    redirect = body.get("redirect_uri") if isinstance(body, dict) else None
    if not isinstance(redirect, str) or len(redirect) > oid4vp.MAX_REQUEST_URI_CHARS:
        return None
    try:
        parts = urlsplit(redirect)
        host = parts.hostname or ""
    except ValueError:
        return None
    loopback = rt.settings.development and parts.scheme == "http" and is_loopback_host(host)
    return redirect if host and (parts.scheme == "https" or loopback) else None
