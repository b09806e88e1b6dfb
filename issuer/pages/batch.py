"""Batches: upload a CSV file of learners (the format of ``intyg issuer batch``), watch it
run, see the rows that failed by line, download the results and print the QR codes.

The batch runs in the background (``issuer.batches``: its progress is kept in the database,
so any of the service's processes can answer the poll); the page polls a fragment
(``data-poll``) until the batch is done, and works without script by reloading.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Final

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from core.deps import RuntimeDep, SessionDep
from core.pages import FormDep, redirect
from issuer import batches
from issuer.batchfile import EXTRA_COLUMNS, FileRejected
from issuer.pages.common import Portal, PortalDep, page_router, pages
from schemas.skill_credential import SkillClaimsInput

router = page_router()
BatchId = Annotated[str, Path(max_length=36)]
RESULT_COLUMNS: Final = (
    "line",
    "row_id",
    "offer_id",
    "credential_offer",
    "credential_offer_uri",
    "tx_code",
    "outcome",
    "error_code",
    "error_detail",
)
RECORD_RESULT_COLUMNS: Final = (
    "line",
    "row_id",
    "record_id",
    "outcome",
    "error_code",
    "error_detail",
)
# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection


def _upload_page(
    request: Request, portal: Portal, session: SessionDep, *, error: str | None, status: int
) -> HTMLResponse:
    required = [n for n, f in SkillClaimsInput.model_fields.items() if f.is_required()]
    optional = [n for n in SkillClaimsInput.model_fields if n not in required]
    return pages.render(
        request,
        "batches.html",
        portal.context(
            section="batches",
            error=error,
            required_columns=required,
            optional_columns=[*optional, *EXTRA_COLUMNS],
            recent=batches.recent_batches(session, portal.tenant),
        ),
        status=status,
    )


@router.get("/issuers/{slug}/batches")
def upload_form(request: Request, portal: PortalDep, session: SessionDep) -> HTMLResponse:
    return _upload_page(request, portal, session, error=None, status=200)


@router.post("/issuers/{slug}/batches")
def upload(
    request: Request, portal: PortalDep, form: FormDep, session: SessionDep, rt: RuntimeDep
) -> Response:
    upload = form.get("file")
    t = pages.translator(request)
    data, file_name = b"", ""
    if isinstance(upload, UploadFile):
        with upload.file:  # a spooled temporary file: closed here, not left to the collector
            data, file_name = upload.file.read(), upload.filename or ""
    if not file_name:
        return _upload_page(request, portal, session, error=t("batch.problem.no_file"), status=422)
    kind = form.get("kind", batches.OFFERS)
    if kind not in (batches.OFFERS, batches.RECORDS):
        return _upload_page(request, portal, session, error=t("batch.problem.kind"), status=422)
    try:
        batch_id = batches.start_batch(
            session,
            rt,
            portal.tenant,
            file_name=file_name,
            data=data,
            actor=portal.actor,
            records=kind == batches.RECORDS,
        )
    except FileRejected as exc:
        error = t(f"batch.problem.{exc.code}", detail=exc.detail)
        return _upload_page(request, portal, session, error=error, status=422)
    return redirect(f"{portal.base}/batches/{batch_id}")


def _view(
    session: SessionDep, rt: RuntimeDep, portal: Portal, batch_id: str, *, lines: bool = True
) -> batches.BatchView:
    view = batches.batch_view(session, rt, portal.tenant, batch_id, lines=False)
    if lines and view.finished:  # the rows (and their sealed codes) only once it is done
        view = batches.batch_view(session, rt, portal.tenant, batch_id)
    return view


@router.get("/issuers/{slug}/batches/{batch_id}")
def batch_page(
    request: Request, portal: PortalDep, session: SessionDep, rt: RuntimeDep, batch_id: BatchId
) -> HTMLResponse:
    view = _view(session, rt, portal, batch_id)
    return pages.render(request, "batch.html", portal.context(section="batches", view=view))


@router.get("/issuers/{slug}/batches/{batch_id}/progress")
def progress(
    request: Request, portal: PortalDep, session: SessionDep, rt: RuntimeDep, batch_id: BatchId
) -> HTMLResponse:
    """The fragment the batch page polls (``data-poll``): final once the batch is done."""
    view = _view(session, rt, portal, batch_id)
    return pages.render(request, "batch_progress.html", portal.context(view=view))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


@router.get("/issuers/{slug}/batches/{batch_id}/results.csv")
def results(portal: PortalDep, session: SessionDep, rt: RuntimeDep, batch_id: BatchId) -> Response:
    """Every row's outcome: its offer link and one-time code (or its record), or its error."""
    view = batches.batch_view(session, rt, portal.tenant, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    records = view.batch.kind == batches.RECORDS
    writer.writerow(RECORD_RESULT_COLUMNS if records else RESULT_COLUMNS)
    for line in view.lines:
        outcome = "failed" if line.error_code else ("replayed" if line.replayed else "created")
        if records:
            cells: tuple[object, ...] = (
                line.line,
                line.row_id,
                line.record_id,
                outcome,
                line.error_code,
                line.error_detail,
            )
            writer.writerow([_cell(cell) for cell in cells])
            continue
        cells = (
            line.line,
            line.row_id,
            line.offer_id,
            line.credential_offer,
            line.credential_offer_uri,
            line.tx_code,
            outcome,
            line.error_code,
            line.error_detail,
        )
        writer.writerow([_cell(cell) for cell in cells])
    name = f"{view.batch.kind}-{view.batch.id[:8]}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/issuers/{slug}/batches/{batch_id}/sheet")
def sheet(
    request: Request, portal: PortalDep, session: SessionDep, rt: RuntimeDep, batch_id: BatchId
) -> HTMLResponse:
    """One printed page per learner: the QR code of the offer, never the one-time code."""
    view = batches.batch_view(session, rt, portal.tenant, batch_id)
    return pages.render(
        request,
        "batch_sheet.html",
        portal.context(section="batches", view=view, offers=view.offers),
    )
