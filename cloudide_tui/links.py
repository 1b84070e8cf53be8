"""Opening a link for the user: a browser where there is one, else the clipboard.

The app often runs over SSH, in a container or on a server with no screen: there
``webbrowser.open`` would start a text browser (w3m, lynx, ``www-browser``) in the very
terminal the app draws in, or do nothing. So a link opens in a browser only where a
graphical one can show (a display on Linux, macOS) and the browser Python would start
runs in the background; it is always copied to the clipboard too (OSC 52 reaches the
user's own terminal over SSH), and the app says which happened. No Textual here: the app
calls these (``CloudIDEApp.open_link``); the blocking ``open_in_browser`` in a thread.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import webbrowser

SCHEMES = frozenset({"http", "https", "ftp"})
"""The links the app opens (what ``terminal_find.LINK`` finds; OSC 8 may name others)."""

MAX_LENGTH = 4096


def is_link(url: str) -> bool:
    """A link the app may open: http(s) or ftp, a host, printable, not absurdly long."""
    if not url or len(url) > MAX_LENGTH or not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in SCHEMES and bool(parts.netloc)


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether a graphical browser could show here (macOS, or an X or Wayland display)."""
    if platform == "darwin":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def graphical_browser() -> webbrowser.BaseBrowser | None:
    """The browser ``webbrowser`` would start, if it runs apart from this terminal."""
    import webbrowser  # here: start-up need not pay for it

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return None
    if isinstance(browser, webbrowser.GenericBrowser):
        # BackgroundBrowser (xdg-open...) detaches; a plain GenericBrowser runs in the
        # foreground, in this terminal (w3m, lynx, $BROWSER).
        return browser if isinstance(browser, webbrowser.BackgroundBrowser) else None
    if isinstance(browser, webbrowser.UnixBrowser) and not browser.background:
        return None  # a text-mode one (elinks, links)
    return browser


def open_in_browser(url: str, environ: Mapping[str, str]) -> bool:
    """Open ``url`` in a graphical browser if there is one; True if it was handed over.
    Blocking (it may start a program): call it from a thread."""
    if not has_display(environ):
        return False
    browser = graphical_browser()
    return bool(browser is not None and browser.open(url, new=2))
