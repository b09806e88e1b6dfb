"""Claims path pointers (OpenID4VP 1.0 §7.1.1) applied to a JSON credential."""

from __future__ import annotations

import json
from collections.abc import Mapping

from core.standards.dcql.errors import DcqlClaimPathInvalid, DcqlClaimsPathNoMatch
from core.standards.dcql.query import ClaimPath, ClaimsPath


def select(path: ClaimsPath, document: object) -> list[tuple[ClaimPath, object]]:
    """§7.1.1: the claims ``path`` selects in a JSON credential, each with its concrete path.

    ``["skills", None, "id"]`` yields ``(("skills", 0, "id"), ...)``, ``(("skills", 1, "id"),
    ...)``, and so on. Where the specification says "abort processing and return an error" (a
    step meets a value of the wrong kind, or nothing is left selected) this raises
    ``DcqlClaimsPathNoMatch``; a component that is not a string, null or a non-negative integer
    raises ``DcqlClaimPathInvalid``.
    """
    selection: list[tuple[ClaimPath, object]] = [((), document)]
    for step in path:
        selection = _step(selection, step)
        if not selection:
            raise DcqlClaimsPathNoMatch(f"the claims path {show(path)} selects nothing")
    return selection


def _step(
    selection: list[tuple[ClaimPath, object]], step: object
) -> list[tuple[ClaimPath, object]]:
    out: list[tuple[ClaimPath, object]] = []
    if isinstance(step, str):  # §7.1.1 2.1: a key of every selected object
        for where, value in selection:
            if not isinstance(value, Mapping):
                raise DcqlClaimsPathNoMatch(f"the claim at {list(where)} is not an object")
            if step in value:
                out.append(((*where, step), value[step]))
        return out
    if not (step is None or (type(step) is int and step >= 0)):  # §7.1.1 2.4
        raise DcqlClaimPathInvalid("a claims path component is not a string, null or index")
    for where, value in selection:  # §7.1.1 2.2 (null) and 2.3 (index): arrays only
        if not isinstance(value, list | tuple):
            raise DcqlClaimsPathNoMatch(f"the claim at {list(where)} is not an array")
        if step is None:
            out.extend(((*where, i), element) for i, element in enumerate(value))
        elif step < len(value):
            out.append(((*where, step), value[step]))
    return out


def show(path: ClaimsPath) -> str:
    return json.dumps(list(path), ensure_ascii=False)
