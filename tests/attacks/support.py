"""What the attack corpus needs beyond the suites it borrows from: tokens built byte by byte
(so a header can be oversized, repeat a member or not be UTF-8), a hostile issuer that the
verifier trusts, a hostile verifier that serves whatever request object a test hands it, and
row counts of every table (the "nothing was written" half of each attack).

The hostile parties are small FastAPI routers mounted on the one-process app, like
``tests.wallet.verifier_double``; the app's outbound HTTP is routed back into it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core import jose
from core.standards import sd_jwt
from intyg import migrate
from tests.verifier.support import BASE, CLIENT_ID, VCT

NONCE = "n-0S6_WzA2Mj"
HOSTILE_ISSUER = f"{BASE}/hostile-issuer"
YEAR = 365 * 86_400


# --- bytes -----------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: object) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def raw_jws(
    header: bytes | Mapping[str, object], payload: Mapping[str, object], key: object
) -> str:
    """A compact JWS over exactly these header bytes. ``key`` is a ``jose.PrivateKey`` (signs),
    ``bytes`` (an HMAC-SHA256 secret: the alg-confusion attack) or ``None`` (no signature)."""
    encoded = b64(header) if isinstance(header, bytes) else b64_json(header)
    signing_input = f"{encoded}.{b64_json(payload)}"
    if key is None:
        return f"{signing_input}."
    if isinstance(key, bytes):
        return (
            f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"
        )
    assert isinstance(key, jose.PrivateKey)
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def public_key_secrets(public: jose.PublicKey) -> list[bytes]:
    """The spellings of a public key an alg-confusion attacker would try as an HMAC secret."""
    return [json.dumps(dict(public.jwk)).encode(), jose.compact_json(dict(public.jwk))]


def oversized_header(base: Mapping[str, object]) -> dict[str, object]:
    return {**base, "x-padding": "A" * (jose.MAX_HEADER_BYTES + 1)}


def duplicate_member_header(alg: str = "ES256", typ: str = "dc+sd-jwt") -> bytes:
    return f'{{"alg":"{alg}","typ":"{typ}","alg":"none"}}'.encode()


def non_utf8_header(alg: str = "ES256", typ: str = "dc+sd-jwt") -> bytes:
    return f'{{"alg":"{alg}","typ":"{typ}","x":"'.encode() + b"\xff\xfe" + b'"}'


# --- SD-JWT pieces, written by hand ----------------------------------------------------------


def disclosure(*content: object) -> str:
    """RFC 9901 §4.2.1/§4.2.2: ``[salt, name, value]`` or ``[salt, value]``, base64url JSON."""
    return b64_json(list(content))


def digest(encoded: str) -> str:
    return b64(hashlib.sha256(encoded.encode("ascii")).digest())


def bind(
    issuer_jwt: str,
    disclosures: Sequence[str],
    holder: jose.PrivateKey,
    *,
    now: int,
    nonce: str = NONCE,
    aud: str = CLIENT_ID,
) -> str:
    """``<JWT>~<D.1>~...~<D.N>~<KB-JWT>``, the KB-JWT signed here without ``sd_jwt.split``
    (which would refuse some of the hostile shapes before the verifier sees them)."""
    presented = sd_jwt.serialize(issuer_jwt, disclosures)
    kb = jose.sign(
        {"iat": now, "aud": aud, "nonce": nonce, "sd_hash": sd_jwt.compute_sd_hash(presented)},
        holder,
        typ=sd_jwt.TYP_KB_JWT,
        include_kid=False,
    )
    return presented + kb


# --- a hostile (but trusted) issuer ----------------------------------------------------------


@dataclass
class HostileIssuer:
    """An issuer on the verifier's trust list that signs whatever a test asks for and serves
    whatever status list token a test puts under a name."""

    key: jose.PrivateKey = field(default_factory=jose.PrivateKey.generate)
    status_tokens: dict[str, str] = field(default_factory=dict)
    id: str = HOSTILE_ISSUER

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/.well-known/jwt-vc-issuer/hostile-issuer", include_in_schema=False)
        def metadata() -> JSONResponse:
            return JSONResponse({"issuer": self.id, "jwks": {"keys": [dict(self.key.public.jwk)]}})

        @router.get("/hostile-issuer/status/{name}", include_in_schema=False)
        def status(name: str) -> Response:
            return Response(self.status_tokens[name], media_type="application/statuslist+jwt")

        return router

    def status_uri(self, name: str) -> str:
        return f"{self.id}/status/{name}"

    def payload(
        self,
        holder: jose.PrivateKey,
        now: int,
        *,
        status: str | None = None,
        status_idx: int = 0,
        **claims: object,
    ) -> dict[str, object]:
        payload: dict[str, object] = {
            "iss": self.id,
            "iat": now,
            "exp": now + YEAR,
            "vct": VCT,
            "cnf": {"jwk": dict(holder.public.jwk)},
            "given_name": "Alva",
            **claims,
        }
        if status is not None:
            payload["status"] = {"status_list": {"idx": status_idx, "uri": status}}
        return payload

    def sign(
        self, payload: Mapping[str, object], header: Mapping[str, object] | None = None
    ) -> str:
        return jose.sign(payload, self.key, typ="dc+sd-jwt", header=header)

    def status_list_token(
        self,
        uri: str,
        now: int,
        *,
        lst: bytes = b"\x00",
        bits: int = 1,
        sub: str | None = None,
        exp: int | None = None,
        typ: str = "statuslist+jwt",
        key: jose.PrivateKey | None = None,
    ) -> str:
        payload: dict[str, object] = {
            "sub": uri if sub is None else sub,
            "iat": now - 60,
            "ttl": 300,
            "status_list": {"bits": bits, "lst": b64(zlib.compress(lst, 9))},
        }
        if exp is not None:
            payload["exp"] = exp
        return jose.sign(payload, key or self.key, typ=typ)


# --- a hostile verifier (for the wallet) -----------------------------------------------------


@dataclass
class HostileVerifier:
    """Serves, at ``/hostile-verifier/request/{name}``, the request object a test stored."""

    objects: dict[str, str] = field(default_factory=dict)
    posts: list[str] = field(default_factory=list)

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/hostile-verifier/request/{name}", include_in_schema=False)
        def request_object(name: str) -> Response:
            return Response(self.objects[name], media_type="application/oauth-authz-req+jwt")

        @router.post("/hostile-verifier/response/{name}", include_in_schema=False)
        def response(name: str) -> JSONResponse:
            self.posts.append(name)
            return JSONResponse({})

        return router

    def link(self, name: str, token: str, client_id: str = "x509_san_dns:localhost") -> str:
        from urllib.parse import quote

        self.objects[name] = token
        request_uri = quote(f"{BASE}/hostile-verifier/request/{name}", safe="")
        return f"openid4vp://?client_id={quote(client_id, safe='')}&request_uri={request_uri}"


# --- settings and the database ---


def with_settings(app: FastAPI, **changes: object) -> None:
    """Change the running app's settings (e.g. ``development=False``) for the rest of a test."""
    rt = app.state.runtime
    app.state.runtime = dataclasses.replace(rt, settings=rt.settings.model_copy(update=changes))


# --- the database ----------------------------------------------------------------------------


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema (all three roles)."""
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in migrate.target_metadata().sorted_tables
        }


def assert_nothing_written(
    engine: Engine, before: Mapping[str, int], *, except_tables: frozenset[str] = frozenset()
) -> None:
    """No table gained or lost a row, apart from ``except_tables`` (e.g. the holder's own
    transparency log, which records a failed attempt by design)."""
    after = row_counts(engine)
    changed = {
        name: (before[name], after[name])
        for name in after
        if name not in except_tables and after[name] != before.get(name)
    }
    assert not changed, f"rows written: {changed}"
