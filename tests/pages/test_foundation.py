"""The page machinery every role shares: languages, catalogues, headers, CSRF, redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from core.config import Settings
from core.pages import FormDep, Pages, SignInRequired, local_path, page_route
from core.pages.i18n import LANGUAGES, choose_language, load_catalogue, localised
from core.pages.security import CSRF_COOKIE, CSRF_FIELD, SecurityHeadersMiddleware, cookies_secure
from core.runtime import Runtime
from intyg.app import create_app
from wallet.service.holdings import CredentialNotFound

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_FOLDERS = sorted(path.parent for path in ROOT.glob("*/**/messages/sv.toml"))
TEMPLATES = sorted(ROOT.glob("*/**/templates/*.html"))
# t("key") and t('key', …) in templates; keys built at run time use a literal prefix
KEY_RE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_there_are_catalogues_and_templates() -> None:
    assert ROOT / "core" / "pages" / "messages" in CATALOGUE_FOLDERS
    assert any(path.name == "base.html" for path in TEMPLATES)


@pytest.mark.parametrize("folder", CATALOGUE_FOLDERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_swedish_and_english_catalogues_have_the_same_keys(folder: Path) -> None:
    sv, en = (set(load_catalogue(folder, language)) for language in LANGUAGES)
    assert sv - en == set(), "in sv but not en"
    assert en - sv == set(), "in en but not sv"


def test_every_key_a_template_uses_is_in_the_catalogues() -> None:
    known = set()
    for folder in CATALOGUE_FOLDERS:
        known |= set(load_catalogue(folder, "sv"))
    used = {key for path in TEMPLATES for key in KEY_RE.findall(path.read_text())}
    assert used, "the scan found no t(...) calls"
    # t("a.b." ~ value) builds the key at run time: the prefix must name some keys (each
    # role's tests check that every value of the enumeration has its key)
    prefixes = {key for key in used if key.endswith(".")}
    assert sorted(used - prefixes - known) == []
    assert [p for p in sorted(prefixes) if not any(k.startswith(p) for k in known)] == []


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "sv"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE, en;q=0.5, sv;q=0.8", "sv"),
        (None, "de-DE, en;q=0.9", "en"),
        (None, "en;q=0, fr", "sv"),
        ("en", "sv-SE", "en"),
        ("sv", "en", "sv"),
        ("xx", "en-US", "en"),
        (None, "en;q=abc, sv;q=0.1", "sv"),
    ],
)
def test_language_choice(cookie: str | None, header: str | None, expected: str) -> None:
    assert choose_language(cookie, header) == expected


def test_localised_display_prefers_the_language_then_falls_back() -> None:
    display = [{"locale": "sv-SE", "name": "Intyg"}, {"locale": "en-US", "name": "Credential"}]
    assert localised(display, "en", "name") == "Credential"
    assert localised(display, "sv", "name") == "Intyg"
    assert localised([{"locale": "de", "name": "Zeugnis"}], "sv", "name") == "Zeugnis"
    assert localised([], "sv", "name") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wallet", "/wallet"),
        ("/wallet?x=1", "/wallet?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("wallet", "/"),
        ("javascript:alert(1)", "/"),
        (None, "/"),
    ],
)
def test_next_parameters_stay_on_this_site(target: str | None, expected: str) -> None:
    assert local_path(target, "/") == expected


def test_secure_cookies_except_plain_http_loopback_in_development() -> None:
    assert not cookies_secure(Settings(public_url="http://localhost:8000", development=True))
    assert cookies_secure(Settings(public_url="https://intyg.example", development=True))
    assert cookies_secure(Settings(public_url="https://localhost:8443", development=True))


def test_pages_carry_a_strict_policy_and_the_api_docs_keep_theirs(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime=runtime))
    start = client.get("/")
    assert start.status_code == 200
    policy = start.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert start.headers["x-frame-options"] == "DENY"
    assert start.headers["cache-control"] == "no-store"
    assert "<script>" not in start.text  # no inline script: only <script src>
    docs = client.get("/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers
    api = client.get("/types/skill-credential")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers


def test_the_start_page_speaks_swedish_by_default_and_english_when_asked(
    runtime: Runtime,
) -> None:
    client = TestClient(create_app(runtime=runtime))
    assert '<html lang="sv">' in client.get("/").text
    assert '<html lang="en">' in client.get("/", headers={"accept-language": "en"}).text
    switched = client.get("/lang/en?next=/?x=1", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/?x=1"
    assert '<html lang="en">' in client.get("/").text  # remembered, whatever the browser says
    away = client.get("/lang/sv?next=https://evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/"
    assert client.get("/lang/de", follow_redirects=False).status_code == 400


def _form_app(runtime: Runtime) -> FastAPI:
    pages = Pages()  # only the core templates
    app = FastAPI()
    app.state.runtime = runtime
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/form", response_class=HTMLResponse)
    def show(request: Request) -> HTMLResponse:
        # any page with a form: the layout's sign-out form, when someone is signed in
        context = {"error_title": "form", "error_code": "x", "error_detail": "y"}
        return pages.render(
            request, "error.html", {**context, "signed_in": "Ada", "sign_out_url": "/form"}
        )

    router = app.router
    router.route_class = page_route(pages)

    @router.post("/form")
    def take(form: FormDep) -> HTMLResponse:
        return HTMLResponse(f"took {form.get('thing')}")

    @router.get("/private")
    def private() -> HTMLResponse:
        raise SignInRequired("/sign-in")

    @router.post("/private")
    def private_form(_form: FormDep) -> HTMLResponse:
        raise SignInRequired("/sign-in")

    @router.get("/gone")
    def gone() -> HTMLResponse:
        # a NotFound whose code has no text in the core's catalogue: it takes not_found's
        raise CredentialNotFound()

    return app


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def test_a_form_needs_this_browsers_token_and_origin(runtime: Runtime) -> None:
    client = TestClient(_form_app(runtime), base_url="http://localhost:8000")
    page = client.get("/form")
    token = _token(page.text)
    assert CSRF_COOKIE in page.cookies

    ok = client.post("/form", data={CSRF_FIELD: token, "thing": "a"})
    assert ok.status_code == 200 and ok.text == "took a"

    missing = client.post("/form", data={"thing": "a"})
    assert missing.status_code == 403 and "csrf_failed" in missing.text
    assert "text/html" in missing.headers["content-type"]

    wrong = client.post("/form", data={CSRF_FIELD: token[:-2] + "00", "thing": "a"})
    assert wrong.status_code == 403

    cross = client.post(
        "/form", data={CSRF_FIELD: token}, headers={"origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    fetched = client.post(
        "/form", data={CSRF_FIELD: token}, headers={"sec-fetch-site": "cross-site"}
    )
    assert fetched.status_code == 403
    same = client.post(
        "/form", data={CSRF_FIELD: token}, headers={"origin": "http://localhost:8000"}
    )
    assert same.status_code == 200

    other_browser = TestClient(_form_app(runtime), base_url="http://localhost:8000")
    other_browser.get("/form")  # a cookie of its own: the first browser's token is not its
    assert other_browser.post("/form", data={CSRF_FIELD: token}).status_code == 403


def test_a_role_text_wins_over_the_core_text_of_the_same_key(tmp_path: Path) -> None:
    role = tmp_path / "role"
    (role / "messages").mkdir(parents=True)
    for language in LANGUAGES:
        (role / "messages" / f"{language}.toml").write_text('[layout]\nsign_out = "Hej då"\n')
    pages = Pages(role)
    assert pages.catalogues.translator("sv")("layout.sign_out") == "Hej då"
    assert pages.catalogues.translator("sv")("layout.skip") == "Hoppa till innehållet"


def test_field_attributes_are_attributes_not_escaped_text() -> None:
    pages = Pages()
    html = pages.environment.from_string(
        '{% import "macros.html" as m %}{{ m.field("file", "Fil", type="file", '
        'attrs={"accept": ".csv,text/csv", "data-x": "a\\"b"}) }}'
    ).render()
    assert ' accept=".csv,text/csv"' in html
    assert 'data-x="a&#34;b"' in html  # values are still escaped


def test_a_nul_character_is_refused_as_a_bad_form_never_deeper_in(runtime: Runtime) -> None:
    client = TestClient(_form_app(runtime), base_url="http://localhost:8000")
    token = _token(client.get("/form").text)
    posted = client.post("/form", data={CSRF_FIELD: token, "thing": "a\x00b"})
    assert posted.status_code == 400 and "invalid_form" in posted.text
    queried = client.get("/private?x=%00")
    assert queried.status_code == 400 and "invalid_form" in queried.text


def test_signing_in_again_returns_to_the_page_not_to_a_form_post(runtime: Runtime) -> None:
    client = TestClient(_form_app(runtime), base_url="http://localhost:8000")
    shown = client.get("/private?tab=2", follow_redirects=False)
    assert shown.headers["location"] == "/sign-in?next=%2Fprivate%3Ftab%3D2"
    token = _token(client.get("/form").text)
    posted = client.post(
        "/private",
        data={CSRF_FIELD: token},
        headers={"referer": "http://localhost:8000/form"},
        follow_redirects=False,
    )
    assert posted.headers["location"] == "/sign-in?next=%2Fform"
    elsewhere = client.post(
        "/private",
        data={CSRF_FIELD: token},
        headers={"referer": "https://evil.example/form"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/sign-in"


def test_an_error_without_a_text_of_its_own_takes_its_parents(runtime: Runtime) -> None:
    client = TestClient(_form_app(runtime), base_url="http://localhost:8000")
    page = client.get("/gone")
    assert page.status_code == 404
    assert "Sidan eller posten finns inte" in page.text
    assert "credential_not_found" in page.text


def test_one_time_secrets_in_a_query_are_never_echoed_into_a_page_or_a_next_link() -> None:
    from starlette.requests import Request

    from core.pages import current_path, sign_in_redirect

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/wallet/collect/callback",
        "query_string": b"code=SECRET-CODE&state=S&iss=I&lang=sv",
        "headers": [],
        "server": ("localhost", 8000),
        "scheme": "http",
    }
    request = Request(scope)
    assert current_path(request) == "/wallet/collect/callback?lang=sv"
    assert "SECRET-CODE" not in sign_in_redirect("/wallet/sign-in", request)
