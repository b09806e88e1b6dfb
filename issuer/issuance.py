"""OpenID4VCI 1.0 endpoints of the issuer: token (pre-authorized code), nonce, credential.

Each request is one transaction: every check runs before anything is written, and single use
(code, access token, ``c_nonce``, DPoP ``jti``, status index) is enforced by conditional
updates and unique keys, so a replay or a concurrent duplicate fails cleanly instead of
issuing twice.
"""

from __future__ import annotations

import secrets
import uuid
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session

from core import jose
from core.db import session_scope
from core.runtime import Runtime
from core.standards import dpop, oid4vci, sd_jwt, sd_jwt_vc
from core.standards.status_list import StatusListReference, unpack_indices
from core.tokens import hash_secret, new_secret
from issuer import attestation, lifecycle, nonces, notifications, repository, service, signing
from issuer.metadata import BATCH_SIZE, CONFIGURATION_ID, IssuerUrls, skill_vct
from issuer.models import IssuerAccessToken, IssuerTenant, OfferState
from schemas.skill_credential import SD_PATHS

SKILL_SD_SPEC = sd_jwt.SdSpec.of(
    *(tuple(sd_jwt.ANY_ELEMENT if step is None else step for step in path) for path in SD_PATHS)
)


@dataclass(frozen=True)
class TokenRequest:
    form: Mapping[str, str]
    dpop_proof: str | None
    #: the ``OAuth-Client-Attestation`` and ``-PoP`` headers (``issuer.attestation``)
    client_attestation: tuple[str | None, str | None] = (None, None)


# --- token endpoint (§6) ---------------------------------------------------------------------


def token(session: Session, rt: Runtime, slug: str, request: TokenRequest) -> dict[str, object]:
    tenant = service.cached_tenant(rt, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    form = request.form
    if form.get("grant_type") != oid4vci.PRE_AUTHORIZED_GRANT:
        raise oid4vci.UnsupportedGrantType(
            "grant_type is one of the pre-authorized code, authorization_code, refresh_token"
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise oid4vci.InvalidRequest("pre-authorized_code is missing")
    attestation.check_client(session, rt, tenant, request.client_attestation, form.get("client_id"))
    jkt = dpop_for_token(session, rt, tenant, request.dpop_proof, urls.token)
    now = rt.clock.now()
    # Looked up outside the write transaction; the conditional update below decides.
    with session_scope(rt.engine, read_only=True) as reading:
        offer = repository.offer_by_code_hash(reading, tenant.id, hash_secret(code))
    if offer is None or offer.state != OfferState.OFFERED or offer.expires_at <= now:
        raise oid4vci.InvalidGrant("the pre-authorized code is unknown, used or expired")
    _check_tx_code(session, offer.id, offer.tx_code_hash, form.get("tx_code"))
    if not repository.mark_offer_redeemed(session, offer.id, now):
        raise oid4vci.InvalidGrant("the pre-authorized code was already used")
    access_token = new_secret()
    repository.insert_access_token(
        session,
        IssuerAccessToken(
            token_hash=hash_secret(access_token),
            offer_id=offer.id,
            dpop_jkt=jkt,
            expires_at=now + rt.settings.access_token_ttl_seconds,
        ),
    )
    session.commit()
    return {
        "access_token": access_token,
        "token_type": "DPoP" if jkt else "Bearer",
        "expires_in": rt.settings.access_token_ttl_seconds,
    }


def _check_tx_code(
    session: Session, offer_id: str, expected_hash: str | None, given: str | None
) -> None:
    """§6.1: a wrong ``tx_code`` is ``invalid_grant``; five wrong ones kill the code."""
    if expected_hash is None:
        if given is not None:
            raise oid4vci.InvalidRequest("this offer has no transaction code")
        return
    if not given:
        raise oid4vci.InvalidRequest("this offer needs its transaction code (tx_code)")
    if secrets.compare_digest(hash_secret(f"{offer_id}:{given}"), expected_hash):
        return
    failures = repository.count_tx_code_failure(session, offer_id, service.TX_CODE_MAX_FAILURES)
    session.commit()  # the failed attempt must count even though this request fails
    left = max(service.TX_CODE_MAX_FAILURES - failures, 0)
    raise oid4vci.InvalidGrant(
        f"the transaction code is wrong; {left} attempt(s) left"
        if left
        else "the transaction code was wrong too many times; the offer is void"
    )


def dpop_for_token(
    session: Session, rt: Runtime, tenant: IssuerTenant, proof: str | None, uri: str
) -> str | None:
    if proof is None:
        if tenant.require_dpop:
            raise dpop.InvalidDpopProof("this issuer requires a DPoP proof at the token endpoint")
        return None
    verified = verify_dpop(rt, proof, uri, access_token=None)
    remember_jti(session, rt, verified)
    return verified.jkt


def verify_dpop(rt: Runtime, proof: str, uri: str, access_token: str | None) -> dpop.DpopProof:
    return dpop.verify_proof(
        proof,
        method="POST",
        uri=uri,
        now=rt.clock.now(),
        max_age=rt.settings.proof_max_age_seconds,
        skew=rt.settings.clock_skew_seconds,
        access_token=access_token,
    )


def remember_jti(session: Session, rt: Runtime, proof: dpop.DpopProof) -> None:
    """RFC 9449 §11.1: a proof's ``jti`` is accepted once while its ``iat`` is fresh.

    Committed at once, before anything else of the request is written: a proof is spent
    even when the request then fails, so a captured proof cannot be replayed with another
    body while the request it came with is still being retried.
    """
    expires = proof.iat + rt.settings.proof_max_age_seconds + rt.settings.clock_skew_seconds
    if not repository.remember_dpop_jti(session, hash_secret(proof.jti), expires):
        raise dpop.InvalidDpopProof("the DPoP proof was already used (jti replay)")
    session.commit()


# --- nonce endpoint (§7) ---------------------------------------------------------------------


def nonce(rt: Runtime, slug: str) -> dict[str, object]:
    """A fresh ``c_nonce``: no database write (``issuer.nonces``)."""
    tenant = service.cached_tenant(rt, slug)
    return {"c_nonce": nonces.mint(rt, tenant.id, rt.clock.now())}


# --- credential endpoint (§8) ----------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRequest:
    """A request to an endpoint protected by the access token: credential (§8), deferred
    credential (§9) or notification (§11)."""

    authorization: str | None
    dpop_proof: str | None
    body: object


def offer_grant(offer_id: str) -> str:
    """The grant (``bound_to`` of ``issuer.notifications``) of a pre-authorized code's tokens."""
    return f"offer:{offer_id}"


def credential(
    session: Session, rt: Runtime, slug: str, request: CredentialRequest
) -> dict[str, object]:
    tenant = service.cached_tenant(rt, slug)
    urls = IssuerUrls(rt.settings.public_url, slug)
    access_token, token_row = authenticate(session, rt, request, urls.credential)
    with session_scope(rt.engine, read_only=True) as reading:
        offer = repository.offer_by_id(reading, tenant.id, token_row.offer_id)
    if offer is None:  # a token of another issuer on this host: answered like an unknown one
        raise oid4vci.InvalidToken("the access token is unknown, used or expired")
    proofs = _proofs(request.body)
    now = rt.clock.now()
    holder_keys, nonce = verified_holder_keys(rt, tenant, proofs, urls.issuer, now)
    if offer.state != OfferState.REDEEMED:
        raise oid4vci.CredentialRequestDenied("the offer behind this token is no longer open")
    claims = service.decode_offer_claims(rt, offer)
    # The write transaction (SQLite's writer lock) starts here: what came before only read,
    # and the conditional updates below decide if what was read has changed since.
    spend_nonce(session, tenant, nonce, now)
    if not repository.use_access_token(session, hash_secret(access_token), now):
        raise oid4vci.InvalidToken("the access token was already used or has expired")
    made = notifications.new_issuance(
        session,
        rt,
        tenant,
        bound_to=offer_grant(offer.id),
        offer_id=offer.id,
        credentials=len(holder_keys),
    )
    credentials = issue_batch(
        session, rt, tenant, claims, holder_keys, offer_id=offer.id, issuance_id=made.issuance_id
    )
    if not repository.finish_offer(session, offer.id):  # changed since it was read
        raise oid4vci.CredentialRequestDenied("the offer behind this token is no longer open")
    session.commit()
    return {
        "credentials": [{"credential": c} for c in credentials],
        "notification_id": made.notification_id,  # §8.3, for the notification endpoint (§11)
    }


def unknown_token(*, used_ok: bool) -> str:
    """One sentence for every refused token of an endpoint (another issuer's alike)."""
    if used_ok:
        return "the access token is unknown or expired"
    return "the access token is unknown, used or expired"


def authenticate(
    session: Session, rt: Runtime, request: CredentialRequest, uri: str, *, used_ok: bool = False
) -> tuple[str, IssuerAccessToken]:
    """The request's access token and its row, checked as RFC 6750 / RFC 9449 say (with the
    DPoP proof for ``uri`` when the token is DPoP-bound). The credential endpoint spends the
    token; the deferred credential and notification endpoints (``used_ok``) take a spent one
    while it has not expired, since the wallet calls them after its credential request."""
    scheme, _, value = (request.authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() not in ("bearer", "dpop") or not value:
        raise oid4vci.InvalidToken("an access token is required (Authorization: DPoP or Bearer)")
    with session_scope(rt.engine, read_only=True) as reading:
        row = repository.access_token(reading, hash_secret(value))
    if row is None or row.expires_at <= rt.clock.now() or (row.used_at is not None and not used_ok):
        raise oid4vci.InvalidToken(unknown_token(used_ok=used_ok))
    if row.dpop_jkt is None:
        if scheme.lower() != "bearer":
            raise oid4vci.InvalidToken("this access token is a Bearer token")
        return value, row
    dpop_at_resource(session, rt, request, uri, value, row.dpop_jkt)
    return value, row


def dpop_at_resource(
    session: Session, rt: Runtime, request: CredentialRequest, uri: str, token: str, jkt: str
) -> None:
    """RFC 9449 §7: a DPoP-bound access token comes with a proof by its key (``ath``)."""
    scheme = (request.authorization or "").partition(" ")[0]
    if scheme.lower() != "dpop" or request.dpop_proof is None:
        raise oid4vci.InvalidToken("this access token is DPoP-bound: send it with a DPoP proof")
    try:
        proof = verify_dpop(rt, request.dpop_proof, uri, access_token=token)
        if not secrets.compare_digest(proof.jkt, jkt):
            raise dpop.InvalidDpopProof("the DPoP proof is signed by another key than the token's")
        remember_jti(session, rt, proof)
    except dpop.InvalidDpopProof as exc:
        raise dpop.InvalidDpopProofAtResource(exc.detail) from None


def _proofs(body: object) -> list[object]:
    if not isinstance(body, dict):
        raise oid4vci.InvalidCredentialRequest("the request body must be a JSON object")
    if "credential_identifier" in body:
        raise oid4vci.InvalidCredentialRequest("use credential_configuration_id")
    if "credential_configuration_id" not in body:
        raise oid4vci.InvalidCredentialRequest("credential_configuration_id is missing")
    if body.get("credential_configuration_id") != CONFIGURATION_ID:
        raise oid4vci.UnknownCredentialConfiguration(f"this issuer offers {CONFIGURATION_ID!r}")
    return proof_jwts(body)


def proof_jwts(body: Mapping[str, object]) -> list[object]:
    """§8.2: the ``proofs`` of a credential request (one to ``BATCH_SIZE`` JWTs, §F.1)."""
    if "proof" in body:
        raise oid4vci.InvalidCredentialRequest("OpenID4VCI 1.0 takes proofs, not proof")
    proofs = body.get("proofs")
    jwts = proofs.get("jwt") if isinstance(proofs, dict) else None
    if not isinstance(proofs, dict) or set(proofs) != {"jwt"} or not isinstance(jwts, list):
        raise oid4vci.InvalidProof('proofs must be {"jwt": [...]}')
    if not 1 <= len(jwts) <= BATCH_SIZE:
        raise oid4vci.InvalidProof(f"between 1 and {BATCH_SIZE} proofs per request")
    return jwts


def verified_holder_keys(
    rt: Runtime,
    tenant: IssuerTenant,
    proofs: Sequence[object],
    audience: str,
    now: int,
) -> tuple[list[jose.PublicKey], tuple[str, int]]:
    """The proofs' holder keys, and their one ``c_nonce`` (with its expiry), checked but
    not yet spent."""
    verified = [
        oid4vci.verify_proof(
            proof,
            audience=audience,
            now=now,
            max_age=rt.settings.proof_max_age_seconds,
            skew=rt.settings.clock_skew_seconds,
        )
        for proof in proofs
    ]
    attestation.check_key_attestations(rt, tenant, verified, now)
    given = {v.nonce for v in verified}
    if len(given) != 1:
        raise oid4vci.InvalidNonce("every proof of a batch carries the same c_nonce")
    value = given.pop()
    expires_at = nonces.check(rt, tenant.id, value, now)
    keys = [v.holder_key for v in verified]
    if len({k.kid for k in keys}) != len(keys):
        raise oid4vci.InvalidProof("each proof of a batch must use a different holder key")
    return keys, (value, expires_at)


def spend_nonce(session: Session, tenant: IssuerTenant, nonce: tuple[str, int], now: int) -> None:
    value, expires_at = nonce
    if secrets.randbelow(100) == 0:
        repository.purge_expired(session, now)
    if not repository.spend_nonce(session, tenant.id, hash_secret(value), expires_at):
        raise oid4vci.InvalidNonce("the c_nonce is unknown, used or expired; get a new one")


# --- building credentials (the benchmarked hot path) -----------------------------------------


def issue_batch(
    session: Session,
    rt: Runtime,
    tenant: IssuerTenant,
    claims: Mapping[str, object],
    holder_keys: Sequence[jose.PublicKey],
    *,
    offer_id: str | None,
    record_id: str | None = None,
    issuance_id: str | None = None,
) -> list[str]:
    """Sign one SD-JWT VC per holder key, each with its own random status index; store
    the metadata rows (with the offer or record they came from and the issuance, i.e. the
    credential response, they went out in). The caller commits."""
    signer = signing.for_issuance(session, rt, tenant)
    urls = IssuerUrls(rt.settings.public_url, tenant.slug)
    vct = skill_vct(rt.settings.public_url)
    now = rt.clock.now()
    exp = _expiry(claims, now, rt.settings.credential_ttl_days)
    if signer.not_after is not None:  # never past the certificate its x5c carries
        exp = min(exp, signer.not_after)
    slots = allocate_indices(session, rt, tenant, len(holder_keys))
    issued: list[str] = []
    rows: list[dict[str, object]] = []
    for holder, (list_id, idx) in zip(holder_keys, slots, strict=True):
        payload = sd_jwt_vc.credential_payload(
            claims,
            issuer=urls.issuer,
            vct=vct,
            iat=now,
            exp=exp,
            holder_jwk=holder.jwk,
            status=StatusListReference(idx=idx, uri=urls.status_list(list_id)),
        )
        issued.append(
            sd_jwt.issue(
                payload,
                SKILL_SD_SPEC,
                signer.key,
                typ=sd_jwt_vc.TYP_SD_JWT_VC,
                header=signer.header,
            )
        )
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "issuer_id": tenant.id,
                "offer_id": offer_id,
                "vct": vct,
                "status_list_id": list_id,
                "status_idx": idx,
                "status": 0,
                "holder_jkt": holder.kid,
                "issued_at": now,
                "expires_at": exp,
                "issuance_id": issuance_id,
                "record_id": record_id,
            }
        )
    repository.insert_credentials(session, rows)
    return issued


def _expiry(claims: Mapping[str, object], now: int, ttl_days: int) -> int:
    """The credential's ``exp``: the end of ``date_of_expiry`` if given, else now + TTL."""
    expiry = claims.get("date_of_expiry")
    if isinstance(expiry, str):
        return int(datetime.combine(date.fromisoformat(expiry), time.max, UTC).timestamp())
    return now + ttl_days * 86_400


def allocate_indices(
    session: Session, rt: Runtime, tenant: IssuerTenant, count: int
) -> list[tuple[str, int]]:
    """``count`` unused status indices, in their list's random order.

    One conditional ``UPDATE … RETURNING`` in the caller's transaction takes the next
    positions of the list's stored permutation: a rollback gives them back, a commit makes
    them the credential's for good, and no two transactions can take the same positions.
    """
    # The list the tenant currently allocates from is cached (saves a query per issuance).
    open_lists = rt.caches.open_status_lists
    bits = rt.settings.status_list_bits
    cached = open_lists.get((tenant.id, bits))
    if cached is not None:
        taken = _take(session, rt, cached, count)
        if taken is not None:
            return taken
    for row in repository.open_status_lists(session, tenant.id, bits):
        taken = _take(session, rt, (row.id, row.permutation), count)
        if taken is not None:
            open_lists.put((tenant.id, bits), (row.id, row.permutation))
            return taken
    row = lifecycle.new_status_list(session, rt, tenant)
    taken = _take(session, rt, (row.id, row.permutation), count)
    assert taken is not None, "a new list has room for a batch"
    open_lists.put((tenant.id, bits), (row.id, row.permutation))
    return taken


def _take(
    session: Session, rt: Runtime, status_list: tuple[str, bytes], count: int
) -> list[tuple[str, int]] | None:
    list_id, packed = status_list
    end = repository.reserve_indices(session, list_id, count)
    if end is None:
        return None
    order = _permutation(rt, list_id, packed)
    return [(list_id, order[i]) for i in range(end - count, end)]


def _permutation(rt: Runtime, list_id: str, packed: bytes) -> array[int]:
    order = rt.caches.status_list_orders.get(list_id)
    if order is None:
        order = unpack_indices(packed)
        rt.caches.status_list_orders.put(list_id, order)
    return order
