"""Share links asked for over the API (``share_shell``, the palette's "Share this shell"):
a read-only token for one running shell of the caller's own, that watches it and can do
nothing else; never for another user's shell, never made by a share link itself."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import NotAllowed, NotFound, ProtocolError
from cloudide_tui.protocol import messages as m
from testkit.remote_helpers import Watcher
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]


async def running_shell(connect: Connect, user: str) -> tuple[ServerClient, Watcher]:
    owner = await connect(user)
    await owner.call(m.CreateProject, name="shared")
    watcher = Watcher(await owner.open_shell("shared", 24, 80))
    await watcher.expect(r"[$#] $")
    return owner, watcher


async def test_a_link_asked_for_watches_that_shell_and_types_nothing(
    server: ServerProcess, connect: Connect, user: str
) -> None:
    owner, watcher = await running_shell(connect, user)
    session_id = watcher.shell.session_id
    await watcher.shell.write(b"echo before-$((40+2))\n")
    await watcher.expect("before-42")

    before = time.time()
    link = await owner.call(m.ShareShell, session_id=session_id, ttl=600)
    assert link.session_id == session_id
    path = urlsplit(link.path)
    assert path.path == f"/share/{session_id}"
    assert link.url is None  # no --public-url and no page asked: the client adds its address
    assert before + 590 < link.expires < time.time() + 610
    token = parse_qs(path.query)["token"][0]
    assert token != server.token(user)

    viewer_client = await ServerClient.connect(server.api_url, token)
    try:
        # asked writable, attached read-only: the token says so, not the client
        viewer = Watcher(await viewer_client.attach_shell(session_id))
        assert viewer.shell.read_only
        await viewer.expect("before-42")
        await watcher.shell.write(b"echo live-$((6*7))\n")
        await viewer.expect("live-42")
        with pytest.raises(NotAllowed):
            await viewer_client.call(m.ShareShell, session_id=session_id)
        with pytest.raises(NotAllowed):
            await viewer_client.call(m.OpenShell, project="shared", rows=24, cols=80)
    finally:
        await viewer_client.close()


async def test_no_link_for_another_users_shell_or_a_wrong_lifetime(
    connect: Connect, user: str, new_user: Callable[[], str]
) -> None:
    _, watcher = await running_shell(connect, user)
    stranger = await connect(new_user())
    with pytest.raises(NotFound):
        await stranger.call(m.ShareShell, session_id=watcher.shell.session_id)
    owner = await connect(user)
    for ttl in (1.0, 30 * 24 * 3600.0):
        with pytest.raises(ProtocolError, match="between"):
            await owner.call(m.ShareShell, session_id=watcher.shell.session_id, ttl=ttl)
