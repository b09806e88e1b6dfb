"""The CLI's issuer batch, verifier, trust-list, dev-ca and verify commands."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from jwcrypto import jwk
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core import jose
from core import x509 as certs
from core.db import session_scope
from core.runtime import Runtime
from core.signin import SessionInvalid
from core.standards import trust_list
from intyg import cli
from intyg.app import create_app
from intyg.commands import common
from issuer.batchfile import content_key
from tests.helpers import SpecWallet, learner_claims

BASE = "http://localhost:8000"
VCT = f"{BASE}/types/skill-credential"
BAD_PERSONNUMMER = "19900101-0018"  # wrong check digit


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    master_key_text: str,
    database_url: str,
    engine: Engine,
) -> dict[str, str]:
    """A clean INTYG_ environment in a scratch directory, on the migrated test database."""
    for name in list(os.environ):
        if name.startswith("INTYG_") and name != "INTYG_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    env = {
        "INTYG_DATABASE_URL": database_url,
        "INTYG_PUBLIC_URL": BASE,
        "INTYG_MASTER_KEY": master_key_text,
        "INTYG_VERIFIER_CA_DIR": str(tmp_path / "ca"),
        "INTYG_TRUST_LIST_OPERATOR_KEYS": str(tmp_path / "operator.jwks"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), out, err


def printed(out: str, label: str) -> str:
    line = next(line for line in out.splitlines() if line.startswith(label))
    return line.split(":", 1)[1].strip()


def create_issuer(capsys: pytest.CaptureFixture[str], slug: str = "yh-batch") -> str:
    code, out, err = run(
        capsys,
        "issuer",
        "create",
        "--slug",
        slug,
        "--name",
        "YH Batch",
        "--org-number",
        "556677-8899",
    )
    assert (code, err) == (0, ""), err
    return printed(out, "API key")


def count_offers(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM issuer_offer")).scalar_one())


# --- issuer batch ----------------------------------------------------------------------------

HEADER = [
    "given_name",
    "family_name",
    "birthdate",
    "learner_identification",
    "achievement_title",
    "achievement_kind",
    "eqf_level",
    "language_of_classes",
    "credits",
    "skills",
    "taxonomy_versions",
    "assessment_grade",
    "tx_code",
    "row_id",
]


def learner_row(**overrides: str) -> list[str]:
    claims = learner_claims()
    row = {
        "given_name": "Alva",
        "family_name": "Lindqvist",
        "birthdate": "1990-01-01",
        "learner_identification": "19900101-0017",
        "achievement_title": "Mjukvaruutvecklare",
        "achievement_kind": "programme",
        "eqf_level": "5",
        "language_of_classes": "sv",
        "credits": json.dumps(claims["credits"], ensure_ascii=False),
        "skills": json.dumps(claims["skills"], ensure_ascii=False),
        "taxonomy_versions": json.dumps(claims["taxonomy_versions"]),
        "assessment_grade": "VG",
        "tx_code": "",
        "row_id": "",
    }
    row.update(overrides)
    return [row[name] for name in HEADER]


def write_batch(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(learner_row())  # line 2
        writer.writerow(learner_row(given_name="Bo", tx_code="true"))  # line 3
        writer.writerow(learner_row(learner_identification=BAD_PERSONNUMMER))  # line 4: bad
        writer.writerow(learner_row(given_name="Cecilia", skills="[not json"))  # line 5: bad
        writer.writerow(learner_row(given_name="Dan", row_id="student-0042"))  # line 6
        writer.writerow(learner_row(given_name="Eva", achievement_kind="hobby"))  # line 7: bad
    return path


def read_offers(out_dir: Path, name: str = "offers.csv") -> list[dict[str, str]]:
    with (out_dir / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_batch_reports_bad_rows_by_line_and_issues_the_rest(
    cli_env: dict[str, str], engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_issuer(capsys)
    batch = write_batch(tmp_path / "learners.csv")
    out_dir = tmp_path / "offers"

    code, out, err = run(
        capsys, "issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(out_dir)
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("line 4: invalid_input: ") and "learner_identification" in lines[0]
    assert lines[1] == "line 5: invalid_json: skills: the cell is not valid JSON"
    assert lines[2].startswith("line 7: invalid_input: ") and "achievement_kind" in lines[2]
    assert lines[3].startswith("error: batch_incomplete: 3 of 6 rows failed")
    assert len(lines) == 4
    assert BAD_PERSONNUMMER not in err and "Lindqvist" not in err and "not json" not in err
    assert "6 rows: 3 offers created, 0 replayed" in out

    offers = read_offers(out_dir)
    assert [row["line"] for row in offers] == ["2", "3", "6"]
    assert {row["outcome"] for row in offers} == {"created"}
    # every line joins back to its learner: the given row_id, else the row's idempotency key
    assert offers[2]["row_id"] == "student-0042"
    assert [row["row_id"][:11] for row in offers[:2]] == ["csv-sha256:", "csv-sha256:"]
    assert offers[0]["row_id"] != offers[1]["row_id"]
    # the one-time code travels apart from its offer: its own file, for its owner only
    assert "tx_code" not in offers[0]
    codes = read_offers(out_dir, "tx_codes.csv")
    assert [(r["line"], r["row_id"], r["offer_id"]) for r in codes] == [
        (offers[1]["line"], offers[1]["row_id"], offers[1]["offer_id"])
    ]
    assert len(codes[0]["tx_code"]) == 6 and codes[0]["tx_code"].isdigit()
    assert codes[0]["tx_code"] not in (out_dir / "offers.csv").read_text()
    assert stat.S_IMODE((out_dir / "tx_codes.csv").stat().st_mode) == 0o600
    assert not (out_dir / "tx_codes.csv.partial").exists()
    for row in offers:
        assert row["credential_offer"].startswith(
            "openid-credential-offer://?credential_offer_uri="
        )
        assert row["credential_offer_uri"].endswith(row["offer_id"])
        svg = out_dir / "qr" / f"{row['offer_id']}.svg"
        assert svg.read_text().startswith("<svg")
        assert stat.S_IMODE(svg.stat().st_mode) == 0o600
    assert stat.S_IMODE((out_dir / "offers.csv").stat().st_mode) == 0o600
    assert not (out_dir / "offers.csv.partial").exists()
    assert count_offers(engine) == 3

    # the same file again: nothing new, the same offers, the one-time code kept
    code, out, err = run(
        capsys, "issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(out_dir)
    )
    assert code == 1
    assert "6 rows: 0 offers created, 3 replayed" in out
    assert count_offers(engine) == 3
    again = read_offers(out_dir)
    assert [(r["row_id"], r["offer_id"]) for r in again] == [
        (r["row_id"], r["offer_id"]) for r in offers
    ]
    assert {row["outcome"] for row in again} == {"replayed"}
    assert read_offers(out_dir, "tx_codes.csv") == codes

    # fixed rows are issued on the next run; the others are still not repeated
    with batch.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows = [rows[0], rows[1], rows[2], learner_row(), rows[5]]  # line 4 now a copy of line 2
    rows[3][HEADER.index("given_name")] = "Fixad"
    with batch.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    code, out, err = run(
        capsys, "issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(out_dir)
    )
    assert (code, err) == (0, "")
    assert "4 rows: 1 offers created, 3 replayed" in out
    assert count_offers(engine) == 4


def test_batch_records_makes_pending_records_and_completes_them_on_a_rerun(
    cli_env: dict[str, str], engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_issuer(capsys)
    batch = tmp_path / "kull.csv"
    rows = [
        learner_row(),  # line 2: ready
        learner_row(given_name="Bo", learner_identification="19811218-9876", assessment_grade=""),
        learner_row(learner_identification=BAD_PERSONNUMMER),  # line 4: bad
        learner_row(given_name="Dan", learner_identification=""),  # line 5: no personnummer
        learner_row(given_name="Eva", tx_code="true"),  # line 6: records have no code
    ]
    with batch.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    out_dir = tmp_path / "records"
    command = ("issuer", "batch", "--records", "--slug", "yh-batch", str(batch))

    code, out, err = run(capsys, *command, "--out", str(out_dir))

    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("line 4: invalid_input: ") and "learner_identification" in lines[0]
    assert lines[1].startswith("line 5: invalid_input: ") and "learner_identification" in lines[1]
    assert lines[2].startswith("line 6: invalid_input: tx_code")
    assert BAD_PERSONNUMMER not in err and "Lindqvist" not in err
    assert "5 rows: 2 records created, 0 replayed, 0 completed, 3 failed; 1 pending" in out
    made = read_offers(out_dir, "records.csv")
    assert [(r["line"], r["state"], r["outcome"]) for r in made] == [
        ("2", "ready", "created"),
        ("3", "pending", "created"),
    ]
    assert stat.S_IMODE((out_dir / "records.csv").stat().st_mode) == 0o600
    assert count_offers(engine) == 0
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM issuer_record")).all()
    assert len(stored) == 2
    assert b"19811218" not in repr(stored).encode() and b"198112189876" not in repr(stored).encode()

    # the grade is set in the file and it is uploaded again: the pending record is completed
    rows[1] = learner_row(given_name="Bo", learner_identification="19811218-9876")
    with batch.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows[:2]])
    code, out, err = run(capsys, *command, "--out", str(out_dir))
    assert (code, err) == (0, "")
    assert "2 rows: 0 records created, 1 replayed, 1 completed, 0 failed; 0 pending" in out
    again = read_offers(out_dir, "records.csv")
    assert [r["record_id"] for r in again] == [r["record_id"] for r in made]


def test_batch_keeps_the_codes_that_an_older_version_wrote_into_offers_csv(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_issuer(capsys)
    batch = tmp_path / "learners.csv"
    with batch.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, learner_row(tx_code="true")])
    out_dir = tmp_path / "offers"
    args = ("issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(out_dir))
    assert run(capsys, *args)[0] == 0
    (code,) = read_offers(out_dir, "tx_codes.csv")
    # as versions before tx_codes.csv left it: the code in offers.csv, no tx_codes.csv
    with (out_dir / "offers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["line", "offer_id", "tx_code"], [code["line"], code["offer_id"], code["tx_code"]]]
        )
    (out_dir / "tx_codes.csv").unlink()

    assert run(capsys, *args)[0] == 0

    assert read_offers(out_dir, "tx_codes.csv") == [code]
    assert "tx_code" not in read_offers(out_dir)[0]


def test_batch_idempotency_key_is_the_row_id_or_a_content_hash() -> None:
    claims: dict[str, object] = {"given_name": "Alva", "family_name": "L"}
    key = content_key("dir/learners.csv", claims, False)
    assert key.startswith("csv-sha256:") and len(key) == len("csv-sha256:") + 64
    assert key == content_key("other/learners.csv", dict(reversed(claims.items())), False)
    assert key != content_key("learners-2.csv", claims, False)
    assert key != content_key("learners.csv", claims, True)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("given_name,colour\nAlva,blue\n", "csv_unknown_columns"),
        ("given_name,family_name\nAlva,L\n", "csv_missing_columns"),
        ("", "csv_empty"),
    ],
)
def test_batch_refuses_a_file_it_cannot_read_in_one_line(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str,
    code: str,
) -> None:
    create_issuer(capsys)
    batch = tmp_path / "bad.csv"
    batch.write_text(content)
    status, _, err = run(
        capsys, "issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(tmp_path / "o")
    )
    assert status == 1
    assert err.startswith(f"error: {code}: ") and len(err.strip().splitlines()) == 1


def test_batch_accepts_semicolons_and_a_byte_order_mark(
    cli_env: dict[str, str], engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_issuer(capsys)
    batch = tmp_path / "excel.csv"
    batch.write_text(
        "\ufeffgiven_name;family_name;achievement_title;achievement_kind;tx_code\n"
        "Alva;Lindqvist;Svetsare;course;ja\n",
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "issuer", "batch", "--slug", "yh-batch", str(batch), "--out", str(tmp_path / "o")
    )
    assert (code, err) == (0, "")
    assert count_offers(engine) == 1


# --- verifier, dev CA, trust lists ----------------------------------------------------------


def create_verifier(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(
        capsys,
        "verifier",
        "create",
        "--slug",
        "employer",
        "--name",
        "Arbetsgivaren AB",
        "--org-number",
        "556677-8899",
        "--dns-name",
        "localhost",
    )
    assert (code, err) == (0, ""), err
    assert printed(out, "client_id").startswith("x509_hash:")  # HAIP 1.0's prefix, the default
    assert "CA certificate" in out
    return printed(out, "API key")


def test_verifier_create_prints_client_id_key_and_ca(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    api_key = create_verifier(capsys)
    assert api_key.startswith("intyg_verifier_")
    assert (tmp_path / "ca" / "ca.pem").exists()
    code, _, err = run(
        capsys,
        "verifier",
        "create",
        "--slug",
        "employer",
        "--name",
        "X",
        "--org-number",
        "556677-8899",
        "--dns-name",
        "localhost",
    )
    assert code == 1 and err.startswith("error: verifier_exists: ")


def test_dev_ca_create_and_issue(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "dev-ca", "create")
    assert code == 0 and "created development CA" in out
    code, out, _ = run(capsys, "dev-ca", "create")
    assert code == 0 and "existing development CA" in out
    code, out, err = run(
        capsys,
        "dev-ca",
        "issue",
        "--dns-name",
        "rekrytering.example.se",
        "--out",
        str(tmp_path / "elsewhere"),
    )
    assert (code, err) == (0, "")
    key_file = tmp_path / "elsewhere" / "key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    leaf, ca_cert = certs.certificates_from_pem((tmp_path / "elsewhere" / "cert.pem").read_text())
    assert certs.san_dns_names(leaf) == ["rekrytering.example.se"]
    assert ca_cert == certs.certificate_from_pem((tmp_path / "ca" / "ca.pem").read_text())
    code, _, err = run(
        capsys,
        "dev-ca",
        "issue",
        "--dns-name",
        "rekrytering.example.se",
        "--out",
        str(tmp_path / "elsewhere"),
    )
    assert code == 1 and err.startswith("error: file_exists: ")


def make_trust_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, issuer: str, sequence: int = 1
) -> Path:
    key = tmp_path / "operator.jwk"
    if not key.exists():
        code, _, err = run(capsys, "trust-list", "keygen", "--out", str(key))
        assert (code, err) == (0, "")
    document, token = tmp_path / f"list-{sequence}.json", tmp_path / f"list-{sequence}.jwt"
    code, _, err = run(
        capsys,
        "trust-list",
        "create",
        "--issuer",
        issuer,
        "YH-akademin",
        VCT,
        "--verifier",
        "x509_san_dns:localhost",
        "Arbetsgivaren AB",
        "--sequence",
        str(sequence),
        "--out",
        str(document),
    )
    assert (code, err) == (0, ""), err
    code, _, err = run(
        capsys, "trust-list", "sign", str(document), "--key", str(key), "--out", str(token)
    )
    assert (code, err) == (0, ""), err
    return token


def test_trust_list_keygen_create_sign_install(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_verifier(capsys)
    token = make_trust_list(capsys, tmp_path, f"{BASE}/issuers/yh", sequence=2)
    key_file = tmp_path / "operator.jwk"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    private = jose.PrivateKey.from_jwk(json.loads(key_file.read_text()))
    jwks = json.loads((tmp_path / "operator.jwks").read_text())
    assert [k["kid"] for k in jwks["keys"]] == [private.kid]
    document = json.loads((tmp_path / "list-2.json").read_text())
    assert document["sequence_number"] == 2
    assert 29 * 86_400 < document["next_update"] - document["issued_at"] <= 30 * 86_400
    assert [e["kind"] for e in document["entities"]] == ["issuer", "verifier"]

    code, out, err = run(capsys, "trust-list", "install", "--verifier", "employer", str(token))
    assert (code, err) == (0, "")
    assert "(sequence 2) for employer: 1 trusted issuers" in out
    older = make_trust_list(capsys, tmp_path, f"{BASE}/issuers/yh", sequence=1)
    code, _, err = run(capsys, "trust-list", "install", "--verifier", "employer", str(older))
    assert code == 1 and err.startswith("error: trust_list_rolled_back: ")

    code, _, err = run(capsys, "trust-list", "keygen", "--out", str(key_file))
    assert code == 1 and err.startswith("error: file_exists: ")
    code, _, err = run(capsys, "trust-list", "create", "--issuer", "x", "--out", "l.json")
    assert code == 2 and err.startswith("error: usage: --issuer takes 3 values")
    code, _, err = run(
        capsys, "trust-list", "create", "--issuer", "ftp://x", "N", VCT, "--out", "l.json"
    )
    assert code == 1 and err.startswith("error: trust_list_malformed: ")


RECRUITER = "x509_san_dns:rekrytering.example.se"


def test_trust_list_create_registers_a_verifiers_purposes(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--purpose CLIENT_ID PURPOSE_ID VCT CLAIM, once per claim, and --purpose-name: the
    signed list gives the wallet the purpose's claims (dotted or JSON paths) and its name."""
    key, document, token = tmp_path / "op.jwk", tmp_path / "v.json", tmp_path / "v.jwt"
    assert run(capsys, "trust-list", "keygen", "--out", str(key))[0] == 0
    code, _, err = run(
        capsys,
        "trust-list",
        "create",
        *("--verifier", RECRUITER, "Rekryteringsbolaget AB"),
        *("--purpose", RECRUITER, "recruitment", VCT, "given_name"),
        *("--purpose-name", RECRUITER, "recruitment", "sv", "Rekrytering"),
        *("--purpose", RECRUITER, "recruitment", VCT, "skills.*.label"),
        *("--purpose", RECRUITER, "recruitment", VCT, '["address.street", 0]'),
        *("--purpose-name", RECRUITER, "recruitment", "en", "Recruitment"),
        *("--purpose", RECRUITER, "age-check", VCT, "birthdate"),
        *("--verifier", "x509_san_dns:annan.example", "Annan AB"),
        *("--out", str(document)),
    )
    assert (code, err) == (0, ""), err
    code, _, err = run(
        capsys, "trust-list", "sign", str(document), "--key", str(key), "--out", str(token)
    )
    assert (code, err) == (0, ""), err

    operator = jose.PrivateKey.from_jwk(json.loads(key.read_text())).public
    listed = trust_list.verify_trust_list(token.read_text().strip(), [operator], int(time.time()))
    entry = listed.verifier(RECRUITER)
    assert entry is not None
    assert [p.as_json() for p in entry.purposes] == [
        {
            "id": "recruitment",
            "name": {"sv": "Rekrytering", "en": "Recruitment"},
            "claims": [
                {"vct": VCT, "path": ["given_name"]},
                {"vct": VCT, "path": ["skills", None, "label"]},
                {"vct": VCT, "path": ["address.street", 0]},
            ],
        },
        {"id": "age-check", "name": {}, "claims": [{"vct": VCT, "path": ["birthdate"]}]},
    ]
    other = listed.verifier("x509_san_dns:annan.example")
    assert other is not None and other.purposes == ()


@pytest.mark.parametrize(
    ("purpose", "code", "message"),
    [
        (
            [RECRUITER, "rekrytering 2026", VCT, "given_name"],
            1,
            "error: trust_list_malformed: ",
        ),
        ([RECRUITER, "recruitment", VCT, "skills..label"], 2, "error: usage: --purpose CLAIM "),
        ([RECRUITER, "recruitment", VCT, '["skills", null'], 2, "error: usage: --purpose CLAIM "),
        ([RECRUITER, "recruitment", VCT, "[-1]"], 1, "error: trust_list_malformed: "),
        (["x509_san_dns:unlisted.example", "recruitment", VCT, "given_name"], 2, "error: usage: "),
        ([RECRUITER, "recruitment", VCT], 2, "error: usage: --purpose takes 4 values: "),
    ],
    ids=["bad-purpose-id", "empty-step", "broken-json", "negative-index", "no-verifier", "short"],
)
def test_trust_list_create_refuses_a_bad_purpose_in_one_line(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    purpose: list[str],
    code: int,
    message: str,
) -> None:
    out = tmp_path / "v.json"
    verifier = ["--verifier", RECRUITER, "Rekryteringsbolaget AB"]
    exited, _, err = run(
        capsys, "trust-list", "create", *verifier, "--purpose", *purpose, "--out", str(out)
    )
    assert (exited, err.count("\n")) == (code, 1), err
    assert err.startswith(message), err
    assert not out.exists()


# --- verify FILE -----------------------------------------------------------------------------


@pytest.fixture
def in_process_http(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The whole app over the test database; the CLI's outbound HTTP is routed into it."""
    holder: dict[str, TestClient] = {}

    def http() -> httpx.Client:
        return TestClient(holder["client"].app, base_url=BASE)

    real_load_runtime = common.load_runtime

    def load_runtime() -> Runtime:
        return dataclasses.replace(real_load_runtime(), http=http)

    monkeypatch.setattr(common, "load_runtime", load_runtime)
    runtime = load_runtime()
    with TestClient(create_app(runtime=runtime), base_url=BASE) as client:
        holder["client"] = client
        yield client
    runtime.engine.dispose()


def issue_credential(client: TestClient, api_key: str, slug: str) -> str:
    made = client.post(
        f"/issuers/{slug}/admin/offers",
        json={"claims": learner_claims()},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert made.status_code == 201, made.text
    wallet = SpecWallet(client, use_dpop=False)
    offer = wallet.resolve_offer(made.json()["credential_offer"])
    metadata = wallet.metadata(str(offer["credential_issuer"]))
    answer = wallet.request_credentials(
        metadata, wallet.redeem(offer), [jwk.JWK.generate(kty="EC", crv="P-256")]
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["credentials"][0]["credential"])


def test_verify_a_credential_file(
    in_process_http: TestClient, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    api_key = create_issuer(capsys, slug="yh-verify")
    create_verifier(capsys)
    token = make_trust_list(capsys, tmp_path, f"{BASE}/issuers/yh-verify")
    code, _, err = run(capsys, "trust-list", "install", "--verifier", "employer", str(token))
    assert (code, err) == (0, "")
    credential = issue_credential(in_process_http, api_key, "yh-verify")
    good = tmp_path / "alva.sd-jwt"
    good.write_text(credential + "\n")

    code, out, err = run(capsys, "verify", str(good))  # the only verifier is the default
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["verdict"] == "valid"
    assert result["issuer"]["trusted"] is True
    assert result["claims"]["given_name"] == "Alva"

    code, out, _ = run(capsys, "verify", str(good), "--verifier", "employer", "--format", "text")
    assert code == 0
    assert "verdict:  VALID" in out and "given_name: Alva" in out

    issuer_jwt, _, rest = credential.partition("~")
    header, payload, signature = issuer_jwt.split(".")
    forged = json.loads(jose.b64url_decode(payload))
    forged["vct"] = VCT + "-premium"
    tampered = tmp_path / "tampered.sd-jwt"
    tampered.write_text(
        f"{header}.{jose.b64url_encode(json.dumps(forged).encode())}.{signature}~{rest}"
    )
    code, out, err = run(capsys, "verify", str(tampered), "--verifier", "employer")
    assert code == 1
    result = json.loads(out)
    assert result["verdict"] == "invalid" and result["failed_check"] == "signature"
    assert result["claims"] is None
    assert (
        err.strip() == "error: credential_invalid: the signature check failed "
        f"({next(c['code'] for c in result['checks'] if c['name'] == 'signature')})"
    )

    code, _, err = run(capsys, "verify", str(good), "--nonce", "n-1")
    assert code == 1 and "key_binding" in err  # a bare credential has no key binding
    code, _, err = run(capsys, "verify", str(good), "--verifier", "nobody")
    assert code == 1 and err.startswith("error: verifier_not_found: ")


# --- issuer staff, verifier staff ------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery staple"


def staff(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return run(capsys, kind, "staff", *args)


@pytest.mark.parametrize("kind", ["issuer", "verifier"])
def test_staff_accounts_are_added_listed_reset_and_removed(
    cli_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    kind: str,
) -> None:
    if kind == "issuer":
        create_issuer(capsys, "yh-staff")
        slug = "yh-staff"
    else:
        create_verifier(capsys)
        slug = "employer"
    code, out, err = staff(
        capsys, monkeypatch, kind, "add", "--slug", slug, "--username", "Karin",
        "--display-name", "Karin Holm", "--password-stdin", stdin=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    assert printed(out, "username") == "karin"
    assert printed(out, "sign in") == f"{BASE}/{kind}s/{slug}/sign-in"
    assert STAFF_PASSWORD not in out

    again = staff(
        capsys, monkeypatch, kind, "add", "--slug", slug, "--username", "karin",
        "--password-stdin", stdin=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert again[0] == 1 and again[2].startswith("error: staff_account_exists: ")
    assert len(again[2].splitlines()) == 1

    code, out, err = staff(capsys, monkeypatch, kind, "list", "--slug", slug)
    assert code == 0 and out.startswith("karin\tKarin Holm\t20")

    from core.staff import service
    from intyg.staff_api import TENANTS

    with session_scope(runtime.engine) as session:
        tenant, _ = TENANTS[kind][1](session, slug)
        token = service.sign_in(session, runtime, kind, tenant, "karin", STAFF_PASSWORD, "x").token
    code, out, err = staff(
        capsys, monkeypatch, kind, "reset-password", "--slug", slug, "--username", "karin",
        "--password-stdin", stdin="a brand new long password\n",
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    with session_scope(runtime.engine) as session:
        with pytest.raises(SessionInvalid):
            service.account_for_session(session, runtime, kind, tenant, token)
        service.sign_in(session, runtime, kind, tenant, "karin", "a brand new long password", "x")

    code, out, err = staff(
        capsys, monkeypatch, kind, "remove", "--slug", slug, "--username", "karin"
    )
    assert (code, err) == (0, "") and "removed karin" in out
    code, out, err = staff(capsys, monkeypatch, kind, "list", "--slug", slug)
    assert out.strip() == f"{slug} has no staff accounts"
    gone = staff(capsys, monkeypatch, kind, "remove", "--slug", slug, "--username", "karin")
    assert gone[0] == 1 and gone[2].startswith("error: staff_account_not_found: ")


def test_staff_commands_refuse_bad_input_in_one_line(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_issuer(capsys, "yh-staff")
    for args, stdin, expected in (
        (("--slug", "nobody", "--username", "karin"), STAFF_PASSWORD, "issuer_not_found"),
        (("--slug", "yh-staff", "--username", "karin"), "short\n", "invalid_input"),
        (("--slug", "yh-staff", "--username", "karin"), "", "invalid_input"),
        (("--slug", "yh-staff", "--username", "a b"), STAFF_PASSWORD, "invalid_input"),
    ):
        code, out, err = staff(
            capsys, monkeypatch, "issuer", "add", *args, "--password-stdin", stdin=stdin
        )
        assert code == 1 and err.startswith(f"error: {expected}: "), (args, err)
        assert len(err.splitlines()) == 1 and STAFF_PASSWORD not in err + out
    # a password is never an argument
    code, _, err = run(capsys, "issuer", "staff", "add", "--slug", "yh-staff", "--username",
                       "karin", "--password", STAFF_PASSWORD)  # fmt: skip
    assert code == 2 and err.startswith("error: usage: ")


def test_staff_add_asks_for_the_password_twice_without_echo(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_issuer(capsys, "yh-staff")
    asked: list[tuple[str, bool, bool]] = []

    def prompt(text: str, hide_input: bool = False, confirmation_prompt: bool = False) -> str:
        asked.append((text, hide_input, confirmation_prompt))
        return STAFF_PASSWORD

    monkeypatch.setattr("typer.prompt", prompt)
    code, out, err = run(
        capsys, "issuer", "staff", "add", "--slug", "yh-staff", "--username", "karin"
    )
    assert (code, err) == (0, ""), err
    assert asked == [("Password", True, True)]


# --- issuer import-key -----------------------------------------------------------------------


def test_issuer_import_key_signs_with_the_operators_certificate_from_then_on(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path, runtime: Runtime
) -> None:
    from cryptography.hazmat.primitives import serialization

    create_issuer(capsys)
    issuer = f"{BASE}/issuers/yh-batch"
    now = runtime.clock.now()
    anchor, anchor_key = certs.create_dev_ca("Operatörens CA", now)
    key = jose.PrivateKey.generate()
    leaf = certs.issue_issuer_certificate(anchor, anchor_key, issuer, key.public, now)
    stranger = certs.issue_issuer_certificate(
        anchor, anchor_key, issuer, jose.PrivateKey.generate().public, now
    )
    pem = certs._crypto_private(key).private_bytes(  # noqa: SLF001 (the test's own key)
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "key.pem").write_bytes(pem)
    (tmp_path / "chain.pem").write_text(
        certs.certificate_to_pem(leaf) + certs.certificate_to_pem(anchor)
    )
    (tmp_path / "stranger.pem").write_text(certs.certificate_to_pem(stranger))
    args = ("issuer", "import-key", "--slug", "yh-batch", "--key", "key.pem")

    code, out, err = run(capsys, *args, "--chain", "stranger.pem")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "issuer_key_import_invalid" in err and "PRIVATE" not in err

    code, out, err = run(capsys, *args, "--chain", "chain.pem")
    assert (code, err) == (0, ""), err
    assert key.kid in out
    with session_scope(runtime.engine) as session:
        from issuer import service, signing

        signer = signing.signer(session, runtime, service.tenant_by_slug(session, "yh-batch"))
    assert signer.key.kid == key.kid
    assert signer.header == {"x5c": certs.x5c_chain([leaf])}  # the anchor left out


# --- issuer eid ------------------------------------------------------------------------------


def test_issuer_eid_connects_the_broker_and_never_prints_the_secret(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path, runtime: Runtime
) -> None:
    from core import oidc
    from issuer import eid, service

    create_issuer(capsys)
    secret = "the-brokers-secret-0123456789abcdef"
    (tmp_path / "secret.txt").write_text(secret + "\n")
    args = ("issuer", "eid", "--slug", "yh-batch", "--client-id", "intyg")
    broker = ("--discovery-url", "https://broker.example.se")

    code, out, err = run(capsys, *args, *broker, "--client-secret-file", "secret.txt")
    assert (code, err) == (0, ""), err
    assert printed(out, "redirect URI") == f"{BASE}/issuers/yh-batch/eid/callback"
    assert secret not in out and "JWKS" not in out
    with session_scope(runtime.engine) as session:
        connection = eid.connection(session, runtime, service.tenant_by_slug(session, "yh-batch"))
    assert connection.client.auth == oidc.ClientSecretBasic(secret)  # the file's line, stripped

    code, out, err = run(capsys, *args, *broker, "--private-key-jwt")
    assert (code, err) == (0, ""), err
    assert printed(out, "JWKS URL") == f"{BASE}/issuers/yh-batch/eid/jwks.json"

    for wrong in (
        (*broker,),  # neither
        (*broker, "--private-key-jwt", "--client-secret-file", "secret.txt"),  # both
        ("--discovery-url", "http://broker.example.se", "--private-key-jwt"),
        (*broker, "--client-secret-file", "missing.txt"),
    ):
        code, out, err = run(capsys, *args, *wrong)
        assert code in (1, 2) and out == "", err
        assert err.count("\n") == 1 and secret not in err
    code, _, err = run(capsys, *args, "--discovery-url", "http://x.example.se", "--private-key-jwt")
    assert "issuer_eid_connection_invalid" in err


def test_hosted_wallet_is_listed_as_wallet_provider_and_an_issuer_requires_attestation(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    create_issuer(capsys)
    code, out, err = run(capsys, "trust-list", "hosted-wallet", "--out", "provider.jwk")
    assert (code, err) == (0, ""), err
    provider = printed(out, "wallet provider")
    assert provider == f"{BASE}/wallet"
    assert "d" not in json.loads((tmp_path / "provider.jwk").read_text())  # public only
    code, _, err = run(capsys, "trust-list", "keygen", "--out", "operator.jwk")
    assert code == 0, err
    wallet = ("--wallet-provider", provider, "Intyg wallet", "provider.jwk")
    code, _, err = run(capsys, "trust-list", "create", *wallet, "--out", "w.json")
    assert code == 0, err
    code, _, err = run(
        capsys, "trust-list", "sign", "w.json", "--key", "operator.jwk", "--out", "w.jwt"
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        "issuer",
        "attestation",
        "--slug",
        "yh-batch",
        "--trust-list",
        "w.jwt",
        "--require-wallet-attestation",
        "--key-storage",
        "iso_18045_basic",
    )
    assert (code, err) == (0, ""), err
    assert printed(out, "wallet attestation required") == "true"
    assert printed(out, "wallet providers") == provider
    code, _, err = run(
        capsys, "issuer", "attestation", "--slug", "yh-batch", "--key-storage", "strong"
    )
    assert code == 1 and err.startswith("error: invalid_input: "), err
