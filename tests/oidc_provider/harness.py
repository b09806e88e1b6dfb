"""Start the real OpenID Connect provider of ``provider.mjs`` (npm ``oidc-provider``) and sign
a test user in at it the way a browser would.

``start(clients, users)`` runs ``node provider.mjs`` on a free loopback port and waits until
its discovery document answers; ``Provider.login`` follows the authorization request's
redirects through the package's own login and consent forms (devInteractions) and returns the
query parameters of the final redirect to the client's ``redirect_uri``. No node, no packages
or a provider that does not come up fails the test with a message naming the setup script:
never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest

from tests.helpers import stop_process

HERE = Path(__file__).resolve().parent
SETUP = "scripts/ensure-node.sh (./run-tests sources it: apt-get nodejs npm, then npm ci)"
START_SECONDS = 30  # node and the package load in about a second; the machine may be loaded
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_PROMPT = re.compile(r'name="prompt" value="(login|consent)"')


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail(f"no node on PATH: the eID tests need Debian's nodejs; run {SETUP}")
    if not (HERE / "node_modules" / "oidc-provider" / "package.json").is_file():
        pytest.fail(f"no {HERE / 'node_modules'}: install the pinned npm packages with {SETUP}")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def login(self, authorization_url: str, account: str) -> dict[str, str]:
        """Sign ``account`` in and consent; the parameters the provider redirects back with."""
        with httpx.Client(timeout=30) as browser:
            url = authorization_url
            for _ in range(12):  # authorize → login → resume → consent → resume → redirect
                response = browser.get(url)
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    if not url.startswith(self.issuer):
                        return dict(parse_qsl(urlsplit(url).query))
                    continue
                assert response.status_code == 200, response.text[:2000]
                action, prompt = _FORM_ACTION.search(response.text), _PROMPT.search(response.text)
                assert action and prompt, f"no login or consent form:\n{response.text[:2000]}"
                form = {"prompt": prompt[1]}
                if prompt[1] == "login":
                    form |= {"login": account, "password": "any"}
                submitted = browser.post(urljoin(url, action[1]), data=form)
                assert submitted.is_redirect, submitted.text[:2000]
                url = urljoin(url, submitted.headers["location"])
                if not url.startswith(self.issuer):
                    return dict(parse_qsl(urlsplit(url).query))
        raise AssertionError("the provider never redirected back to the client")


@contextmanager
def start(
    clients: list[Mapping[str, object]], users: Mapping[str, Mapping[str, object]]
) -> Iterator[Provider]:
    """The provider, serving ``clients`` (OAuth client metadata, RFC 7591 names) and
    ``users`` (account id → claims), until the block ends."""
    port = free_port()
    config = {"port": port, "clients": clients, "users": users}
    # Its warnings go to a file, not a pipe that nobody reads and that could fill up.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [node_binary(), str(HERE / "provider.mjs")],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        assert process.stdin is not None
        process.stdin.write(json.dumps(config))
        process.stdin.close()
        provider = Provider(f"http://127.0.0.1:{port}")
        try:
            _wait_until_ready(process, provider, log)
            yield provider
        finally:
            stop_process(process)


def _wait_until_ready(process: subprocess.Popen[str], provider: Provider, log: IO[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"provider.mjs exited with {process.returncode} ({SETUP}):\n{log.read()}")
        try:
            if httpx.get(provider.discovery_url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"provider.mjs did not answer within {START_SECONDS} s")
