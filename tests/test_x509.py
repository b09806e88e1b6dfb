"""Tests for core.x509: the development CA and ``x5c`` validation for ``x509_san_dns``.

Each rejection test breaks exactly one thing in an otherwise valid chain. Certificates that
``core.x509`` will not issue (wildcards, extra EKUs, forged signatures) are built here with
pyca/cryptography directly.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core import jose
from core import x509 as X
from core.errors import IntygError

NOW = 1_790_000_000
DAY = 86_400
DNS = "verifier.example.se"

CA_CERT, CA_KEY = X.create_dev_ca("Intyg Dev CA", NOW)
LEAF_KEY = jose.PrivateKey.generate()
LEAF = X.issue_verifier_certificate(
    CA_CERT, CA_KEY, DNS, LEAF_KEY.public, NOW, 30, organisation="Arbetsgivaren AB"
)
X5C = X.x5c_chain([LEAF])


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _custom_leaf(
    edit: Callable[[x509.CertificateBuilder], x509.CertificateBuilder],
    *,
    signer: ec.EllipticCurvePrivateKey | None = None,
    san: list[str] | None = None,
) -> x509.Certificate:
    """A leaf like the dev CA's, with one thing changed by ``edit``."""
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca_key = signer or ec.derive_private_key(
        int.from_bytes(jose.b64url_decode(str(CA_KEY.private_jwk()["d"])), "big"), ec.SECP256R1()
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DNS)]))
        .issuer_name(CA_CERT.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_at(NOW - DAY))
        .not_valid_after(_at(NOW + 30 * DAY))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in (san or [DNS])]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    return edit(builder).sign(ca_key, hashes.SHA256())


def _code(excinfo: pytest.ExceptionInfo[IntygError]) -> str:
    return excinfo.value.code


# --- the development CA ----------------------------------------------------------------------


def test_dev_ca_is_a_self_signed_p256_ca_with_the_webpki_extensions() -> None:
    basic = CA_CERT.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = CA_CERT.extensions.get_extension_for_class(x509.KeyUsage)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert CA_CERT.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert CA_CERT.subject == CA_CERT.issuer
    assert isinstance(CA_CERT.public_key(), ec.EllipticCurvePublicKey)
    assert CA_KEY.alg == jose.ES256


def test_verifier_certificate_has_san_digital_signature_and_is_not_a_ca() -> None:
    basic = LEAF.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = LEAF.extensions.get_extension_for_class(x509.KeyUsage)
    assert basic.critical and not basic.value.ca
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert X.san_dns_names(LEAF) == [DNS]
    assert X.organisation_name(LEAF) == "Arbetsgivaren AB"
    assert X.public_key_of(LEAF) == LEAF_KEY.public
    assert LEAF.not_valid_after_utc == _at(NOW + 30 * DAY)


def test_issue_accepts_a_cryptography_public_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = X.issue_verifier_certificate(CA_CERT, CA_KEY, "localhost", key.public_key(), NOW)
    assert X.verify_x5c(X.x5c_chain([leaf]), [CA_CERT], NOW, "localhost").alg == jose.ES256


def test_issue_refuses_a_wildcard_name_and_an_eddsa_key() -> None:
    with pytest.raises(ValueError):
        X.issue_verifier_certificate(CA_CERT, CA_KEY, "*.example.se", LEAF_KEY.public, NOW)
    with pytest.raises(X.X509KeyUnsupported):
        X.issue_verifier_certificate(
            CA_CERT, CA_KEY, DNS, jose.PrivateKey.generate(jose.EDDSA).public, NOW
        )


# --- encodings -------------------------------------------------------------------------------


def test_rfc7515_4_1_6_x5c_is_standard_base64_der_leaf_first() -> None:
    chain = X.x5c_chain([LEAF, CA_CERT])
    assert [base64.b64decode(c, validate=True) for c in chain] == [
        X.certificate_to_der(LEAF),
        X.certificate_to_der(CA_CERT),
    ]
    assert X.parse_x5c(chain) == [LEAF, CA_CERT]


def test_pem_and_der_round_trip() -> None:
    pem = X.certificate_to_pem(LEAF)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert X.certificate_from_pem(pem) == LEAF
    assert X.certificates_from_pem(pem + X.certificate_to_pem(CA_CERT)) == [LEAF, CA_CERT]
    assert X.certificate_from_der(X.certificate_to_der(LEAF)) == LEAF
    with pytest.raises(X.X509Malformed):
        X.certificate_from_pem(pem + X.certificate_to_pem(CA_CERT))
    with pytest.raises(X.X509Malformed):
        X.certificates_from_pem("not a certificate")


def test_thumbprint_is_base64url_sha256_of_der() -> None:
    digest = hashlib.sha256(X.certificate_to_der(LEAF)).digest()
    assert X.certificate_thumbprint(LEAF) == jose.b64url_encode(digest)


# --- verify_x5c: accepted --------------------------------------------------------------------


def test_verify_x5c_returns_the_leaf_key() -> None:
    assert X.verify_x5c(X5C, [CA_CERT], NOW, DNS) == LEAF_KEY.public


def test_verify_x5c_dns_name_compares_case_insensitively() -> None:
    assert X.verify_x5c(X5C, [CA_CERT], NOW, DNS.upper()) == LEAF_KEY.public


def test_verify_x5c_refuses_the_anchor_inside_the_chain() -> None:
    # HAIP 1.0 §5: the trust anchor MUST NOT be included in x5c.
    with pytest.raises(X.X509AnchorInChain):
        X.verify_x5c(X.x5c_chain([LEAF, CA_CERT]), [CA_CERT], NOW, DNS)


def test_verify_x5c_refuses_a_self_signed_leaf_even_when_it_is_the_anchor() -> None:
    # HAIP 1.0 §5: the certificate signing the request MUST NOT be self-signed; pinning a
    # self-signed certificate as an anchor does not make it acceptable.
    self_signed, _ = X.create_dev_ca(DNS, NOW)
    with pytest.raises(X.X509SelfSigned):
        X.verify_x5c(X.x5c_chain([self_signed]), [CA_CERT], NOW, None)


def test_verify_x5c_without_expected_dns_checks_the_chain_only() -> None:
    assert X.verify_x5c(X5C, [CA_CERT], NOW, None) == LEAF_KEY.public


def test_verify_x5c_finds_the_right_anchor_among_several() -> None:
    other_ca, _ = X.create_dev_ca("Other CA", NOW)
    assert X.verify_x5c(X5C, [other_ca, CA_CERT], NOW, DNS) == LEAF_KEY.public


def test_verify_x5c_accepts_any_extended_key_usage_by_policy() -> None:
    leaf = _custom_leaf(
        lambda b: b.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    )
    assert X.verify_x5c(X.x5c_chain([leaf]), [CA_CERT], NOW, DNS)


def test_verify_x5c_through_an_intermediate() -> None:
    root_key = ec.generate_private_key(ec.SECP256R1())
    mid_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Root")])
    mid_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Intermediate")])

    def ca(subject: x509.Name, key: ec.EllipticCurvePrivateKey, depth: int) -> x509.Certificate:
        issuer_key = root_key
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_at(NOW - DAY))
            .not_valid_after(_at(NOW + 365 * DAY))
            .add_extension(x509.BasicConstraints(ca=True, path_length=depth), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                False,
            )
            .sign(issuer_key, hashes.SHA256())
        )

    root = ca(root_name, root_key, 1)
    mid = ca(mid_name, mid_key, 0)
    leaf_key = jose.PrivateKey.generate()
    mid_jose = jose.PrivateKey.from_jwk(
        {
            "kty": "EC",
            "crv": "P-256",
            "d": jose.b64url_encode(mid_key.private_numbers().private_value.to_bytes(32, "big")),
        }
    )
    leaf = X.issue_verifier_certificate(mid, mid_jose, DNS, leaf_key.public, NOW)
    assert X.verify_x5c(X.x5c_chain([leaf, mid]), [root], NOW, DNS) == leaf_key.public
    with pytest.raises(X.X509ChainInvalid):  # the intermediate is missing
        X.verify_x5c(X.x5c_chain([leaf]), [root], NOW, DNS)


# --- verify_x5c: each check on its own -------------------------------------------------------


def test_rejects_chain_to_an_unknown_ca() -> None:
    unknown_ca, _ = X.create_dev_ca("Unknown CA", NOW)
    with pytest.raises(X.X509ChainInvalid) as excinfo:
        X.verify_x5c(X5C, [unknown_ca], NOW, DNS)
    assert _code(excinfo) == "x509_chain_invalid"


def test_rejects_leaf_signed_by_another_key_under_the_anchor_name() -> None:
    forged = _custom_leaf(lambda b: b, signer=ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(X.X509ChainInvalid):
        X.verify_x5c(X.x5c_chain([forged]), [CA_CERT], NOW, DNS)


def test_rejects_without_trust_anchors() -> None:
    with pytest.raises(X.X509ChainInvalid):
        X.verify_x5c(X5C, [], NOW, DNS)


def test_rejects_expired_leaf() -> None:
    with pytest.raises(X.X509Expired) as excinfo:
        X.verify_x5c(X5C, [CA_CERT], NOW + 31 * DAY, DNS)
    assert _code(excinfo) == "x509_expired"


def test_rejects_leaf_not_yet_valid() -> None:
    with pytest.raises(X.X509NotYetValid) as excinfo:
        X.verify_x5c(X5C, [CA_CERT], NOW - DAY, DNS)
    assert _code(excinfo) == "x509_not_yet_valid"


def test_rejects_chain_whose_anchor_has_expired() -> None:
    short_ca, short_key = X.create_dev_ca("Short-lived CA", NOW, days=1)
    leaf = X.issue_verifier_certificate(short_ca, short_key, DNS, LEAF_KEY.public, NOW, 30)
    assert X.verify_x5c(X.x5c_chain([leaf]), [short_ca], NOW, DNS)
    with pytest.raises(X.X509ChainInvalid):
        X.verify_x5c(X.x5c_chain([leaf]), [short_ca], NOW + 2 * DAY, DNS)


def test_rejects_san_mismatch() -> None:
    with pytest.raises(X.X509SanMismatch) as excinfo:
        X.verify_x5c(X5C, [CA_CERT], NOW, "attacker.example")
    assert _code(excinfo) == "x509_san_mismatch"


def test_rejects_a_wildcard_san_for_a_single_host() -> None:
    wildcard = _custom_leaf(lambda b: b, san=["*.example.se"])
    with pytest.raises(X.X509SanMismatch):
        X.verify_x5c(X.x5c_chain([wildcard]), [CA_CERT], NOW, DNS)


def test_rejects_a_ca_certificate_as_the_leaf() -> None:
    with pytest.raises(X.X509AnchorInChain):  # the anchor itself, presented as the leaf
        X.verify_x5c(X.x5c_chain([CA_CERT]), [CA_CERT], NOW, DNS)
    other_ca, _ = X.create_dev_ca("Other CA", NOW)
    with pytest.raises(X.X509SelfSigned):  # a CA of its own, vouching for itself
        X.verify_x5c(X.x5c_chain([other_ca]), [CA_CERT], NOW, None)


def test_rejects_an_end_entity_with_key_cert_sign() -> None:
    ca_as_leaf = _custom_leaf(
        lambda b: b.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    )
    with pytest.raises(X.X509ChainInvalid):  # keyCertSign on a non-CA end entity
        X.verify_x5c(X.x5c_chain([ca_as_leaf]), [CA_CERT], NOW, DNS)


@pytest.mark.parametrize(
    "x5c",
    [
        None,
        "MIIB",
        [],
        [X5C[0].replace("+", "-").replace("/", "_").rstrip("=") + "!"],
        [base64.b64encode(b"not DER").decode()],
        [42],
        X5C * (X.MAX_CHAIN_LENGTH + 1),
    ],
    ids=["absent", "string", "empty", "not-base64", "not-der", "not-a-string", "too-long"],
)
def test_rejects_malformed_x5c(x5c: object) -> None:
    with pytest.raises(X.X509Malformed) as excinfo:
        X.verify_x5c(x5c, [CA_CERT], NOW, DNS)
    assert _code(excinfo) == "x509_malformed"


def test_error_codes_are_stable_and_distinct() -> None:
    classes = [
        X.X509Error,
        X.X509Malformed,
        X.X509ChainInvalid,
        X.X509SanMismatch,
        X.X509Expired,
        X.X509NotYetValid,
        X.X509KeyUnsupported,
    ]
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("x509_") for code in codes)
    assert all(issubclass(c, X.X509Error) and issubclass(c, IntygError) for c in classes)


# --- issuer certificates (SD-JWT VC §3.5, HAIP 1.0 §6.1.1) ------------------------------------


def test_an_issuer_leaf_names_its_issuer_by_uri() -> None:
    issuer = "https://utbildning.example.se/issuers/yh"
    leaf = X.issue_issuer_certificate(CA_CERT, CA_KEY, issuer, LEAF_KEY.public, NOW)
    x5c = X.x5c_chain([leaf])
    assert X.verify_issuer_x5c(x5c, [CA_CERT], NOW, issuer) == LEAF_KEY.public
    with pytest.raises(X.X509SanMismatch):  # same host, another issuer under it
        X.verify_issuer_x5c(x5c, [CA_CERT], NOW, "https://utbildning.example.se/issuers/other")


def test_a_dns_name_stands_only_for_an_issuer_that_is_a_bare_host() -> None:
    x5c = X5C  # a leaf with the dNSName DNS and no URI
    assert X.verify_issuer_x5c(x5c, [CA_CERT], NOW, f"https://{DNS}") == LEAF_KEY.public
    with pytest.raises(X.X509SanMismatch):
        X.verify_issuer_x5c(x5c, [CA_CERT], NOW, f"https://{DNS}/issuers/yh")


def test_an_issuer_leaf_must_be_fit_to_sign() -> None:
    issuer = f"https://{DNS}"
    no_signing = _custom_leaf(
        lambda b: b.add_extension(
            x509.KeyUsage(False, False, False, False, True, False, False, False, False), True
        )
    )
    with pytest.raises(X.X509KeyUsage):
        X.verify_issuer_x5c(X.x5c_chain([no_signing]), [CA_CERT], NOW, issuer)
