"""``core.jsontext``: the bounds on JSON from other parties."""

from __future__ import annotations

import json

import pytest

from core import jsontext


def test_nesting_up_to_the_bound_parses_and_one_more_level_is_refused() -> None:
    depth = jsontext.MAX_DEPTH
    assert jsontext.loads("[" * depth + "]" * depth) is not None
    with pytest.raises(jsontext.JsonRejected, match="nested deeper than"):
        jsontext.loads("[" * (depth + 1) + "]" * (depth + 1))


def test_nesting_past_the_recursion_limit_is_refused_not_raised() -> None:
    with pytest.raises(jsontext.JsonRejected, match="nested deeper than"):
        jsontext.loads(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)


def test_size_is_bounded_before_parsing() -> None:
    with pytest.raises(jsontext.JsonRejected, match="larger than 8 bytes"):
        jsontext.loads(b'"secret-value"', max_bytes=8)


@pytest.mark.parametrize("text", [b'{"pnr": "19121212-1212"', b"\xff\xfe{}", b'{"a": NaN'])
def test_the_error_quotes_nothing_of_the_input(text: bytes) -> None:
    with pytest.raises(jsontext.JsonRejected) as refused:
        jsontext.loads(text)
    assert "1212" not in str(refused.value) and "NaN" not in str(refused.value)


def test_a_hooks_own_error_passes_through() -> None:
    class Duplicate(Exception):
        pass

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        if len(dict(pairs)) != len(pairs):
            raise Duplicate
        return dict(pairs)

    decoder = json.JSONDecoder(object_pairs_hook=no_duplicates)
    with pytest.raises(Duplicate):
        jsontext.loads('{"a": 1, "a": 2}', decoder=decoder)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_non_finite_numbers_are_not_json(text: str) -> None:
    with pytest.raises(jsontext.JsonRejected, match="not finite"):
        jsontext.loads(text)


def test_a_syntax_error_says_where_in_words() -> None:
    with pytest.raises(jsontext.JsonRejected) as refused:
        jsontext.loads('{\n  "a": 1\n  "b": 2}')
    assert str(refused.value) == "Expecting ',' delimiter at line 3, column 3"


def test_a_number_past_the_digits_python_reads_is_refused_not_raised() -> None:
    with pytest.raises(jsontext.JsonRejected, match="too many digits"):
        jsontext.loads(b'{"n": ' + b"9" * 5000 + b"}")
