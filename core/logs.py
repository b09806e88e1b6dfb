"""Logging that keeps secrets out: access-log paths are redacted where a path segment is a
bearer secret (an offer reference carries a pre-authorized code; a request object id lets its
holder answer, and the verifier's status URL carries the same id), and query strings are never
logged.

Intyg itself logs only codes and class names (``core.web``); this covers the server's access
log, which would otherwise print every URL in full.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_SEGMENTS = re.compile(
    r"(/offers/|/request-objects/|/requests/|/responses/|/grants/|/presentation-requests/)"
    r"[^/\s?\"]+"
)
_QUERY = re.compile(r"\?[^\s\"]*")


def redact_path(text: str) -> str:
    return _QUERY.sub("?[redacted]", _SECRET_SEGMENTS.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    """Rewrites the access log's request line (and httpx's, whose URL argument is an
    ``httpx.URL``, not a string) before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        return True


def _redacted_arg(arg: object) -> object:
    if isinstance(arg, str) or type(arg).__name__ == "URL":
        return redact_path(str(arg))
    return arg


# Loggers that print request URLs: the server's access log, and httpx, which logs every
# outbound request (the wallet fetching an offer or a request object) at INFO.
URL_LOGGERS = ("uvicorn.access", "httpx")


# SQLAlchemy's engine logs statements at INFO and result rows (hashes, sealed blobs, bearer
# ids) at DEBUG. A root logger at DEBUG must not switch that on; an operator who wants SQL
# logs sets this logger's level explicitly (parameters stay hidden: ``core.db``).
SQL_LOGGER = "sqlalchemy.engine"


def install_redaction() -> None:
    """Put the redacting filter on the loggers that print URLs, whatever handlers the
    operator configures, and keep SQL out of logs unless asked for by name (idempotent)."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    sql = logging.getLogger(SQL_LOGGER)
    if sql.level == logging.NOTSET:
        sql.setLevel(logging.WARNING)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with the redacting filter on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "core.logs.RedactingFilter"}}
    handlers = {name: dict(handler) for name, handler in LOGGING_CONFIG["handlers"].items()}
    handlers["access"]["filters"] = ["redact"]
    config["handlers"] = handlers
    return config
