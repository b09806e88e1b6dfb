"""Token Status List attacks (draft-ietf-oauth-status-list §8.3, §11) against
``POST /verifiers/{slug}/verify``.

The credential comes from ``support.HostileIssuer`` (on the verifier's trust list); its
``status.status_list.uri`` points at the hostile issuer's status endpoint, which serves the
hostile token of each row. The verifier must refuse with ``status_unknown`` (its policy
rejects a credential whose status cannot be established) and name the status list's own
error in the detail, write nothing, and stay up.
Unit twins: ``tests/standards/test_status_list.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from core import jose
from core.clock import FixedClock
from tests.verifier.support import Roles, assert_rejected, check

from .support import HostileIssuer, assert_nothing_written, bind, raw_jws, row_counts

MIB = 1024 * 1024


@dataclass
class Ctx:
    hostile: HostileIssuer
    uri: str
    now: int


def _bomb(c: Ctx) -> str:
    """17 MiB of zeros: ~17 KiB compressed, past the 16 MiB bound on a decoded list."""
    return c.hostile.status_list_token(c.uri, c.now, lst=bytes(17 * MIB))


def _wrong_sub(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, sub=c.hostile.status_uri("another-list"))


def _wrong_typ(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, typ="JWT")


def _typ_of_a_credential(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, typ="dc+sd-jwt")


def _expired(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, exp=c.now - 3600)


def _alg_none(c: Ctx) -> str:
    token = c.hostile.status_list_token(c.uri, c.now)
    header = {"alg": "none", "typ": "statuslist+jwt", "kid": c.hostile.key.kid}
    payload = jose.parse(token).payload
    return raw_jws(header, payload, None)


def _signed_by_a_stranger(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, key=jose.PrivateKey.generate())


def _empty_list(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, lst=b"")


def _index_out_of_range(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, lst=b"\x00")  # 8 entries; idx is 8


def _bits_unsupported(c: Ctx) -> str:
    return c.hostile.status_list_token(c.uri, c.now, bits=3)


def _not_a_jws(c: Ctx) -> str:
    return "<html>status list</html>"


ROWS: dict[str, tuple[Callable[[Ctx], str], str]] = {
    "decompression-bomb": (_bomb, "status_list_decompression_bomb"),
    "wrong-sub": (_wrong_sub, "status_list_wrong_sub"),
    "wrong-typ": (_wrong_typ, "jose_typ_mismatch"),
    "typ-of-a-credential": (_typ_of_a_credential, "jose_typ_mismatch"),
    "expired-list": (_expired, "status_list_expired"),
    "alg-none": (_alg_none, "jose_alg_not_allowed"),
    "signed-by-a-stranger": (_signed_by_a_stranger, "jwt_vc_issuer_metadata_invalid"),
    "empty-list": (_empty_list, "status_list_malformed"),
    "index-out-of-range": (_index_out_of_range, "status_list_index_out_of_range"),
    "bits-unsupported": (_bits_unsupported, "status_list_bits_unsupported"),
    "not-a-jws": (_not_a_jws, "jose_malformed"),
}


def presentation_pointing_at(hostile: HostileIssuer, uri: str, now: int, idx: int = 0) -> str:
    holder = jose.PrivateKey.generate()
    issuer_jwt = hostile.sign(hostile.payload(holder, now, status=uri, status_idx=idx))
    return bind(issuer_jwt, [], holder, now=now)


@pytest.mark.parametrize(("serve", "inner"), ROWS.values(), ids=list(ROWS))
def test_verifier_refuses_a_hostile_status_list(
    roles: Roles,
    engine: Engine,
    hostile: HostileIssuer,
    clock: FixedClock,
    request: pytest.FixtureRequest,
    serve: Callable[[Ctx], str],
    inner: str,
) -> None:
    name = request.node.callspec.id
    uri = hostile.status_uri(name)
    hostile.status_tokens[name] = serve(Ctx(hostile, uri, clock.now()))
    before = row_counts(engine)
    idx = 8 if name == "index-out-of-range" else 0
    result = roles.verify(presentation_pointing_at(hostile, uri, clock.now(), idx))
    assert_rejected(result, "status", "status_unknown")
    assert check(result, "status")["detail"].endswith(f"({inner})"), result
    assert_nothing_written(engine, before)


def test_control_a_sound_hostile_status_list_is_honoured(
    roles: Roles, hostile: HostileIssuer, clock: FixedClock
) -> None:
    """The rows fail for the reason they name: a sound list from the same issuer is used,
    and its INVALID bit revokes."""
    uri = hostile.status_uri("sound")
    hostile.status_tokens["sound"] = hostile.status_list_token(uri, clock.now(), lst=b"\x01")
    result = roles.verify(presentation_pointing_at(hostile, uri, clock.now()))
    assert_rejected(result, "status", "credential_revoked")
