"""SD-JWT attacks (RFC 9901 §7.1, §10) against ``POST /verifiers/{slug}/verify``.

Most of these need a signature the verifier accepts over a hostile payload, so the Issuer-signed
JWT comes from ``support.HostileIssuer``: an issuer on the verifier's trust list that signs
what a test asks. (A holder cannot add digests to a signed payload; a trusted issuer — or its
stolen key — can.) The presentation is key-bound with the ``cnf`` key, so every check before
``disclosures`` passes and the row shows the disclosure check itself refusing. Unit twins live
in ``tests/standards/test_sd_jwt.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from core import jose
from core.clock import FixedClock
from tests.verifier.support import Roles, assert_rejected
from wallet.service import receiving

from .support import (
    HostileIssuer,
    assert_nothing_written,
    b64,
    bind,
    digest,
    disclosure,
    row_counts,
)

SALT = "2GLC42sKQveCfGfryNRN9w"


@dataclass
class Crafted:
    payload_claims: dict[str, object]
    disclosures: list[str]


def nest(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = {"n": value}
    return value


def _duplicate_digest() -> Crafted:
    d = disclosure(SALT, "family_name", "Lindqvist")
    return Crafted({"_sd": [digest(d), digest(d)]}, [d])


def _duplicate_digest_undisclosed() -> Crafted:
    d = disclosure(SALT, "family_name", "Lindqvist")
    return Crafted({"_sd": [digest(d), digest(d)]}, [])


def _digest_collision_across_levels() -> Crafted:
    d = disclosure(SALT, "street", "Storgatan 1")
    return Crafted({"_sd": [digest(d)], "address": {"_sd": [digest(d)]}}, [d])


def _digest_in_sd_and_array() -> Crafted:
    d = disclosure(SALT, "C#")
    return Crafted({"_sd": [digest(d)], "skills": [{"...": digest(d)}]}, [d])


def _sd_inside_disclosure() -> Crafted:
    inner = disclosure(SALT, "family_name", "Lindqvist")
    outer = disclosure("salt-2", "_sd", [digest(inner)])
    return Crafted({"_sd": [digest(outer)]}, [outer, inner])


def _ellipsis_name_disclosure() -> Crafted:
    d = disclosure(SALT, "...", "x")
    return Crafted({"_sd": [digest(d)]}, [d])


def _array_disclosure_in_object() -> Crafted:
    d = disclosure(SALT, "Lindqvist")
    return Crafted({"_sd": [digest(d)]}, [d])


def _object_disclosure_in_array() -> Crafted:
    d = disclosure(SALT, "skill", "C#")
    return Crafted({"skills": [{"...": digest(d)}]}, [d])


def _claim_name_exists() -> Crafted:
    d = disclosure(SALT, "given_name", "Eva")
    return Crafted({"_sd": [digest(d)]}, [d])


def _sd_not_an_array() -> Crafted:
    return Crafted({"_sd": "not-an-array"}, [])


def _digest_not_a_string() -> Crafted:
    return Crafted({"_sd": [{"$ne": 1}]}, [])


def _unsupported_sd_alg() -> Crafted:
    d = disclosure(SALT, "family_name", "Lindqvist")
    return Crafted({"_sd": [digest(d)], "_sd_alg": "md5"}, [d])


def _depth_bomb_in_payload() -> Crafted:
    return Crafted({"deep": nest(40, "x")}, [])


def _recursion_bomb_chain_of_disclosures() -> Crafted:
    """Each disclosure's value holds the next one's digest, 40 levels down (§4.2.6)."""
    chain: list[str] = []
    d = disclosure(SALT, "n", "bottom")
    chain.append(d)
    for level in range(40):
        d = disclosure(f"salt-{level}", "n", {"_sd": [digest(d)]})
        chain.append(d)
    return Crafted({"_sd": [digest(d)]}, chain)


def _nesting_past_the_parser() -> Crafted:
    """Past Python's recursion limit: the JSON parser itself must refuse, not crash."""
    return Crafted({"deep": "PLACEHOLDER"}, [])


def _nesting_past_the_parser_in_a_disclosure() -> Crafted:
    d = b64(b'["' + SALT.encode() + b'","deep",' + b"[" * 100_000 + b"]" * 100_000 + b"]")
    return Crafted({"_sd": [digest(d)]}, [d])


def _too_many_disclosures() -> Crafted:
    ds = [disclosure(f"salt-{i}", f"c{i}", i) for i in range(513)]
    return Crafted({"_sd": sorted(digest(d) for d in ds)}, ds)


def _duplicate_disclosure() -> Crafted:
    d = disclosure(SALT, "family_name", "Lindqvist")
    return Crafted({"_sd": [digest(d)]}, [d, d])


def _disclosure_not_json() -> Crafted:
    d = b64(b"\xff\xfe not json")
    return Crafted({"_sd": [digest(d)]}, [d])


def _disclosure_with_duplicate_members() -> Crafted:
    d = b64(b'["' + SALT.encode() + b'","address",{"a":1,"a":2}]')
    return Crafted({"_sd": [digest(d)]}, [d])


def _disclosure_with_nan() -> Crafted:
    d = b64(b'["' + SALT.encode() + b'","score",NaN]')
    return Crafted({"_sd": [digest(d)]}, [d])


def _unreferenced_disclosure() -> Crafted:
    return Crafted({}, [disclosure(SALT, "family_name", "Lindqvist")])


ROWS: dict[str, tuple[Callable[[], Crafted], str, str]] = {
    "duplicate-digest": (_duplicate_digest, "disclosures", "sd_jwt_duplicate_digest"),
    "duplicate-digest-undisclosed": (
        _duplicate_digest_undisclosed,
        "disclosures",
        "sd_jwt_duplicate_digest",
    ),
    "digest-collision-across-levels": (
        _digest_collision_across_levels,
        "disclosures",
        "sd_jwt_duplicate_digest",
    ),
    "digest-collision-object-and-array": (
        _digest_in_sd_and_array,
        "disclosures",
        "sd_jwt_duplicate_digest",
    ),
    "sd-inside-disclosure": (_sd_inside_disclosure, "disclosures", "sd_jwt_reserved_claim_name"),
    "ellipsis-name-disclosure": (
        _ellipsis_name_disclosure,
        "disclosures",
        "sd_jwt_reserved_claim_name",
    ),
    "array-disclosure-in-object": (
        _array_disclosure_in_object,
        "disclosures",
        "sd_jwt_array_disclosure_in_object",
    ),
    "object-disclosure-in-array": (
        _object_disclosure_in_array,
        "disclosures",
        "sd_jwt_object_disclosure_in_array",
    ),
    "claim-name-overwrite": (_claim_name_exists, "disclosures", "sd_jwt_claim_name_exists"),
    "sd-not-an-array": (_sd_not_an_array, "disclosures", "sd_jwt_invalid_digest_structure"),
    "digest-not-a-string": (
        _digest_not_a_string,
        "disclosures",
        "sd_jwt_invalid_digest_structure",
    ),
    "unsupported-sd-alg": (_unsupported_sd_alg, "disclosures", "sd_jwt_unsupported_sd_alg"),
    "depth-bomb-in-payload": (_depth_bomb_in_payload, "disclosures", "sd_jwt_too_deep"),
    "recursion-bomb-chain-of-disclosures": (
        _recursion_bomb_chain_of_disclosures,
        "disclosures",
        "sd_jwt_too_deep",
    ),
    "nesting-past-the-parser-in-payload": (_nesting_past_the_parser, "format", "jose_malformed"),
    "nesting-past-the-parser-in-disclosure": (
        _nesting_past_the_parser_in_a_disclosure,
        "disclosures",
        "sd_jwt_malformed_disclosure",
    ),
    "too-many-disclosures": (_too_many_disclosures, "format", "sd_jwt_too_many_disclosures"),
    "duplicate-disclosure": (_duplicate_disclosure, "disclosures", "sd_jwt_duplicate_disclosure"),
    "disclosure-not-json": (_disclosure_not_json, "disclosures", "sd_jwt_malformed_disclosure"),
    "disclosure-duplicate-members": (
        _disclosure_with_duplicate_members,
        "disclosures",
        "sd_jwt_malformed_disclosure",
    ),
    "disclosure-nan": (_disclosure_with_nan, "disclosures", "sd_jwt_malformed_disclosure"),
    "unreferenced-disclosure": (
        _unreferenced_disclosure,
        "disclosures",
        "sd_jwt_unreferenced_disclosure",
    ),
}


def hostile_presentation(hostile: HostileIssuer, crafted: Crafted, now: int) -> str:
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, now, **crafted.payload_claims)
    if payload.get("deep") == "PLACEHOLDER":  # a payload no JSON encoder would write for us
        payload_bytes = jose.compact_json({**payload, "deep": None}).replace(
            b'"deep":null', b'"deep":' + b"[" * 100_000 + b"]" * 100_000
        )
        header = jose.compact_json({"alg": "ES256", "typ": "dc+sd-jwt", "kid": hostile.key.kid})
        signing_input = f"{b64(header)}.{b64(payload_bytes)}"
        issuer_jwt = f"{signing_input}.{b64(hostile.key.sign(signing_input.encode()))}"
    else:
        issuer_jwt = hostile.sign(payload)
    return bind(issuer_jwt, crafted.disclosures, holder, now=now)


@pytest.mark.parametrize(("craft", "failed", "code"), ROWS.values(), ids=list(ROWS))
def test_verifier_rejects(
    roles: Roles,
    engine: Engine,
    hostile: HostileIssuer,
    clock: FixedClock,
    craft: Callable[[], Crafted],
    failed: str,
    code: str,
) -> None:
    presentation = hostile_presentation(hostile, craft(), clock.now())
    before = row_counts(engine)
    assert_rejected(roles.verify(presentation), failed, code)
    assert_nothing_written(engine, before)


def test_control_a_sound_hostile_credential_verifies(
    roles: Roles, hostile: HostileIssuer, clock: FixedClock
) -> None:
    """The rows fail for the reason they name: the hostile issuer's sound credential passes."""
    d = disclosure(SALT, "family_name", "Lindqvist")
    crafted = Crafted({"_sd": [digest(d)]}, [d])
    result = roles.verify(hostile_presentation(hostile, crafted, clock.now()))
    assert result["verdict"] == "valid", result
    assert result["claims"]["family_name"] == "Lindqvist"


# --- registered claims in Disclosures (SD-JWT VC §3.2.2.2) -----------------------------------


def registered_claim_presentation(
    hostile: HostileIssuer, name: str, now: int
) -> tuple[str, jose.PrivateKey, str]:
    """A credential whose ``name`` claim sits in a Disclosure instead of the signed payload."""
    holder = jose.PrivateKey.generate()
    payload = hostile.payload(holder, now, status=hostile.status_uri("unused"))
    value = {
        "status": payload.pop("status"),
        "cnf": payload.pop("cnf"),
        "nbf": now + 30 * 86_400,  # not valid for a month: hidden from the validity check
        "vct#integrity": "sha256-" + b64(b"x" * 32),
        "iss": "https://annan-utfardare.example",
    }[name]
    d = disclosure(SALT, name, value)
    payload["_sd"] = [digest(d)]
    issuer_jwt = hostile.sign(payload)
    return bind(issuer_jwt, [d], holder, now=now), holder, sd_jwt_serialized(issuer_jwt, d)


def sd_jwt_serialized(issuer_jwt: str, d: str) -> str:
    return f"{issuer_jwt}~{d}~"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("status", "sd_jwt_vc_registered_claim_disclosed"),
        ("cnf", "sd_jwt_vc_registered_claim_disclosed"),
        ("nbf", "sd_jwt_vc_registered_claim_disclosed"),
        ("vct#integrity", "sd_jwt_vc_registered_claim_disclosed"),
        ("iss", "sd_jwt_claim_name_exists"),
    ],
    ids=[
        f"registered-claim-disclosed-{n}" for n in ("status", "cnf", "nbf", "vct-integrity", "iss")
    ],
)
def test_verifier_rejects_registered_claim_in_a_disclosure(
    roles: Roles, engine: Engine, hostile: HostileIssuer, clock: FixedClock, name: str, code: str
) -> None:
    """A Disclosure of ``status`` would let a holder hide the status list (the status check is
    skipped when the signed payload has none); of ``nbf``, a validity window."""
    presentation, _holder, _ = registered_claim_presentation(hostile, name, clock.now())
    before = row_counts(engine)
    assert_rejected(roles.verify(presentation), "disclosures", code)
    assert_nothing_written(engine, before)


def test_wallet_refuses_to_keep_a_credential_with_a_disclosed_status(
    app: FastAPI, hostile: HostileIssuer, clock: FixedClock
) -> None:
    """The wallet sees every Disclosure at issuance: it refuses what a verifier could not see."""
    _presentation, holder, credential = registered_claim_presentation(
        hostile, "status", clock.now()
    )
    rt = app.state.runtime
    with pytest.raises(receiving.CredentialRejected, match="sd_jwt_vc_registered_claim_disclosed"):
        receiving.check_credential(rt, rt.fetcher, credential, hostile.id, holder.public)
