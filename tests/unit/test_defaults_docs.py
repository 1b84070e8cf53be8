"""What the docs and the README say the defaults are is what the code uses.

Every default lives in ``cloudide_tui.defaults``; the docs quote them in prose and tables.
These tests read the docs as a user would and compare, so a changed default fails here
until the docs say so too (like ``test_keys_docs.py`` for the keys).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from cloudide_tui import defaults
from cloudide_tui.backend.containers import Limits
from cloudide_tui.cli import build_parser
from cloudide_tui.config import FIELD_NAMES, Settings
from cloudide_tui.validation import host_user_name

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "cloudide_tui"


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def settings_table() -> dict[str, str]:
    """docs/files-and-config.md's settings table: setting -> its default column."""
    rows: dict[str, str] = {}
    for line in read("docs/files-and-config.md").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"`[a-z_]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[3]
    return rows


def test_every_setting_is_in_the_docs_table() -> None:
    assert set(settings_table()) == set(FIELD_NAMES)


@pytest.mark.parametrize(
    ("setting", "documented"),
    [
        ("image", f"`{defaults.IMAGE}`"),
        ("owner", "the login name (see above)"),
        ("memory", f"`{defaults.MEMORY}`"),
        ("disk", f"`{defaults.DISK}`"),
        ("tmp_size", f"`{defaults.TMP_SIZE}`"),
        ("runtime", "the engine's (runc)"),
        ("pids", str(defaults.PIDS)),
        ("scrollback", str(defaults.SCROLLBACK)),
        ("prefix_key", f"`{defaults.PREFIX_KEY}`"),
        ("alt_digits", f"`{defaults.ALT_DIGITS}`"),
        ("keep_running", "false"),
        ("clipboard_from_programs", "false"),
        ("project", "none"),
    ],
)
def test_the_docs_table_gives_each_default_the_code_uses(setting: str, documented: str) -> None:
    assert settings_table()[setting] == documented


def test_the_documented_cpu_limit_is_the_codes() -> None:
    assert settings_table()["cpus"].startswith(f"{defaults.MAX_DEFAULT_CPUS} (or fewer")
    assert defaults.cpus() <= defaults.MAX_DEFAULT_CPUS


def test_the_settings_the_backend_and_its_limits_share_their_defaults() -> None:
    settings = Settings()
    limits = Limits()
    assert (settings.image, settings.owner, settings.scrollback) == (
        defaults.IMAGE,
        host_user_name(),
        defaults.SCROLLBACK,
    )
    assert (settings.memory, settings.cpus, settings.pids, settings.tmp_size) == (
        limits.memory,
        limits.cpus,
        limits.pids,
        limits.tmp_size,
    )
    assert settings.disk == defaults.DISK
    assert settings.cpus == defaults.cpus()
    assert {f.name for f in dataclasses.fields(Limits)} <= set(FIELD_NAMES)


def test_the_backend_docs_give_the_container_limits_the_code_uses() -> None:
    text = read("docs/backend.md")
    assert f"`pids_limit` ({defaults.PIDS})" in text
    assert f"`memswap_limit` ({defaults.MEMORY}:" in text
    assert f"`nano_cpus` ({defaults.MAX_DEFAULT_CPUS} CPUs, or fewer" in text


def test_the_documented_read_limit_is_the_codes() -> None:
    mib = defaults.READ_LIMIT >> 20
    assert mib << 20 == defaults.READ_LIMIT
    assert f"At most {mib} MiB by default" in read("docs/files-and-config.md")


def test_the_readme_quotes_the_scrollback_and_the_container_user() -> None:
    text = read("README.md")
    assert f"scroll back {defaults.SCROLLBACK:,} lines" in text
    assert f"user `{defaults.CONTAINER_USER}` (uid {defaults.CONTAINER_UID})" in text
    files = read("docs/files-and-config.md")
    assert f"user `{defaults.CONTAINER_USER}` (uid/gid {defaults.CONTAINER_UID})" in files
    assert defaults.CONTAINER_UID == defaults.CONTAINER_GID  # the docs say "uid/gid 1000"


def test_the_runner_image_makes_the_container_user_the_code_expects() -> None:
    # The image has no baked account (cloudide-account makes one at start for whoever
    # runs it); without the backend it runs as dev, whose home and files are ready.
    dockerfile = read("runner/Dockerfile")
    uid, gid, user = defaults.CONTAINER_UID, defaults.CONTAINER_GID, defaults.CONTAINER_USER
    assert f"USER {uid}:{gid}" in dockerfile
    assert f"HOME=/home/{user}" in dockerfile
    assert f"chown {uid}:{gid} /workspace /home/{user} /run/cloudide" in dockerfile
    assert f"name=${{CLOUDIDE_USER:-{user}}}" in read("runner/cloudide-account")


def _strings_outside_docstrings(tree: ast.AST) -> list[str]:
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_every_option_a_message_names_exists() -> None:
    """Hints and notices tell users which option to use: it must be a real one."""
    options = set(re.findall(r"--[a-z][a-z-]*", build_parser().format_help()))
    named = {
        (path.relative_to(ROOT).as_posix(), match)
        for path in PACKAGE.rglob("*.py")
        for text in _strings_outside_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        for match in re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)
    }
    assert named, "the scan finds the options messages name"
    assert {(where, o) for where, o in named if o not in options} == set()


def test_the_docs_quote_the_minimum_contrast() -> None:
    assert f"contrast ratio of at least {defaults.MIN_CONTRAST:g}" in read("docs/app.md")
