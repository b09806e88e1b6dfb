"""Issuer-signed JWTs that name no ``kid``, through the verifier's ``POST verify``.

SD-JWT VC does not require a ``kid``: the verifier then tries each key of the header's ``alg``
that the issuer's JWT VC Issuer Metadata publishes and takes the one whose signature verifies;
if none does, the ``signature`` check fails as for any bad signature.

Vectors: ``ietf-sd-jwt-vc/examples.json`` (draft-ietf-oauth-sd-jwt-vc §2.3.2 and A.1) and
``ietf-sd-jwt-rfc9901/examples.json`` (RFC 9901 A.3), each with its ``issuer_public_jwk.json``
(provenance in ``SOURCES.md`` beside them): every ``dc+sd-jwt`` example whose header has no
``kid``. The metadata that publishes the vectors' key (as given, without a ``kid``) is served
here for the vectors' issuers, reached through the app's outbound HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from core import jose
from core.clock import FixedClock
from core.config import Settings
from core.standards import sd_jwt_vc
from tests.attacks.test_jose_attacks import attacker_x5c
from tests.vectorpath import VECTORS
from tests.verifier.support import Roles, assert_rejected, check, trust_list_token

VECTOR_HOSTS = {"example.com", "pid-issuer.aendgard.example", "pid-issuer.bund.de.example"}
OWN_ISSUER = "https://example.com/two-keys"  # an issuer of the test's own, with its own keys
OWN_VCT = "https://example.com/vct/skill"
RELEASED_AWAY = {"cnf", "status", "_sd_alg"}  # the result never hands these on


def _vectors() -> list[tuple[str, dict[str, object], dict[str, object]]]:
    found = []
    for folder in ("ietf-sd-jwt-vc", "ietf-sd-jwt-rfc9901"):
        document = json.loads((VECTORS / folder / "examples.json").read_text())
        jwk = json.loads((VECTORS / folder / "issuer_public_jwk.json").read_text())
        for example in document["examples"]:
            header = example["issuer_signed_jwt_header"]
            if header.get("typ") == sd_jwt_vc.TYP_SD_JWT_VC and "kid" not in header:
                found.append((f"{folder}/{example['id']}", example, jwk))
    return found


VECTORS_WITHOUT_KID = _vectors()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The vectors' issuers are connected to by name: the outbound HTTP never leaves the test.
    return settings.model_copy(update={"fetch_allowed_hosts": frozenset(VECTOR_HOSTS)})


@pytest.fixture
def published(app: FastAPI) -> Iterator[dict[str, list[dict[str, object]]]]:
    """JWKs published per issuer: served as its JWT VC Issuer Metadata (draft §4, the
    well-known path inserted before the issuer's path), told apart by the Host header."""
    keys: dict[str, list[dict[str, object]]] = {}
    router = APIRouter()

    @router.get("/.well-known/jwt-vc-issuer{path:path}")
    def metadata(path: str, request: Request) -> JSONResponse:
        issuer = f"https://{request.headers['host']}{path}"
        if issuer not in keys:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse(sd_jwt_vc.issuer_metadata(issuer, keys[issuer]))

    app.include_router(router)
    yield keys


def trust(roles: Roles, *issuers: tuple[str, str]) -> None:
    now = roles.clock.now()
    listed = [(issuer, "Vector issuer", [vct]) for issuer, vct in issuers]
    roles.install_trust_list(trust_list_token(roles.operator_key, now, listed))


def issuer_payload(vct: str = OWN_VCT, iss: str = OWN_ISSUER) -> dict[str, object]:
    return {"iss": iss, "iat": 1_789_990_000, "exp": 1_800_000_000, "vct": vct}


def verify_unbound(roles: Roles, presentation: str) -> dict[str, object]:
    """``POST verify`` without a nonce: a presentation without key binding may pass."""
    return roles.verify(presentation, nonce=None, audience=None)


def own_credential(key: jose.PrivateKey, **header: object) -> str:
    """An SD-JWT VC of the test's own issuer, without disclosures or key binding."""
    token = jose.sign(
        issuer_payload(), key, typ=sd_jwt_vc.TYP_SD_JWT_VC, include_kid=False, header=header
    )
    return f"{token}~"


# --- the published vectors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "jwk"),
    [v[1:] for v in VECTORS_WITHOUT_KID],
    ids=[v[0] for v in VECTORS_WITHOUT_KID],
)
def test_sd_jwt_vc_published_vector_without_kid_verifies_with_the_published_key(
    roles: Roles,
    clock: FixedClock,
    published: dict[str, list[dict[str, object]]],
    example: dict[str, object],
    jwk: dict[str, object],
) -> None:
    expected = example["expected_processed_payload"]
    assert isinstance(expected, dict)
    issuer, vct = str(expected["iss"]), str(expected["vct"])
    published[issuer] = [jwk]
    kb = "expected_kb_nonce" in example
    if kb:  # the key binding JWT is checked at its own iat (it may be at most 300 s old)
        iat = jose.parse(str(example["sd_jwt"]).rsplit("~", 1)[1]).payload["iat"]
        assert isinstance(iat, int)
        clock.at = iat
    trust(roles, (issuer, vct))

    result = roles.verify(
        str(example["sd_jwt"]),
        nonce=str(example["expected_kb_nonce"]) if kb else None,
        audience=str(example["expected_kb_aud"]) if kb else None,
    )

    assert result["verdict"] == "valid", result
    assert check(result, "issuer_key")["outcome"] == "passed"
    assert check(result, "signature")["outcome"] == "passed"
    assert check(result, "key_binding")["outcome"] == ("passed" if kb else "skipped")
    assert result["claims"] == {k: v for k, v in expected.items() if k not in RELEASED_AWAY}


def test_sd_jwt_vc_published_vector_without_kid_and_the_wrong_key_published(
    roles: Roles, published: dict[str, list[dict[str, object]]]
) -> None:
    _name, example, _jwk = VECTORS_WITHOUT_KID[0]
    expected = example["expected_processed_payload"]
    assert isinstance(expected, dict)
    stranger = jose.PrivateKey.generate(jose.ES256).public
    published[str(expected["iss"])] = [dict(stranger.jwk)]
    trust(roles, (str(expected["iss"]), str(expected["vct"])))

    result = verify_unbound(roles, str(example["sd_jwt"]))

    assert_rejected(result, "signature", "jose_bad_signature")


# --- the test's own issuer ---------------------------------------------------------------------


def test_without_kid_the_second_of_two_published_keys_verifies(
    roles: Roles, published: dict[str, list[dict[str, object]]]
) -> None:
    first, second = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    published[OWN_ISSUER] = [dict(first.public.jwk), dict(second.public.jwk)]
    trust(roles, (OWN_ISSUER, OWN_VCT))

    result = verify_unbound(roles, own_credential(second))

    assert result["verdict"] == "valid", result
    assert result["claims"] == issuer_payload()


def test_without_kid_a_key_published_for_encryption_is_not_tried(
    roles: Roles, published: dict[str, list[dict[str, object]]]
) -> None:
    key = jose.PrivateKey.generate()
    published[OWN_ISSUER] = [{**dict(key.public.jwk), "use": "enc"}]
    trust(roles, (OWN_ISSUER, OWN_VCT))

    assert_rejected(
        verify_unbound(roles, own_credential(key)), "issuer_key", "issuer_key_not_found"
    )


def test_without_kid_no_published_key_of_the_alg_is_issuer_key_not_found(
    roles: Roles, published: dict[str, list[dict[str, object]]]
) -> None:
    published[OWN_ISSUER] = [dict(jose.PrivateKey.generate(jose.EDDSA).public.jwk)]
    trust(roles, (OWN_ISSUER, OWN_VCT))

    result = verify_unbound(roles, own_credential(jose.PrivateKey.generate(jose.ES256)))

    assert_rejected(result, "issuer_key", "issuer_key_not_found")


def test_without_kid_more_published_keys_than_the_bound_is_issuer_key_not_found(
    roles: Roles, published: dict[str, list[dict[str, object]]]
) -> None:
    keys = [jose.PrivateKey.generate() for _ in range(sd_jwt_vc.MAX_KEYS_WITHOUT_KID + 1)]
    published[OWN_ISSUER] = [dict(k.public.jwk) for k in keys]
    trust(roles, (OWN_ISSUER, OWN_VCT))

    result = verify_unbound(roles, own_credential(keys[-1]))

    assert_rejected(result, "issuer_key", "issuer_key_not_found")
    assert "more than 10" in str(check(result, "issuer_key")["detail"])


def test_rejects_x5c_without_kid_when_the_trust_list_gives_no_anchor(
    roles: Roles, clock: FixedClock, published: dict[str, list[dict[str, object]]]
) -> None:
    """The header's ``x5c`` (a chain nobody trusts, its leaf key signing) is the only key it
    offers, and the trust list names no anchor for the issuer: refused, the published keys
    not tried (SD-JWT VC §3.5: the header chooses the mechanism)."""
    published[OWN_ISSUER] = [dict(jose.PrivateKey.generate().public.jwk)]
    trust(roles, (OWN_ISSUER, OWN_VCT))
    chain, leaf_key = attacker_x5c(clock.now())

    result = verify_unbound(roles, own_credential(leaf_key, x5c=chain))

    assert_rejected(result, "issuer_key", "issuer_certificate_untrusted")
