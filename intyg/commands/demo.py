"""``intyg demo``: one process with an issuer, a wallet user and a verifier, ready to go.

Every start migrates the database, re-keys the demo issuer and the demo verifier (API keys are
kept only as hashes, so a new one is printed each time), resets the passwords of the demo
wallet user and of the demo issuer's and verifier's staff accounts (creating them the first
time), and installs a freshly signed trust list (a higher sequence number each time) that
trusts the demo issuer for the skill credential. The demo trust-list operator key lives in
``.intyg/`` and is created once. Before all that, a start that is to serve checks that its
port is free: a second demo beside a running one would re-key the first and then fail on the
port. See ``docs/tutorial.md``.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from core import jose
from core import x509 as certs
from core.config import is_loopback_host
from core.db import session_scope
from core.runtime import Runtime
from core.standards import trust_list
from intyg.commands import common
from intyg.commands.trust_list import DAY, add_operator_key

if TYPE_CHECKING:  # the roles are imported when the demo runs, not at start-up
    from issuer.service import CreatedIssuer
    from verifier.service import CreatedVerifier

DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8000
DEMO_SLUG = "demo"
DEMO_NAME = "Demo Yrkeshögskola"
DEMO_ORGANISATION_NUMBER = "5560000001"  # fictitious, with a valid Luhn check digit
DEMO_VERIFIER_SLUG = "demo-verifier"
DEMO_VERIFIER_NAME = "Demo Arbetsgivare AB"
DEMO_VERIFIER_ORGANISATION_NUMBER = "5560000027"  # fictitious, valid check digit
DEMO_VERIFIER_DNS = "localhost"  # x509_san_dns works on one machine (DESIGN)
DEMO_WALLET_USER = "demo@example.se"
DEMO_ISSUER_STAFF = "larare@example.se"  # a teacher at the demo issuer
DEMO_VERIFIER_STAFF = "rekryterare@example.se"  # a recruiter at the demo verifier
DEMO_OPERATOR_KEY = Path(".intyg/demo-trust-list-operator.jwk")
# Status lists live 2 s in the demo (300 s by default), so a revocation shows at once.
DEMO_STATUS_LIST_TTL_SECONDS = "2"
TUTORIAL = "docs/tutorial.md"


@dataclass(frozen=True)
class DemoSetup:
    issuer_slug: str
    issuer: str
    issuer_api_key: str
    verifier_client_id: str
    verifier_api_key: str
    trust_list_sequence: int
    wallet_password: str
    issuer_staff_password: str
    verifier_staff_password: str
    ca_pem: Path


def demo(
    host: Annotated[
        str, typer.Option(help="Interface to listen on; 0.0.0.0 for every interface.")
    ] = DEMO_HOST,
    port: Annotated[
        int,
        typer.Option(
            min=1,
            max=65535,
            help="TCP port; the URLs become http://localhost:PORT unless INTYG_PUBLIC_URL is set.",
        ),
    ] = DEMO_PORT,
    serve_too: Annotated[
        bool, typer.Option("--serve/--no-serve", hidden=True, help="Serve after setting up.")
    ] = True,
) -> None:
    """Set up the demo (issuer, verifier, wallet user, trust list), print its keys, serve."""
    if serve_too:  # a second demo must not re-key the one that is running: check first
        common.require_free_port(
            host, port, hint="the demo may already be running: stop it, or start with --port N"
        )
    # uvicorn's factory reads the settings from the environment, as load_runtime does
    os.environ.setdefault("INTYG_PUBLIC_URL", f"http://localhost:{port}")
    runtime = common.load_runtime()
    try:
        before, after = common.run_upgrade(runtime.engine)
        if before != after:
            typer.echo(f"database migrated from {before or '(empty)'} to {after}")
        setup = set_up(runtime)
    finally:
        runtime.engine.dispose()
    print_setup(runtime.settings.public_url, setup)
    if serve_too:
        os.environ.setdefault("INTYG_WALLET_TRUST_ANCHORS", str(setup.ca_pem))
        os.environ.setdefault("INTYG_STATUS_LIST_TTL_SECONDS", DEMO_STATUS_LIST_TTL_SECONDS)
        common.serve_app(host, port, 1)


def set_up(runtime: Runtime) -> DemoSetup:
    from issuer.metadata import skill_vct
    from verifier import ca

    issuer = ensure_demo_issuer(runtime)
    ca.load_or_create(runtime)
    verifier = ensure_demo_verifier(runtime)
    operator = ensure_operator_key(runtime)
    vct = skill_vct(runtime.settings.public_url)
    sequence = install_trust_list(runtime, operator, issuer.issuer, vct)
    password = secrets.token_urlsafe(12)
    ensure_wallet_user(runtime, password)
    issuer_staff_password = secrets.token_urlsafe(12)
    ensure_staff(runtime, "issuer", DEMO_SLUG, DEMO_ISSUER_STAFF, issuer_staff_password)
    verifier_staff_password = secrets.token_urlsafe(12)
    ensure_staff(
        runtime, "verifier", DEMO_VERIFIER_SLUG, DEMO_VERIFIER_STAFF, verifier_staff_password
    )
    return DemoSetup(
        issuer_slug=issuer.slug,
        issuer=issuer.issuer,
        issuer_api_key=issuer.api_key,
        verifier_client_id=verifier.client_id,
        verifier_api_key=verifier.api_key,
        trust_list_sequence=sequence,
        wallet_password=password,
        issuer_staff_password=issuer_staff_password,
        verifier_staff_password=verifier_staff_password,
        ca_pem=(runtime.settings.verifier_ca_dir / "ca.pem").resolve(),
    )


def ensure_demo_issuer(runtime: Runtime) -> CreatedIssuer:
    """The demo issuer with a fresh API key: keys are kept as hashes, so re-key if it exists."""
    from issuer import service

    with session_scope(runtime.engine) as session:
        try:
            return service.reset_api_key(session, runtime, DEMO_SLUG)
        except service.IssuerNotFound:
            session.rollback()
            return service.create_issuer(
                session,
                runtime,
                slug=DEMO_SLUG,
                name=DEMO_NAME,
                organisation_number=DEMO_ORGANISATION_NUMBER,
            )


def ensure_demo_verifier(runtime: Runtime) -> CreatedVerifier:
    from verifier import service

    with session_scope(runtime.engine) as session:
        try:
            return service.reset_api_key(session, runtime, DEMO_VERIFIER_SLUG)
        except service.VerifierNotFound:
            session.rollback()
            return service.create_verifier(
                session,
                runtime,
                slug=DEMO_VERIFIER_SLUG,
                name=DEMO_VERIFIER_NAME,
                organisation_number=DEMO_VERIFIER_ORGANISATION_NUMBER,
                dns_name=demo_verifier_dns(runtime.settings.public_url),
            )


def demo_verifier_dns(public_url: str) -> str:
    """The verifier's x509_san_dns name: the public URL's host name, so that a demo behind a
    public https name (docs/pages.md) answers wallets at the host its certificate names;
    ``localhost`` on a loopback address."""
    host = urlsplit(public_url).hostname or DEMO_VERIFIER_DNS
    return DEMO_VERIFIER_DNS if is_loopback_host(host) else host


def ensure_operator_key(runtime: Runtime) -> jose.PrivateKey:
    """The demo's trust-list operator key (created once), accepted by this deployment."""
    if DEMO_OPERATOR_KEY.exists():
        key = jose.PrivateKey.from_jwk(json.loads(DEMO_OPERATOR_KEY.read_text()))
    else:
        key = jose.PrivateKey.generate(jose.ES256)
        DEMO_OPERATOR_KEY.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = json.dumps(key.private_jwk()).encode()
        common.write_private(DEMO_OPERATOR_KEY, private, exclusive=True)
    add_operator_key(runtime.settings.trust_list_operator_keys, key.public)
    return key


def install_trust_list(runtime: Runtime, key: jose.PrivateKey, issuer: str, vct: str) -> int:
    """Sign and install a list trusting the demo issuer, one sequence number past the last."""
    from issuer import ca
    from verifier import service

    with session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, DEMO_VERIFIER_SLUG)
        sequence = _sequence_of(tenant.trust_list) + 1
        now = runtime.clock.now()
        issuer_anchor = certs.x5c_chain([ca.load_or_create(runtime)[0]])
        document = trust_list.build_trust_list(
            list_id=f"{runtime.settings.public_url}/trust-lists/demo",
            operator_name="Intyg demo trust-list operator",
            entities=[
                # HAIP 1.0: the demo issuer's credentials carry x5c; its CA anchors them
                trust_list.issuer_entry(issuer, DEMO_NAME, [vct], x5c=issuer_anchor),
                trust_list.verifier_entry(service.client_id(tenant), DEMO_VERIFIER_NAME),
            ],
            issued_at=now,
            next_update=now + 30 * DAY,
            sequence_number=sequence,
        )
        service.put_trust_list(session, runtime, tenant, trust_list.sign_trust_list(document, key))
    return sequence


def _sequence_of(token: str | None) -> int:
    """The sequence number of the installed list (read, not verified: only to count on)."""
    if not token:
        return 0
    try:
        payload = jose.parse(token, max_bytes=trust_list.MAX_TRUST_LIST_BYTES).payload
        number = payload.get("sequence_number")
    except jose.JoseError:
        return 0
    return number if isinstance(number, int) else 0


def ensure_wallet_user(runtime: Runtime, password: str) -> None:
    from wallet.service import accounts

    with session_scope(runtime.engine) as session:
        try:
            accounts.reset_password(session, DEMO_WALLET_USER, password)
        except accounts.AccountNotFound:
            session.rollback()
            accounts.sign_up(session, runtime, DEMO_WALLET_USER, password)


def ensure_staff(runtime: Runtime, kind: str, slug: str, username: str, password: str) -> None:
    """The demo tenant's staff account with a fresh password (reset if it exists)."""
    from core.staff import service
    from intyg.staff_api import TENANTS

    with session_scope(runtime.engine) as session:
        tenant_id, _ = TENANTS[kind][1](session, slug)
        try:
            service.reset_password(session, kind, tenant_id, username, password)
        except service.StaffAccountNotFound:
            session.rollback()
            service.create_account(session, runtime, kind, tenant_id, username, password)


def print_setup(base: str, setup: DemoSetup) -> None:
    echo = typer.echo
    echo(f"issuer slug:  {setup.issuer_slug}")
    echo(f"issuer:       {setup.issuer}")
    echo(f"API key:      {setup.issuer_api_key}")
    echo(f"verifier:     {DEMO_VERIFIER_SLUG}  ({setup.verifier_client_id})")
    echo(f"verifier API key: {setup.verifier_api_key}")
    echo(
        f"trust list:   sequence {setup.trust_list_sequence}, trusts the demo issuer "
        "for the skill credential"
    )
    echo(f"in a browser: {base}/  (the start page links the three roles; docs/pages.md)")
    echo(f"wallet user:  {DEMO_WALLET_USER}")
    echo(f"password:     {setup.wallet_password}")
    echo(f"wallet sign-in:   {base}/wallet/sign-in")
    echo(f"issuer staff:     {DEMO_ISSUER_STAFF}  password {setup.issuer_staff_password}")
    echo(f"issuer sign-in:   {base}/issuers/{setup.issuer_slug}/sign-in")
    echo(f"verifier staff:   {DEMO_VERIFIER_STAFF}  password {setup.verifier_staff_password}")
    echo(f"verifier sign-in: {base}/verifiers/{DEMO_VERIFIER_SLUG}/sign-in")
    echo(f"dev CA:       {setup.ca_pem} (the wallet trusts verifiers under it)")
    echo("(new API keys and passwords on every `intyg demo`; they are shown only here)")
    echo(f"API docs:     {base}/docs")
    echo(f"tutorial:     {TUTORIAL} - paste these lines into your shell first:")
    echo("")
    echo(f"export INTYG={base}")
    echo(f"export ISSUER_KEY={setup.issuer_api_key}")
    echo(f"export VERIFIER_KEY={setup.verifier_api_key}")
    echo(f"export WALLET_USER={DEMO_WALLET_USER}")
    echo(f"export WALLET_PASSWORD={setup.wallet_password}")
    echo("")
