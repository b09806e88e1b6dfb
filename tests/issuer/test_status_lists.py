"""The issuer's Token Status Lists (draft-ietf-oauth-status-list): the ``statuslist+jwt`` it
serves, how it allocates indices (at random, never in issuance order), and that a status change
made through the admin API is visible in the list at once.

Lists are decoded here with zlib and base64 only, and verified with jwcrypto.
"""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from jwcrypto import jwk, jws

from core.config import Settings
from tests.helpers import create_issuer
from tests.issuer.support import Protocol, decode_part, local, problem

MEDIA_TYPE = "application/statuslist+jwt"


def reference(credential: str) -> dict[str, object]:
    status = decode_part(credential, 1)["status"]
    return status["status_list"]  # type: ignore[index,no-any-return]


def fetch(protocol: Protocol, uri: str) -> tuple[dict[str, object], dict[str, object], object]:
    response = protocol.client.get(local(uri))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    token = response.text
    header, payload = decode_part(token, 0), decode_part(token, 1)
    keys = protocol.client.get(f"/.well-known/jwt-vc-issuer/issuers/{protocol.slug}").json()
    key = next(k for k in keys["jwks"]["keys"] if k["kid"] == header["kid"])
    parsed = jws.JWS()
    parsed.deserialize(token)
    parsed.verify(jwk.JWK(**key), alg="ES256")
    return header, payload, response.headers


def status_at(payload: dict[str, object], idx: int) -> int:
    status_list = payload["status_list"]
    bits = status_list["bits"]  # type: ignore[index]
    lst = status_list["lst"]  # type: ignore[index]
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    per_byte = 8 // bits
    return (raw[idx // per_byte] >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


def status_of(protocol: Protocol, credential: str) -> int:
    ref = reference(credential)
    _, payload, _ = fetch(protocol, str(ref["uri"]))
    return status_at(payload, int(ref["idx"]))  # type: ignore[call-overload]


def credential_id(protocol: Protocol, credential: str) -> str:
    ref = reference(credential)
    rows = protocol.client.get(
        f"/issuers/{protocol.slug}/admin/credentials",
        params={"limit": 1000},
        headers=protocol.auth,
    ).json()["credentials"]
    (row,) = [
        r for r in rows if r["status_idx"] == ref["idx"] and ref["uri"].endswith(r["status_list"])
    ]  # type: ignore[union-attr]
    return str(row["id"])


def test_status_list_token(protocol: Protocol, settings: Settings) -> None:
    (credential,) = protocol.credentials(1)
    ref = reference(credential)
    assert str(ref["uri"]).startswith(f"{protocol.issuer}/status-lists/")
    assert isinstance(ref["idx"], int)
    header, payload, headers = fetch(protocol, str(ref["uri"]))
    assert header["typ"] == "statuslist+jwt" and header["alg"] == "ES256"
    assert payload["sub"] == ref["uri"]
    assert payload["iat"] == protocol.clock.now()
    assert payload["exp"] > payload["iat"]  # type: ignore[operator]
    assert payload["ttl"] == settings.status_list_ttl_seconds
    assert payload["status_list"]["bits"] == settings.status_list_bits  # type: ignore[index]
    assert headers["cache-control"] == f"public, max-age={settings.status_list_ttl_seconds}"  # type: ignore[index]
    # the list covers every index it hands out
    lst = payload["status_list"]["lst"]  # type: ignore[index]
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    assert len(raw) * 8 // settings.status_list_bits >= settings.status_list_size
    assert status_at(payload, int(ref["idx"])) == 0  # type: ignore[call-overload]


def test_the_list_is_rebuilt_at_every_request(protocol: Protocol) -> None:
    (credential,) = protocol.credentials(1)
    uri = str(reference(credential)["uri"])
    _, first, _ = fetch(protocol, uri)
    protocol.clock.advance(120)
    _, second, _ = fetch(protocol, uri)
    assert second["iat"] == first["iat"] + 120  # type: ignore[operator]


def test_indices_are_random_not_in_issuance_order(protocol: Protocol) -> None:
    issued = protocol.credentials(10) + protocol.credentials(10)
    refs = [reference(c) for c in issued]
    indices = [int(r["idx"]) for r in refs]  # type: ignore[call-overload]
    assert len(set(indices)) == 20
    assert len({r["uri"] for r in refs}) == 1
    steps = [b - a for a, b in zip(indices, indices[1:], strict=False)]
    assert not all(s > 0 for s in steps) and not all(s < 0 for s in steps)
    assert sum(1 for s in steps if abs(s) == 1) < 5  # not handed out as a run
    assert indices != sorted(indices)


def test_suspend_reinstate_revoke_are_visible_at_once(protocol: Protocol) -> None:
    credential, bystander = protocol.credentials(2)
    cid = credential_id(protocol, credential)
    path = f"/issuers/{protocol.slug}/admin/credentials/{cid}"
    for action, value in [("suspend", 2), ("reinstate", 0), ("suspend", 2), ("revoke", 1)]:
        assert protocol.client.post(f"{path}/{action}", headers=protocol.auth).status_code == 200
        assert status_of(protocol, credential) == value, action
        assert status_of(protocol, bystander) == 0
    assert protocol.client.post(f"{path}/reinstate", headers=protocol.auth).status_code == 409
    assert status_of(protocol, credential) == 1


def test_one_bit_lists_have_no_suspended(client_with: object, clock: object) -> None:
    onebit = client_with(status_list_bits=1)  # type: ignore[operator]
    made = create_issuer(onebit, "ett-bit")
    protocol = Protocol(
        onebit, made["slug"], made["issuer"], {"Authorization": f"Bearer {made['api_key']}"}, clock
    )  # type: ignore[arg-type]
    (credential,) = protocol.credentials(1)
    cid = credential_id(protocol, credential)
    path = f"/issuers/{protocol.slug}/admin/credentials/{cid}"
    assert protocol.client.post(f"{path}/revoke", headers=protocol.auth).status_code == 200
    _, payload, _ = fetch(protocol, str(reference(credential)["uri"]))
    assert payload["status_list"]["bits"] == 1  # type: ignore[index]
    assert status_at(payload, int(reference(credential)["idx"])) == 1  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "list_id",
    ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1", "%00", "..%2f..%2fadmin"],
    ids=["unknown", "malformed", "number", "nul", "traversal"],
)
def test_unknown_status_list_is_404(protocol: Protocol, list_id: str) -> None:
    protocol.credentials(1)  # the issuer has a list; these are not it
    response = protocol.client.get(f"/issuers/{protocol.slug}/status-lists/{list_id}")
    # a path that leaves the route (the decoded "/") is the router's plain not_found
    problem(response, 404, "not_found" if "%2f" in list_id else "status_list_not_found")


def test_another_issuers_status_list_is_404_here(protocol: Protocol, clock: object) -> None:
    made = create_issuer(protocol.client, "annan-skola")
    other = Protocol(
        protocol.client,
        made["slug"],
        made["issuer"],
        {"Authorization": f"Bearer {made['api_key']}"},
        clock,
    )  # type: ignore[arg-type]
    (credential,) = other.credentials(1)
    list_id = str(reference(credential)["uri"]).rsplit("/", 1)[1]
    problem(
        protocol.client.get(f"/issuers/{protocol.slug}/status-lists/{list_id}"),
        404,
        "status_list_not_found",
    )
    assert other.client.get(f"/issuers/{other.slug}/status-lists/{list_id}").status_code == 200


def test_status_list_payload_has_no_personal_data(protocol: Protocol) -> None:
    (credential,) = protocol.credentials(1)
    response = protocol.client.get(local(str(reference(credential)["uri"])))
    text = json.dumps(decode_part(response.text, 1)) + json.dumps(decode_part(response.text, 0))
    for value in ("Alva", "Lindqvist", "199001010017", "1990-01-01"):
        assert value not in text
