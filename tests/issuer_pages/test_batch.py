"""Batches from a CSV file: progress, the bad row by line, the results and the QR sheet."""

from __future__ import annotations

import csv
import io
import json
import re
import time

from core.runtime import Runtime
from tests.issuer_pages.conftest import Browser

SKILLS = json.dumps(
    [{"id": "https://data.jobtechdev.se/taxonomy/concept/Nwqv_Fbd_c3X", "label": {"sv": "C#"}}]
)


def batch_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "given_name",
            "family_name",
            "achievement_title",
            "achievement_kind",
            "skills",
            "taxonomy_versions",
            "tx_code",
            "row_id",
        ]
    )
    writer.writerow(
        [
            "Alva",
            "Lindqvist",
            "Systemutvecklare",
            "programme",
            SKILLS,
            '{"jobtech_taxonomy": 22}',
            "true",
            "student-1",
        ]
    )  # line 2
    writer.writerow(["Bo", "Ek", "Systemutvecklare", "party", "", "", "false", "student-2"])  # 3
    writer.writerow(["Cecilia", "Nord", "Systemutvecklare", "course", "", "", "false", ""])  # 4
    return out.getvalue().encode()


def upload(browser: Browser, data: bytes, name: str = "kull-2026.csv") -> str:
    response = browser.post(f"{browser.base}/batches", {}, files={"file": (name, data, "text/csv")})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/issuers/yh-akademin/batches/[0-9a-f-]{36}", location)
    return location


def wait_until_done(browser: Browser, batch: str) -> str:
    """Poll the fragment as the page's script does, until it is final."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = browser.client.get(f"{batch}/progress")
        assert fragment.status_code == 200
        if "data-final" in fragment.text:
            return fragment.text
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


def test_a_batch_with_a_bad_row_reports_it_by_line_and_makes_the_others(
    browser: Browser,
) -> None:
    batch = upload(browser, batch_file())
    page = browser.client.get(batch)
    assert page.status_code == 200 and "kull-2026.csv" in page.text
    done = wait_until_done(browser, batch)
    assert 'id="row-error-3"' in done and "achievement_kind" in done
    assert 'id="row-error-2"' not in done and 'id="row-error-4"' not in done
    assert "3 av 3 rader klara, 1 med fel" in done
    final_page = browser.client.get(batch).text
    assert "data-poll=" not in final_page  # nothing left to poll

    results = browser.client.get(f"{batch}/results.csv")
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    assert "attachment" in results.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert [(r["line"], r["row_id"], r["outcome"]) for r in rows] == [
        ("2", "student-1", "created"),
        ("3", "student-2", "failed"),
        ("4", rows[2]["row_id"], "created"),
    ]
    assert rows[2]["row_id"].startswith("csv-sha256:")
    assert rows[0]["credential_offer"].startswith("openid-credential-offer://")
    assert re.fullmatch(r"[0-9]{6}", rows[0]["tx_code"]) and rows[2]["tx_code"] == ""
    assert rows[1]["error_code"] == "invalid_input" and rows[1]["offer_id"] == ""

    sheet = browser.client.get(f"{batch}/sheet")
    assert sheet.status_code == 200
    assert sheet.text.count('class="sheet panel"') == 2  # one printed page per learner
    assert sheet.text.count('src="data:image/svg+xml;base64,') == 2
    assert "Alva Lindqvist" in sheet.text and "Cecilia Nord" in sheet.text
    assert rows[0]["tx_code"] not in sheet.text  # the code goes by another channel


def test_the_same_file_again_replays_and_keeps_the_one_time_code(browser: Browser) -> None:
    first = upload(browser, batch_file())
    wait_until_done(browser, first)
    again = upload(browser, batch_file())
    wait_until_done(browser, again)
    before = list(csv.DictReader(io.StringIO(browser.client.get(f"{first}/results.csv").text)))
    after = list(csv.DictReader(io.StringIO(browser.client.get(f"{again}/results.csv").text)))
    assert [r["outcome"] for r in after] == ["replayed", "failed", "replayed"]
    assert [r["offer_id"] for r in after] == [r["offer_id"] for r in before]
    assert after[0]["tx_code"] == before[0]["tx_code"] != ""


def test_a_file_that_cannot_be_used_is_refused_beside_the_field(
    browser: Browser, runtime: Runtime
) -> None:
    response = browser.post(
        f"{browser.base}/batches",
        {},
        files={"file": ("x.csv", b"given_name,colour\nAlva,blue\n", "text/csv")},
    )
    assert response.status_code == 422
    assert 'id="f-file-error"' in response.text and "colour" in response.text
    assert "recent-batches" not in response.text  # nothing recorded
    nothing = browser.post(f"{browser.base}/batches", {})
    assert nothing.status_code == 422 and 'id="f-file-error"' in nothing.text


def test_another_issuers_staff_cannot_see_a_batch(browser: Browser, runtime: Runtime) -> None:
    from fastapi.testclient import TestClient

    from intyg.app import create_app
    from tests.issuer_pages.conftest import BASE_URL

    batch = upload(browser, batch_file())
    wait_until_done(browser, batch)
    batch_id = batch.rsplit("/", 1)[1]
    with TestClient(create_app(runtime=runtime), base_url=BASE_URL) as client:
        Browser(client, "annan-skola").sign_in("bosse")
        for tail in ("", "/progress", "/results.csv", "/sheet"):
            response = client.get(f"/issuers/annan-skola/batches/{batch_id}{tail}")
            assert response.status_code == 404, tail


def record_file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "given_name",
            "family_name",
            "learner_identification",
            "achievement_title",
            "achievement_kind",
            "assessment_grade",
            "row_id",
        ]
    )
    writer.writerow(
        ["Alva", "Lindqvist", "19900101-0017", "Systemutvecklare", "course", "VG", "s-1"]
    )
    writer.writerow(["Bo", "Ek", "19811218-9876", "Systemutvecklare", "course", "", "s-2"])  # 3
    writer.writerow(
        ["Cecilia", "Nord", "19900101-0018", "Systemutvecklare", "course", "G", ""]
    )  # 4
    return out.getvalue().encode()


def test_a_batch_of_records_makes_pending_ones_and_reports_the_bad_row_by_line(
    browser: Browser, runtime: Runtime
) -> None:
    form = browser.client.get(f"{browser.base}/batches").text
    assert 'id="kind-records"' in form
    response = browser.post(
        f"{browser.base}/batches",
        {"kind": "records"},
        files={"file": ("poster.csv", record_file(), "text/csv")},
    )
    assert response.status_code == 303, response.text
    batch = response.headers["location"]
    done = wait_until_done(browser, batch)
    assert 'id="row-error-4"' in done and "learner_identification" in done
    assert "19900101-0018" not in done
    assert "Klart: 2 poster, 1 rader med fel." in done
    assert 'id="sheet-link"' not in done  # nothing to print: no offers
    rows = list(csv.DictReader(io.StringIO(browser.client.get(f"{batch}/results.csv").text)))
    assert [(r["line"], r["row_id"], r["outcome"]) for r in rows] == [
        ("2", "s-1", "created"),
        ("3", "s-2", "created"),
        ("4", rows[2]["row_id"], "failed"),
    ]
    assert rows[0]["record_id"] and "credential_offer" not in rows[0]

    again = browser.post(
        f"{browser.base}/batches",
        {"kind": "records"},
        files={"file": ("poster.csv", record_file(), "text/csv")},
    )
    wait_until_done(browser, again.headers["location"])
    replayed = browser.client.get(f"{again.headers['location']}/results.csv").text
    after = list(csv.DictReader(io.StringIO(replayed)))
    assert [(r["record_id"], r["outcome"]) for r in after[:2]] == [
        (rows[0]["record_id"], "replayed"),
        (rows[1]["record_id"], "replayed"),
    ]
    wrong = browser.post(
        f"{browser.base}/batches",
        {"kind": "diplomas"},
        files={"file": ("poster.csv", record_file(), "text/csv")},
    )
    assert wrong.status_code == 422
