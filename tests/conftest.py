"""Shared test set-up: make the helper modules in tests/ importable however pytest runs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
