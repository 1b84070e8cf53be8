"""Workers' failures go to the app's single error handler, wherever the worker ran.

Textual posts ``Worker.StateChanged`` to the node that started the worker and does not
bubble it, so each node that runs backend work mixes this in; the app decides how the
failure is shown (``CloudIDEApp.report_error``).
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class ReportWorkerErrors:
    """Mixin for a Widget or Screen: a worker that fails is reported to the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            report = getattr(self.app, "report_error", None)  # type: ignore[attr-defined]
            if report is not None:
                report(event.worker.error)
