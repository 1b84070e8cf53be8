"""The reference terminals, one of each for the whole run (they are slow to start)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.differential import Tmux, XtermJs


@pytest.fixture(scope="session")
def xterm_js() -> Iterator[XtermJs]:
    """xterm.js (@xterm/headless in node); fails, never skips, if it is not installed."""
    try:
        reference = XtermJs()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with reference:
        yield reference


@pytest.fixture(scope="session")
def tmux() -> Iterator[Tmux]:
    """A tmux server of our own (its own socket); fails, never skips, without tmux."""
    try:
        reference = Tmux()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with reference:
        yield reference
