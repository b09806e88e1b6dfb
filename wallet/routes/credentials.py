"""Receiving and holding credentials."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from core.deps import RuntimeDep, SessionDep
from core.runtime import Runtime
from core.web import BoundedJsonRoute
from schemas import wallet_api as wire
from wallet.deps import HolderDep
from wallet.models import WalletCredential, WalletHolder
from wallet.service import collecting, holdings, receiving

router = APIRouter(route_class=BoundedJsonRoute, tags=["wallet: credentials"])


def _entries(row: WalletCredential, name: str) -> list[dict[str, object]]:
    """A list of display objects from the stored issuer metadata (whatever it held)."""
    value = row.display.get(name)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _title(row: WalletCredential) -> str | None:
    for entry in _entries(row, "credential"):
        if isinstance(entry.get("name"), str):
            return str(entry["name"])
    return None


def _card(rt: Runtime, holder: WalletHolder, row: WalletCredential) -> wire.Credential:
    opened = holdings.open_credential(rt, holder, row)
    claims = {
        k: v for k, v in opened.verified.claims.items() if k not in ("cnf", "status", "_sd_alg")
    }
    return wire.Credential(
        id=row.id,
        issuer=row.issuer,
        issuer_name=str(row.display.get("issuer_name", row.issuer)),
        vct=row.vct,
        format=row.format,
        status=row.status,
        status_checked_at=row.status_checked_at,
        received_at=row.received_at,
        expires_at=row.expires_at,
        display=_entries(row, "credential"),
        claims=claims,
        claim_labels=_entries(row, "claims"),
    )


@router.post("/offers", status_code=status.HTTP_201_CREATED, response_model=wire.Credential)
def receive(
    body: wire.ReceiveOffer, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.Credential:
    """Redeem a credential offer: the credential is verified on arrival and stored sealed."""
    row = receiving.receive_offer(session, rt, holder, body.offer, body.tx_code)
    return _card(rt, holder, row)


@router.post("/collect", status_code=status.HTTP_201_CREATED, response_model=wire.CollectStarted)
def collect(
    body: wire.CollectStart, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.CollectStarted:
    """Collect at an issuer with eID (authorization code flow): where the browser goes to
    sign in; it comes back to ``GET /wallet/collect/callback``."""
    url = collecting.start(session, rt, holder, body.issuer)
    return wire.CollectStarted(authorization_url=url)


@router.post("/collect/poll", response_model=wire.Collected)
def poll(holder: HolderDep, session: SessionDep, rt: RuntimeDep) -> wire.Collected:
    """Ask the issuers again for the records they deferred (OpenID4VCI §9)."""
    done = collecting.poll(session, rt, holder)
    return wire.Collected(credential_ids=[r.id for r in done.credentials], pending=done.pending)


@router.get("/credentials", response_model=list[wire.CredentialSummary])
def list_credentials(
    holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> list[wire.CredentialSummary]:
    """The holder's credentials, newest first; each status is refreshed from the issuer's
    status list exactly as viewing the credential does (the same cache), so the list and the
    card agree."""
    rows = holdings.refresh_statuses(session, rt, holdings.list_credentials(session, holder))
    return [
        wire.CredentialSummary(
            id=row.id,
            issuer=row.issuer,
            issuer_name=str(row.display.get("issuer_name", row.issuer)),
            vct=row.vct,
            title=_title(row),
            status=row.status,
            status_checked_at=row.status_checked_at,
            received_at=row.received_at,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


@router.get("/credentials/{credential_id}", response_model=wire.Credential)
def get_credential(
    credential_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> wire.Credential:
    """The credential as a card; its status is refreshed from the issuer's status list."""
    row = holdings.refresh_status(
        session, rt, holdings.get_credential(session, holder, credential_id)
    )
    return _card(rt, holder, row)


@router.delete("/credentials/{credential_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_credential(
    credential_id: str, holder: HolderDep, session: SessionDep, rt: RuntimeDep
) -> Response:
    holdings.delete_credential(session, rt, holder, credential_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
