"""The editor's text logic, without a screen: what it opens and how, what find finds,
what replace makes, what go-to-line accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudide_tui.backend.base import FileContent, FileEntry
from cloudide_tui.errors import BinaryFile, InvalidPosition
from cloudide_tui.widgets.editor import (
    EDIT_LIMIT,
    decode_for_editing,
    language_name,
    parse_position,
)
from cloudide_tui.widgets.find_bar import find_matches, next_match, replace_all


def _content(data: bytes, *, size: int | None = None, truncated: bool = False) -> FileContent:
    entry = FileEntry("f.txt", "f.txt", "file", len(data) if size is None else size, 0.0, "v")
    # ``binary`` as the backend guesses it: NUL bytes or invalid UTF-8.
    try:
        data.decode("utf-8")
        binary = b"\0" in data
    except UnicodeDecodeError:
        binary = True
    return FileContent(entry, data, truncated, binary)


def test_a_latin1_file_opens_read_only_with_a_note_not_as_binary() -> None:
    text, read_only, why = decode_for_editing(_content("café crème\n".encode("latin-1")))
    assert text == "café crème\n"  # shown as Latin-1: every byte a character
    assert read_only
    assert why is not None and "not valid UTF-8" in why and "Latin-1" in why


def test_a_file_with_nul_bytes_is_refused_as_a_binary_file() -> None:
    with pytest.raises(BinaryFile) as refused:
        decode_for_editing(_content(b"\x7fELF\x00\x01\x02"))
    assert refused.value.title == "Binary file"
    assert refused.value.hint and "xxd" in refused.value.hint


def test_utf8_text_is_editable_and_a_large_file_is_read_only() -> None:
    assert decode_for_editing(_content("ünïcode\n".encode())) == ("ünïcode\n", False, None)
    big = b"x" * 100
    text, read_only, why = decode_for_editing(_content(big, size=EDIT_LIMIT + 1, truncated=True))
    assert read_only and why and "edit limit" in why and text == "x" * 100


def test_languages_are_named_for_the_status_line() -> None:
    assert language_name("src/main.py") == "Python"
    assert language_name("run.sh") == "Shell"
    assert language_name(".bashrc") == "Shell"
    assert language_name("notes.txt") == "Plain text"
    assert language_name("Makefile") == "Plain text"


def test_find_is_smart_case_and_never_overlaps() -> None:
    lines = ["Foo foo FOO", "xfoofoo", ""]
    assert find_matches(lines, "foo") == [
        ((0, 0), (0, 3)),
        ((0, 4), (0, 7)),
        ((0, 8), (0, 11)),
        ((1, 1), (1, 4)),
        ((1, 4), (1, 7)),
    ]
    assert find_matches(lines, "Foo") == [((0, 0), (0, 3))]  # a capital: case matters
    assert find_matches(["aaaa"], "aa") == [((0, 0), (0, 2)), ((0, 2), (0, 4))]
    assert find_matches(lines, "") == []
    assert find_matches(lines, "absent") == []


def test_the_next_match_wraps_around_both_ways() -> None:
    matches = find_matches(["a.a", "..a"], "a")  # (0,0) (0,2) (1,2)
    assert next_match(matches, (0, 1)) == 1
    assert next_match(matches, (1, 2)) == 2
    assert next_match(matches, (1, 3)) == 0  # past the last: back to the first
    assert next_match(matches, (0, 2), backwards=True) == 0
    assert next_match(matches, (0, 0), backwards=True) == 2  # before the first: the last
    assert next_match([], (0, 0)) is None


def test_replace_all_replaces_every_match_and_nothing_else() -> None:
    lines = ["one two one", "none", "one"]
    text = replace_all(lines, find_matches(lines, "one"), "1")
    assert text == "1 two 1\nn1\n1"


@given(
    st.lists(st.text(alphabet="abAB \t", max_size=20), min_size=1, max_size=5),
    st.text(alphabet="abAB", min_size=1, max_size=3),
    st.text(alphabet="xyz", min_size=1, max_size=3),  # empty, it would join neighbours
)
def test_replacing_all_leaves_no_match_of_a_query_the_replacement_cannot_form(
    lines: list[str], query: str, replacement: str
) -> None:
    text = replace_all(lines, find_matches(lines, query), replacement)
    assert find_matches(text.split("\n"), query) == []
    assert text.count("\n") == len(lines) - 1


def test_go_to_line_takes_a_line_or_line_colon_column() -> None:
    assert parse_position("12", 40) == (11, 0)
    assert parse_position(" 3:7 ", 40) == (2, 6)
    assert parse_position("1:0", 40) == (0, 0)
    for bad in ("", "x", "0", "41", "3:x", "-1", "2:3:4"):
        with pytest.raises(InvalidPosition):
            parse_position(bad, 40)
