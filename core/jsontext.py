"""JSON text from outside, parsed within bounds: one parser for every JSON document that the
service reads from another party (fetched documents, JWT payloads), with the size bound of
request bodies.

``json.loads`` recurses once per level of nesting. A document nested thousands of levels deep
raises ``RecursionError``, which escapes every ``except ValueError`` as a 500; one nested a few
hundred levels deep parses, and then breaks whatever walks it next (a copy, ``json.dumps``, a
schema check). So the size is bounded before parsing and the nesting right after, and every
failure is a ``JsonRejected`` (a ``ValueError``) with a message that quotes nothing of the
input. No document Intyg reads nests anywhere near ``MAX_DEPTH``.
"""

from __future__ import annotations

import json
from typing import Final

#: The bound of request bodies (``core.web``) and of fetched documents (``core.http``) alike.
MAX_BYTES: Final = 1024 * 1024
#: Levels of arrays and objects; SD-JWT claims are held to 32 (``core.standards.sd_jwt``).
MAX_DEPTH: Final = 64


def refuse_constant(_name: str) -> object:
    """``parse_constant`` hook: ``NaN`` and ``Infinity`` are not JSON (RFC 8259 §6)."""
    raise JsonRejected("a number that is not finite is not JSON")


_PLAIN = json.JSONDecoder(parse_constant=refuse_constant)


class JsonRejected(ValueError):
    """Not JSON, or JSON past the bounds. The message never quotes the input."""


def loads(
    text: str | bytes,
    *,
    decoder: json.JSONDecoder = _PLAIN,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> object:
    """Parse UTF-8 JSON ``text`` of at most ``max_bytes`` nested at most ``max_depth`` deep.

    ``decoder`` carries the caller's hooks (e.g. refusing duplicate member names); an exception
    a hook raises that is not a ``ValueError`` passes through unchanged."""
    if len(text) > max_bytes:
        raise JsonRejected(f"it is larger than {max_bytes} bytes")
    try:
        # UTF-8 only: json.loads(bytes) would also accept UTF-16/32 and a byte-order mark.
        value = decoder.decode(text.decode("utf-8") if isinstance(text, bytes) else text)
    except RecursionError:
        raise JsonRejected(f"it is nested deeper than {max_depth} levels") from None
    except UnicodeDecodeError:
        raise JsonRejected("it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:  # where it broke, in words; its message quotes nothing
        raise JsonRejected(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except JsonRejected:  # from a hook (refuse_constant): its message says why
        raise
    except ValueError:  # an integer past Python's digit limit (sys.set_int_max_str_digits)
        raise JsonRejected("it holds a value that cannot be read as JSON") from None
    check_depth(value, max_depth)
    return value


def check_depth(value: object, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a value whose arrays and objects nest deeper than ``max_depth`` (a loop, not a
    recursion: the check must not fail the way it guards against)."""
    if not isinstance(value, dict | list):
        return
    pending: list[tuple[dict[object, object] | list[object], int]] = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if depth >= max_depth:
            raise JsonRejected(f"it is nested deeper than {max_depth} levels")
        children = node.values() if isinstance(node, dict) else node
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
