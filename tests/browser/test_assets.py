"""The pages' assets: the committed bundle is what web/ builds, and a page loads nothing
from anywhere but the server (no CDN, no web fonts from elsewhere: it works offline)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from selenium import webdriver

from testkit.browser import wait_until
from testkit.server_process import ServerProcess

ROOT = Path(__file__).parents[2]
STATIC = ROOT / "server" / "static"


def test_the_committed_bundle_is_what_the_web_sources_build(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "web" / "node_modules" / "esbuild").exists():
        pytest.fail("needs node and web/node_modules: `make venv` installs them", pytrace=False)
    subprocess.run(
        [node, str(ROOT / "web" / "build.mjs"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    built = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in STATIC.iterdir() if p.suffix in (".js", ".css")}
    assert sorted(built) == sorted(committed), "run `make web` and commit server/static/"
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"{stale} differ from a fresh build: run `make web` and commit them"


def resources(driver: webdriver.Chrome) -> list[str]:
    return list(
        driver.execute_script(
            "return performance.getEntriesByType('resource').map((entry) => entry.name)"
        )
    )


def test_the_pages_load_everything_from_the_server_itself(
    server: ServerProcess, browser: webdriver.Chrome, user: str
) -> None:
    browser.get(f"{server.page_url}/?token={server.token(user)}")
    wait_until(
        lambda: browser.execute_script("return window.cloudide !== undefined"), "the IDE page"
    )
    wait_until(
        lambda: browser.execute_script("return document.fonts.check(\"15px 'Roboto Mono'\")"),
        "the bundled font",
    )
    loaded = resources(browser)
    assert any(name.endswith(".js") for name in loaded)
    assert any("/fonts/RobotoMono" in name for name in loaded)
    elsewhere = [name for name in loaded if not name.startswith(f"{server.page_url}/")]
    assert not elsewhere
    # the sign-in page too
    browser.get(f"{server.page_url}/logout")
    assert all(name.startswith(f"{server.page_url}/") for name in resources(browser))
