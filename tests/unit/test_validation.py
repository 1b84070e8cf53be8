"""Names and paths: what a user may type, and what each refusal tells them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudide_tui.errors import CloudIDEError, InvalidName, InvalidPath
from cloudide_tui.validation import (
    PROJECT_NAME_RE,
    validate_file_name,
    validate_new_path,
    validate_owner,
    validate_project_name,
    workspace_parts,
)

GOOD_NAMES = ["a", "0", "my-project", "web.app", "snake_case", "x" * 63, "2026-notes", "a..b"]

BAD_NAMES = [
    ("", "cannot be empty"),
    (".", "is not a project name"),
    ("..", "is not a project name"),
    ("a/b", "contains a slash"),
    ("/etc", "contains a slash"),
    ("a\\b", "contains a slash"),
    ("a\0b", "NUL"),
    ("a\nb", "control character"),
    ("tab\there", "control character"),
    ("esc\x1b[31m", "control character"),
    ("c1\x9b", "control character"),
    ("x" * 64, "64 characters long; the limit is 63"),
    ("MyProject", "lowercase"),
    ("my project", "contains ' '"),
    ("héllo", "contains 'é'"),
    ("a:b", "contains ':'"),
    ("-rf", "must start with a lowercase letter or a digit"),
    (".hidden", "must start with a lowercase letter or a digit"),
    ("_x", "must start with a lowercase letter or a digit"),
]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_a_user_can_name_a_project_with_lowercase_digits_dots_dashes(name: str) -> None:
    assert validate_project_name(name) == name
    assert validate_owner(name) == name


@pytest.mark.parametrize(("name", "fragment"), BAD_NAMES)
def test_a_refused_project_name_says_exactly_what_is_wrong(name: str, fragment: str) -> None:
    with pytest.raises(InvalidName) as caught:
        validate_project_name(name)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value), "messages are one line"
    assert isinstance(caught.value, CloudIDEError)


def test_capitalised_name_suggests_the_lowercase_one() -> None:
    with pytest.raises(InvalidName) as caught:
        validate_project_name("WebApp")
    assert caught.value.hint == "try 'webapp'"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("My Project!", "try 'my-project'"),
        ("héllo wörld", "try 'hello-world'"),
        ("--force", "try 'force'"),
        ("***", None),
    ],
)
def test_a_refusal_suggests_a_valid_name_when_there_is_one(name: str, hint: str | None) -> None:
    with pytest.raises(InvalidName) as caught:
        validate_project_name(name)
    assert caught.value.hint == hint
    if hint:
        assert validate_project_name(hint.split("'")[1])


def test_an_owner_is_held_to_the_same_rules_and_says_owner() -> None:
    with pytest.raises(InvalidName, match="owner name"):
        validate_owner("Bob Smith")


def test_a_name_that_is_not_text_is_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidName, match="must be text"):
        validate_project_name(42)  # type: ignore[arg-type]


@given(st.text(max_size=80))
def test_the_validator_and_the_regex_agree_on_every_name(name: str) -> None:
    try:
        validate_project_name(name)
    except InvalidName:
        assert not PROJECT_NAME_RE.fullmatch(name)
    else:
        assert PROJECT_NAME_RE.fullmatch(name)


# -- paths -------------------------------------------------------------------------------

GOOD_PATHS = [
    ("", ()),
    (".", ()),
    ("src", ("src",)),
    ("src/main.py", ("src", "main.py")),
    ("src/", ("src",)),
    ("a//b", ("a", "b")),
    ("./a/./b", ("a", "b")),
    (".git/config", (".git", "config")),
    ("...", ("...",)),
    ("a\\b", ("a\\b",)),
    ("ünïcode/文件.txt", ("ünïcode", "文件.txt")),
    ("x" * 255, ("x" * 255,)),
]

BAD_PATHS = [
    ("/etc/passwd", "absolute"),
    ("/", "absolute"),
    ("../x", "'..'"),
    ("a/../../x", "'..'"),
    ("a/../b", "'..'"),
    ("..", "'..'"),
    ("a\0b", "NUL"),
    ("a\nb", "control character"),
    ("x" * 256, "256 bytes long; the limit is 255"),
    ("é" * 128, "256 bytes long"),
    ("/".join(["abcdefgh"] * 500), "the limit is 4096"),
    ("\ud800", "cannot be a file name"),
]


@pytest.mark.parametrize(("path", "parts"), GOOD_PATHS)
def test_a_workspace_path_is_split_into_its_components(path: str, parts: tuple[str, ...]) -> None:
    assert workspace_parts(path) == parts


@pytest.mark.parametrize(("path", "fragment"), BAD_PATHS)
def test_a_path_that_could_leave_the_workspace_is_refused(path: str, fragment: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        workspace_parts(path)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_names_read_from_disk_with_undecodable_bytes_can_be_named_again() -> None:
    raw = os.fsdecode(b"caf\xe9.txt")  # latin-1 name: a surrogate escape in Python
    assert workspace_parts(raw) == (raw,)


@given(
    st.lists(st.sampled_from(["a", "b", ".", "/", "..", "\\", "é", "\0", "~"]), max_size=20).map(
        "".join
    )
)
def test_any_accepted_path_resolves_inside_the_root(path: str) -> None:
    root = Path("/srv/workspace")
    try:
        parts = workspace_parts(path)
    except InvalidPath:
        return
    assert ".." not in parts and "" not in parts and "." not in parts
    resolved = Path(os.path.normpath(root.joinpath(*parts)))
    assert resolved.is_relative_to(root)


@given(st.text(max_size=60))
def test_any_accepted_arbitrary_text_resolves_inside_the_root(path: str) -> None:
    root = Path("/srv/workspace")
    try:
        parts = workspace_parts(path)
    except InvalidPath:
        return
    resolved = Path(os.path.normpath(root.joinpath(*parts)))
    assert resolved.is_relative_to(root)
    assert all("/" not in part and "\0" not in part for part in parts)


@pytest.mark.parametrize("name", ["notes.txt", ".env", "a b", "Makefile", "été.md", "x" * 255])
def test_a_new_file_may_have_any_one_component_name(name: str) -> None:
    assert validate_file_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Give a name"),
        (".", "not . or .."),
        ("..", "not . or .."),
        ("src/app.py", "slash"),
        ("a\nb", "control characters"),
        ("a\x9bb", "control characters"),
        ("x" * 256, "at most 255 bytes"),
        ("é" * 128, "at most 255 bytes"),
        ("\udcff" * 2 + "\ud800", "cannot be a file name"),
    ],
)
def test_a_refused_file_name_says_what_is_wrong(name: str, fragment: str) -> None:
    with pytest.raises(InvalidPath, match=fragment):
        validate_file_name(name)


@given(st.text(max_size=40))
def test_an_accepted_file_name_is_one_component_the_backend_accepts(name: str) -> None:
    try:
        validate_file_name(name)
    except InvalidPath:
        return
    assert workspace_parts(name) == (name,)


@pytest.mark.parametrize("path", ["main.py", "src/main.py", "a b/c d/.env", "x/" * 100 + "y"])
def test_a_new_file_may_be_a_path_whose_folders_are_made(path: str) -> None:
    assert validate_new_path(path) == path


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("", "Give a name"),
        ("/etc/passwd", "relative to the chosen folder"),
        ("src//main.py", "empty name"),
        ("src/", "empty name"),
        ("src/../x", "not . or .."),
        ("./x", "not . or .."),
        ("a/b\nc", "control characters"),
        ("a/" + "x" * 256, "at most 255 bytes"),
        ("/".join(["x" * 200] * 21), "at most 4096 bytes"),
    ],
)
def test_a_refused_new_path_says_what_is_wrong(path: str, fragment: str) -> None:
    with pytest.raises(InvalidPath, match=fragment):
        validate_new_path(path)


@given(st.text(alphabet="ab/.\n ", max_size=20))
def test_an_accepted_new_path_is_what_the_backend_accepts_unchanged(path: str) -> None:
    try:
        validate_new_path(path)
    except InvalidPath:
        return
    assert "/".join(workspace_parts(path)) == path
