"""core.credential_check: the one SD-JWT VC verification that the wallet (a credential as it
arrives) and the verifier's pipeline (check by check) share, and ``sd_jwt_vc.published_key``,
the one place an unknown ``kid`` refetches the issuer's keys (a rotation).

The credentials are made here with ``core.jose`` and ``core.standards.sd_jwt``; the issuer's
keys and status lists come from an in-memory ``Resolvers`` that records what it was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from core import credential_check, jose
from core.standards import sd_jwt, sd_jwt_vc, status_list

ISSUER = "https://issuer.example.se/yh-akademin"
VCT = "https://issuer.example.se/vct/skill"
NOW = 1_790_000_000
SKEW = 60
STATUS = status_list.StatusListReference(idx=7, uri=f"{ISSUER}/status/1")
SPEC = sd_jwt.SdSpec.of(("given_name",), ("family_name",))


@dataclass
class Published:
    """An issuer whose metadata publishes ``keys`` now and ``rotated`` once refetched."""

    keys: dict[str, jose.PublicKey]
    rotated: dict[str, jose.PublicKey] | None = None
    asked: list[bool] = field(default_factory=list)
    looked_up: list[status_list.StatusListReference] = field(default_factory=list)

    def issuer_keys(
        self, issuer: str, now: int, *, refresh: bool = False
    ) -> Mapping[str, jose.PublicKey]:
        assert issuer == ISSUER and now == NOW
        self.asked.append(refresh)
        if refresh and self.rotated is not None:
            self.keys = self.rotated
        return self.keys

    def status(self, reference: status_list.StatusListReference, issuer: str, now: int) -> int:
        self.looked_up.append(reference)
        return status_list.StatusValue.VALID


def credential(
    key: jose.PrivateKey,
    *,
    include_kid: bool = True,
    spec: sd_jwt.SdSpec = SPEC,
    changes: Mapping[str, object] | None = None,
) -> str:
    holder = jose.PrivateKey.generate()
    plain = sd_jwt_vc.credential_payload(
        {"given_name": "Alva", "family_name": "Berg"},
        issuer=ISSUER,
        vct=VCT,
        iat=NOW - 10,
        exp=NOW + 3600,
        holder_jwk=holder.public.jwk,
        status=STATUS,
    )
    plain.update(changes or {})
    issued = sd_jwt.build_payload(plain, spec)
    jws = jose.sign(issued.payload, key, typ=sd_jwt_vc.TYP_SD_JWT_VC, include_kid=include_kid)
    return sd_jwt.serialize(jws, issued.disclosures)


def test_verify_runs_every_step_and_leaves_the_status_to_the_caller() -> None:
    key = jose.PrivateKey.generate()
    published = Published({key.kid: key.public})

    verified = credential_check.verify(credential(key), published, now=NOW, skew=SKEW)

    assert verified.issuer == ISSUER and verified.vct == VCT
    assert verified.claims["given_name"] == "Alva" and verified.claims["family_name"] == "Berg"
    assert verified.status == STATUS
    assert published.asked == [False] and published.looked_up == []


def test_an_unknown_kid_refetches_the_issuer_keys_once_and_verifies_after_a_rotation() -> None:
    old, new = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    published = Published({old.kid: old.public}, rotated={new.kid: new.public})

    verified = credential_check.verify(credential(new), published, now=NOW, skew=SKEW)

    assert verified.issuer == ISSUER
    assert published.asked == [False, True]


def test_a_kid_still_unknown_after_the_refetch_is_issuer_key_not_found() -> None:
    key, stranger = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    published = Published({key.kid: key.public})
    with pytest.raises(sd_jwt_vc.IssuerKeyNotFound, match="publishes no key"):
        credential_check.verify(credential(stranger), published, now=NOW, skew=SKEW)
    assert published.asked == [False, True]


def test_a_kid_that_is_not_a_string_is_refused_before_any_key_is_fetched() -> None:
    published = Published({})
    with pytest.raises(sd_jwt_vc.IssuerKeyNotFound, match="not a string"):
        credential_check.issuer_key(published, ISSUER, {"alg": jose.ES256, "kid": 7}, NOW)
    assert published.asked == []


def test_without_kid_the_published_key_that_verifies_is_taken_without_a_refetch() -> None:
    key = jose.PrivateKey.generate()
    others = {k.kid: k for k in (jose.PrivateKey.generate().public for _ in range(2))}
    published = Published({**others, key.kid: key.public})

    verified = credential_check.verify(
        credential(key, include_kid=False), published, now=NOW, skew=SKEW
    )

    assert verified.issuer == ISSUER and published.asked == [False]


def test_the_status_list_token_path_keeps_its_own_error_for_an_unknown_kid() -> None:
    key = jose.PrivateKey.generate()
    asked: list[bool] = []

    def published(refresh: bool) -> Mapping[str, jose.PublicKey]:
        asked.append(refresh)
        return {key.kid: key.public}

    header = {"alg": jose.ES256, "kid": "gone"}
    with pytest.raises(sd_jwt_vc.IssuerMetadataInvalid, match="publishes no key"):
        sd_jwt_vc.published_key(header, published, missing=sd_jwt_vc.IssuerMetadataInvalid)
    assert asked == [False, True]
    assert sd_jwt_vc.published_key({**header, "kid": key.kid}, published) == key.public


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"exp": NOW - 3600}, sd_jwt_vc.CredentialExpired),
        ({"nbf": NOW + 3600}, sd_jwt_vc.CredentialNotYetValid),
        ({"vct": ""}, sd_jwt_vc.MissingClaim),
    ],
    ids=["expired", "not-yet-valid", "no-vct"],
)
def test_validity_and_type_are_enforced(change: dict[str, object], error: type[Exception]) -> None:
    key = jose.PrivateKey.generate()
    with pytest.raises(error):
        credential_check.verify(
            credential(key, changes=change), Published({key.kid: key.public}), now=NOW, skew=SKEW
        )


def test_a_wrong_typ_is_refused_before_any_key_is_fetched() -> None:
    key = jose.PrivateKey.generate()
    token = jose.sign({"iss": ISSUER, "vct": VCT}, key, typ="JWT")
    published = Published({key.kid: key.public})
    with pytest.raises(jose.TypeMismatch):
        credential_check.verify(f"{token}~", published, now=NOW, skew=SKEW)
    assert published.asked == []


def test_without_kid_a_signature_by_a_key_the_issuer_does_not_publish_is_refused() -> None:
    key, forger = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    forged = credential(forger, include_kid=False)
    with pytest.raises(jose.BadSignature):
        credential_check.verify(forged, Published({key.kid: key.public}), now=NOW, skew=SKEW)


def test_sd_jwt_vc_3_2_2_2_a_disclosed_status_is_refused() -> None:
    key = jose.PrivateKey.generate()
    disclosed_status = credential(key, spec=sd_jwt.SdSpec.of(("given_name",), ("status",)))
    with pytest.raises(sd_jwt_vc.RegisteredClaimDisclosed):
        credential_check.verify(
            disclosed_status, Published({key.kid: key.public}), now=NOW, skew=SKEW
        )


def test_a_credential_without_status_has_no_reference() -> None:
    key = jose.PrivateKey.generate()
    token = credential(key)
    unverified = credential_check.parse(token)
    payload = {k: v for k, v in unverified.payload.items() if k != "status"}
    assert credential_check.status_reference(payload) is None
    assert credential_check.status_reference(unverified.payload) == STATUS
