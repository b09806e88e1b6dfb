"""Every endpoint that takes an id answers "not yours" exactly like "not there".

The sweep is built from the app itself: every route whose path takes a parameter must have a
row in ``TABLE`` (or be listed in ``PUBLIC_BY_DESIGN`` with the reason), so a new endpoint
fails ``test_every_route_with_a_path_parameter_is_swept`` until someone says how it is probed.
This sweep is of the HTTP API (API keys, bearer tokens); the browser pages (session cookies,
CSRF tokens) are left out of it here and swept by ``test_page_sweep.py``.

For each row, and for each caller — the same role's other tenant (issuer A, verifier A,
holder A, service A) and every other role (an issuer API key on wallet and verifier paths, a
holder's session token on admin paths, the service admin's token, nobody at all) — the
request is sent twice: once with tenant B's real id (or slug, code, token), once with a random
value of the same shape. The two answers must have the same status, the same content type,
the same ``WWW-Authenticate`` and the same body once the value the caller sent itself is
blanked out (echoing the caller's own input reveals nothing). Nothing may be 2xx or 5xx, and
the database must be exactly as it was before the sweep: a refused request writes nothing.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from core import jose
from core.clock import FixedClock
from tests.e2e.conftest import ADMIN
from tests.helpers import PRE_AUTH, SpecWallet, create_issuer, learner_claims
from tests.verifier.support import (
    QUERY as VERIFIER_QUERY,
)
from tests.verifier.support import (
    VCT,
    Roles,
    bearer,
    create_verifier,
    issue_credentials,
    local,
    trust_list_token,
)
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import QUERY as WALLET_QUERY
from tests.wallet.flows import register_service, service_auth

# --- the route table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One of the two requests of a probe: its path parameters and anything else it sends.
    ``echoed`` are values outside the path that the answer may repeat back (blanked too)."""

    params: dict[str, str]
    kwargs: dict[str, object] = field(default_factory=dict)
    echoed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    label: str
    theirs: Side  # tenant B's real value
    absent: Side  # a random value of the same shape
    native: str  # the caller role whose own tenant this is not (its answer is pinned below)
    expect: tuple[int, str]  # the native caller's status and error code


Builder = Callable[["World"], list[Variant]]

# Routes whose path parameter names something public by design (issuer metadata, the nonce
# endpoint): anyone may read tenant B's, so there is no "not yours" to hide.
PUBLIC_BY_DESIGN = {
    ("GET", "/.well-known/openid-credential-issuer/issuers/{slug}"): "issuer metadata is public",
    ("GET", "/.well-known/oauth-authorization-server/issuers/{slug}"): "AS metadata is public",
    ("GET", "/.well-known/jwt-vc-issuer/issuers/{slug}"): "issuer keys are public",
    ("POST", "/issuers/{slug}/nonce"): "anyone may ask an issuer for a c_nonce",
    ("GET", "/issuers/{slug}/eid/jwks.json"): "the eID broker fetches the client's public key",
    ("POST", "/issuers/{slug}/par"): "any wallet (a public client) may push a request",
    ("GET", "/issuers/{slug}/authorize"): "a learner's browser, with a request_uri of this issuer",
    ("GET", "/issuers/{slug}/eid/callback"): "the eID broker's redirect, with this issuer's cookie",
}


# Routes only the service admin may use, which manages every tenant by design: no tenant's
# key is good there (tests/staff/test_admin_api.py checks that every other caller gets the
# same 401 on a real slug as on a made-up one).
SERVICE_ADMIN_ONLY = {
    (method, f"/admin/{kind}/{{slug}}/staff{rest}"): "the service admin manages staff accounts"
    for kind in ("issuers", "verifiers")
    for method, rest in (
        ("POST", ""),
        ("GET", ""),
        ("DELETE", "/{username}"),
        ("POST", "/{username}/password"),
    )
}


def random_slug(like: str) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in like)


def rid() -> str:
    return str(uuid.uuid4())


def rsecret() -> str:
    return secrets.token_urlsafe(32)


def slug_only(role: str, slug_of: Callable[[World], str], **kwargs: object) -> Builder:
    """A tenant's own route: tenant A's credentials on tenant B's slug."""

    def build(w: World) -> list[Variant]:
        theirs = slug_of(w)
        return [
            Variant(
                "B's slug",
                Side({"slug": theirs}, dict(kwargs)),
                Side({"slug": random_slug(theirs)}, dict(kwargs)),
                role,
                (401, "unauthenticated"),
            )
        ]

    return build


def slug_and_id(
    role: str,
    own_slug: Callable[[World], str],
    their_slug: Callable[[World], str],
    their_id: Callable[[World], str],
    id_name: str,
    expect: tuple[int, str],
    **kwargs: object,
) -> Builder:
    """An object under a tenant: B's object under A's own slug, and under B's slug."""

    def build(w: World) -> list[Variant]:
        theirs = their_slug(w)
        return [
            Variant(
                "B's id under A's slug",
                Side({"slug": own_slug(w), id_name: their_id(w)}, dict(kwargs)),
                Side({"slug": own_slug(w), id_name: rid()}, dict(kwargs)),
                role,
                expect,
            ),
            Variant(
                "B's id under B's slug",
                Side({"slug": theirs, id_name: their_id(w)}, dict(kwargs)),
                Side({"slug": random_slug(theirs), id_name: rid()}, dict(kwargs)),
                role,
                (401, "unauthenticated"),
            ),
        ]

    return build


def public_object(
    own_slug: Callable[[World], str],
    their_id: Callable[[World], str],
    id_name: str,
    expect: tuple[int, str],
    **kwargs: object,
) -> Builder:
    """A public endpoint addressed by a bearer id (offer, request object, response_uri,
    status list): B's id under A's slug must not be found there."""

    def build(w: World) -> list[Variant]:
        return [
            Variant(
                "B's id under A's slug",
                Side({"slug": own_slug(w), id_name: their_id(w)}, dict(kwargs)),
                Side({"slug": own_slug(w), id_name: rid()}, dict(kwargs)),
                "anonymous",
                expect,
            )
        ]

    return build


def holder_object(
    their_id: Callable[[World], str],
    name: str,
    expect: tuple[int, str],
    body: Callable[[World], dict[str, object]] | None = None,
) -> Builder:
    def build(w: World) -> list[Variant]:
        kwargs = {"json": body(w)} if body else {}
        return [
            Variant(
                "holder B's id",
                Side({name: their_id(w)}, kwargs),
                Side({name: rid()}, kwargs),
                "holder A",
                expect,
            )
        ]

    return build


def service_object(
    their_id: Callable[[World], str], name: str, expect: tuple[int, str], **kwargs: object
) -> Builder:
    def build(w: World) -> list[Variant]:
        return [
            Variant(
                "service B's id",
                Side({name: their_id(w)}, dict(kwargs)),
                Side({name: rid()}, dict(kwargs)),
                "service A",
                expect,
            )
        ]

    return build


def token_endpoint(w: World) -> list[Variant]:
    """Issuer B's pre-authorized code at issuer A's token endpoint."""

    def side(code: str) -> Side:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        return Side({"slug": w.issuer_a["slug"]}, {"data": form}, {"code": code})

    return [
        Variant(
            "B's code at A", side(w.b_code), side(rsecret()), "anonymous", (400, "invalid_grant")
        )
    ]


def protected_endpoint(body: dict[str, object]) -> Builder:
    """Issuer A's access token at one of issuer B's endpoints that take it (credential,
    deferred credential, notification)."""

    def build(w: World) -> list[Variant]:
        def side(token: str) -> Side:
            headers = {"Authorization": f"Bearer {token}"}
            return Side(
                {"slug": w.issuer_b["slug"]}, {"json": body, "headers": headers}, {"token": token}
            )

        return [
            Variant(
                "A's token at B",
                side(w.a_access_token),
                side(rsecret()),
                "anonymous",
                (401, "invalid_token"),
            )
        ]

    return build


credential_endpoint = protected_endpoint(
    {"credential_configuration_id": "skill_credential_sd_jwt", "proofs": {"jwt": ["x"]}}
)


ISSUER_A = "issuer A"
VERIFIER_A = "verifier A"


def issuer_a_slug(w: World) -> str:
    return w.issuer_a["slug"]


def issuer_b_slug(w: World) -> str:
    return w.issuer_b["slug"]


def verifier_a_slug(w: World) -> str:
    return w.verifier_a["slug"]


def verifier_b_slug(w: World) -> str:
    return w.verifier_b["slug"]


def approval(w: World) -> dict[str, object]:
    """A well-formed approval that names holder A's own credential."""
    return {"credentials": {"skill": {"credential_id": w.alva_credential, "optional_claims": []}}}


OFFER = {"claims": learner_claims(), "tx_code": False}
RECORD = {"claims": {**learner_claims(), "assessment_grade": None}}
VP_FORM = {"vp_token": json.dumps({"skill": ["a.b.c~"]}), "state": "s"}

TABLE: dict[tuple[str, str], Builder] = {
    # issuer ↔ issuer
    ("POST", "/issuers/{slug}/admin/offers"): slug_only(ISSUER_A, issuer_b_slug, json=OFFER),
    ("POST", "/issuers/{slug}/admin/offers/batch"): slug_only(
        ISSUER_A, issuer_b_slug, json=[OFFER]
    ),
    ("GET", "/issuers/{slug}/admin/offers/{offer_id}/qr.svg"): slug_and_id(
        ISSUER_A,
        issuer_a_slug,
        issuer_b_slug,
        lambda w: w.b_offer_id,
        "offer_id",
        (404, "offer_not_found"),
    ),
    ("GET", "/issuers/{slug}/admin/credentials"): slug_only(ISSUER_A, issuer_b_slug),
    **{
        ("POST", f"/issuers/{{slug}}/admin/credentials/{{credential_id}}/{action}"): slug_and_id(
            ISSUER_A,
            issuer_a_slug,
            issuer_b_slug,
            lambda w: w.b_credential_id,
            "credential_id",
            (404, "credential_not_found"),
        )
        for action in ("revoke", "suspend", "reinstate")
    },
    ("POST", "/issuers/{slug}/admin/keys/rotate"): slug_only(ISSUER_A, issuer_b_slug),
    ("GET", "/issuers/{slug}/admin/eid"): slug_only(ISSUER_A, issuer_b_slug),
    ("GET", "/issuers/{slug}/admin/attestation"): slug_only(ISSUER_A, issuer_b_slug),
    ("PUT", "/issuers/{slug}/admin/attestation"): slug_only(
        ISSUER_A, issuer_b_slug, json={"require_wallet_attestation": False}
    ),
    ("PUT", "/issuers/{slug}/admin/eid"): slug_only(
        ISSUER_A,
        issuer_b_slug,
        json={
            "discovery_url": "https://broker.example.se",
            "client_id": "intyg",
            "auth_method": "private_key_jwt",
        },
    ),
    ("POST", "/issuers/{slug}/admin/records/batch"): slug_only(
        ISSUER_A, issuer_b_slug, json=[RECORD]
    ),
    ("GET", "/issuers/{slug}/admin/records"): slug_only(ISSUER_A, issuer_b_slug),
    ("PATCH", "/issuers/{slug}/admin/records/{record_id}"): slug_and_id(
        ISSUER_A,
        issuer_a_slug,
        issuer_b_slug,
        lambda w: w.b_record_id,
        "record_id",
        (404, "record_not_found"),
        json={"claims": {"assessment_grade": "VG"}},
    ),
    ("GET", "/issuers/{slug}/offers/{offer_id}"): public_object(
        issuer_a_slug, lambda w: w.b_offer_id, "offer_id", (404, "offer_not_found")
    ),
    ("POST", "/issuers/{slug}/token"): token_endpoint,
    ("POST", "/issuers/{slug}/credential"): credential_endpoint,
    ("POST", "/issuers/{slug}/deferred_credential"): protected_endpoint(
        {"transaction_id": rsecret()}
    ),
    ("POST", "/issuers/{slug}/notification"): protected_endpoint(
        {"notification_id": rsecret(), "event": "credential_accepted"}
    ),
    ("GET", "/issuers/{slug}/status-lists/{list_id}"): public_object(
        issuer_a_slug, lambda w: w.b_status_list, "list_id", (404, "status_list_not_found")
    ),
    # verifier ↔ verifier
    ("POST", "/verifiers/{slug}/requests"): slug_only(
        VERIFIER_A, verifier_b_slug, json={"dcql_query": VERIFIER_QUERY, "purpose": "Rekrytering"}
    ),
    ("GET", "/verifiers/{slug}/requests/{request_id}"): slug_and_id(
        VERIFIER_A,
        verifier_a_slug,
        verifier_b_slug,
        lambda w: w.b_verifier_request,
        "request_id",
        (404, "request_not_found"),
    ),
    ("POST", "/verifiers/{slug}/requests/{request_id}/response-code"): slug_and_id(
        VERIFIER_A,
        verifier_a_slug,
        verifier_b_slug,
        lambda w: w.b_verifier_request,
        "request_id",
        (404, "request_not_found"),
        json={"response_code": "a-code-of-another-verifier"},
    ),
    ("GET", "/verifiers/{slug}/request-objects/{request_id}"): public_object(
        verifier_a_slug, lambda w: w.b_verifier_request, "request_id", (404, "request_not_found")
    ),
    ("POST", "/verifiers/{slug}/responses/{request_id}"): public_object(
        verifier_a_slug,
        lambda w: w.b_verifier_request,
        "request_id",
        (400, "invalid_request"),
        data=VP_FORM,
    ),
    ("POST", "/verifiers/{slug}/verify"): slug_only(
        VERIFIER_A, verifier_b_slug, json={"presentation": "a.b.c~"}
    ),
    ("GET", "/verifiers/{slug}/trust-list"): slug_only(VERIFIER_A, verifier_b_slug),
    ("PUT", "/verifiers/{slug}/trust-list"): slug_only(
        VERIFIER_A, verifier_b_slug, json={"trust_list": "a.b.c"}
    ),
    # holder ↔ holder
    ("GET", "/wallet/credentials/{credential_id}"): holder_object(
        lambda w: w.bo_credential, "credential_id", (404, "credential_not_found")
    ),
    ("DELETE", "/wallet/credentials/{credential_id}"): holder_object(
        lambda w: w.bo_credential, "credential_id", (404, "credential_not_found")
    ),
    ("GET", "/wallet/presentation-requests/{request_id}"): holder_object(
        lambda w: w.bo_request, "request_id", (404, "presentation_request_not_found")
    ),
    ("POST", "/wallet/presentation-requests/{request_id}/approve"): holder_object(
        lambda w: w.bo_request, "request_id", (404, "presentation_request_not_found"), approval
    ),
    ("POST", "/wallet/presentation-requests/{request_id}/deny"): holder_object(
        lambda w: w.bo_request, "request_id", (404, "presentation_request_not_found")
    ),
    ("GET", "/wallet/consents/{consent_id}"): holder_object(
        lambda w: w.bo_consent, "consent_id", (404, "consent_not_found")
    ),
    ("GET", "/wallet/consents/{consent_id}/receipt"): holder_object(
        lambda w: w.bo_consent, "consent_id", (404, "consent_not_found")
    ),
    ("POST", "/wallet/consents/{consent_id}/withdraw"): holder_object(
        lambda w: w.bo_consent, "consent_id", (404, "consent_not_found")
    ),
    ("POST", "/wallet/grant-requests/{request_id}/approve"): holder_object(
        lambda w: w.bo_grant_request, "request_id", (404, "grant_request_not_found"), approval
    ),
    ("POST", "/wallet/grant-requests/{request_id}/deny"): holder_object(
        lambda w: w.bo_grant_request, "request_id", (404, "grant_request_not_found")
    ),
    # service ↔ service
    ("GET", "/wallet/grant-requests/{request_id}/state"): service_object(
        lambda w: w.service_b_request, "request_id", (404, "grant_request_not_found")
    ),
    ("POST", "/wallet/grants/{grant_id}/presentations"): service_object(
        lambda w: w.service_b_grant,
        "grant_id",
        (403, "grant_not_approved"),
        json={"nonce": "pull-nonce-1"},
    ),
}


# --- the world: two tenants of every kind, each with an object of every kind ----------------


@dataclass
class World:
    issuer_a: dict[str, str]
    issuer_b: dict[str, str]
    verifier_a: dict[str, str]
    verifier_b: dict[str, str]
    b_offer_id: str
    b_code: str
    b_credential_id: str
    b_status_list: str
    b_record_id: str
    a_access_token: str
    b_verifier_request: str
    alva_credential: str
    bo_credential: str
    bo_request: str
    bo_consent: str
    bo_grant_request: str
    service_b_request: str
    service_b_grant: str
    callers: dict[str, dict[str, str]]


def _offer_code(client: TestClient, issuer: dict[str, str]) -> tuple[str, str]:
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers", json=OFFER, headers=bearer(issuer["api_key"])
    )
    assert made.status_code == 201, made.text
    document = client.get(local(made.json()["credential_offer_uri"])).json()
    return made.json()["offer_id"], document["grants"][PRE_AUTH]["pre-authorized_code"]


def _pending_record(client: TestClient, issuer: dict[str, str]) -> str:
    claims = {k: v for k, v in learner_claims().items() if k != "assessment_grade"}
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/records/batch",
        json=[{"claims": claims}],
        headers=bearer(issuer["api_key"]),
    )
    assert made.status_code == 200 and made.json()["pending"] == 1, made.text
    return str(made.json()["results"][0]["record"]["record_id"])


def _wallet_receives(
    client: TestClient, issuer: dict[str, str], holder: dict[str, str], **claims: object
) -> str:
    made = client.post(
        f"/issuers/{issuer['slug']}/admin/offers",
        json={"claims": learner_claims(**claims)},
        headers=bearer(issuer["api_key"]),
    )
    got = client.post(
        "/wallet/offers", json={"offer": made.json()["credential_offer"]}, headers=holder
    )
    assert got.status_code == 201, got.text
    return got.json()["id"]


def _wallet_opens(client: TestClient, roles: Roles, holder: dict[str, str]) -> str:
    asked = roles.ask(WALLET_QUERY)
    view = client.post(
        "/wallet/presentation-requests",
        json={"request": asked["authorization_request"]},
        headers=holder,
    )
    assert view.status_code == 201, view.text
    return view.json()["id"]


def build_world(
    client: TestClient, roles: Roles, operator_key: jose.PrivateKey, clock: FixedClock
) -> World:
    issuer_a, issuer_b = roles.issuer, create_issuer(client, "annan-skola")
    verifier_a = roles.verifier
    verifier_b = create_verifier(client, slug="annan-arbetsgivare", name="Annan AB")
    token = trust_list_token(operator_key, clock.now(), [(issuer_a["issuer"], "YH", [VCT])])
    put = client.put(
        f"/verifiers/{verifier_b['slug']}/trust-list",
        json={"trust_list": token},
        headers=bearer(verifier_b["api_key"]),
    )
    assert put.status_code == 200, put.text
    asked = client.post(
        f"/verifiers/{verifier_b['slug']}/requests",
        json={"dcql_query": VERIFIER_QUERY, "purpose": "Rekrytering"},
        headers=bearer(verifier_b["api_key"]),
    )
    assert asked.status_code == 201, asked.text

    # issuer B: an open offer (and its code), an issued credential on a status list
    b_offer_id, b_code = _offer_code(client, issuer_b)
    issue_credentials(client, clock, issuer_b)
    listed = client.get(
        f"/issuers/{issuer_b['slug']}/admin/credentials", headers=bearer(issuer_b["api_key"])
    ).json()["credentials"]
    # issuer A: an access token not yet used
    wallet = SpecWallet(client, use_dpop=False, now=clock.now())
    _, a_code = _offer_code(client, issuer_a)
    a_token = wallet.redeem(
        {
            "credential_issuer": issuer_a["issuer"],
            "grants": {PRE_AUTH: {"pre-authorized_code": a_code}},
        }
    )

    # holders: Bo has a credential, a pending request, a given consent, a pending grant request
    alva = sign_up_and_in(client, "alva@example.se")
    bo = sign_up_and_in(client, "bo@example.se")
    alva_credential = _wallet_receives(client, issuer_a, alva)
    bo_credential = _wallet_receives(client, issuer_a, bo, given_name="Bo")
    approved_request = _wallet_opens(client, roles, bo)
    choice = {"credentials": {"skill": {"credential_id": bo_credential, "optional_claims": []}}}
    consent = client.post(
        f"/wallet/presentation-requests/{approved_request}/approve", json=choice, headers=bo
    )
    assert consent.status_code == 200, consent.text
    bo_request = _wallet_opens(client, roles, bo)

    # services: B asked Bo twice; Bo approved one of them
    service_a = register_service(client, "Tjänst A", "https://a.example")
    service_b = register_service(client, "Tjänst B", "https://b.example")
    grant_request = {
        "holder": "bo@example.se",
        "dcql_query": WALLET_QUERY,
        "purpose": "Matchning",
        "duration_days": 30,
    }
    pending = client.post(
        "/wallet/grant-requests", json=grant_request, headers=service_auth(service_b)
    )
    granted = client.post(
        "/wallet/grant-requests", json=grant_request, headers=service_auth(service_b)
    )
    assert pending.status_code == granted.status_code == 202
    approved = client.post(
        f"/wallet/grant-requests/{granted.json()['id']}/approve", json=choice, headers=bo
    )
    assert approved.status_code == 200, approved.text

    return World(
        issuer_a=issuer_a,
        issuer_b=issuer_b,
        verifier_a=verifier_a,
        verifier_b=verifier_b,
        b_offer_id=b_offer_id,
        b_code=b_code,
        b_credential_id=listed[0]["id"],
        b_status_list=listed[0]["status_list"],
        b_record_id=_pending_record(client, issuer_b),
        a_access_token=str(a_token["access_token"]),
        b_verifier_request=asked.json()["id"],
        alva_credential=alva_credential,
        bo_credential=bo_credential,
        bo_request=bo_request,
        bo_consent=consent.json()["consent_id"],
        bo_grant_request=pending.json()["id"],
        service_b_request=pending.json()["id"],
        service_b_grant=granted.json()["id"],
        callers={
            ISSUER_A: bearer(issuer_a["api_key"]),
            VERIFIER_A: bearer(verifier_a["api_key"]),
            "holder A": alva,
            "service A": service_auth(service_a),
            "service admin": ADMIN,
            "anonymous": {},
        },
    )


# --- the sweep -------------------------------------------------------------------------------


def is_page(route: object) -> bool:
    """A route of a page router (``core.pages.page_route``): reached with a session cookie
    and a CSRF token, not an API key or bearer token, so ``test_page_sweep`` sweeps it."""
    return bool(getattr(getattr(route, "original_route", route), "is_page", False))


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, documented or not, but its pages."""

    def walk(routes: list[object]) -> list[object]:
        found: list[object] = []
        for route in routes:
            if hasattr(route, "effective_candidates"):
                found.extend(walk(route.effective_candidates()))
            elif not is_page(route):
                found.append(route)
        return found

    pairs = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in walk(list(app.routes))
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }
    for path, operations in app.openapi()["paths"].items():
        pairs |= {(method.upper(), path) for method in operations}
    return sorted(pairs)


def takes_path_parameter(path: str) -> bool:
    return "{" in path


def test_every_route_with_a_path_parameter_is_swept(app: FastAPI) -> None:
    routes = [r for r in api_routes(app) if takes_path_parameter(r[1])]
    assert routes, "no route takes a path parameter?"
    known = {**TABLE, **PUBLIC_BY_DESIGN, **SERVICE_ADMIN_ONLY}
    missing = [r for r in routes if r not in known]
    assert not missing, f"routes with an id that the isolation sweep does not probe: {missing}"
    stale = [r for r in known if r not in routes]
    assert not stale, f"rows for routes that no longer exist: {stale}"


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in meta.tables.items()
            if name != "alembic_version"
        }


def blanked(text: str, side: Side) -> str:
    for name, value in [*side.params.items(), *side.echoed.items()]:
        text = text.replace(value, f"<{name}>")
    return text


def send(
    client: TestClient, method: str, template: str, side: Side, caller: dict[str, str]
) -> tuple[int, str, str, str]:
    kwargs = dict(side.kwargs)
    headers = {**caller, **dict(kwargs.pop("headers", {}))}  # type: ignore[arg-type]
    response = client.request(method, template.format(**side.params), headers=headers, **kwargs)
    return (
        response.status_code,
        response.headers.get("content-type", ""),
        blanked(response.headers.get("www-authenticate", ""), side),
        blanked(response.text, side),
    )


def error_code(body: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return "?"
    return str(parsed.get("code") or parsed.get("error")) if isinstance(parsed, dict) else "?"


def test_not_yours_answers_exactly_like_not_there(
    client: TestClient,
    app: FastAPI,
    roles: Roles,
    operator_key: jose.PrivateKey,
    clock: FixedClock,
    engine: Engine,
) -> None:
    world = build_world(client, roles, operator_key, clock)
    before = snapshot(engine)
    problems: list[str] = []
    probes = 0
    for (method, template), build in TABLE.items():
        for variant in build(world):
            for caller_name, caller in world.callers.items():
                theirs = send(client, method, template, variant.theirs, caller)
                absent = send(client, method, template, variant.absent, caller)
                probes += 1
                where = f"{method} {template} [{variant.label}] as {caller_name}"
                if theirs != absent:
                    problems.append(f"{where}: B's answers {theirs}, absent answers {absent}")
                if not 400 <= theirs[0] < 500:
                    problems.append(f"{where}: status {theirs[0]}: {theirs[3][:200]}")
                if caller_name == variant.native:
                    got = (theirs[0], error_code(theirs[3]))
                    if got != variant.expect:
                        problems.append(f"{where}: expected {variant.expect}, got {got}")
    assert not problems, "\n".join(problems)
    assert probes >= len(TABLE) * len(world.callers)
    after = snapshot(engine)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused requests wrote to {changed}"


@pytest.mark.parametrize("caller", ["holder A", "service A", "anonymous"])
def test_a_holder_session_or_service_key_is_no_admin(
    client: TestClient,
    roles: Roles,
    operator_key: jose.PrivateKey,
    clock: FixedClock,
    caller: str,
) -> None:
    """Across roles, on the paths without an id: the service-admin endpoints refuse a holder's
    session token and a service's key like no token at all."""
    world = build_world(client, roles, operator_key, clock)
    answers = {
        path: client.post(path, json=body, headers=world.callers[caller])
        for path, body in (
            ("/admin/issuers", {"slug": "x", "name": "X", "organisation_number": "556677-8899"}),
            (
                "/admin/verifiers",
                {
                    "slug": "x",
                    "name": "X",
                    "organisation_number": "556677-8899",
                    "dns_name": "localhost",
                },
            ),
            ("/wallet/services", {"name": "X", "client_id": "https://x.example"}),
        )
    }
    for path, answer in answers.items():
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["code"] == "unauthenticated", (path, answer.text)
