"""What the verifier's pages show of a verification: each named check in plain words, and the
disclosed claims with their labels from the credential type metadata. Built from the result
documents the API returns (``schemas.verifier_api``), nothing else: no token, no raw JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from core.pages.i18n import Translator, localised
from schemas.type_metadata import type_metadata
from schemas.verifier_api import Outcome, RequestState, Verdict, VerificationResult

Path = tuple[str | None, ...]
GOOD: Final = frozenset({Outcome.PASSED, Outcome.SKIPPED, Outcome.WARNING})
# The token's own claims (RFC 7519 §4.1, SD-JWT VC §3.2.2.2): the result names the issuer and
# type already; these are not claims about the holder.
ENVELOPE: Final = frozenset({"iss", "sub", "iat", "nbf", "exp", "jti", "vct", "cnf", "status"})

# Claim labels and the credential name come from Intyg's skill credential type metadata (the
# type every issuer on the platform publishes); a claim it does not describe keeps its name.
_METADATA: Final = type_metadata("")
_LABELS: Final[dict[Path, list[Mapping[str, object]]]] = {
    tuple(entry["path"]): entry["display"]
    for entry in _METADATA["claims"]  # type: ignore[attr-defined]
}


@dataclass(frozen=True)
class CheckView:
    name: str
    outcome: str
    passed: bool
    title: str
    says: str


@dataclass(frozen=True)
class ClaimView:
    label: str
    values: list[str]


@dataclass(frozen=True)
class CredentialView:
    issuer: str
    type_name: str
    valid: bool
    checks: list[CheckView]
    claims: list[ClaimView]


@dataclass(frozen=True)
class ResultView:
    """``outcome``: valid, invalid, declined, expired or pending (``#result[data-outcome]``)."""

    outcome: str
    final: bool
    message: str
    credentials: list[CredentialView]


def claim_label(path: Path, t: Translator) -> str:
    display = _LABELS.get(path)
    return (localised(display, t.language, "label") if display else None) or str(path[-1])


def type_name(t: Translator) -> str:
    return localised(_METADATA["display"], t.language, "name") or ""  # type: ignore[arg-type]


def reason(code: str | None, check: str, t: Translator) -> str:
    """Why a check failed, from the catalogue by error code, else by check."""
    known = t.messages.get(f"reason.{code}") if code else None
    return known or t("reason.failed", check=t(f"check.{check}.title"), code=code or "")


def check_view(check: Mapping[str, object], t: Translator) -> CheckView:
    name, outcome = str(check["name"]), Outcome(str(check["outcome"]))
    code = check.get("code")
    says = {
        Outcome.PASSED: lambda: t(f"check.{name}.passed"),
        Outcome.SKIPPED: lambda: t(f"check.{name}.skipped"),
        Outcome.NOT_RUN: lambda: t("check.not_run"),
        Outcome.WARNING: lambda: t("check.warning", reason=reason(str(code), name, t)),
        Outcome.FAILED: lambda: reason(str(code) if code else None, name, t),
    }[outcome]()
    return CheckView(name, outcome.value, outcome in GOOD, t(f"check.{name}.title"), says)


def _text(value: object, path: Path, t: Translator) -> str:
    """One claim value as a line of text; objects as ``label: value`` pairs, a skill's label
    in the reader's language."""
    if isinstance(value, bool):
        return t("claims.yes") if value else t("claims.no")
    if isinstance(value, Mapping):
        label = value.get("label")
        if isinstance(label, Mapping) and isinstance(label.get(t.language), str):
            ids = [str(value[k]) for k in ("id", "esco") if isinstance(value.get(k), str)]
            return " · ".join([str(label[t.language]), *ids])
        return "; ".join(
            f"{claim_label((*path, str(k)), t)}: {_text(v, (*path, str(k)), t)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(_text(item, (*path, None), t) for item in value)
    return str(value)


def claim_views(claims: Mapping[str, object], t: Translator) -> list[ClaimView]:
    """The shared claims in the type's order; an array none of whose elements was disclosed
    (``skills: []``) was not shared, and is not shown."""
    order = {path[0]: n for n, path in enumerate(_LABELS) if len(path) == 1}
    views = []
    for name in sorted(claims, key=lambda name: (order.get(name, len(order)), name)):
        value, path = claims[name], (name,)
        if value == [] or name in ENVELOPE:
            continue
        if isinstance(value, list):
            values = [_text(item, (*path, None), t) for item in value]
        else:
            values = [_text(value, path, t)]
        views.append(ClaimView(claim_label(path, t), values))
    return views


def credential_view(result: Mapping[str, object], t: Translator) -> CredentialView:
    document = VerificationResult.model_validate(result)
    issuer = getattr(document.issuer, "name", None) or getattr(document.issuer, "id", None)
    return CredentialView(
        issuer=issuer or t("result.unknown_issuer"),
        type_name=type_name(t),
        valid=document.verdict == Verdict.VALID,
        checks=[check_view(c.model_dump(), t) for c in document.checks],
        claims=claim_views(document.claims or {}, t),
    )


def direct_view(result: VerificationResult, t: Translator) -> ResultView:
    """The result of ``POST verify`` (a pasted credential)."""
    valid = result.verdict == Verdict.VALID
    outcome = "valid" if valid else "invalid"
    view = credential_view(result.model_dump(mode="json"), t)
    return ResultView(outcome, True, t(f"result.{outcome}"), [view])


def request_view(status: str, result: Mapping[str, object] | None, t: Translator) -> ResultView:
    """A presentation request's state and result (``request_status``)."""
    if status == RequestState.PENDING:
        return ResultView("pending", False, t("result.pending"), [])
    if status == RequestState.EXPIRED:
        return ResultView("expired", True, t("result.expired"), [])
    result = result or {}
    if result.get("verdict") == Verdict.REJECTED:
        return ResultView("declined", True, t("result.declined"), [])
    credentials: Sequence[Mapping[str, object]] = [
        item
        for answered in (result.get("credentials") or {}).values()  # type: ignore[attr-defined]
        for item in answered
    ]
    views = [credential_view(item, t) for item in credentials]
    if status == RequestState.FULFILLED:
        return ResultView("valid", True, t("result.valid"), views)
    error = result.get("error")
    message = t("result.invalid")
    if isinstance(error, str):
        why = t.messages.get(f"reason.{error}") or t("reason.request", code=error)
        message = f"{message} {why}"
    return ResultView("invalid", True, message, views)
