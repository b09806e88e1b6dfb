"""Bearer credentials shared by the roles: the service admin's token and API-key parsing."""

from __future__ import annotations

import hmac

from core.errors import Forbidden, Unauthenticated
from core.runtime import Runtime


class AdminApiDisabled(Forbidden):
    code = "admin_api_disabled"
    title = "The admin API is disabled: INTYG_ADMIN_TOKEN is not set"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1), if any."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_admin(rt: Runtime, authorization: str | None) -> None:
    expected = rt.settings.admin_token
    if expected is None or not expected.get_secret_value():
        raise AdminApiDisabled()
    given = bearer_token(authorization)
    if given is None or not hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        raise Unauthenticated("the service admin token is missing or wrong")
