"""What every wallet page shares: the templates, the signed-in holder, and claim labels.

The holder's session is the same session the API hands out (``wallet.service.accounts``), but
carried in a cookie scoped to ``/wallet`` instead of a bearer header.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Final

from fastapi import Depends, Request
from starlette.responses import Response

from core.deps import RuntimeDep, SessionDep
from core.pages import Pages, SignInRequired, page_route
from core.pages.i18n import localised
from core.pages.security import set_cookie
from core.runtime import Runtime
from core.signin import SessionInvalid
from wallet.models import WalletCredential, WalletHolder
from wallet.service import accounts, holdings

BASE: Final = "/wallet"
SESSION_COOKIE: Final = "intyg_wallet_session"
SIGN_IN: Final = f"{BASE}/sign-in"
# Claims that describe the credential itself, not the holder: never listed as claims.
TECHNICAL_CLAIMS: Final = frozenset(
    {"cnf", "status", "_sd_alg", "iss", "iat", "nbf", "exp", "vct", "vct#integrity", "sub"}
)

pages = Pages(Path(__file__).parent)
PageRoute = page_route(pages)  # every wallet page router is made of these


def current_holder(request: Request, session: SessionDep, rt: RuntimeDep) -> WalletHolder:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        return accounts.holder_for_session(session, rt, token)
    except SessionInvalid:
        raise SignInRequired(SIGN_IN) from None


HolderPage = Annotated[WalletHolder, Depends(current_holder)]


def signed_in(holder: WalletHolder) -> dict[str, object]:
    """The layout's header: who is signed in, and where signing out goes."""
    return {"signed_in": holder.username, "sign_out_url": f"{BASE}/sign-out"}


def start_session(response: Response, rt: Runtime, token: str) -> None:
    set_cookie(response, rt.settings, SESSION_COOKIE, token, path=BASE)


def _entries(row: WalletCredential, name: str) -> list[Mapping[str, object]]:
    value = row.display.get(name)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def title_of(row: WalletCredential, language: str) -> str:
    return localised(_entries(row, "credential"), language, "name") or row.vct


def achievement_of(rt: Runtime, holder: WalletHolder, row: WalletCredential) -> str | None:
    """The achievement a skill credential names (its title claim), which tells two
    credentials of one type apart."""
    title = holdings.open_credential(rt, holder, row).verified.claims.get("achievement_title")
    return title if isinstance(title, str) else None


def issuer_name(row: WalletCredential) -> str:
    return str(row.display.get("issuer_name") or row.issuer)


def _matches(pattern: Sequence[object], path: Sequence[object]) -> bool:
    return len(pattern) == len(path) and all(
        p is None or p == step or (p == "*" and isinstance(step, int))
        for p, step in zip(pattern, path, strict=True)
    )


def claim_label(row: WalletCredential, path: Sequence[object], language: str) -> str:
    """The label the issuer's metadata gives the claim at ``path`` (OpenID4VCI claim
    description ``display``: ``name`` per ``locale``), else its last name."""
    for entry in _entries(row, "claims"):
        pattern = entry.get("path")
        display = entry.get("display")
        if isinstance(pattern, list) and isinstance(display, list) and _matches(pattern, path):
            shown = localised(display, language, "name") or localised(display, language, "label")
            if shown:
                if any(isinstance(step, int) for step in path):
                    return f"{shown} {_position(path)}"
                return shown
    names = [str(step) for step in path if isinstance(step, str)]
    return (names[-1] if names else "·").replace("_", " ")


def _position(path: Iterable[object]) -> str:
    return " ".join(f"#{step + 1}" for step in path if isinstance(step, int))
