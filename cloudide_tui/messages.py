"""Messages that more than one part of the UI posts or handles.

A widget's own events stay nested in the widget that sends them (``Terminal.Exited``,
``ProjectBrowser.FileOpened``); what lives here goes up to the app from anywhere below
it, so that no screen or widget ever needs to import the app to speak to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from cloudide_tui.backend.base import (
    BackendEvent,
    ConnectionStatus,
    SessionStatus,
    ShellSession,
)


@dataclass
class Activity(Message):
    """A progress line from the backend (image build, container start, shell opening).

    Safe to post from a worker thread (``post_message`` is). The app shows it in the
    progress dialog during start-up and on the status line afterwards.
    """

    line: str


@dataclass
class WorkFailed(Message):
    """A worker failed: the app's one error handler turns it into a dialog or a
    notification (never a traceback)."""

    error: BaseException


@dataclass
class OpenLink(Message):
    """Open ``url`` for the user (a Ctrl+click on a link in a terminal, a link chosen
    from a list; hyperlinks a program marks with OSC 8 should go the same way). The app
    decides how: a browser where there is one, else the clipboard (``links.py``)."""

    url: str


@dataclass
class BackendChanged(Message):
    """What changed in the backend, as its change events told it (files made in a shell
    or saved by another client, projects, containers, who has a file open ...), a few
    at a time (``change_feed``); ``EventsLost`` among them means: list everything again."""

    events: list[BackendEvent]


@dataclass
class ConnectionChanged(Message):
    """The backend's connection changed state or round-trip time (a server's)."""

    status: ConnectionStatus


@dataclass
class SessionStatusChanged(Message):
    """A shell's status changed (connected again, another viewer, keys held): its tab
    says so. ``session`` is the ``ShellSession`` it is about."""

    session: ShellSession
    status: SessionStatus
