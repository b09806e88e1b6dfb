"""Tests for core.standards.lote: ETSI TS 119 602 Lists of Trusted Entities (JSON, compact JWS)
read into the trust model of core.standards.trust_list.

The list the Swedish wallet platform's ecosystem publishes (tests/vectors/
digg-wallet-ecosystem-lote/) is read as published; every rejection starts from a valid list
built in tests/standards/lote_samples.py and breaks exactly one thing.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from core import jose, trustlists
from core import x509 as X
from core.errors import IntygError
from core.standards import lote
from core.standards import trust_list as tl
from tests.standards import lote_samples as s
from tests.vectorpath import VECTORS

NOW = 1_790_000_000
DAY = 86_400
OPERATOR = jose.PrivateKey.generate()
OPERATOR_X5C = s.signer_x5c(OPERATOR, NOW - DAY)
ISSUER = "https://utbildning.example.se/issuer"
CA_CERT, _ = X.create_dev_ca("Utbildningsanordnaren CA", NOW - DAY)
CERTS = X.x5c_chain([CA_CERT])

DIGG = VECTORS / "digg-wallet-ecosystem-lote"
DIGG_TOKEN = (DIGG / "trusted-entities.json").read_text().strip()
DIGG_KEY = X.public_key_of(X.certificate_from_pem((DIGG / "trust_source_cert.pem").read_text()))
DIGG_ISSUED = int(dt.datetime(2026, 8, 11, 18, 0, 31, tzinfo=dt.UTC).timestamp())


def entities() -> list[dict[str, object]]:
    return [
        s.entity(
            "Vocational University Example",
            s.service(certificates=CERTS, supply_points=["mailto:x@example.se", ISSUER]),
            sv="Yrkeshögskolan Exempel",
        )
    ]


def doc(**scheme: object) -> dict[str, object]:
    return s.document(entities(), issued_at=NOW - DAY, next_update=NOW + 7 * DAY, **scheme)


def signed(
    payload: dict[str, object] | None = None,
    *,
    key: jose.PrivateKey = OPERATOR,
    header: dict[str, object] | None = None,
) -> str:
    return s.sign(payload or doc(), key, {"x5c": OPERATOR_X5C} if header is None else header)


def verify(token: str, **options: Any) -> tl.TrustList:
    keys = options.pop("operator_keys", [OPERATOR.public])
    return lote.verify_lote(token, keys, options.pop("now", NOW), **options)


def refused(token: str, error: type[IntygError], **options: Any) -> IntygError:
    with pytest.raises(error) as caught:
        verify(token, **options)
    return caught.value


# --- the list the Swedish wallet ecosystem publishes -----------------------------------------


def test_digg_wallet_ecosystem_lote_verifies_and_reads_as_published() -> None:
    listed = lote.verify_lote(DIGG_TOKEN, [DIGG_KEY], DIGG_ISSUED + 30 * DAY)
    assert listed.format == tl.FORMAT_LOTE
    assert listed.operator_name == "DIGG" and listed.sequence_number == 1
    assert listed.issued_at == DIGG_ISSUED
    assert listed.next_update == DIGG_ISSUED + 365 * DAY
    assert listed.list_id == "http://uri.etsi.org/19602/LoTEType/wallet-providers"
    # Its PID issuer is named by certificate only (no supply point names an issuer URL): it
    # is found by the x5c chain of what it signs; the wallet provider is no issuer.
    assert dict(listed.issuers) == {} and dict(listed.verifiers) == {}
    [pid_issuer] = listed.certified_issuers
    assert pid_issuer.name == "Local PID Issuer" and pid_issuer.trust_anchors
    reasons = {entry.name: entry.reason for entry in listed.skipped}
    assert "not a credential issuance service" in reasons["Local Wallet Provider"]
    assert "Local PID Issuer" not in reasons


def test_digg_lote_header_has_no_typ_and_names_its_key_by_x5c_only() -> None:
    header = jose.parse(DIGG_TOKEN).header
    assert set(header) == {"alg", "x5c"}
    assert lote.is_lote(DIGG_TOKEN)


def test_digg_lote_against_another_operator_key_is_refused() -> None:
    with pytest.raises(tl.TrustListUnknownKey):
        lote.verify_lote(DIGG_TOKEN, [OPERATOR.public], DIGG_ISSUED + DAY)


def test_digg_lote_after_its_next_update_is_expired() -> None:
    with pytest.raises(tl.TrustListExpired):
        lote.verify_lote(DIGG_TOKEN, [DIGG_KEY], DIGG_ISSUED + 366 * DAY)


# --- accepted --------------------------------------------------------------------------------


def test_valid_lote_maps_issuance_services_to_trusted_issuers() -> None:
    listed = verify(signed())
    assert list(listed.issuers) == [ISSUER]  # the mailto: supply point names no issuer
    issuer = listed.issuers[ISSUER]
    assert issuer.name == "Yrkeshögskolan Exempel"  # Swedish first
    assert issuer.x5c == tuple(CERTS) and issuer.vcts is None
    assert listed.operator_name == "Myndigheten för digital förvaltning"
    assert listed.issued_at == NOW - DAY and listed.next_update == NOW + 7 * DAY
    assert listed.list_id == s.PUB_EAA_LIST and listed.skipped == ()


def test_lote_entity_is_trusted_for_any_vct_unlike_an_intyg_entry() -> None:
    from_lote = verify(signed()).issuers[ISSUER]
    assert from_lote.allows("urn:eudi:pid:1") and from_lote.allows("https://x.example/vct")
    intyg = tl.TrustedIssuer(ISSUER, "YH", frozenset({"urn:a"}), (), frozenset())
    assert intyg.allows("urn:a") and not intyg.allows("urn:b")


def test_lote_signed_with_kid_only_is_accepted() -> None:
    assert ISSUER in verify(signed(header={"kid": OPERATOR.kid})).issuers


@pytest.mark.parametrize("typ", ["JWT", "application/jwt", "JOSE"])
def test_lote_with_a_generic_typ_is_accepted(typ: str) -> None:
    assert ISSUER in verify(signed(header={"x5c": OPERATOR_X5C, "typ": typ})).issuers


def test_lote_with_a_publishers_own_kid_beside_x5c_is_accepted() -> None:
    token = signed(header={"x5c": OPERATOR_X5C, "kid": "digg-trust-source-2026"})
    assert ISSUER in verify(token).issuers


def test_distribution_point_names_the_list() -> None:
    token = signed(doc(DistributionPoints=["https://trust.example.se/lote.jwt"]))
    assert verify(token).list_id == "https://trust.example.se/lote.jwt"


def test_one_entity_listing_a_url_in_two_services_is_one_issuer() -> None:
    other, _ = X.create_dev_ca("Second CA", NOW - DAY)
    both = s.entity(
        "YH",
        s.service(certificates=CERTS, supply_points=[ISSUER]),
        s.service(
            certificates=X.x5c_chain([other]),
            supply_points=[ISSUER],
            service_type=lote.SVC_PID_ISSUANCE,
        ),
    )
    payload = s.document([both], issued_at=NOW - DAY, next_update=NOW + DAY)
    issuer = verify(signed(payload)).issuers[ISSUER]
    assert issuer.x5c == (CERTS[0], X.x5c_chain([other])[0])


# --- the signature and its header ------------------------------------------------------------


def test_lote_signed_by_a_non_operator_key_is_refused() -> None:
    stranger = jose.PrivateKey.generate()
    token = signed(key=stranger, header={"x5c": s.signer_x5c(stranger, NOW)})
    refused(token, tl.TrustListUnknownKey)


def test_lote_whose_x5c_names_the_operator_but_another_key_signed_is_refused() -> None:
    refused(signed(key=jose.PrivateKey.generate()), tl.TrustListSignatureInvalid)


def test_lote_naming_no_key_at_all_is_refused() -> None:
    detail = refused(signed(header={}), tl.TrustListUnknownKey).detail
    assert "neither by x5c nor by kid" in detail


def test_lote_whose_x5c_leaf_is_not_der_is_refused() -> None:
    garbage = base64.b64encode(b"not a certificate").decode()
    refused(signed(header={"x5c": [garbage]}), tl.TrustListMalformed)


def test_lote_whose_kid_and_x5c_name_different_operator_keys_is_refused() -> None:
    second = jose.PrivateKey.generate()
    token = signed(header={"x5c": OPERATOR_X5C, "kid": second.kid})
    refused(token, tl.TrustListUnknownKey, operator_keys=[OPERATOR.public, second.public])


def test_lote_with_an_unknown_kid_and_no_x5c_is_refused() -> None:
    refused(signed(header={"kid": "someone-else"}), tl.TrustListUnknownKey)


@pytest.mark.parametrize("typ", ["dc+sd-jwt", "statuslist+jwt", tl.TYP_TRUST_LIST])
def test_lote_with_a_specific_typ_is_refused(typ: str) -> None:
    refused(signed(header={"x5c": OPERATOR_X5C, "typ": typ}), tl.TrustListWrongTyp)


def test_lote_with_alg_none_is_refused_before_any_key() -> None:
    header = jose.b64url_encode(jose.compact_json({"alg": "none", "x5c": OPERATOR_X5C}))
    token = f"{header}.{jose.b64url_encode(jose.compact_json(doc()))}."
    refused(token, tl.TrustListMalformed)


# --- time and sequence -----------------------------------------------------------------------


def test_lote_past_its_next_update_is_expired() -> None:
    token = signed(s.document(entities(), issued_at=NOW - 9 * DAY, next_update=NOW - DAY))
    refused(token, tl.TrustListExpired)


def test_lote_issued_in_the_future_is_not_yet_valid() -> None:
    token = signed(s.document(entities(), issued_at=NOW + 3600, next_update=NOW + 9 * DAY))
    refused(token, tl.TrustListNotYetValid)


def test_lote_with_a_lower_sequence_number_is_a_rollback() -> None:
    token = signed(doc(LoTESequenceNumber=4))
    refused(token, tl.TrustListRolledBack, min_sequence_number=5)
    assert verify(token, min_sequence_number=4).sequence_number == 4


def test_lote_times_with_an_offset_are_read_as_instants() -> None:
    token = signed(doc(ListIssueDateTime="2026-09-21T10:00:00+02:00"))
    assert verify(token).issued_at == int(dt.datetime(2026, 9, 21, 8, tzinfo=dt.UTC).timestamp())


# --- malformed lists -------------------------------------------------------------------------


def _without(payload: dict[str, Any], name: str) -> dict[str, Any]:
    payload["LoTE"]["ListAndSchemeInformation"].pop(name)
    return payload


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"LoTE": {"TrustedEntitiesList": []}}, "ListAndSchemeInformation is required"),
        ({**doc(), "extra": 1}, "exactly one member"),
        (doc(LoTEVersionIdentifier=2), "LoTEVersionIdentifier"),
        (doc(LoTESequenceNumber="7"), "LoTESequenceNumber"),
        (doc(NextUpdate="2027-01-01T00:00:00"), "time zone"),
        (doc(ListIssueDateTime=1790000000), "ListIssueDateTime"),
        (_without(doc(), "NextUpdate"), "NextUpdate"),
        (doc(SchemeOperatorName="Digg"), "SchemeOperatorName"),
        (doc(TSLSequenceNumber=3), "unknown members"),
        (doc(SchemeExtensions=[{"x": 1}]), "SchemeExtensions"),
    ],
    ids=[
        "no-scheme-information",
        "extra-top-level",
        "version-2",
        "sequence-string",
        "naive-time",
        "time-number",
        "no-next-update",
        "operator-not-multilang",
        "unknown-member",
        "scheme-extensions",
    ],
)
def test_malformed_lote_is_refused(payload: dict[str, object], words: str) -> None:
    assert words in refused(signed(payload), tl.TrustListMalformed).detail


def test_lote_with_a_certificate_that_is_not_der_is_refused_whole() -> None:
    bad = base64.b64encode(b"\x30\x03\x02\x01\x01").decode()
    payload = s.document(
        [*entities(), s.entity("Other", s.service(certificates=[bad]))],
        issued_at=NOW - DAY,
        next_update=NOW + DAY,
    )
    assert "not a base64 DER certificate" in refused(signed(payload), tl.TrustListMalformed).detail


def test_lote_with_two_entities_claiming_one_issuer_url_is_refused() -> None:
    twice = [
        *entities(),
        s.entity("Impostor", s.service(certificates=CERTS, supply_points=[ISSUER])),
    ]
    payload = s.document(twice, issued_at=NOW - DAY, next_update=NOW + DAY)
    assert "two entities" in refused(signed(payload), tl.TrustListMalformed).detail


# --- services that are left out (kept, with their reason) ------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"service_type": "http://example.se/SvcType/Other"}, "not a credential issuance"),
        ({"service_type": "http://uri.etsi.org/19602/SvcType/WRPAC/Issuance"}, "not a credential"),
        ({"service_type": "http://uri.etsi.org/19602/SvcType/PID/Revocation"}, "not a credential"),
        (
            {"ServiceStatus": "http://uri.etsi.org/19602/PubEAAProvidersList/SvcStatus/withdrawn"},
            "grants no trust",
        ),
        ({"ServiceInformationExtensions": [{"critical": True}]}, "extensions"),
        ({"certificates": []}, "no X509Certificates"),
    ],
    ids=["unknown-type", "wrpac", "revocation", "withdrawn", "extensions", "no-certs"],
)
def test_service_that_grants_no_issuer_trust_is_skipped_not_refused(
    changes: dict[str, Any], words: str
) -> None:
    options: dict[str, Any] = {"certificates": CERTS, "supply_points": [ISSUER], **changes}
    left_out = s.entity("Left out", s.service(name="Tjänsten", **options))
    payload = s.document([*entities(), left_out], issued_at=NOW - DAY, next_update=NOW + DAY)
    listed = verify(signed(payload))
    assert list(listed.issuers) == [ISSUER] and listed.issuers[ISSUER].name != "Left out"
    (entry,) = listed.skipped
    assert entry.name == "Left out" and entry.reason.startswith("Tjänsten: ")
    assert words in entry.reason


# --- one reader for both formats -------------------------------------------------------------


def test_either_format_reads_into_the_same_model() -> None:
    intyg_doc = tl.build_trust_list(
        list_id="https://trust.example.se/lists/skills",
        operator_name="Exempelmyndigheten",
        entities=[tl.issuer_entry(ISSUER, "YH", ["urn:a"])],
        issued_at=NOW - DAY,
        next_update=NOW + DAY,
    )
    intyg = trustlists.verify_either(
        tl.sign_trust_list(intyg_doc, OPERATOR), [OPERATOR.public], NOW
    )
    from_lote = trustlists.verify_either(signed(), [OPERATOR.public], NOW)
    assert (intyg.format, from_lote.format) == (tl.FORMAT_INTYG, tl.FORMAT_LOTE)
    assert set(intyg.issuers) == set(from_lote.issuers) == {ISSUER}
    with pytest.raises(tl.TrustListRolledBack):
        trustlists.verify_either(signed(), [OPERATOR.public], NOW, min_sequence_number=2)


def test_a_token_that_is_neither_format_is_the_wrong_typ() -> None:
    other = jose.sign({"LoTE": doc()["LoTE"]}, OPERATOR, typ=tl.TYP_TRUST_LIST)
    assert not lote.is_lote(other)
    with pytest.raises(tl.TrustListMalformed):  # Intyg's typ, so Intyg's closed schema
        trustlists.verify_either(other, [OPERATOR.public], NOW)
    with pytest.raises(tl.TrustListWrongTyp):
        trustlists.verify_either(jose.sign({"a": 1}, OPERATOR, typ="JWT"), [OPERATOR.public], NOW)


@pytest.mark.parametrize("supply_points", [[], ["http://utbildning.example.se/issuer"]])
def test_an_issuance_service_without_an_https_url_is_named_by_its_certificates(
    supply_points: list[str],
) -> None:
    by_certificate = s.entity(
        "Utan adress", s.service(certificates=CERTS, supply_points=supply_points)
    )
    payload = s.document([*entities(), by_certificate], issued_at=NOW - DAY, next_update=NOW + DAY)
    listed = verify(signed(payload))
    assert list(listed.issuers) == [ISSUER] and listed.skipped == ()
    [entry] = listed.certified_issuers
    assert entry.name == "Utan adress" and entry.x5c == tuple(CERTS)


def test_a_chain_that_two_certificate_only_entities_anchor_names_neither() -> None:
    """Entities sharing a CA: the list does not say which of them the issuer is."""
    ca, ca_key = X.create_dev_ca("Delad CA", NOW)
    issuer = "https://pid.example.se"
    leaf = X.issue_issuer_certificate(ca, ca_key, issuer, jose.PrivateKey.generate().public, NOW)
    x5c = X.x5c_chain([leaf])

    def listing(*names: str) -> tl.TrustList:
        services = [s.service(certificates=X.x5c_chain([ca]), supply_points=[]) for _ in names]
        entities = [s.entity(n, svc) for n, svc in zip(names, services, strict=True)]
        return verify(signed(s.document(entities, issued_at=NOW - DAY, next_update=NOW + DAY)))

    found = listing("PID-leverantören").issuer_for(issuer, x5c, NOW)
    assert found is not None and (found.id, found.name) == (issuer, "PID-leverantören")
    assert listing("PID-leverantören", "Någon annan").issuer_for(issuer, x5c, NOW) is None
    assert listing("PID-leverantören").issuer_for(issuer + "/other", x5c, NOW) is None
