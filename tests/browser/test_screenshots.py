"""``scripts/screenshots.py``: every shot still reaches its page (run here at phone width, the
narrower layout), and every shot's images are committed and listed in their README."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "screenshots"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "intyg_screenshots_script", ROOT / "scripts" / "screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


screenshots = load_script()


def test_every_shot_is_committed_and_listed() -> None:
    listed = (FOLDER / "README.md").read_text(encoding="utf-8")
    names = [shot.name for shot in screenshots.SHOTS]
    assert len(set(names)) == len(names), "two shots with one name"
    for name in names:
        assert f"| `{name}` |" in listed, f"{name} is not in docs/screenshots/README.md"
        for viewport in screenshots.VIEWPORTS:
            image = FOLDER / f"{name}-{viewport}.png"
            assert image.read_bytes().startswith(PNG_MAGIC), f"{image.name} is missing"


def test_every_shot_reaches_its_page(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes ./.intyg
    phone = {"phone": screenshots.VIEWPORTS["phone"]}
    with screenshots.demo_server(tmp_path) as server:
        written = screenshots.take(browser, server, screenshots.SHOTS, tmp_path, phone)
    assert [path.name for path in written] == [f"{s.name}-phone.png" for s in screenshots.SHOTS]
    for path in written:
        head = path.read_bytes()[:24]
        assert head.startswith(PNG_MAGIC)
        assert int.from_bytes(head[16:20], "big") == 390  # IHDR width


def test_a_shot_that_lands_elsewhere_fails(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    astray = {"/lang/xx": "is an error page", "/healthz": "not one of Intyg's"}
    with screenshots.demo_server(tmp_path) as server:
        for path, message in astray.items():
            shot = screenshots.Shot("astray", lambda page, _, path=path: page.goto(path))
            with pytest.raises(screenshots.ShotFailed, match=message):
                screenshots.take(browser, server, [shot], tmp_path)
    assert not list(tmp_path.glob("astray-*.png"))
