"""A remote server that drips its answer a byte at a time: every outbound fetch has a deadline
for its whole exchange (``INTYG_FETCH_TIMEOUT_SECONDS``), however slowly the bytes come
(issue 10). httpx's own timeouts bound each read, and a drip never trips them.

The servers are real sockets on 127.0.0.1, in a thread: one drips the header block, one sends
the headers and drips the body. Each gives up after ``DRIP_SECONDS``, so that without the
deadline a fetch would take that long, not forever.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.http import Fetcher, FetchFailed, FetchPolicy
from core.runtime import Runtime
from intyg.app import create_app
from tests.wallet.conftest import sign_up_and_in

DEADLINE = 1.0
DRIP_SECONDS = 6.0
HEADER_DRIP = (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 10_000)
BODY_DRIP = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
    b" " * 100_000,
)


@contextmanager
def dripping_server(first: bytes, drip: bytes) -> Iterator[str]:
    """Serves ``first`` at once, then ``drip`` one byte every 50 ms, to each connection."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    stop = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)  # the request
            connection.sendall(first)
            ends = time.monotonic() + DRIP_SECONDS
            for byte in drip:
                if stop.is_set() or time.monotonic() > ends:
                    return
                connection.sendall(bytes([byte]))
                time.sleep(0.05)

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(DRIP_SECONDS)
            with contextlib.suppress(OSError):  # the client hung up: what the deadline is for
                answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def loopback_fetcher(deadline: float = DEADLINE) -> Fetcher:
    policy = FetchPolicy(development=True, allowed_hosts=frozenset({"127.0.0.1"}))
    return Fetcher(policy, deadline_seconds=deadline)


@pytest.mark.parametrize("drip", [HEADER_DRIP, BODY_DRIP], ids=["headers", "body"])
def test_a_dripping_server_is_cut_off_at_the_deadline(drip: tuple[bytes, bytes]) -> None:
    with dripping_server(*drip) as url:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match=r"did not answer within 1 s") as failed:
            loopback_fetcher().get_json(f"{url}/metadata")
        elapsed = time.monotonic() - started
    assert failed.value.code == "fetch_failed"
    assert DEADLINE * 0.9 <= elapsed < DEADLINE + 1.0, elapsed


def test_a_prompt_server_is_answered_in_full() -> None:
    body = b'{"ok": true}'
    first = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with dripping_server(first, b"") as url:
        assert loopback_fetcher().get_json(f"{url}/metadata") == {"ok": True}


def test_the_deadline_is_a_setting(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
    monkeypatch.setenv("INTYG_FETCH_TIMEOUT_SECONDS", "2.5")
    settings = Settings()
    assert settings.fetch_timeout_seconds == 2.5
    assert dataclasses.replace(runtime, settings=settings).fetcher.deadline_seconds == 2.5
    monkeypatch.delenv("INTYG_FETCH_TIMEOUT_SECONDS")
    assert dataclasses.replace(runtime, settings=Settings()).fetcher.deadline_seconds == 10.0


def test_the_wallet_receiving_an_offer_from_a_dripping_server_fails_at_the_deadline(
    runtime: Runtime,
) -> None:
    """End to end: ``POST /wallet/offers`` with a ``credential_offer_uri`` on a server that
    drips its headers; the app fetches over real sockets with a deadline of 1 s."""
    settings = runtime.settings.model_copy(update={"fetch_timeout_seconds": DEADLINE})
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
    with TestClient(app, base_url="http://localhost:8000") as client:
        holder = sign_up_and_in(client)
        with dripping_server(*HEADER_DRIP) as url:
            link = "openid-credential-offer://?credential_offer_uri=" + quote(
                f"{url}/offers/1", safe=""
            )
            started = time.monotonic()
            answer = client.post("/wallet/offers", json={"offer": link}, headers=holder)
            elapsed = time.monotonic() - started
    assert (answer.status_code, answer.json()["code"]) == (502, "fetch_failed"), answer.text
    assert "within 1 s" in answer.json()["detail"]
    assert elapsed < DEADLINE + 1.0, elapsed
