"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``), driven by
selenium, for the browser tier; and helpers that read a page the way a person sees it.

Chromium runs as root here, on a closed network: ``--no-sandbox`` (root), and no
background traffic of its own (no component updates, sync, first-run pings; each would
be refused by the network and retried). Every browser gets a fresh profile, so no cookie
outlives its test. Selenium is given the driver's path: its own driver download (Selenium
Manager) never runs.

The pages expose a read-only ``window.cloudide`` (the xterm.js terminal, its screen text,
the page's state): tests read the screen through it, as a person reads the canvas.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FIX = "`make test` (or scripts/ensure-browser.sh, as root) installs chromium and chromium-driver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--hide-scrollbars",
)
TIMEOUT = 60.0
TEST_ACCOUNT = os.environ.get("CLOUDIDE_TEST_BROWSER_USER", "cloudide-web-test")
"""The account a test server runs the IDE pages' processes as, when it runs as root
(``scripts/ensure-browser.sh`` makes it and lets it reach this checkout's Python)."""


def server_env() -> dict[str, str]:
    """A test server's environment for its IDE pages: as root, the test account (never
    root; a server that is not root runs them as itself)."""
    return {"CLOUDIDE_SERVER_BROWSER_USER": TEST_ACCOUNT} if os.geteuid() == 0 else {}


def browser_problem() -> str | None:
    """Why no browser can be driven here (None: it can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing"
    return None


@contextmanager
def chromium(width: int = 1280, height: int = 800) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile; quit and removed afterwards."""
    profile = tempfile.mkdtemp(prefix="cloudide-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_until(
    condition: Callable[[], Any],
    what: str,
    timeout: float = TIMEOUT,
    describe: Callable[[], str] | None = None,
) -> Any:
    """``condition()``'s first truthy value within ``timeout``; else fail saying what never
    happened (and ``describe()``: what there was instead)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except WebDriverException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"\n{describe()}" if describe else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{seen}")
        time.sleep(0.1)


def screen_text(driver: webdriver.Chrome) -> str:
    """The page's terminal screen as text (xterm.js' buffer), '' before it exists."""
    text = driver.execute_script("return window.cloudide ? window.cloudide.screenText() : ''")
    return str(text or "")


def page_state(driver: webdriver.Chrome) -> str:
    """The page's state word (``loading``, ``running``, ``watching``, ``ended``...)."""
    return str(driver.execute_script("return document.body.dataset.state") or "")


def banner(driver: webdriver.Chrome) -> str:
    """The banner's text when it shows, else ''."""
    text = driver.execute_script(
        "const b = document.getElementById('banner');return b && !b.hidden ? b.innerText : ''"
    )
    return str(text or "")


def wait_screen(driver: webdriver.Chrome, pattern: str, timeout: float = TIMEOUT) -> str:
    """Wait until the terminal's screen matches ``pattern`` (regex); returns the screen."""
    regex = re.compile(pattern)
    return str(
        wait_until(
            lambda: (text := screen_text(driver)) and regex.search(text) and text,
            f"the page's screen to show {pattern!r}",
            timeout,
            describe=lambda: (
                f"state {page_state(driver)!r}, banner {banner(driver)!r}, "
                f"screen:\n{screen_text(driver)}"
            ),
        )
    )


def type_keys(driver: webdriver.Chrome, text: str) -> None:
    """Type into the page's terminal as a person would (xterm.js' input element)."""
    driver.execute_script("window.cloudide.terminal.focus()")
    area = driver.switch_to.active_element
    area.send_keys(text)


def press(driver: webdriver.Chrome, *keys: str) -> None:
    """One chord (``press(driver, Keys.CONTROL, "s")``): keys held in order, let go."""
    from selenium.webdriver.common.action_chains import ActionChains

    driver.execute_script("window.cloudide.terminal.focus()")
    chain = ActionChains(driver)
    for key in keys[:-1]:
        chain.key_down(key)
    chain.send_keys(keys[-1])
    for key in reversed(keys[:-1]):
        chain.key_up(key)
    chain.perform()


def app_processes(server_pid: int, user: str | None = None) -> list[int]:
    """The IDE pages' app processes of a server (its children running cloudide_tui);
    with ``user``, only that user's (the ``sub`` of the token in their environment)."""
    children: set[int] = set()
    for task in Path(f"/proc/{server_pid}/task").glob("*"):
        try:
            children |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            continue
    found = []
    for pid in sorted(children):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"cloudide_tui" in command and (user is None or _user_of(pid) == user):
            found.append(pid)
    return found


def _user_of(pid: int) -> str | None:
    import jwt

    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"CLOUDIDE_TOKEN="):
            claims = jwt.decode(item.split(b"=", 1)[1], options={"verify_signature": False})
            return str(claims.get("sub"))
    return None
