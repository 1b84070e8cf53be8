"""``python -m cloudide_tui``: the same as the ``cloudide-tui`` command."""

from cloudide_tui.cli import main

raise SystemExit(main())
