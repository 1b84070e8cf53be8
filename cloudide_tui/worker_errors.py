"""Workers' failures go to the app's single error handler, wherever the worker ran.

Textual posts ``Worker.StateChanged`` to the node that started the worker and does not
bubble it, so each node that runs backend work mixes this in: the failure goes up to the
app as a ``messages.WorkFailed``, and the app decides how it is shown.
"""

from __future__ import annotations

from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

from cloudide_tui.messages import WorkFailed


class ReportWorkerErrors(MessagePump):
    """Mixin for a Widget or Screen: a worker that fails is reported to the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            # Straight to the app rather than bubbling: the node may be on its way out
            # (a tab closed while its worker failed), and the report must not go with it.
            self.app.post_message(WorkFailed(event.worker.error))
