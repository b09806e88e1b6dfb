"""The endpoints a wallet calls with its access token after the credential request
(OpenID4VCI 1.0): the deferred credential endpoint (§9) and the notification endpoint (§11).

Both authenticate exactly as the credential endpoint does (``issuance.authenticate``: the
access token, with its DPoP proof when it is DPoP-bound) except that a token already spent at
the credential endpoint is accepted while it has not expired: the wallet polls and reports
with the token that got it the ``transaction_id`` or the ``notification_id``. What they
answer is decided by ``issuer.deferred`` and ``issuer.notifications`` for the token's grant
(``issuance.offer_grant``), so a ``transaction_id`` or ``notification_id`` of another grant
is refused like an unknown one. No FastAPI here.
"""

from __future__ import annotations

from sqlmodel import Session

from core.db import session_scope
from core.errors import OAuthError
from core.runtime import Runtime
from core.standards import oid4vci
from issuer import authcode, deferred, issuance, notifications, repository, service
from issuer.metadata import IssuerUrls
from issuer.models import IssuerTenant


def _grant(
    session: Session, rt: Runtime, slug: str, request: issuance.CredentialRequest, uri: str
) -> tuple[IssuerTenant, str]:
    tenant = service.cached_tenant(rt, slug)
    granted = authcode.grant_of_token(session, rt, tenant, request, uri)
    if granted is not None:  # an access token of the authorization code flow
        return tenant, granted
    _, token_row = issuance.authenticate(session, rt, request, uri, used_ok=True)
    with session_scope(rt.engine, read_only=True) as reading:
        offer = repository.offer_by_id(reading, tenant.id, token_row.offer_id)
    if offer is None:  # a token of another issuer on this host: answered like an unknown one
        raise oid4vci.InvalidToken(issuance.unknown_token(used_ok=True))
    return tenant, issuance.offer_grant(offer.id)


def _object(body: object, error: type[OAuthError]) -> dict[str, object]:
    if not isinstance(body, dict):
        raise error("the request body must be a JSON object")
    return body


def deferred_credential(
    session: Session, rt: Runtime, slug: str, request: issuance.CredentialRequest
) -> deferred.Issued | deferred.Deferred:
    """§9.1: ``{"transaction_id"}``; ``Issued`` (HTTP 200) once the record is ready, else
    ``Deferred`` (HTTP 202) with the same ``transaction_id`` and the ``interval``."""
    urls = IssuerUrls(rt.settings.public_url, slug)
    tenant, grant = _grant(session, rt, slug, request, urls.deferred_credential)
    body = _object(request.body, oid4vci.InvalidCredentialRequest)
    return deferred.deferred(session, rt, tenant, body.get("transaction_id"), grant)


def notification(
    session: Session, rt: Runtime, slug: str, request: issuance.CredentialRequest
) -> None:
    """§11.1: ``{"notification_id", "event", "event_description"?}``, recorded (HTTP 204)."""
    urls = IssuerUrls(rt.settings.public_url, slug)
    tenant, grant = _grant(session, rt, slug, request, urls.notification)
    body = _object(request.body, oid4vci.InvalidNotificationRequest)
    notifications.notify(
        session,
        rt,
        tenant,
        body.get("notification_id"),
        body.get("event"),
        body.get("event_description"),
        bound_to=grant,
    )
