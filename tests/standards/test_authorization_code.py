"""``core.standards.authorization_code``: PKCE (RFC 7636), redirect URIs (RFC 6749 §3.1.2,
RFC 8252 §7.1) and what a pushed request may ask for (OpenID4VCI 1.0 §5.1.1, §5.1.2)."""

from __future__ import annotations

import json

import pytest

from core.errors import OAuthError
from core.standards import authorization_code as ac

# RFC 7636 Appendix B: the example verifier and its S256 challenge.
RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
OFFERED = {"skill": "skill_credential_sd_jwt"}


def test_rfc7636_appendix_b_s256() -> None:
    assert ac.s256(RFC7636_VERIFIER) == RFC7636_CHALLENGE
    assert ac.verifier_matches(RFC7636_VERIFIER, RFC7636_CHALLENGE)
    assert not ac.verifier_matches(RFC7636_VERIFIER[:-1] + "A", RFC7636_CHALLENGE)


@pytest.mark.parametrize("value", [None, "", "a" * 42, "a" * 129, "a" * 42 + "!", "å" * 43])
def test_rfc7636_4_1_rejects_a_verifier_of_another_shape(value: str | None) -> None:
    with pytest.raises(OAuthError) as raised:
        ac.pkce_value(value, "code_verifier")
    assert raised.value.code == "invalid_request"


@pytest.mark.parametrize(
    "uri",
    [
        None,
        "relative/path",
        "https://wallet.example/cb#fragment",
        "http://wallet.example/cb",
        "javascript:alert(1)",
        "https:///no-host",
    ],
)
def test_rejects_a_redirect_uri_that_cannot_be_one(uri: str | None) -> None:
    with pytest.raises(OAuthError):
        ac.redirect_uri(uri, development=True)


def test_accepts_https_a_private_use_scheme_and_loopback_http_in_development() -> None:
    for uri in ("https://wallet.example/cb?x=1", "se.intyg.wallet:/cb", "http://localhost:3000/cb"):
        assert ac.redirect_uri(uri, development=True) == uri
    with pytest.raises(OAuthError):
        ac.redirect_uri("http://localhost:3000/cb", development=False)


def test_scope_and_authorization_details_name_configurations() -> None:
    details = json.dumps(
        [{"type": "openid_credential", "credential_configuration_id": "skill_credential_sd_jwt"}]
    )
    assert ac.requested_configurations("skill", None, OFFERED) == (
        ["skill_credential_sd_jwt"],
        False,
    )
    assert ac.requested_configurations("skill", details, OFFERED) == (
        ["skill_credential_sd_jwt"],
        True,
    )


@pytest.mark.parametrize(
    ("scope", "details", "code"),
    [
        (None, None, "invalid_request"),
        ("openid", None, "invalid_scope"),
        (None, "not json", "invalid_authorization_details"),
        (None, "[]", "invalid_authorization_details"),
        (
            None,
            '[{"type": "other", "credential_configuration_id": "skill_credential_sd_jwt"}]',
            "invalid_authorization_details",
        ),
        (
            None,
            '[{"type": "openid_credential", "credential_configuration_id": "nope"}]',
            "invalid_authorization_details",
        ),
    ],
)
def test_refuses_what_is_not_offered(scope: str | None, details: str | None, code: str) -> None:
    with pytest.raises(OAuthError) as raised:
        ac.requested_configurations(scope, details, OFFERED)
    assert raised.value.code == code


@pytest.mark.parametrize("value", ["https://[x/cb", "https://wallet.example/" + "a" * 2100])
def test_a_redirect_uri_that_is_no_uri_or_too_long_is_an_invalid_request(value: str) -> None:
    with pytest.raises(ac.InvalidRequest):
        ac.redirect_uri(value, development=False)


def test_a_configuration_id_that_is_not_a_string_is_invalid_authorization_details() -> None:
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": ["x"]}])
    with pytest.raises(ac.InvalidAuthorizationDetails):
        ac.requested_configurations(None, details, {"x": "x"})
