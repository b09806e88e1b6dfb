"""Request input that the framework reads before any handler, at every operation of the served
OpenAPI document: integers out of range (a 500 from the database before), and JSON bodies that
are malformed, empty, not an object or not JSON at all. Each is a clear 4xx problem, and
nothing is written.

OAuth-family endpoints read their own bodies (form-encoded, or JSON at the credential
endpoint) and keep their ``{"error", "error_description"}`` answers; they declare no request
body in the document, so the walks below pass them by.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from .operations import DOCUMENT, role_of, url_of
from .support import assert_nothing_written, row_counts

PROBLEM_JSON = "application/problem+json"

# --- integer parameters are bounded ---------------------------------------------------------

OUT_OF_RANGE = {"2**63": str(2**63), "33-digits": "9" * 33}


def _integer_schema(schema: dict[str, object]) -> dict[str, object] | None:
    """The integer branch of a parameter's schema (``int | None`` is an ``anyOf``)."""
    branches = schema.get("anyOf", [schema])
    assert isinstance(branches, list)
    return next((b for b in branches if b.get("type") == "integer"), None)


def integer_parameters() -> list[tuple[str, str, dict[str, object], dict[str, object]]]:
    """(method, path, parameter, its integer schema) of every query and path parameter."""
    found = []
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                integer = _integer_schema(parameter["schema"])
                if integer is not None and parameter["in"] in ("query", "path"):
                    found.append((method.upper(), path, parameter, integer))
    return found


INTEGER_PARAMETERS = integer_parameters()


def json_body_operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


JSON_BODY_OPERATIONS = json_body_operations()


def _request_body_schemas() -> list[tuple[str, object]]:
    """Every schema reachable from a request body, by its place in the document."""
    components = DOCUMENT["components"]["schemas"]
    todo: list[tuple[str, object]] = [
        (f"{method.upper()} {path}", operation["requestBody"])
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    seen: set[str] = set()
    found = []
    while todo:
        where, node = todo.pop()
        found.append((where, node))
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                name = ref.rsplit("/", 1)[-1]
                todo.append((name, components[name]))
            todo.extend((f"{where}.{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            todo.extend((f"{where}[{i}]", v) for i, v in enumerate(node))
    return found


def test_every_integer_parameter_and_body_field_declares_its_range() -> None:
    """A number past the database's integer column is a 500 on SQLite and PostgreSQL alike,
    so every integer a client sends has a declared minimum and maximum."""
    unbounded = [
        f"{method} {path} {parameter['in']} {parameter['name']}"
        for method, path, parameter, integer in INTEGER_PARAMETERS
        if "minimum" not in integer or "maximum" not in integer
    ]
    unbounded += [
        where
        for where, node in _request_body_schemas()
        if isinstance(node, dict)
        and node.get("type") == "integer"
        and ("minimum" not in node or "maximum" not in node)
    ]
    assert INTEGER_PARAMETERS, "the walk found no integer parameter at all"
    assert not unbounded, f"integers without a declared range: {unbounded}"


def _call_with(
    client: TestClient,
    credentials: dict[str, dict[str, str]],
    method: str,
    path: str,
    parameter: dict[str, object],
    value: str,
) -> int:
    name = str(parameter["name"])
    url = url_of(path, **({name: value} if parameter["in"] == "path" else {}))
    params = {name: value} if parameter["in"] == "query" else None
    role = role_of(method, path)
    headers = credentials[role] if role else {}
    return client.request(method, url, params=params, headers=headers).status_code


@pytest.mark.parametrize("value", OUT_OF_RANGE.values(), ids=list(OUT_OF_RANGE))
def test_integer_parameters_out_of_range_are_422(
    client: TestClient, credentials: dict[str, dict[str, str]], value: str
) -> None:
    answers = {
        f"{method} {path} {parameter['name']}": _call_with(
            client, credentials, method, path, parameter, value
        )
        for method, path, parameter, _ in INTEGER_PARAMETERS
    }
    assert answers and set(answers.values()) == {422}, answers


def test_integer_parameters_at_their_bounds_are_no_server_error(
    client: TestClient, credentials: dict[str, dict[str, str]]
) -> None:
    """The declared range is one the database can take: its ends are answered, not a 500."""
    answers = {
        f"{method} {path} {parameter['name']}={integer[end]}": _call_with(
            client, credentials, method, path, parameter, str(integer[end])
        )
        for method, path, parameter, integer in INTEGER_PARAMETERS
        for end in ("minimum", "maximum")
        if end in integer
    }
    assert answers and all(status < 500 for status in answers.values()), answers


# --- JSON bodies -----------------------------------------------------------------------------


def _post_each(
    client: TestClient,
    credentials: dict[str, dict[str, str]],
    body: bytes,
    content_type: str | None = "application/json",
) -> dict[str, tuple[int, dict[str, object]]]:
    """Each JSON-body operation called with ``body``: its status and problem document."""
    answers = {}
    for method, path in JSON_BODY_OPERATIONS:
        role = role_of(method, path)
        headers = dict(credentials[role]) if role else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = client.request(method, url_of(path), content=body, headers=headers)
        assert answer.headers["content-type"] == PROBLEM_JSON, (method, path, answer.text)
        answers[f"{method} {path}"] = (answer.status_code, answer.json())
    assert answers, "the walk found no operation with a JSON body"
    return answers


def _codes(answers: dict[str, tuple[int, dict[str, object]]]) -> set[tuple[int, object]]:
    return {(status, problem["code"]) for status, problem in answers.values()}


def test_malformed_json_is_400_invalid_json_with_the_position_in_words(
    client: TestClient, credentials: dict[str, dict[str, str]], engine: Engine
) -> None:
    before = row_counts(engine)
    body = b'{\n  "username": "alva",\n  "password": "hemligt-l\xc3\xb6senord" "x": 1\n}'
    answers = _post_each(client, credentials, body)
    assert _codes(answers) == {(400, "invalid_json")}, answers
    for status, problem in answers.values():
        assert problem["detail"] == (
            "the body is not valid JSON: Expecting ',' delimiter at line 3, column 34"
        ), problem
        assert "errors" not in problem
        assert "hemligt" not in str(problem) and "alva" not in str(problem)
    assert_nothing_written(engine, before)


TOO_DEEP = "the body is not valid JSON: it is nested deeper than 64 levels"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "the body is empty: JSON is expected"),
        (b'{"a": "\xff\xfe"}', "the body is not valid JSON: it is not UTF-8 text"),
        (b"[" * 65 + b"]" * 65, "the body is not valid JSON: it is nested deeper than 64 levels"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "the body is not valid JSON: it is nested deeper than 64 levels",
        ),
        (b'{"a": 1', "the body is not valid JSON: Expecting ',' delimiter at line 1, column 8"),
    ],
    ids=["empty", "not-utf8", "nested-65-deep", "nested-100000-deep", "truncated"],
)
def test_a_body_that_is_not_json_is_400_invalid_json(
    client: TestClient, credentials: dict[str, dict[str, str]], body: bytes, words: str
) -> None:
    answers = _post_each(client, credentials, body)
    assert _codes(answers) == {(400, "invalid_json")}, answers
    assert {problem["detail"] for _, problem in answers.values()} == {words}


def _expected_kind(operation: str) -> str:
    method, path = operation.split(" ", 1)
    body = DOCUMENT["paths"][path][method.lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    return "array" if schema.get("type") == "array" else "object"


@pytest.mark.parametrize("body", [b"null", b"1", b'"a"', b"true"])
def test_json_of_the_wrong_kind_is_422_in_words(
    client: TestClient, credentials: dict[str, dict[str, str]], engine: Engine, body: bytes
) -> None:
    before = row_counts(engine)
    answers = _post_each(client, credentials, body)
    assert _codes(answers) == {(422, "invalid_input")}, answers
    for operation, (_, problem) in answers.items():
        expected = f"body: a JSON {_expected_kind(operation)} is expected"
        assert problem["detail"] == expected, (operation, problem)
    assert_nothing_written(engine, before)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
    ids=["text-plain", "form", "multipart", "none"],
)
def test_a_json_body_with_another_content_type_is_415(
    client: TestClient,
    credentials: dict[str, dict[str, str]],
    engine: Engine,
    content_type: str | None,
) -> None:
    before = row_counts(engine)
    answers = _post_each(client, credentials, b'{"username": "alva"}', content_type)
    assert _codes(answers) == {(415, "unsupported_media_type")}, answers
    for _, problem in answers.values():
        assert problem["detail"] == "the body must be JSON, sent as Content-Type: application/json"
    assert_nothing_written(engine, before)


def test_a_json_content_type_with_parameters_or_suffix_is_accepted(
    client: TestClient, engine: Engine
) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        made = client.post(
            "/wallet/accounts",
            content=b'{"username": "x", "password": "1234"}',
            headers={"Content-Type": content_type},
        )
        assert made.status_code == 422 and made.json()["code"] == "invalid_input", made.text


def test_the_document_declares_400_and_415_for_json_bodies() -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for method, path in JSON_BODY_OPERATIONS:
        responses = DOCUMENT["paths"][path][method.lower()]["responses"]
        for status in ("400", "415"):
            assert responses[status]["content"][PROBLEM_JSON]["schema"] == problem, (path, status)
