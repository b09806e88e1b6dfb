"""A fresh clone has only the repository: nothing in it may depend on a path outside it.

The published vectors are copied into ``tests/vectors`` with their provenance; ``.ci/run``
runs the whole suite from a clone in an empty temporary folder, which proves the rest.
"""

from __future__ import annotations

import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path

from tests.vectorpath import VECTORS

ROOT = Path(__file__).resolve().parents[1]
# The development checkout's neighbours: a clone made elsewhere has none of them.
OUTSIDE = re.compile(r"\.\./shared|/work/|shared/vectors")


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_tracked_file_refers_outside_the_repository() -> None:
    offenders = []
    for path in _tracked_files():
        if not path.is_file() or path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [
            f"{path.relative_to(ROOT)}:{number}"
            for number, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert not offenders, f"references outside the repository: {offenders}"


def _sources_sections() -> dict[str, list[str]]:
    """SOURCES.md's sections (``## folder/ …``) with the file names and patterns each names."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (VECTORS / "SOURCES.md").read_text().splitlines():
        heading = re.match(r"## ([\w.-]+)/", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        else:
            current += re.findall(r"`([^`\s]+\.(?:json|txt|yml|pem))`", line)
    return sections


def test_every_vector_file_has_its_provenance() -> None:
    sections = _sources_sections()
    files = [p for p in VECTORS.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    assert len(files) > 40
    unnamed = []
    for path in files:
        folder, *rest = path.relative_to(VECTORS).parts
        inside = "/".join(rest)
        patterns = sections.get(folder, [])
        if not any(fnmatch(inside, p) or fnmatch(path.name, p) for p in patterns):
            unnamed.append(str(path.relative_to(VECTORS)))
    assert not unnamed, f"vector files without a source in SOURCES.md: {unnamed}"


def test_sources_has_one_section_per_vector_folder() -> None:
    folders = {p.name for p in VECTORS.iterdir() if p.is_dir()}
    assert folders == set(_sources_sections())
