"""The same-device flow at the verifier (OpenID4VP 1.0 §8.2, §13.3, §14.2; HAIP 1.0 §5.1): a
request made with the requester's ``redirect_uri`` answers the wallet with it and a fresh
``#response_code``, and withholds the result until that code comes back — once, in time, to the
tenant that asked."""

from __future__ import annotations

import pytest

from tests.verifier.support import (
    CLIENT_ID,
    Roles,
    bearer,
    create_verifier,
    local,
    request_object,
    respond,
    vp_form,
)

FRONT_END = "https://rekrytering.example.se/svar"
FIELDS = (("given_name",), ("family_name",), ("achievement_title",))


def answered(roles: Roles, **form_changes: str) -> tuple[dict[str, str], str]:
    """A same-device request answered by a wallet: the request and its response_code."""
    request = roles.ask(redirect_uri=FRONT_END)
    claims = request_object(roles.client, request)
    held = roles.issue_one()
    presentation = held.present(
        *FIELDS, nonce=str(claims["nonce"]), aud=CLIENT_ID, iat=roles.clock.now()
    )
    form = {**vp_form({"skill": [presentation]}, str(claims["state"])), **form_changes}
    answer = respond(roles.client, claims, form)
    assert answer.status_code == 200, answer.text
    redirect = answer.json()["redirect_uri"]
    assert redirect.startswith(FRONT_END + "#response_code=")
    return request, redirect.split("#response_code=", 1)[1]


def redeem(roles: Roles, request: dict[str, str], code: str, auth: dict[str, str] | None = None):  # noqa: ANN201
    return roles.client.post(
        local(request["status_url"]) + "/response-code",
        json={"response_code": code},
        headers=auth or roles.verifier_auth,
    )


def test_each_answer_gets_a_fresh_code_and_the_result_waits_for_it(roles: Roles) -> None:
    first, code = answered(roles)
    second, other_code = answered(roles)
    assert code != other_code
    for request in (first, second):
        seen = roles.status(request)
        assert (seen["status"], seen["result"]) == ("pending", None)
    assert redeem(roles, first, other_code).json()["code"] == "response_code_invalid"
    released = redeem(roles, first, code)
    assert released.status_code == 200 and released.json()["result"]["verdict"] == "valid"


def test_a_replayed_response_code_is_refused(roles: Roles) -> None:
    request, code = answered(roles)
    assert redeem(roles, request, code).status_code == 200
    again = redeem(roles, request, code)
    assert (again.status_code, again.json()["code"]) == (400, "response_code_invalid")


def test_a_code_that_was_not_brought_back_in_time_releases_nothing(roles: Roles) -> None:
    """The wallet did not follow the redirect, or it came back to another browser: reject."""
    request, code = answered(roles)
    roles.clock.advance(301)
    assert roles.status(request)["status"] == "expired"
    assert roles.status(request)["result"] is None
    late = redeem(roles, request, code)
    assert (late.status_code, late.json()["code"]) == (400, "response_code_invalid")


def test_another_tenant_cannot_redeem(roles: Roles) -> None:
    request, code = answered(roles)
    other = create_verifier(roles.client, "rekrytering", "Rekrytering AB", "rekrytering.example.se")
    theirs = roles.client.post(
        f"/verifiers/rekrytering/requests/{request['id']}/response-code",
        json={"response_code": code},
        headers=bearer(other["api_key"]),
    )
    assert theirs.status_code == 404
    assert redeem(roles, request, code).status_code == 200  # still the asker's to redeem


def test_a_refusal_is_released_by_its_code_too(roles: Roles) -> None:
    request = roles.ask(redirect_uri=FRONT_END)
    claims = request_object(roles.client, request)
    answer = respond(
        roles.client, claims, {"error": "access_denied", "state": str(claims["state"])}
    )
    code = answer.json()["redirect_uri"].split("#response_code=", 1)[1]
    assert roles.status(request)["status"] == "pending"
    released = redeem(roles, request, code).json()
    assert released["status"] == "rejected" and released["result"]["error"] == "access_denied"


def test_a_request_without_redirect_has_no_code(roles: Roles) -> None:
    request = roles.ask()
    claims = request_object(roles.client, request)
    answer = respond(
        roles.client, claims, {"error": "access_denied", "state": str(claims["state"])}
    )
    assert answer.json() == {}
    assert redeem(roles, request, "anything").json()["code"] == "response_code_invalid"


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://rekrytering.example.se/svar", "https://rekrytering.example.se/svar#x", "svar", ""],
)
def test_a_redirect_uri_must_be_an_https_url_without_fragment(
    roles: Roles, redirect_uri: str
) -> None:
    asked = roles.client.post(
        f"/verifiers/{roles.verifier['slug']}/requests",
        json={
            "dcql_query": {
                "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}]
            },
            "purpose": "p",
            "redirect_uri": redirect_uri,
        },
        headers=roles.verifier_auth,
    )
    assert asked.status_code == 422, asked.text
