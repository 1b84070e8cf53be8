"""The warm start's path stays light: what the CLI loads before it forks the helper (and
before the UI) holds neither Textual nor docker-py, and the app itself does not load
docker-py until its backend is first used."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(code: str) -> set[str]:
    """The heavy packages loaded by ``code`` in a fresh interpreter."""
    heavy = "('textual', 'docker', 'requests')"
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return set(out.stdout.split())


def test_the_cli_forks_the_helper_before_loading_textual_or_docker_py() -> None:
    assert _loaded_after("import cloudide_tui.cli, cloudide_tui.warm_start") == set()
    # Not even asyncio: the sooner the fork, the sooner the helper starts.
    probe = "import cloudide_tui.cli, cloudide_tui.warm_start, sys; print('asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"


def test_the_app_and_its_backend_stand_in_load_no_docker_py() -> None:
    code = (
        "from cloudide_tui.app import make_app\n"
        "from cloudide_tui.config import Settings\n"
        "make_app(Settings(), remember=False)"
    )
    assert _loaded_after(code) == {"textual"}
