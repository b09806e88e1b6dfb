"""The defaults that the README and the guides state are the defaults of ``core.config``.

The README's configuration table names every setting with its default; the guides mention
defaults in passing, as "`INTYG_X` (300)", "`INTYG_X`, 600", "`INTYG_X` (24 hours by
default)", "`INTYG_X` (default `path`)" or "`INTYG_X` defaults to `value`". Each one is read
here and compared with the field's default, so a changed default fails until the docs follow.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.config import Settings

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted((REPO / "docs").glob("*.md"))
UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
README_ROW = re.compile(r"^\| (`INTYG_[^|]+) \| ([^|]+) \|", re.MULTILINE)
PROSE_DEFAULT = re.compile(
    r"`(INTYG_[A-Z_]+)`(?:\s*\(|,|\s+defaults\s+to)\s*(?:default\s+)?"
    r"(`[^`]+`|\d+(?:,\d{3})*(?:\s+(?:second|minute|hour|day)s?)?)"
)


def env_name(field: str) -> str:
    return f"INTYG_{field.upper()}"


DEFAULTS = {env_name(name): field.default for name, field in Settings.model_fields.items()}


def as_documented(value: object) -> str:
    """A default written as the README writes it."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"  # 10.0 is written 10
    if isinstance(value, frozenset):
        return json.dumps(sorted(value), separators=(",", ":"))
    return str(value)


def readme_defaults() -> dict[str, str]:
    """Setting → default as the table writes it; a row may name several settings that share
    a stem, with their defaults in the same order: `INTYG_STATUS_LIST_SIZE` / `_BITS`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for names, values in README_ROW.findall(text):
        names_list = [n.strip(" `") for n in names.split("/")]
        values_list = [v.strip(" `") for v in values.split(" / ")]
        stem = names_list[0].rsplit("_", 1)[0]  # INTYG_STATUS_LIST_SIZE → INTYG_STATUS_LIST
        names_list = [stem + n if n.startswith("_") else n for n in names_list]
        for name, value in zip(names_list, values_list, strict=True):
            found[name] = value
    return found


def test_the_readme_table_lists_every_setting_with_its_default() -> None:
    documented = readme_defaults()
    assert sorted(documented) == sorted(DEFAULTS)
    for name, default in DEFAULTS.items():
        if isinstance(default, frozenset):  # a JSON list, in any order
            assert sorted(json.loads(documented[name])) == sorted(default), name
        else:
            assert documented[name] == as_documented(default), name


def prose_defaults() -> list[tuple[str, str, str]]:
    found = []
    for doc in DOCS:
        text = " ".join(doc.read_text(encoding="utf-8").split())  # defaults cross line ends
        found += [(doc.name, name, value) for name, value in PROSE_DEFAULT.findall(text)]
    return found


@pytest.mark.parametrize(("doc", "name", "value"), prose_defaults())
def test_the_guides_state_the_defaults_of_the_code(doc: str, name: str, value: str) -> None:
    assert name in DEFAULTS, f"{doc}: {name} is not a setting"
    default = DEFAULTS[name]
    if value.startswith("`"):
        assert value.strip("`") == as_documented(default), f"{doc}: {name}"
        return
    number, _, unit = value.partition(" ")
    stated = int(number.replace(",", ""))
    if unit:  # a duration: compare in the setting's own unit
        per_unit = UNIT_SECONDS["day" if name.endswith("_DAYS") else "second"]
        stated = stated * UNIT_SECONDS[unit.removesuffix("s")] // per_unit
    assert stated == default, f"{doc}: {name} is documented as {value}, the default is {default}"


def test_the_guides_state_the_offer_lifetime() -> None:
    # the one default the issue found wrong: keep it among the ones checked above
    assert ("issuer.md", "INTYG_OFFER_TTL_SECONDS") in {(d, n) for d, n, _ in prose_defaults()}
