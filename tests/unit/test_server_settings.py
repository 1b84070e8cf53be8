"""cloudide-server's settings and token code: sources, precedence, one-line refusals."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cloudide_server import auth
from cloudide_server.cli import main
from cloudide_server.settings import load_server_settings
from cloudide_tui.errors import AuthError, ConfigError


def test_options_beat_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text('port = 7000\nhost = "0.0.0.0"\norigins = ["https://a.example"]\n')
    env = {"CLOUDIDE_SERVER_PORT": "7100", "CLOUDIDE_SERVER_SESSION_IDLE": "60"}
    settings = load_server_settings({"port": "7200"}, environ=env, config_path=config)
    assert (settings.port, settings.host, settings.session_idle) == (7200, "0.0.0.0", 60.0)
    assert settings.origins == ("https://a.example",)
    settings = load_server_settings({}, environ=env, config_path=config)
    assert settings.port == 7100


@pytest.mark.parametrize(
    ("cli", "words"),
    [
        ({"port": "99999"}, "between 0 and 65535"),
        ({"host": "example.com"}, "not an IP address"),
        ({"origins": ["ftp://x"]}, "not an origin"),
        ({"image": "Bad Image"}, "not a Docker image name"),
        ({"certfile": "c.pem"}, "go together"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_source(
    tmp_path: Path, cli: dict[str, object], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_server_settings(cli, environ={}, config_path=_empty(tmp_path))
    assert words in str(caught.value) and "\n" not in str(caught.value)


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path


def test_the_command_says_what_is_wrong_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--port", "nope", "--config", str(_empty(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "option --port" in err and len(err.strip().splitlines()) == 1


def test_tokens_check_signature_audience_and_revocation(tmp_path: Path) -> None:
    secret = auth.load_secret(tmp_path, environ={})
    assert len(secret) >= auth.MIN_SECRET_BYTES
    assert auth.load_secret(tmp_path, environ={}) == secret  # made once, then read
    revocations = auth.Revocations(tmp_path)
    checker = auth.TokenChecker(secret, revocations)
    token, token_id = auth.create_token(secret, "ann", ttl=60)
    principal = checker.check(token)
    assert (principal.user, principal.scope, principal.view_only_session) == ("ann", "user", None)
    share, _ = auth.create_token(secret, "ann", ttl=60, scope="view:abc123")
    assert checker.check(share).view_only_session == "abc123"
    auth.Revocations(tmp_path).revoke_token(token_id)  # another process, as the CLI is
    with pytest.raises(AuthError, match="revoked"):
        checker.check(token)
    checker.check(share)
    with pytest.raises(ConfigError):
        auth.create_token(secret, "ann", ttl=0)
    with pytest.raises(ConfigError, match="at least 32"):
        auth.load_secret(tmp_path, environ={"CLOUDIDE_SECRET": "short"})
    assert time.time() < principal.expires
