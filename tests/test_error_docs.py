"""The error-code table in docs/errors.md against the error tree (``core.errors``).

Every code of every ``IntygError`` subclass is documented; codes are ``[a-z0-9_]+``; and no
two classes with different meanings share a code unless one subclasses the other (a shared
code with the same status, title and family is one meaning defined twice, which is allowed).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r"^[a-z0-9_]+$")

# Codes that two unrelated classes share with different meanings, known and reported, each
# with the reason it is tolerated for now. A new shared code fails the test; so does an entry
# here that is no longer needed.
KNOWN_SHARED_CODES: dict[str, str] = {
    "invalid_request": (
        "verifier.service.ResponseNotAccepted is a plain IntygError whose code is OAuth's "
        "invalid_request; the response_uri route catches it and renders the OAuth body itself. "
        "Making it a subclass of core.standards.oid4vci.InvalidRequest would end the overlap."
    ),
    "invalid_input": (
        "schemas.skill_credential.InvalidClaims and verifier.service.errors.QueryRefused are "
        "both InvalidInput, refined (the claims' problems by field for the issuer's form; the "
        "DCQL query's own title): siblings that answer InvalidInput's code on purpose."
    ),
}


def _load_script() -> ModuleType:
    path = ROOT / "scripts" / "error_table.py"
    spec = importlib.util.spec_from_file_location("intyg_error_table_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def rows(script: ModuleType) -> list:
    return script.error_rows()


def _documented_codes() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))


def test_every_error_code_is_in_docs_errors_md(rows: list) -> None:
    documented = _documented_codes()
    missing = sorted(
        {f"{r.code} ({r.module}.{r.cls.__qualname__})" for r in rows if r.code not in documented}
    )
    assert not missing, (
        f"codes missing from docs/errors.md: {missing}; "
        "run .venv/bin/python scripts/error_table.py --write"
    )


def test_docs_errors_md_table_is_current(script: ModuleType, rows: list) -> None:
    current = script.DOCS.read_text(encoding="utf-8")
    assert script.with_table(current, script.render_table(rows)) == current, (
        "docs/errors.md is stale: run .venv/bin/python scripts/error_table.py --write"
    )


def test_error_codes_are_lowercase_identifiers(rows: list) -> None:
    bad = sorted(
        f"{r.module}.{r.cls.__qualname__}: {r.code!r}"
        for r in rows
        if not CODE_RE.fullmatch(r.code)
    )
    assert not bad, f"codes must match {CODE_RE.pattern}: {bad}"


def _unrelated_pairs_with_different_meaning(rows: list) -> dict[str, list[str]]:
    by_code: dict[str, list] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    shared: dict[str, list[str]] = {}
    for code, group in by_code.items():
        pairs = []
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if issubclass(a.cls, b.cls) or issubclass(b.cls, a.cls):
                    continue
                if (a.status, a.title, a.family) == (b.status, b.title, b.family):
                    continue  # one meaning, defined in two roles (roles never import each other)
                pairs.append(
                    f"{a.module}.{a.cls.__qualname__} ({a.status}, {a.title!r}) vs "
                    f"{b.module}.{b.cls.__qualname__} ({b.status}, {b.title!r})"
                )
        if pairs:
            shared[code] = pairs
    return shared


def test_no_code_is_shared_by_unrelated_classes_with_different_meanings(rows: list) -> None:
    shared = _unrelated_pairs_with_different_meaning(rows)
    unexpected = {code: pairs for code, pairs in shared.items() if code not in KNOWN_SHARED_CODES}
    assert not unexpected, f"codes shared by unrelated classes: {unexpected}"


def test_known_shared_codes_are_still_shared(rows: list) -> None:
    shared = _unrelated_pairs_with_different_meaning(rows)
    stale = sorted(set(KNOWN_SHARED_CODES) - set(shared))
    assert not stale, f"no longer shared, remove from KNOWN_SHARED_CODES: {stale}"


def test_check_mode_reports_a_stale_table(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "errors.md"
    stale.write_text(f"# Errors\n\n{script.START}\n| old |\n{script.END}\n", encoding="utf-8")
    monkeypatch.setattr(script, "DOCS", stale)
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main(["--check"]) == 1
    assert script.main(["--write"]) == 0
    assert script.main(["--check"]) == 0
