"""``intyg issuer``: create an issuer; import its signing key and certificate; connect its
eID broker; issue a batch of offers from a CSV file of learners.

The batch file's format is ``issuer.batchfile``'s (the issuer's batch page reads the same):
one column per skill-credential claim, optional ``tx_code`` and ``row_id``. Each row is its
own transaction, with an idempotency key (``row_id``, else a hash of the file's name and the
row). Running the same file again therefore creates no second offer for a row that already
has one (it is "replayed"), and a run that stopped half-way is completed by running it again.
The results carry that key as ``row_id``; the one-time codes go to a file of their own.

``--records`` makes credential records instead of offers (``issuer.records``): bound to each
row's ``learner_identification``, collected by the learner after eID sign-in; a row without
``assessment_grade`` makes a pending record, and the same file again with the grades filled in
completes them. The results go to OUT/records.csv (no links, codes or QR codes).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from core.db import session_scope
from core.errors import IntygError
from core.qr import qr_svg
from intyg.commands.common import CliFailure, migrated_runtime, write_private

if TYPE_CHECKING:
    from _csv import Writer as CsvWriter

    from issuer.batchfile import BatchFile

issuer_app = typer.Typer(
    help="Issuers (the education providers this service hosts).", no_args_is_help=True
)

OFFERS_FILE, TX_CODES_FILE, RECORDS_FILE = "offers.csv", "tx_codes.csv", "records.csv"
RECORD_COLUMNS = ("line", "row_id", "record_id", "state", "outcome")
OFFER_COLUMNS = (
    "line",
    "row_id",
    "offer_id",
    "credential_offer",
    "credential_offer_uri",
    "outcome",
)
# OpenID4VCI 1.0 section 4.1.1: the code reaches the learner by another channel than the
# offer, so it lives in a file of its own, readable only by its owner.
TX_CODE_COLUMNS = ("line", "row_id", "offer_id", "tx_code")


@issuer_app.command("create")
def issuer_create(
    slug: Annotated[str, typer.Option(help="Short name in URLs, e.g. `yh-stockholm`.")],
    name: Annotated[str, typer.Option(help="The provider's name, shown in credentials.")],
    org_number: Annotated[
        str, typer.Option("--org-number", help="Organisationsnummer, NNNNNN-NNNN.")
    ],
    certificate: Annotated[
        str,
        typer.Option(
            help="ca (HAIP 1.0): the issuer CA (INTYG_ISSUER_CA_DIR) certifies each signing "
            "key and credentials carry the chain in x5c; none: kid and metadata only."
        ),
    ] = "ca",
) -> None:
    """Create an issuer; prints its identifier URL and its API key (shown only once)."""
    from issuer import service
    from schemas.issuer_api import CertificateSource

    if certificate not in ("ca", "none"):
        raise CliFailure("usage", "--certificate is ca or none", 2)
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        created = service.create_issuer(
            session,
            runtime,
            slug=slug,
            name=name,
            organisation_number=org_number,
            certificate=CertificateSource(certificate),
        )
    typer.echo(f"slug:     {created.slug}")
    typer.echo(f"issuer:   {created.issuer}")
    typer.echo(f"API key:  {created.api_key}")
    typer.echo("(the API key is shown only now: store it)")


@issuer_app.command("import-key")
def issuer_import_key(
    slug: Annotated[str, typer.Option(help="The issuer that signs with the key.")],
    key: Annotated[
        Path, typer.Option("--key", help="Its EC P-256 private key (PEM, unencrypted).")
    ],
    chain: Annotated[
        Path,
        typer.Option(
            "--chain",
            help="PEM certificates: the key's, then its CAs (a self-signed anchor is dropped).",
        ),
    ],
) -> None:
    """Sign from now on with an operator's key and certificate (HAIP 1.0 x5c). The leaf must
    certify this key, name the issuer's URL (SAN URI), allow digitalSignature and be valid.
    Earlier keys stay published; the next key is imported the same way (no rotation)."""
    from issuer import service, signing

    try:
        key_pem, chain_pem = key.read_bytes(), chain.read_bytes()
    except OSError as exc:
        raise CliFailure("file_unreadable", f"cannot read {exc.filename}", 1) from None
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        kid = signing.import_key(session, runtime, tenant, key_pem, chain_pem)
    typer.echo(f"active key: {kid} (credentials and status lists carry its chain in x5c)")


@issuer_app.command("eid")
def issuer_eid(
    slug: Annotated[str, typer.Option(help="The issuer whose learners sign in.")],
    discovery_url: Annotated[
        str,
        typer.Option(help="The eID broker's issuer URL or /.well-known/openid-configuration."),
    ],
    client_id: Annotated[str, typer.Option(help="Intyg's client id at the broker.")],
    client_secret_file: Annotated[
        Path | None,
        typer.Option(help="File holding the client secret (client_secret_basic)."),
    ] = None,
    private_key_jwt: Annotated[
        bool,
        typer.Option(
            "--private-key-jwt", help="Authenticate with a key Intyg makes (private_key_jwt)."
        ),
    ] = False,
    scope: Annotated[str | None, typer.Option(help="Scopes, space-separated.")] = None,
    identity_claim: Annotated[
        str | None, typer.Option(help="The ID token claim with the personal identity number.")
    ] = None,
) -> None:
    """Connect the issuer to its eID broker (an OpenID Connect provider); prints what to
    register there: the redirect URI, and for --private-key-jwt the JWKS URL."""
    from core import oidc
    from issuer import eid, service

    if private_key_jwt == (client_secret_file is not None):
        raise CliFailure("usage", "give either --client-secret-file or --private-key-jwt", 2)
    secret = None
    if client_secret_file is not None:
        try:
            secret = client_secret_file.read_text().strip()
        except (OSError, UnicodeDecodeError):
            raise CliFailure("file_unreadable", f"cannot read {client_secret_file}", 1) from None
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        connection = eid.configure(
            session,
            runtime,
            tenant,
            discovery_url=discovery_url,
            client_id=client_id,
            auth_method=oidc.PRIVATE_KEY_JWT if private_key_jwt else oidc.CLIENT_SECRET_BASIC,
            client_secret=secret,
            scope=scope or oidc.DEFAULT_SCOPE,
            identity_claim=identity_claim or oidc.CLAIM_PERSONAL_IDENTITY_NUMBER,
        )
    typer.echo(f"client auth:   {connection.auth_method}")
    typer.echo(f"redirect URI:  {connection.redirect_uri}")
    if connection.jwks_uri:
        typer.echo(f"JWKS URL:      {connection.jwks_uri}")


@issuer_app.command("attestation")
def issuer_attestation(
    slug: Annotated[str, typer.Option(help="The issuer.")],
    trust_list_file: Annotated[
        Path | None,
        typer.Option("--trust-list", help="Signed trust list naming the wallet providers."),
    ] = None,
    require_wallet_attestation: Annotated[
        bool, typer.Option(help="Refuse PAR and token requests without a wallet attestation.")
    ] = False,
    key_storage: Annotated[
        str | None, typer.Option(help="Lowest key_storage level, e.g. iso_18045_moderate.")
    ] = None,
    user_authentication: Annotated[
        str | None, typer.Option(help="Lowest user_authentication level.")
    ] = None,
) -> None:
    """What the issuer requires of wallets: a wallet attestation, key attestations at
    OpenID4VCI Appendix D.2 levels, from wallet providers on the trust list."""
    from issuer import attestation, service

    token = None
    if trust_list_file is not None:
        try:
            token = trust_list_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise CliFailure("file_unreadable", f"cannot read {trust_list_file}", 1) from None
    levels = {"key_storage": key_storage, "user_authentication": user_authentication}
    minimum = {k: v for k, v in levels.items() if v is not None} or None
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        attestation.configure(
            session,
            runtime,
            tenant,
            require_wallet_attestation=require_wallet_attestation,
            key_attestation_min=minimum,
            wallet_trust_list=token,
        )
        policy = attestation.policy(runtime, tenant)
    typer.echo(f"wallet attestation required: {str(policy.require_wallet_attestation).lower()}")
    typer.echo(f"key attestation minimum:     {policy.minimum or 'none'}")
    typer.echo(f"wallet providers:            {', '.join(policy.providers) or 'none'}")


@issuer_app.command("batch")
def issuer_batch(
    slug: Annotated[str, typer.Option(help="The issuer that makes the offers.")],
    file: Annotated[
        Path, typer.Argument(metavar="FILE.csv", help="CSV of learners, one row per credential.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for offers.csv, tx_codes.csv and qr/*.svg (or records.csv)."
        ),
    ],
    as_records: Annotated[
        bool,
        typer.Option(
            "--records",
            help="Make credential records bound to learner_identification, collected after "
            "eID sign-in, instead of offers; rows without assessment_grade are pending.",
        ),
    ] = False,
) -> None:
    """Make one credential offer per CSV row; bad rows are reported by line, the rest go on.

    Writes OUT/offers.csv, OUT/tx_codes.csv (the one-time codes, to be sent apart from the
    offers) and OUT/qr/<offer_id>.svg; each result line has the row's row_id.

    Running the same file again makes no duplicates.

    Exit status 0 when every row made an offer, 1 when some did not.
    """
    from issuer import service
    from issuer.batchfile import BatchRow, RowError

    if as_records:
        _batch_records(slug, file, out)
        return
    batch_file = read_batch_file(file)
    records = batch_file.records
    console = Console(stderr=True, soft_wrap=True)
    tally = {"created": 0, "replayed": 0, "failed": 0}
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        earlier_codes = _earlier_tx_codes(out)
        rows = batch_file.rows(file.name)
        requests = [row.request() for _, row in rows if isinstance(row, BatchRow)]
        # one offer is made per next(): each row is on disk before the next offer is made
        made_offers = service.create_offers(session, runtime, tenant, requests, at_most=None)
        with _batch_output(out) as (offers, tx_codes), _progress(console) as bar:
            task = bar.add_task("offers", total=len(records))
            for line, row in rows:
                made = row if isinstance(row, RowError) else next(made_offers)
                if isinstance(made, RowError | IntygError):
                    tally["failed"] += 1
                    bar.console.print(
                        f"line {line}: {made.code}: {_one_line(made.detail)}",
                        markup=False,
                        highlight=False,
                    )
                else:
                    assert isinstance(row, BatchRow)
                    outcome = "created" if made.created else "replayed"
                    tally[outcome] += 1
                    ids = [line, row.idempotency_key, made.offer_id]
                    links = [made.credential_offer, made.credential_offer_uri]
                    offers.writerow([*ids, *links, outcome])
                    tx_code = made.tx_code or earlier_codes.get(made.offer_id)
                    if tx_code:
                        tx_codes.writerow([*ids, tx_code])
                    svg = out / "qr" / f"{made.offer_id}.svg"
                    write_private(svg, qr_svg(made.credential_offer).encode())
                bar.advance(task)
    typer.echo(
        f"{len(records)} rows: {tally['created']} offers created, {tally['replayed']} "
        f"replayed (made by an earlier run), {tally['failed']} failed"
    )
    typer.echo(f"offers:   {out / OFFERS_FILE}")
    typer.echo(f"tx codes: {out / TX_CODES_FILE} (send each apart from its offer)")
    typer.echo(f"QR codes: {out / 'qr'}/")
    if tally["failed"]:
        raise CliFailure(
            "batch_incomplete",
            f"{tally['failed']} of {len(records)} rows failed (listed above by line); "
            "fix them and run the same command again: the rows that worked are not repeated",
        )


def _batch_records(slug: str, file: Path, out: Path) -> None:
    """``issuer batch --records``: one record per row, results in OUT/records.csv."""
    from issuer import records, service
    from issuer.batchfile import BatchRow, RowError

    batch_file = read_batch_file(file)
    console = Console(stderr=True, soft_wrap=True)
    tally = {"created": 0, "replayed": 0, "completed": 0, "pending": 0, "failed": 0}
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    with migrated_runtime() as runtime, session_scope(runtime.engine) as session:
        tenant = service.tenant_by_slug(session, slug)
        rows = batch_file.rows(file.name, records=True)
        requests = [row.record_request() for _, row in rows if isinstance(row, BatchRow)]
        made_records = records.create_records(session, runtime, tenant, requests, at_most=None)
        write_private(out / f"{RECORDS_FILE}.partial", b"")
        with (out / f"{RECORDS_FILE}.partial").open(
            "w", newline="", encoding="utf-8", buffering=1
        ) as sink:
            writer = csv.writer(sink)
            writer.writerow(RECORD_COLUMNS)
            for line, row in rows:
                made = row if isinstance(row, RowError) else next(made_records)
                if isinstance(made, RowError | IntygError):
                    tally["failed"] += 1
                    console.print(
                        f"line {line}: {made.code}: {_one_line(made.detail)}",
                        markup=False,
                        highlight=False,
                    )
                    continue
                assert isinstance(row, BatchRow)
                tally[made.outcome] += 1
                tally["pending"] += made.state == "pending"
                writer.writerow(
                    [line, row.idempotency_key, made.record_id, made.state.value, made.outcome]
                )
        os.replace(out / f"{RECORDS_FILE}.partial", out / RECORDS_FILE)
    count = len(batch_file.records)
    typer.echo(
        f"{count} rows: {tally['created']} records created, {tally['replayed']} replayed, "
        f"{tally['completed']} completed, {tally['failed']} failed; "
        f"{tally['pending']} pending (no grade yet)"
    )
    typer.echo(f"records:  {out / RECORDS_FILE}")
    if tally["failed"]:
        raise CliFailure(
            "batch_incomplete",
            f"{tally['failed']} of {count} rows failed (listed above by line); "
            "fix them and run the same command again: the rows that worked are not repeated",
        )


@contextmanager
def _batch_output(out: Path) -> Iterator[tuple[CsvWriter, CsvWriter]]:
    """Writers of offers.csv and tx_codes.csv (mode 0600, rows flushed as they come).

    Each is written as ``<name>.partial`` and moved into place when the batch ends, so a
    crash leaves the last complete files; the next run reads the codes from either.
    """
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    (out / "qr").mkdir(exist_ok=True, mode=0o700)
    names = (OFFERS_FILE, TX_CODES_FILE)
    with ExitStack() as files:
        writers = []
        for name, columns in zip(names, (OFFER_COLUMNS, TX_CODE_COLUMNS), strict=True):
            write_private(out / f"{name}.partial", b"")
            # line buffering: every row reaches the disk before the next offer is made
            sink = files.enter_context(
                (out / f"{name}.partial").open("w", newline="", encoding="utf-8", buffering=1)
            )
            writers.append(csv.writer(sink))
            writers[-1].writerow(columns)
        yield writers[0], writers[1]
    for name in names:
        os.replace(out / f"{name}.partial", out / name)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("issuing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def _one_line(detail: str) -> str:
    lines = [part.strip().removeprefix("- ") for part in detail.splitlines() if part.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        return f"{lines[0]} {'; '.join(lines[1:])}"
    return "; ".join(lines)


def read_batch_file(file: Path) -> BatchFile:
    """The batch file's checked header and records; a file that cannot be used fails."""
    from issuer.batchfile import FileRejected, read_batch

    try:
        return read_batch(file.read_bytes(), file.name)
    except FileRejected as exc:
        raise CliFailure(exc.code, exc.detail) from None


def _earlier_tx_codes(out: Path) -> dict[str, str]:
    """One-time codes that earlier runs wrote (a replayed offer cannot show its code again).

    Versions before tx_codes.csv wrote the codes into offers.csv: they are read from there too.
    """
    codes: dict[str, str] = {}
    for name in (OFFERS_FILE, TX_CODES_FILE):
        for path in (out / name, out / f"{name}.partial"):
            if not path.exists():
                continue
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("offer_id") and row.get("tx_code"):
                        codes[row["offer_id"]] = row["tx_code"]
    return codes
