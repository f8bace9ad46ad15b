import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtmfkit import DtmfError, DtmfSyntaxError, Pause, Sequence, Tone, parse
from dtmfkit._grammar import ALPHABET, CATAPULT
from tests.strategies import VALID_CHARS, mixed_text, valid_text

REFERENCE = re.compile(r"[A-D0-9#*,wW]{1,92}")


@pytest.mark.parametrize(
    ("text", "keys", "pause"),
    [
        ("9193334444", "9193334444", Fraction(0)),
        ("1WWW,59#", "159#", Fraction(7, 2)),
        ("1Ww2Ww1Ww#", "121#", Fraction(9, 2)),
    ],
)
def test_documentation_examples(text: str, keys: str, pause: Fraction) -> None:
    sequence = parse(text)
    assert sequence.text == text
    assert sequence.keys == keys
    assert sequence.pause_seconds == pause
    assert "".join(map(str, sequence.events)) == text


def test_events_are_tones_and_pauses() -> None:
    assert parse("1,wW*").events == (
        Tone("1"),
        Pause(","),
        Pause("w"),
        Pause("W"),
        Tone("*"),
    )
    assert [p.seconds for p in parse(",wW").events if isinstance(p, Pause)] == [
        Fraction(1, 2),
        Fraction(1, 2),
        Fraction(1),
    ]


def test_sequence_is_immutable_and_compares_by_text() -> None:
    sequence = parse("12")
    with pytest.raises(AttributeError):
        sequence.text = "34"  # type: ignore[misc]
    assert sequence == Sequence("12")
    assert hash(sequence) == hash(parse("12"))
    assert sequence != parse("13")


def test_all_sixteen_keys_and_three_pauses_accepted() -> None:
    assert parse(VALID_CHARS).text == VALID_CHARS


@given(mixed_text)
def test_parse_accepts_exactly_the_documented_grammar(text: str) -> None:
    expected = REFERENCE.fullmatch(text) is not None
    try:
        parse(text)
    except DtmfSyntaxError:
        assert not expected
    else:
        assert expected


@given(valid_text, st.integers(min_value=0), st.sampled_from("abcd p\n\u0661\uff11\u00b2"))
def test_error_names_character_and_position(text: str, where: int, bad: str) -> None:
    index = where % (len(text) + 1)
    broken = text[:index] + bad + text[index:]
    with pytest.raises(DtmfSyntaxError) as caught:
        parse(broken)
    assert caught.value.position == index + 1
    assert caught.value.index == index
    assert caught.value.text == broken
    assert f"{bad!r} at position {index + 1}" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["12\n", "\n12", "1\uff12", "\u0661", "\u00b2", "a", "1 2"])
def test_lookalikes_rejected(text: str) -> None:
    with pytest.raises(DtmfSyntaxError, match="invalid DTMF character"):
        parse(text)


def test_empty_string_has_its_own_message() -> None:
    with pytest.raises(DtmfSyntaxError, match="empty dtmfOut") as caught:
        parse("")
    assert caught.value.position == 0


def test_length_limit() -> None:
    assert len(parse("1" * 92)) == 92
    with pytest.raises(DtmfSyntaxError, match="93 characters long, at most 92") as caught:
        parse("1" * 93)
    assert caught.value.position == 93


def test_errors_are_value_errors_and_dtmf_errors() -> None:
    with pytest.raises(ValueError, match="position 1"):
        parse("x")
    assert issubclass(DtmfSyntaxError, DtmfError)


@pytest.mark.parametrize("value", [None, 1234, b"1234", ["1"], 12.5])
def test_non_str_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="dtmfOut must be a str"):
        parse(value)  # type: ignore[arg-type]


def test_long_input_is_echoed_shortened() -> None:
    with pytest.raises(DtmfSyntaxError) as caught:
        parse("1" * 5000 + "x")
    assert len(str(caught.value)) < 400
    assert caught.value.position == 5001


@given(st.lists(mixed_text, max_size=8))
def test_batch_encoder_accepts_and_rejects_like_parse(texts: list[str]) -> None:
    first_error: Exception | None = None
    for text in texts:
        try:
            parse(text)
        except DtmfSyntaxError as exc:
            first_error = exc
            break
    if first_error is None:
        codes, lengths = CATAPULT.encode_many(texts)
        assert lengths.tolist() == [len(t) for t in texts]
        assert "".join(ALPHABET[c] for c in codes.tolist()) == "".join(texts)
    else:
        with pytest.raises(DtmfSyntaxError) as caught:
            CATAPULT.encode_many(texts)
        assert str(caught.value) == str(first_error)


def test_batch_encoder_type_error() -> None:
    with pytest.raises(TypeError, match="not int"):
        CATAPULT.encode_many(["12", 3])  # type: ignore[list-item]
