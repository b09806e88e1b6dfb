"""Cross-instance checks for the soak: what one instance used up, the other must refuse.

Run by ``bench/soak.py`` after its set-up and before the load, against instance A (the first)
and instance B (the second; with one instance, A again), on tenants and wallet accounts of
their own so that the soak's audit is not disturbed. Each check returns ``PASSED`` or says
what went wrong; the soak fails on anything but ``PASSED``.

- ``pre_authorized_code``: an offer made on A is served by B; its code redeemed on A is
  ``invalid_grant`` on B.
- ``c_nonce``: a ``c_nonce`` from B spent in a proof on A is ``invalid_nonce`` on B (with
  another offer's access token); the access token spent on A is refused on B.
- ``verify_nonce``: a presentation's nonce accepted by ``POST verify`` on A is
  ``nonce_replayed`` on B.
- ``tx_code``: wrong codes on A and B count against one limit (``TX_CODE_MAX_FAILURES``,
  5): 3 on A and 2 on B kill the offer; 2 and 2 leave it redeemable on B.
- ``request_answer``: a verifier request answered through A cannot be answered again
  through B, by the same wallet request or by another holder's wallet.
- ``revocation``: after a revocation made on A, B's status-list endpoint shows it at once, and
  a presentation verified by B is refused within the status list's ``ttl`` (plus the time a
  presentation takes); B's wallet shows the credential revoked as well.
- ``signin_throttle``: wrong passwords on A and B count against one limit
  (``THROTTLE_LIMIT_ACCOUNT``, 5), in turn and concurrently.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import httpx

from bench.issue import claims as base_claims
from core import jose
from core.standards import oid4vci, sd_jwt, status_list

if TYPE_CHECKING:
    from bench.soak import Setup

PASSED = "passed"
TIMEOUT = 60.0
CONFIGURATION = "skill_credential_sd_jwt"
TX_CODE_LIMIT = 5  # issuer.service.TX_CODE_MAX_FAILURES
SIGNIN_LIMIT = 5  # core.signin.THROTTLE_LIMIT_ACCOUNT
RACED_ROUNDS = 3  # rounds of SIGNIN_LIMIT concurrent wrong passwords
PRESENTATION_SLACK = 10.0  # seconds a presentation may take on a loaded machine, past the ttl


class CheckFailed(Exception):
    pass


def expect(response: httpx.Response, status: int, what: str, code: str | None = None) -> Any:
    """The JSON body of a response that must have ``status`` (and, when given, the OAuth
    ``error`` or problem ``code``)."""
    body: Any = None
    if response.content:
        try:
            body = response.json()
        except ValueError:
            body = None
    got = body.get("error") or body.get("code") if isinstance(body, dict) else None
    if response.status_code != status or (code is not None and got != code):
        wanted = f"{status} {code}" if code else str(status)
        raise CheckFailed(
            f"{what}: wanted {wanted}, got {response.status_code} {response.text[:300]}"
        )
    return body


class Checks:
    def __init__(self, locals_: list[str], public: str, setup: Setup, status_list_ttl: int) -> None:
        self.a = httpx.Client(base_url=locals_[0], timeout=TIMEOUT)
        self.b = httpx.Client(base_url=locals_[1 % len(locals_)], timeout=TIMEOUT)
        self.public = public
        self.s = setup
        self.ttl = status_list_ttl
        # Made by one check, used by the next: (access token spent on A, the SD-JWT VC, its
        # holder key); (wallet credential id, its issuer-side offer id) of the first holder.
        self.spent_token = ""
        self.issued: tuple[str, jose.PrivateKey] | None = None
        self.held: tuple[str, str] | None = None
        self.request_marker = ""

    def close(self) -> None:
        self.a.close()
        self.b.close()

    def path(self, url: str) -> str:
        if not url.startswith(self.public):
            raise CheckFailed(f"{url!r} is not on {self.public}")
        return url.removeprefix(self.public)

    # --- issuer helpers -------------------------------------------------------------------

    def offer(self, on: httpx.Client, *, tx_code: bool = False) -> dict[str, Any]:
        made = expect(
            on.post(
                f"/issuers/{self.s.issuer_slug}/admin/offers",
                headers=self.s.issuer_auth,
                json={
                    "claims": {**base_claims(), "given_name": f"X-{secrets.token_hex(4)}"},
                    "tx_code": tx_code,
                },
            ),
            201,
            "create an offer",
        )
        assert isinstance(made, dict)
        return made

    def code_of(self, on: httpx.Client, offer: dict[str, Any]) -> str:
        document = expect(
            on.get(self.path(offer["credential_offer_uri"])), 200, "fetch the offer document"
        )
        return str(document["grants"][oid4vci.PRE_AUTHORIZED_GRANT]["pre-authorized_code"])

    def token(self, on: httpx.Client, code: str, tx_code: str | None = None) -> httpx.Response:
        form = {"grant_type": oid4vci.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return on.post(f"/issuers/{self.s.issuer_slug}/token", data=form)

    def nonce(self, on: httpx.Client) -> str:
        body = expect(on.post(f"/issuers/{self.s.issuer_slug}/nonce"), 200, "nonce")
        return str(body["c_nonce"])

    def credential(
        self, on: httpx.Client, access_token: str, holder: jose.PrivateKey, nonce: str
    ) -> httpx.Response:
        proof = oid4vci.make_proof(
            holder, audience=self.s.issuer_id_url, nonce=nonce, iat=int(time.time())
        )
        return on.post(
            f"/issuers/{self.s.issuer_slug}/credential",
            headers={"Authorization": f"Bearer {access_token}"},
            json={"credential_configuration_id": CONFIGURATION, "proofs": {"jwt": [proof]}},
        )

    # --- the checks -----------------------------------------------------------------------

    def pre_authorized_code(self) -> None:
        offer = self.offer(self.a)
        code = self.code_of(self.b, offer)  # made on A, served by B
        body = expect(self.token(self.a, code), 200, "redeem the code on A")
        self.spent_token = str(body["access_token"])
        expect(self.token(self.b, code), 400, "the same code on B", "invalid_grant")
        expect(self.token(self.a, code), 400, "the same code on A again", "invalid_grant")

    def c_nonce(self) -> None:
        holder = jose.PrivateKey.generate()
        nonce = self.nonce(self.b)
        issued = expect(
            self.credential(self.a, self.spent_token, holder, nonce),
            200,
            "a credential on A with a c_nonce from B",
        )
        self.issued = (str(issued["credentials"][0]["credential"]), holder)
        other = self.offer(self.b)
        token = expect(self.token(self.b, self.code_of(self.a, other)), 200, "another offer's code")
        fresh = str(token["access_token"])
        expect(
            self.credential(self.b, fresh, holder, nonce),
            400,
            "the c_nonce used on A, again on B",
            "invalid_nonce",
        )
        replayed = self.credential(self.b, self.spent_token, holder, self.nonce(self.b))
        if replayed.status_code not in (400, 401):
            raise CheckFailed(
                "the access token spent on A was accepted on B: "
                f"{replayed.status_code} {replayed.text[:200]}"
            )

    def verify_nonce(self) -> None:
        assert self.issued is not None
        credential, holder = self.issued
        parts = sd_jwt.split(credential)
        jws = jose.parse(parts.issuer_jwt)
        processed = sd_jwt.process_disclosures(
            jws.payload, [sd_jwt.decode_disclosure(d) for d in parts.disclosures]
        )
        base = sd_jwt.present(
            sd_jwt.VerifiedSdJwt(parts, jws, processed.claims, processed.disclosed),
            [("given_name",), ("achievement_title",)],
        )
        nonce = secrets.token_urlsafe(16)
        body = {
            "presentation": sd_jwt.add_key_binding(
                base, holder, aud=self.s.verifier_client_id, nonce=nonce, iat=int(time.time())
            ),
            "nonce": nonce,
        }
        url = f"/verifiers/{self.s.verifier_slug}/verify"
        first = expect(
            self.a.post(url, headers=self.s.verifier_auth, json=body), 200, "POST verify on A"
        )
        if first.get("verdict") != "valid":
            raise CheckFailed(f"POST verify on A: verdict {first.get('verdict')!r}: {first}")
        again = self.b.post(url, headers=self.s.verifier_auth, json=body)
        text = again.text
        if again.status_code == 200 and '"verdict":"valid"' in text.replace(" ", ""):
            raise CheckFailed(f"the nonce accepted on A was accepted again on B: {text[:300]}")
        if "nonce_replayed" not in text:
            raise CheckFailed(
                f"the replay on B was not nonce_replayed: {again.status_code} {text[:300]}"
            )

    def tx_code(self) -> None:
        def wrong(right: str) -> str:
            return f"{(int(right) + 1) % 10 ** len(right):0{len(right)}d}"

        dead = self.offer(self.a, tx_code=True)
        code = self.code_of(self.a, dead)
        turns = [self.a, self.a, self.a, self.b, self.b]  # 3 on A, 2 on B
        assert len(turns) == TX_CODE_LIMIT
        for n, on in enumerate(turns, start=1):
            body = expect(
                self.token(on, code, wrong(dead["tx_code"])),
                400,
                f"wrong tx_code #{n}",
                "invalid_grant",
            )
            left = TX_CODE_LIMIT - n
            said = str(body.get("error_description", ""))
            if (f"{left} attempt(s) left" not in said) if left else ("void" not in said):
                raise CheckFailed(f"wrong tx_code #{n} of {TX_CODE_LIMIT}: told {said!r}")
        expect(
            self.token(self.a, code, dead["tx_code"]),
            400,
            "the right tx_code after 3 wrong on A and 2 on B",
            "invalid_grant",
        )
        alive = self.offer(self.b, tx_code=True)
        code = self.code_of(self.b, alive)
        for on in (self.a, self.b, self.a, self.b):
            expect(
                self.token(on, code, wrong(alive["tx_code"])), 400, "wrong tx_code", "invalid_grant"
            )
        expect(
            self.token(self.b, code, alive["tx_code"]),
            200,
            "the right tx_code after 2 wrong on A and 2 on B",
        )

    def receive(self, on: httpx.Client, holder: int) -> tuple[str, str]:
        """A credential for the setup's holder ``holder`` through the wallet on ``on``:
        (wallet credential id, issuer offer id)."""
        offer = self.offer(self.a if on is self.b else self.b)
        card = expect(
            on.post(
                "/wallet/offers",
                headers=self.s.holders[holder][1],
                json={"offer": offer["credential_offer"]},
            ),
            201,
            "the wallet redeems an offer",
        )
        return str(card["id"]), str(offer["offer_id"])

    def ask(self, on: httpx.Client) -> dict[str, Any]:
        body = expect(
            on.post(
                f"/verifiers/{self.s.verifier_slug}/requests",
                headers=self.s.verifier_auth,
                json={
                    "dcql_query": {
                        "credentials": [
                            {
                                "id": "skill",
                                "format": "dc+sd-jwt",
                                "meta": {"vct_values": [self.s.vct]},
                                "claims": [{"path": ["given_name"]}],
                            }
                        ]
                    },
                    "purpose": "Cross-instance check",
                },
            ),
            201,
            "create a verifier request",
        )
        assert isinstance(body, dict)
        return body

    def read(self, on: httpx.Client, holder: int, asked: dict[str, Any]) -> httpx.Response:
        return on.post(
            "/wallet/presentation-requests",
            headers=self.s.holders[holder][1],
            json={"request": asked["authorization_request"]},
        )

    def approve(
        self, on: httpx.Client, holder: int, view_id: str, credential_id: str
    ) -> httpx.Response:
        return on.post(
            f"/wallet/presentation-requests/{view_id}/approve",
            headers=self.s.holders[holder][1],
            json={
                "credentials": {"skill": {"credential_id": credential_id, "optional_claims": []}}
            },
        )

    def verifier_status(self, on: httpx.Client, asked: dict[str, Any]) -> dict[str, Any]:
        body = expect(
            on.get(self.path(asked["status_url"]), headers=self.s.verifier_auth),
            200,
            "the request's status",
        )
        assert isinstance(body, dict)
        return body

    def request_answer(self) -> None:
        first = self.receive(self.a, 0)
        second = self.receive(self.b, 1)
        self.held = first
        asked = self.ask(self.a)
        view = expect(self.read(self.b, 0, asked), 201, "holder 1 reads the request on B")
        expect(self.approve(self.a, 0, view["id"], first[0]), 200, "holder 1 answers on A")
        answered = self.verifier_status(self.b, asked)
        if answered.get("status") != "fulfilled":
            raise CheckFailed(f"the answered request is {answered.get('status')!r} on B")
        again = self.approve(self.b, 0, view["id"], first[0])
        if again.status_code < 400 or again.status_code >= 500:
            raise CheckFailed(
                f"holder 1 answered the same request again on B: {again.status_code} "
                f"{again.text[:300]}"
            )
        other = self.read(self.b, 1, asked)
        if other.status_code == 201:
            late = self.approve(self.a, 1, other.json()["id"], second[0])
            if late.status_code < 400 or late.status_code >= 500:
                raise CheckFailed(
                    "holder 2 answered a request already answered through A: "
                    f"{late.status_code} {late.text[:300]}"
                )
        elif other.status_code >= 500:
            raise CheckFailed(f"holder 2 reading the answered request: {other.status_code}")
        after = self.verifier_status(self.a, asked)
        if after.get("result") != answered.get("result") or after.get("status") != "fulfilled":
            raise CheckFailed(f"the answered request changed: {str(after)[:300]}")

    def revocation(self) -> str:
        assert self.held is not None
        wallet_id, offer_id = self.held
        listed = expect(
            self.b.get(
                f"/issuers/{self.s.issuer_slug}/admin/credentials",
                headers=self.s.issuer_auth,
                params={"limit": 100},
            ),
            200,
            "list issued credentials",
        )
        [row] = [c for c in listed["credentials"] if c["offer_id"] == offer_id]
        # A presentation verified by B before the revocation: B's status list cache is warm.
        self.present(valid=True)
        expect(
            self.a.post(
                f"/issuers/{self.s.issuer_slug}/admin/credentials/{row['id']}/revoke",
                headers=self.s.issuer_auth,
            ),
            200,
            "revoke on A",
        )
        revoked_at = time.monotonic()
        token = self.b.get(
            f"/issuers/{self.s.issuer_slug}/status-lists/{row['status_list']}",
            headers={"Accept": status_list.MEDIA_TYPE_STATUS_LIST_JWT},
        )
        if token.status_code != 200:
            raise CheckFailed(f"B's status list: {token.status_code} {token.text[:200]}")
        lst = status_list.decode_status_list(jose.parse(token.text.strip()).payload["status_list"])
        if lst.get(row["status_idx"]) != status_list.StatusValue.INVALID:
            raise CheckFailed("B's status list does not show the revocation made on A")
        deadline = revoked_at + self.ttl + PRESENTATION_SLACK
        while not self.present(valid=False):
            if time.monotonic() > deadline:
                raise CheckFailed(
                    f"B's verifier still accepts the credential {self.ttl} s (the ttl) "
                    f"+ {PRESENTATION_SLACK:g} s after its revocation on A"
                )
            time.sleep(1)
        seen = time.monotonic() - revoked_at
        while True:
            card = expect(
                self.b.get(f"/wallet/credentials/{wallet_id}", headers=self.s.holders[0][1]),
                200,
                "the wallet's card on B",
            )
            if card.get("status") == "INVALID":
                break
            if time.monotonic() > deadline:
                raise CheckFailed(f"B's wallet still shows {card.get('status')!r} past the ttl")
            time.sleep(1)
        return f"{PASSED} (B's verifier refused it {seen:.1f} s after, ttl {self.ttl} s)"

    def present(self, *, valid: bool) -> bool:
        """Holder 1 presents its credential: request on B, read on A, answer on B. True when
        the verdict is the one wanted (``valid``, or refused for the credential's status)."""
        assert self.held is not None
        asked = self.ask(self.b)
        view = expect(self.read(self.a, 0, asked), 201, "holder 1 reads a request on A")
        answered = self.approve(self.b, 0, view["id"], self.held[0])
        status = self.verifier_status(self.a, asked)
        result = str(status.get("result"))
        if valid:
            if answered.status_code != 200 or status.get("status") != "fulfilled":
                raise CheckFailed(f"a valid presentation was refused: {result[:300]}")
            return True
        if status.get("status") == "fulfilled" and "'valid'" in result:
            return False  # the cached list still says VALID
        if "credential_revoked" in str(status):
            return True
        raise CheckFailed(f"a presentation of the revoked credential ended {str(status)[:300]}")

    def signin_throttle(self) -> None:
        """Each part signs in from a loopback address of its own (the wallet also counts
        failures per client address, 20 to a lock), so the parts cannot lock each other out."""
        password = secrets.token_urlsafe(18)

        def account() -> str:
            name = f"throttle-{secrets.token_hex(4)}@example.se"
            expect(
                self.a.post("/wallet/accounts", json={"username": name, "password": password}),
                201,
                "create an account",
            )
            return name

        def from_address() -> tuple[httpx.Client, httpx.Client]:
            octets = (
                secrets.randbelow(250) + 2,
                secrets.randbelow(256),
                secrets.randbelow(254) + 1,
            )
            address = "127." + ".".join(map(str, octets))

            def client(base_url: str) -> httpx.Client:
                transport = httpx.HTTPTransport(local_address=address)
                return httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=transport)

            return client(str(self.a.base_url)), client(str(self.b.base_url))

        def sign_in(on: httpx.Client, name: str, pw: str) -> httpx.Response:
            return on.post("/wallet/sessions", json={"username": name, "password": pw})

        a, b = from_address()
        try:
            locked = account()
            for on in (a, a, a, b, b):
                expect(sign_in(on, locked, "wrong-" + password), 401, "a wrong password")
            for on, where in ((a, "A"), (b, "B")):
                expect(
                    sign_in(on, locked, password),
                    429,
                    f"the right password on {where} after 3 wrong on A and 2 on B",
                    "too_many_signin_attempts",
                )
            control = account()
            for on in (a, b, a, b):
                expect(sign_in(on, control, "wrong-" + password), 401, "a wrong password")
            expect(sign_in(b, control, password), 201, "the right password after 4 wrong")
        finally:
            a.close()
            b.close()

        for round_ in range(1, RACED_ROUNDS + 1):
            raced = account()
            a, b = from_address()
            # Exactly the limit, at once: 3 through A and 2 through B.
            turns = (a, b, a, b, a)
            assert len(turns) == SIGNIN_LIMIT
            wrong = "wrong-" + password
            try:
                with ThreadPoolExecutor(len(turns)) as pool:
                    answers = [
                        r.status_code
                        for r in pool.map(
                            sign_in, turns, [raced] * len(turns), [wrong] * len(turns)
                        )
                    ]
                final = sign_in(a, raced, password)
            finally:
                a.close()
                b.close()
            if any(code != 401 for code in answers):
                raise CheckFailed(f"round {round_}: concurrent wrong passwords answered {answers}")
            if final.status_code != 429:
                raise CheckFailed(
                    f"round {round_}: {SIGNIN_LIMIT} concurrent wrong passwords (3 on A, 2 on "
                    f"B; the limit is {SIGNIN_LIMIT}) did not lock the account: the right "
                    f"password then got {final.status_code}, so failures counted at the same "
                    "time were lost"
                )


def run_all(locals_: list[str], public: str, setup: Setup, status_list_ttl: int) -> dict[str, str]:
    """Every check, in order (later ones use what earlier ones made); name → outcome."""
    checks = Checks(locals_, public, setup, status_list_ttl)
    steps: list[tuple[str, Callable[[], str | None]]] = [
        ("pre_authorized_code", checks.pre_authorized_code),
        ("c_nonce", checks.c_nonce),
        ("verify_nonce", checks.verify_nonce),
        ("tx_code", checks.tx_code),
        ("request_answer", checks.request_answer),
        ("revocation", checks.revocation),
        ("signin_throttle", checks.signin_throttle),
    ]
    outcomes: dict[str, str] = {}
    try:
        for name, check in steps:
            try:
                outcomes[name] = check() or PASSED
            except CheckFailed as exc:
                outcomes[name] = f"FAILED: {exc}"
            except (httpx.HTTPError, KeyError, ValueError, TypeError, AssertionError) as exc:
                outcomes[name] = f"FAILED: {type(exc).__name__}: {exc}"
    finally:
        checks.close()
    return outcomes
