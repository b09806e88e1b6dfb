"""The wallet's pages, driven as a browser drives them (forms, cookies, CSRF tokens), on the
same in-process issuer and verifier double as the wallet's API tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from core.errors import IntygError
from core.pages.i18n import LANGUAGES, load_catalogue
from core.standards.status_list.values import CredentialStatus
from schemas.wallet_log import ConsentEventKind, ConsentKind, ConsentState, LogEvent
from tests.pages.forms import submit, text_of
from tests.wallet.flows import QUERY, double_request_id, make_offer, rows
from tests.wallet.verifier_double import VerifierDouble
from wallet.models import RequestState

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


def sign_up(client: TestClient, username: str = "alva@example.se") -> None:
    made = submit(
        client,
        "/wallet/sign-up",
        "/wallet/sign-up",
        {"username": username, "password": PASSWORD, "password_again": PASSWORD},
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/wallet?notice=welcome"


def receive(client: TestClient, issuer: dict, issuer_auth: dict) -> str:
    offer = make_offer(client, issuer, issuer_auth)
    got = submit(client, "/wallet/receive", "/wallet/receive", {"offer": offer["credential_offer"]})
    assert got.status_code == 303, got.text
    return got.headers["location"].split("/wallet/cards/")[1].split("?")[0]


def test_pages_need_a_signed_in_holder(client: TestClient) -> None:
    for path in ("/wallet", "/wallet/receive", "/wallet/privacy", "/wallet/activity"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/wallet/sign-in?next={quote(path, safe='')}"


def test_sign_up_signs_in_with_a_cookie_scoped_to_the_wallet(client: TestClient) -> None:
    sign_up(client)
    cookie = next(c for c in client.cookies.jar if c.name == "intyg_wallet_session")
    assert cookie.path == "/wallet"
    assert cookie.has_nonstandard_attr("HttpOnly")
    home = client.get("/wallet?notice=welcome")
    assert home.status_code == 200
    assert "Välkommen" in home.text
    assert "alva@example.se" in home.text
    assert "Du har inga intyg än" in home.text


def test_sign_up_errors_are_shown_beside_the_fields(client: TestClient, engine: Engine) -> None:
    mismatch = submit(
        client,
        "/wallet/sign-up",
        "/wallet/sign-up",
        {"username": "bo@example.se", "password": PASSWORD, "password_again": "other " + PASSWORD},
    )
    assert mismatch.status_code == 422
    assert 'id="f-password_again-error"' in mismatch.text
    assert 'value="bo@example.se"' in mismatch.text  # what was typed stays
    short = submit(
        client,
        "/wallet/sign-up",
        "/wallet/sign-up",
        {"username": "bo@example.se", "password": "short", "password_again": "short"},
    )
    assert short.status_code == 422
    assert 'id="f-password-error"' in short.text
    assert rows(engine, "SELECT id FROM wallet_holder") == []


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    sign_up(client)
    client.cookies.clear()
    answers = [
        submit(
            client,
            "/wallet/sign-in",
            "/wallet/sign-in",
            {"username": name, "password": "not the password at all"},
        )
        for name in ("alva@example.se", "nobody@example.se")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert text_of(answers[0].text).replace("alva@example.se", "X") == text_of(
        answers[1].text
    ).replace("nobody@example.se", "X")
    assert "Fel användarnamn eller lösenord" in answers[0].text
    assert "intyg_wallet_session" not in answers[0].headers.get("set-cookie", "")


def test_sign_in_returns_to_the_page_asked_for_and_never_elsewhere(client: TestClient) -> None:
    sign_up(client)
    client.cookies.clear()
    for target, expected in (
        ("/wallet/privacy", "/wallet/privacy"),
        ("https://evil.example/", "/wallet"),
    ):
        answer = submit(
            client,
            "/wallet/sign-in",
            "/wallet/sign-in",
            {"username": "alva@example.se", "password": PASSWORD, "next": target},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == expected


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, issuer: dict, issuer_auth: dict, engine: Engine
) -> None:
    sign_up(client)
    offer = make_offer(client, issuer, issuer_auth)
    refused = client.post("/wallet/receive", data={"offer": offer["credential_offer"]})
    assert refused.status_code == 403
    assert "csrf_failed" in refused.text
    assert rows(engine, "SELECT id FROM wallet_credential") == []


def test_receive_asks_for_the_transaction_code_and_shows_the_new_card(
    client: TestClient, issuer: dict, issuer_auth: dict
) -> None:
    sign_up(client)
    offer = make_offer(client, issuer, issuer_auth, tx=True)
    link = offer["credential_offer"]
    # Arriving from the link: the form holds it already.
    arrived = client.get(f"/wallet/receive?offer={quote(link, safe='')}")
    assert (
        link.replace("&", "&amp;") in arrived.text
        or quote(link) in arrived.text
        or link in arrived.text
    )
    first = submit(client, "/wallet/receive", "/wallet/receive", {"offer": link})
    assert first.status_code == 200
    assert 'name="tx_code"' in first.text
    wrong = submit(
        client, "/wallet/receive", "/wallet/receive", {"offer": link, "tx_code": "000000x"}
    )
    assert wrong.status_code == 422
    assert 'id="f-tx_code-error"' in wrong.text
    right = submit(
        client, "/wallet/receive", "/wallet/receive", {"offer": link, "tx_code": offer["tx_code"]}
    )
    assert right.status_code == 303, right.text
    card = client.get(right.headers["location"])
    assert card.status_code == 200
    assert "Intyget finns nu i din plånbok" in card.text
    text = text_of(card.text)
    assert "Mjukvaruutvecklare .NET" in text
    # each skill on its own line, with its JobTech concept as a link
    skills = re.findall(r"<li>(C#|Agila metoder|SQL)\s", card.text)
    assert skills == ["C#", "Agila metoder", "SQL"]
    assert 'href="https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X"' in card.text
    assert "400 yh-poäng" in text
    cards = client.get("/wallet")
    assert "Mjukvaruutvecklare .NET" in cards.text
    assert "Giltigt" in cards.text


def test_sharing_sends_exactly_the_required_and_the_chosen_optional_claims(
    client: TestClient, issuer: dict, issuer_auth: dict, double: VerifierDouble
) -> None:
    sign_up(client)
    credential_id = receive(client, issuer, issuer_auth)
    link = double.new_request(QUERY, purpose="Rekrytering till utvecklartjänst")
    # the same-device link of a verifier lands on the share page with the request filled in
    landing = client.get(f"/wallet/share?request={quote(link, safe='')}")
    assert landing.status_code == 200
    opened = submit(client, "/wallet/share", "/wallet/share", {"request": link})
    assert opened.status_code == 303, opened.text
    page_url = opened.headers["location"]
    page = client.get(page_url)
    text = text_of(page.text)
    assert "Testarbetsgivaren AB" in text
    assert "Rekrytering till utvecklartjänst" in text
    assert "Styrkt med certifikat" in text
    required = re.search(r'data-kind="required">(.*?)</ul>', page.text, re.S)
    assert required and "Förnamn" in required.group(1) and "Efternamn" in required.group(1)
    optional = re.findall(r'name="claim\.skill\.' + credential_id + r'" value="([^"]+)"', page.text)
    assert json.dumps(["assessment_grade"], separators=(",", ":")).replace('"', "&#34;") in optional
    grade = json.dumps(["assessment_grade"], separators=(",", ":"))
    request_id = page_url.rsplit("/", 1)[1]
    shared = submit(
        client,
        page_url,
        f"/wallet/requests/{request_id}/approve",
        [("choice.skill", credential_id), (f"claim.skill.{credential_id}", grade)],
    )
    assert shared.status_code == 200, shared.text
    assert "Delat" in shared.text
    received = double.received[double_request_id(link)]
    assert received is not None
    consent_link = re.search(r'href="(/wallet/privacy/[^"]+)" id="consent-link"', shared.text)
    assert consent_link
    consent = client.get(consent_link.group(1))
    assert consent.status_code == 200
    disclosed = text_of(re.search(r'id="disclosed">(.*?)</ul>', consent.text, re.S).group(1))
    assert "Förnamn" in disclosed and "Efternamn" in disclosed
    assert "Betyg" in disclosed
    assert "Kompetenser" not in disclosed and "Kompetens #" not in disclosed
    receipt = client.get(consent_link.group(1) + "/receipt.jwt")
    assert receipt.status_code == 200
    assert receipt.headers["content-type"].startswith("application/consent-receipt+jwt")
    assert receipt.text.count(".") == 2


def test_withdraw_is_one_click_from_the_dashboard(
    client: TestClient, issuer: dict, issuer_auth: dict, double: VerifierDouble
) -> None:
    sign_up(client)
    credential_id = receive(client, issuer, issuer_auth)
    link = double.new_request(QUERY)
    opened = submit(client, "/wallet/share", "/wallet/share", {"request": link})
    page_url = opened.headers["location"]
    shared = submit(
        client,
        page_url,
        page_url.replace("/requests/", "/requests/") + "/approve",
        [("choice.skill", credential_id)],
    )
    assert shared.status_code == 200, shared.text
    dashboard = client.get("/wallet/privacy")
    consent_id = re.search(r'data-consent="([^"]+)" data-state="given"', dashboard.text).group(1)
    withdrawn = submit(client, "/wallet/privacy", f"/wallet/privacy/{consent_id}/withdraw")
    assert withdrawn.status_code == 303
    after = client.get(withdrawn.headers["location"])
    assert 'data-state="withdrawn"' in after.text
    assert "Samtycket är återkallat" in after.text
    log = client.get("/wallet/activity")
    assert "Samtycke återkallat" in log.text
    assert 'data-valid="true"' in log.text


def test_deny_sends_nothing_and_records_the_refusal(
    client: TestClient, issuer: dict, issuer_auth: dict, double: VerifierDouble
) -> None:
    sign_up(client)
    receive(client, issuer, issuer_auth)
    link = double.new_request(QUERY)
    page_url = submit(client, "/wallet/share", "/wallet/share", {"request": link}).headers[
        "location"
    ]
    denied = submit(client, page_url, page_url + "/deny")
    assert denied.status_code == 303
    consent = client.get(denied.headers["location"])
    assert 'data-state="refused"' in consent.text
    received = double.received.get(double_request_id(link))
    assert received is None or received.vp_token is None


def test_english_by_accept_language(client: TestClient) -> None:
    sign_up(client)
    page = client.get("/wallet", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "My credentials" in page.text


def test_delete_account_needs_the_username_typed(client: TestClient, engine: Engine) -> None:
    sign_up(client)
    exported = client.get("/wallet/account/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["account"]["username"] == "alva@example.se"
    wrong = submit(
        client, "/wallet/account/delete", "/wallet/account/delete", {"confirm_username": "x"}
    )
    assert wrong.status_code == 422
    assert len(rows(engine, "SELECT id FROM wallet_holder")) == 1
    gone = submit(
        client,
        "/wallet/account/delete",
        "/wallet/account/delete",
        {"confirm_username": "alva@example.se"},
    )
    assert gone.status_code == 303
    assert rows(engine, "SELECT id FROM wallet_holder") == []
    assert client.get("/wallet", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_state_and_event_the_pages_show_has_a_text(language: str) -> None:
    messages = load_catalogue(ROOT / "wallet" / "pages" / "messages", language)
    expected = (
        [f"wallet.status.{s.lower()}" for s in CredentialStatus]
        + [f"wallet.consent.state.{s}" for s in ConsentState]
        + [f"wallet.consent.event.{e}" for e in ConsentEventKind]
        + [f"wallet.request.state.{s}" for s in RequestState]
        + [f"wallet.activity.events.{e}" for e in LogEvent]
        + [f"wallet.consent.kinds.{k}" for k in ConsentKind]
    )
    assert [key for key in expected if key not in messages] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_of_the_wallet_has_a_text(language: str) -> None:
    """A wallet page that fails says why in the reader's language (error.<code>)."""
    from wallet.service import accounts, consents, grants, holdings, receiving, selection
    from wallet.service import sharing as sharing_service

    messages = load_catalogue(ROOT / "wallet" / "pages" / "messages", language)
    codes = {
        value.code
        for module in (accounts, consents, grants, holdings, receiving, selection, sharing_service)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, IntygError)
        and value.__module__ == module.__name__
    }
    assert codes, "no error classes found"
    assert sorted(code for code in codes if f"error.{code}" not in messages) == []


def test_a_notice_in_a_link_from_elsewhere_is_not_shown(client: TestClient) -> None:
    """``?notice=`` shows only after this browser's own redirect: a link cannot make the
    consents page say that a consent was withdrawn."""
    sign_up(client)
    shown = client.get("/wallet?notice=welcome")  # the redirect's own (its cookie is here)
    assert "Välkommen" in shown.text
    again = client.get("/wallet?notice=welcome")
    assert "Välkommen" not in again.text  # once
    forged = client.get("/wallet/privacy?notice=withdrawn")
    assert "Samtycket är återkallat" not in forged.text


def test_a_locked_sign_in_keeps_the_form_and_says_why(client: TestClient) -> None:
    sign_up(client)
    client.cookies.clear()
    answers = [
        submit(
            client,
            "/wallet/sign-in",
            "/wallet/sign-in",
            {"username": "alva@example.se", "password": "not the password at all"},
        )
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert "För många misslyckade inloggningar" in answers[-1].text
    assert 'name="password"' in answers[-1].text  # the form, not a bare error page
