"""The admin API: the service admin creates issuers; each issuer, with its own API key, makes
offers (one by one or in batches, idempotently), lists its credentials (metadata only), changes
their status and rotates its signing key.

Errors are RFC 9457 problem details with a stable ``code``; a validation error names the
fields and never echoes what was sent (it may be a personnummer).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk, jws
from pydantic import SecretStr

from tests.helpers import ADMIN, create_issuer, learner_claims
from tests.issuer.support import Protocol, decode_part, local, new_key, problem

PNR = "19900101-0017"
PNR_FORMS = ("19900101-0017", "199001010017", "900101-0017", "9001010017")


def no_personal_data(text: str) -> None:
    for value in (*PNR_FORMS, "Alva", "Lindqvist", "1990-01-01"):
        assert value not in text, f"{value!r} leaked"


def other_tenant(client: TestClient, clock: object) -> Protocol:
    made = create_issuer(client, "annan-skola")
    auth = {"Authorization": f"Bearer {made['api_key']}"}
    return Protocol(client, made["slug"], made["issuer"], auth, clock)  # type: ignore[arg-type]


NEW_ISSUER = {"slug": "ny-skola", "name": "Ny skola", "organisation_number": "556677-8899"}


# --- service admin: creating issuers ----------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token",
        "Bearer",
        "Basic dGVzdC1hZG1pbi10b2tlbg==",
        "test-admin-token",
        "Bearer test-admin-token-and-more",
        "Bearer TEST-ADMIN-TOKEN",
    ],
)
def test_create_issuer_needs_the_admin_token(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/admin/issuers", json=NEW_ISSUER, headers=headers)
    problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "test-admin-token" not in response.text
    # nothing was created: the slug is still free
    assert client.post("/admin/issuers", json=NEW_ISSUER, headers=ADMIN).status_code == 201


@pytest.mark.parametrize("admin_token", [None, SecretStr("")], ids=["unset", "empty"])
def test_admin_api_is_disabled_without_an_admin_token(
    client_with: Callable[..., TestClient], admin_token: SecretStr | None
) -> None:
    closed = client_with(admin_token=admin_token)
    for headers in ({}, ADMIN, {"Authorization": "Bearer "}):
        problem(
            closed.post("/admin/issuers", json=NEW_ISSUER, headers=headers),
            403,
            "admin_api_disabled",
        )


def test_create_issuer_answers_its_identifier_and_a_one_time_api_key(client: TestClient) -> None:
    response = client.post("/admin/issuers", json=NEW_ISSUER, headers=ADMIN)
    assert response.status_code == 201
    body = response.json()
    assert body["issuer"] == "http://localhost:8000/issuers/ny-skola"
    assert body["api_key"].startswith("intyg_issuer_") and len(body["api_key"]) > 40
    own = {"Authorization": f"Bearer {body['api_key']}"}
    listing = client.get("/issuers/ny-skola/admin/credentials", headers=own)
    assert listing.status_code == 200


def test_duplicate_slug_is_409_issuer_exists(client: TestClient, issuer: dict[str, str]) -> None:
    again = {**NEW_ISSUER, "slug": issuer["slug"], "name": "Someone else"}
    problem(client.post("/admin/issuers", json=again, headers=ADMIN), 409, "issuer_exists")
    # the first issuer is untouched: its key still works, its name is unchanged
    own = {"Authorization": f"Bearer {issuer['api_key']}"}
    assert (
        client.get(f"/issuers/{issuer['slug']}/admin/credentials", headers=own).status_code == 200
    )
    metadata = client.get(f"/.well-known/openid-credential-issuer/issuers/{issuer['slug']}")
    assert {d["name"] for d in metadata.json()["display"]} == {"YH-akademin"}


@pytest.mark.parametrize(
    "slug",
    [
        "Versaler",
        "-leading",
        "trailing-",
        "under_score",
        "skåne",
        "with space",
        "dot.ted",
        "a" * 65,
        "",
        "../admin",
    ],
)
def test_bad_slug_is_422_naming_the_field(client: TestClient, slug: str) -> None:
    response = client.post("/admin/issuers", json={**NEW_ISSUER, "slug": slug}, headers=ADMIN)
    body = problem(response, 422, "invalid_input")
    assert "slug" in body["detail"]
    if len(slug) >= 4:
        assert slug not in response.text


@pytest.mark.parametrize(
    "number",
    [
        "556677-8898",
        "5566778898",
        "556677-889",
        "55667788990",
        "abcdefghij",
        "000000-0000x",
        "199001010017",
    ],
)
def test_bad_organisation_number_is_422_without_echo(client: TestClient, number: str) -> None:
    body = {**NEW_ISSUER, "organisation_number": number}
    response = client.post("/admin/issuers", json=body, headers=ADMIN)
    detail = problem(response, 422, "invalid_input")["detail"]
    assert "organisation_number" in detail
    assert number not in response.text and number.replace("-", "") not in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_ISSUER, "api_key": "mine"}, "api_key"),
        ({**NEW_ISSUER, "require_dpop": True}, "require_dpop"),
        ({"slug": "x", "name": "x"}, "organisation_number"),
        ({**NEW_ISSUER, "name": ""}, "name"),
        ({**NEW_ISSUER, "name": "N" * 201}, "name"),
        ({**NEW_ISSUER, "name": "Nul\u0000skolan"}, "name"),
        ({**NEW_ISSUER, "name": 5}, "name"),
    ],
    ids=[
        "extra-api_key",
        "extra-require_dpop",
        "missing-field",
        "empty-name",
        "long-name",
        "nul-in-name",
        "name-not-string",
    ],
)
def test_create_issuer_rejects_extra_missing_and_bad_fields(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/admin/issuers", json=body, headers=ADMIN)
    assert field in problem(response, 422, "invalid_input")["detail"]


# --- issuer admin: authentication -------------------------------------------------------------


def admin_paths(slug: str) -> list[tuple[str, str]]:
    some_id = "00000000-0000-4000-8000-000000000000"
    return [
        ("POST", f"/issuers/{slug}/admin/offers"),
        ("POST", f"/issuers/{slug}/admin/offers/batch"),
        ("GET", f"/issuers/{slug}/admin/credentials"),
        ("POST", f"/issuers/{slug}/admin/credentials/{some_id}/revoke"),
        ("POST", f"/issuers/{slug}/admin/credentials/{some_id}/suspend"),
        ("POST", f"/issuers/{slug}/admin/credentials/{some_id}/reinstate"),
        ("POST", f"/issuers/{slug}/admin/keys/rotate"),
    ]


def test_api_key_of_issuer_a_is_refused_on_issuer_b(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str], clock: object
) -> None:
    other = other_tenant(client, clock)
    for method, path in admin_paths(other.slug):
        body = [] if path.endswith("batch") else {"claims": learner_claims()}
        response = client.request(method, path, json=body, headers=issuer_auth)
        problem(response, 401, "unauthenticated")
    # and the other way round
    for method, path in admin_paths(issuer["slug"]):
        response = client.request(method, path, json={}, headers=other.auth)
        problem(response, 401, "unauthenticated")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer intyg_issuer_unknown", "Bearer test-admin-token", "Basic abc"],
)
def test_issuer_admin_paths_need_the_issuers_own_key(
    client: TestClient, issuer: dict[str, str], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in admin_paths(issuer["slug"]):
        problem(client.request(method, path, json={}, headers=headers), 401, "unauthenticated")


def test_unknown_issuer_admin_path_is_401_not_a_slug_oracle(
    client: TestClient, issuer_auth: dict[str, str]
) -> None:
    problem(
        client.get("/issuers/ingen-sadan/admin/credentials", headers=issuer_auth),
        401,
        "unauthenticated",
    )


# --- offers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"learner_identification": "19900101-0018"},
        {"learner_identification": "199001010018"},
        {"eqf_level": 9},
        {"given_name": ""},
        {"birthdate": "2990-01-01"},
        {"credits": [{"value": 7.5, "unit": "credits"}]},
        {"skills": [{"id": "not a uri", "label": {"sv": "x", "en": "x"}}]},
        {"unknown_claim": PNR},
    ],
    ids=[
        "bad-check-digit",
        "bad-check-digit-12",
        "eqf-9",
        "empty-name",
        "future-birthdate",
        "bad-credit-unit",
        "bad-skill-id",
        "unknown-claim",
    ],
)
def test_invalid_claims_are_422_and_never_echo_the_personnummer(
    client: TestClient,
    issuer: dict[str, str],
    issuer_auth: dict[str, str],
    overrides: dict[str, object],
) -> None:
    response = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(**overrides)},
        headers=issuer_auth,
    )
    problem(response, 422, "invalid_input")
    for value in (*PNR_FORMS, "19900101-0018", "199001010018", "9001010018"):
        assert value not in response.text


def test_claims_that_are_not_an_object_are_422(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    for claims in ([PNR], PNR, None):
        response = client.post(
            f"/issuers/{issuer['slug']}/admin/offers",
            json={"claims": claims},
            headers=issuer_auth,
        )
        problem(response, 422, "invalid_input")
        assert PNR not in response.text


def test_offer_shape_and_tx_code_only_when_asked(protocol: Protocol) -> None:
    plain = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers",
        json={"claims": learner_claims()},
        headers=protocol.auth,
    )
    assert plain.status_code == 201
    body = plain.json()
    assert "tx_code" not in body and body["created"] is True
    assert body["credential_offer_uri"] == f"{protocol.issuer}/offers/{body['offer_id']}"
    assert body["qr_svg"].startswith("<svg")
    no_personal_data(plain.text)
    with_code = protocol.offer(tx_code=True)
    assert str(with_code["tx_code"]).isdigit() and len(str(with_code["tx_code"])) == 6


@pytest.mark.parametrize("where", ["body", "header"])
def test_idempotency_key_returns_the_same_offer(protocol: Protocol, where: str) -> None:
    def post(tx_code: bool = True, **claims: object) -> dict[str, object]:
        body: dict[str, object] = {"claims": learner_claims(**claims), "tx_code": tx_code}
        headers = dict(protocol.auth)
        if where == "body":
            body["idempotency_key"] = "elev-42"
        else:
            headers["Idempotency-Key"] = "elev-42"
        response = protocol.client.post(
            f"/issuers/{protocol.slug}/admin/offers", json=body, headers=headers
        )
        assert response.status_code in (200, 201, 409), response.text
        return {"status": response.status_code, **response.json()}

    first = post()
    assert first["created"] is True and len(str(first["tx_code"])) == 6
    again = post()
    assert again["created"] is False and again["offer_id"] == first["offer_id"]
    assert "tx_code" not in again  # shown once, at creation
    assert again["credential_offer_uri"] == first["credential_offer_uri"]

    other_learner = post(given_name="Bo")
    assert other_learner["status"] == 409 and other_learner["code"] == "idempotency_key_reused"
    assert "Bo" not in str(other_learner["detail"])
    other_flag = post(tx_code=False)
    assert other_flag["status"] == 409 and other_flag["code"] == "idempotency_key_reused"
    # the one offer is still the one to redeem, with its tx_code
    document = protocol.client.get(local(str(first["credential_offer_uri"])))
    assert document.status_code == 200


def test_idempotency_key_in_body_and_header_share_one_namespace(protocol: Protocol) -> None:
    path = f"/issuers/{protocol.slug}/admin/offers"
    first = protocol.client.post(
        path, json={"claims": learner_claims(), "idempotency_key": "k-1"}, headers=protocol.auth
    ).json()
    second = protocol.client.post(
        path, json={"claims": learner_claims()}, headers={**protocol.auth, "Idempotency-Key": "k-1"}
    ).json()
    assert second["offer_id"] == first["offer_id"] and second["created"] is False


def test_idempotency_keys_are_per_issuer(protocol: Protocol, clock: object) -> None:
    other = other_tenant(protocol.client, clock)
    body = {"claims": learner_claims(), "idempotency_key": "samma"}
    mine = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers", json=body, headers=protocol.auth
    )
    theirs = protocol.client.post(
        f"/issuers/{other.slug}/admin/offers", json=body, headers=other.auth
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["offer_id"] != theirs.json()["offer_id"]
    assert theirs.json()["created"] is True


@pytest.mark.parametrize("key", ["k" * 201, "nul\u0000key", "tab\tkey"], ids=["long", "nul", "tab"])
def test_bad_idempotency_key_is_422(protocol: Protocol, key: str) -> None:
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers",
        json={"claims": learner_claims(), "idempotency_key": key},
        headers=protocol.auth,
    )
    assert "idempotency_key" in problem(response, 422, "invalid_input")["detail"]


def test_replayed_offer_after_redemption_is_still_the_same_offer(protocol: Protocol) -> None:
    body = {"claims": learner_claims(), "idempotency_key": "elev-7"}
    path = f"/issuers/{protocol.slug}/admin/offers"
    first = protocol.client.post(path, json=body, headers=protocol.auth).json()
    offer = {
        "code": protocol.client.get(local(first["credential_offer_uri"])).json()["grants"][
            "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        ]["pre-authorized_code"]
    }
    token = protocol.redeem(offer).json()["access_token"]
    assert protocol.issue(token, [new_key()]).status_code == 200
    again = protocol.client.post(path, json=body, headers=protocol.auth)
    assert again.status_code in (200, 201)
    assert again.json()["offer_id"] == first["offer_id"] and again.json()["created"] is False


# --- batch offers -----------------------------------------------------------------------------


def batch_items() -> list[dict[str, object]]:
    return [
        {"claims": learner_claims(), "idempotency_key": "b-0"},
        {
            "claims": learner_claims(learner_identification="19900101-0018"),
            "idempotency_key": "b-1",
        },
        {"claims": learner_claims(given_name="Bo"), "idempotency_key": "b-2", "tx_code": True},
        {"claims": learner_claims(eqf_level=12), "idempotency_key": "b-3"},
        {"claims": learner_claims(given_name="Cecilia"), "idempotency_key": "b-0"},
        {"claims": learner_claims(given_name="Dan"), "idempotency_key": "b-5"},
    ]


def test_batch_reports_each_bad_item_by_index_and_creates_the_good_ones(
    protocol: Protocol,
) -> None:
    path = f"/issuers/{protocol.slug}/admin/offers/batch"
    response = protocol.client.post(path, json=batch_items(), headers=protocol.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["replayed"], body["failed"]) == (3, 0, 3)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(6))
    errors = {r["index"]: r["error"]["code"] for r in results if "error" in r}
    assert errors == {1: "invalid_input", 3: "invalid_input", 4: "idempotency_key_reused"}
    offers = {r["index"]: r["offer"] for r in results if "offer" in r}
    assert set(offers) == {0, 2, 5}
    assert "tx_code" in offers[2] and "tx_code" not in offers[0]
    for offer in offers.values():
        assert protocol.client.get(local(offer["credential_offer_uri"])).status_code == 200
    for value in (*PNR_FORMS, "19900101-0018", "199001010018"):
        assert value not in response.text

    rerun = protocol.client.post(path, json=batch_items(), headers=protocol.auth).json()
    assert (rerun["created"], rerun["replayed"], rerun["failed"]) == (0, 3, 3)
    assert {r["index"]: r["offer"]["offer_id"] for r in rerun["results"] if "offer" in r} == {
        i: o["offer_id"] for i, o in offers.items()
    }
    assert all("tx_code" not in r.get("offer", {}) for r in rerun["results"])


def test_batch_with_a_malformed_item_is_rejected_whole(protocol: Protocol) -> None:
    path = f"/issuers/{protocol.slug}/admin/offers/batch"
    items = [
        {"claims": learner_claims(), "idempotency_key": "m-0"},
        {"claims": learner_claims(), "tx_code": "ja", "surprise": 1},
    ]
    body = problem(
        protocol.client.post(path, json=items, headers=protocol.auth), 422, "invalid_input"
    )
    assert "1" in body["detail"]
    assert PNR not in str(body)
    # nothing was created: the good item's key is still free
    single = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers", json=items[0], headers=protocol.auth
    )
    assert single.json()["created"] is True


@pytest.mark.parametrize("body", [{}, "x", None, [[]]], ids=repr)
def test_batch_body_must_be_a_list_of_offers(protocol: Protocol, body: object) -> None:
    response = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/offers/batch",
        content=json.dumps(body),  # json=None would send no body at all
        headers={**protocol.auth, "Content-Type": "application/json"},
    )
    problem(response, 422, "invalid_input")


def test_empty_batch_is_fine_and_a_huge_one_is_refused(protocol: Protocol) -> None:
    path = f"/issuers/{protocol.slug}/admin/offers/batch"
    empty = protocol.client.post(path, json=[], headers=protocol.auth)
    assert empty.status_code == 200 and empty.json()["results"] == []
    huge = [{"claims": {}}] * 1001
    problem(protocol.client.post(path, json=huge, headers=protocol.auth), 422, "invalid_input")


# --- credentials: listing ---------------------------------------------------------------------


def listing(protocol: Protocol, **params: object) -> dict[str, object]:
    response = protocol.client.get(
        f"/issuers/{protocol.slug}/admin/credentials", params=params, headers=protocol.auth
    )
    assert response.status_code == 200, response.text
    no_personal_data(response.text)
    return response.json()


def test_credentials_are_listed_in_pages_without_personal_data(protocol: Protocol) -> None:
    protocol.credentials(3)
    protocol.credentials(2)
    seen: list[str] = []
    after: str | None = None
    sizes = []
    while True:
        page = listing(protocol, limit=2, **({"after": after} if after else {}))
        assert page["total"] == 5
        rows = page["credentials"]
        sizes.append(len(rows))
        for row in rows:
            assert set(row) == {
                "id",
                "vct",
                "status",
                "status_list",
                "status_idx",
                "offer_id",
                "issued_at",
                "expires_at",
                "status_changed_at",
            }
            assert row["status"] == "VALID" and row["status_changed_at"] is None
        seen += [r["id"] for r in rows]
        after = page["next_after"]
        if after is None:
            break
        assert after == rows[-1]["id"]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen)
    assert sizes[0] == 2 and sum(sizes) == 5
    assert [r["id"] for r in listing(protocol, limit=1000)["credentials"]] == seen


def test_credentials_of_another_issuer_are_not_listed(protocol: Protocol, clock: object) -> None:
    other = other_tenant(protocol.client, clock)
    other.credentials(2)
    assert listing(protocol)["total"] == 0
    assert listing(protocol)["credentials"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "x"},
        {"after": "x" * 37},
        {"after": "ZZZ"},
        {"after": "a\u0000"},
    ],
    ids=["limit-0", "limit-1001", "limit-text", "after-long", "after-not-an-id", "after-nul"],
)
def test_bad_paging_parameters_are_422(protocol: Protocol, params: dict[str, object]) -> None:
    response = protocol.client.get(
        f"/issuers/{protocol.slug}/admin/credentials", params=params, headers=protocol.auth
    )
    problem(response, 422, "invalid_input")


# --- credentials: status transitions ----------------------------------------------------------


def change(protocol: Protocol, credential_id: str, action: str) -> object:
    return protocol.client.post(
        f"/issuers/{protocol.slug}/admin/credentials/{credential_id}/{action}",
        headers=protocol.auth,
    )


def test_suspend_reinstate_revoke_and_revoked_is_final(protocol: Protocol) -> None:
    protocol.credentials(1)
    (row,) = listing(protocol)["credentials"]  # type: ignore[misc]
    cid = row["id"]
    for action, status in [
        ("suspend", "SUSPENDED"),
        ("suspend", "SUSPENDED"),
        ("reinstate", "VALID"),
        ("reinstate", "VALID"),
        ("suspend", "SUSPENDED"),
        ("revoke", "INVALID"),
        ("revoke", "INVALID"),
    ]:
        response = change(protocol, cid, action)
        assert response.status_code == 200, response.text  # type: ignore[attr-defined]
        body = response.json()  # type: ignore[attr-defined]
        assert body["status"] == status and body["id"] == cid
        assert body["status_changed_at"] == protocol.clock.now()
    for action in ("reinstate", "suspend"):
        problem(change(protocol, cid, action), 409, "conflict")  # type: ignore[arg-type]
    (row,) = listing(protocol)["credentials"]  # type: ignore[misc]
    assert row["status"] == "INVALID"


@pytest.mark.parametrize(
    "credential_id",
    ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1", "%00", "' OR 1=1 --"],
    ids=["unknown", "malformed", "number", "nul", "sql"],
)
@pytest.mark.parametrize("action", ["revoke", "suspend", "reinstate"])
def test_unknown_or_malformed_credential_id_is_404(
    protocol: Protocol, credential_id: str, action: str
) -> None:
    problem(change(protocol, credential_id, action), 404, "credential_not_found")  # type: ignore[arg-type]


def test_another_issuers_credential_is_404_and_untouched(protocol: Protocol, clock: object) -> None:
    other = other_tenant(protocol.client, clock)
    other.credentials(1)
    (theirs,) = listing(other)["credentials"]  # type: ignore[misc]
    for action in ("revoke", "suspend", "reinstate"):
        problem(change(protocol, theirs["id"], action), 404, "credential_not_found")  # type: ignore[arg-type]
    (theirs_now,) = listing(other)["credentials"]  # type: ignore[misc]
    assert theirs_now["status"] == "VALID" and theirs_now["status_changed_at"] is None


# --- key rotation -----------------------------------------------------------------------------


def published_keys(protocol: Protocol) -> list[dict[str, object]]:
    response = protocol.client.get(f"/.well-known/jwt-vc-issuer/issuers/{protocol.slug}")
    assert response.status_code == 200
    return response.json()["jwks"]["keys"]


def verify(token: str, keys: list[dict[str, object]], typ: str) -> dict[str, object]:
    header = decode_part(token, 0)
    assert header["typ"] == typ
    key = next(k for k in keys if k["kid"] == header["kid"])
    parsed = jws.JWS()
    parsed.deserialize(token.split("~")[0])
    parsed.verify(jwk.JWK(**key), alg="ES256")
    return header


def test_key_rotation_keeps_old_keys_published_and_signs_with_the_new_one(
    protocol: Protocol,
) -> None:
    (old_credential,) = protocol.credentials(1)
    (old_key,) = published_keys(protocol)
    assert decode_part(old_credential, 0)["kid"] == old_key["kid"]

    response = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/keys/rotate", headers=protocol.auth
    )
    assert response.status_code == 200
    new_kid = response.json()["kid"]
    assert new_kid != old_key["kid"]

    keys = published_keys(protocol)
    assert [k["kid"] for k in keys] == [new_kid, old_key["kid"]]
    assert all("d" not in k for k in keys)
    (new_credential,) = protocol.credentials(1)
    assert verify(new_credential, keys, "dc+sd-jwt")["kid"] == new_kid
    assert verify(old_credential, keys, "dc+sd-jwt")["kid"] == old_key["kid"]

    status_uri = decode_part(new_credential, 1)["status"]["status_list"]["uri"]  # type: ignore[index]
    status_token = protocol.client.get(local(status_uri)).text
    assert verify(status_token, keys, "statuslist+jwt")["kid"] == new_kid

    # a second rotation keeps every key published
    again = protocol.client.post(
        f"/issuers/{protocol.slug}/admin/keys/rotate", headers=protocol.auth
    ).json()["kid"]
    assert [k["kid"] for k in published_keys(protocol)] == [again, new_kid, old_key["kid"]]
