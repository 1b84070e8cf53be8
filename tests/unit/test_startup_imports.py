"""The warm start's path stays light: what the CLI loads before it forks the helper (and
before the UI) holds neither Textual nor docker-py, and the app itself does not load
docker-py until its backend is first used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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


def test_the_start_checks_before_the_fork_load_no_docker_py(tmp_path: Path) -> None:
    # A local engine's limits are checked with the stdlib (here one that is not there,
    # which the app reports itself: the check passes).
    code = (
        "from pathlib import Path\n"
        "from cloudide_tui.cli import check_settings\n"
        "from cloudide_tui.config import Settings\n"
        f"check_settings(Settings(data_dir=Path({str(tmp_path / 'data')!r}), "
        f"docker_host='unix://{tmp_path}/no-engine.sock'))"
    )
    assert _loaded_after(code) == set()
