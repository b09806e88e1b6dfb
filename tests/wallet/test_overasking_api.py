"""Over-asking through the wallet API: a recognised verifier whose list entry registers the
purpose ``recruitment`` asks, by the double, for more than it needs. The holder sees which
claims are extra, can answer with only the needed ones (the double receives exactly those) or
deny, and the log records the extra claim paths and the answer — never a value."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.runtime import Runtime
from core.standards import trust_list
from tests.helpers import create_issuer
from tests.pages.forms import submit, text_of
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import (
    PERSONAL_VALUES,
    QUERY,
    VCT,
    double_request_id,
    make_offer,
    receive,
)
from tests.wallet.test_pages import PASSWORD
from tests.wallet.test_recognised_verifiers import client_with
from tests.wallet.verifier_double import CLIENT_ID, VerifierDouble, disclosed_names

NAMES = [{"vct": VCT, "path": ["given_name"]}, {"vct": VCT, "path": ["family_name"]}]


def entities(claims: list[dict[str, object]]) -> list[dict[str, object]]:
    purpose = {"id": "recruitment", "name": {"sv": "Rekrytering", "en": "Recruitment"}}
    return [
        trust_list.verifier_entry(
            CLIENT_ID, "Listade arbetsgivaren", purposes=[{**purpose, "claims": claims}]
        )
    ]


def start(
    client: TestClient, double: VerifierDouble, purpose_id: str | None = "recruitment"
) -> tuple[dict[str, str], str, dict, str]:
    """A holder with a skill credential and an open request: auth, credential id, the
    wallet's view, the double's request id."""
    issuer = create_issuer(client)
    auth = sign_up_and_in(client)
    credential_id = receive(client, issuer, {"Authorization": f"Bearer {issuer['api_key']}"}, auth)
    extra = {} if purpose_id is None else {"purpose_id": purpose_id}
    link = double.new_request(QUERY, extra=extra)
    view = client.post("/wallet/presentation-requests", json={"request": link}, headers=auth)
    assert view.status_code == 201, view.text
    return auth, credential_id, view.json(), double_request_id(link)


def answer(
    client: TestClient, auth: dict, view: dict, credential_id: str, only_needed: bool
) -> object:
    optional = [["assessment_grade"], ["skills", 0]]
    return client.post(
        f"/wallet/presentation-requests/{view['id']}/approve",
        json={
            "credentials": {"skill": {"credential_id": credential_id, "optional_claims": optional}},
            "only_needed": only_needed,
        },
        headers=auth,
    )


def over_asking_entries(client: TestClient, auth: dict) -> list[dict]:
    entries = client.get("/wallet/log", headers=auth).json()["entries"]
    return [e["entry"] for e in entries if e["event"] == "over_asking"]


def test_extra_optional_claims_are_named_and_only_the_needed_ones_go(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    with client_with(runtime, double, tmp_path, entities(NAMES)) as client:
        auth, credential_id, view, double_id = start(client, double)
        found = view["over_asking"]
        assert found["finding"] == "over_asking" and found["over_asking"] is True
        assert found["purpose_id"] == "recruitment"
        assert found["purpose_name"] == {"sv": "Rekrytering", "en": "Recruitment"}
        extra = {tuple(e["path"]): e for e in found["extra_claims"]}
        assert set(extra) == {("assessment_grade",), ("skills", "*")}
        assert not any(e["required"] for e in extra.values())
        assert found["needed_only_may_be_refused"] is False
        assert {"locale": "sv-SE", "name": "Betyg"} in extra[("assessment_grade",)]["display"]

        approved = answer(client, auth, view, credential_id, only_needed=True)
        assert approved.status_code == 200, approved.text  # type: ignore[attr-defined]
        presentation = double.received[double_id].vp_token["skill"][0]  # type: ignore[index]
        assert sorted(disclosed_names(presentation)) == ["family_name", "given_name"]
        consent_id = approved.json()["consent_id"]  # type: ignore[attr-defined]
        consent = client.get(f"/wallet/consents/{consent_id}", headers=auth).json()
        assert consent["claims_disclosed"][0]["paths"] == [["given_name"], ["family_name"]]

        logged = over_asking_entries(client, auth)
        assert len(logged) == 1
        assert logged[0]["answer"] == "needed_only"
        assert logged[0]["purpose_id"] == "recruitment"
        assert [e["path"] for e in logged[0]["extra_claims"]] == [
            ["assessment_grade"],
            ["skills", "*"],
        ]
        log_text = str(client.get("/wallet/log", headers=auth).json())
        assert not any(value in log_text for value in PERSONAL_VALUES)
        assert client.get("/wallet/log/verify", headers=auth).json()["valid"] is True


def test_an_extra_required_claim_may_be_left_out_and_the_holder_is_warned(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    claims = [{"vct": VCT, "path": ["given_name"]}]
    with client_with(runtime, double, tmp_path, entities(claims)) as client:
        auth, credential_id, view, double_id = start(client, double)
        extra = {tuple(e["path"]): e["required"] for e in view["over_asking"]["extra_claims"]}
        assert extra[("family_name",)] is True
        assert view["over_asking"]["needed_only_may_be_refused"] is True
        approved = answer(client, auth, view, credential_id, only_needed=True)
        assert approved.status_code == 200, approved.text  # type: ignore[attr-defined]
        presentation = double.received[double_id].vp_token["skill"][0]  # type: ignore[index]
        assert disclosed_names(presentation) == ["given_name"]


@pytest.mark.parametrize("only_needed", [False, True], ids=["as-asked", "needed-only"])
def test_the_log_records_what_the_holder_chose(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path, only_needed: bool
) -> None:
    with client_with(runtime, double, tmp_path, entities(NAMES)) as client:
        auth, credential_id, view, double_id = start(client, double)
        approved = answer(client, auth, view, credential_id, only_needed=only_needed)
        assert approved.status_code == 200, approved.text  # type: ignore[attr-defined]
        presentation = double.received[double_id].vp_token["skill"][0]  # type: ignore[index]
        assert ("assessment_grade" in disclosed_names(presentation)) is not only_needed
        expected = "needed_only" if only_needed else "as_asked"
        assert [e["answer"] for e in over_asking_entries(client, auth)] == [expected]


def test_denying_an_over_asking_request_is_logged_as_denied(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    with client_with(runtime, double, tmp_path, entities(NAMES)) as client:
        auth, _credential_id, view, double_id = start(client, double)
        denied = client.post(f"/wallet/presentation-requests/{view['id']}/deny", headers=auth)
        assert denied.status_code == 200, denied.text
        assert double.received[double_id].error == "access_denied"
        assert [e["answer"] for e in over_asking_entries(client, auth)] == ["denied"]
        assert client.get("/wallet/log/verify", headers=auth).json()["valid"] is True


def test_a_request_within_its_purpose_is_not_over_asking(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    claims = [*NAMES, {"vct": VCT, "path": ["assessment_grade"]}, {"vct": VCT, "path": ["skills"]}]
    with client_with(runtime, double, tmp_path, entities(claims)) as client:
        auth, credential_id, view, _double_id = start(client, double)
        assert view["over_asking"]["finding"] == "within_purpose"
        assert view["over_asking"]["over_asking"] is False
        assert view["over_asking"]["extra_claims"] == []
        approved = answer(client, auth, view, credential_id, only_needed=False)
        assert approved.status_code == 200, approved.text  # type: ignore[attr-defined]
        assert over_asking_entries(client, auth) == []


@pytest.mark.parametrize(
    ("purpose_id", "finding"),
    [("marketing", "purpose_not_registered"), (None, "purpose_not_named")],
)
def test_an_unregistered_or_unnamed_purpose_is_shown_and_has_no_needed_only_answer(
    runtime: Runtime,
    double: VerifierDouble,
    tmp_path: Path,
    purpose_id: str | None,
    finding: str,
) -> None:
    with client_with(runtime, double, tmp_path, entities(NAMES)) as client:
        auth, credential_id, view, _double_id = start(client, double, purpose_id)
        assert view["over_asking"]["finding"] == finding
        assert view["over_asking"]["over_asking"] is None
        assert view["over_asking"]["purpose_id"] == purpose_id
        again = client.get(f"/wallet/presentation-requests/{view['id']}", headers=auth).json()
        assert again["over_asking"] == view["over_asking"]
        refused = answer(client, auth, view, credential_id, only_needed=True)
        assert refused.status_code == 422  # type: ignore[attr-defined]
        assert refused.json()["code"] == "choice_invalid"  # type: ignore[attr-defined]


def test_an_unrecognised_verifier_gets_no_verdict(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    listed = [
        trust_list.verifier_entry(
            "x509_san_dns:other.example",
            "Annan",
            purposes=[{"id": "recruitment", "claims": NAMES}],
        )
    ]
    with client_with(runtime, double, tmp_path, listed) as client:
        _auth, _credential_id, view, _double_id = start(client, double)
        assert view["verifier"]["recognised"] is False
        assert view["over_asking"]["finding"] == "not_assessed"
        assert view["over_asking"]["over_asking"] is None


def test_the_request_page_warns_and_shares_only_the_needed_claims(
    runtime: Runtime, double: VerifierDouble, tmp_path: Path
) -> None:
    """The page, driven as a browser drives it: the warning names the extra claims by their
    labels, and "Share only what is needed" sends only the registered ones."""
    claims = [{"vct": VCT, "path": ["given_name"]}]
    with client_with(runtime, double, tmp_path, entities(claims)) as client:
        issuer = create_issuer(client)
        submit(
            client,
            "/wallet/sign-up",
            "/wallet/sign-up",
            {"username": "alva@example.se", "password": PASSWORD, "password_again": PASSWORD},
        )
        offer = make_offer(client, issuer, {"Authorization": f"Bearer {issuer['api_key']}"})
        got = submit(
            client, "/wallet/receive", "/wallet/receive", {"offer": offer["credential_offer"]}
        )
        credential_id = got.headers["location"].split("/wallet/cards/")[1].split("?")[0]
        link = double.new_request(QUERY, extra={"purpose_id": "recruitment"})
        opened = submit(client, "/wallet/share", "/wallet/share", {"request": link})
        page_url = opened.headers["location"]
        page = client.get(page_url)
        warning = re.search(
            r'id="over-asking" data-finding="over_asking">(.*?)</section>', page.text, re.S
        )
        assert warning, "the page shows no over-asking warning"
        text = text_of(warning.group(1))
        assert "”Rekrytering”" in text
        extra = text_of(re.search(r'id="extra-claims">(.*?)</ul>', page.text, re.S).group(1))
        assert "Efternamn (mottagaren kräver den)" in extra and "Betyg" in extra
        assert "Förnamn" not in extra
        assert "kan mottagaren avvisa svaret" in text
        grade = json.dumps(["assessment_grade"], separators=(",", ":"))
        shared = submit(
            client,
            page_url,
            f"/wallet/requests/{page_url.rsplit('/', 1)[1]}/approve",
            [
                ("choice.skill", credential_id),
                (f"claim.skill.{credential_id}", grade),
                ("answer", "needed_only"),
            ],
        )
        assert shared.status_code == 200, shared.text
        presentation = double.received[double_request_id(link)].vp_token["skill"][0]  # type: ignore[index]
        assert disclosed_names(presentation) == ["given_name"]
