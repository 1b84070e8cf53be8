"""Helpers shared by the tests, the benchmarks and the screenshot script; never shipped.

Sessions that only tests and benchmarks use (a local PTY, an in-memory replay), the fake
backend behind deterministic pictures, the Docker clean-up every run relies on, and the
app driver of the Pilot tests. Importable from the checkout (pytest's ``pythonpath``,
``python -m bench`` from the root); the wheel contains only ``cloudide_tui`` and
``cloudide_server``.
"""
