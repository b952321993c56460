"""The error hierarchy of the station core.

Every error carries a stable English ``code`` (for logs, HTTP bodies, scripts) and a
Vietnamese ``message`` (what the operator reads). Layers raise their own subclass; the
boundaries (CLI, HTTP API) translate them.
"""

from __future__ import annotations


class BroadcastError(Exception):
    """Root of every error Loa raises on purpose. ``details``: plain values that name what
    the error is about (e.g. ``script_id``), passed on to API clients."""

    code: str = "broadcast_error"

    def __init__(self, message: str, *, code: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"


class ConfigError(BroadcastError):
    code = "config_error"


class ScriptInputError(BroadcastError):
    """A script file or text that cannot be used (encoding, empty, too large...)."""

    code = "script_invalid"


class TextError(BroadcastError):
    code = "text_error"


class TTSError(BroadcastError):
    code = "tts_failed"


class RenderError(BroadcastError):
    code = "render_failed"


class ScheduleError(BroadcastError):
    code = "schedule_invalid"


class ScheduleConflict(ScheduleError):
    code = "schedule_conflict"


class PlayoutError(BroadcastError):
    code = "playout_failed"


class StoreError(BroadcastError):
    code = "store_error"


class OpsError(BroadcastError):
    """Running the station as a service: install, backup and restore, alerts."""

    code = "ops_error"


class BackupError(OpsError):
    code = "backup_failed"


class InstallError(OpsError):
    code = "install_failed"


class AlertDeliveryError(OpsError):
    """An alert could not be handed to a notifier (e-mail server, webhook)."""

    code = "alert_delivery_failed"


class PublishError(BroadcastError):
    """Publishing what aired (MP3, feeds, the public page) could not be done."""

    code = "publish_failed"


class ClusterError(BroadcastError):
    """Speaker clusters: the broker, the agents, their messages and credentials."""

    code = "cluster_error"
