"""Every flow of the local app, the same test code, in remote mode: the app on a
``RemoteBackend`` to a real ``cloudide-server`` (issue 8: "every flow works remotely as
it does locally").

The flows are ``tests/app/test_flows.py``'s, ``test_editor.py``'s and
``test_new_paths.py``'s own functions, run with a ``RemoteHome``; only those about
stopping local containers on quit are left to the remote tier's own tests (there,
quitting detaches instead: ``test_sessions_outlive_the_app.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from testkit.remote_ide import RemoteHome
from tests.app import test_editor as editor
from tests.app import test_flows as flows
from tests.app import test_new_paths as new_paths

Flow = Callable[[RemoteHome], Awaitable[None]]

FLOWS: list[Flow] = [
    flows.test_creating_a_project_opens_its_terminal_where_echo_works,
    flows.test_a_file_made_in_the_shell_shows_in_the_tree_then_edits_save_back,
    flows.test_renaming_and_deleting_ask_first_and_say_what_goes,
    flows.test_two_terminals_on_one_project_are_two_shells,
    flows.test_a_focused_terminal_gets_ctrl_q_ctrl_p_and_ctrl_c,
    flows.test_the_palette_finds_and_opens_any_file,
    flows.test_starting_with_a_project_opens_it_with_its_terminal_focused,
    flows.test_new_file_and_folder_from_the_browser_and_closing_a_changed_editor_asks,
    flows.test_an_opened_project_shows_its_files_without_expanding_it_by_hand,
    flows.test_a_burst_of_keys_in_the_name_dialog_keeps_its_order,
    flows._create_the_first_project_from_the_empty_browser,
    editor.test_moving_finding_replacing_and_going_to_a_line,
    editor.test_reloading_from_disk_asks_only_when_there_are_changes,
    editor.test_a_latin1_file_opens_read_only_and_a_binary_one_is_named_so,
    editor.test_saving_a_file_deleted_on_disk_says_it_was_deleted,
    editor.test_closing_an_unsaved_editor_can_save_it_first,
    editor.test_quitting_can_save_every_editor_first,
    editor.test_quitting_stays_when_a_save_meets_a_change_on_disk,
    new_paths.test_a_new_file_can_be_a_path_and_its_folders_are_made,
    new_paths.test_a_name_that_exists_is_refused_while_typing,
]


@pytest.mark.parametrize("flow", FLOWS, ids=[f.__name__.removeprefix("test_") for f in FLOWS])
async def test_the_local_flow_works_the_same_on_a_server(flow: Flow, home: RemoteHome) -> None:
    await flow(home)
