"""Stateless ``c_nonce`` values (``issuer.nonces``): the nonce endpoint writes nothing, any
instance with the same master key accepts a nonce another minted, and a nonce that was
forged, stretched, or minted for another issuer or under another master key is refused."""

from __future__ import annotations

import dataclasses
import secrets

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core import b64url
from core.crypto import MasterKey
from core.runtime import Runtime
from core.standards import oid4vci
from issuer import nonces
from issuer.models import IssuerNonce
from tests.issuer.support import Protocol, new_key

NOW = 1_800_000_000


def spent_nonces(runtime: Runtime) -> int:
    with Session(runtime.engine) as session:
        return int(session.execute(select(func.count()).select_from(IssuerNonce)).scalar_one())


def test_the_nonce_endpoint_writes_nothing_and_spending_records_the_nonce(
    protocol: Protocol, runtime: Runtime
) -> None:
    nonce = protocol.nonce()
    assert spent_nonces(runtime) == 0
    response = protocol.credential_request(
        protocol.access_token(), protocol.body(protocol.proof(new_key(), nonce))
    )
    assert response.status_code == 200, response.text
    assert spent_nonces(runtime) == 1


def test_a_nonce_checks_on_any_instance_with_the_same_master_key(runtime: Runtime) -> None:
    nonce = nonces.mint(runtime, "issuer-1", NOW)
    other_instance = dataclasses.replace(runtime)  # same settings and master key
    assert nonces.check(other_instance, "issuer-1", nonce, NOW) == (
        NOW + runtime.settings.c_nonce_ttl_seconds
    )
    other_key = dataclasses.replace(runtime, master_key=MasterKey(secrets.token_bytes(32)))
    with pytest.raises(oid4vci.InvalidNonce):
        nonces.check(other_key, "issuer-1", nonce, NOW)


def test_a_nonce_of_another_issuer_is_refused(runtime: Runtime) -> None:
    with pytest.raises(oid4vci.InvalidNonce):
        nonces.check(runtime, "issuer-2", nonces.mint(runtime, "issuer-1", NOW), NOW)


def test_an_expired_nonce_is_refused_at_its_expiry(runtime: Runtime) -> None:
    nonce = nonces.mint(runtime, "issuer-1", NOW)
    expiry = NOW + runtime.settings.c_nonce_ttl_seconds
    assert nonces.check(runtime, "issuer-1", nonce, expiry - 1) == expiry
    with pytest.raises(oid4vci.InvalidNonce):
        nonces.check(runtime, "issuer-1", nonce, expiry)


@pytest.mark.parametrize("byte", [0, 7, 8, 23, 24, 39])  # expiry, random part, tag
def test_a_nonce_changed_in_any_byte_is_refused(runtime: Runtime, byte: int) -> None:
    raw = bytearray(b64url.decode(nonces.mint(runtime, "issuer-1", NOW)))
    raw[byte] ^= 0x01  # byte 7 flipped stretches the expiry by a second
    with pytest.raises(oid4vci.InvalidNonce):
        nonces.check(runtime, "issuer-1", b64url.encode(bytes(raw)), NOW)


@pytest.mark.parametrize("value", ["", "not base64url!", "AAAA", "A" * 54, "A" * 500])
def test_a_value_that_is_no_nonce_is_refused(runtime: Runtime, value: str) -> None:
    with pytest.raises(oid4vci.InvalidNonce):
        nonces.check(runtime, "issuer-1", value, NOW)
