"""Every parser of input from strangers, under Hypothesis: whatever it is given, it returns or
raises its own module's error (an ``IntygError`` of the right family) — never ``KeyError``,
``TypeError``, ``UnicodeError``, ``RecursionError`` or any other crash a handler would turn
into a 500.

Already in ``tests/standards`` (not repeated): ``jose.parse`` of random text and of random
base64url parts, ``jose.verify`` of base64-ish text and ``PublicKey.from_jwk`` of random
members (test_jose); ``sd_jwt.split`` of random text and ``decode_disclosure`` of random
base64url bytes (test_sd_jwt); ``dcql.parse_query`` of random JSON, DCQL-shaped noise and
mutated vectors (test_dcql); ``oid4vci.parse_offer_link`` of random text (test_oid4vci).
Here: the same parsers fed *structured* noise that gets past their first checks, and the
parsers those suites do not fuzz.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import jose
from core.errors import IntygError, JoseError, SdJwtError, StatusListError
from core.standards import dcql, oid4vci, oid4vp, sd_jwt, status_list, trust_list

from .support import b64, b64_json, digest, disclosure, raw_jws

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# any JSON value, small
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# any Python text, lone surrogates included (a str is what the parsers are typed to take)
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=200)


def raises_only(family: type[IntygError], function, *args, **kwargs) -> None:  # noqa: ANN001
    """Call ``function``: returning is fine, raising ``family`` is fine, anything else fails."""
    with contextlib.suppress(family):
        function(*args, **kwargs)


# --- core.jose -------------------------------------------------------------------------------

headers = st.one_of(
    st.dictionaries(
        st.sampled_from(["alg", "typ", "kid", "crit", "jwk", "x5c", "b64", "zip"]),
        json_values,
        max_size=6,
    ),
    json_values,
)


@FAST
@given(header=headers, payload=json_values, signature=st.binary(max_size=80))
def test_jose_parse_of_json_shaped_parts(header: object, payload: object, signature: bytes) -> None:
    token = f"{b64_json(header)}.{b64_json(payload)}.{b64(signature)}"
    raises_only(JoseError, jose.parse, token)


@FAST
@given(header=headers, payload=json_values, signature=st.binary(max_size=80))
def test_jose_verify_of_json_shaped_parts(
    header: object, payload: object, signature: bytes
) -> None:
    token = f"{b64_json(header)}.{b64_json(payload)}.{b64(signature)}"
    raises_only(JoseError, jose.verify, token, KEY.public, typ="dc+sd-jwt")


@FAST
@given(header=st.binary(max_size=60), payload=st.binary(max_size=60))
def test_jose_parse_of_raw_byte_parts(header: bytes, payload: bytes) -> None:
    raises_only(JoseError, jose.parse, f"{b64(header)}.{b64(payload)}.")


KEY = jose.PrivateKey.generate()


# --- core.standards.sd_jwt -------------------------------------------------------------------

POOL = [
    disclosure("s1", "given_name", "Alva"),
    disclosure("s2", "address", {"_sd": []}),
    disclosure("s3", "C#"),
    disclosure("s4", "_sd", ["x"]),
    disclosure("s5", "...", 1),
    disclosure("s6", {"not": "a name"}, 1),
    disclosure(7, "n", 1),
    disclosure("s8", "deep", [{"...": "x"}]),
    b64(b"not json"),
    b64(b"[1,2,3,4]"),
]
POOL_DIGESTS = [digest(d) for d in POOL]
digests = st.sampled_from(POOL_DIGESTS) | st.text(max_size=44) | json_values

sd_payloads = st.recursive(
    st.none() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner | st.fixed_dictionaries({"...": digests}), max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "_sd", "_sd_alg", "..."]), inner, max_size=3)
        | st.fixed_dictionaries({"_sd": st.lists(digests, max_size=4)})
    ),
    max_leaves=16,
)


@FAST
@given(
    payload=st.dictionaries(st.sampled_from(["_sd", "_sd_alg", "a", "b"]), sd_payloads, max_size=4)
    | st.fixed_dictionaries({"_sd": st.lists(digests, max_size=5)}),
    chosen=st.lists(st.sampled_from(POOL), max_size=6),
)
def test_sd_jwt_process_disclosures_of_structured_noise(
    payload: dict[str, object], chosen: list[str]
) -> None:
    try:
        decoded = [sd_jwt.decode_disclosure(d) for d in chosen]
    except SdJwtError:
        return
    raises_only(SdJwtError, sd_jwt.process_disclosures, payload, decoded)


@FAST
@given(content=json_values)
def test_sd_jwt_decode_disclosure_of_any_json(content: object) -> None:
    raises_only(SdJwtError, sd_jwt.decode_disclosure, b64_json(content))


@FAST
@given(parts=st.lists(st.sampled_from(POOL) | st.text(alphabet="ab.~-_", max_size=12), max_size=8))
def test_sd_jwt_split_of_tilde_joined_parts(parts: list[str]) -> None:
    raises_only(SdJwtError, sd_jwt.split, "~".join(parts))


@FAST
@given(text=any_text)
def test_sd_jwt_decode_disclosure_of_any_text(text: str) -> None:
    raises_only(SdJwtError, sd_jwt.decode_disclosure, text)


# --- core.standards.status_list --------------------------------------------------------------

status_list_objects = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "bits": st.sampled_from([1, 2, 4, 8, 3, 0, -1, True, 1.0, "1"]),
            "lst": st.binary(max_size=64).map(lambda data: b64(zlib.compress(data)))
            | st.binary(max_size=64).map(b64)
            | st.text(max_size=20),
        },
        optional={"aggregation_uri": json_values},
    ),
)


@FAST
@given(value=status_list_objects)
def test_status_list_decode_of_noise(value: object) -> None:
    raises_only(StatusListError, status_list.decode_status_list, value)


@FAST
@given(
    header=st.dictionaries(st.sampled_from(["alg", "typ", "kid"]), json_values, max_size=3),
    payload=st.dictionaries(
        st.sampled_from(["sub", "iat", "exp", "nbf", "ttl", "status_list"]),
        json_values | status_list_objects,
        max_size=6,
    ),
)
def test_status_list_token_claims_of_noise(header: dict, payload: dict) -> None:
    raises_only(
        StatusListError,
        status_list.verify_status_list_token_claims,
        header,
        payload,
        expected_sub="https://example.se/s/1",
        now=1_790_000_000,
    )


@FAST
@given(value=json_values | st.fixed_dictionaries({"status_list": json_values}))
def test_status_list_parse_status_claim_of_noise(value: object) -> None:
    raises_only(StatusListError, status_list.parse_status_claim, value)


# --- core.standards.dcql ---------------------------------------------------------------------


@FAST
@given(
    query=st.fixed_dictionaries(
        {
            "credentials": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": st.text(max_size=6),
                        "format": st.sampled_from(["dc+sd-jwt", "mso_mdoc", "x"]),
                    },
                    optional={
                        "meta": json_values,
                        "claims": st.lists(
                            st.fixed_dictionaries(
                                {
                                    "path": st.lists(
                                        st.none() | st.integers() | st.text(max_size=5), max_size=4
                                    )
                                },
                                optional={"id": json_values, "values": json_values},
                            ),
                            max_size=3,
                        ),
                        "claim_sets": json_values,
                        "multiple": json_values,
                    },
                ),
                max_size=3,
            )
        },
        optional={"credential_sets": json_values},
    )
)
def test_dcql_parse_query_of_nearly_valid_queries(query: dict) -> None:
    raises_only(dcql.DcqlError, dcql.parse_query, query)


# --- core.standards.oid4vci ------------------------------------------------------------------

offers = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "credential_issuer": json_values | st.just("https://issuer.example"),
            "credential_configuration_ids": json_values | st.lists(st.text(max_size=5), max_size=2),
            "grants": json_values
            | st.fixed_dictionaries(
                {
                    oid4vci.PRE_AUTHORIZED_GRANT: json_values
                    | st.fixed_dictionaries(
                        {"pre-authorized_code": json_values}, optional={"tx_code": json_values}
                    )
                }
            ),
        },
    ),
)


@FAST
@given(document=offers)
def test_oid4vci_check_offer_of_noise(document: object) -> None:
    raises_only(oid4vci.InvalidOffer, oid4vci.check_offer, document)


@FAST
@given(
    scheme=st.sampled_from(["openid-credential-offer://", "https://h/", "x://", ""]),
    params=st.lists(
        st.tuples(
            st.sampled_from(["credential_offer", "credential_offer_uri", "x"]),
            offers.map(json.dumps) | any_text,
        ),
        max_size=3,
    ),
)
def test_oid4vci_parse_offer_link_of_link_shaped_noise(scheme: str, params: list) -> None:
    query = "&".join(
        f"{name}={quote(value, safe='', errors='surrogatepass')}" for name, value in params
    )
    raises_only(oid4vci.InvalidOffer, oid4vci.parse_offer_link, f"{scheme}?{query}")


# --- core.standards.oid4vp -------------------------------------------------------------------


@FAST
@given(text=any_text)
def test_oid4vp_parse_request_link_of_any_text(text: str) -> None:
    raises_only(oid4vp.Oid4vpError, oid4vp.parse_authorization_request_link, text)


@FAST
@given(
    scheme=st.sampled_from(["openid4vp://", "https://w.example/", "haip-vp://", "x:"]),
    params=st.lists(
        st.tuples(
            st.sampled_from(["client_id", "request_uri", "request_uri_method", "request", "x"]),
            st.sampled_from(
                [
                    "https://v.example/r",
                    "http://localhost/r",
                    "https://[::1/r",
                    "https://h:99999/",
                    "x509_san_dns:v.example",
                    "post",
                    "get",
                ]
            )
            | any_text,
        ),
        max_size=4,
    ),
    dev=st.booleans(),
)
def test_oid4vp_parse_request_link_of_link_shaped_noise(
    scheme: str, params: list, dev: bool
) -> None:
    query = "&".join(
        f"{name}={quote(value, safe='', errors='surrogatepass')}" for name, value in params
    )
    raises_only(
        oid4vp.Oid4vpError,
        oid4vp.parse_authorization_request_link,
        f"{scheme}?{query}",
        allow_http_loopback=dev,
    )


@FAST
@given(
    form=st.dictionaries(
        st.sampled_from(["vp_token", "state", "error", "error_description", "response", "x"]),
        any_text
        | json_values.map(json.dumps)
        | st.fixed_dictionaries(
            {}, optional={"q": st.lists(json_values, max_size=2), "bad key!": json_values}
        ).map(json.dumps),
        max_size=4,
    )
)
@example(form={"vp_token": "\ud800"})  # a lone surrogate: was a UnicodeEncodeError
def test_oid4vp_parse_direct_post_of_noise(form: dict[str, str]) -> None:
    raises_only(oid4vp.Oid4vpError, oid4vp.parse_direct_post, form)


@FAST
@given(vp_token=json_values)
def test_oid4vp_check_vp_token_of_noise(vp_token: object) -> None:
    raises_only(oid4vp.Oid4vpError, oid4vp.check_vp_token, vp_token)


# --- core.standards.trust_list ---------------------------------------------------------------

OPERATOR = jose.PrivateKey.generate()

entities = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values
        | st.sampled_from(["https://i.example", "http://localhost:1/x", "x509_san_dns:v.example"]),
        "name": json_values,
        "kind": json_values | st.sampled_from(["issuer", "verifier"]),
        "vcts": json_values,
        "x5c": json_values,
        "certificate_thumbprints": json_values,
    },
)
trust_documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "list_id": json_values,
            "sequence_number": json_values | st.integers(),
            "issued_at": json_values | st.integers(),
            "next_update": json_values | st.integers(),
            "operator": json_values,
            "entities": json_values | st.lists(entities, max_size=3),
        },
    ),
)


@FAST
@given(document=trust_documents, typ=st.sampled_from(["trust-list+jwt", "JWT"]))
def test_trust_list_verify_of_signed_noise(document: object, typ: str) -> None:
    if isinstance(document, dict):
        token = raw_jws({"alg": "ES256", "typ": typ, "kid": OPERATOR.kid}, document, OPERATOR)
    else:
        token = f"{b64_json({'alg': 'ES256', 'typ': typ})}.{b64_json(document)}.{b64(b'x' * 64)}"
    raises_only(
        trust_list.TrustListError,
        trust_list.verify_trust_list,
        token,
        [OPERATOR.public],
        1_790_000_000,
    )


@FAST
@given(text=any_text)
def test_trust_list_verify_of_any_text(text: str) -> None:
    raises_only(trust_list.TrustListError, trust_list.verify_trust_list, text, [OPERATOR.public], 0)


def test_the_families_are_distinct() -> None:
    """Each parser's family is its own branch of the error tree (a catch-all would pass above)."""
    families = [
        JoseError,
        SdJwtError,
        StatusListError,
        dcql.DcqlError,
        oid4vci.InvalidOffer,
        oid4vp.Oid4vpError,
        trust_list.TrustListError,
    ]
    for family in families:
        others = [f for f in families if f is not family]
        assert not any(issubclass(family, other) for other in others), family
    assert all(f is not IntygError for f in families)


@pytest.mark.parametrize("family", [JoseError, SdJwtError, StatusListError])
def test_families_are_intyg_errors(family: type) -> None:
    assert issubclass(family, IntygError)
