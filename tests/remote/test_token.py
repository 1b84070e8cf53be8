"""A token that expires (or is revoked) while the app runs: a clear message, how to get a
new one, the unsaved text kept (in the editors, and copied to this machine), and a new
token given in the app carries on where it was."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from cloudide_tui.dialogs import TextInputDialog
from testkit.ide import running_ide, type_text
from testkit.remote_ide import RemoteHome

MakeHome = Callable[..., RemoteHome]


async def test_an_expired_token_keeps_the_text_and_a_new_one_carries_on(
    make_home: MakeHome,
) -> None:
    home = make_home(ttl=6)  # the server closes it some 10-15 s after it expires
    async with running_ide(home) as ide:
        term = await ide.create_project("late")
        await ide.run_in_terminal("echo draft > plan.txt; echo made", "made")
        ide.main.open_file("late", "plan.txt")
        await ide.wait_for(lambda: ide.main.editors(), "an editor")
        editor = ide.main.editors()[0]
        await ide.wait_for(lambda: ide.app.focused is editor.text_area, "the editor's focus")
        await type_text(ide.pilot, "unsaved ")

        def asked() -> bool:
            screen = ide.app.screen
            return isinstance(screen, TextInputDialog)

        await ide.wait_for(asked, "the question for a new token", timeout=60)
        words = str(ide.app.screen.query_one("#label", Static).render())
        assert "token expired" in words
        assert f"cloudide-server token create --user {home.user}" in words
        assert "token refused" in str(ide.main.status.render())
        assert "reconnecting" in ide.tab_label(term)
        # the text is still in the editor, and a copy is on this machine
        assert editor.text.startswith("unsaved draft")
        copies = list((home.data_dir / "recovered").glob("*/late/plan.txt"))
        assert copies and copies[0].read_text().startswith("unsaved draft")

        ide.app.screen.query_one(Input).value = home.token(ttl=3600)
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: "connected" in str(ide.main.status.render()), "connected")
        await ide.wait_for(lambda: "reconnecting" not in ide.tab_label(term), "the shell back")
        ide.main.focus_tab_content(ide.tab_of(editor))
        await ide.pilot.press("ctrl+s")
        await ide.wait_for(lambda: not editor.dirty, "the save")
        saved = await ide.backend.read_file("late", "plan.txt")
        assert saved.data == b"unsaved draft\n"
