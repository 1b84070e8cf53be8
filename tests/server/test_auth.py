"""Who may connect: every refusal happens before the websocket exists, with its status
and its reason; revoking closes live connections; tokens never reach the log."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt
import pytest
import websockets
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from cloudide_server import auth
from cloudide_tui.backend.remote_client import ServerClient
from cloudide_tui.errors import AuthError, NotAllowed
from cloudide_tui.protocol import messages as m
from testkit.server_process import ServerProcess

Connect = Callable[..., Awaitable[ServerClient]]


async def refused(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The HTTP status and body a handshake is refused with (fails if it is accepted)."""
    try:
        async with ws_connect(url, additional_headers=headers or {}, open_timeout=10):
            pass
    except InvalidStatus as e:
        return e.response.status_code, (e.response.body or b"").decode()
    raise AssertionError(f"{url} accepted the connection")


def claims(user: str, **changes: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": user,
        "aud": auth.AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "jti": "x" * 32,
        "scope": "user",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


async def test_no_token_is_401_and_says_how_to_get_one(server: ServerProcess) -> None:
    status, body = await refused(server.api_url)
    assert status == 401
    assert "token create" in body


@pytest.mark.parametrize(
    ("why", "make"),
    [
        ("forged", lambda s, u: jwt.encode(claims(u), b"w" * 40, algorithm="HS256")),
        ("expired", lambda s, u: jwt.encode(claims(u, iat=1, exp=100), s, algorithm="HS256")),
        ("wrong audience", lambda s, u: jwt.encode(claims(u, aud="other"), s, algorithm="HS256")),
        ("no jti", lambda s, u: jwt.encode(claims(u, jti=None), s, algorithm="HS256")),
        ("no exp", lambda s, u: jwt.encode(claims(u, exp=None), s, algorithm="HS256")),
        ("alg none", lambda s, u: jwt.encode(claims(u), None, algorithm="none")),
        ("bad user", lambda s, u: jwt.encode(claims("../etc"), s, algorithm="HS256")),
        ("bad scope", lambda s, u: jwt.encode(claims(u, scope="admin"), s, algorithm="HS256")),
        ("garbage", lambda s, u: "not.a.token"),
    ],
)
async def test_a_bad_token_is_401(
    server: ServerProcess, user: str, why: str, make: Callable[[bytes, str], str]
) -> None:
    token = make(server.secret(), user)
    status, body = await refused(server.api_url, {"Authorization": f"Bearer {token}"})
    assert status == 401, why
    assert token not in body


async def test_a_revoked_token_is_401_and_its_live_connection_closes(
    server: ServerProcess, user: str
) -> None:
    token, token_id = auth.create_token(server.secret(), user, ttl=600)
    client = await ServerClient.connect(server.api_url, token)
    await client.call(m.Ping)
    result = subprocess.run(
        [sys.executable, "-m", "cloudide_server", "token", "revoke", "--id", token_id,
         "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert token_id in result.stdout
    async with asyncio.timeout(15):
        await client.wait_closed()
    assert client.close_code == 4401
    status, body = await refused(server.api_url, {"Authorization": f"Bearer {token}"})
    assert (status, "revoked" in body) == (401, True)


async def test_revoking_a_user_voids_all_their_tokens_and_no_one_elses(
    server: ServerProcess, new_user: Callable[[], str]
) -> None:
    ann, bob = new_user(), new_user()
    ann_token, bob_token = server.token(ann), server.token(bob)
    auth.Revocations(server.data_dir).revoke_user(ann)
    status, _ = await refused(server.api_url, {"Authorization": f"Bearer {ann_token}"})
    assert status == 401
    client = await ServerClient.connect(server.api_url, bob_token)
    await client.call(m.Ping)
    await client.close()
    # a token made after the revocation works again
    time.sleep(1.1)
    client = await ServerClient.connect(server.api_url, server.token(ann))
    await client.close()


async def test_a_cross_site_origin_is_403_even_with_a_good_token(
    server: ServerProcess, user: str
) -> None:
    token = server.token(user)
    status, body = await refused(
        f"{server.api_url}?token={token}", {"Origin": "https://evil.example"}
    )
    assert status == 403
    assert "Origin" in body
    # the server's own origin is fine (a page it serves)
    async with ws_connect(
        f"{server.api_url}?token={token}",
        additional_headers={"Origin": server.base.replace("ws", "http")},
    ) as ws:
        await ws.send('{"t":"hello","version":1}')
        assert '"welcome"' in str(await ws.recv())


async def test_an_allowed_origin_is_let_in(tmp_path: Path, user: str, docker_engine: None) -> None:
    process = ServerProcess(tmp_path / "data", args=["--origin", "https://ide.example.com"]).start()
    try:
        url = f"{process.api_url}?token={process.token(user)}"
        async with ws_connect(url, additional_headers={"Origin": "https://ide.example.com"}) as ws:
            await ws.send('{"t":"hello","version":1}')
            assert '"welcome"' in str(await ws.recv())
        status, _ = await refused(url, {"Origin": "https://other.example.com"})
        assert status == 403
    finally:
        process.stop()


async def test_the_query_token_works_and_never_reaches_the_log(
    server: ServerProcess, user: str
) -> None:
    token = server.token(user)
    async with ws_connect(f"{server.api_url}?token={token}") as ws:
        await ws.send('{"t":"hello","version":1}')
        await ws.recv()
    await refused(f"{server.api_url}?token={token}x")
    log = server.output()
    assert '"path": "/api"' in log and '"status": 101' in log
    assert token not in log and "token=" not in log


async def test_healthz_needs_no_token_and_unknown_paths_are_404(server: ServerProcess) -> None:
    http = server.base.replace("ws://", "http://")
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(f"{http}/healthz").read())
    assert b'"status": "ok"' in body
    with pytest.raises(urllib.error.HTTPError) as caught:
        await asyncio.to_thread(lambda: urllib.request.urlopen(f"{http}/nothing-here"))
    assert caught.value.code == 404


async def test_a_share_token_watches_one_shell_read_only_and_nothing_else(
    server: ServerProcess, user: str, connect: Connect
) -> None:
    owner = await connect(user)
    await owner.call(m.CreateProject, name="shared")
    shell = await owner.open_shell("shared", 24, 80)
    share = server.token(user, scope=f"{auth.VIEW_PREFIX}{shell.session_id}")
    viewer = await ServerClient.connect(server.api_url, share)
    try:
        assert viewer.welcome.scope.startswith("view:")
        watched = await viewer.attach_shell(shell.session_id)
        assert watched.read_only
        with pytest.raises(NotAllowed):
            await viewer.call(m.ListProjects)
        with pytest.raises(NotAllowed):
            await viewer.call(m.ReadFile, project="shared", path="x")
        await watched.write(b"echo typed-by-viewer\r")
        async with asyncio.timeout(20):
            while not any(e.code == "not_allowed" for e in viewer.errors):
                await asyncio.sleep(0.02)
        await shell.write(b"echo owner-typed\r")
        seen = b""
        async with asyncio.timeout(20):
            while b"owner-typed\r\n" not in seen:
                seen += await watched.read()
        assert b"typed-by-viewer" not in seen
    finally:
        await viewer.close()


def test_a_short_secret_is_refused_at_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloudide_server", "--port", "0", "--data-dir", str(tmp_path)],
        env={"CLOUDIDE_SECRET": "too-short", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "at least 32" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_create_prints_the_token_on_its_last_line(tmp_path: Path, user: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloudide_server", "token", "create", "--user", user,
         "--ttl", "60", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    token = result.stdout.strip().splitlines()[-1]
    secret = auth.load_secret(tmp_path, environ={})
    assert (tmp_path / "server" / "secret").stat().st_mode & 0o777 == 0o600
    checked = auth.TokenChecker(secret, auth.Revocations(tmp_path)).check(token)
    assert checked.user == user
    assert 50 < checked.expires - time.time() <= 61


async def test_client_sees_an_auth_error_it_can_show(server: ServerProcess) -> None:
    with pytest.raises(AuthError):
        await ServerClient.connect(server.api_url, "nonsense")


async def test_a_connection_past_the_users_limit_is_429(
    tmp_path: Path, user: str, docker_engine: None
) -> None:
    process = ServerProcess(
        tmp_path / "data", env={"CLOUDIDE_SERVER_CONNECTIONS_PER_USER": "2"}
    ).start()
    try:
        token = process.token(user)
        first = await ServerClient.connect(process.api_url, token)
        second = await ServerClient.connect(process.api_url, token)
        status, body = await refused(process.api_url, {"Authorization": f"Bearer {token}"})
        assert status == 429 and "most allowed" in body
        await first.close()
        await second.close()
        third = await ServerClient.connect(process.api_url, token)
        await third.close()
    finally:
        process.stop()


__all__ = ["ConnectionClosed", "websockets"]


def _server_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cloudide_server", *argv],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


async def test_the_servers_options_work_before_the_token_command_as_well(
    server: ServerProcess, user: str
) -> None:
    """``cloudide-server --data-dir D token create`` (git/docker order) makes a token the
    running server of D takes, and ``--data-dir D token revoke`` voids it there."""
    data_dir = str(server.data_dir)
    made = _server_cli(
        "--data-dir", data_dir, "--image", "some-image", "token", "create", "--user", user
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    client = await ServerClient.connect(server.api_url, token)
    await client.call(m.Ping)
    token_id = (
        auth.TokenChecker(server.secret(), auth.Revocations(server.data_dir)).check(token).token_id
    )
    revoked = _server_cli("--data-dir", data_dir, "token", "revoke", "--id", token_id)
    assert revoked.returncode == 0, revoked.stderr
    async with asyncio.timeout(15):
        await client.wait_closed()
    status, _ = await refused(server.api_url, {"Authorization": f"Bearer {token}"})
    assert status == 401


def test_options_after_the_token_command_win_over_those_before_it(
    tmp_path: Path, user: str
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(b"s" * 40)
    secret_file.chmod(0o600)
    made = _server_cli(
        "--data-dir", str(tmp_path / "elsewhere"), "--secret-file", str(tmp_path / "nothing"),
        "token", "create", "--user", user,
        "--data-dir", str(tmp_path / "data"), "--secret-file", str(secret_file),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    checked = auth.TokenChecker(b"s" * 40, auth.Revocations(tmp_path / "data")).check(token)
    assert checked.user == user


def test_a_bad_option_before_the_token_command_is_one_clear_line(tmp_path: Path) -> None:
    result = _server_cli(
        "--data-dir", str(tmp_path), "--no-such", "token", "create", "--user", "ann"
    )
    assert result.returncode == 2
    assert "--no-such" in result.stderr
    assert "Traceback" not in result.stderr
