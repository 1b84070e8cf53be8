"""Backends: the async interface (base.py) and its implementations (Docker now, remote later).

This package never imports Textual: the server uses it too.
"""
