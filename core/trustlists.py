"""Loading signed trust lists at run time, in either format — Intyg's own
(``core.standards.trust_list``, ``typ: trust-list+jwt``) or an ETSI TS 119 602 List of Trusted
Entities (``core.standards.lote``, a payload ``{"LoTE": …}``), read into the one model: from a
stored token, a file or an https URL; checked against the configured operator keys
(``INTYG_TRUST_LIST_OPERATOR_KEYS``); cached in ``rt.caches`` for a few minutes and never
past the list's own ``next_update``. The verifier uses it for the issuers it trusts, the
wallet for the verifiers it recognises."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core import jose, jsontext
from core.caches import FETCHED_MAX_AGE
from core.errors import IntygError, ServiceUnavailable
from core.runtime import Runtime
from core.standards import lote, trust_list


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


def verify_either(
    token: str,
    keys: Sequence[jose.PublicKey],
    now: int,
    *,
    min_sequence_number: int | None = None,
) -> trust_list.TrustList:
    """A LoTE is told by its payload (it has no ``typ`` of its own); anything else is read as
    Intyg's format, whose ``typ`` check then refuses what is neither."""
    verify = lote.verify_lote if lote.is_lote(token) else trust_list.verify_trust_list
    return verify(token, keys, now, min_sequence_number=min_sequence_number)


def verified(rt: Runtime, token: str) -> trust_list.TrustList:
    now = rt.clock.now()
    cached = rt.caches.trust_lists.get(token, now)
    if cached is not None:
        return cached
    try:
        parsed = verify_either(token, operator_keys(rt), now)
    except IntygError as exc:
        raise TrustListUnavailable(f"{exc.code}: {exc.detail}") from None
    rt.caches.trust_lists.put(token, parsed, min(now + FETCHED_MAX_AGE, parsed.next_update))
    return parsed


def from_source(rt: Runtime, source: str) -> trust_list.TrustList:
    """A list published at an https URL (or, in development, a loopback http one) or in a
    file; read again after ``FETCHED_MAX_AGE``."""
    now = rt.clock.now()
    token = rt.caches.trust_list_sources.get(source, now)
    if token is None:
        if source.startswith(("https://", "http://")):
            token = rt.fetcher.get_text(source).strip()
        else:
            try:
                token = Path(source).read_text().strip()
            except OSError:
                raise TrustListUnavailable(f"the trust list file {source} cannot be read") from None
        rt.caches.trust_list_sources.put(source, token, now + FETCHED_MAX_AGE)
    return verified(rt, token)
