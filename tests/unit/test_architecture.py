"""The house has floors and no circles: no module imports, even through others, a module
that imports it; and the import contracts in pyproject.toml (the UI floors, the backend
free of Textual, the server free of the TUI) are kept.

``make check`` runs the same contracts with ``lint-imports``; these tests keep them in the
fast tier too, and show the checks can fail (on a made-up package with a circle).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).parents[2]


def import_cycles(*packages: str) -> list[list[str]]:
    """Every import circle among the modules of ``packages``, one shortest chain each:
    ``[a, b, ..., a]`` for a direct import a -> b that b leads back from. Imports made
    inside functions and under TYPE_CHECKING count: a lazy import is still an arrow."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is None:
                continue
            members = frozenset(back)
            if members not in seen:
                seen.add(members)
                cycles.append([importer, *back])
    return cycles


def test_no_module_of_the_app_or_the_server_imports_itself_through_others() -> None:
    cycles = import_cycles("cloudide_tui", "cloudide_server")
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_circle_where_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "circular_demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text("from circular_demo import screen\n")
    (package / "screen.py").write_text(
        "def ready() -> None:\n    from circular_demo import app  # lazy, still a circle\n"
    )
    (package / "leaf.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    cycles = import_cycles("circular_demo")
    assert [set(c) for c in cycles] == [{"circular_demo.app", "circular_demo.screen"}]


def test_the_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert status == 0, out.getvalue()
