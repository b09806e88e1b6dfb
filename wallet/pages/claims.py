"""A credential's claims as lines a person reads: labels from the issuer's metadata, each
skill on its own line with links to its JobTech Taxonomy concept and ESCO skill."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wallet.models import WalletCredential
from wallet.pages.common import TECHNICAL_CLAIMS, claim_label


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Item:
    text: str
    links: tuple[Link, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class ClaimLine:
    label: str
    text: str | None = None
    items: tuple[Item, ...] = field(default_factory=tuple)


def _http(value: object) -> str | None:
    text = str(value) if isinstance(value, str) else None
    return text if text and text.startswith(("https://", "http://")) else None


def _skill(skill: Mapping[str, object], language: str) -> Item:
    labels = skill.get("label")
    if isinstance(labels, Mapping):
        text = str(labels.get(language) or labels.get("sv") or next(iter(labels.values()), ""))
    else:
        text = str(labels or skill.get("id") or "")
    links = []
    for key, name in (("id", "JobTech"), ("esco", "ESCO")):
        href = _http(skill.get(key))
        if href:
            links.append(Link(href, name))
    note = skill.get("proficiency")
    return Item(text, tuple(links), str(note) if isinstance(note, str) else None)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def _item(value: object, language: str) -> Item:
    if isinstance(value, Mapping):
        if "value" in value and "unit" in value:  # credits
            return Item(f"{_scalar(value['value'])} {_scalar(value['unit'])}")
        if "label" in value or "esco" in value:
            return _skill(value, language)
        return Item(", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()))
    return Item(_scalar(value))


def _metadata_order(row: WalletCredential) -> dict[str, int]:
    """Top-level claim names in the order the issuer's metadata lists them (disclosures
    arrive in random order, which would shuffle the card on every credential)."""
    entries = row.display.get("claims")
    order: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else ():
        path = entry.get("path") if isinstance(entry, dict) else None
        if isinstance(path, list) and path and isinstance(path[0], str):
            order.setdefault(path[0], len(order))
    return order


def lines(row: WalletCredential, claims: Mapping[str, object], language: str) -> list[ClaimLine]:
    order = _metadata_order(row)
    out = []
    for name, value in sorted(claims.items(), key=lambda item: order.get(item[0], len(order))):
        if name in TECHNICAL_CLAIMS:
            continue
        label = claim_label(row, (name,), language)
        if isinstance(value, list):
            out.append(ClaimLine(label, items=tuple(_item(v, language) for v in value)))
        elif isinstance(value, Mapping):
            out.append(
                ClaimLine(
                    label,
                    items=tuple(
                        Item(f"{claim_label(row, (name, k), language)}: {_scalar(v)}")
                        for k, v in value.items()
                    ),
                )
            )
        else:
            out.append(ClaimLine(label, text=_scalar(value)))
    return out


def value_text(value: object, language: str) -> str:
    """One claim value in a sentence (the sharing page shows what each claim would send)."""
    if isinstance(value, list):
        return "; ".join(_item(v, language).text for v in value)
    return _item(value, language).text
