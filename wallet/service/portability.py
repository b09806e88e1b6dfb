"""Data portability (GDPR art. 20): one JSON document with everything the wallet holds about
the holder — account, credentials (as issued, and decoded), consents with events, the log."""

from __future__ import annotations

from sqlmodel import Session

from core.runtime import Runtime
from wallet.models import WalletHolder
from wallet.service import consents, holdings, transparency

EXPORT_FORMAT = "intyg-wallet-export/1"


def export(session: Session, rt: Runtime, holder: WalletHolder) -> dict[str, object]:
    credentials = []
    for row in holdings.list_credentials(session, holder):
        opened = holdings.open_credential(rt, holder, row)
        credentials.append(
            {
                "id": row.id,
                "issuer": row.issuer,
                "vct": row.vct,
                "format": row.format,
                "status": row.status,
                "received_at": row.received_at,
                "expires_at": row.expires_at,
                "credential": opened.serialized,
                "claims": opened.verified.claims,
            }
        )
    log = transparency.entries(session, holder.id, limit=1_000_000, before=None)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": rt.clock.now(),
        "account": {"id": holder.id, "username": holder.username, "created_at": holder.created_at},
        "credentials": credentials,
        "consents": [
            consents.record_json(session, rt, c).as_json()
            for c in consents.list_consents(session, holder)
        ],
        "log": [
            {
                "seq": e.seq,
                "at": e.at,
                "event": e.event,
                "entry": e.entry,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in reversed(log)
        ],
        "log_check": transparency.verify_chain(session, holder.id).__dict__,
    }
