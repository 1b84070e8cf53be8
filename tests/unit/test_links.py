"""Links in a terminal's text, and how the app opens one (browser or clipboard)."""

from __future__ import annotations

import pytest

from cloudide_tui.links import has_display, is_link, open_in_browser
from cloudide_tui.terminal.model import DEFAULT_STYLE, Span
from cloudide_tui.widgets.terminal_find import link_at, links, search


def rows(*lines: str) -> list[tuple[int, tuple[Span, ...]]]:
    return [(100 + i, (Span(text, DEFAULT_STYLE),)) for i, text in enumerate(lines)]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://example.org.", "https://example.org"),
        ("(https://example.org/a)", "https://example.org/a"),
        (
            "https://en.wikipedia.org/wiki/Tmux_(software), ok",
            "https://en.wikipedia.org/wiki/Tmux_(software)",
        ),
        ("'http://x.io/p?q=1&r=2'", "http://x.io/p?q=1&r=2"),
        ("<ftp://files.example.org/pub/>", "ftp://files.example.org/pub/"),
        ("pip: https://pypi.org/project/textual/!", "https://pypi.org/project/textual/"),
    ],
)
def test_a_link_is_found_without_the_punctuation_around_it(text: str, link: str) -> None:
    assert [f.text for f in links(rows(text))] == [link]


def test_links_and_matches_are_where_they_are_drawn_wide_characters_included() -> None:
    found = links(rows("中文 https://x.org 中"))
    assert (found[0].line, found[0].start, found[0].end) == (100, 5, 18)
    assert link_at(rows("中文 https://x.org 中"), 100, 5) == "https://x.org"
    assert link_at(rows("中文 https://x.org 中"), 100, 18) is None
    (match,) = search(rows("a 中文 b"), "文 b")
    assert (match.start, match.end) == (4, 8)


def test_search_is_smart_case() -> None:
    assert len(search(rows("Error", "error", "ERROR"), "error")) == 3
    assert len(search(rows("Error", "error", "ERROR"), "Error")) == 1
    assert search(rows("anything"), "") == []


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/x", True),
        ("http://127.0.0.1:8000/", True),
        ("ftp://files.example.org", True),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("https://exa mple.org", False),
        ("https://example.org/\x1b]52;c;AAAA\x07", False),
        ("https://example.org/" + "a" * 5000, False),
    ],
)
def test_only_web_links_open(url: str, ok: bool) -> None:
    assert is_link(url) is ok


def test_without_a_display_no_browser_is_started() -> None:
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({}, "darwin")
    # Over SSH, on a server: a text browser would take the app's own terminal.
    assert open_in_browser("https://example.org", {}) is False
