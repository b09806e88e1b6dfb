"""core.resolvers.IssuerKeys: the issuer key for a credential, as the wallet checks one on
arrival (and a status list token): by ``kid``, with one refetch for an unknown ``kid`` (a
rotation); without a ``kid``, the published keys of the header's ``alg``, of which the
signature takes the one that verifies. core.resolvers.StatusLists: a list verified for one
issuer never answers for another.

Vector: ``ietf-sd-jwt-vc/examples.json`` A.1 (draft-ietf-oauth-sd-jwt-vc, a PID credential
whose header names no ``kid``) and its ``issuer_public_jwk.json`` (provenance in
``SOURCES.md`` beside them).
"""

from __future__ import annotations

import json

import httpx
import pytest

from core import jose
from core.http import Fetcher, FetchPolicy
from core.resolvers import IssuerKeys, StatusLists
from core.standards import sd_jwt, sd_jwt_vc, status_list
from tests.vectorpath import VECTORS

VC_DIR = VECTORS / "ietf-sd-jwt-vc"
ISSUER = "https://pid-issuer.aendgard.example"
NOW = 1_790_000_000


def vector(example_id: str) -> str:
    examples = json.loads((VC_DIR / "examples.json").read_text())["examples"]
    return str(next(e["sd_jwt"] for e in examples if e["id"] == example_id))


def published_jwk() -> dict[str, object]:
    return dict(json.loads((VC_DIR / "issuer_public_jwk.json").read_text()))


def serving(documents: list[list[dict[str, object]]], seen: list[str]) -> Fetcher:
    """A fetcher for which the issuer's metadata publishes ``documents[n]`` on the n-th fetch
    (the last one from then on)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        keys = documents[min(len(seen), len(documents)) - 1]
        return httpx.Response(200, json=sd_jwt_vc.issuer_metadata(ISSUER, keys))

    def factory() -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(handler))

    policy = FetchPolicy(
        development=False, allowed_hosts=frozenset({"pid-issuer.aendgard.example"})
    )
    return Fetcher(policy, factory)


def verify(keys: IssuerKeys, fetcher: Fetcher, credential: str) -> sd_jwt.VerifiedSdJwt:
    return sd_jwt.verify_sd_jwt(
        credential,
        lambda header: keys.key_for(fetcher, ISSUER, header, NOW),
        typ=sd_jwt_vc.TYP_SD_JWT_VC,
    )


def test_sd_jwt_vc_a1_without_kid_verifies_with_the_published_key() -> None:
    seen: list[str] = []
    stranger = jose.PrivateKey.generate().public
    fetcher = serving([[dict(stranger.jwk), published_jwk()]], seen)

    verified = verify(IssuerKeys(), fetcher, vector("A.1-issuance-3"))

    assert verified.claims["iss"] == ISSUER
    assert seen == ["https://pid-issuer.aendgard.example/.well-known/jwt-vc-issuer"]


def test_sd_jwt_vc_a1_without_kid_and_only_other_keys_is_a_bad_signature() -> None:
    strangers = [dict(jose.PrivateKey.generate().public.jwk) for _ in range(2)]
    with pytest.raises(jose.BadSignature):
        verify(IssuerKeys(), serving([strangers], []), vector("A.1-issuance-3"))


def test_an_unknown_kid_refetches_the_metadata_once() -> None:
    old, new = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    seen: list[str] = []
    fetcher = serving([[dict(old.public.jwk)], [dict(old.public.jwk), dict(new.public.jwk)]], seen)
    keys = IssuerKeys()
    keys.keys(fetcher, ISSUER, NOW)  # cached before the rotation

    token = jose.sign({"iss": ISSUER}, new, typ=sd_jwt_vc.TYP_SD_JWT_VC)
    assert keys.key_for(fetcher, ISSUER, jose.parse(token).header, NOW) == new.public
    assert len(seen) == 2
    with pytest.raises(sd_jwt_vc.IssuerMetadataInvalid):
        keys.key_for(fetcher, ISSUER, {"alg": jose.ES256, "kid": "gone"}, NOW)
    assert len(seen) == 3


def test_a_status_list_verified_for_one_issuer_never_answers_for_another() -> None:
    """The cache is keyed by (issuer, list URI): the list at a URI, verified with issuer A's
    key, must not answer for issuer B's credential that names the same URI."""
    signer_a, signer_b = jose.PrivateKey.generate(), jose.PrivateKey.generate()
    issuer_a, issuer_b = "https://a.example", "https://b.example"
    uri = "https://a.example/status/1"
    encoded = status_list.encode_sparse(16, 2, {3: status_list.StatusValue.INVALID})
    payload = status_list.status_list_token_payload(uri, encoded, iat=NOW - 10, ttl=300)
    token = jose.sign(payload, signer_a, typ=status_list.TYP_STATUS_LIST_JWT)
    published = {issuer_a: signer_a.public, issuer_b: signer_b.public}

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == uri:
            return httpx.Response(200, text=token)
        issuer = f"{request.url.scheme}://{request.url.host}"
        return httpx.Response(200, json=sd_jwt_vc.issuer_metadata(issuer, [published[issuer].jwk]))

    policy = FetchPolicy(development=False, allowed_hosts=frozenset({"a.example", "b.example"}))
    fetcher = Fetcher(policy, lambda: httpx.Client(transport=httpx.MockTransport(handler)))
    lists = StatusLists(IssuerKeys())
    reference = status_list.StatusListReference(idx=3, uri=uri)

    assert lists.status(fetcher, issuer_a, reference, NOW) == status_list.StatusValue.INVALID
    with pytest.raises(sd_jwt_vc.IssuerMetadataInvalid):  # B publishes no key of A's
        lists.status(fetcher, issuer_b, reference, NOW)
