"""The holder's credentials: list, view (as a card: display metadata and decoded claims),
refresh status, delete. Every query is scoped to the signed-in holder; another holder's
credential is "not found", exactly like one that does not exist."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from core import jose
from core.db import before_network_call
from core.errors import IntygError, NotFound
from core.http import Fetcher
from core.runtime import Runtime
from core.standards import sd_jwt
from core.standards.status_list import CredentialStatus, StatusList
from schemas import wallet_log as log
from wallet import repository
from wallet.models import WalletCredential, WalletHolder
from wallet.service import notifying, transparency, vault

# Never offered to a verifier nor pulled by a service.
UNUSABLE = frozenset({CredentialStatus.INVALID, CredentialStatus.SUSPENDED})


class CredentialNotFound(NotFound):
    code = "credential_not_found"
    title = "No such credential"


@dataclass(frozen=True)
class OpenedCredential:
    row: WalletCredential
    serialized: str
    verified: sd_jwt.VerifiedSdJwt
    holder_key: jose.PrivateKey


def list_credentials(session: Session, holder: WalletHolder) -> Sequence[WalletCredential]:
    return repository.credentials_of(session, holder.id)


def get_credential(session: Session, holder: WalletHolder, credential_id: str) -> WalletCredential:
    try:
        credential_id = str(uuid.UUID(credential_id))
    except ValueError:
        raise CredentialNotFound() from None
    row = repository.credential_of(session, holder.id, credential_id)
    if row is None:
        raise CredentialNotFound()
    return row


def open_credential(rt: Runtime, holder: WalletHolder, row: WalletCredential) -> OpenedCredential:
    """Decrypt a stored credential and its holder key, and process its disclosures.

    The issuer signature was verified on arrival; it is checked again here against the
    stored payload only structurally (the wallet trusts its own sealed storage)."""
    serialized = vault.open_sealed(
        rt, holder, row.sealed_credential, f"credential:{row.id}"
    ).decode()
    parts = sd_jwt.split(serialized)
    jws = jose.parse(parts.issuer_jwt)
    processed = sd_jwt.process_disclosures(
        jws.payload, [sd_jwt.decode_disclosure(d) for d in parts.disclosures]
    )
    verified = sd_jwt.VerifiedSdJwt(parts, jws, processed.claims, processed.disclosed)
    key_jwk = json.loads(
        vault.open_sealed(rt, holder, row.sealed_holder_key, f"holder-key:{row.id}")
    )
    return OpenedCredential(row, serialized, verified, jose.PrivateKey.from_jwk(key_jwk))


def open_usable(session: Session, rt: Runtime, holder: WalletHolder) -> dict[str, OpenedCredential]:
    """The holder's usable credentials, opened: revoked, suspended and expired ones are never
    offered to a verifier or a service."""
    now = rt.clock.now()
    return {
        row.id: open_credential(rt, holder, row)
        for row in list_credentials(session, holder)
        if row.status not in UNUSABLE and (row.expires_at is None or row.expires_at > now)
    }


def refresh_statuses(
    session: Session, rt: Runtime, rows: Sequence[WalletCredential]
) -> Sequence[WalletCredential]:
    """Look each credential up in its status list, so that the list and the card say the same.

    Each distinct list is read once (from the status-list cache while its ``ttl`` lasts, else
    fetched), however many credentials point into it. A list that cannot be had, or lacks a
    credential's index, leaves that credential at its last known status (``status_checked_at``
    tells its age). Revoked (``INVALID``) is final and not looked up again."""
    due = [
        r
        for r in rows
        if r.status_uri and r.status_idx is not None and r.status != CredentialStatus.INVALID
    ]
    if not due:
        return rows
    now = rt.clock.now()
    fetcher = rt.fetcher
    before_network_call(session)
    lists: dict[tuple[str, str], StatusList | IntygError] = {}
    for row in due:
        assert row.status_uri is not None and row.status_idx is not None
        source = (row.issuer, row.status_uri)  # the list must be signed by the row's issuer
        if source not in lists:
            lists[source] = _status_list(rt, fetcher, *source, now=now)
        try:
            value = _entry(lists[source], row.status_idx)
        except IntygError:
            continue
        row.status = CredentialStatus.of(value)
        row.status_checked_at = now
    session.commit()
    return rows


def refresh_status(session: Session, rt: Runtime, row: WalletCredential) -> WalletCredential:
    refresh_statuses(session, rt, [row])
    return row


def _status_list(
    rt: Runtime, fetcher: Fetcher, issuer: str, uri: str, *, now: int
) -> StatusList | IntygError:
    """The list, or why it cannot be had (kept, so the next credential does not ask again)."""
    try:
        return rt.caches.status_lists.status_list(fetcher, issuer, uri, now)
    except IntygError as exc:
        return exc


def _entry(lst: StatusList | IntygError, idx: int) -> int:
    if isinstance(lst, IntygError):
        raise lst
    return lst.get(idx)


def delete_credential(
    session: Session, rt: Runtime, holder: WalletHolder, credential_id: str
) -> None:
    """Delete a credential, and tell its issuer (``credential_deleted``, OpenID4VCI §11)
    when it came with a ``notification_id`` and the access token is still valid."""
    row = get_credential(session, holder, credential_id)
    grant = notifying.sealed_grant(rt, holder, row)
    repository.delete_credential(session, row)
    transparency.append(
        session,
        holder.id,
        rt.clock.now(),
        log.CredentialDeleted(credential_id=row.id, issuer=row.issuer, vct=row.vct),
    )
    session.commit()
    if grant is not None:
        before_network_call(session)
        notifying.notify(rt, rt.fetcher, grant, "credential_deleted")
