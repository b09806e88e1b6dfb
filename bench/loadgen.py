"""A small HTTP/1.1 load generator for the benchmarks: keep-alive connections on asyncio.

The benchmarks run the load generator on the same two cores as the server, so its own cost
is part of what they measure. A general-purpose client (httpx in threads) spends more CPU per
request than the server's hot paths do; this one writes prepared request bytes and reads
``Content-Length`` responses, about a tenth of that. It speaks only what ``intyg serve``
answers (HTTP/1.1, keep-alive, ``Content-Length`` bodies).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


def request_bytes(
    host: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A request as bytes (``host`` as ``name:port``), to prepare ahead of the measured part."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection; requests on it run one after another."""

    def __init__(self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._host = host
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, base_url: str) -> Connection:
        parts = urlsplit(base_url)
        assert parts.hostname and parts.port
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(f"{parts.hostname}:{parts.port}", reader, writer)

    async def send(self, request: bytes) -> Response:
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding":
                raise RuntimeError("chunked responses are not supported by the load generator")
        return Response(status, await self._reader.readexactly(length) if length else b"")

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Response:
        request = request_bytes(
            self._host, method, path, body, content_type=content_type, headers=headers
        )
        return await self.send(request)

    def close(self) -> None:
        self._writer.close()


async def _drive(
    base_url: str,
    connections: int,
    seconds: float,
    unit: Callable[[Connection], Awaitable[int]],
) -> float:
    opened = [await Connection.open(base_url) for _ in range(connections)]
    done = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def loop(connection: Connection) -> None:
        nonlocal done
        while True:
            completed = await unit(connection)  # not `done += await …`: that reads `done`
            done += completed  # before the await, and loses what other loops added meanwhile
            if time.perf_counter() >= deadline:
                break

    try:
        await asyncio.gather(*(loop(c) for c in opened))
    finally:
        for connection in opened:
            connection.close()
    return done / (time.perf_counter() - start)


def run(
    base_url: str,
    seconds: float,
    unit: Callable[[Connection], Awaitable[int]],
    *,
    connections: int = 32,
) -> float:
    """Items per second: ``connections`` loops each awaiting ``unit`` (which returns how many
    items one call completed) until ``seconds`` have passed (each at least once)."""
    return asyncio.run(_drive(base_url, connections, seconds, unit))
