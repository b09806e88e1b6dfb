"""``intyg trust-list keygen|create|sign|install``: the operator's signed lists of trusted
issuers (for verifiers) and verifiers (for wallets); see ``core.standards.trust_list``."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer

from core import jose
from core.db import session_scope
from core.standards import trust_list
from intyg.commands.common import CliFailure, load_settings, migrated_runtime, write_private

trust_list_app = typer.Typer(
    help="Signed trust lists: which issuers a verifier trusts, which verifiers a wallet knows.",
    no_args_is_help=True,
)
DAY = 86_400


def add_operator_key(jwks_file: Path, public: jose.PublicKey) -> bool:
    """Append ``public`` to the JWKS of accepted operator keys; False if it is there already."""
    document: dict[str, list[dict[str, object]]] = {"keys": []}
    if jwks_file.exists():
        try:
            document = json.loads(jwks_file.read_text())
            keys = document["keys"]
            assert isinstance(keys, list)
        except (ValueError, KeyError, AssertionError):
            raise CliFailure("operator_keys_invalid", f"{jwks_file} is not a JWKS") from None
    if any(k.get("kid") == public.kid for k in document["keys"]):
        return False
    document["keys"].append(dict(public.jwk))
    jwks_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    jwks_file.write_text(json.dumps(document, indent=2) + "\n")
    return True


def read_private_key(key_file: Path) -> jose.PrivateKey:
    try:
        return jose.PrivateKey.from_jwk(json.loads(key_file.read_text()))
    except (ValueError, TypeError, jose.JoseError):
        raise CliFailure("key_invalid", f"{key_file} is not a private JWK") from None


@trust_list_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key (a JWK).")],
) -> None:
    """Create an operator key (mode 0600) and add its public key to the accepted keys."""
    settings = load_settings()
    if out.exists():
        raise CliFailure("file_exists", f"{out} exists; an operator key is never overwritten")
    key = jose.PrivateKey.generate(jose.ES256)
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(out, (json.dumps(key.private_jwk()) + "\n").encode(), exclusive=True)
    add_operator_key(settings.trust_list_operator_keys, key.public)
    typer.echo(f"private key: {out} (mode 0600; keep it off the servers)")
    typer.echo(f"key id:      {key.kid}")
    typer.echo(
        f"public key added to {settings.trust_list_operator_keys} (INTYG_TRUST_LIST_OPERATOR_KEYS)"
    )


def parse_entities(args: list[str]) -> list[dict[str, object]]:
    """``--issuer ID NAME VCT`` (repeat for more types) and ``--verifier CLIENT_ID NAME``."""
    issuers: dict[str, tuple[str, list[str]]] = {}
    verifiers: list[dict[str, object]] = []
    position = 0
    while position < len(args):
        flag = args[position]
        width = {"--issuer": 3, "--verifier": 2}.get(flag)
        values = args[position + 1 : position + 1 + (width or 0)]
        if width is None:
            raise CliFailure("usage", f"unexpected argument {flag!r}", 2)
        if len(values) != width or any(v.startswith("--") for v in values):
            what = "ID NAME VCT" if width == 3 else "CLIENT_ID NAME"
            raise CliFailure("usage", f"{flag} takes {width} values: {flag} {what}", 2)
        if width == 3:
            name, vcts = issuers.setdefault(values[0], (values[1], []))
            vcts.append(values[2])
        else:
            verifiers.append(trust_list.verifier_entry(values[0], values[1]))
        position += 1 + width
    entities = [trust_list.issuer_entry(i, n, v) for i, (n, v) in issuers.items()]
    if not entities + verifiers:
        raise CliFailure("usage", "name at least one --issuer or --verifier", 2)
    return entities + verifiers


@trust_list_app.command(
    "create", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def create(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the (unsigned) list.")],
    operator: Annotated[
        str, typer.Option(help="The list operator's name.")
    ] = "Intyg trust-list operator",
    list_id: Annotated[
        str | None, typer.Option(help="The list's URI (default: a new one).")
    ] = None,
    sequence: Annotated[
        int, typer.Option(min=1, help="Sequence number: higher than the list it replaces.")
    ] = 1,
    days: Annotated[int, typer.Option(min=1, help="Days until next_update.")] = 30,
) -> None:
    """Write an unsigned trust list. Entities: --issuer ID NAME VCT (repeat an issuer for more
    types) and --verifier CLIENT_ID NAME, as many as needed. Sign it with `trust-list sign`."""
    settings = load_settings()
    now = int(time.time())
    document = trust_list.build_trust_list(
        list_id=list_id or f"{settings.public_url}/trust-lists/{uuid.uuid4()}",
        operator_name=operator,
        entities=parse_entities(list(ctx.args)),
        issued_at=now,
        next_update=now + days * DAY,
        sequence_number=sequence,
    )
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    typer.echo(
        f"wrote {out}: {len(document['entities'])} entities, sequence {sequence}, "  # type: ignore[arg-type]
        f"next update in {days} days"
    )


@trust_list_app.command("sign")
def sign(
    document_file: Annotated[Path, typer.Argument(metavar="LIST.json", help="The unsigned list.")],
    key: Annotated[Path, typer.Option("--key", help="The operator's private key (JWK).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed list (JWS).")],
) -> None:
    """Sign a trust list with an operator key (a JWS, typ trust-list+jwt)."""
    try:
        document = json.loads(document_file.read_text(encoding="utf-8"))
    except ValueError:
        raise CliFailure("trust_list_malformed", f"{document_file} is not JSON") from None
    if not isinstance(document, dict):
        raise CliFailure("trust_list_malformed", f"{document_file} is not a JSON object")
    private = read_private_key(key)
    out.write_text(trust_list.sign_trust_list(document, private) + "\n")
    typer.echo(f"wrote {out}, signed by key {private.kid}")


@trust_list_app.command("install")
def install(
    token_file: Annotated[Path, typer.Argument(metavar="LIST.jwt", help="The signed list.")],
    verifier: Annotated[str, typer.Option(help="The verifier (slug) that uses the list.")],
) -> None:
    """Install a signed trust list for a verifier (checked against the operator keys)."""
    from verifier import service

    token = token_file.read_text(encoding="utf-8").strip()
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, verifier)
        listed = service.put_trust_list(session, runtime, tenant, token)
    typer.echo(
        f"installed list {listed.list_id} (sequence {listed.sequence_number}) "
        f"for {verifier}: {len(listed.issuers)} trusted issuers"
    )
    for issuer in listed.issuers.values():
        vcts = "any type" if issuer.vcts is None else ", ".join(sorted(issuer.vcts))
        typer.echo(f"  {issuer.id}  {issuer.name}  {vcts}")
    for entry in listed.skipped:
        typer.echo(f"  skipped {entry.name}: {entry.reason}")
