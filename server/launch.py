"""``python -m cloudide_server.launch [LIMITS] --stderr FILE -- COMMAND...``: set resource
limits, lower the priority, send stderr to a file, then become COMMAND (exec).

The server starts each IDE page's app process through this, already as the unprivileged
account (``subprocess``'s ``user=``/``group=``/``extra_groups=``, done in C between fork
and exec). Limits are set here, in a process of its own, rather than in a ``preexec_fn``
hook, which is unsafe in a server that runs threads. Stderr goes to a file so that what
the app prints there (a traceback, which Textual shows with its local variables) never
reaches the server's output as it is: the server reads the file's tail when the process
has failed and logs it with the process' token taken out.

Limits: ``--as`` (address space, bytes), ``--nofile`` (open files), ``--fsize`` (largest
file written, bytes), ``--nice`` (added to the priority); core dumps are always off.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from collections.abc import Sequence


def _limit(which: int, value: int) -> None:
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def main(argv: Sequence[str] | None = None) -> int:
    """Set the limits and exec the command; returns only on failure (127)."""
    parser = argparse.ArgumentParser(prog="cloudide_server.launch")
    parser.add_argument("--as", dest="address_space", type=int)
    parser.add_argument("--nofile", type=int)
    parser.add_argument("--fsize", type=int)
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--stderr", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    _limit(resource.RLIMIT_CORE, 0)
    if args.address_space:
        _limit(resource.RLIMIT_AS, args.address_space)
    if args.nofile:
        _limit(resource.RLIMIT_NOFILE, args.nofile)
    if args.fsize:
        _limit(resource.RLIMIT_FSIZE, args.fsize)
    if args.nice:
        os.nice(args.nice)
    fd = os.open(args.stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        os.execv(args.command[0], args.command)
    except OSError as e:
        print(f"cloudide_server.launch: cannot run {args.command[0]}: {e}", file=sys.stderr)
    return 127


if __name__ == "__main__":
    raise SystemExit(main())
