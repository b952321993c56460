"""The one protocol every way of reaching a person implements."""

from __future__ import annotations

from typing import Protocol

from broadcast.alerts.wording import AlertMessage


class Notifier(Protocol):
    """Hands one alert message to a person's channel (e-mail, a chat bot's webhook...).

    ``name`` is stable across restarts (deliveries are recorded under it). ``send`` returns
    once the channel accepted the message and raises ``AlertDeliveryError`` (with a
    Vietnamese message) otherwise; it never retries by itself."""

    @property
    def name(self) -> str: ...

    def send(self, message: AlertMessage) -> None: ...
