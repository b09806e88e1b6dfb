"""The verification pipeline: named checks, in the order of the design, each one passed or
failed with a stable error code, for one SD-JWT VC (or SD-JWT VC presentation).

    format → algorithm → issuer_key → signature → trust → validity → status → disclosures
           → key_binding → dcql

The SD-JWT VC steps (algorithm, issuer key, signature, validity, status reference,
disclosures) are ``core.credential_check``'s, the same the wallet runs on a credential it
receives; the trust list, the status policy, key binding and DCQL are the verifier's. The
issuer key is looked for only once the issuer is on the trust list: from its published JWT VC
Issuer Metadata, or from the ``x5c`` chain of the header validated to the certificates the
trust list gives that issuer (HAIP 1.0 §6.1.1), and both must agree when both are offered
(``sd_jwt_vc.issuer_signature_key``) — never from ``jwk``, ``jku`` or ``x5u``, nor from an
``x5c`` without a listed anchor. A header without ``kid`` or ``x5c`` is checked against each
published key of its ``alg`` (at most ``sd_jwt_vc.MAX_KEYS_WITHOUT_KID``): the one whose
signature verifies.
The first failed check stops the run; the checks after it are ``not_run``. The result names
every check, so a support desk can say which one failed and why. No claim value appears in a
failed result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from core import credential_check, jose
from core.credential_check import Resolvers
from core.errors import IntygError
from core.standards import dcql, sd_jwt, sd_jwt_vc, status_list
from core.standards.trust_list import TrustedIssuer, TrustList
from schemas.verifier_api import (
    CheckedIssuer,
    CheckResult,
    Outcome,
    Unparsed,
    Verdict,
    VerificationResult,
)

CHECKS = (
    "format",
    "algorithm",
    "issuer_key",
    "signature",
    "trust",
    "validity",
    "status",
    "disclosures",
    "key_binding",
    "dcql",
)
REGISTERED = frozenset({"cnf", "status", "_sd_alg"})


class IssuerUntrusted(IntygError):
    code = "issuer_untrusted"
    title = "The issuer is not on the verifier's trust list"


class VctNotAllowed(IntygError):
    code = "issuer_not_trusted_for_vct"
    title = "The issuer is trusted, but not for this credential type"


class CredentialRevoked(IntygError):
    code = "credential_revoked"
    title = "The issuer has revoked the credential"


class CredentialSuspended(IntygError):
    code = "credential_suspended"
    title = "The issuer has suspended the credential"


class StatusUnknown(IntygError):
    code = "status_unknown"
    title = "The credential's status could not be established"


class NonceReplayed(IntygError):
    code = "nonce_replayed"
    title = "This nonce was already used"


class VctNotRequested(IntygError):
    code = "dcql_vct_mismatch"
    title = "The credential is not of a type the request asked for"


class _Accepted(Exception):
    """A failure that the policy accepts: the check's outcome is ``warning``, and it still
    says what could not be established (its code and detail)."""

    def __init__(self, error: IntygError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass(frozen=True)
class Policy:
    trust_list: TrustList
    require_key_binding: bool
    expected_aud: str | None
    expected_nonce: str | None
    allowed_issuers: frozenset[str] | None = None
    credential_query: dcql.CredentialQuery | None = None
    status_unknown: Literal["reject", "accept"] = "reject"
    skew: int = 60
    kb_max_age: int = 300


_GOOD = frozenset({Outcome.PASSED, Outcome.SKIPPED, Outcome.WARNING})


@dataclass
class Check:
    name: str
    outcome: Outcome
    code: str | None = None
    detail: str | None = None

    def document(self) -> CheckResult:
        return CheckResult(name=self.name, outcome=self.outcome, code=self.code, detail=self.detail)


@dataclass
class Result:
    checks: list[Check] = field(default_factory=lambda: [Check(n, Outcome.NOT_RUN) for n in CHECKS])
    issuer: CheckedIssuer | None = None  # None until the format check has read ``iss``
    vct: str | None = None
    claims: dict[str, object] | None = None

    @property
    def valid(self) -> bool:
        return all(c.outcome in _GOOD for c in self.checks)

    def failed(self) -> Check | None:
        return next((c for c in self.checks if c.outcome == Outcome.FAILED), None)

    def document(self) -> VerificationResult:
        """The result document (docs/verifier.md); claims only when the verdict is valid."""
        failed = self.failed()
        valid = self.valid
        return VerificationResult(
            verdict=Verdict.VALID if valid else Verdict.INVALID,
            failed_check=failed.name if failed else None,
            checks=[c.document() for c in self.checks],
            issuer=self.issuer if self.issuer is not None else Unparsed(),
            vct=self.vct,
            claims=self.claims if valid else None,
        )


@dataclass
class _Run:
    """State carried from check to check."""

    presentation: str
    policy: Policy
    resolvers: Resolvers
    now: int
    remember_nonce: Callable[[str], None]
    credential: credential_check.Unverified | None = None  # set by the format check
    issuer: TrustedIssuer | None = None
    key: jose.Keys | None = None  # the named key, or the candidates for a header with no kid
    claims: dict[str, object] = field(default_factory=dict)

    @property
    def jws(self) -> jose.Jws:
        assert self.credential is not None
        return self.credential.jws


def verify(
    presentation: str,
    policy: Policy,
    resolvers: Resolvers,
    *,
    now: int,
    remember_nonce: Callable[[str], None],
) -> Result:
    """Run every check; ``remember_nonce`` raises ``NonceReplayed`` for a nonce seen before."""
    result = Result()
    run = _Run(presentation, policy, resolvers, now, remember_nonce)
    steps: dict[str, Callable[[_Run, Result], Outcome | None]] = {
        "format": _format,
        "algorithm": _algorithm,
        "issuer_key": _issuer_key,
        "signature": _signature,
        "trust": _trust,
        "validity": _validity,
        "status": _status,
        "disclosures": _disclosures,
        "key_binding": _key_binding,
        "dcql": _dcql,
    }
    for check in result.checks:
        try:
            outcome = steps[check.name](run, result)
        except IntygError as exc:
            check.outcome, check.code, check.detail = Outcome.FAILED, exc.code, exc.detail
            break
        except _Accepted as accepted:
            check.outcome, check.code = Outcome.WARNING, accepted.error.code
            check.detail = accepted.error.detail
            continue
        check.outcome = outcome or Outcome.PASSED
    if result.valid:
        result.claims = _released_claims(run.claims, policy.credential_query)
    return result


def _released_claims(
    claims: Mapping[str, object], query: dcql.CredentialQuery | None
) -> dict[str, object]:
    """What the result hands on: without a query, every disclosed and plain claim; with one,
    only the top-level claims it asked for (the rest of the credential stays with us)."""
    kept = {k: v for k, v in claims.items() if k not in REGISTERED}
    if query is None or query.claims is None:
        return kept
    asked = {c.path[0] for c in query.claims if isinstance(c.path[0], str)}
    return {k: v for k, v in kept.items() if k in asked}


class KeyBindingUnconfigured(IntygError):
    code = "key_binding_expectations_missing"
    title = "Key binding was required without an expected audience and nonce"


def _format(run: _Run, result: Result) -> None:
    run.credential = credential_check.parse(run.presentation)
    payload = run.credential.payload
    result.vct = sd_jwt_vc.required_string(payload, "vct")
    result.issuer = CheckedIssuer(id=sd_jwt_vc.required_string(payload, "iss"))
    return None


def _algorithm(run: _Run, _result: Result) -> None:
    credential_check.check_header(run.jws)


def _issuer_key(run: _Run, result: Result) -> None:
    assert result.issuer is not None
    issuer_id = result.issuer.id
    run.issuer = run.policy.trust_list.issuer_for(issuer_id, run.jws.header.get("x5c"), run.now)
    allowed = run.policy.allowed_issuers
    if run.issuer is None or (allowed is not None and issuer_id not in allowed):
        raise IssuerUntrusted(f"{issuer_id} is not a trusted issuer here")
    result.issuer.name, result.issuer.trusted = run.issuer.name, True
    run.key = credential_check.issuer_key(
        run.resolvers,
        issuer_id,
        run.jws.header,
        run.now,
        run.issuer.trust_anchors,
        run.issuer.certificate_thumbprints,
    )


def _signature(run: _Run, _result: Result) -> None:
    assert run.key is not None
    credential_check.check_signature(run.jws, run.key)


def _trust(run: _Run, result: Result) -> None:
    assert run.issuer is not None and result.vct is not None
    if not run.issuer.allows(result.vct):
        raise VctNotAllowed(f"{run.issuer.id} is not trusted to issue {result.vct}")


def _validity(run: _Run, _result: Result) -> None:
    sd_jwt_vc.check_validity(run.jws.payload, now=run.now, skew=run.policy.skew)


def _status(run: _Run, result: Result) -> Outcome | None:
    reference = credential_check.status_reference(run.jws.payload)
    if reference is None:
        return Outcome.SKIPPED
    assert result.issuer is not None and run.issuer is not None
    try:
        value = run.resolvers.status(reference, result.issuer.id, run.now, run.issuer.trust_anchors)
    except IntygError as exc:
        unknown = StatusUnknown(f"the status list could not be used ({exc.code})")
        if run.policy.status_unknown == "accept":
            raise _Accepted(unknown) from None
        raise unknown from None
    if value == status_list.StatusValue.INVALID:
        raise CredentialRevoked("the status list says INVALID (revoked)")
    if value == status_list.StatusValue.SUSPENDED:
        raise CredentialSuspended("the status list says SUSPENDED")
    if value != status_list.StatusValue.VALID:
        raise StatusUnknown(f"the status list holds an unknown status value {value}")
    return None


def _disclosures(run: _Run, _result: Result) -> None:
    assert run.credential is not None
    run.claims = credential_check.disclose(run.credential).claims


def _key_binding(run: _Run, _result: Result) -> Outcome | None:
    assert run.credential is not None
    parts = run.credential.parts
    policy = run.policy
    if parts.kb_jwt is None and not policy.require_key_binding:
        return Outcome.SKIPPED
    if policy.expected_aud is None or policy.expected_nonce is None:
        raise KeyBindingUnconfigured("give the nonce (and audience) the holder was asked to sign")
    sd_jwt.verify_kb_jwt(
        parts,
        sd_jwt_vc.holder_key(run.jws.payload),
        expected_aud=policy.expected_aud,
        expected_nonce=policy.expected_nonce,
        now=run.now,
        max_age=policy.kb_max_age,
        leeway=policy.skew,
    )
    run.remember_nonce(policy.expected_nonce)
    return None


def _dcql(run: _Run, result: Result) -> Outcome | None:
    query = run.policy.credential_query
    if query is None:
        return Outcome.SKIPPED
    meta = query.meta
    if isinstance(meta, dcql.SdJwtVcMeta) and result.vct not in meta.vct_values:
        raise VctNotRequested(f"the request asked for {sorted(meta.vct_values)}")
    dcql.check_satisfied(query, run.claims)
    return None
