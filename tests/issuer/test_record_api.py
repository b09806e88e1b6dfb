"""The admin API of credential records: batch creation, listing with filters, completion."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.helpers import learner_claims

BO = "19811218-9876"


def without_grade(**claims: object) -> dict[str, object]:
    data = learner_claims(**claims)
    del data["assessment_grade"]
    return data


def upload(
    client: TestClient, slug: str, auth: dict[str, str], items: list[dict[str, object]]
) -> dict[str, object]:
    response = client.post(f"/issuers/{slug}/admin/records/batch", json=items, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def table(engine: Engine, name: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {name}"))]


def test_a_batch_makes_ready_and_pending_records_and_reports_a_bad_item(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str], engine: Engine
) -> None:
    slug = issuer["slug"]
    items: list[dict[str, object]] = [
        {"claims": learner_claims(), "idempotency_key": "row-1"},
        {"claims": without_grade(learner_identification=BO, given_name="Bo")},
        {"claims": learner_claims(learner_identification="19900101-0018")},  # bad check digit
    ]
    body = upload(client, slug, issuer_auth, items)

    assert (body["created"], body["pending"], body["failed"]) == (2, 1, 1)
    results = body["results"]
    assert isinstance(results, list)
    assert [r.get("record", {}).get("state") for r in results[:2]] == ["ready", "pending"]
    assert results[2]["error"]["code"] == "invalid_input"
    assert "learner_identification" in results[2]["error"]["detail"]
    assert "19900101" not in results[2]["error"]["detail"]
    assert len(table(engine, "issuer_record")) == 2
    assert table(engine, "issuer_offer") == []

    again = upload(client, slug, issuer_auth, items[:1])
    assert (again["created"], again["replayed"]) == (0, 1)
    assert again["results"][0]["record"]["record_id"] == results[0]["record"]["record_id"]  # type: ignore[index]
    assert len(table(engine, "issuer_record")) == 2


def test_staff_list_records_by_state_and_row_id_and_complete_one(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    slug = issuer["slug"]
    made = upload(
        client,
        slug,
        issuer_auth,
        [
            {"claims": learner_claims(), "idempotency_key": "klar"},
            {"claims": without_grade(), "idempotency_key": "väntar"},
        ],
    )["results"]
    assert isinstance(made, list)
    pending_id = made[1]["record"]["record_id"]

    listed = client.get(f"/issuers/{slug}/admin/records?state=pending", headers=issuer_auth)
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["records"]] == [pending_id]
    record = listed.json()["records"][0]
    assert record["row_id"] == "väntar" and record["collected"] == 0
    assert "claims" not in record and "Lindqvist" not in listed.text
    by_row = client.get(
        f"/issuers/{slug}/admin/records", params={"row_id": "klar"}, headers=issuer_auth
    )
    assert [r["row_id"] for r in by_row.json()["records"]] == ["klar"]

    done = client.patch(
        f"/issuers/{slug}/admin/records/{pending_id}",
        json={"claims": {"assessment_grade": "VG"}},
        headers=issuer_auth,
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "ready" and done.json()["completed_at"] is not None
    twice = client.patch(
        f"/issuers/{slug}/admin/records/{pending_id}",
        json={"claims": {"assessment_grade": "G"}},
        headers=issuer_auth,
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "record_complete")


def test_a_bad_completion_is_refused_and_changes_nothing(
    client: TestClient, issuer: dict[str, str], issuer_auth: dict[str, str]
) -> None:
    slug = issuer["slug"]
    made = upload(client, slug, issuer_auth, [{"claims": without_grade()}])["results"]
    assert isinstance(made, list)
    record_id = made[0]["record"]["record_id"]
    for patch, status, code in (
        ({"learner_identification": BO}, 422, "invalid_input"),
        ({"eqf_level": 12}, 422, "invalid_input"),
    ):
        response = client.patch(
            f"/issuers/{slug}/admin/records/{record_id}",
            json={"claims": patch},
            headers=issuer_auth,
        )
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert BO not in response.text
    unknown = client.patch(
        f"/issuers/{slug}/admin/records/00000000-0000-4000-8000-000000000000",
        json={"claims": {"assessment_grade": "VG"}},
        headers=issuer_auth,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "record_not_found")
    listed = client.get(f"/issuers/{slug}/admin/records", headers=issuer_auth).json()
    assert [r["state"] for r in listed["records"]] == ["pending"]
