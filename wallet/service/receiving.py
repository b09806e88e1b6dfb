"""Receiving credentials: the wallet as an OpenID4VCI 1.0 client (pre-authorized code flow).

offer link → offer (by value or by reference) → issuer metadata (§12.2) and authorization
server metadata (RFC 8414) → token (with a DPoP proof when the server supports DPoP, RFC 9449)
→ ``c_nonce`` (§7) → credential with a key proof for a fresh holder key (§8, F.1) → the
credential is verified as it arrives, as the verifier checks one (``core.credential_check``:
issuer signature with the keys of its JWT VC Issuer Metadata, validity, disclosures), then
``cnf`` is our key and its status is looked up → stored sealed → the issuer is told
(``credential_accepted``, or ``credential_failure`` for a credential refused, §11) when the
response carried a ``notification_id`` (``wallet.service.notifying``). A credential response
deferred with a ``transaction_id`` (§9, HTTP 202) is not polled: the receipt fails with
``issuer_refused`` saying so (Intyg's pre-authorized offers are never deferred).

The offer is claimed in the database before the code is spent and released if anything
fails, so a code is never redeemed twice and a failure stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import credential_check, jose, jsontext, trustlists
from core import x509 as certs
from core.db import before_network_call
from core.errors import Conflict, IntygError, InvalidInput, UpstreamError
from core.http import Fetcher
from core.runtime import Runtime
from core.standards import (
    client_attestation,
    dpop,
    oid4vci,
    sd_jwt,
    sd_jwt_vc,
    status_list,
    trust_list,
)
from schemas import wallet_log as log
from wallet import repository
from wallet.models import (
    OfferClaimState,
    WalletCredential,
    WalletHolder,
    WalletOfferRedemption,
)
from wallet.service import attesting, notifying, transparency, vault


class OfferInvalid(InvalidInput):
    code = "offer_invalid"
    title = "The credential offer link is not valid"


class OfferAlreadyRedeemed(Conflict):
    code = "offer_already_redeemed"
    title = "This credential offer was already redeemed"


class OfferUnavailable(IntygError):
    code = "offer_unavailable"
    status = 410
    title = "The credential offer is no longer available"


class IssuerProtocolError(UpstreamError):
    code = "issuer_protocol_error"
    title = "The issuer did not answer as OpenID4VCI requires"


class IssuerRefused(UpstreamError):
    code = "issuer_refused"
    status = 400
    title = "The issuer refused the request"


class CredentialRejected(UpstreamError):
    code = "credential_rejected"
    title = "The issuer sent a credential that does not verify"


@dataclass(frozen=True)
class IssuerEndpoints:
    credential_issuer: str
    token: str
    nonce: str
    credential: str
    configuration_id: str
    configuration: Mapping[str, object]
    display_name: str
    use_dpop: bool
    notification: str | None = None  # §12.2.4 notification_endpoint
    deferred: str | None = None  # §12.2.4 deferred_credential_endpoint
    # RFC 8414 (authorization code flow: wallet.service.collecting)
    authorization_server: str = ""
    par: str | None = None  # RFC 9126 §5 pushed_authorization_request_endpoint
    authorization: str | None = None
    iss_parameter: bool = False  # RFC 9207 §3 authorization_response_iss_parameter_supported
    #: the AS issuer identifier, when it lists ``attest_jwt_client_auth`` (``attesting``)
    attestation_audience: str | None = None
    #: §12.2.4 ``key_attestations_required`` of the jwt proof type (Appendix D)
    key_attestations: bool = False


def receive_offer(
    session: Session, rt: Runtime, holder: WalletHolder, link: str, tx_code: str | None
) -> WalletCredential:
    fetcher = rt.fetcher
    before_network_call(session)
    offer = _resolve_offer(fetcher, link)
    offer_hash = _offer_hash(offer)
    _claim_offer(session, rt, holder, offer_hash)  # commits: no lock held while we fetch
    try:
        credential = _redeem(session, rt, holder, offer, tx_code, fetcher)
    except Exception as exc:  # whatever went wrong, the claim on the offer is released
        session.rollback()
        _release_offer(session, offer_hash)
        reason = exc.code if isinstance(exc, IntygError) else "internal_error"
        transparency.append(
            session,
            holder.id,
            rt.clock.now(),
            log.CredentialReceiptFailed(issuer=offer.credential_issuer, reason=reason),
        )
        session.commit()
        raise
    return credential


@dataclass(frozen=True)
class OfferPreview:
    """What the holder needs to know before redeeming: who offers, and whether a
    transaction code (sent to them by another channel) must be entered."""

    credential_issuer: str
    tx_code: Mapping[str, object] | None


def preview_offer(session: Session, rt: Runtime, link: str) -> OfferPreview:
    before_network_call(session)
    offer = _resolve_offer(rt.fetcher, link)
    return OfferPreview(offer.credential_issuer, offer.tx_code)


def _offer_hash(offer: oid4vci.CredentialOffer) -> str:
    """Identifies an offer without keeping its code: issuer and pre-authorized code."""
    return hashlib.sha256(
        f"{offer.credential_issuer}\n{offer.pre_authorized_code}".encode()
    ).hexdigest()


def _resolve_offer(fetcher: Fetcher, link: str) -> oid4vci.CredentialOffer:
    """The offer of a link. ``InvalidOffer`` is an OAuth-shaped error (its body is
    ``{"error"}``); the wallet API answers with problem details, so it is translated: a bad
    link is the holder's input, a bad offer document the issuer's fault."""
    try:
        parsed = oid4vci.parse_offer_link(link)
    except oid4vci.InvalidOffer as exc:
        raise OfferInvalid(exc.detail) from None
    if parsed.offer is not None:
        return oid4vci.check_offer(parsed.offer)
    assert parsed.offer_uri is not None
    response = fetcher.request("GET", parsed.offer_uri)
    if response.status_code in (404, 410):
        raise OfferUnavailable("the issuer no longer has this offer: it was used or has expired")
    if response.status_code != 200:
        raise IssuerProtocolError(f"the offer could not be fetched ({response.status_code})")
    try:
        return oid4vci.check_offer(json_object(response.content, parsed.offer_uri))
    except oid4vci.InvalidOffer as exc:
        raise IssuerProtocolError(
            f"the issuer's offer document is not valid: {exc.detail}"
        ) from None


# A redemption's fetches time out (core.http), so a claim still pending after this long was
# left by a wallet process that died mid-redemption.
STALE_CLAIM_SECONDS = 600


def _claim_offer(session: Session, rt: Runtime, holder: WalletHolder, offer_hash: str) -> None:
    repository.add_offer_redemption(
        session,
        WalletOfferRedemption(
            offer_hash=offer_hash,
            holder_id=holder.id,
            state=OfferClaimState.PENDING,
            created_at=rt.clock.now(),
        ),
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if not _take_over_stale_claim(session, rt, holder, offer_hash):
            raise OfferAlreadyRedeemed(
                "the offer was redeemed before (or is being redeemed)"
            ) from None


def _take_over_stale_claim(
    session: Session, rt: Runtime, holder: WalletHolder, offer_hash: str
) -> bool:
    """Take over a claim that a dead process left pending (one caller wins): the holder may
    try again, and the issuer says whether the code was spent (``issuer_refused``)."""
    now = rt.clock.now()
    taken = repository.take_over_offer_redemption(
        session,
        offer_hash,
        holder.id,
        pending=OfferClaimState.PENDING,
        stale_before=now - STALE_CLAIM_SECONDS,
        now=now,
    )
    session.commit()
    return taken


def _release_offer(session: Session, offer_hash: str) -> None:
    repository.delete_offer_redemption(session, offer_hash, state=OfferClaimState.PENDING)


def _redeem(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    offer: oid4vci.CredentialOffer,
    tx_code: str | None,
    fetcher: Fetcher,
) -> WalletCredential:
    endpoints = discover(fetcher, offer)
    dpop_key = jose.PrivateKey.generate() if endpoints.use_dpop else None
    token, token_expires_at = _token(rt, fetcher, endpoints, offer, tx_code, dpop_key)
    holder_key, proof = fresh_proof(rt, fetcher, endpoints)
    body = {"credential_configuration_id": endpoints.configuration_id, "proofs": {"jwt": [proof]}}
    response = post_json(
        fetcher, endpoints.credential, body, token, dpop_key, now=rt.clock.now(), json_body=True
    )
    issued = IssuedCredentials(response, token, token_expires_at, dpop_key)
    return accept(session, rt, holder, endpoints, issued, holder_key, offer)


def fresh_proof(
    rt: Runtime, fetcher: Fetcher, endpoints: IssuerEndpoints
) -> tuple[jose.PrivateKey, str]:
    """A fresh holder key and its key proof (§8.2.1.1, Appendix F.1) with the issuer's
    ``c_nonce`` (§7)."""
    nonce = post_json(fetcher, endpoints.nonce, {}, None).get("c_nonce")
    if not isinstance(nonce, str):
        raise IssuerProtocolError("the nonce endpoint returned no c_nonce")
    holder_key = jose.PrivateKey.generate()
    attested = None
    if endpoints.key_attestations:
        attested = attesting.key_attestation_for(rt, holder_key.public, nonce)
    proof = oid4vci.make_proof(
        holder_key,
        audience=endpoints.credential_issuer,
        nonce=nonce,
        iat=rt.clock.now(),
        key_attestation=attested,
    )
    return holder_key, proof


@dataclass(frozen=True)
class IssuedCredentials:
    """A credential response (§8.3, or a deferred one, §9.2) and the token it was asked with."""

    response: Mapping[str, object]
    access_token: str
    token_expires_at: int | None
    dpop_key: jose.PrivateKey | None

    def __repr__(self) -> str:  # holds a token
        return "IssuedCredentials(…)"


def accept(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    endpoints: IssuerEndpoints,
    issued: IssuedCredentials,
    holder_key: jose.PrivateKey,
    offer: oid4vci.CredentialOffer | None = None,
) -> WalletCredential:
    """Verify and store the one credential of a response, then tell the issuer (§11)."""
    fetcher = rt.fetcher
    credentials = issued.response.get("credentials")
    if not isinstance(credentials, list) or len(credentials) != 1:
        raise IssuerProtocolError("the credential response holds no single credential")
    first = credentials[0]
    credential = first.get("credential") if isinstance(first, dict) else None
    if not isinstance(credential, str):
        raise IssuerProtocolError("the credential is not a string")
    grant = notifying.grant_of(
        endpoints.notification,
        issued.response,
        issued.access_token,
        issued.token_expires_at,
        issued.dpop_key,
    )
    try:
        checked = check_credential(
            rt, fetcher, credential, endpoints.credential_issuer, holder_key.public
        )
    except CredentialRejected as exc:
        if grant is not None:
            notifying.notify(rt, fetcher, grant, "credential_failure", exc.title)
        raise
    row = _store(session, rt, holder, endpoints, credential, holder_key, checked, offer, grant)
    if grant is not None:
        before_network_call(session)
        notifying.notify(rt, fetcher, grant, "credential_accepted")
    return row


def discover(fetcher: Fetcher, offer: oid4vci.CredentialOffer) -> IssuerEndpoints:
    return discover_issuer(fetcher, offer.credential_issuer, offer.credential_configuration_ids[0])


def discover_issuer(fetcher: Fetcher, issuer: str, config_id: str | None) -> IssuerEndpoints:
    """The issuer's endpoints and ``config_id`` (or, without one, its first ``dc+sd-jwt``
    configuration) from its metadata and its authorization server's."""
    metadata = fetcher.get_json(oid4vci.well_known_url(issuer, oid4vci.WELL_KNOWN_ISSUER))
    if not isinstance(metadata, dict) or metadata.get("credential_issuer") != issuer:
        raise IssuerProtocolError("the issuer metadata does not name the offer's issuer")
    configurations = metadata.get("credential_configurations_supported")
    if not isinstance(configurations, dict):
        configurations = {}
    if config_id is None:
        config_id = next(
            (
                name
                for name, value in configurations.items()
                if isinstance(value, dict) and value.get("format") == oid4vci.FORMAT_SD_JWT_VC
            ),
            "",
        )
    configuration = configurations.get(config_id)
    if (
        not isinstance(configuration, dict)
        or configuration.get("format") != oid4vci.FORMAT_SD_JWT_VC
    ):
        raise IssuerProtocolError(f"the issuer does not describe {config_id!r} as dc+sd-jwt")
    servers = metadata.get("authorization_servers") or [issuer]
    server = servers[0] if isinstance(servers, list) and isinstance(servers[0], str) else issuer
    as_metadata = fetcher.get_json(oid4vci.well_known_url(server, oid4vci.WELL_KNOWN_AS))
    if not isinstance(as_metadata, dict) or as_metadata.get("issuer") != server:
        raise IssuerProtocolError("the authorization server metadata does not name its issuer")
    endpoints = {
        "token": as_metadata.get("token_endpoint"),
        "nonce": metadata.get("nonce_endpoint"),
        "credential": metadata.get("credential_endpoint"),
    }
    for name, url in endpoints.items():
        if not isinstance(url, str) or not url:
            raise IssuerProtocolError(f"the metadata has no {name} endpoint")
    display = metadata.get("display")
    first = display[0] if isinstance(display, list) and display else None
    shown = first.get("name") if isinstance(first, dict) else None
    dpop_algs = as_metadata.get("dpop_signing_alg_values_supported")
    auth_methods = as_metadata.get("token_endpoint_auth_methods_supported")
    wants_attestation = (
        isinstance(auth_methods, list) and client_attestation.AUTH_METHOD in auth_methods
    )
    return IssuerEndpoints(
        credential_issuer=issuer,
        token=str(endpoints["token"]),
        nonce=str(endpoints["nonce"]),
        credential=str(endpoints["credential"]),
        configuration_id=config_id,
        configuration=configuration,
        display_name=shown if isinstance(shown, str) else urlsplit(issuer).netloc,
        use_dpop=isinstance(dpop_algs, list) and jose.ES256 in dpop_algs,
        notification=_optional_url(metadata.get("notification_endpoint")),
        deferred=_optional_url(metadata.get("deferred_credential_endpoint")),
        authorization_server=server,
        par=_optional_url(as_metadata.get("pushed_authorization_request_endpoint")),
        authorization=_optional_url(as_metadata.get("authorization_endpoint")),
        iss_parameter=as_metadata.get("authorization_response_iss_parameter_supported") is True,
        attestation_audience=server if wants_attestation else None,
        key_attestations=_wants_key_attestations(configuration),
    )


def _wants_key_attestations(configuration: Mapping[str, object]) -> bool:
    proof_types = configuration.get("proof_types_supported")
    jwt = proof_types.get("jwt") if isinstance(proof_types, dict) else None
    return isinstance(jwt, dict) and isinstance(jwt.get("key_attestations_required"), dict)


def _optional_url(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _token(
    rt: Runtime,
    fetcher: Fetcher,
    endpoints: IssuerEndpoints,
    offer: oid4vci.CredentialOffer,
    tx_code: str | None,
    dpop_key: jose.PrivateKey | None,
) -> tuple[str, int | None]:
    """The access token, and when it expires (``expires_in``, if the issuer says)."""
    form = {
        "grant_type": oid4vci.PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": offer.pre_authorized_code,
    }
    if offer.tx_code is not None:
        if not tx_code:
            raise IssuerRefused("this offer needs the transaction code (tx_code) you were given")
        form["tx_code"] = tx_code
    body = token_request(
        rt, fetcher, endpoints.token, form, dpop_key, endpoints.attestation_audience
    )
    return access_token_of(rt, body, dpop_key)


def token_request(
    rt: Runtime,
    fetcher: Fetcher,
    url: str,
    form: Mapping[str, str],
    dpop_key: jose.PrivateKey | None,
    attestation_audience: str | None = None,
) -> dict[str, object]:
    """POST a token request (RFC 6749 §4.1.3, §6; with a DPoP proof, RFC 9449 §5, and the
    wallet's attestation when the issuer asks for one)."""
    headers = {}
    if dpop_key is not None:
        headers["DPoP"] = dpop.make_proof(dpop_key, method="POST", uri=url, iat=rt.clock.now())
    if attestation_audience is not None:
        headers.update(attesting.client_headers(rt, attestation_audience))
    response = fetcher.request("POST", url, data=dict(form), headers=headers)
    body = json_object(response.content, url)
    if response.status_code != 200:
        if body.get("error") == client_attestation.InvalidClient.code:
            raise IssuerRefused(
                "the issuer does not accept this wallet: it requires a wallet attestation "
                "from a wallet provider on its trust list, and this wallet's provider "
                f"({attesting.provider_id(rt)}) is not accepted there{_said(body)}"
            )
        raise IssuerRefused(
            f"the issuer refused the code: {body.get('error', response.status_code)}"
        )
    return body


def access_token_of(
    rt: Runtime, body: Mapping[str, object], dpop_key: jose.PrivateKey | None
) -> tuple[str, int | None]:
    """The access token of a token response, and when it expires (if the issuer says)."""
    access_token = body.get("access_token")
    if not isinstance(access_token, str):
        raise IssuerProtocolError("the token response has no access_token")
    expected_type = "dpop" if dpop_key is not None else "bearer"
    if str(body.get("token_type", "")).lower() != expected_type:
        raise IssuerProtocolError("the token type does not match the request")
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int) and not isinstance(expires_in, bool):
        return access_token, rt.clock.now() + expires_in
    return access_token, None


def post_json(
    fetcher: Fetcher,
    url: str,
    body: Mapping[str, object],
    access_token: str | None,
    dpop_key: jose.PrivateKey | None = None,
    *,
    now: int = 0,
    json_body: bool = False,
    deferred_ok: bool = False,
) -> dict[str, object]:
    headers: dict[str, str] = {}
    if access_token is not None:
        if dpop_key is not None:
            headers["Authorization"] = f"DPoP {access_token}"
            headers["DPoP"] = dpop.make_proof(
                dpop_key, method="POST", uri=url, iat=now, access_token=access_token
            )
        else:
            headers["Authorization"] = f"Bearer {access_token}"
    response = fetcher.request(
        "POST", url, json_body=dict(body) if json_body else None, headers=headers
    )
    parsed = json_object(response.content, url)
    if response.status_code == 202 and deferred_ok:
        return parsed  # §8.3, §9.2: deferred (the caller checks transaction_id)
    if response.status_code == 202 and "transaction_id" in parsed:
        raise IssuerRefused(
            "the issuer deferred the credential (OpenID4VCI §9); this wallet does not poll "
            "for deferred credentials"
        )
    if response.status_code != 200:
        error = parsed.get("error", response.status_code)
        raise IssuerRefused(f"the issuer answered {error}{_said(parsed)}")
    return parsed


def _said(body: Mapping[str, object]) -> str:
    """The issuer's ``error_description``, for the learner (bounded, printable only): an
    issuer that refuses a key attestation explains why in it (OpenID4VCI Appendix D)."""
    description = body.get("error_description")
    if not isinstance(description, str) or not description.strip():
        return ""
    text = "".join(c for c in description if c.isprintable())[:400]
    return f" (the issuer says: {text})"


def json_object(content: bytes, url: str) -> dict[str, object]:
    try:
        parsed = jsontext.loads(content)
    except jsontext.JsonRejected as exc:
        host = urlsplit(url).netloc
        raise IssuerProtocolError(f"{host} did not answer with JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise IssuerProtocolError(f"{urlsplit(url).netloc} did not answer with a JSON object")
    return parsed


@dataclass(frozen=True)
class CheckedCredential:
    claims: dict[str, object]
    vct: str
    expires_at: int | None
    status: status_list.CredentialStatus
    status_reference: status_list.StatusListReference | None


def listed_issuer(rt: Runtime, issuer: str, x5c: object) -> trust_list.TrustedIssuer | None:
    """The wallet's trust list entry (``INTYG_WALLET_RECOGNISED_VERIFIERS``, which may list
    issuers too) for ``issuer``: its certificates anchor an ``x5c``-signed credential, its
    pins narrow it. None without a list, an entry, or a list that can be read now — then only
    a credential whose ``kid`` the issuer's metadata confirms is kept."""
    source = rt.settings.wallet_recognised_verifiers
    if not source:
        return None
    try:
        return trustlists.from_source(rt, source).issuer_for(issuer, x5c, rt.clock.now())
    except IntygError:
        return None


def check_credential(
    rt: Runtime,
    fetcher: Fetcher,
    credential: str,
    expected_issuer: str,
    holder_key: jose.PublicKey,
) -> CheckedCredential:
    """Verify what arrived before keeping it (``core.credential_check``, as the verifier
    does), then that it is bound to our key; a credential that fails is not stored. Its
    status is recorded, whatever it is: a value §7.1 leaves to applications is UNKNOWN, as a
    later status refresh says."""
    now = rt.clock.now()
    resolvers = rt.caches.resolvers(fetcher)
    try:
        unverified = credential_check.parse(credential)
        if unverified.payload.get("iss") != expected_issuer:
            raise CredentialRejected("the credential's iss is not the issuer that offered it")
        entry = listed_issuer(rt, expected_issuer, unverified.jws.header.get("x5c"))
        anchors = entry.trust_anchors if entry is not None else ()
        verified = credential_check.verify(
            unverified,
            resolvers,
            now=now,
            skew=rt.settings.clock_skew_seconds,
            anchors=anchors,
            pins=entry.certificate_thumbprints if entry is not None else frozenset(),
        )
        if sd_jwt_vc.holder_key(verified.jws.payload).kid != holder_key.kid:
            raise CredentialRejected("the credential is not bound to the key we proved")
        reference = verified.status
        status = status_list.CredentialStatus.VALID
        if reference is not None:
            value = resolvers.status(reference, expected_issuer, now, anchors)
            status = status_list.CredentialStatus.of(value)
    except CredentialRejected:
        raise
    except (
        jose.JoseError,
        sd_jwt.SdJwtError,
        sd_jwt_vc.SdJwtVcError,
        status_list.StatusListError,
        certs.X509Error,
    ) as exc:
        raise CredentialRejected(f"{exc.code}: {exc.detail}") from None
    exp = verified.jws.payload.get("exp")
    return CheckedCredential(
        claims=verified.claims,
        vct=verified.vct,
        expires_at=exp if isinstance(exp, int) else None,
        status=status,
        status_reference=reference,
    )


def _store(
    session: Session,
    rt: Runtime,
    holder: WalletHolder,
    endpoints: IssuerEndpoints,
    issued: str,
    holder_key: jose.PrivateKey,
    checked: CheckedCredential,
    offer: oid4vci.CredentialOffer | None,
    grant: notifying.NotificationGrant | None,
) -> WalletCredential:
    credential_id = str(uuid.uuid4())
    now = rt.clock.now()
    row = WalletCredential(
        id=credential_id,
        holder_id=holder.id,
        issuer=endpoints.credential_issuer,
        vct=checked.vct,
        format=oid4vci.FORMAT_SD_JWT_VC,
        sealed_credential=vault.seal(rt, holder, issued.encode(), f"credential:{credential_id}"),
        sealed_holder_key=vault.seal(
            rt, holder, json.dumps(holder_key.private_jwk()).encode(), f"holder-key:{credential_id}"
        ),
        display=_display(endpoints),
        received_at=now,
        expires_at=checked.expires_at,
        status_uri=checked.status_reference.uri if checked.status_reference else None,
        status_idx=checked.status_reference.idx if checked.status_reference else None,
        status=checked.status,
        status_checked_at=now,
        sealed_notification=(
            notifying.seal(rt, holder, credential_id, grant) if grant is not None else None
        ),
    )
    repository.add_credential(session, row)
    redemption = repository.offer_redemption(session, _offer_hash(offer)) if offer else None
    if redemption is not None:
        redemption.state = OfferClaimState.DONE
    transparency.append(
        session,
        holder.id,
        now,
        log.CredentialReceived(
            issuer=endpoints.credential_issuer,
            issuer_name=endpoints.display_name,
            vct=checked.vct,
            credential_id=credential_id,
        ),
    )
    session.commit()
    return row


def _display(endpoints: IssuerEndpoints) -> dict[str, object]:
    """What a card shows besides the claims: names and colours from the issuer metadata."""
    metadata = endpoints.configuration.get("credential_metadata")
    credential_display = metadata.get("display") if isinstance(metadata, dict) else None
    claims = metadata.get("claims") if isinstance(metadata, dict) else None
    return {
        "issuer_name": endpoints.display_name,
        "credential": credential_display if isinstance(credential_display, list) else [],
        "claims": claims if isinstance(claims, list) else [],
    }
