"""Write cloudide's seccomp profile from the engine's own default one, minus what we drop.

    .venv/bin/python scripts/make_seccomp_profile.py DEFAULT_JSON [OUT]

DEFAULT_JSON is Docker's default profile of the engine we run on: the Debian package
``golang-github-docker-docker-dev`` (same version as ``docker.io``) ships it as
``/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json``
(``apt-get download`` it and ``dpkg -x``: nothing needs installing). OUT defaults to
``cloudide_tui/backend/seccomp.json``, the profile every project container gets, checked
in so that it no longer depends on what a given engine defaults to.

What we drop, and why (everything else is Docker's default, unchanged):

- ``io_uring_setup``, ``io_uring_enter``, ``io_uring_register``: a large, young kernel
  interface behind a long run of privilege escalations; Docker's own later profiles and
  most hosted sandboxes block it, and no tool a developer runs in a shell needs it
  (programs fall back to plain I/O).
- every rule that applies only to containers holding a capability (``includes.caps``):
  ours hold none (``cap_drop=["ALL"]``), so those rules could never apply; dropping them
  leaves a profile that says what it allows.
- rules for architectures other than x86 and ARM (s390, ppc, mips): we build for these two.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "cloudide_tui" / "backend" / "seccomp.json"

DROPPED_SYSCALLS = frozenset({"io_uring_setup", "io_uring_enter", "io_uring_register"})
KEPT_ARCHES = frozenset({"amd64", "x32", "x86", "arm", "arm64"})
KEPT_ARCH_MAP = frozenset({"SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"})


def _kept(rule: dict[str, Any]) -> dict[str, Any] | None:
    includes = rule.get("includes") or {}
    if includes.get("caps"):
        return None
    arches = includes.get("arches")
    if arches and not KEPT_ARCHES & set(arches):
        return None
    names = [n for n in rule["names"] if n not in DROPPED_SYSCALLS]
    if not names:
        return None
    return {**rule, "names": names}


def derive(default: dict[str, Any]) -> dict[str, Any]:
    """Our profile from Docker's default profile (both in Docker's JSON format)."""
    syscalls = [kept for rule in default["syscalls"] if (kept := _kept(rule)) is not None]
    return {
        "defaultAction": default["defaultAction"],
        "archMap": [a for a in default["archMap"] if a["architecture"] in KEPT_ARCH_MAP],
        "syscalls": syscalls,
    }


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    default = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1]) if len(argv) == 2 else OUT
    out.write_text(json.dumps(derive(default), indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
