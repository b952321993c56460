"""Alerts as a JSON POST to a web address, for a chat bot (Zalo, Telegram) to relay.

The body (``Content-Type: application/json; charset=utf-8``)::

    {"source": "loa", "format_version": 1, "station": "...", "host": "...",
     "subject": "...", "text": "subject, blank line, body: ready to forward as is",
     "events": [{"phase": "open"|"close", "key": "...", "kind": "...",
                 "title": "...", "detail": "...", "at": "2025-11-21T06:00:30+07:00"}]}

Any 2xx answer means delivered. The address can hold a secret (a bot token), so messages
name only its host.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from urllib.parse import urlsplit

from broadcast import __version__
from broadcast.alerts.wording import AlertMessage, StationIdentity
from broadcast.errors import AlertDeliveryError

FORMAT_VERSION = 1


def webhook_name(url: str) -> str:
    """A stable name that does not reveal the address (deliveries are recorded under it)."""
    return "webhook:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:10]


def payload(message: AlertMessage, station: StationIdentity, tz: tzinfo) -> dict[str, Any]:
    return {
        "source": "loa",
        "format_version": FORMAT_VERSION,
        "station": station.name,
        "host": station.host,
        "subject": message.subject,
        "text": f"{message.subject}\n\n{message.text}",
        "events": [
            {
                "phase": e.phase,
                "key": e.key,
                "kind": e.kind,
                "title": e.title,
                "detail": e.detail,
                "at": e.at.astimezone(tz).isoformat(timespec="seconds"),
            }
            for e in message.events
        ],
    }


@dataclass
class WebhookNotifier:
    url: str
    station: StationIdentity
    tz: tzinfo
    timeout: float = 10.0

    @property
    def name(self) -> str:
        return webhook_name(self.url)

    def send(self, message: AlertMessage) -> None:
        body = json.dumps(payload(message, self.station, self.tz), ensure_ascii=False)
        request = urllib.request.Request(
            self.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"Loa/{__version__}",
            },
        )
        where = urlsplit(self.url).netloc or self.url[:30]
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise AlertDeliveryError(
                f"Địa chỉ nhận cảnh báo {where} trả lời lỗi {exc.code}.", code="webhook_failed"
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AlertDeliveryError(
                f"Không gửi được cảnh báo tới {where}: {reason}", code="webhook_failed"
            ) from exc
        if not 200 <= status < 300:
            raise AlertDeliveryError(
                f"Địa chỉ nhận cảnh báo {where} trả lời {status}.", code="webhook_failed"
            )
