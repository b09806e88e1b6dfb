"""A round-robin TCP load balancer for the soak: each new connection goes to the next backend.

    .venv/bin/python bench/balancer.py --port PORT 127.0.0.1:8001 127.0.0.1:8002 …

It stands for the load balancer in front of N ``intyg serve`` instances that share one
``INTYG_PUBLIC_URL``: every instance calls itself and the other roles through that URL (the
wallet fetching an offer, posting to a verifier's ``response_uri``; the verifier fetching
issuer keys and status lists), and Intyg's outbound fetches open a new connection each, so
those calls alternate between instances. No stickiness, no HTTP parsing: bytes are copied
both ways until each side has closed. Prints ``listening <port>`` once it accepts
connections, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
from contextlib import suppress

CHUNK = 65_536


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until EOF, then pass the EOF on (a half-close), so the other direction finishes."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.transport.abort()


async def serve(port: int, backends: list[tuple[str, int]]) -> None:
    turn = itertools.cycle(backends)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        host, backend_port = next(turn)
        try:
            backend_r, backend_w = await asyncio.open_connection(host, backend_port)
        except OSError:
            client_w.transport.abort()  # the client sees a reset, as from a dead backend
            return
        try:
            await asyncio.gather(_copy(client_r, backend_w), _copy(backend_r, client_w))
        finally:
            for writer in (backend_w, client_w):
                writer.close()
                with suppress(ConnectionError, OSError):
                    await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        print(f"listening {port}", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("backends", nargs="+", help="host:port of each instance")
    args = parser.parse_args()
    backends = []
    for backend in args.backends:
        host, _, port = backend.rpartition(":")
        backends.append((host, int(port)))
    asyncio.run(serve(args.port, backends))


if __name__ == "__main__":
    main()
