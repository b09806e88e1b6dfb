"""``intyg trust-list keygen|create|sign|install``: the operator's signed lists of trusted
issuers (for verifiers) and verifiers (for wallets); see ``core.standards.trust_list``."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated, Final

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


#: The entity options of ``trust-list create`` and the values each takes.
ENTITY_OPTIONS: Final = {
    "--issuer": ("ID", "NAME", "VCT"),
    "--verifier": ("CLIENT_ID", "NAME"),
    "--purpose": ("CLIENT_ID", "PURPOSE_ID", "VCT", "CLAIM"),
    "--purpose-name": ("CLIENT_ID", "PURPOSE_ID", "LANG", "TEXT"),
    "--wallet-provider": ("ID", "NAME", "JWK_FILE"),
}


def _usage(detail: str) -> CliFailure:
    return CliFailure("usage", detail, 2)


def _options(args: list[str]) -> list[tuple[str, list[str]]]:
    """The entity options in order, each with its values."""
    found: list[tuple[str, list[str]]] = []
    position = 0
    while position < len(args):
        flag = args[position]
        if flag not in ENTITY_OPTIONS:
            raise _usage(f"unexpected argument {flag!r}")
        metavars = ENTITY_OPTIONS[flag]
        values = args[position + 1 : position + 1 + len(metavars)]
        if len(values) != len(metavars) or any(v.startswith("--") for v in values):
            raise _usage(f"{flag} takes {len(metavars)} values: {flag} {' '.join(metavars)}")
        found.append((flag, values))
        position += 1 + len(metavars)
    return found


def claim_path(text: str) -> list[object]:
    """A registered claim's path as an operator types it: names joined by dots, ``*`` for
    every element of an array and a number for one element (``skills.*.label``), or a JSON
    array (``["skills", null, "label"]``) for a name that holds a dot, is ``*`` or is a
    number. The steps are checked with the list (``core.standards.intended_use``)."""
    if text.startswith("["):
        try:
            path = json.loads(text)
        except ValueError:
            path = None
        if not isinstance(path, list):
            raise _usage(f"--purpose CLAIM {text!r} is not a JSON array")
        return path
    steps = text.split(".")
    if "" in steps:
        raise _usage(f"--purpose CLAIM {text!r} has an empty step (e.g. skills.*.label)")
    return [
        None if step == "*" else int(step) if step.isascii() and step.isdigit() else step
        for step in steps
    ]


def parse_entities(args: list[str]) -> list[dict[str, object]]:
    """``--issuer ID NAME VCT`` (repeat for more types), ``--verifier CLIENT_ID NAME``, and
    for a verifier's registered purposes ``--purpose CLIENT_ID PURPOSE_ID VCT CLAIM`` (repeat
    for each claim the purpose needs) and ``--purpose-name CLIENT_ID PURPOSE_ID LANG TEXT``."""
    issuers: dict[str, tuple[str, list[str]]] = {}
    verifiers: list[tuple[str, str]] = []
    claims: dict[tuple[str, str], list[dict[str, object]]] = {}  # (client id, purpose id) →
    names: dict[tuple[str, str], dict[str, str]] = {}  # … and language → text
    providers: list[dict[str, object]] = []
    for flag, values in _options(args):
        if flag == "--wallet-provider":
            providers.append(
                trust_list.wallet_provider_entry(values[0], values[1], [_public_jwk(values[2])])
            )
        elif flag == "--issuer":
            issuers.setdefault(values[0], (values[1], []))[1].append(values[2])
        elif flag == "--verifier":
            verifiers.append((values[0], values[1]))
        elif flag == "--purpose":
            claim: dict[str, object] = {"vct": values[2], "path": claim_path(values[3])}
            claims.setdefault((values[0], values[1]), []).append(claim)
        else:
            names.setdefault((values[0], values[1]), {})[values[2]] = values[3]
    purposes = list(dict.fromkeys([*claims, *names]))
    unnamed = sorted({c for c, _ in purposes} - {c for c, _ in verifiers})
    if unnamed:
        raise _usage(f"{unnamed[0]!r} has purposes but no --verifier {unnamed[0]} NAME")

    def purposes_of(client_id: str) -> list[dict[str, object]]:
        return [
            {
                "id": p,
                **({"name": names[c, p]} if (c, p) in names else {}),
                "claims": claims.get((c, p), []),
            }
            for c, p in purposes
            if c == client_id
        ]

    entities = [trust_list.issuer_entry(i, n, v) for i, (n, v) in issuers.items()]
    entities += [trust_list.verifier_entry(c, n, purposes=purposes_of(c)) for c, n in verifiers]
    entities += providers
    if not entities:
        raise _usage("name at least one --issuer, --verifier or --wallet-provider")
    return entities


def _public_jwk(path: str) -> dict[str, object]:
    """A wallet provider's public JWK from a file (``trust-list hosted-wallet`` writes one)."""
    try:
        jwk = json.loads(Path(path).read_text(encoding="utf-8"))
        return dict(jose.PublicKey.from_jwk(jwk).jwk)
    except (OSError, ValueError, TypeError, jose.JoseError):
        raise _usage(f"--wallet-provider JWK_FILE {path!r} is not a public JWK") from None


@trust_list_app.command("hosted-wallet")
def hosted_wallet(
    out: Annotated[Path, typer.Option("--out", help="Where to write the provider's public JWK.")],
) -> None:
    """The hosted wallet as a wallet provider: write its public key (created on first use)
    and print its identifier, to list it with --wallet-provider ID NAME JWK_FILE."""
    from wallet.service import attesting

    with migrated_runtime() as runtime:
        out.write_text(json.dumps(attesting.provider_jwk(runtime), indent=2) + "\n")
        typer.echo(f"wallet provider: {attesting.provider_id(runtime)}")
    typer.echo(f"wrote {out} (public key only)")


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
    """Write an unsigned trust list; sign it with `trust-list sign`.

    Entities, as many as needed:

      --issuer ID NAME VCT       (repeat an issuer for more types)
      --verifier CLIENT_ID NAME
      --purpose CLIENT_ID PURPOSE_ID VCT CLAIM
                                 a purpose the verifier registers and a claim
                                 it needs (repeat for each claim); wallets
                                 compare requests naming the purpose with it
      --purpose-name CLIENT_ID PURPOSE_ID LANG TEXT
                                 the purpose's name for holders (sv Rekrytering)
      --wallet-provider ID NAME JWK_FILE
                                 a wallet provider whose wallet and key
                                 attestations issuers accept (its public JWK)

    CLAIM: names joined by dots, * for every element of an array, a number
    for one (skills.*.label); or a JSON array (["skills", null, "label"]).
    """
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
