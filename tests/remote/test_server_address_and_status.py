"""Where the app connects and what it says about it: ``wss://`` checks the server's
certificate as a browser does (refused, saying why, until the certificate is trusted), the
status line names the server, the user, the connection's state and its round-trip time,
and the palette lists every running shell of the project, newest first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cloudide_tui.dialogs import ChoiceDialog, ErrorDialog
from cloudide_tui.widgets.terminal import Terminal
from testkit.ide import Ide, running_ide, screen_text
from testkit.remote_ide import RemoteHome
from testkit.server_process import tls_server
from tests.remote.test_sessions_outlive_the_app import run_palette


def status_text(ide: Ide) -> str:
    """The status line as a person reads it."""
    return str(ide.main.status.render())


async def test_wss_refuses_an_untrusted_certificate_and_connects_once_it_is_trusted(
    tmp_path: Path, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tls_server(tmp_path) as (server, cert):
        assert server.base.startswith("wss://127.0.0.1:")
        home = RemoteHome(server, user, tmp_path / "client")
        # The system's CAs only (as on a laptop): the self-signed certificate is refused.
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        async with running_ide(home, wait_ready=False) as ide:
            await ide.wait_screen(ErrorDialog, "the error")
            dialog = ide.app.screen
            assert isinstance(dialog, ErrorDialog)
            assert "certificate verify failed" in dialog.message
            assert server.base in dialog.message
            assert "connected" not in status_text(ide).replace("reconnecting", "")
            assert not ide.main.browser.projects
        # Trusted the way OpenSSL is told to (SSL_CERT_FILE): the same URL connects.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        async with running_ide(home) as ide:
            await ide.create_project("secure")
            shown = await ide.run_in_terminal("echo tls-$((6*7))", "tls-42")
            assert "tls-42" in shown.splitlines()
            assert f"{server.base} │ {user} │ ● connected" in status_text(ide)


async def test_the_status_line_names_server_user_state_and_round_trip(home: RemoteHome) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("status")
        pattern = re.compile(
            rf"{re.escape(home.server.base)} │ {re.escape(home.user)} │ ● connected (\d+) ms"
        )
        await ide.wait_for(lambda: pattern.search(status_text(ide)), "a measured round trip")
        match = pattern.search(status_text(ide))
        assert match is not None and int(match.group(1)) < 10_000
        assert ide.backend.connection.rtt is not None
        assert "status" in status_text(ide)  # the project too, after the connection


async def test_the_palette_lists_every_running_shell_of_the_project_newest_first(
    home: RemoteHome,
) -> None:
    other = home.backend()  # another machine of the same user opens two shells
    try:
        await other.create_project("many")
        first = await other.open_shell("many", 24, 80)
        second = await other.open_shell("many", 24, 80)
        async with running_ide(home, project="many") as ide:
            # Both came back as tabs, --project's focus on the most recent; closed, they
            # run on, and the palette lists every running shell of the project.
            await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "both shells back")
            term = ide.app.focused
            assert isinstance(term, Terminal) and term in ide.main.terminals()
            await ide.wait_for(lambda: term.session is not None, "its session")
            assert term.session is not None and term.session.session_id == second.session_id
            await ide.pilot.press("ctrl+backslash", "w")
            await ide.wait_for(lambda: len(ide.main.terminals()) == 1, "a tab closed")
            await ide.pilot.press("ctrl+backslash", "w")
            await ide.wait_for(lambda: not ide.main.terminals(), "the other closed")
            await ide.put_cursor("many")
            await run_palette(ide, "attach a running shell")
            await ide.wait_screen(ChoiceDialog, "the list")
            dialog = ide.app.screen
            assert isinstance(dialog, ChoiceDialog)
            assert len(dialog.items) == 2, dialog.items
            assert second.session_id in dialog.items[0] and first.session_id in dialog.items[1]
            assert all("1 attached" in item for item in dialog.items)  # the other machine
            await ide.pilot.press("down", "enter")
            await ide.wait_for(lambda: ide.main.terminals(), "the older shell attached")
            back = ide.terminal()
            await ide.wait_for(lambda: back.session is not None, "its session")
            assert back.session is not None and back.session.session_id == first.session_id
            await ide.run_in_terminal("echo older-$((1+1))", "older-2")
            assert "older-2" in screen_text(back)
    finally:
        await other.close()
