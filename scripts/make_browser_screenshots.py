"""Make the PNG screenshots of the IDE in a browser (screenshots/browser-*.png).

    .venv/bin/python scripts/make_browser_screenshots.py [OUT_DIR]   (or: make screenshots)

A real ``cloudide-server`` on 127.0.0.1 (the suite's runner image, a throw-away data dir,
users unique to this run), a real headless Chromium driven as a person would: the sign-in
page, the IDE page with a terminal and an editor, and a read-only share link of that
terminal watched from a second browser. The containers made here are removed at the end,
whatever happens.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.keys import Keys  # noqa: E402

from cloudide_tui.backend.remote_client import ServerClient  # noqa: E402
from cloudide_tui.protocol import messages as m  # noqa: E402
from testkit import docker_helpers  # noqa: E402
from testkit.browser import (  # noqa: E402
    chromium,
    press,
    server_env,
    type_keys,
    wait_screen,
    wait_until,
)
from testkit.fake_backend import SAMPLE_PY  # noqa: E402
from testkit.server_process import ServerProcess  # noqa: E402

WIDTH, HEIGHT = 1280, 760
FILES = {
    "README.md": "# demo\n\nA sample project.\n",
    "src/app.py": SAMPLE_PY,
}


def viewport(driver: Any) -> None:
    """The page's size exactly (a headless window's size counts its frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )


async def prepare(server: ServerProcess, user: str) -> None:
    client = await ServerClient.connect(server.api_url, server.token(user))
    try:
        await client.call(m.CreateProject, name="demo")
        await client.call(m.MakeDir, project="demo", path="src")
        for path, text in FILES.items():
            await client.call(m.WriteFile, project="demo", path=path, data=text.encode())
    finally:
        await client.close()


async def session_of(server: ServerProcess, user: str) -> str:
    client = await ServerClient.connect(server.api_url, server.token(user))
    try:
        (shell,) = await client.call(m.ListShells, project="demo")
        return str(shell.session_id)
    finally:
        await client.close()


def shoot(server: ServerProcess, user: str, out: Path) -> list[Path]:
    made: list[Path] = []
    with chromium(WIDTH, HEIGHT) as page, chromium(WIDTH, HEIGHT) as colleague:
        viewport(page)
        viewport(colleague)
        page.get(f"{server.page_url}/")
        made.append(out / "browser-sign-in.png")
        page.save_screenshot(str(made[-1]))

        page.get(f"{server.page_url}/?token={server.token(user)}")
        wait_screen(page, r"[▶▼] \S demo")
        type_keys(page, Keys.ENTER)
        wait_screen(page, r"demo:/workspace\$")
        type_keys(page, "ls -l src && python3 -c 'print(6 * 7)'\n")
        wait_screen(page, r"▕42")
        type_keys(page, Keys.F12)
        press(page, Keys.CONTROL, "p")
        wait_screen(page, "🔎")
        type_keys(page, "app.py")
        wait_screen(page, r"Open in an editor \(demo\)")
        type_keys(page, Keys.ENTER)
        wait_screen(page, r"class Greeter")  # the editor, the palette gone
        press(page, Keys.CONTROL, "\\")  # the prefix key, then | : the terminal beside it
        type_keys(page, "|")
        wait_screen(page, r"(?s)(?=.*class Greeter)(?=.*▕42)")  # side by side
        made.append(out / "browser-ide.png")
        page.save_screenshot(str(made[-1]))

        session = asyncio.run(session_of(server, user))
        link = share_link(server, session)
        press(page, Keys.ALT, "1")  # back to the terminal tab
        wait_screen(page, r"demo:/workspace\$")
        colleague.get(link)
        wait_screen(colleague, r"demo:/workspace\$")
        type_keys(page, "for i in 1 2 3; do echo step $i; done\n")
        wait_screen(colleague, r"step 3")
        wait_until(
            lambda: (
                "2 watching"
                in str(colleague.execute_script("return document.getElementById('bar').innerText"))
            ),
            "the colleague to be counted",
        )
        made.append(out / "browser-share.png")
        colleague.save_screenshot(str(made[-1]))
    return made


def share_link(server: ServerProcess, session: str) -> str:
    printed = subprocess.run(
        [
            sys.executable, "-m", "cloudide_server", "token", "share", "--session", session,
            "--data-dir", str(server.data_dir), "--public-url", server.page_url,
        ],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    found = re.search(r"open in a browser: (\S+)", printed)
    if found is None:
        raise SystemExit(f"make_browser_screenshots: no link in {printed!r}")
    return found.group(1)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    owner = docker_helpers.new_owner()
    with tempfile.TemporaryDirectory(prefix="cloudide-shots-") as tmp:
        server = ServerProcess(Path(tmp) / "data", env=server_env()).start()
        try:
            user = f"{owner}-ann"
            asyncio.run(prepare(server, user))
            for path in shoot(server, user, out):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            server.stop()
            docker_helpers.remove_containers(owner)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
