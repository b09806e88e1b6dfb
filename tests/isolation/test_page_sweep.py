"""Every page that names a record answers "not yours" exactly like "not there".

The pages' counterpart of ``test_tenant_sweep.py`` (which sweeps the HTTP API): pages are
reached with a session cookie scoped by ``Path`` to ``/wallet``, ``/issuers/{slug}`` or
``/verifiers/{slug}``, and their forms need the browser's CSRF token.

The sweep is built from the app: every page route (``is_page``) with a path parameter that
names a record — anything but the tenant's ``{slug}`` and closed sets such as ``{action}`` or
``{language}`` — must have a row in ``TABLE``, so a new page with an id fails
``test_every_page_with_a_record_in_its_path_is_swept`` until it says how it is probed.

For each row, a browser signed in through the sign-in pages as holder A, or as staff of
issuer A or verifier A, asks for A's own path with B's real id, then with a random id of the
same shape: both answers must have the same status, content type, redirect and body once the
id is blanked, with the row's status and error code (so a refused CSRF token or a form error
cannot pass for isolation). POSTs carry A's valid CSRF token and a plausible form. Then the
same staff browsers open issuer B's and verifier B's pages under B's slug: their cookie is not
sent there (its path is A's pages), and even sent by hand it is no session of B's staff, so
the answer is the redirect to B's sign-in. Nothing of all this may change the database.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import string
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import product
from typing import Final
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic.fields import FieldInfo
from sqlalchemy.engine import Engine
from starlette.routing import BaseRoute

from core import jose
from core.clock import FixedClock
from core.pages.security import CSRF_COOKIE, CSRF_FIELD
from tests.e2e.conftest import ADMIN, BASE
from tests.helpers import create_issuer
from tests.isolation.test_tenant_sweep import snapshot
from tests.pages.forms import csrf_of, submit
from tests.verifier.support import (
    VCT,
    Roles,
    bearer,
    create_verifier,
    issue_credentials,
    trust_list_token,
)
from tests.wallet.conftest import sign_up_and_in
from tests.wallet.flows import QUERY as WALLET_QUERY
from tests.wallet.flows import make_offer, register_service, service_auth

PASSWORD: Final = "correct horse battery staple"
WALLET_COOKIE: Final = "intyg_wallet_session"
ISSUER_B: Final = "annan-skola"
VERIFIER_B: Final = "annan-arbetsgivare"

# --- the route table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """How one page route is probed: which of B's records fills its id (a ``World.ids``
    key), what A's browser must get for it, and the form a POST sends (besides the token)."""

    record: str
    expect: tuple[int, str]
    form: Mapping[str, str] | None = None


def rows(
    record: str, code: str, paths: Mapping[str, tuple[str, ...]], form: Mapping[str, str] = {}
) -> dict[tuple[str, str], Row]:
    """One row per (method, path) of ``paths`` ({method: paths}), all alike."""
    return {
        (method, path): Row(record, (404, code), form if method == "POST" else None)
        for method, listed in paths.items()
        for path in listed
    }


TEMPLATE_FORM: Final = {
    "name": "Utvecklare",
    "purpose": "Rekrytering till tjänsten som utvecklare",
    "vct": VCT,
    "claim_given_name": "required",
    "claim_family_name": "required",
}
ISSUE_FORM: Final = {
    "given_name": "Bo",
    "family_name": "Ek",
    "achievement_title": "Systemutvecklare",
    "achievement_kind": "course",
}
OWN_CREDENTIAL: Final = "<holder A's credential>"  # a form value, filled in from the world
APPROVAL_FORM: Final = {"choice.skill": OWN_CREDENTIAL}  # A's own credential for the query

TABLE: dict[tuple[str, str], Row] = {
    # holder A, holder B's records
    **rows(
        "holder_credential",
        "credential_not_found",
        {
            "GET": ("/wallet/cards/{credential_id}",),
            "POST": ("/wallet/cards/{credential_id}/delete",),
        },
    ),
    **rows(
        "consent",
        "consent_not_found",
        {
            "GET": ("/wallet/privacy/{consent_id}", "/wallet/privacy/{consent_id}/receipt.jwt"),
            "POST": ("/wallet/privacy/{consent_id}/withdraw",),
        },
    ),
    **rows(
        "presentation_request",
        "presentation_request_not_found",
        {
            "GET": ("/wallet/requests/{request_id}",),
            "POST": ("/wallet/requests/{request_id}/deny",),
        },
    ),
    **rows(
        "presentation_request",
        "presentation_request_not_found",
        {"POST": ("/wallet/requests/{request_id}/approve",)},
        APPROVAL_FORM,
    ),
    **rows(
        "grant_request",
        "grant_request_not_found",
        {
            "GET": ("/wallet/privacy/asks/{request_id}",),
            "POST": ("/wallet/privacy/asks/{request_id}/deny",),
        },
    ),
    **rows(
        "grant_request",
        "grant_request_not_found",
        {"POST": ("/wallet/privacy/asks/{request_id}/approve",)},
        APPROVAL_FORM,
    ),
    # staff of issuer A, issuer B's records
    **rows(
        "issued_credential",
        "credential_not_found",
        {
            "GET": (
                "/issuers/{slug}/credentials/{credential_id}",
                "/issuers/{slug}/credentials/{credential_id}/{action}",
            )
        },
    ),
    **rows(
        "issued_credential",
        "credential_not_found",
        {"POST": ("/issuers/{slug}/credentials/{credential_id}/{action}",)},
        {"reason": "Utfärdat till fel person"},
    ),
    **rows(
        "batch",
        "batch_not_found",
        {
            "GET": tuple(
                f"/issuers/{{slug}}/batches/{{batch_id}}{rest}"
                for rest in ("", "/progress", "/results.csv", "/sheet")
            )
        },
    ),
    # staff of verifier A, verifier B's records
    **rows(
        "template",
        "template_not_found",
        {
            "GET": (
                "/verifiers/{slug}/templates/{template_id}",
                "/verifiers/{slug}/templates/{template_id}/delete",
            ),
            "POST": (
                "/verifiers/{slug}/templates/{template_id}/delete",
                "/verifiers/{slug}/templates/{template_id}/start",
            ),
        },
    ),
    **rows(
        "template",
        "template_not_found",
        {"POST": ("/verifiers/{slug}/templates/{template_id}",)},
        TEMPLATE_FORM,
    ),
    **rows(
        "verifier_request",
        "request_not_found",
        {
            "GET": (
                "/verifiers/{slug}/history/{request_id}",
                "/verifiers/{slug}/history/{request_id}/result",
            ),
            "POST": ("/verifiers/{slug}/history/{request_id}/same-device",),
        },
        {"wallet": "hosted"},
    ),
}

# The forms of the staff pages without a record in their path, for the visit to B's slug.
SLUG_FORMS: Final[dict[str, Mapping[str, str]]] = {
    "/issuers/{slug}/issue": ISSUE_FORM,
    "/verifiers/{slug}/templates": TEMPLATE_FORM,
    "/verifiers/{slug}/check": {"presentation": "a.b.c~"},
    "/verifiers/{slug}/returned": {"response_code": "a-code-of-another-verifier"},
}
# Sign-in is every tenant's public door (its form is for anyone); sign-out ends the session
# whose cookie came with it, whoever's it is (signing oneself out is no access to B).
OPEN_TO_ANYONE: Final = ("/sign-in",)
ACTS_ON_THE_COOKIE: Final = ("/sign-in", "/sign-out")


# --- the routes, from the app ------------------------------------------------------------------


def _routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, into included routers (``original_router``: page routers carry no
    prefix, so their paths are whole)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _routes(included.routes) if included is not None else (route,)


def page_routes(app: FastAPI) -> list[APIRoute]:
    return [
        r for r in _routes(app.routes) if isinstance(r, APIRoute) and getattr(r, "is_page", False)
    ]


def closed_set(info: FieldInfo) -> list[str] | None:
    """The values of a parameter that can only be one of a few (an Enum, a ``^(a|b)$``
    pattern), else ``None``: such a parameter names no record."""
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    for item in info.metadata:
        pattern = getattr(item, "pattern", None)
        if pattern and (found := re.fullmatch(r"\^\(([\w|]+)\)\$", pattern)):
            return found[1].split("|")
    return None


def record_parameters(route: APIRoute) -> list[str]:
    """The path parameters that name a record: not the tenant's slug (the sign-in pages and
    the visit to B's slug below are about it), not a closed set."""
    return [
        p.name
        for p in route.dependant.path_params
        if p.name != "slug" and closed_set(p.field_info) is None
    ]


def enumerated(route: APIRoute) -> dict[str, list[str]]:
    return {
        p.name: values
        for p in route.dependant.path_params
        if (values := closed_set(p.field_info)) is not None
    }


def methods(route: APIRoute) -> list[str]:
    return sorted((route.methods or set()) - {"HEAD"})


def test_every_page_with_a_record_in_its_path_is_swept(app: FastAPI) -> None:
    routes = page_routes(app)
    with_records = {
        (method, r.path) for r in routes if record_parameters(r) for method in methods(r)
    }
    assert with_records, "no page names a record?"
    missing = sorted(with_records - TABLE.keys())
    assert not missing, f"pages with an id that the page sweep does not probe: {missing}"
    stale = sorted(TABLE.keys() - with_records)
    assert not stale, f"rows for pages that no longer exist (or name no record): {stale}"
    one_each = [(m, r.path) for r in routes for m in methods(r) if len(record_parameters(r)) > 1]
    assert not one_each, f"pages with two ids (the sweep fills one): {one_each}"


# --- the world: A's browsers, B's records ---------------------------------------------------


@dataclass
class Browser:
    """A browser: its own cookie jar, signed in (or not) through the pages."""

    client: TestClient
    home: str  # a page of its own, for a CSRF token
    token: str = ""

    def request(
        self,
        method: str,
        path: str,
        form: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        if method == "GET":
            return self.client.get(path, headers=headers, follow_redirects=False)
        data = {CSRF_FIELD: self.token, **(form or {})}
        return self.client.post(
            path, data=data, files=files, headers=headers, follow_redirects=False
        )

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.client.cookies.jar if c.name == name and c.value)


def browser(app: FastAPI, home: str) -> Browser:
    return Browser(TestClient(app, base_url=BASE), home)


def holder_browser(app: FastAPI, username: str) -> Browser:
    """Signed in through the wallet's sign-in page."""
    signed = browser(app, "/wallet")
    done = submit(
        signed.client,
        "/wallet/sign-in",
        "/wallet/sign-in",
        {"username": username, "password": PASSWORD},
    )
    assert done.status_code == 303, done.text
    signed.token = csrf_of(signed.client.get("/wallet").text)
    return signed


def staff_browser(app: FastAPI, client: TestClient, kind: str, slug: str, username: str) -> Browser:
    """A staff account made by the service admin, signed in through the tenant's page."""
    made = client.post(
        f"/admin/{kind}s/{slug}/staff",
        json={"username": username, "password": PASSWORD},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    base = f"/{kind}s/{slug}"
    signed = browser(app, base)
    done = submit(
        signed.client,
        f"{base}/sign-in",
        f"{base}/sign-in",
        {"username": username, "password": PASSWORD},
    )
    assert done.status_code == 303, done.text
    home = signed.client.get(base)
    assert home.status_code == 200, home.text
    signed.token = csrf_of(home.text)
    return signed


def batch_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["given_name", "family_name", "achievement_title", "achievement_kind", "row_id"]
    )
    writer.writerow(["Bo", "Ek", "Systemutvecklare", "course", "b-1"])
    return out.getvalue().encode()


def finished_batch(staff: Browser) -> str:
    """Issuer B's staff uploads a batch on B's page and waits for it to finish (a batch
    still running in the background would change the database under the sweep)."""
    sent = staff.request(
        "POST", f"{staff.home}/batches", files={"file": ("kull.csv", batch_file(), "text/csv")}
    )
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    deadline = time.monotonic() + 60
    while "data-final" not in staff.request("GET", f"{location}/progress").text:
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.05)
    return location.rsplit("/", 1)[1]


def template_and_request(staff: Browser) -> tuple[str, str]:
    """Verifier B's staff saves a template on B's page and starts a request from it."""
    saved = staff.request("POST", f"{staff.home}/templates", TEMPLATE_FORM)
    assert saved.status_code == 303, saved.text
    found = re.search(r'data-template="([0-9a-f-]{36})"', staff.request("GET", staff.home).text)
    assert found, "the saved template is not on B's home page"
    started = staff.request("POST", f"{staff.home}/templates/{found[1]}/start")
    assert started.status_code == 303, started.text
    return found[1], started.headers["location"].rsplit("/", 1)[1]


@dataclass
class World:
    a: dict[str, Browser]  # by role: holder A, staff of issuer A, staff of verifier A
    b: dict[str, Browser]  # the same for B: the owners of the records
    slugs: dict[str, tuple[str, str]]  # role -> (A's slug, B's slug)
    ids: dict[str, str] = field(default_factory=dict)  # B's records
    own_credential: str = ""  # holder A's, named in A's approval forms


def role_of(path: str) -> str:
    return path.split("/")[1]  # "wallet", "issuers", "verifiers"


def build_world(
    app: FastAPI, client: TestClient, roles: Roles, operator_key: jose.PrivateKey, clock: FixedClock
) -> World:
    issuer_b = create_issuer(client, ISSUER_B)
    verifier_b = create_verifier(client, slug=VERIFIER_B, name="Annan AB")
    listed = trust_list_token(operator_key, clock.now(), [(roles.issuer["issuer"], "YH", [VCT])])
    put = client.put(
        f"/verifiers/{VERIFIER_B}/trust-list",
        json={"trust_list": listed},
        headers=bearer(verifier_b["api_key"]),
    )
    assert put.status_code == 200, put.text
    issuer_a, verifier_a = roles.issuer["slug"], roles.verifier["slug"]

    # holders (accounts by the API, browsers by the sign-in page); A holds a credential too
    alva, bo = sign_up_and_in(client, "alva@example.se"), sign_up_and_in(client, "bo@example.se")
    alva_credential, bo_credential = (_receive(client, roles, holder) for holder in (alva, bo))
    approved = _open(client, roles, bo)
    consent = client.post(
        f"/wallet/presentation-requests/{approved}/approve",
        json={"credentials": {"skill": {"credential_id": bo_credential, "optional_claims": []}}},
        headers=bo,
    )
    assert consent.status_code == 200, consent.text
    service = register_service(client, "Tjänst B", "https://b.example")
    asked = client.post(
        "/wallet/grant-requests",
        json={
            "holder": "bo@example.se",
            "dcql_query": WALLET_QUERY,
            "purpose": "Matchning",
            "duration_days": 30,
        },
        headers=service_auth(service),
    )
    assert asked.status_code == 202, asked.text

    # issuer B: an issued credential (the protocol), a finished batch (B's staff's page)
    issue_credentials(client, clock, issuer_b)
    issued = client.get(
        f"/issuers/{ISSUER_B}/admin/credentials", headers=bearer(issuer_b["api_key"])
    ).json()["credentials"]

    world = World(
        a={
            "wallet": holder_browser(app, "alva@example.se"),
            "issuers": staff_browser(app, client, "issuer", issuer_a, "anna"),
            "verifiers": staff_browser(app, client, "verifier", verifier_a, "maja"),
        },
        b={
            "wallet": holder_browser(app, "bo@example.se"),
            "issuers": staff_browser(app, client, "issuer", ISSUER_B, "bosse"),
            "verifiers": staff_browser(app, client, "verifier", VERIFIER_B, "berit"),
        },
        slugs={"issuers": (issuer_a, ISSUER_B), "verifiers": (verifier_a, VERIFIER_B)},
        own_credential=alva_credential,
    )
    template, verifier_request = template_and_request(world.b["verifiers"])
    world.ids = {
        "holder_credential": bo_credential,
        "consent": consent.json()["consent_id"],
        "presentation_request": _open(client, roles, bo),
        "grant_request": asked.json()["id"],
        "issued_credential": issued[0]["id"],
        "batch": finished_batch(world.b["issuers"]),
        "template": template,
        "verifier_request": verifier_request,
    }
    return world


def _receive(client: TestClient, roles: Roles, holder: dict[str, str]) -> str:
    offer = make_offer(client, roles.issuer, roles.issuer_auth)
    got = client.post("/wallet/offers", json={"offer": offer["credential_offer"]}, headers=holder)
    assert got.status_code == 201, got.text
    return str(got.json()["id"])


def _open(client: TestClient, roles: Roles, holder: dict[str, str]) -> str:
    link = roles.ask(WALLET_QUERY)["authorization_request"]
    view = client.post("/wallet/presentation-requests", json={"request": link}, headers=holder)
    assert view.status_code == 201, view.text
    return str(view.json()["id"])


# --- the sweep -------------------------------------------------------------------------------


def same_shape(value: str) -> str:
    """A random value like ``value``: a new UUID for a UUID, else letter for letter."""
    try:
        uuid.UUID(value)
        return str(uuid.uuid4())
    except ValueError:
        pools = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        return "".join(next((secrets.choice(p) for p in pools if c in p), c) for c in value)


Answer = tuple[int, str, str, str]  # status, content type, location, body (id blanked)


def answer(response: httpx.Response, value: str | None) -> Answer:
    """What the browser sees, with ``value`` (the id it sent) blanked out."""

    def blank(text: str) -> str:
        if not value:
            return text
        return text.replace(quote(value, safe=""), "<id>").replace(value, "<id>")

    return (
        response.status_code,
        response.headers.get("content-type", ""),
        blank(response.headers.get("location", "")),
        blank(response.text),
    )


def fill(path: str, slug: str | None, values: Mapping[str, str]) -> str:
    """``path`` with its parameters (``slug`` only where the path has one)."""
    return path.format(**({"slug": slug} if slug else {}), **values)


def variants(route: APIRoute) -> list[dict[str, str]]:
    """One set of closed-set values per member (every ``{action}``, every language)."""
    closed = enumerated(route)
    return [dict(zip(closed, chosen, strict=True)) for chosen in product(*closed.values())]


def form_of(row: Row, world: World) -> dict[str, str]:
    return {
        k: world.own_credential if v == OWN_CREDENTIAL else v for k, v in (row.form or {}).items()
    }


def owners_see_their_records(app: FastAPI, world: World) -> list[str]:
    """B's browsers on B's own pages (GET): each id of the sweep is real, and B's."""
    problems = []
    for route in page_routes(app):
        row = TABLE.get(("GET", route.path))
        if row is None or "GET" not in methods(route):
            continue
        role = role_of(route.path)
        (name,) = record_parameters(route)
        for closed in variants(route):
            path = fill(
                route.path,
                world.slugs.get(role, ("", ""))[1],
                {name: world.ids[row.record], **closed},
            )
            shown = world.b[role].request("GET", path)
            if shown.status_code != 200:
                problems.append(f"GET {path}: B's own page answers {shown.status_code}")
    return problems


def sweep_own_paths(app: FastAPI, world: World) -> tuple[list[str], int]:
    """A's browser on A's own paths with B's ids: exactly like ids that do not exist."""
    problems: list[str] = []
    probes = 0
    for route in page_routes(app):
        for method in methods(route):
            row = TABLE.get((method, route.path))
            if row is None:
                continue
            role = role_of(route.path)
            own, theirs = world.slugs.get(role, (None, None))
            (name,) = record_parameters(route)
            real = world.ids[row.record]
            for closed in variants(route):
                where = f"{method} {route.path} {closed or ''}"
                form = form_of(row, world)
                sent = {}
                for value in (real, same_shape(real)):
                    path = fill(route.path, own, {name: value, **closed})
                    sent[value] = answer(world.a[role].request(method, path, form), value)
                probes += 1
                mine, absent = sent.values()
                if mine != absent:
                    problems.append(f"{where}: B's id answers {mine[:3]}, absent {absent[:3]}")
                status, code = row.expect
                if mine[0] != status or code not in mine[3]:
                    problems.append(
                        f"{where}: expected {row.expect}, got {mine[0]}: {mine[3][:300]}"
                    )
    return problems, probes


def by_hand(app: FastAPI, staff: Browser, cookie: str) -> tuple[Browser, dict[str, str]]:
    """A browser without cookies, and the ``Cookie`` header that sends ``staff``'s session
    and CSRF cookies anywhere (as a client that ignores ``Path`` would)."""
    bare = browser(app, staff.home)
    bare.token = staff.token
    header = {
        "Cookie": f"{cookie}={staff.cookie(cookie)}; {CSRF_COOKIE}={staff.cookie(CSRF_COOKIE)}"
    }
    at_home = bare.request("GET", staff.home, headers=header)
    assert at_home.status_code == 200, "the cookie sent by hand is no session at all"
    return bare, header


def sweep_their_slug(app: FastAPI, world: World) -> tuple[list[str], int]:
    """A's staff browsers on B's slug (B's real ids, and made-up ones): the cookie stays
    home, and sent by hand it is still no session of B's staff. Either way: B's sign-in."""
    problems: list[str] = []
    probes = 0
    for route in page_routes(app):
        role = role_of(route.path)
        if role not in world.slugs or route.path.endswith(OPEN_TO_ANYONE):
            continue
        theirs = world.slugs[role][1]
        staff = world.a[role]
        bare, forged = by_hand(app, staff, f"intyg_{role[:-1]}_staff")
        senders: list[tuple[str, Browser, dict[str, str] | None]] = [("the browser", staff, None)]
        if not route.path.endswith(ACTS_ON_THE_COOKIE):
            senders.append(("A's cookie by hand", bare, forged))
        for method, closed in product(methods(route), variants(route)):
            row = TABLE.get((method, route.path))
            form = form_of(row, world) if row else dict(SLUG_FORMS.get(route.path, {}))
            files = (
                {"file": ("kull.csv", batch_file(), "text/csv")}
                if route.path.endswith("/batches") and method == "POST"
                else None
            )
            # B's real id and a made-up one, or the one path of a page without an id
            ids: list[dict[str, str]] = [{}]
            if row:
                (name,) = record_parameters(route)
                real = world.ids[row.record]
                ids = [{name: real}, {name: same_shape(real)}]
            for how, sender, headers in senders:
                got = []
                for value in ids:
                    path = fill(route.path, theirs, {**value, **closed})
                    response = sender.request(method, path, form, files=files, headers=headers)
                    got.append(answer(response, next(iter(value.values()), None)))
                probes += 1
                where = f"{method} {route.path} {closed or ''} on B's slug, {how}"
                if len(set(got)) != 1:
                    problems.append(
                        f"{where}: B's id and an absent one answer {[g[:3] for g in got]}"
                    )
                status, _, location, body = got[0]
                sign_in = f"/{role}/{theirs}/sign-in"
                if not (status == 303 and location.startswith(sign_in)) and status != 404:
                    problems.append(f"{where}: {status} {location} {body[:300]}")
    return problems, probes


def test_not_yours_answers_exactly_like_not_there_on_every_page(
    app: FastAPI,
    client: TestClient,
    roles: Roles,
    operator_key: jose.PrivateKey,
    clock: FixedClock,
    engine: Engine,
) -> None:
    world = build_world(app, client, roles, operator_key, clock)
    assert not (unseen := owners_see_their_records(app, world)), "\n".join(unseen)
    before = snapshot(engine)
    problems, probes = sweep_own_paths(app, world)
    assert probes >= len(TABLE)
    more, visits = sweep_their_slug(app, world)
    assert visits >= len(TABLE)
    assert not problems + more, "\n".join(problems + more)
    after = snapshot(engine)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused page requests wrote to {changed}"
