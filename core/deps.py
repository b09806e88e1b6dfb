"""``Annotated`` dependencies that every role's routes share (STYLE habit 9).

The ``Runtime`` is built once by ``create_app`` and kept on ``app.state``; each request gets a
session of its own. What names a tenant, holder or service is the role's own (``issuer/deps.py``,
``wallet/deps.py``, ``verifier/routes/deps.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlmodel import Session

from core.auth import require_admin
from core.db import session_scope
from core.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:  # async: no thread hand-off
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    """Closed in a worker thread, not on the event loop: on SQLite a session that began a
    transaction holds the writer lock until it closes, and nothing on the loop may wait for
    that lock (docs/architecture.md, "Where requests run")."""
    with session_scope(rt.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Slug = Annotated[str, Path(max_length=64)]
Authorization = Annotated[str | None, Header()]


def service_admin(rt: RuntimeDep, authorization: Authorization = None) -> None:
    require_admin(rt, authorization)


ServiceAdmin = Depends(service_admin)
