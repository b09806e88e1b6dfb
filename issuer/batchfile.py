"""The batch file of learners (CSV), read the same way by ``intyg issuer batch`` and the
issuer's batch page.

The file has one column per skill-credential claim (``schemas/skill_credential.py``) and a
header row; the claims that are lists or objects take JSON in their cell (a list of plain
strings may also be a single string). Two more columns are optional: ``tx_code``
(true/false, protect the offer with a one-time code) and ``row_id``. Each row gets an
idempotency key: ``row_id`` when the file gives one, else ``csv-sha256:`` + SHA-256 of the
file's name and the row's canonical content, so that the same file sent again makes no second
offer for a row that already has one.

The same file can make credential records instead of offers (``records=True``: ``intyg issuer
batch --records``, the batch page's choice, ``issuer.records``). Then ``learner_identification``
is required, a row without ``assessment_grade`` makes a pending record, ``tx_code`` cannot be
true (a record is collected after eID sign-in, with no one-time code), and the content key
leaves the grade out: the same file uploaded again with the grades filled in completes the
pending records instead of making new ones.

Pure: no SQL, no HTTP. A file that cannot be read at all raises ``FileRejected``; a row that
cannot be read is a ``RowError`` in its place, and the other rows go on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Final

from schemas import issuer_api as wire
from schemas.skill_credential import SkillClaimsInput

# Claims whose cell holds JSON (lists and objects); the string lists may also be one string.
STRING_LIST_COLUMNS: Final = frozenset(
    {"learning_outcomes", "language_of_classes", "types_of_quality_assurance"}
)
JSON_COLUMNS: Final = STRING_LIST_COLUMNS | {"credits", "skills", "taxonomy_versions"}
INTEGER_COLUMNS: Final = frozenset({"eqf_level", "seqf_level"})
EXTRA_COLUMNS: Final = ("tx_code", "row_id")
TRUE: Final = frozenset({"true", "yes", "ja", "1"})
FALSE: Final = frozenset({"false", "no", "nej", "0", ""})


class BatchProblem(Exception):
    """A problem with a stable ``code`` (listed in docs/errors.md) and a ``detail`` that names
    columns and lines, never a cell's value."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class FileRejected(BatchProblem):
    """The file as a whole cannot be used (not UTF-8, no rows, unknown columns, ...)."""


class RowError(BatchProblem):
    """One row cannot be used; the others can."""


@dataclass(frozen=True)
class BatchRow:
    line: int
    claims: dict[str, object]
    with_tx_code: bool
    idempotency_key: str

    def request(self) -> wire.CreateOffer:
        return wire.CreateOffer(
            claims=self.claims, tx_code=self.with_tx_code, idempotency_key=self.idempotency_key
        )

    def record_request(self) -> wire.CreateRecord:
        return wire.CreateRecord(claims=self.claims, idempotency_key=self.idempotency_key)


@dataclass(frozen=True)
class BatchFile:
    header: list[str]
    # (line, record): ``line`` is where the record starts (1 is the header)
    records: list[tuple[int, dict[str | None, Any]]]

    def rows(
        self, file_name: str, *, records: bool = False
    ) -> list[tuple[int, BatchRow | RowError]]:
        return [
            (line, parsed_row(file_name, line, self.header, record, records=records))
            for line, record in self.records
        ]


def read_batch(data: bytes, file_name: str) -> BatchFile:
    """The header (checked) and the records of a batch file's bytes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected("csv_unreadable", f"{file_name} is not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # a spreadsheet's own: comma, semicolon or tab
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        records: list[tuple[int, dict[str | None, Any]]] = []
        start = reader.line_num + 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected("csv_malformed", f"line {reader.line_num}: {exc}") from None
    if not header:
        raise FileRejected("csv_empty", f"{file_name} has no header row")
    if not records:
        raise FileRejected("csv_empty", f"{file_name} has a header but no rows")
    return BatchFile(check_columns(header), records)


def check_columns(header: list[str]) -> list[str]:
    known = set(SkillClaimsInput.model_fields) | set(EXTRA_COLUMNS)
    unknown = [name for name in header if name not in known]
    if unknown:
        raise FileRejected(
            "csv_unknown_columns",
            f"not claim names: {', '.join(unknown)} "
            "(see the skill credential's claims in the issuer guide)",
        )
    if len(set(header)) != len(header):
        raise FileRejected("csv_duplicate_columns", "a column name appears twice in the header")
    required = [n for n, f in SkillClaimsInput.model_fields.items() if f.is_required()]
    missing = [name for name in required if name not in header]
    if missing:
        raise FileRejected("csv_missing_columns", f"required columns: {', '.join(missing)}")
    return header


def parse_row(
    file_name: str,
    line: int,
    header: list[str],
    record: dict[str | None, Any],
    *,
    records: bool = False,
) -> BatchRow:
    if record.get(None):
        raise RowError("csv_malformed_row", "more cells than the header has columns")
    values = list(record.values())
    cells = {name: (value or "").strip() for name, value in zip(header, values, strict=False)}
    claims: dict[str, object] = {}
    for name, cell in cells.items():
        if name in EXTRA_COLUMNS or cell == "":
            continue
        if name in STRING_LIST_COLUMNS and not cell.startswith("["):
            claims[name] = [cell]
        elif name in JSON_COLUMNS:
            try:
                claims[name] = json.loads(cell)
            except ValueError:
                raise RowError("invalid_json", f"{name}: the cell is not valid JSON") from None
        elif name in INTEGER_COLUMNS and cell.isascii() and cell.isdigit():
            claims[name] = int(cell)
        else:
            claims[name] = cell
    flag = cells.get("tx_code", "").lower()
    if flag not in TRUE | FALSE:
        raise RowError("invalid_input", "tx_code: expected true or false")
    with_tx_code = flag in TRUE
    if records and with_tx_code:
        raise RowError("invalid_input", "tx_code: a record is collected after sign-in, no code")
    row_id = cells.get("row_id", "")
    if row_id and (len(row_id) > 200 or not row_id.isprintable()):
        raise RowError("invalid_input", "row_id: at most 200 printable characters")
    key = row_id or content_key(file_name, claims, with_tx_code, records=records)
    return BatchRow(line, claims, with_tx_code, key)


def parsed_row(
    file_name: str,
    line: int,
    header: list[str],
    record: dict[str | None, Any],
    *,
    records: bool = False,
) -> BatchRow | RowError:
    try:
        return parse_row(file_name, line, header, record, records=records)
    except RowError as exc:
        return exc


def content_key(
    file_name: str, claims: dict[str, object], with_tx_code: bool, *, records: bool = False
) -> str:
    """``csv-sha256:`` + SHA-256 of the file's base name and the row's canonical JSON (for
    records: without the grade, and marked as a record's)."""
    content: dict[str, object] = {"claims": claims, "tx_code": with_tx_code}
    if records:
        kept = {name: value for name, value in claims.items() if name != "assessment_grade"}
        content = {"claims": kept, "record": True}
    canonical = json.dumps(
        content,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(f"{PurePath(file_name).name}\n{canonical}".encode()).hexdigest()
    return f"csv-sha256:{digest}"
