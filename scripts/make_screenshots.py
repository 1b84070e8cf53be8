"""Make the SVG screenshots in screenshots/ from the real app on the real Docker engine.

    .venv/bin/python scripts/make_screenshots.py [OUT_DIR]     (or: make screenshots)

The app is built by ``make_app`` (as the CLI does) on a ``DockerBackend`` with a
throw-away data dir and owner; a sample project is written through the backend, and the
app is driven headless with Pilot the way a person would use it. The containers made
here are removed at the end, whatever happens. No fake backend: the shell, the files and
the container states in the pictures are real.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cloudide_tui.app import CloudIDEApp, make_app  # noqa: E402
from cloudide_tui.backend import disks  # noqa: E402
from cloudide_tui.backend.docker_backend import DockerBackend  # noqa: E402
from cloudide_tui.config import Settings  # noqa: E402
from cloudide_tui.widgets.terminal import Terminal  # noqa: E402
from testkit.docker_helpers import remove_containers  # noqa: E402
from testkit.fake_backend import SAMPLE_PY  # noqa: E402

IMAGE = os.environ.get("CLOUDIDE_IMAGE", "cloudide-runner:latest")

FILES = {
    "README.md": "# demo\n\nA sample project.\n",
    "run.sh": "#!/bin/sh\npython3 src/app.py\n",
    "src/app.py": SAMPLE_PY,
}


def screen_text(terminal: Terminal) -> str:
    emulator = terminal.emulator
    return "\n".join("".join(span.text for span in emulator.row(y)) for y in range(emulator.lines))


async def wait_for(pilot: Any, condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*["space" if c == " " else "enter" if c == "\n" else c for c in text])


async def prepare(backend: DockerBackend) -> None:
    await backend.ensure_ready()
    await backend.create_project("demo")
    await backend.create_project("website")
    await backend.make_dir("demo", "src")
    for path, text in FILES.items():
        await backend.write_file("demo", path, text.encode())
    await backend.write_file("website", "index.html", b"<h1>hello</h1>\n")


async def shoot(out: Path, data_dir: Path, owner: str) -> list[Path]:
    made: list[Path] = []
    settings = Settings(data_dir=data_dir, owner=owner, image=IMAGE)

    def save(app: CloudIDEApp, name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
        made.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    backend = DockerBackend.from_settings(settings)
    await prepare(backend)
    app = make_app(settings, backend, remember=False)  # the same pictures every time
    async with app.run_test(size=(120, 36)) as pilot:
        await asyncio.wait_for(app.ready.wait(), 120)
        await pilot.pause(0.5)
        save(app, "empty-state")

        # Open the project: its terminal, a prompt, a couple of commands.
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.terminals(), "a terminal")
        term = app.main.terminals()[0]
        await wait_for(pilot, lambda: "$" in screen_text(term), "the prompt")
        await type_text(pilot, "ls --color=auto -F\n")
        await type_text(pilot, "python3 src/app.py\n")
        await wait_for(pilot, lambda: "Hello, world!" in screen_text(term), "the output")
        # Opening the project expanded it in the browser: its files are listed there.
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.main.browser.node_for("demo", "src"), "the tree")
        await pilot.pause(0.3)
        await pilot.press("f12")
        await pilot.pause(0.3)
        save(app, "terminal")

        # An editor with highlighted Python.
        app.main.open_file("demo", "src/app.py")
        await wait_for(pilot, lambda: app.main.editors(), "the editor")
        await pilot.pause(0.5)
        save(app, "editor")

        # Find and replace: the bar under the text, the match selected, "1 of N".
        await pilot.press("ctrl+r")
        await type_text(pilot, "name")
        await pilot.press("tab")
        await type_text(pilot, "who")
        await pilot.pause(0.5)
        save(app, "editor-find")
        await pilot.press("escape")

        # From the terminal, the prefix key: the panel of the app's keys.
        await pilot.press("alt+1")
        await wait_for(pilot, lambda: app.focused is term, "the terminal's focus")
        await pilot.press("ctrl+backslash")
        await pilot.pause(0.4)
        save(app, "prefix-panel")
        await pilot.press("escape")

        # The editor beside the terminal (prefix, then |); a search in the history.
        await pilot.press("alt+2", "ctrl+backslash", "vertical_line")
        await wait_for(pilot, lambda: app.main.beside is not None, "the split")
        await pilot.press("ctrl+backslash", "o", "ctrl+backslash", "o")
        await wait_for(pilot, lambda: app.focused is term, "the terminal beside")
        await type_text(pilot, "for i in $(seq 1 60); do echo build step $i ok; done\n")
        await wait_for(pilot, lambda: "step 60 ok" in screen_text(term), "the steps")
        await pilot.press("ctrl+backslash", "slash")
        await pilot.pause(0.3)
        await type_text(pilot, "step 4")
        await pilot.pause(0.8)
        save(app, "split-and-search")
        await pilot.press("escape", "ctrl+backslash", "vertical_line")
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)

        # The command palette finding a file.
        await pilot.press("f12", "ctrl+p")
        await pilot.pause(0.3)
        await type_text(pilot, "app")
        await pilot.pause(0.8)
        save(app, "palette")
        await pilot.press("escape")

        # A new project with a name the validator refuses: the reason shows inline.
        await pilot.press("ctrl+n")
        await pilot.pause(0.3)
        await type_text(pilot, "My Project")
        await pilot.pause(0.3)
        save(app, "invalid-name")
        await pilot.press("escape")

        # Deleting asks first, and says the files go too.
        app.main.browser.select_project("website", exact=True)
        await pilot.pause(0.2)
        await pilot.press("delete")
        await pilot.pause(0.3)
        save(app, "delete-confirm")
        await pilot.press("escape")

        await pilot.press("f1")
        await pilot.pause(0.3)
        save(app, "help")
        await pilot.press("escape")

        # A light theme: the terminal's colours stay readable (ANSI white too).
        await pilot.press("alt+1")
        await type_text(
            pilot, "clear; ls --color=auto -F; printf '\\e[37mwhite \\e[97mbright white\\e[0m\\n'\n"
        )
        await pilot.pause(0.8)
        app.theme = "textual-light"
        await pilot.pause(0.5)
        save(app, "light-theme")
        app.theme = "textual-dark"

        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.5)
        app.main.focus_tab_content()
        await pilot.pause(0.3)
        save(app, "small-80x24")
    await backend.close()
    return made


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    owner = f"shots{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="cloudide-shots-") as tmp:
        try:
            made = asyncio.run(shoot(out.resolve(), Path(tmp), owner))
        finally:
            remove_containers(owner)
            disks.release_under(Path(tmp))
    print(f"{len(made)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
