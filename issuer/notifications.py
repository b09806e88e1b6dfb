"""Issuances and the wallet's notifications about them (OpenID4VCI 1.0 §11).

Every credential response (and deferred credential response, §9.2) that carries credentials
is an issuance with its own ``notification_id`` (§8.3: one per response), given to the grant
the access token belongs to (``bound_to``: an opaque name the caller chooses, stable across
refreshed access tokens, e.g. ``offer:<id>`` for a pre-authorized code). The id is kept only
as a hash. At the notification endpoint the wallet reports ``credential_accepted``,
``credential_failure`` or ``credential_deleted`` (§11.1); the issuer keeps each event beside
the issuance, so staff see what became of a record's credentials.

A notification is idempotent (§11): the same event with the same description again is a
success that records nothing new. No FastAPI here.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlmodel import Session

from core.runtime import Runtime
from core.standards import oid4vci
from core.tokens import hash_secret, new_secret
from issuer import record_repository as repository
from issuer.models import IssuerIssuance, IssuerNotification, IssuerTenant

DESCRIPTION_MAX: Final = 500
# §11.1 event_description: %x20-21 / %x23-5B / %x5D-7E (printable ASCII but '"' and '\').
_DESCRIPTION_RE: Final = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


@dataclass(frozen=True)
class NewIssuance:
    issuance_id: str
    notification_id: str  # for the wallet; the issuer keeps only its hash


@dataclass(frozen=True)
class Event:
    """One notification as staff see it."""

    issuance_id: str
    event: str
    description: str | None
    at: int


def bound_hash(bound_to: str) -> str:
    return hash_secret(f"issuer-grant:{bound_to}")


def new_issuance(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    *,
    bound_to: str,
    record_id: str | None = None,
    offer_id: str | None = None,
    credentials: int,
) -> NewIssuance:
    """Record one credential response and mint its ``notification_id``. The caller commits
    (with the credentials, which name the issuance)."""
    notification_id = new_secret()
    issuance = IssuerIssuance(
        id=str(uuid.uuid4()),
        issuer_id=tenant.id,
        record_id=record_id,
        offer_id=offer_id,
        notification_hash=hash_secret(notification_id),
        bound_hash=bound_hash(bound_to),
        credentials=credentials,
        issued_at=rt.clock.now(),
    )
    repository.insert_issuance(session, issuance)
    return NewIssuance(issuance.id, notification_id)


def notify(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    notification_id: object,
    event: object,
    description: object = None,
    *,
    bound_to: str,
) -> None:
    """§11.1: note what the wallet did with the credentials of one issuance; commits.

    Raises ``InvalidNotificationRequest`` for a missing or malformed parameter or an event
    not in §11.1, and ``InvalidNotificationId`` for an id this issuer did not give to this
    grant (another issuer's, another grant's and an unknown one alike: §11.3).
    """
    if not isinstance(notification_id, str) or not notification_id:
        raise oid4vci.InvalidNotificationRequest("notification_id is missing")
    if not isinstance(event, str) or event not in oid4vci.NOTIFICATION_EVENTS:
        raise oid4vci.InvalidNotificationRequest(
            "event must be credential_accepted, credential_failure or credential_deleted"
        )
    if description is not None and (
        not isinstance(description, str)
        or len(description) > DESCRIPTION_MAX
        or not _DESCRIPTION_RE.fullmatch(description)
    ):
        raise oid4vci.InvalidNotificationRequest(
            f"event_description: at most {DESCRIPTION_MAX} ASCII characters, no quote or "
            "backslash (§11.1)"
        )
    found = repository.issuance_by_notification_hash(
        session, tenant.id, hash_secret(notification_id)
    )
    if found is None or not secrets.compare_digest(found.bound_hash, bound_hash(bound_to)):
        raise oid4vci.InvalidNotificationId("the notification_id is unknown for this grant")
    last = repository.last_notification(session, found.id)
    if last is not None and (last.event, last.description) == (event, description):
        return  # §11: the same notification again is a success
    repository.add_notification(
        session,
        IssuerNotification(
            issuer_id=tenant.id,
            issuance_id=found.id,
            event=event,
            description=description,
            at=rt.clock.now(),
        ),
    )
    session.commit()


def events(session: Session, tenant: IssuerTenant, issuance_ids: Sequence[str]) -> list[Event]:
    """The notifications of these issuances, oldest first."""
    return [
        Event(n.issuance_id, n.event, n.description, n.at)
        for n in repository.notifications(session, tenant.id, issuance_ids)
    ]
