"""``python -m cloudide_server``: the same as the ``cloudide-server`` command."""

from .cli import main

raise SystemExit(main())
