"""Closing terminal tabs when things are not calm: a shell flooding a terminal that cannot
keep up, on the real Docker engine (Pilot, headless)."""

from __future__ import annotations

from cloudide_tui.backend.docker_shell import HIGH_WATER, DockerShellSession
from testkit.backends import BackendHome
from testkit.ide import running_ide, type_text


async def test_closing_a_flooding_terminal_tab_ends_its_shell_and_the_neighbour_lives_on(
    home: BackendHome,
) -> None:
    async with running_ide(home) as ide:
        neighbour = await ide.create_project("flood")
        await ide.pilot.press("f12", "ctrl+t")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 2, "a second terminal tab")
        flooding = ide.main.terminals()[1]
        await ide.wait_prompt(flooding)
        await ide.wait_for(lambda: ide.app.focused is flooding, "the new terminal's focus")
        session = flooding.session
        assert isinstance(session, DockerShellSession)

        # Coloured lines as fast as `yes` prints them: far more than the terminal parses
        # (escape sequences are its slowest input). It falls behind, the session stops
        # reading its socket, and the engine waits to write the rest.
        await type_text(ide.pilot, "yes \"$(printf '\\033[1;3%dm%s ' 1 a 2 b 3 c 4 d 5 e)\"\n")
        await ide.wait_for(
            lambda: session.unread_bytes >= HIGH_WATER, "the terminal to fall behind"
        )
        await ide.pilot.press("f12", "ctrl+f4")
        await ide.wait_for(lambda: len(ide.main.terminals()) == 1, "the flooding tab to close")
        # Before the fix the hang-up never ended, and jammed the container with it.
        await ide.wait_for(
            lambda: session.end_reason == "session closed", "the flooding shell to end"
        )

        # The other terminal of the project still works, and closing it (idle) works too.
        await ide.wait_for(lambda: ide.app.focused is neighbour, "the neighbour's focus")
        await ide.run_in_terminal("echo still-here", "still-here", neighbour)
        other = neighbour.session
        assert other is not None
        await ide.pilot.press("f12", "ctrl+f4")
        await ide.wait_for(lambda: not ide.main.terminals(), "the neighbour's tab to close")
        await ide.wait_for(
            lambda: other.end_reason == "session closed", "the neighbour's shell to end"
        )
