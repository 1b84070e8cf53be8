"""New files and folders by path, and names that exist already, refused while typing
(on the real engine, from the browser's keys)."""

from __future__ import annotations

from textual.widgets import Button, Static

from cloudide_tui.dialogs import TextInputDialog
from testkit.backends import Home
from testkit.ide import Ide, running_ide, type_text


def _error(ide: Ide) -> str:
    return str(ide.app.screen.query_one("#error", Static).render())


async def _ask(ide: Ide, key: str) -> TextInputDialog:
    await ide.pilot.press(key)
    await ide.wait_screen(TextInputDialog, "the name dialog")
    dialog = ide.app.screen
    assert isinstance(dialog, TextInputDialog)
    return dialog


async def test_a_new_file_can_be_a_path_and_its_folders_are_made(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("nested")
        await ide.pilot.press("f12")
        await ide.put_cursor("nested")
        await _ask(ide, "n")
        await type_text(ide.pilot, "src/pkg/main.py\n")
        await ide.wait_for(lambda: ide.main.editors(), "an editor on the new file")
        assert ide.main.editors()[0].path == "src/pkg/main.py"
        assert (await ide.backend.stat("nested", "src/pkg")).kind == "dir"
        assert (await ide.backend.stat("nested", "src/pkg/main.py")).size == 0
        await ide.wait_for(
            lambda: "src/pkg/main.py" in ide.tree_paths("nested"), "the file shown in the tree"
        )

        # A folder by path too, beside what exists (src is reused, not refused).
        await ide.pilot.press("f12")
        await ide.put_cursor("nested")
        await _ask(ide, "m")
        await type_text(ide.pilot, "src/tests/data\n")
        await ide.wait_for(lambda: "src/tests/data" in ide.tree_paths("nested"), "the folder")
        assert (await ide.backend.stat("nested", "src/tests/data")).kind == "dir"


async def test_a_name_that_exists_is_refused_while_typing(home: Home) -> None:
    async with running_ide(home) as ide:
        await ide.create_project("taken")
        await ide.run_in_terminal("mkdir lib; echo x > lib/a.py; echo ok-made", "ok-made")
        await ide.pilot.press("f12")
        await ide.put_cursor("taken")
        dialog = await _ask(ide, "n")
        await type_text(ide.pilot, "lib/a.py")
        ok = dialog.query_one("#ok", Button)
        await ide.wait_for(lambda: "exists already" in _error(ide), "the refusal under the field")
        assert "A file called lib/a.py" in _error(ide) and ok.disabled
        await ide.pilot.press("enter")  # refused: the dialog stays, nothing is written
        await ide.pilot.pause(0.2)
        assert ide.app.screen is dialog
        assert (await ide.backend.read_file("taken", "lib/a.py")).data == b"x\n"
        await ide.pilot.press("backspace", "backspace", "backspace", "backspace")
        await type_text(ide.pilot, "b.py")
        await ide.wait_for(lambda: not ok.disabled, "a free name accepted")
        await ide.pilot.press("enter")
        await ide.wait_for(lambda: ide.main.editors(), "an editor on lib/b.py")
        assert ide.main.editors()[0].path == "lib/b.py"

        # The name of an existing project is refused in the new-project dialog as well.
        dialog = await _ask(ide, "ctrl+n")
        await type_text(ide.pilot, "taken")
        await ide.wait_for(lambda: "exists already" in _error(ide), "the project refusal")
        await ide.pilot.press("escape")
