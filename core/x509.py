"""X.509 certificates for the ``x509_san_dns`` Client Identifier Prefix of OpenID4VP 1.0.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html §5.9.3: with
``x509_san_dns:<dns>`` the Verifier signs its Request Object with the key of the leaf
certificate of the chain in the ``x5c`` JOSE header (RFC 7515 §4.1.6: a list of base64 —
standard, padded, not base64url — DER certificates, the leaf first, each one certified by the
next); the DNS name "MUST ... match a ``dNSName`` Subject Alternative Name (RFC 5280 §4.2.1.6)
entry in the leaf certificate", and "the Wallet MUST validate the signature and the trust chain".

Chain validation is not written here: ``verify_x5c`` hands the chain to pyca/cryptography's
path builder (``cryptography.x509.verification``, RFC 5280 path validation under its WebPKI
profile), which also checks every certificate's validity period at ``now`` and — through
``ServerVerifier`` with a ``DNSName`` subject — the SAN. Before it, this module checks what it
can name precisely (structure, the leaf's validity period, an exact SAN match), so that a
failure carries a stable code a support desk can act on (``x509_expired``,
``x509_san_mismatch``) rather than the library's free-text message.

Two deliberate policy choices, one stricter than the profile's defaults and one looser:

- the SAN must contain the DNS name itself (case-insensitively); a wildcard SAN entry does not
  stand for a name, because the Client Identifier names one host, not a family of them;
- Extended Key Usage is not constrained on the leaf (the WebPKI default demands ``serverAuth``
  when the extension is present): signing a Request Object is not TLS, and a relying-party
  certificate issued for it may name another purpose. What binds the key to the name is the
  SAN and the chain to an anchor the Wallet is configured with.

The development CA (``create_dev_ca`` / ``issue_verifier_certificate``) issues what that profile
requires: a CA with a critical ``basicConstraints`` (cA, path length 0), a critical
``keyUsage`` (keyCertSign, cRLSign) and a subject key identifier; leaves with a critical
``basicConstraints`` (not a CA), a critical ``keyUsage`` (digitalSignature), the SAN, and both
key identifiers. Keys are ES256 (P-256) throughout. Times are NumericDate seconds (``now: int``),
as everywhere in Intyg.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509 import DNSName
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from core import jose
from core.errors import IntygError
from core.ttlcache import TtlCache

#: Bounds on what a remote party may hand us in ``x5c``.
MAX_CHAIN_LENGTH: Final = 5
MAX_CERTIFICATE_BYTES: Final = 16 * 1024
#: Certificates are backdated by this much, so that a verifier's clock a little behind ours
#: does not see a fresh certificate as not yet valid.
BACKDATE: Final = dt.timedelta(minutes=5)

_P256 = ec.SECP256R1()
_SHA256 = hashes.SHA256()


# --- errors ----------------------------------------------------------------------------------


class X509Error(IntygError):
    code = "x509_invalid"
    title = "The certificate chain is not valid"


class X509Malformed(X509Error):
    code = "x509_malformed"
    title = "The certificate chain is not well-formed"


class X509ChainInvalid(X509Error):
    code = "x509_chain_invalid"
    title = "The certificate chain does not lead to a trusted anchor"


class X509SanMismatch(X509Error):
    code = "x509_san_mismatch"
    title = "The certificate is not issued for the expected DNS name"


class X509Expired(X509Error):
    code = "x509_expired"
    title = "The certificate has expired"


class X509NotYetValid(X509Error):
    code = "x509_not_yet_valid"
    title = "The certificate is not valid yet"


class X509SelfSigned(X509Error):
    code = "x509_self_signed"
    title = "The leaf certificate is self-signed"


class X509AnchorInChain(X509Error):
    code = "x509_anchor_in_chain"
    title = "The certificate chain includes a trust anchor"


class X509KeyUsage(X509Error):
    code = "x509_key_usage"
    title = "The leaf certificate is not for signing"


class X509KeyUnsupported(X509Error):
    code = "x509_key_unsupported"
    title = "The certificate's key is not a P-256 or Ed25519 key"


# --- encodings -------------------------------------------------------------------------------


def certificate_to_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_from_der(der: bytes) -> x509.Certificate:
    if len(der) > MAX_CERTIFICATE_BYTES:
        raise X509Malformed(f"a certificate is larger than {MAX_CERTIFICATE_BYTES} bytes")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise X509Malformed("a certificate is not valid DER") from None


def certificate_to_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificates_from_pem(text: str | bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (e.g. a trust-anchor file); none is an error."""
    data = text.encode("ascii") if isinstance(text, str) else text
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise X509Malformed("the PEM data holds no valid certificate") from None
    return certs


def certificate_from_pem(text: str | bytes) -> x509.Certificate:
    certs = certificates_from_pem(text)
    if len(certs) != 1:
        raise X509Malformed(f"expected one certificate, the PEM data holds {len(certs)}")
    return certs[0]


def x5c_chain(certs: Sequence[x509.Certificate]) -> list[str]:
    """RFC 7515 §4.1.6: base64 (standard alphabet, padded) DER, leaf first."""
    return [base64.b64encode(certificate_to_der(c)).decode("ascii") for c in certs]


def parse_x5c(x5c: object) -> list[x509.Certificate]:
    """Decode an ``x5c`` header value strictly (bounded, standard base64, DER)."""
    if not isinstance(x5c, list) or not x5c:
        raise X509Malformed("x5c must be a non-empty list of certificates")
    if len(x5c) > MAX_CHAIN_LENGTH:
        raise X509Malformed(f"x5c holds more than {MAX_CHAIN_LENGTH} certificates")
    certs: list[x509.Certificate] = []
    for entry in x5c:
        if not isinstance(entry, str) or len(entry) > MAX_CERTIFICATE_BYTES * 4 // 3 + 4:
            raise X509Malformed("each x5c entry is a base64 string of bounded size")
        try:
            der = base64.b64decode(entry.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise X509Malformed("an x5c entry is not standard base64 (RFC 7515 §4.1.6)") from None
        certs.append(certificate_from_der(der))
    return certs


def certificate_thumbprint(cert: x509.Certificate) -> str:
    """Base64url SHA-256 of the DER certificate (the ``x509_hash`` value of OID4VP §5.9.3)."""
    return jose.b64url_encode(hashlib.sha256(certificate_to_der(cert)).digest())


def san_dns_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.value.get_values_for_type(x509.DNSName)]


def san_uris(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.value.get_values_for_type(x509.UniformResourceIdentifier)]


def subject_key_id(cert: x509.Certificate) -> str | None:
    """Base64url of the Subject Key Identifier: what the certificates it issues name in their
    Authority Key Identifier (the DCQL ``aki`` trusted authority, OpenID4VP 1.0 §6.1.1.1).
    A CA without the extension gets the RFC 5280 §4.2.1.2 method (1) value, the one issuers
    derive from its key; ``None`` for a key that cannot be read."""
    try:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        try:
            ski = x509.SubjectKeyIdentifier.from_public_key(cert.public_key())
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return None
    return jose.b64url_encode(ski.key_identifier)


def authority_key_id(cert: x509.Certificate) -> str | None:
    """Base64url of the Authority Key Identifier's keyIdentifier, when present."""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    key_id = aki.value.key_identifier
    return jose.b64url_encode(key_id) if key_id is not None else None


def organisation_name(cert: x509.Certificate) -> str | None:
    """The subject's ``O`` attribute, for a consent screen; ``None`` when absent."""
    values = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(values[0].value) if values else None


# --- keys ------------------------------------------------------------------------------------


def _crypto_private(
    key: jose.PrivateKey | ec.EllipticCurvePrivateKey,
) -> ec.EllipticCurvePrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        crypto = key
    else:
        if key.alg != jose.ES256:
            raise X509KeyUnsupported("certificates are signed with ES256 (P-256) keys")
        d = jose.b64url_decode(str(key.private_jwk()["d"]))
        crypto = ec.derive_private_key(int.from_bytes(d, "big"), _P256)
    if not isinstance(crypto.curve, ec.SECP256R1):
        raise X509KeyUnsupported("certificates are signed with ES256 (P-256) keys")
    return crypto


def _crypto_public(key: jose.PublicKey | ec.EllipticCurvePublicKey) -> ec.EllipticCurvePublicKey:
    if isinstance(key, ec.EllipticCurvePublicKey):
        crypto = key
    else:
        if key.alg != jose.ES256:
            raise X509KeyUnsupported("verifier certificates carry ES256 (P-256) keys")
        x = jose.b64url_decode(str(key.jwk["x"]))
        y = jose.b64url_decode(str(key.jwk["y"]))
        crypto = ec.EllipticCurvePublicKey.from_encoded_point(_P256, b"\x04" + x + y)
    if not isinstance(crypto.curve, ec.SECP256R1):
        raise X509KeyUnsupported("verifier certificates carry ES256 (P-256) keys")
    return crypto


def private_key_from_pem(pem: bytes) -> jose.PrivateKey:
    """An operator's P-256 signing key from PEM (PKCS#8 or SEC 1, unencrypted)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise X509Malformed("the key is not an unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise X509KeyUnsupported("the key must be an EC P-256 key (ES256)")
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return jose.PrivateKey.from_jwk(
        {
            "kty": "EC",
            "crv": "P-256",
            "x": jose.b64url_encode(public.x.to_bytes(32, "big")),
            "y": jose.b64url_encode(public.y.to_bytes(32, "big")),
            "d": jose.b64url_encode(numbers.private_value.to_bytes(32, "big")),
        }
    )


def public_key_of(cert: x509.Certificate) -> jose.PublicKey:
    """The certificate's key as a ``jose.PublicKey`` (P-256 → ES256, Ed25519 → EdDSA)."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise X509KeyUnsupported() from None
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        jwk: dict[str, object] = {
            "kty": "EC",
            "crv": "P-256",
            "x": jose.b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": jose.b64url_encode(numbers.y.to_bytes(32, "big")),
        }
    elif isinstance(key, ed25519.Ed25519PublicKey):
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": jose.b64url_encode(key.public_bytes_raw())}
    else:
        raise X509KeyUnsupported()
    return jose.PublicKey.from_jwk(jwk)


# --- the development CA ----------------------------------------------------------------------


def _at(now: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, tz=dt.UTC)


def _name(common_name: str, organisation: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attributes)


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def create_dev_ca(
    name: str, now: int, *, days: int = 3650, key: jose.PrivateKey | None = None
) -> tuple[x509.Certificate, jose.PrivateKey]:
    """A self-signed ES256 CA for development and tests (never a production trust anchor)."""
    ca_key = key or jose.PrivateKey.generate(jose.ES256)
    crypto = _crypto_private(ca_key)
    subject = _name(name, name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(crypto.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_at(now) - BACKDATE)
        .not_valid_after(_at(now) + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(crypto.public_key()), False)
        .sign(crypto, _SHA256)
    )
    return cert, ca_key


def issue_verifier_certificate(
    ca_cert: x509.Certificate,
    ca_key: jose.PrivateKey | ec.EllipticCurvePrivateKey,
    dns_name: str,
    public_key: jose.PublicKey | ec.EllipticCurvePublicKey,
    now: int,
    days: int = 365,
    *,
    organisation: str | None = None,
) -> x509.Certificate:
    """A leaf for ``x509_san_dns:<dns_name>``: SAN dNSName, digitalSignature, not a CA."""
    if not dns_name or dns_name != dns_name.strip() or "*" in dns_name:
        raise ValueError("the DNS name must be a plain host name")
    return _issue_leaf(
        ca_cert, ca_key, dns_name, [x509.DNSName(dns_name)], public_key, now, days, organisation
    )


def issue_issuer_certificate(
    ca_cert: x509.Certificate,
    ca_key: jose.PrivateKey | ec.EllipticCurvePrivateKey,
    issuer: str,
    public_key: jose.PublicKey | ec.EllipticCurvePublicKey,
    now: int,
    days: int = 365,
    *,
    organisation: str | None = None,
) -> x509.Certificate:
    """A leaf for a credential issuer: SAN ``uniformResourceIdentifier`` = its identifier
    (the ``iss`` of what it signs) and ``dNSName`` = its host; digitalSignature, not a CA."""
    host = urlsplit(issuer).hostname
    if not host:
        raise ValueError("the issuer identifier must be a URL with a host")
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(issuer), x509.DNSName(host)]
    return _issue_leaf(
        ca_cert, ca_key, organisation or host, names, public_key, now, days, organisation
    )


def _issue_leaf(
    ca_cert: x509.Certificate,
    ca_key: jose.PrivateKey | ec.EllipticCurvePrivateKey,
    common_name: str,
    names: list[x509.GeneralName],
    public_key: jose.PublicKey | ec.EllipticCurvePublicKey,
    now: int,
    days: int,
    organisation: str | None,
) -> x509.Certificate:
    issuer_key = _crypto_private(ca_key)
    leaf_key = _crypto_public(public_key)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(leaf_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_at(now) - BACKDATE)
        .not_valid_after(_at(now) + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, _SHA256)
    )


# --- verification ----------------------------------------------------------------------------


def _check_validity(certs: Sequence[x509.Certificate], at: dt.datetime) -> None:
    for position, cert in enumerate(certs):
        which = "the leaf certificate" if position == 0 else f"certificate {position} in x5c"
        if at > cert.not_valid_after_utc:
            raise X509Expired(f"{which} expired at {cert.not_valid_after_utc.isoformat()}")
        if at < cert.not_valid_before_utc:
            raise X509NotYetValid(f"{which} is valid from {cert.not_valid_before_utc.isoformat()}")


def _ee_policy() -> ExtensionPolicy:
    # The WebPKI end-entity profile, except that any Extended Key Usage is accepted (see the
    # module docstring: a Request Object signature is not a TLS handshake).
    return ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None
    )


def verify_x5c(
    x5c: object,
    trust_anchors: Sequence[x509.Certificate],
    now: int,
    expected_dns: str | None,
) -> jose.PublicKey:
    """Validate ``x5c`` to one of ``trust_anchors`` at ``now``; return the leaf's public key.

    With ``expected_dns`` the leaf must carry it as a SAN ``dNSName`` (OID4VP §5.9.3).
    Raises the ``X509Error`` of the first failed check.
    """
    certs = parse_x5c(x5c)
    leaf, intermediates = certs[0], certs[1:]
    _check_presented(certs, trust_anchors)
    at = _at(now)
    _check_validity(certs, at)
    if expected_dns is not None:
        wanted = expected_dns.lower()
        names = [name.lower() for name in san_dns_names(leaf)]
        if wanted not in names:
            raise X509SanMismatch(
                f"the leaf certificate names {names or 'no DNS name'}, not {expected_dns!r}"
            )
    _validate_chain(leaf, intermediates, trust_anchors, at, expected_dns)
    return public_key_of(leaf)


def _validate_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate],
    at: dt.datetime,
    expected_dns: str | None,
) -> None:
    if not trust_anchors:
        raise X509ChainInvalid("no trust anchors are configured")
    builder = (
        PolicyBuilder()
        .store(Store(list(trust_anchors)))
        .time(at.replace(tzinfo=None))
        .max_chain_depth(MAX_CHAIN_LENGTH)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy())
    )
    try:
        if expected_dns is not None:
            builder.build_server_verifier(DNSName(expected_dns)).verify(leaf, list(intermediates))
        else:
            builder.build_client_verifier().verify(leaf, list(intermediates))
    except (VerificationError, ValueError) as exc:
        raise X509ChainInvalid(f"the chain does not validate to a trust anchor: {exc}") from None


def verify_issuer_x5c(
    x5c: object, trust_anchors: Sequence[x509.Certificate], now: int, issuer: str
) -> jose.PublicKey:
    """An Issuer-signed JWT's ``x5c`` (SD-JWT VC §3.5, HAIP 1.0 §6.1.1): the chain validates to
    one of ``trust_anchors``, which it must not itself contain; the leaf is not self-signed,
    is not a CA, may sign (keyUsage digitalSignature), is valid at ``now``, and names
    ``issuer`` — a SAN ``uniformResourceIdentifier`` equal to it, or, for an issuer that is a
    bare host, a ``dNSName`` equal to that host — so that one CA shared by many issuers cannot
    vouch for one issuer's key as another's. Returns the leaf's public key."""
    certs = parse_x5c(x5c)  # first: x5c is then a list of certificate strings
    assert isinstance(x5c, list)
    key = (tuple(x5c), _ders(trust_anchors), issuer)
    known = _VALIDATED.get(key, now)
    if known is not None and known[1] <= now:
        return known[0]
    leaf, intermediates = certs[0], certs[1:]
    _check_presented(certs, trust_anchors)
    at = _at(now)
    _check_validity(certs, at)
    _check_issuer_leaf(leaf, issuer)
    _validate_chain(leaf, intermediates, trust_anchors, at, None)
    public = public_key_of(leaf)
    # The outcome depends on the time only through validity periods (no CRL or OCSP here):
    # it holds while the chain and the anchor it leads to are valid.
    involved = [*certs, *(a for a in trust_anchors if a.subject == certs[-1].issuer)]
    start = max(int(c.not_valid_before_utc.timestamp()) for c in involved)
    end = min(int(c.not_valid_after_utc.timestamp()) for c in involved)
    if start <= now < end:
        _VALIDATED.put(key, (public, start), end)
    return public


def _ders(certs: Sequence[x509.Certificate]) -> tuple[bytes, ...]:
    return tuple(certificate_to_der(c) for c in certs)


#: Chains that passed ``verify_issuer_x5c`` — every credential of an issuer carries the same
#: one, and validating it costs about as much as the rest of a verification. A pure function
#: of its inputs within the validity window it is kept for, so a process-wide cache.
_VALIDATED: TtlCache[tuple[tuple[object, ...], tuple[bytes, ...], str], tuple[jose.PublicKey, int]]
_VALIDATED = TtlCache(1024)


def check_issuer_leaf(leaf: x509.Certificate, issuer: str, now: int) -> None:
    """What ``verify_issuer_x5c`` asks of the leaf itself, for a certificate an operator
    imports: not self-signed, valid at ``now``, and ``_check_issuer_leaf``."""
    _check_presented([leaf], ())
    _check_validity([leaf], _at(now))
    _check_issuer_leaf(leaf, issuer)


def _check_issuer_leaf(leaf: x509.Certificate, issuer: str) -> None:
    """Not a CA, keyUsage digitalSignature, naming ``issuer`` (a SAN URI, or a dNSName when
    the issuer is exactly ``https://<that host>``)."""
    _check_signing_leaf(leaf)
    if issuer not in san_uris(leaf) and not _names_host_of(leaf, issuer):
        raise X509SanMismatch(f"the leaf certificate is not issued for {issuer[:200]!r}")


def _names_host_of(leaf: x509.Certificate, issuer: str) -> bool:
    """A dNSName stands only for an issuer that is its host alone, ``https://host``: one host
    often serves many issuers under paths (Intyg does), and the host's certificate must not
    speak for each of them, nor for another scheme, port or user on it."""
    try:
        host = urlsplit(issuer).hostname
    except ValueError:
        return False
    if not host or issuer.rstrip("/") != f"https://{host}":
        return False
    return host in {name.lower() for name in san_dns_names(leaf)}


def _check_presented(
    certs: Sequence[x509.Certificate], trust_anchors: Sequence[x509.Certificate]
) -> None:
    """HAIP 1.0 (§5 for Request Objects, §6.1.1 for SD-JWT VCs): "The X.509 certificate of
    the trust anchor MUST NOT be included in the x5c JOSE header", and the signing certificate
    "MUST NOT be self-signed" — a chain must not carry what would let it vouch for itself."""
    anchors = {certificate_to_der(a) for a in trust_anchors}
    if any(certificate_to_der(c) in anchors for c in certs):
        raise X509AnchorInChain("x5c must not include the trust anchor (HAIP 1.0)")
    if self_signed(certs[0]):
        raise X509SelfSigned("the leaf certificate is self-signed: it vouches only for itself")


def check_links(chain: Sequence[x509.Certificate]) -> None:
    """Each certificate is issued (and signed) by the next one: a chain in x5c order."""
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise X509ChainInvalid("each certificate must be issued by the next one") from None


def self_signed(cert: x509.Certificate) -> bool:
    """Issued and signed by itself (a root: a trust anchor, never a leaf)."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _check_signing_leaf(leaf: x509.Certificate) -> None:
    try:
        if leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise X509KeyUsage("the leaf certificate is a CA certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise X509KeyUsage("the leaf certificate has no keyUsage") from None
    if not usage.digital_signature:
        raise X509KeyUsage("the leaf certificate's keyUsage lacks digitalSignature")
