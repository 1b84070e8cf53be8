"""cloudide-tui: a cloud IDE in the terminal."""

__version__ = "0.1.0"
