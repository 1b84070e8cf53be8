"""The tag of the runner image the suite tests: ``cloudide-runner:test-<hash of runner/>``.

One function for the Makefile (``python3 testkit/runner_tag.py``, which builds the image
under this tag before ``make test``) and for the tests when run without the Makefile, so
that checkouts whose runner/ differ never swap each other's image on a shared engine, and
a changed runner/ is never tested with a stale image. Standard library only.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "runner"


def runner_hash(runner: Path = RUNNER) -> str:
    """12 hex digits of the sha256 of every file under ``runner``, in byte order of path."""
    digest = hashlib.sha256()
    for path in sorted((p for p in runner.rglob("*") if p.is_file()), key=lambda p: bytes(p)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def runner_tag(runner: Path = RUNNER) -> str:
    """The image name and tag the suite builds and tests."""
    return f"cloudide-runner:test-{runner_hash(runner)}"


if __name__ == "__main__":
    sys.stdout.write(runner_tag() + "\n")
