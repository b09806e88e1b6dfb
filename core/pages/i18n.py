"""Swedish and English for the pages: message catalogues, and which language a request gets.

Texts live in TOML catalogues (``messages/sv.toml``, ``messages/en.toml``), one pair per
package that has pages, never in templates. A catalogue's keys are dotted names
(``wallet.cards.title``); values are ``str.format`` templates (``"{count} intyg"``). Swedish
is the default; English comes from the switch (a remembered cookie) or ``Accept-Language``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

LANGUAGES: Final = ("sv", "en")
DEFAULT_LANGUAGE: Final = "sv"
LANGUAGE_COOKIE: Final = "intyg_lang"
# The locale of each language in credential type metadata (`display[].locale`, BCP 47).
METADATA_LOCALES: Final = {"sv": "sv-SE", "en": "en-US"}


class MissingMessage(KeyError):
    """A template asked for a key that a catalogue lacks (a test finds every one of these)."""


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def load_catalogue(folder: Path, language: str) -> dict[str, str]:
    with (folder / f"{language}.toml").open("rb") as file:
        return _flatten(tomllib.load(file))


@dataclass(frozen=True)
class Catalogues:
    """The merged catalogues of several packages, one dict per language."""

    by_language: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, folders: Iterable[Path]) -> Catalogues:
        """``folders`` in precedence order: a key of the first (the role's) wins over the same
        key of a later one (the core's shared texts), as templates are looked up."""
        merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
        for folder in folders:
            for language in LANGUAGES:
                for key, text in load_catalogue(folder, language).items():
                    merged[language].setdefault(key, text)
        return cls(merged)

    def translator(self, language: str) -> Translator:
        return Translator(language, self.by_language[language])


@dataclass(frozen=True)
class Translator:
    language: str
    messages: Mapping[str, str]

    def __call__(self, key: str, /, **values: object) -> str:
        try:
            text = self.messages[key]
        except KeyError:
            raise MissingMessage(f"no message {key!r} in the {self.language} catalogue") from None
        return text.format(**values) if values else text


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The remembered choice first, then the browser's preference (RFC 9110 §12.5.4, by
    q-value), then Swedish."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def localised(display: Iterable[Mapping[str, object]], language: str, field: str) -> str | None:
    """``field`` of the ``display`` entry (SD-JWT VC type metadata) for ``language``, falling
    back to any entry of the same language, then to the first entry."""
    entries = list(display)
    wanted = METADATA_LOCALES.get(language, language)
    for match in (
        lambda locale: locale == wanted,
        lambda locale: locale.split("-")[0] == language,
        lambda _locale: True,
    ):
        for entry in entries:
            value = entry.get(field)
            if match(str(entry.get("locale", ""))) and isinstance(value, str):
                return value
    return None
