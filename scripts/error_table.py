"""The error-code table of ``docs/errors.md``, generated from the one error tree.

Imports every module of Intyg's packages (so that every ``IntygError`` subclass is defined),
walks ``core.errors.all_error_classes()`` and renders one Markdown row per class:
code | HTTP status | title | family | module. The family is the nearest base class of the
tree drawn in ``core/errors.py`` (the classes defined there).

    .venv/bin/python scripts/error_table.py            # print the table
    .venv/bin/python scripts/error_table.py --write    # put it into docs/errors.md
    .venv/bin/python scripts/error_table.py --check    # exit 1 when docs/errors.md is stale

The table goes between ``<!-- error-table:start -->`` and ``<!-- error-table:end -->``;
everything else in docs/errors.md is written by hand. ``tests/test_error_docs.py`` uses
the same functions.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "errors.md"
START = "<!-- error-table:start -->"
END = "<!-- error-table:end -->"
PACKAGES = ("core", "schemas", "issuer", "wallet", "verifier", "intyg")
# Alembic's env.py runs migrations when imported; __main__ runs the CLI.
SKIP = ("intyg.migrations", "intyg.__main__")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def import_everything() -> list[str]:
    """Import every module of Intyg's packages; returns their names."""
    importlib.import_module("intyg.app")  # the composition root: all three roles
    names: list[str] = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if info.name.startswith(SKIP):
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    return names


@dataclass(frozen=True)
class Row:
    cls: type
    code: str
    status: int
    title: str
    family: str
    module: str


def error_rows() -> list[Row]:
    """One row per class of the tree, sorted by code (then module), as the table lists them."""
    import_everything()
    from core import errors

    documented = {cls for cls in errors.all_error_classes() if cls.__module__ == errors.__name__}
    rows = []
    for cls in errors.all_error_classes():
        family = next((base for base in cls.__mro__[1:] if base in documented), None)
        rows.append(
            Row(
                cls=cls,
                code=cls.code,
                status=cls.status,
                title=cls.title,
                family=family.__name__ if family is not None else "—",
                module=cls.__module__,
            )
        )
    return sorted(rows, key=lambda r: (r.code, r.module, r.cls.__qualname__))


def _cell(text: str) -> str:
    escaped = text.replace("|", "\\|").replace("*", "\\*")
    # A word that starts with "_" (``_sd``) could open emphasis in Markdown.
    return " ".join(f"\\{word}" if word.startswith("_") else word for word in escaped.split(" "))


def render_table(rows: list[Row]) -> str:
    lines = [
        "| code | HTTP status | title | family | module |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| `{row.code}` | {row.status} | {_cell(row.title)} | `{row.family}` "
            f"| `{row.module}.{row.cls.__qualname__}` |"
        )
    return "\n".join(lines)


def with_table(document: str, table: str) -> str:
    """``document`` with the text between the markers replaced by ``table``."""
    try:
        head, rest = document.split(START, 1)
        _old, tail = rest.split(END, 1)
    except ValueError:
        raise SystemExit(f"{DOCS} lacks the markers {START} … {END}") from None
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="update docs/errors.md in place")
    mode.add_argument("--check", action="store_true", help="exit 1 when docs/errors.md is stale")
    args = parser.parse_args(argv)
    table = render_table(error_rows())
    if not (args.write or args.check):
        print(table)
        return 0
    current = DOCS.read_text(encoding="utf-8")
    wanted = with_table(current, table)
    if args.check:
        if current != wanted:
            print(
                f"{DOCS.relative_to(ROOT)} is stale: run "
                ".venv/bin/python scripts/error_table.py --write",
                file=sys.stderr,
            )
            return 1
        print(f"{DOCS.relative_to(ROOT)} is up to date")
        return 0
    if current != wanted:
        DOCS.write_text(wanted, encoding="utf-8")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    else:
        print(f"{DOCS.relative_to(ROOT)} was already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
