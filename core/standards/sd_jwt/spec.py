"""Declaring which parts of the claims an issuer makes selectively disclosable (RFC 9901
§4.2, §4.2.6 recursive Disclosures): ``SdSpec``, compiled once into a tree of ``SpecNode``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from core.standards.sd_jwt.disclosures import RESERVED_CLAIM_NAMES, SD_ALG_KEY


class _AnyElement:
    """Path step meaning "each element of this array, on its own"."""

    _instance: _AnyElement | None = None

    def __new__(cls) -> _AnyElement:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ANY_ELEMENT"


ANY_ELEMENT: Final = _AnyElement()
SpecStep = str | int | _AnyElement
SpecPath = tuple[SpecStep, ...]


class SpecNode:
    """One level of a compiled ``SdSpec``: which children are SD, and what lies below them."""

    __slots__ = ("sd", "keys", "indices", "any_element", "has_sd_keys", "container")

    def __init__(self) -> None:
        self.sd = False  # this part is SD
        self.keys: dict[str, SpecNode] = {}
        self.indices: dict[int, SpecNode] = {}
        self.any_element: SpecNode | None = None
        self.has_sd_keys = False  # some property of this object is SD: it gets an _sd array
        self.container = False  # some path continues below this part

    def child(self, step: SpecStep) -> SpecNode:
        self.container = True
        if isinstance(step, _AnyElement):
            if self.any_element is None:
                self.any_element = SpecNode()
            return self.any_element
        if isinstance(step, str):
            return self.keys.setdefault(step, SpecNode())
        return self.indices.setdefault(step, SpecNode())

    def element(self, index: int) -> SpecNode | None:
        """The node for array element ``index``: its own entry merged with ``ANY_ELEMENT``'s."""
        own = self.indices.get(index)
        if own is None or self.any_element is None:
            return own or self.any_element
        return _merge(own, self.any_element)


def _merge(a: SpecNode | None, b: SpecNode | None) -> SpecNode | None:
    """The union of two spec subtrees (an index path and an ``ANY_ELEMENT`` path overlap)."""
    if a is None or b is None:
        return a or b
    merged = SpecNode()
    merged.sd, merged.has_sd_keys = a.sd or b.sd, a.has_sd_keys or b.has_sd_keys
    merged.container = a.container or b.container
    for name in a.keys.keys() | b.keys.keys():
        merged.keys[name] = _merge(a.keys.get(name), b.keys.get(name))  # type: ignore[assignment]
    for index in a.indices.keys() | b.indices.keys():
        merged.indices[index] = _merge(a.indices.get(index), b.indices.get(index))  # type: ignore[assignment]
    merged.any_element = _merge(a.any_element, b.any_element)
    return merged


def _compile(paths: Iterable[SpecPath]) -> SpecNode:
    root = SpecNode()
    for path in paths:
        parent = root
        for step in path[:-1]:
            parent = parent.child(step)
        parent.child(path[-1]).sd = True
        if isinstance(path[-1], str):
            parent.has_sd_keys = True
    return root


def _check_spec_path(path: SpecPath) -> None:
    if not isinstance(path, tuple) or not path:
        raise ValueError("an SD path is a non-empty tuple of names, indices or ANY_ELEMENT")
    for step in path:
        if isinstance(step, str):
            if step in RESERVED_CLAIM_NAMES or step == SD_ALG_KEY:
                raise ValueError(f"{step!r} is reserved by RFC 9901 and cannot be a claim name")
        elif (
            isinstance(step, bool)
            or not isinstance(step, int | _AnyElement)
            or (isinstance(step, int) and step < 0)
        ):
            raise ValueError(f"invalid SD path step {step!r}")


@dataclass(frozen=True)
class SdSpec:
    """Which parts of the claims are selectively disclosable (SD).

    Each path names one SD part: ``("given_name",)`` a top-level property,
    ``("address", "street")`` a nested property, ``("skills", ANY_ELEMENT)`` each element of
    an array on its own, ``("skills", 2)`` one element. Declaring both ``("address",)`` and
    ``("address", "street")`` makes a recursive disclosure (§4.2.6). Paths whose claims are
    absent are skipped (optional claims). ``decoys`` decoy digests (§4.2.5) are added to every
    ``_sd`` array that the declaration gives SD properties.
    """

    paths: frozenset[SpecPath]
    decoys: int = 0
    tree: SpecNode = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        paths = frozenset(self.paths)
        for path in paths:
            _check_spec_path(path)
        if not isinstance(self.decoys, int) or self.decoys < 0:
            raise ValueError("decoys must be a non-negative integer")
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "tree", _compile(paths))

    @classmethod
    def of(cls, *paths: SpecPath, decoys: int = 0) -> SdSpec:
        return cls(frozenset(paths), decoys)
