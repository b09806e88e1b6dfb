"""Logging that keeps secrets out: access-log paths are redacted where a path segment is a
bearer secret (an offer reference carries a pre-authorized code; a request object id lets its
holder answer), and query strings are never logged.

Intyg itself logs only codes and class names (``core.web``); this covers the server's access
log, which would otherwise print every URL in full.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_SEGMENTS = re.compile(
    r"(/offers/|/request-objects/|/responses/|/grants/|/presentation-requests/)[^/\s?\"]+"
)
_QUERY = re.compile(r"\?[^\s\"]*")


def redact_path(text: str) -> str:
    return _QUERY.sub("?[redacted]", _SECRET_SEGMENTS.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    """Rewrites the access log's request line before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the redacting filter on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "core.logs.RedactingFilter"}}
    handlers = {name: dict(handler) for name, handler in LOGGING_CONFIG["handlers"].items()}
    handlers["access"]["filters"] = ["redact"]
    config["handlers"] = handlers
    return config
