"""The one way Intyg makes outbound HTTP requests (STYLE habit 10).

Every fetch of a remote party's document (issuer metadata, offers, request objects, status
lists, trust lists) goes through ``fetch_json``/``fetch_text`` with a client from an
``HttpClientFactory``. The default factory sets timeouts, refuses redirects, caps response
sizes and guards against SSRF: a URL whose host resolves to a loopback, link-local, private
or otherwise non-public address is refused unless its host is on the allow-list (the demo
and tests allow ``localhost``). Tests pass a factory that routes to in-process apps.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import httpx

from core import jsontext
from core.config import is_loopback_host
from core.errors import Forbidden, UpstreamError

MAX_RESPONSE_BYTES = jsontext.MAX_BYTES  # what the service accepts, it also fetches
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: The whole exchange (connect, headers, body) of one fetch; ``INTYG_FETCH_TIMEOUT_SECONDS``.
DEADLINE_SECONDS = 10.0

HttpClientFactory = Callable[[], httpx.Client]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlNotAllowed(Forbidden):
    code = "url_not_allowed"
    title = "The URL may not be fetched"


class FetchFailed(UpstreamError):
    code = "fetch_failed"
    title = "A remote document could not be fetched"


@dataclass(frozen=True)
class FetchPolicy:
    """Which URLs may be fetched: https, or http to an allow-listed loopback host in
    development; and never a non-public address unless its host is allow-listed."""

    development: bool
    allowed_hosts: frozenset[str] = frozenset()

    def check(self, url: str) -> list[Address]:
        """Refuse ``url`` unless it may be fetched; return the vetted addresses to connect to,
        none for an allow-listed host (which is connected to by name)."""
        # Control characters and spaces: urlsplit silently drops CR, LF and TAB while httpx
        # refuses or re-encodes them, so the URL checked would not be the URL fetched (and a
        # CR/LF is a header-injection attempt). Refused before anything else looks at the URL.
        if not isinstance(url, str) or any(c <= " " or c == "\x7f" for c in url):
            raise UrlNotAllowed("the URL contains spaces or control characters")
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            _ = parts.port  # raises ValueError when out of range
        except ValueError:  # an unbalanced "[" in the host, a port past 65535
            raise UrlNotAllowed("the URL is not well-formed") from None
        if not host or parts.username or parts.password:
            raise UrlNotAllowed("the URL has no host, or carries credentials")
        if parts.scheme == "http":
            if not (self.development and is_loopback_host(host)):
                raise UrlNotAllowed("plain http is allowed only for loopback in development")
        elif parts.scheme != "https":
            raise UrlNotAllowed("only https URLs are fetched")
        if host in self.allowed_hosts:
            return []
        if is_loopback_host(host):  # e.g. foo.localhost (RFC 6761), whatever DNS says of it
            raise UrlNotAllowed(f"{host} is a loopback host")
        addresses = _resolve(host)
        for address in addresses:
            if not address.is_global:
                raise UrlNotAllowed(f"{host} resolves to a non-public address")
        return addresses


def _resolve(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        raise FetchFailed(f"{host} does not resolve") from None
    if not infos:
        raise FetchFailed(f"{host} does not resolve")
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def _pinned(url: str, address: Address | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """``url`` aimed at the vetted ``address``: httpx would resolve the name again, and a
    second DNS answer (rebinding) could then point at an internal address. The Host header
    and the TLS server name (SNI and certificate check) keep the original name. Returns the
    URL, extra headers and httpx request extensions."""
    parts = urlsplit(url)
    if address is None or str(address) == parts.hostname:  # allow-listed, or a literal
        return url, {}, {}
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    return (
        urlunsplit(parts._replace(netloc=netloc)),
        {"Host": parts.netloc},
        {"sni_hostname": parts.hostname or ""},
    )


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one loads the CA bundle (about 20 ms and a
    lasting share of memory each time), and a context is safe to share between threads."""
    return httpx.create_ssl_context()


class _Deadline:
    """One fetch's whole exchange within ``seconds``. httpx's timeouts bound each read, so a
    server that drips its headers or its body a byte at a time never trips them. At the
    deadline a watchdog shuts the socket down, which wakes a read blocked on it (the socket
    comes from httpcore's ``trace`` extension, as soon as it is connected); the body loop
    also checks the clock between chunks, for transports that have no socket."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(seconds, self._expire)
        self._watchdog.daemon = True

    def __enter__(self) -> _Deadline:
        self._watchdog.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._watchdog.cancel()
        with self._lock:
            self._socket = None  # the exchange is over: nothing left to interrupt

    def timeout(self) -> httpx.Timeout:
        """httpx's per-step timeouts, none of them past the deadline."""
        left = max(self.ends - time.monotonic(), 0.001)
        return httpx.Timeout(
            min(TIMEOUT.read or left, left), connect=min(TIMEOUT.connect or left, left)
        )

    def check(self) -> None:
        if time.monotonic() >= self.ends:
            self.expired = True
            raise httpx.ReadTimeout("the deadline has passed")

    def trace(self, event: str, info: Mapping[str, object]) -> None:
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if get_extra_info is not None else None
        with self._lock:
            self._socket = sock if isinstance(sock, socket.socket) else None
            if self.expired:
                self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            # An OSError: the socket is already closed, the exchange ended as the watchdog fired.
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)


def default_client_factory() -> httpx.Client:
    return httpx.Client(
        verify=_tls_context(),
        timeout=TIMEOUT,
        follow_redirects=False,
        headers={"User-Agent": "Intyg/0.1"},
        limits=httpx.Limits(max_connections=20),
    )


@dataclass(frozen=True)
class Fetcher:
    """Outbound requests under a policy, with a client from the factory."""

    policy: FetchPolicy
    client_factory: HttpClientFactory = default_client_factory
    deadline_seconds: float = DEADLINE_SECONDS

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        addresses: list[Address | None] = [*self.policy.check(url)] or [None]
        with _Deadline(self.deadline_seconds) as deadline:
            try:
                for address in addresses[:-1]:
                    try:
                        return self._send(method, url, address, data, json_body, headers, deadline)
                    except (httpx.ConnectError, httpx.ConnectTimeout):
                        deadline.check()
                        continue  # as a resolver would: the name's next address
                return self._send(method, url, addresses[-1], data, json_body, headers, deadline)
            except httpx.InvalidURL:  # not an HTTPError: it would escape as a 500
                raise UrlNotAllowed("the URL is not well-formed") from None
            except httpx.HTTPError as exc:
                if deadline.expired:
                    raise FetchFailed(
                        f"{_origin(url)} did not answer within {deadline.seconds:g} s"
                    ) from None
                raise FetchFailed(f"{_origin(url)} did not answer ({type(exc).__name__})") from None

    def _send(
        self,
        method: str,
        url: str,
        address: Address | None,
        data: Mapping[str, str] | None,
        json_body: object,
        headers: Mapping[str, str] | None,
        deadline: _Deadline,
    ) -> httpx.Response:
        target, pinned_headers, extensions = _pinned(url, address)
        with (
            self.client_factory() as client,
            client.stream(
                method,
                target,
                data=data,
                json=json_body,
                headers={**(headers or {}), **pinned_headers},
                timeout=deadline.timeout(),
                extensions={**extensions, "trace": deadline.trace},
            ) as response,
        ):
            body = bytearray()
            for chunk in response.iter_bytes():
                deadline.check()
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise FetchFailed(f"the response from {_origin(url)} is too large")
            return httpx.Response(
                response.status_code, headers=response.headers, content=bytes(body)
            )

    def get_json(self, url: str, headers: Mapping[str, str] | None = None) -> object:
        response = self.request("GET", url, headers=headers)
        if response.status_code != 200:
            raise FetchFailed(f"{_origin(url)} answered {response.status_code}")
        try:
            return jsontext.loads(response.content)
        except jsontext.JsonRejected as exc:
            raise FetchFailed(f"{_origin(url)} did not answer with usable JSON: {exc}") from None

    def get_text(self, url: str, headers: Mapping[str, str] | None = None) -> str:
        response = self.request("GET", url, headers=headers)
        if response.status_code != 200:
            raise FetchFailed(f"{_origin(url)} answered {response.status_code}")
        try:
            return response.content.decode("utf-8")
        except UnicodeDecodeError:
            raise FetchFailed(f"{_origin(url)} did not answer with UTF-8 text") from None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
