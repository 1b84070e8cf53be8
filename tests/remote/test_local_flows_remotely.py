"""Every flow of the local app, the same test code, in remote mode: the app on a
``RemoteBackend`` to a real ``cloudide-server`` (issue 8: "every flow works remotely as
it does locally").

The flows are ``tests/app/test_flows.py``'s own functions, run with a ``RemoteHome``;
only those about stopping local containers on quit are left to the remote tier's own
tests (there, quitting detaches instead: ``test_sessions_outlive_the_app.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from testkit.remote_ide import RemoteHome
from tests.app import test_flows as flows

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
]


@pytest.mark.parametrize("flow", FLOWS, ids=[f.__name__.removeprefix("test_") for f in FLOWS])
async def test_the_local_flow_works_the_same_on_a_server(flow: Flow, home: RemoteHome) -> None:
    await flow(home)
