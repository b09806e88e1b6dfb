"""Issue one credential with the form: the API's validation, errors beside the fields, the
offer with its link, QR code and one-time code."""

from __future__ import annotations

import html
import re

from sqlalchemy import func
from sqlmodel import select

from core.db import session_scope
from core.runtime import Runtime
from issuer.models import IssuerOffer
from tests.issuer_pages.conftest import Browser

JOBTECH = "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X"


def good_form(**changes: str) -> dict[str, str]:
    form = {
        "form_key": "5f0c7c1e-2d2b-4b7e-9d55-0c1f6a9b1a11",
        "skill_rows": "5",
        "given_name": "Alva",
        "family_name": "Lindqvist",
        "birthdate": "1990-01-01",
        "learner_identification": "19900101-0017",
        "achievement_title": "Mjukvaruutvecklare .NET",
        "achievement_kind": "programme",
        "learning_outcomes": "Utveckla webbapplikationer\nArbeta agilt",
        "language_of_classes": "sv, en",
        "expected_study_time": "P2Y",
        "eqf_level": "5",
        "credits-0-value": "400",
        "credits-0-unit": "yh-poäng",
        "skills-0-label_sv": "C#",
        "skills-0-id": JOBTECH,
        "skills-0-proficiency": "Avancerad",
        "jobtech_taxonomy": "22",
        "tx_code": "on",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value != ""}


def offers(runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        return int(session.exec(select(func.count()).select_from(IssuerOffer)).one())


def error_beside(page: str, field: str) -> str:
    """The error text of the field's own error element (``f-<field>-error``)."""
    match = re.search(rf'<p class="error" id="f-{re.escape(field)}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field}"
    return html.unescape(match.group(1))


def value_of(page: str, field: str) -> str:
    match = re.search(
        rf'id="f-{re.escape(field)}" name="{re.escape(field)}" type="[a-z]+" value="([^"]*)"', page
    )
    assert match, f"no input {field}"
    return html.unescape(match.group(1))


def test_the_form_is_built_from_the_type_metadata_labels(browser: Browser) -> None:
    page = browser.client.get(f"{browser.base}/issue")
    assert page.status_code == 200
    assert "Förnamn" in page.text and "Begrepp i JobTech Taxonomy" in page.text  # sv labels
    assert page.text.count('name="skills-') == 5 * 5  # five rows of five fields
    english = browser.client.get(f"{browser.base}/issue", headers={"accept-language": "en"})
    assert "Given name(s)" in english.text and "JobTech Taxonomy concept" in english.text


def test_invalid_fields_get_their_errors_beside_them_and_keep_their_values(
    browser: Browser, runtime: Runtime
) -> None:
    form = good_form(
        given_name="",
        **{
            "skills-1-label_sv": "SQL",
            "skills-1-id": "https://example.com/not-jobtech",
            "credits-0-value": "many",
            "expected_study_time": "two years",
        },
    )
    response = browser.post(f"{browser.base}/issue", form)
    assert response.status_code == 422
    page = response.text
    assert error_beside(page, "given_name") == "Obligatoriskt."
    assert "JobTech Taxonomy" in error_beside(page, "skills-1-id")
    assert error_beside(page, "credits-0-value") == "Ange ett tal större än noll."
    assert "PT400H" in error_beside(page, "expected_study_time")
    assert 'aria-invalid="true"' in page and 'id="form-errors"' in page
    # what was entered is still there
    assert value_of(page, "skills-1-id") == "https://example.com/not-jobtech"
    assert value_of(page, "family_name") == "Lindqvist"
    assert value_of(page, "credits-0-value") == "many"
    assert "Utveckla webbapplikationer\nArbeta agilt" in html.unescape(page)
    assert offers(runtime) == 0  # nothing written


def test_a_model_level_rule_lands_beside_its_field(browser: Browser, runtime: Runtime) -> None:
    response = browser.post(
        f"{browser.base}/issue",
        good_form(jobtech_taxonomy="", date_of_issuance="2026-09-01", date_of_expiry="2026-01-01"),
    )
    assert response.status_code == 422
    assert "JobTech Taxonomy" in error_beside(response.text, "jobtech_taxonomy")
    assert offers(runtime) == 0


def test_a_bad_personnummer_is_refused_beside_its_field_and_never_echoed_in_errors(
    browser: Browser, runtime: Runtime
) -> None:
    response = browser.post(
        f"{browser.base}/issue", good_form(learner_identification="19900101-0018")
    )
    assert response.status_code == 422
    assert "personnummer" in error_beside(response.text, "learner_identification")
    assert "19900101-0018" not in error_beside(response.text, "learner_identification")
    assert offers(runtime) == 0


def test_a_valid_form_makes_an_offer_with_link_qr_and_one_time_code(
    browser: Browser, runtime: Runtime
) -> None:
    response = browser.post(f"{browser.base}/issue", good_form())
    assert response.status_code == 200, response.text
    page = response.text
    link = re.search(r'<a id="offer-link"[^>]*href="([^"]+)"', page)
    assert link and html.unescape(link.group(1)).startswith("openid-credential-offer://?")
    uri = re.search(r'<code id="offer-uri">([^<]+)</code>', page)
    assert uri and uri.group(1).startswith("http://localhost:8000/issuers/yh-akademin/offers/")
    assert 'src="data:image/svg+xml;base64,' in page
    assert '<figcaption class="warning">' in page  # a phone cannot reach localhost
    tx_code = re.search(r'<code id="tx-code">([0-9]{6})</code>', page)
    assert tx_code
    assert "19900101-0017" not in page  # the personnummer is not shown back
    assert offers(runtime) == 1
    # the offer is real: its document answers at the https address
    document = browser.client.get(uri.group(1).removeprefix("http://localhost:8000"))
    assert (
        document.status_code == 200
        and "tx_code"
        in document.json()["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    )


def test_sending_the_same_form_twice_makes_one_offer(browser: Browser, runtime: Runtime) -> None:
    first = browser.post(f"{browser.base}/issue", good_form())
    again = browser.post(f"{browser.base}/issue", good_form())
    assert first.status_code == again.status_code == 200
    assert 'id="replayed"' in again.text and 'id="tx-code"' not in again.text
    assert offers(runtime) == 1


def test_an_add_row_button_adds_a_skill_row_and_makes_nothing(
    browser: Browser, runtime: Runtime
) -> None:
    response = browser.post(f"{browser.base}/issue", good_form(add_skill="1"))
    assert response.status_code == 200
    assert 'name="skills-5-id"' in response.text
    assert value_of(response.text, "skills-0-id") == JOBTECH
    assert offers(runtime) == 0
