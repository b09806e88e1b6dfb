"""Which DCQL trusted authorities (OpenID4VP 1.0 §6.1.1.1) the wallet sees a credential match:
``aki`` from its ``x5c`` chain, ``etsi_tl`` from the trust list the wallet itself reads."""

from __future__ import annotations

from core import jose
from core import x509 as certs
from core.standards import dcql, trust_list
from wallet.service import selection

NOW = 1_790_000_000
ISSUER = "https://utbildning.example.se/issuers/yh"
LIST_URL = "https://trust.example.se/lote.jwt"
CA, CA_KEY = certs.create_dev_ca("Utbildningsanordnarnas CA", NOW)
LEAF = certs.issue_issuer_certificate(CA, CA_KEY, ISSUER, jose.PrivateKey.generate().public, NOW)
HEADER = {"alg": "ES256", "typ": "dc+sd-jwt", "x5c": certs.x5c_chain([LEAF])}


def _list(*issuers: str) -> trust_list.TrustList:
    operator = jose.PrivateKey.generate()
    document = trust_list.build_trust_list(
        list_id=LIST_URL,
        operator_name="Operatören",
        issued_at=NOW - 60,
        next_update=NOW + 3600,
        entities=[trust_list.issuer_entry(i, "YH", ["https://example.se/vct"]) for i in issuers],
    )
    return trust_list.verify_trust_list(
        trust_list.sign_trust_list(document, operator), [operator.public], NOW
    )


def test_aki_is_the_authority_key_identifier_of_the_chain() -> None:
    found = selection.authorities(HEADER, {"iss": ISSUER})
    assert found == {("aki", certs.subject_key_id(CA))}


def test_etsi_tl_is_the_wallets_own_list_when_it_lists_the_issuer() -> None:
    listed = selection.authorities(HEADER, {"iss": ISSUER}, [(LIST_URL, _list(ISSUER))], NOW)
    assert ("etsi_tl", LIST_URL) in listed
    other = selection.authorities(HEADER, {"iss": ISSUER}, [(LIST_URL, _list(ISSUER + "x"))], NOW)
    assert ("etsi_tl", LIST_URL) not in other


def test_a_credential_is_a_candidate_only_for_an_authority_it_matches() -> None:
    query = dcql.parse_query(
        {
            "credentials": [
                {
                    "id": "c",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["https://example.se/vct"]},
                    "trusted_authorities": [{"type": "etsi_tl", "values": [LIST_URL]}],
                }
            ]
        }
    )
    claims = {"vct": "https://example.se/vct", "cnf": {"jwk": {}}}
    mine = dcql.CandidateCredential("mine", "dc+sd-jwt", claims, frozenset({("etsi_tl", LIST_URL)}))
    stranger = dcql.CandidateCredential("stranger", "dc+sd-jwt", claims, frozenset({("aki", "x")}))
    evaluation = dcql.evaluate(query, [mine, stranger])
    assert [m.candidate.ref for m in evaluation.matches["c"]] == ["mine"]
