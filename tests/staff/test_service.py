"""Staff accounts of issuers and verifiers: creating, signing in (throttled like the wallet's
holders), sessions with idle and absolute expiry, per-tenant isolation, reset and removal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import Session

from core.clock import FixedClock
from core.db import session_scope
from core.errors import InvalidInput
from core.runtime import Runtime
from core.signin import BadCredentials, SessionInvalid, TooManyAttempts
from core.staff import service
from core.staff.service import StaffAccountExists, StaffAccountNotFound

PASSWORD = "correct horse battery staple"
TENANT = "3f0c8a43-1111-4c4e-9e55-000000000001"
OTHER_TENANT = "3f0c8a43-1111-4c4e-9e55-000000000002"
ADDRESS = "192.0.2.10"


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with session_scope(runtime.engine) as session:
        yield session


def add(session: Session, runtime: Runtime, username: str = "ada", **kw: str) -> None:
    service.create_account(
        session,
        runtime,
        kw.get("kind", "issuer"),
        kw.get("tenant", TENANT),
        username,
        PASSWORD,
        kw.get("display_name"),
    )


def sign_in(
    session: Session,
    runtime: Runtime,
    username: str = "ada",
    password: str = PASSWORD,
    address: str = ADDRESS,
    kind: str = "issuer",
    tenant: str = TENANT,
) -> service.NewStaffSession:
    return service.sign_in(session, runtime, kind, tenant, username, password, address)


def test_an_account_is_created_with_a_hashed_password_and_listed(
    session: Session, runtime: Runtime
) -> None:
    made = service.create_account(
        session, runtime, "issuer", TENANT, "  Ada@Example.SE ", PASSWORD, " Ada Lovelace "
    )
    assert made.username == "ada@example.se" and made.display_name == "Ada Lovelace"
    assert made.password_hash.startswith("$argon2id$") and PASSWORD not in made.password_hash
    add(session, runtime, "bob")
    add(session, runtime, "carl", kind="verifier")
    add(session, runtime, "dora", tenant=OTHER_TENANT)
    names = [a.username for a in service.list_accounts(session, "issuer", TENANT)]
    assert names == ["ada@example.se", "bob"]
    assert [a.username for a in service.list_accounts(session, "verifier", TENANT)] == ["carl"]


def test_the_same_username_twice_at_one_tenant_is_a_conflict(
    session: Session, runtime: Runtime
) -> None:
    add(session, runtime, "ada")
    with pytest.raises(StaffAccountExists) as raised:
        add(session, runtime, "ADA")
    assert raised.value.status == 409 and raised.value.code == "staff_account_exists"
    add(session, runtime, "ada", tenant=OTHER_TENANT)  # another tenant's staff
    add(session, runtime, "ada", kind="verifier")  # the verifier of the same id
    assert len(service.list_accounts(session, "issuer", TENANT)) == 1


@pytest.mark.parametrize(
    ("username", "password", "kind", "display_name"),
    [
        ("ab", PASSWORD, "issuer", None),
        ("ada lovelace", PASSWORD, "issuer", None),
        ("ada", "short", "issuer", None),
        ("ada", PASSWORD, "wallet", None),
        ("ada", PASSWORD, "issuer", "x" * 201),
    ],
)
def test_bad_account_details_are_invalid_input(
    session: Session,
    runtime: Runtime,
    username: str,
    password: str,
    kind: str,
    display_name: str | None,
) -> None:
    with pytest.raises(InvalidInput):
        service.create_account(session, runtime, kind, TENANT, username, password, display_name)
    assert service.list_accounts(session, "issuer", TENANT) == []


def test_sign_in_gives_a_session_the_account_can_be_found_by(
    session: Session, runtime: Runtime, clock: FixedClock
) -> None:
    add(session, runtime, "ada")
    made = sign_in(session, runtime, " ADA ")
    assert made.token.startswith("intyg_staff_") and made.expires_at == clock.now() + 12 * 3600
    assert made.account.username == "ada"
    found = service.account_for_session(session, runtime, "issuer", TENANT, made.token)
    assert found.id == made.account.id
    stored = session.execute(text("SELECT token_hash FROM staff_session")).scalar_one()
    assert made.token not in stored  # only its hash is kept


def test_wrong_password_and_unknown_user_get_the_same_answer(
    session: Session, runtime: Runtime
) -> None:
    add(session, runtime, "ada")
    with pytest.raises(BadCredentials) as wrong:
        sign_in(session, runtime, password="not the right password")
    with pytest.raises(BadCredentials) as unknown:
        sign_in(session, runtime, username="nobody")
    with pytest.raises(BadCredentials) as elsewhere:  # right password, other tenant
        sign_in(session, runtime, tenant=OTHER_TENANT)
    assert wrong.value.detail == unknown.value.detail == elsewhere.value.detail
    assert wrong.value.code == "invalid_credentials" and wrong.value.status == 401


def test_five_failures_lock_the_account_for_fifteen_minutes(
    session: Session, runtime: Runtime, clock: FixedClock
) -> None:
    add(session, runtime, "ada")
    add(session, runtime, "ada", tenant=OTHER_TENANT)
    for _ in range(5):
        with pytest.raises(BadCredentials):
            sign_in(session, runtime, password="not the right password")
    with pytest.raises(TooManyAttempts) as locked:
        sign_in(session, runtime)  # the right password
    assert locked.value.status == 429
    sign_in(session, runtime, tenant=OTHER_TENANT)  # the same name elsewhere is not locked
    clock.advance(15 * 60 - 1)
    with pytest.raises(TooManyAttempts):
        sign_in(session, runtime)
    clock.advance(2)
    sign_in(session, runtime)


def test_an_unknown_account_locks_like_a_real_one(session: Session, runtime: Runtime) -> None:
    for _ in range(5):
        with pytest.raises(BadCredentials):
            sign_in(session, runtime, username="nobody")
    with pytest.raises(TooManyAttempts):
        sign_in(session, runtime, username="nobody")


def test_twenty_failures_from_one_address_lock_the_address(
    session: Session, runtime: Runtime
) -> None:
    add(session, runtime, "ada")
    for n in range(20):  # four failures each on five accounts: none locks on its own
        with pytest.raises(BadCredentials):
            sign_in(session, runtime, username=f"user{n % 5}", password="wrong password!")
    with pytest.raises(TooManyAttempts):
        sign_in(session, runtime)
    sign_in(session, runtime, address="198.51.100.1")  # another address is not locked


def test_the_wallets_throttle_and_the_staffs_are_apart(session: Session, runtime: Runtime) -> None:
    add(session, runtime, "ada")
    for _ in range(5):
        with pytest.raises(BadCredentials):
            sign_in(session, runtime, password="not the right password")
    rows = session.execute(text("SELECT count(*) FROM staff_signin_throttle")).scalar_one()
    assert rows == 2  # the account's key and the address's key
    assert session.execute(text("SELECT count(*) FROM wallet_signin_throttle")).scalar_one() == 0


def test_a_session_ends_after_thirty_idle_minutes(
    session: Session, runtime: Runtime, clock: FixedClock
) -> None:
    add(session, runtime, "ada")
    token = sign_in(session, runtime).token
    clock.advance(29 * 60)
    service.account_for_session(session, runtime, "issuer", TENANT, token)
    clock.advance(30 * 60 - 1)  # counted from the last use
    service.account_for_session(session, runtime, "issuer", TENANT, token)
    clock.advance(30 * 60)
    with pytest.raises(SessionInvalid):
        service.account_for_session(session, runtime, "issuer", TENANT, token)


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(
    session: Session, runtime: Runtime, clock: FixedClock
) -> None:
    add(session, runtime, "ada")
    token = sign_in(session, runtime).token
    for _ in range(24):
        clock.advance(30 * 60 - 1)
        service.account_for_session(session, runtime, "issuer", TENANT, token)
    clock.advance(12 * 3600 - 24 * (30 * 60 - 1) - 1)
    service.account_for_session(session, runtime, "issuer", TENANT, token)
    clock.advance(1)
    with pytest.raises(SessionInvalid):
        service.account_for_session(session, runtime, "issuer", TENANT, token)


def test_last_use_is_written_at_most_once_a_minute(
    session: Session, runtime: Runtime, clock: FixedClock
) -> None:
    add(session, runtime, "ada")
    token = sign_in(session, runtime).token
    start = clock.now()

    def last_seen() -> int:
        with session_scope(runtime.engine, read_only=True) as other:
            return int(other.execute(text("SELECT last_seen_at FROM staff_session")).scalar_one())

    clock.advance(59)
    service.account_for_session(session, runtime, "issuer", TENANT, token)
    assert last_seen() == start
    clock.advance(1)
    service.account_for_session(session, runtime, "issuer", TENANT, token)
    assert last_seen() == start + 60  # committed, seen from another session


@pytest.mark.parametrize(
    ("kind", "tenant", "token"),
    [
        ("issuer", OTHER_TENANT, "valid"),
        ("verifier", TENANT, "valid"),
        ("issuer", TENANT, None),
        ("issuer", TENANT, ""),
        ("issuer", TENANT, "intyg_staff_nonsense"),
    ],
)
def test_a_session_is_only_good_for_its_own_tenant_and_kind(
    session: Session, runtime: Runtime, kind: str, tenant: str, token: str | None
) -> None:
    add(session, runtime, "ada")
    made = sign_in(session, runtime).token
    with pytest.raises(SessionInvalid):
        service.account_for_session(
            session, runtime, kind, tenant, made if token == "valid" else token
        )


def test_sign_out_ends_only_that_session(session: Session, runtime: Runtime) -> None:
    add(session, runtime, "ada")
    first, second = sign_in(session, runtime).token, sign_in(session, runtime).token
    service.sign_out(session, first)
    with pytest.raises(SessionInvalid):
        service.account_for_session(session, runtime, "issuer", TENANT, first)
    service.account_for_session(session, runtime, "issuer", TENANT, second)
    service.sign_out(session, None)  # nothing to end: no error


def test_a_password_reset_ends_sessions_and_lifts_the_lockout(
    session: Session, runtime: Runtime
) -> None:
    add(session, runtime, "ada")
    token = sign_in(session, runtime).token
    for _ in range(5):
        with pytest.raises(BadCredentials):
            sign_in(session, runtime, password="not the right password", address="198.51.100.2")
    new_password = "a brand new long password"
    service.reset_password(session, "issuer", TENANT, "ADA", new_password)
    with pytest.raises(SessionInvalid):
        service.account_for_session(session, runtime, "issuer", TENANT, token)
    with pytest.raises(BadCredentials):
        sign_in(session, runtime)  # the old password
    sign_in(session, runtime, password=new_password)
    with pytest.raises(StaffAccountNotFound):
        service.reset_password(session, "issuer", OTHER_TENANT, "ada", new_password)
    with pytest.raises(InvalidInput):
        service.reset_password(session, "issuer", TENANT, "ada", "short")


def test_removing_an_account_ends_its_sessions(session: Session, runtime: Runtime) -> None:
    add(session, runtime, "ada")
    add(session, runtime, "bob")
    token = sign_in(session, runtime).token
    bobs = sign_in(session, runtime, "bob").token
    service.remove_account(session, "issuer", TENANT, "ada")
    with pytest.raises(SessionInvalid):
        service.account_for_session(session, runtime, "issuer", TENANT, token)
    with pytest.raises(BadCredentials):
        sign_in(session, runtime)
    assert [a.username for a in service.list_accounts(session, "issuer", TENANT)] == ["bob"]
    service.account_for_session(session, runtime, "issuer", TENANT, bobs)
    with pytest.raises(StaffAccountNotFound) as missing:
        service.remove_account(session, "issuer", TENANT, "ada")
    assert missing.value.status == 404
