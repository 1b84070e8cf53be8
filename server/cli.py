"""Entry point of `cloudide-server`.

The websockets server is a later issue; until it lands, this command says so plainly
instead of pretending to serve.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Explain that the server is not built yet, with a non-zero exit status."""
    print(
        "cloudide-server: the websockets server is not built yet "
        "(it comes with the remote-server issue); use `cloudide-tui` locally for now.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
