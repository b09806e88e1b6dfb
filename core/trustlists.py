"""Loading signed trust lists (``core.standards.trust_list``) at run time: from a stored
token, a file or an https URL; checked against the configured operator keys
(``INTYG_TRUST_LIST_OPERATOR_KEYS``); cached for a few minutes and never past the list's own
``next_update``. The verifier uses it for the issuers it trusts, the wallet for the verifiers
it recognises."""

from __future__ import annotations

import threading
from pathlib import Path

from core import jose, jsontext
from core.errors import IntygError, ServiceUnavailable
from core.runtime import Runtime
from core.standards import trust_list

RELOAD_SECONDS = 300
_parsed: dict[str, tuple[int, trust_list.TrustList]] = {}
_sources: dict[str, tuple[int, str]] = {}
_lock = threading.Lock()


class TrustListUnavailable(ServiceUnavailable):
    code = "trust_list_unavailable"
    title = "No valid trust list is available"


class TrustListKeysMissing(ServiceUnavailable):
    code = "trust_list_keys_missing"
    title = "No trust-list operator keys are configured"


def operator_keys(rt: Runtime) -> list[jose.PublicKey]:
    path = rt.settings.trust_list_operator_keys
    if not path.exists():
        raise TrustListKeysMissing(f"create {path} (intyg trust-list keygen)")
    try:
        document = jsontext.loads(path.read_bytes())
        if not isinstance(document, dict):
            raise ValueError("a JWKS is a JSON object")
        return [jose.PublicKey.from_jwk(jwk) for jwk in document.get("keys", [])]
    except (ValueError, AttributeError, jose.JoseError):
        raise TrustListKeysMissing(f"{path} is not a JWKS of operator public keys") from None


def verified(rt: Runtime, token: str) -> trust_list.TrustList:
    now = rt.clock.now()
    cached = _parsed.get(token)
    if cached is not None and cached[0] > now and cached[1].next_update > now:
        return cached[1]
    try:
        parsed = trust_list.verify_trust_list(token, operator_keys(rt), now)
    except IntygError as exc:
        raise TrustListUnavailable(f"{exc.code}: {exc.detail}") from None
    with _lock:
        if len(_parsed) > 64:
            _parsed.clear()
        _parsed[token] = (now + RELOAD_SECONDS, parsed)
    return parsed


def from_source(rt: Runtime, source: str) -> trust_list.TrustList:
    """A list published at an https URL (or, in development, a loopback http one) or in a
    file; fetched again after ``RELOAD_SECONDS``."""
    now = rt.clock.now()
    cached = _sources.get(source)
    if cached is None or cached[0] <= now:
        if source.startswith(("https://", "http://")):
            token = rt.fetcher.get_text(source).strip()
        else:
            try:
                token = Path(source).read_text().strip()
            except OSError:
                raise TrustListUnavailable(f"the trust list file {source} cannot be read") from None
        cached = (now + RELOAD_SECONDS, token)
        _sources[source] = cached
    return verified(rt, cached[1])


def forget() -> None:
    """Drop every cached list (tests; an operator who replaced a list file in place)."""
    with _lock:
        _parsed.clear()
        _sources.clear()
