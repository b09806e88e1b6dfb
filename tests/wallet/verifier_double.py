"""A test double of an OpenID4VP 1.0 verifier, written from the specification.

It signs its Request Objects with jwcrypto under an ``x509_san_dns:localhost`` certificate from
a test CA, takes ``direct_post`` responses — or, with ``encryption`` set, ``direct_post.jwt``
ones, which it decrypts with jwcrypto to a key of its own per request — and verifies what
arrives with the OpenWallet Foundation's ``sd_jwt`` reference library — no Intyg code on its
checking side — recording exactly which disclosures it received.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from jwcrypto import jwe, jwk, jws
from sd_jwt.verifier import SDJWTVerifier

BASE = "http://localhost:8000"
CLIENT_ID = "x509_san_dns:localhost"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Testarbetsgivaren AB"),
        ]
    )


def make_ca_and_leaf(
    at: int, dns: str = "localhost"
) -> tuple[x509.Certificate, x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = datetime.datetime.fromtimestamp(at, datetime.UTC) - datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test verifier CA"))
        .issuer_name(_name("Test verifier CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(dns))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca, leaf, leaf_key


@dataclass
class Received:
    vp_token: dict[str, list[str]] | None = None
    error: str | None = None
    state: str | None = None
    raw_vp_token: str | None = None  # the form field exactly as posted (JSON text)
    jwe_header: dict[str, object] | None = None  # direct_post.jwt: the JWE's protected header


@dataclass
class VerifierDouble:
    ca: x509.Certificate
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey
    iat: int
    requests: dict[str, dict[str, object]] = field(default_factory=dict)
    received: dict[str, Received] = field(default_factory=dict)
    signer: jwk.JWK | None = None  # another key than the leaf's, to test a bad signature
    response_uri_host: str = "localhost"
    response_status: int = 200  # what the direct_post endpoint answers (400: a rejecting verifier)
    served: dict[str, str] = field(default_factory=dict)  # request id -> request object served
    posts: list[str] = field(default_factory=list)  # request ids of every direct_post, in order
    # request_uri_method=post: what the wallet posted (form fields and headers), and the
    # wallet_nonce put in the request object ("echo": the one posted; None: none)
    request_uri_posts: list[dict[str, str]] = field(default_factory=list)
    wallet_nonce_answer: str | None = "echo"
    # direct_post.jwt: the enc values offered (None: direct_post), and each request's key
    encryption: list[str] | None = None
    encryption_keys: dict[str, jwk.JWK] = field(default_factory=dict)

    def ca_pem(self) -> bytes:
        return self.ca.public_bytes(serialization.Encoding.PEM)

    def new_request(
        self,
        dcql_query: dict[str, object],
        purpose: str = "Rekrytering",
        method: str = "get",
        extra: dict[str, object] | None = None,
    ) -> str:
        """A request's link; ``extra`` adds parameters to its Request Object."""
        request_id = secrets.token_urlsafe(8)
        metadata: dict[str, object] = {"client_name": "Testarbetsgivaren AB"}
        if self.encryption is not None:
            key = jwk.JWK.generate(kty="EC", crv="P-256", kid=secrets.token_hex(4))
            self.encryption_keys[request_id] = key
            public = {**key.export_public(as_dict=True), "alg": "ECDH-ES", "use": "enc"}
            metadata["jwks"] = {"keys": [public]}
            metadata["encrypted_response_enc_values_supported"] = self.encryption
        self.requests[request_id] = {
            "client_id": CLIENT_ID,
            "aud": "https://self-issued.me/v2",
            "response_type": "vp_token",
            "response_mode": "direct_post" if self.encryption is None else "direct_post.jwt",
            "response_uri": f"http://{self.response_uri_host}:8000/double/response/{request_id}",
            "nonce": secrets.token_urlsafe(16),
            "state": request_id,
            "dcql_query": dcql_query,
            "client_metadata": metadata,
            "purpose": purpose,
            "iat": self.iat,
            "exp": self.iat + 600,
            **(extra or {}),
        }
        request_uri = f"{BASE}/double/request/{request_id}"
        client_id = quote(CLIENT_ID, safe="")
        link = f"openid4vp://?client_id={client_id}&request_uri={quote(request_uri, safe='')}"
        return link if method == "get" else f"{link}&request_uri_method={method}"

    def request_object(self, request_id: str) -> str:
        key = self.signer or jwk.JWK.from_pem(
            self.leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        x5c = [base64.b64encode(self.leaf.public_bytes(serialization.Encoding.DER)).decode()]
        token = jws.JWS(json.dumps(self.requests[request_id]).encode())
        token.add_signature(
            key,
            alg="ES256",
            protected=json.dumps({"alg": "ES256", "typ": "oauth-authz-req+jwt", "x5c": x5c}),
        )
        return token.serialize(compact=True)

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/double/request/{request_id}")
        def request_object(request_id: str) -> Response:
            self.served[request_id] = self.request_object(request_id)
            return Response(self.served[request_id], media_type="application/oauth-authz-req+jwt")

        @router.post("/double/request/{request_id}")
        async def posted_request_object(request_id: str, request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))
            self.request_uri_posts.append(
                {
                    **form,
                    "content-type": request.headers.get("content-type", ""),
                    "accept": request.headers.get("accept", ""),
                }
            )
            nonce = self.wallet_nonce_answer
            if nonce is not None:
                claims = self.requests[request_id]
                claims["wallet_nonce"] = form.get("wallet_nonce") if nonce == "echo" else nonce
            self.served[request_id] = self.request_object(request_id)
            return Response(self.served[request_id], media_type="application/oauth-authz-req+jwt")

        @router.post("/double/response/{request_id}")
        async def response(request_id: str, request: Request) -> JSONResponse:
            form = dict(parse_qsl((await request.body()).decode()))
            header = None
            if "response" in form:  # direct_post.jwt: decrypt with this request's key
                opened = jwe.JWE()
                opened.deserialize(form["response"], key=self.encryption_keys[request_id])
                header = json.loads(opened.objects["protected"])
                fields = json.loads(opened.payload)
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
            got = Received(state=form.get("state"), error=form.get("error"), jwe_header=header)
            if "vp_token" in form:
                got.raw_vp_token = form["vp_token"]
                got.vp_token = json.loads(form["vp_token"])
            self.received[request_id] = got
            self.posts.append(request_id)
            if self.response_status != 200:
                return JSONResponse({"error": "invalid_request"}, status_code=self.response_status)
            return JSONResponse({})

        return router

    def verify(self, request_id: str, presentation: str, issuer_keys: dict[str, jwk.JWK]) -> dict:
        """Check a presentation as an independent verifier would (OWF reference library)."""
        request = self.requests[request_id]

        def issuer_key(_iss: str, header: dict) -> jwk.JWK:
            return issuer_keys[header["kid"]]

        verifier = SDJWTVerifier(
            presentation, issuer_key, expected_aud=CLIENT_ID, expected_nonce=str(request["nonce"])
        )
        return verifier.get_verified_payload()


def disclosed_names(presentation: str) -> list[object]:
    """The claim names / array values each disclosure of a presentation reveals."""
    parts = presentation.split("~")[1:-1]
    out = []
    for part in parts:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        out.append(decoded[1] if len(decoded) == 3 else decoded[1]["label"]["en"])
    return out
