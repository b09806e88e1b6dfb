"""``intyg verifier create``, ``intyg verify FILE`` and ``intyg dev-ca create|issue``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from core.db import session_scope
from intyg.commands.common import CliFailure, load_runtime, migrated_runtime, write_private
from schemas.verifier_api import (
    CheckedIssuer,
    ClientIdPrefix,
    Outcome,
    ResponseMode,
    Verdict,
    VerificationResult,
)

verifier_app = typer.Typer(
    help="Verifiers (employers and services that ask for credentials).", no_args_is_help=True
)
dev_ca_app = typer.Typer(
    help="The development CA behind verifiers' certificates (not for production).",
    no_args_is_help=True,
)


@verifier_app.command("create")
def verifier_create(
    slug: Annotated[str, typer.Option(help="Short name in URLs, e.g. `rekrytering`.")],
    name: Annotated[str, typer.Option(help="The organisation's name, shown to holders.")],
    org_number: Annotated[
        str, typer.Option("--org-number", help="Organisationsnummer, NNNNNN-NNNN.")
    ],
    dns_name: Annotated[
        str, typer.Option("--dns-name", help="Host name in its certificate (and client_id).")
    ],
    client_id_prefix: Annotated[
        ClientIdPrefix,
        typer.Option(
            "--client-id-prefix",
            help="x509_hash (HAIP 1.0): the certificate's hash; x509_san_dns: the host name.",
        ),
    ] = ClientIdPrefix.X509_HASH,
    response_mode: Annotated[
        ResponseMode,
        typer.Option(
            "--response-mode",
            help="direct_post.jwt (HAIP 1.0): answers encrypted to a key per request; "
            "direct_post: in the clear.",
        ),
    ] = ResponseMode.DIRECT_POST_JWT,
) -> None:
    """Create a verifier: key, certificate from the CA, API key (shown only once)."""
    from verifier import service

    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        created = service.create_verifier(
            session,
            runtime,
            slug=slug,
            name=name,
            organisation_number=org_number,
            dns_name=dns_name,
            client_id_prefix=client_id_prefix,
            response_mode=response_mode,
        )
        ca_pem = (runtime.settings.verifier_ca_dir / "ca.pem").resolve()
    typer.echo(f"slug:       {created.slug}")
    typer.echo(f"client_id:  {created.client_id}")
    typer.echo(f"API key:    {created.api_key}")
    typer.echo("(the API key is shown only now: store it)")
    typer.echo(f"CA certificate (wallets trust it, INTYG_WALLET_TRUST_ANCHORS): {ca_pem}")
    typer.echo(f"next: intyg trust-list install --verifier {created.slug} LIST.jwt")


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


def verify(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="An SD-JWT VC or SD-JWT VC presentation.")
    ],
    verifier: Annotated[
        str | None,
        typer.Option(help="Whose trust list to use (default: the only verifier there is)."),
    ] = None,
    nonce: Annotated[
        str | None, typer.Option(help="Expected key-binding nonce (key binding is then required).")
    ] = None,
    audience: Annotated[
        str | None,
        typer.Option(help="Expected key-binding aud (default: the verifier's client_id)."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="json (the result document) or text.")
    ] = OutputFormat.json,
) -> None:
    """Verify a credential or presentation from a file with a verifier's trust list.

    Prints the result document; exit status 0 when it is valid, 1 when it is not.
    """
    from verifier import service

    if audience is not None and nonce is None:
        raise CliFailure("usage", "--audience needs --nonce (both check the key binding)", 2)
    presentation = file.read_text(encoding="utf-8").strip()
    if not presentation:
        raise CliFailure("empty_file", f"{file} is empty")
    with migrated_runtime() as runtime:
        with session_scope(runtime.engine, read_only=True) as session:
            if verifier is None:
                tenants = service.list_tenants(session)
                if len(tenants) != 1:
                    raise CliFailure(
                        "verifier_required",
                        f"there are {len(tenants)} verifiers; name one with --verifier SLUG",
                        2,
                    )
                tenant = tenants[0]
            else:
                tenant = service.tenant_by_slug(session, verifier)
        result = service.verify_direct(
            runtime,
            tenant,
            presentation,
            expected_nonce=nonce,
            expected_aud=audience,
            require_key_binding=nonce is not None,
        ).document()
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        typer.echo(result_as_text(result))
    if result.verdict != Verdict.VALID:
        failed = next(c for c in result.checks if c.outcome == Outcome.FAILED)
        raise CliFailure(
            "credential_invalid", f"the {failed.name} check failed ({failed.code or 'failed'})"
        )


def result_as_text(result: VerificationResult) -> str:
    issuer = result.issuer
    if isinstance(issuer, CheckedIssuer):
        trusted = "trusted" if issuer.trusted else "NOT trusted"
        named = f"{issuer.id} ({issuer.name or 'unknown'}, {trusted})"
    else:  # the credential could not be parsed far enough to name its issuer
        named = "- (unknown, NOT trusted)"
    lines = [
        f"verdict:  {result.verdict.upper()}",
        f"issuer:   {named}",
        f"type:     {result.vct or '-'}",
        "checks:",
    ]
    for check in result.checks:
        why = f"  {check.code}: {check.detail or ''}" if check.code else ""
        lines.append(f"  {check.name:<12} {check.outcome.value:<8}{why}".rstrip())
    if result.claims:
        lines.append("claims:")
        for name, value in result.claims.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines)


@dev_ca_app.command("create")
def dev_ca_create() -> None:
    """Create the development CA if it is missing; print where wallets find ca.pem."""
    from verifier import ca

    runtime = load_runtime()
    try:
        existed = (runtime.settings.verifier_ca_dir / "ca.pem").exists()
        ca.load_or_create(runtime)
    finally:
        runtime.engine.dispose()
    ca_pem = (runtime.settings.verifier_ca_dir / "ca.pem").resolve()
    typer.echo(f"{'existing' if existed else 'created'} development CA: {ca_pem}")
    typer.echo(f"wallets trust it with INTYG_WALLET_TRUST_ANCHORS={ca_pem}")


@dev_ca_app.command("issue")
def dev_ca_issue(
    dns_name: Annotated[str, typer.Option("--dns-name", help="The verifier's host name.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for key.pem and cert.pem.")],
    organisation: Annotated[
        str | None, typer.Option(help="Organisation name in the certificate.")
    ] = None,
) -> None:
    """A key and an x509_san_dns certificate for a verifier deployed elsewhere."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from core import jose
    from core import x509 as certs
    from verifier import ca
    from verifier.service import DNS_RE

    dns = dns_name.strip().lower()
    if not DNS_RE.fullmatch(dns):
        raise CliFailure("invalid_input", "--dns-name: a host name such as rekrytering.example.se")
    key_file, cert_file = out / "key.pem", out / "cert.pem"
    if key_file.exists():
        raise CliFailure("file_exists", f"{key_file} exists; choose another --out folder")
    runtime = load_runtime()
    try:
        ca_cert, ca_key = ca.load_or_create(runtime)
        key = jose.PrivateKey.generate(jose.ES256)
        leaf = certs.issue_verifier_certificate(
            ca_cert, ca_key, dns, key.public, runtime.clock.now(), organisation=organisation
        )
    finally:
        runtime.engine.dispose()
    secret = int.from_bytes(jose.b64url_decode(str(key.private_jwk()["d"])), "big")
    pem = ec.derive_private_key(secret, ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(key_file, pem, exclusive=True)
    cert_file.write_text(certs.certificate_to_pem(leaf) + certs.certificate_to_pem(ca_cert))
    typer.echo(f"client_id:    x509_san_dns:{dns}")
    typer.echo(f"private key:  {key_file} (mode 0600, unencrypted PKCS#8: keep it secret)")
    typer.echo(f"certificate:  {cert_file} (leaf, then the CA)")
