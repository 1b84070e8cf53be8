"""The IDE in a browser: page load to the first prompt, memory per page, next to the TUI

One run, one machine, the browser and the TUI interleaved so they meet the same noise: a
real ``cloudide-server`` on 127.0.0.1 serving the IDE page, a real headless Chromium
(already started: its own start-up is not the page's), and for the anchors the TUI on the
same server (``cloudide-tui --server ... --project X`` in tmux, 120x36), which is what each
page runs on the server.

* Page load to the first prompt, back to a running shell: the page opened (signed in by
  its cookie) until xterm.js's buffer shows the shell's prompt; the page's app brings the
  running shell back as a tab, as the TUI does with ``--project``.
* Page load to the first prompt, new shell: the page opened until the project browser
  shows, Enter on the project, until the prompt (no shell running).
* Memory of a page's app process (resident, at the prompt) next to the TUI's.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.keys import Keys

from bench.bench_app import CLI, PROMPT, TMUX, _end_measured_session, _tmux
from bench.report import Report
from cloudide_tui.backend import disks
from cloudide_tui.backend.remote_backend import RemoteBackend
from testkit.backends import TEST_IMAGE
from testkit.browser import (
    app_processes,
    chromium,
    screen_text,
    server_env,
    type_keys,
    wait_screen,
    wait_until,
)
from testkit.docker_helpers import remove_containers
from testkit.server_process import ServerProcess

RUNS = 3
PROJECT = "start"
PAGE_PROMPT = re.compile(r"start:/workspace\$")


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _tui_to_prompt(command: str, timeout: float = 90.0) -> tuple[float, float]:
    """Start the TUI in a fresh tmux session: (seconds to a prompt, its resident MiB)."""
    _end_measured_session()
    start = time.perf_counter()
    _tmux("new-session", "-d", "-s", TMUX, "-x", "120", "-y", "36", command)
    try:
        while not PROMPT.search(screen := _tmux("capture-pane", "-p", "-t", TMUX)):
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"no prompt after {timeout:.0f} s from: {command}\n{screen}")
            time.sleep(0.01)
        took = time.perf_counter() - start
        pane = int(_tmux("list-panes", "-t", TMUX, "-F", "#{pane_pid}").split()[0])
        tuis = [
            p
            for p in [pane, *_descendants(pane)]
            if b"cloudide" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        return took, max(_rss_mib(p) for p in tuis)
    finally:
        _end_measured_session()


async def _end_shells(server: ServerProcess, user: str) -> None:
    backend = RemoteBackend(server.base, server.token(user))
    try:
        for info in await backend.list_shells(PROJECT):
            session = await backend.attach_shell(info.session_id)
            await session.close()
    finally:
        await backend.close()


def run(report: Report) -> None:
    user = f"bench{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(prefix="cloudide-bench-browser-") as tmp:
        root = Path(tmp)
        server = ServerProcess(root / "server", env=server_env()).start()
        assert server.proc is not None
        server_pid = server.proc.pid
        token_file = root / "token"
        token_file.write_text(server.token(user) + "\n")
        token_file.chmod(0o600)
        env = f"CLOUDIDE_IMAGE={TEST_IMAGE} CLOUDIDE_CONFIG=/dev/null TERM=xterm-256color"
        tui = (
            f"{env} {CLI} --data-dir {root}/client --server {server.base} "
            f"--token-file {token_file} --project {PROJECT}"
        )
        try:
            with chromium(1280, 760) as page:
                page.get(f"{server.page_url}/?token={server.token(user)}")  # the cookie
                tui_new, tui_back, page_new, page_back, tui_mib, page_mib = ([] for _ in "123456")

                def closed() -> None:
                    page.get("about:blank")
                    wait_until(lambda: not app_processes(server_pid, user), "the page's app")

                def load(new: bool) -> float:
                    start = time.perf_counter()
                    page.get(f"{server.page_url}/")
                    if new:
                        wait_screen(page, rf"[▶▼] \S {PROJECT}")
                        type_keys(page, Keys.ENTER)
                    wait_until(lambda: bool(PAGE_PROMPT.search(screen_text(page))), "a prompt")
                    took = time.perf_counter() - start
                    (pid,) = app_processes(server_pid, user)
                    page_mib.append(_rss_mib(pid))
                    closed()
                    return took

                closed()
                _tui_to_prompt(tui)  # the project, its container and a shell: warm for all
                for _ in range(RUNS):
                    asyncio.run(_end_shells(server, user))
                    took, mib = _tui_to_prompt(tui)  # a new shell, left running
                    tui_new.append(took)
                    tui_mib.append(mib)
                    took, mib = _tui_to_prompt(tui)  # back to it
                    tui_back.append(took)
                    tui_mib.append(mib)
                    page_back.append(load(new=False))  # the page brings it back too
                    asyncio.run(_end_shells(server, user))
                    page_new.append(load(new=True))
        finally:
            server.stop()
            remove_containers(user)
            disks.release_under(root)
    print(
        "  page back/new: "
        + " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(page_back, page_new, strict=True))
        + " s; TUI back/new: "
        + " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(tui_back, tui_new, strict=True))
        + " s"
    )
    report.add(
        "page load to prompt, back to a running shell",
        statistics.median(page_back),
        "s",
        anchor_name="TUI on the server",
        anchor=statistics.median(tui_back),
    )
    report.add(
        "page load to prompt, new shell (Enter)",
        statistics.median(page_new),
        "s",
        anchor_name="TUI on the server",
        anchor=statistics.median(tui_new),
    )
    report.add(
        "memory of a page's app process (resident)",
        statistics.median(page_mib),
        "MiB",
        anchor_name="TUI on the server",
        anchor=statistics.median(tui_mib),
    )
