"""Textual widgets of the app."""
