"""The employer's pages: request templates, a request from QR code to result, the history,
checking a pasted credential; signed-in staff of that verifier only, every form with CSRF."""

from __future__ import annotations

import base64
import re
from html import unescape
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tests.e2e.conftest import BASE
from tests.helpers import create_issuer
from tests.verifier.support import (
    CLIENT_ID,
    SLUG,
    VCT,
    Roles,
    count,
    create_verifier,
    request_object,
    respond,
    trust_list_token,
    vp_form,
)
from tests.verifier_pages.conftest import PORTAL, Browser, add_staff, signed_in
from verifier.models import VerifierRequest, VerifierRequestTemplate
from verifier.pipeline import CHECKS

FORM = {
    "name": "Utvecklare",
    "purpose": "Rekrytering till tjänsten som utvecklare",
    "vct": VCT,
    "claim_given_name": "required",
    "claim_family_name": "required",
    "claim_assessment_grade": "optional",
    "claim_skills": "optional",
}


def create_template(browser: Browser, **changes: str) -> str:
    made = browser.post(f"{PORTAL}/templates", {**FORM, **changes})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{PORTAL}?notice=template_saved"
    return template_named(browser, {**FORM, **changes}["name"])


def template_named(browser: Browser, name: str, portal: str = PORTAL) -> str:
    home = browser.get(portal).text
    found = re.search(
        rf'data-template="([0-9a-f-]{{36}})">\s*<h2 id="tpl-[0-9a-f-]+">{name}</h2>', home
    )
    assert found, home
    return found[1]


def start(browser: Browser, template_id: str) -> str:
    started = browser.post(f"{PORTAL}/templates/{template_id}/start")
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert location.startswith(f"{PORTAL}/history/")
    return location.rsplit("/", 1)[1]


def answer(roles: Roles, request_id: str, *paths: tuple[str | int, ...], held=None) -> None:  # noqa: ANN001
    """The holder's wallet answers the request with the claims at ``paths``."""
    request = {"request_uri": f"{BASE}/verifiers/{SLUG}/request-objects/{request_id}"}
    claims = request_object(roles.client, request)
    held = held or roles.issue_one()
    presentation = held.present(
        *paths, nonce=str(claims["nonce"]), aud=CLIENT_ID, iat=roles.clock.now()
    )
    answered = respond(
        roles.client, claims, vp_form({"credential": [presentation]}, claims["state"])
    )
    assert answered.status_code == 200, answered.text


def checks(html: str) -> dict[str, tuple[str, str]]:
    """``{check: (data-passed, text)}`` of the result's check list."""
    found = re.findall(
        r'<li class="check [^"]*" data-check="([a-z_]+)" data-passed="(true|false)"'
        r' data-outcome="[a-z_]+">(.*?)</li>',
        html,
        re.S,
    )
    return {name: (passed, unescape(re.sub(r"<[^>]+>", "", text))) for name, passed, text in found}


def claims_shown(html: str) -> list[str]:
    match = re.search(r'<dl class="claims" id="claims">(.*?)</dl>', html, re.S)
    return [] if match is None else [unescape(dt) for dt in re.findall(r"<dt>(.*?)</dt>", match[1])]


def outcome(html: str) -> str:
    match = re.search(r'<div id="result" data-outcome="([a-z]+)"( data-final)?>', html)
    assert match, html
    return match[1] + (" final" if match[2] else "")


# --- who may see the pages -------------------------------------------------------------------


PAGES = [
    "",
    "/templates/new",
    "/templates/00000000-0000-4000-8000-000000000000",
    "/history",
    "/history/00000000-0000-4000-8000-000000000000",
    "/history/00000000-0000-4000-8000-000000000000/result",
    "/check",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_sign_in(roles: Roles, app: FastAPI, page: str) -> None:
    stranger = TestClient(app, base_url=BASE)
    answer = stranger.get(PORTAL + page, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == (f"{PORTAL}/sign-in?next={quote(PORTAL + page, safe='')}")


def test_staff_of_another_verifier_are_sent_to_sign_in_here(app: FastAPI, roles: Roles) -> None:
    create_verifier(roles.client, slug="annan", name="Annan AB")
    add_staff(roles, slug="annan")
    other = signed_in(app, slug="annan")
    assert other.get("/verifiers/annan").status_code == 200
    for page in PAGES:
        refused = other.get(PORTAL + page)
        assert refused.status_code == 303, page
        assert refused.headers["location"].startswith(f"{PORTAL}/sign-in?next=")
    # the other verifier's session, sent here on purpose, is no session here either
    [token] = [c.value for c in other.client.cookies.jar if c.name == "intyg_verifier_staff"]
    forged = TestClient(app, base_url=BASE, cookies={"intyg_verifier_staff": token})
    assert forged.get(PORTAL, follow_redirects=False).status_code == 303


def test_sign_out_from_the_pages_header(browser: Browser) -> None:
    home = browser.get(PORTAL).text
    assert "Maja Rekryterare" in home
    assert f'action="{PORTAL}/sign-out"' in home
    out = browser.post(f"{PORTAL}/sign-out")
    assert out.status_code == 303
    assert browser.get(PORTAL).status_code == 303


def test_a_template_of_another_verifier_is_not_found(
    app: FastAPI, roles: Roles, browser: Browser
) -> None:
    template_id = create_template(browser)
    create_verifier(roles.client, slug="annan", name="Annan AB")
    add_staff(roles, slug="annan")
    other = signed_in(app, slug="annan")
    assert other.get(f"/verifiers/annan/templates/{template_id}").status_code == 404
    token = other.token("/verifiers/annan")
    started = other.post(f"/verifiers/annan/templates/{template_id}/start", token=token)
    assert started.status_code == 404 and "template_not_found" in started.text
    deleted = other.post(f"/verifiers/annan/templates/{template_id}/delete", token=token)
    assert deleted.status_code == 404
    assert template_id in browser.get(PORTAL).text  # still there for its own verifier


def test_the_api_keeps_its_routes_beside_the_pages(roles: Roles, browser: Browser) -> None:
    asked = roles.ask()
    status = roles.client.get(f"{PORTAL}/requests/{asked['id']}", headers=roles.verifier_auth)
    assert status.status_code == 200 and status.json()["status"] == "pending"
    no_key = roles.client.get(f"{PORTAL}/requests/{asked['id']}")
    assert no_key.status_code == 401 and no_key.json()["code"] == "unauthenticated"
    assert roles.client.get(f"{PORTAL}/trust-list", headers=roles.verifier_auth).status_code == 200
    assert browser.get(PORTAL).status_code == 200
    assert browser.get("/verifiers/okand").status_code == 404


# --- request templates -----------------------------------------------------------------------


def test_template_create_edit_delete(roles: Roles, browser: Browser, engine: Engine) -> None:
    form = browser.get(f"{PORTAL}/templates/new")
    assert form.status_code == 200
    assert f'<option value="{VCT}" selected>' in form.text
    assert 'for="f-claim_given_name">Förnamn</label>' in form.text
    given = re.search(r'name="claim_given_name">(.*?)</select>', form.text, re.S)
    assert given and '<option value="required" selected>' in given[1]  # names, by default

    template_id = create_template(browser)
    home = browser.get(f"{PORTAL}?notice=template_saved").text
    assert "Förfrågningsmallen är sparad." in home
    assert "Utvecklare" in home and "Rekrytering till tjänsten som utvecklare" in home

    edit = browser.get(f"{PORTAL}/templates/{template_id}").text
    assert 'value="Utvecklare"' in edit
    for name, choice in [
        ("given_name", "required"),
        ("assessment_grade", "optional"),
        ("birthdate", "no"),
    ]:
        select = re.search(rf'name="claim_{name}">(.*?)</select>', edit, re.S)
        assert select and f'<option value="{choice}" selected>' in select[1], name

    changed = browser.post(
        f"{PORTAL}/templates/{template_id}",
        {**FORM, "name": "Utvecklare 2", "claim_skills": "no", "claim_birthdate": "required"},
    )
    assert changed.status_code == 303, changed.text
    request_id = start(browser, template_id)
    query = request_object(
        roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
    )["dcql_query"]
    assert query == {
        "credentials": [
            {
                "id": "credential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [
                    {"id": "given_name", "path": ["given_name"]},
                    {"id": "family_name", "path": ["family_name"]},
                    {"id": "birthdate", "path": ["birthdate"]},
                    {"id": "assessment_grade", "path": ["assessment_grade"]},
                ],
                "claim_sets": [
                    ["given_name", "family_name", "birthdate", "assessment_grade"],
                    ["given_name", "family_name", "birthdate"],
                ],
            }
        ]
    }

    confirm = browser.get(f"{PORTAL}/templates/{template_id}/delete")
    assert confirm.status_code == 200 and "Utvecklare 2" in confirm.text
    deleted = browser.post(f"{PORTAL}/templates/{template_id}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"{PORTAL}?notice=template_deleted"
    assert count(engine, VerifierRequestTemplate) == 0
    assert browser.get(f"{PORTAL}/templates/{template_id}").status_code == 404
    # the request started from it keeps the template's name in the history
    assert "Utvecklare 2" in browser.get(f"{PORTAL}/history").text


def test_skills_are_asked_for_one_by_one(roles: Roles, browser: Browser) -> None:
    template_id = create_template(browser, claim_skills="required", claim_assessment_grade="no")
    request_id = start(browser, template_id)
    query = request_object(
        roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
    )["dcql_query"]
    credential = query["credentials"][0]  # type: ignore[index]
    assert {"id": "skills", "path": ["skills", None]} in credential["claims"]
    assert "claim_sets" not in credential  # nothing optional


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Fyll i det här."),
        ({"name": "x" * 201}, "name", "Det här är för långt."),
        ({"purpose": ""}, "purpose", "Fyll i det här."),
        ({"vct": ""}, "vct", "Fyll i det här."),
        ({"vct": "not a type"}, "vct", "Det här är ingen identifierare för en typ av intyg."),
        (
            {"claim_given_name": "optional", "claim_family_name": "no"},
            "claims",
            "Välj minst en obligatorisk uppgift.",
        ),
        (
            {"purpose_id": "-recruitment"},
            "purpose_id",
            "Bara bokstäver, siffror och . _ : / -, och först en bokstav eller siffra.",
        ),
        (
            {"purpose_id": "rekrytering utvecklare"},
            "purpose_id",
            "Bara bokstäver, siffror och . _ : / -, och först en bokstav eller siffra.",
        ),
        ({"purpose_id": "r" * 201}, "purpose_id", "Det här är för långt."),
    ],
    ids=[
        "blank-name",
        "long-name",
        "no-purpose",
        "no-type",
        "bad-type",
        "none-required",
        "purpose-id-first-character",
        "purpose-id-space",
        "long-purpose-id",
    ],
)
def test_a_template_that_does_not_fit_is_shown_again_with_the_errors_beside_the_fields(
    browser: Browser, engine: Engine, changes: dict[str, str], field: str, message: str
) -> None:
    refused = browser.post(f"{PORTAL}/templates", {**FORM, **changes})
    assert refused.status_code == 422
    assert f'<p class="error" id="f-{field}-error">{message}</p>' in refused.text
    assert 'role="alert"' in refused.text
    if field != "purpose":
        assert "Rekrytering till tjänsten som utvecklare</textarea>" in refused.text  # kept
    assert count(engine, VerifierRequestTemplate) == 0


def test_a_template_name_is_unique_per_verifier(browser: Browser, engine: Engine) -> None:
    first = create_template(browser)
    again = browser.post(f"{PORTAL}/templates", FORM)
    assert again.status_code == 422
    assert "Du har redan en mall med det här namnet." in again.text
    second = create_template(browser, name="Annan")
    renamed = browser.post(f"{PORTAL}/templates/{second}", FORM)  # to the first one's name
    assert renamed.status_code == 422 and 'id="f-name-error"' in renamed.text
    assert count(engine, VerifierRequestTemplate) == 2
    assert first != second


def test_a_form_with_a_choice_that_is_not_offered_is_refused(
    browser: Browser, engine: Engine
) -> None:
    refused = browser.post(f"{PORTAL}/templates", {**FORM, "claim_given_name": "maybe"})
    assert refused.status_code == 400 and "invalid_form" in refused.text
    assert count(engine, VerifierRequestTemplate) == 0


def test_a_form_without_the_csrf_token_is_refused(
    app: FastAPI, browser: Browser, engine: Engine
) -> None:
    browser.get(PORTAL)
    for path in (f"{PORTAL}/templates", f"{PORTAL}/check"):
        refused = browser.client.post(path, data=FORM, follow_redirects=False)
        assert refused.status_code == 403 and "csrf_failed" in refused.text
    template_id = create_template(browser)
    refused = browser.client.post(f"{PORTAL}/templates/{template_id}/start", data={})
    assert refused.status_code == 403
    assert count(engine, VerifierRequest) == 0
    assert count(engine, VerifierRequestTemplate) == 1


# --- a request, from QR code to result -------------------------------------------------------


def test_start_shows_the_qr_code_the_links_and_a_pending_result(
    roles: Roles, browser: Browser
) -> None:
    request_id = start(browser, create_template(browser))
    page = browser.get(f"{PORTAL}/history/{request_id}")
    assert page.status_code == 200
    html = page.text
    image = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert image and base64.b64decode(image[1]).startswith(b"<svg")
    assert '<figcaption class="warning">Adressen är en loopback-adress' in html  # localhost
    link = re.search(r'<code id="qr-link">([^<]+)</code>', html)
    assert link
    wallet_link = unescape(link[1])
    assert wallet_link.startswith("openid4vp://?client_id=x509_san_dns%3Alocalhost")
    assert quote(f"{PORTAL}/request-objects/{request_id}", safe="") in wallet_link
    # a wallet on this device gets a request of its own (the same-device flow), by a form
    assert f'action="{PORTAL}/history/{request_id}/same-device"' in html
    assert 'id="wallet-link"' in html and 'id="hosted-wallet-link"' in html
    assert f'data-poll="{PORTAL}/history/{request_id}/result"' in html
    assert outcome(html) == "pending"

    fragment = browser.get(f"{PORTAL}/history/{request_id}/result")
    assert fragment.status_code == 200
    assert outcome(fragment.text) == "pending"
    assert "<html" not in fragment.text


def test_a_valid_answer_shows_every_check_and_exactly_the_shared_claims(
    roles: Roles, browser: Browser
) -> None:
    request_id = start(browser, create_template(browser))
    answer(roles, request_id, ("given_name",), ("family_name",), ("assessment_grade",))
    fragment = browser.get(f"{PORTAL}/history/{request_id}/result").text
    assert outcome(fragment) == "valid final"
    shown = checks(fragment)
    assert tuple(shown) == CHECKS
    assert all(passed == "true" for passed, _ in shown.values()), shown
    assert shown["signature"][1] == "Signatur: Utfärdarens signatur är äkta: inget har ändrats."
    assert claims_shown(fragment) == ["Förnamn", "Efternamn", "Betyg"]
    assert "<dd>Alva</dd>" in fragment
    assert "~" not in fragment and "eyJ" not in fragment  # no token

    english = browser.get(f"{PORTAL}/history/{request_id}", headers={"accept-language": "en"})
    assert claims_shown(english.text) == ["Given name(s)", "Family name(s)", "Grade"]
    assert "Valid: every check passed." in english.text
    assert 'id="qr-link"' not in english.text  # answered: no QR code any more


def test_shared_skills_are_shown_one_per_line_in_the_readers_language(
    roles: Roles, browser: Browser
) -> None:
    request_id = start(browser, create_template(browser))
    answer(roles, request_id, ("given_name",), ("family_name",), ("skills", 0), ("skills", 1))
    fragment = browser.get(f"{PORTAL}/history/{request_id}/result").text
    assert claims_shown(fragment) == ["Förnamn", "Efternamn", "Kompetenser"]
    skills = re.search(r"<dt>Kompetenser</dt>(.*?)(<dt>|</dl>)", fragment, re.S)
    assert skills and len(re.findall(r"<dd>", skills[1])) == 2


def test_an_untrusted_issuer_shows_the_failed_check_and_why(roles: Roles, browser: Browser) -> None:
    request_id = start(browser, create_template(browser))
    stranger = create_issuer(roles.client, "okand-skola")
    [held] = roles.issue(1, issuer=stranger)
    answer(roles, request_id, ("given_name",), ("family_name",), held=held)
    fragment = browser.get(f"{PORTAL}/history/{request_id}/result").text
    assert outcome(fragment) == "invalid final"
    shown = checks(fragment)
    assert shown["format"][0] == "true" and shown["algorithm"][0] == "true"
    assert shown["issuer_key"] == (
        "false",
        "Utfärdare och nyckel: Utfärdaren finns inte på din förtroendelista.",
    )
    assert shown["signature"][1].endswith("Inte kontrollerat (en tidigare kontroll misslyckades).")
    assert claims_shown(fragment) == [] and "Alva" not in fragment


def test_a_revoked_credential_shows_the_status_check_failed(roles: Roles, browser: Browser) -> None:
    request_id = start(browser, create_template(browser))
    held = roles.issue_one()
    [credential_id] = roles.credential_ids()
    revoked = roles.client.post(
        f"/issuers/{roles.issuer['slug']}/admin/credentials/{credential_id}/revoke",
        headers=roles.issuer_auth,
    )
    assert revoked.status_code == 200, revoked.text
    answer(roles, request_id, ("given_name",), ("family_name",), held=held)
    page = browser.get(f"{PORTAL}/history/{request_id}", headers={"accept-language": "en"}).text
    assert outcome(page) == "invalid final"
    assert checks(page)["status"] == (
        "false",
        "Revocation status: The issuer has revoked the credential.",
    )
    assert claims_shown(page) == []


def test_a_declined_request_says_so(roles: Roles, browser: Browser) -> None:
    request_id = start(browser, create_template(browser))
    claims = request_object(
        roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
    )
    declined = respond(
        roles.client, claims, {"error": "access_denied", "state": str(claims["state"])}
    )
    assert declined.status_code == 200, declined.text
    fragment = browser.get(f"{PORTAL}/history/{request_id}/result").text
    assert outcome(fragment) == "declined final"
    assert "Innehavaren avböjde att dela." in fragment


def test_starting_without_a_trust_list_is_an_error_page(
    app: FastAPI, roles: Roles, browser: Browser, engine: Engine
) -> None:
    create_verifier(roles.client, slug="utan-lista", name="Utan lista AB")
    add_staff(roles, slug="utan-lista")
    browser = signed_in(app, slug="utan-lista")
    portal = "/verifiers/utan-lista"
    form = browser.get(f"{portal}/templates/new").text
    assert f'<option value="{VCT}" selected>' in form  # the platform's skill credential type
    token = browser.token(portal)
    made = browser.post(f"{portal}/templates", FORM, token=token)
    assert made.status_code == 303, made.text
    template_id = template_named(browser, "Utvecklare", portal)
    refused = browser.post(f"{portal}/templates/{template_id}/start", token=token)
    assert refused.status_code == 503 and "trust_list_unavailable" in refused.text
    assert "Ingen förtroendelista är installerad" in refused.text
    assert count(engine, VerifierRequest) == 0


# --- history ---------------------------------------------------------------------------------


def test_history_lists_requests_newest_first_with_their_outcome(
    roles: Roles, browser: Browser
) -> None:
    template_id = create_template(browser)
    first = start(browser, template_id)
    answer(roles, first, ("given_name",), ("family_name",))
    roles.clock.advance(60)
    roles.ask()  # by the API: no template
    roles.clock.advance(60)
    third = start(browser, template_id)
    roles.clock.advance(601)  # the third one expires unanswered
    html = browser.get(f"{PORTAL}/history").text
    rows = re.findall(r'<tr data-request="([0-9a-f-]+)" data-outcome="([a-z]+)">', html)
    assert [outcome for _, outcome in rows] == ["expired", "expired", "valid"]
    assert rows[0][0] == third and rows[2][0] == first
    assert html.count("Utvecklare") == 2 and "(ingen)" in html
    assert f'href="{PORTAL}/history/{first}"' in html


def test_history_is_paginated(roles: Roles, browser: Browser) -> None:
    for _ in range(26):
        roles.ask()
        roles.clock.advance(1)
    first = browser.get(f"{PORTAL}/history").text
    assert len(re.findall(r"<tr data-request=", first)) == 25
    assert f'href="{PORTAL}/history?page=2" rel="next"' in first
    second = browser.get(f"{PORTAL}/history?page=2").text
    assert len(re.findall(r"<tr data-request=", second)) == 1
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert browser.get(f"{PORTAL}/history?page=0").status_code == 400


# --- a pasted credential ---------------------------------------------------------------------


def test_a_pasted_credential_is_checked_as_post_verify_checks_it(
    roles: Roles, browser: Browser
) -> None:
    held = roles.issue_one()
    page = browser.get(f"{PORTAL}/check")
    assert page.status_code == 200 and 'for="f-presentation"' in page.text
    checked = browser.post(
        f"{PORTAL}/check", {"presentation": held.sd_jwt(("given_name",)), "nonce": ""}
    )
    assert checked.status_code == 200
    assert outcome(checked.text) == "valid final"
    shown = checks(checked.text)
    assert shown["key_binding"][0] == "true" and "Efterfrågades inte" in shown["key_binding"][1]
    assert shown["dcql"][0] == "true"
    assert "Förnamn" in claims_shown(checked.text)


def test_a_pasted_credential_without_the_asked_key_binding_fails_that_check(
    roles: Roles, browser: Browser
) -> None:
    held = roles.issue_one()
    checked = browser.post(
        f"{PORTAL}/check", {"presentation": held.sd_jwt(("given_name",)), "nonce": "n-123"}
    )
    assert outcome(checked.text) == "invalid final"
    assert checks(checked.text)["key_binding"] == (
        "false",
        "Innehavare: Innehavarens bevis (nyckelbindning) saknas.",
    )
    bound = held.present(("given_name",), nonce="n-123", iat=roles.clock.now())
    again = browser.post(
        f"{PORTAL}/check", {"presentation": bound, "nonce": "n-123", "audience": CLIENT_ID}
    )
    assert outcome(again.text) == "valid final"
    replayed = browser.post(f"{PORTAL}/check", {"presentation": bound, "nonce": "n-123"})
    assert checks(replayed.text)["key_binding"][0] == "false"


def test_pasted_text_that_is_no_credential(browser: Browser) -> None:
    empty = browser.post(f"{PORTAL}/check", {"presentation": "  "})
    assert empty.status_code == 422
    assert 'id="f-presentation-error">Klistra in intyget här.</p>' in empty.text
    garbage = browser.post(f"{PORTAL}/check", {"presentation": "hello~"})
    assert garbage.status_code == 200
    assert outcome(garbage.text) == "invalid final"
    assert checks(garbage.text)["format"][0] == "false"


# --- a wallet on this device (OpenID4VP 1.0 §8.2, §14.2; HAIP 1.0 §5.1) ---------------------


def same_device(browser: Browser, request_id: str, wallet: str) -> str:
    made = browser.post(f"{PORTAL}/history/{request_id}/same-device", {"wallet": wallet})
    assert made.status_code == 303, made.text
    return made.headers["location"]


def test_a_wallet_on_this_device_gets_a_request_that_comes_back_here(
    roles: Roles, browser: Browser, engine: Engine
) -> None:
    first = start(browser, create_template(browser))
    hosted = same_device(browser, first, "hosted")
    assert hosted.startswith("/wallet/share?request=openid4vp")
    app_link = same_device(browser, first, "app")
    assert app_link.startswith("openid4vp://?client_id=")
    with Session(engine) as session:
        made = session.exec(select(VerifierRequest).where(VerifierRequest.id != first)).all()
    assert len(made) == 2
    assert {r.redirect_uri for r in made} == {f"{BASE}{PORTAL}/returned"}
    assert all(r.template_name == "Utvecklare" for r in made)


def test_the_answer_is_shown_only_for_the_code_the_wallet_brought_back(
    roles: Roles, browser: Browser, engine: Engine, app: FastAPI
) -> None:
    first = start(browser, create_template(browser))
    same_device(browser, first, "hosted")
    with Session(engine) as session:
        [row] = session.exec(select(VerifierRequest).where(VerifierRequest.id != first)).all()
    request = {"request_uri": f"{BASE}/verifiers/{SLUG}/request-objects/{row.id}"}
    claims = request_object(roles.client, request)
    presentation = roles.issue_one().present(
        ("given_name",),
        ("family_name",),
        nonce=str(claims["nonce"]),
        aud=CLIENT_ID,
        iat=roles.clock.now(),
    )
    answered = respond(
        roles.client, claims, vp_form({"credential": [presentation]}, claims["state"])
    )
    redirect = answered.json()["redirect_uri"]
    assert redirect.startswith(f"{BASE}{PORTAL}/returned#response_code=")
    code = redirect.split("#response_code=", 1)[1]
    assert outcome(browser.get(f"{PORTAL}/history/{row.id}").text) == "pending"

    returned = browser.get(f"{PORTAL}/returned")
    assert returned.status_code == 200
    assert 'data-fragment-form="response_code"' in returned.text
    token = browser.token(f"{PORTAL}/returned")
    wrong = browser.post(f"{PORTAL}/returned", {"response_code": code[:-2] + "AA"}, token=token)
    assert wrong.status_code == 400
    # a colleague's browser (same verifier, another session) cannot bring it back (§13.3)
    add_staff(roles, username="kim")
    colleague = signed_in(app, username="kim")
    elsewhere = colleague.post(f"{PORTAL}/returned", {"response_code": code})
    assert elsewhere.status_code == 400 and "another browser" in elsewhere.text
    shown = browser.post(f"{PORTAL}/returned", {"response_code": code}, token=token)
    assert shown.status_code == 303 and shown.headers["location"] == f"{PORTAL}/history/{row.id}"
    assert outcome(browser.get(shown.headers["location"]).text) == "valid final"
    again = browser.post(f"{PORTAL}/returned", {"response_code": code}, token=token)
    assert again.status_code == 400  # once only


def test_a_template_can_ask_for_trusted_authorities_from_the_trust_list(
    roles: Roles, browser: Browser
) -> None:
    from core import x509 as certs
    from issuer import ca

    form = browser.get(f"{PORTAL}/templates/new").text
    assert 'name="trusted_authorities" value="aki"' in form
    assert 'for="f-ta-aki">Certifikatutfärdarna för utfärdarna på listan (aki)</label>' in form
    assert 'for="f-ta-etsi_tl">ETSI-tillitslistan du läser (etsi_tl)</label>' in form
    template_id = create_template(browser, trusted_authorities="aki")
    edit = browser.get(f"{PORTAL}/templates/{template_id}").text
    assert re.search(r'value="aki" checked', edit) and not re.search(
        r'value="etsi_tl" checked', edit
    )

    # the trust list gives the issuer no certificate yet: nothing to fill in, said in words
    refused = browser.post(f"{PORTAL}/templates/{template_id}/start")
    assert refused.status_code == 422 and "x5c" in unescape(refused.text)

    anchor = ca.load_or_create(roles.client.app.state.runtime)[0]  # type: ignore[attr-defined]
    listed = [(roles.issuer["issuer"], "YH-akademin", [VCT])]
    roles.install_trust_list(
        trust_list_token(
            roles.operator_key, roles.clock.now(), listed, sequence=2, anchors=[anchor]
        )
    )
    request_id = start(browser, template_id)
    query = request_object(
        roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
    )["dcql_query"]
    assert query["credentials"][0]["trusted_authorities"] == [  # type: ignore[index]
        {"type": "aki", "values": [certs.subject_key_id(anchor)]}
    ]


def test_a_template_with_an_unknown_trusted_authority_is_refused(
    browser: Browser, engine: Engine
) -> None:
    refused = browser.post(f"{PORTAL}/templates", {**FORM, "trusted_authorities": "did_web"})
    assert refused.status_code == 422
    assert 'id="f-trusted_authorities-error">Välj bland de slag som erbjuds här.</p>' in (
        refused.text
    )
    assert count(engine, VerifierRequestTemplate) == 0


def test_a_template_names_its_registered_purpose_and_its_requests_carry_it(
    roles: Roles, browser: Browser
) -> None:
    """The wallet compares a request with the purpose it names (``purpose_id``, as ``POST
    requests`` sends it); a template keeps that id, and an emptied field names none."""
    form = browser.get(f"{PORTAL}/templates/new").text
    assert 'for="f-purpose_id">Id för registrerat ändamål (valfritt)</label>' in form
    template_id = create_template(browser, purpose_id="  recruitment/dev-2026 ")
    edit = browser.get(f"{PORTAL}/templates/{template_id}").text
    field = re.search(r'<input id="f-purpose_id"[^>]*>', edit)
    assert field and 'value="recruitment/dev-2026"' in field[0], edit

    def named(request_id: str) -> object:
        claims = request_object(
            roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
        )
        return claims.get("purpose_id", "(none)")

    assert named(start(browser, template_id)) == "recruitment/dev-2026"
    changed = browser.post(f"{PORTAL}/templates/{template_id}", {**FORM, "purpose_id": ""})
    assert changed.status_code == 303, changed.text
    assert named(start(browser, template_id)) == "(none)"


def test_a_bad_registered_purpose_id_keeps_the_template_unchanged(
    roles: Roles, browser: Browser
) -> None:
    template_id = create_template(browser, purpose_id="recruitment")
    refused = browser.post(
        f"{PORTAL}/templates/{template_id}", {**FORM, "purpose_id": "rekrytering?"}
    )
    assert refused.status_code == 422
    field = re.search(r'<input id="f-purpose_id"[^>]*>', refused.text)
    assert field and 'value="rekrytering?"' in field[0] and 'aria-invalid="true"' in field[0]
    assert 'id="f-purpose_id-error">Bara bokstäver' in refused.text
    request_id = start(browser, template_id)
    claims = request_object(
        roles.client, {"request_uri": f"{BASE}{PORTAL}/request-objects/{request_id}"}
    )
    assert claims["purpose_id"] == "recruitment"
