"""Sync in the window: Settings → Sync (``settings_page``), the status-bar item, Sync now,
the held-deletion question and the interval timer (``controller``), the cloud view
(``cloud_view``), and the calls that start their jobs (``actions``).

Only the controller is loaded with the window; the rest (and the sync core) when used."""
from PySide6.QtCore import Qt

from .controller import SyncController

__all__ = ["SyncController", "open_cloud_view"]


def open_cloud_view(ctx, window=None):
    """The cloud view, from anywhere that has the window's context (the Library's "Cloud…"):
    the window's own when it has a sync controller, else a dialog of its own."""
    controller = getattr(window, "sync", None)
    if isinstance(controller, SyncController):
        controller.open_cloud()
        return controller.cloud_dialog
    from .cloud_view import CloudDialog

    dialog = CloudDialog(ctx, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.show()
    dialog.reload()
    return dialog
