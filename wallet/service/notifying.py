"""The wallet's notifications to an issuer (OpenID4VCI 1.0 §11): what became of a credential.

A credential response may carry a ``notification_id`` (§8.3); when the issuer's metadata names
a ``notification_endpoint`` the wallet reports, with the access token of that credential
request (and a fresh DPoP proof when the token is DPoP-bound):

- ``credential_accepted`` once the credential is stored;
- ``credential_failure`` when the wallet's checks refuse it (nothing is stored);
- ``credential_deleted`` when the holder deletes it, if the access token has not expired by
  then (access tokens are short-lived; a later deletion is not reported: the wallet holds no
  refresh token for a pre-authorized code).

Notifying is best effort (§11: the issuer cannot require it): a failure is logged, without the
token, the id or the URL's path, and never fails what the holder did. For the deletion, the
endpoint, ``notification_id``, access token, its expiry and the DPoP key are kept sealed
beside the credential (``WalletCredential.sealed_notification``) until it is deleted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

from core import jose
from core.errors import IntygError
from core.http import Fetcher
from core.runtime import Runtime
from core.standards import dpop
from wallet.models import WalletCredential, WalletHolder
from wallet.service import vault

log = logging.getLogger("intyg.wallet.notifications")

Event = Literal["credential_accepted", "credential_failure", "credential_deleted"]
_AAD: Final = "notification"


@dataclass(frozen=True)
class NotificationGrant:
    """What the wallet needs to report on one credential response. Holds secrets: never
    logged (no ``repr`` of the token or id)."""

    endpoint: str
    notification_id: str
    access_token: str
    expires_at: int | None  # of the access token; None when the issuer did not say
    dpop_jwk: dict[str, object] | None  # the private key the token is bound to

    def __repr__(self) -> str:
        return f"NotificationGrant(endpoint host={urlsplit(self.endpoint).netloc!r})"


def grant_of(
    endpoint: str | None,
    credential_response: Mapping[str, object],
    access_token: str,
    expires_at: int | None,
    dpop_key: jose.PrivateKey | None,
) -> NotificationGrant | None:
    """The grant to report on a credential response, or None when the issuer has no
    notification endpoint or the response no ``notification_id`` (§8.3: OPTIONAL)."""
    notification_id = credential_response.get("notification_id")
    if not endpoint or not isinstance(notification_id, str) or not notification_id:
        return None
    key = dict(dpop_key.private_jwk()) if dpop_key is not None else None
    return NotificationGrant(endpoint, notification_id, access_token, expires_at, key)


def notify(
    rt: Runtime,
    fetcher: Fetcher,
    grant: NotificationGrant,
    event: Event,
    description: str | None = None,
) -> bool:
    """Send one notification; ``True`` when the issuer answered 204. Never raises."""
    host = urlsplit(grant.endpoint).netloc
    now = rt.clock.now()
    if grant.expires_at is not None and grant.expires_at <= now:
        log.info("not sending %s to %s: the access token has expired", event, host)
        return False
    body: dict[str, object] = {"notification_id": grant.notification_id, "event": event}
    if description is not None:
        body["event_description"] = description
    headers = {"Authorization": f"Bearer {grant.access_token}"}
    try:
        if grant.dpop_jwk is not None:
            key = jose.PrivateKey.from_jwk(grant.dpop_jwk)
            headers["Authorization"] = f"DPoP {grant.access_token}"
            headers["DPoP"] = dpop.make_proof(
                key, method="POST", uri=grant.endpoint, iat=now, access_token=grant.access_token
            )
        response = fetcher.request("POST", grant.endpoint, json_body=body, headers=headers)
    except (IntygError, jose.JoseError) as exc:
        log.warning("sending %s to %s failed: %s", event, host, exc.code)
        return False
    if response.status_code != 204:
        log.warning("%s answered %s to %s", host, response.status_code, event)
        return False
    return True


def seal(rt: Runtime, holder: WalletHolder, credential_id: str, grant: NotificationGrant) -> bytes:
    document = {
        "endpoint": grant.endpoint,
        "notification_id": grant.notification_id,
        "access_token": grant.access_token,
        "expires_at": grant.expires_at,
        "dpop_jwk": grant.dpop_jwk,
    }
    return vault.seal(rt, holder, json.dumps(document).encode(), f"{_AAD}:{credential_id}")


def sealed_grant(
    rt: Runtime, holder: WalletHolder, row: WalletCredential
) -> NotificationGrant | None:
    """The grant kept beside a credential, or None when it came without a notification_id."""
    if row.sealed_notification is None:
        return None
    document = json.loads(
        vault.open_sealed(rt, holder, row.sealed_notification, f"{_AAD}:{row.id}")
    )
    return NotificationGrant(**document)
