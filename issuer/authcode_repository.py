"""SQL of the authorization code flow (``issuer.authcode``), and nothing else. Single use is
decided by conditional updates: of two concurrent requests, only one moves a row on."""

from __future__ import annotations

from sqlalchemy import delete, exists, update
from sqlmodel import Session, col, select

from issuer.models import (
    GrantTokenKind,
    IssuerAuthorization,
    IssuerGrantToken,
    IssuerPushedRequest,
    IssuerSignIn,
)


def insert(
    session: Session,
    row: IssuerPushedRequest | IssuerSignIn | IssuerAuthorization | IssuerGrantToken,
) -> None:
    session.add(row)


def pushed_request(
    session: Session, issuer_id: str, request_hash: str
) -> IssuerPushedRequest | None:
    return session.exec(
        select(IssuerPushedRequest).where(
            IssuerPushedRequest.request_hash == request_hash,
            IssuerPushedRequest.issuer_id == issuer_id,
        )
    ).first()


def use_pushed_request(session: Session, request_hash: str, now: int) -> bool:
    result = session.connection().execute(
        update(IssuerPushedRequest)
        .where(
            col(IssuerPushedRequest.request_hash) == request_hash,
            col(IssuerPushedRequest.used_at).is_(None),
            col(IssuerPushedRequest.expires_at) > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def sign_in(session: Session, issuer_id: str, cookie_hash: str) -> IssuerSignIn | None:
    return session.exec(
        select(IssuerSignIn).where(
            IssuerSignIn.cookie_hash == cookie_hash, IssuerSignIn.issuer_id == issuer_id
        )
    ).first()


def use_sign_in(session: Session, cookie_hash: str, now: int) -> bool:
    result = session.connection().execute(
        update(IssuerSignIn)
        .where(
            col(IssuerSignIn.cookie_hash) == cookie_hash,
            col(IssuerSignIn.used_at).is_(None),
            col(IssuerSignIn.expires_at) > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def authorization_by_code(
    session: Session, issuer_id: str, code_hash: str
) -> IssuerAuthorization | None:
    return session.exec(
        select(IssuerAuthorization).where(
            IssuerAuthorization.code_hash == code_hash,
            IssuerAuthorization.issuer_id == issuer_id,
        )
    ).first()


def authorization(
    session: Session, issuer_id: str, authorization_id: str
) -> IssuerAuthorization | None:
    return session.exec(
        select(IssuerAuthorization).where(
            IssuerAuthorization.id == authorization_id,
            IssuerAuthorization.issuer_id == issuer_id,
        )
    ).first()


def use_code(session: Session, authorization_id: str, now: int) -> bool:
    result = session.connection().execute(
        update(IssuerAuthorization)
        .where(
            col(IssuerAuthorization.id) == authorization_id,
            col(IssuerAuthorization.code_used_at).is_(None),
            col(IssuerAuthorization.code_expires_at) > now,
        )
        .values(code_used_at=now)
    )
    return result.rowcount == 1


def grant_token(session: Session, token_hash: str, kind: GrantTokenKind) -> IssuerGrantToken | None:
    return session.exec(
        select(IssuerGrantToken).where(
            IssuerGrantToken.token_hash == token_hash, IssuerGrantToken.kind == kind
        )
    ).first()


def use_refresh_token(session: Session, token_hash: str, now: int) -> bool:
    result = session.connection().execute(
        update(IssuerGrantToken)
        .where(
            col(IssuerGrantToken.token_hash) == token_hash,
            col(IssuerGrantToken.kind) == GrantTokenKind.REFRESH,
            col(IssuerGrantToken.used_at).is_(None),
            col(IssuerGrantToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def purge_expired(session: Session, now: int, sign_in_ttl: int) -> None:
    """Delete what can no longer be used: sign-ins and grant tokens past their expiry, pushed
    requests whose sign-ins are gone too (a sign-in ends at most ``sign_in_ttl`` after its
    request does), and authorizations whose code has expired and that hold no token."""
    session.execute(delete(IssuerSignIn).where(col(IssuerSignIn.expires_at) <= now))
    session.execute(
        delete(IssuerPushedRequest).where(
            col(IssuerPushedRequest.expires_at) + sign_in_ttl <= now,
            ~exists().where(col(IssuerSignIn.request_hash) == IssuerPushedRequest.request_hash),
        )
    )
    session.execute(delete(IssuerGrantToken).where(col(IssuerGrantToken.expires_at) <= now))
    session.execute(
        delete(IssuerAuthorization).where(
            col(IssuerAuthorization.code_expires_at) <= now,
            ~exists().where(col(IssuerGrantToken.authorization_id) == IssuerAuthorization.id),
        )
    )
