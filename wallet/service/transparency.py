"""The holder's transparency log: every transaction, failed ones included, append-only and
hash-chained per holder (the EU wallet's "dashboard" requirement), so that a changed, removed
or reordered row is detected by ``verify_chain``.

Entry ``n`` stores ``hash_n = SHA-256(hash_{n-1} || canonical JSON of {seq, at, event,
entry})`` with ``hash_0``'s predecessor being 64 zeros. Entries name counterparties, claim
paths and purposes — never claim values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from schemas.wallet_log import LogEntry
from wallet import repository
from wallet.models import WalletLogEntry

GENESIS = "0" * 64


def _entry_hash(prev: str, seq: int, at: int, event: str, entry: dict[str, object]) -> str:
    canonical = json.dumps(
        {"seq": seq, "at": at, "event": event, "entry": entry},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(prev.encode() + canonical.encode()).hexdigest()


def append(session: Session, holder_id: str, at: int, entry: LogEntry) -> WalletLogEntry:
    """Add an entry of the kind its model names (the caller commits; ``(holder_id, seq)`` is
    unique, so two concurrent appends cannot fork the chain: one of them fails and its
    transaction rolls back)."""
    last = repository.last_log_entry(session, holder_id)
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    event, body = entry.event, entry.model_dump(mode="json")
    row = WalletLogEntry(
        holder_id=holder_id,
        seq=seq,
        at=at,
        event=event,
        entry=body,
        prev_hash=prev,
        hash=_entry_hash(prev, seq, at, event, body),
    )
    repository.add_log_entry(session, row)
    return row


def entries(
    session: Session, holder_id: str, *, limit: int, before: int | None
) -> Sequence[WalletLogEntry]:
    return repository.log_entries(session, holder_id, limit=limit, before=before)


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    entries: int
    first_bad_seq: int | None
    reason: str | None
    head: str


def verify_chain(session: Session, holder_id: str) -> ChainCheck:
    rows = repository.log_chain(session, holder_id)
    prev = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        if row.seq != expected_seq:
            return ChainCheck(False, len(rows), expected_seq, "an entry is missing", prev)
        if row.prev_hash != prev:
            return ChainCheck(
                False, len(rows), row.seq, "the link to the previous entry is broken", prev
            )
        if _entry_hash(prev, row.seq, row.at, row.event, row.entry) != row.hash:
            return ChainCheck(
                False, len(rows), row.seq, "the entry was changed after it was written", prev
            )
        prev = row.hash
    return ChainCheck(True, len(rows), None, None, prev)
