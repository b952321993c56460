"""The MQTT link (paho-mqtt 2.x): the one module that imports paho.

How paho behaves, and what this module makes of it:
- ``loop_start`` runs ``loop_forever(retry_first_connection=True)`` on a thread: the first
  connection and every lost one are retried for ever, waiting ``reconnect_delay_set(min,
  max)`` (doubling from min to max, reset by a successful CONNACK). A broker that refuses
  the credentials answers every attempt with "Not authorized" / "Bad user name or password":
  that is kept in ``refused`` (the caller decides whether to go on trying).
- paho keeps QoS 1 messages published while offline in memory and sends them after the
  reconnection, but only in memory, and they pile up. Here ``publish`` sends only while
  connected and returns False otherwise: what must survive a cut is kept by the caller (the
  agent's as-run outbox in its SQLite store; the station re-publishes its retained plans on
  every connection).
- Subscriptions are made again on every connection (a broker restarted without its
  persistence file forgot them). With ``clean_session=False`` the broker also keeps the
  subscriptions and queues QoS 1 messages for a client that is briefly away.
- The last will is given to the broker at connection time and published by it when the
  connection is lost without a DISCONNECT (a killed process, a cut network).
- Callbacks run on paho's network thread: handlers must be quick (hand work to a queue) and
  never raise (an exception would stop the loop; it is logged here instead).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from broadcast.errors import ClusterError
from broadcast.urls import without_password

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]
_REFUSALS = ("Not authorized", "Bad user name or password")


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def text(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def parse_mqtt_url(url: str) -> BrokerAddress:
    """``mqtt://[user:password@]host[:port]`` (port 1883 by default)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ClusterError(
            f"Địa chỉ máy chủ MQTT không hợp lệ: {without_password(url)!r} "
            "(ví dụ mqtt://127.0.0.1:1883).",
            code="bad_mqtt_url",
        )
    try:
        port = parts.port or 1883
    except ValueError as exc:
        raise ClusterError(
            f"Cổng MQTT không hợp lệ trong {without_password(url)!r}.", code="bad_mqtt_url"
        ) from exc
    return BrokerAddress(
        parts.hostname, port,
        None if parts.username is None else unquote(parts.username),
        None if parts.password is None else unquote(parts.password),
    )


class Bus:
    """One MQTT client: connects (and reconnects) in the background, subscribes its
    handlers on every connection, publishes while connected."""

    def __init__(
        self,
        address: BrokerAddress,
        *,
        client_id: str,
        username: str,
        password: str,
        clean_session: bool = False,
        will: tuple[str, bytes] | None = None,
        on_connection: Callable[[bool], None] | None = None,
        keepalive: int = 20,
        reconnect_delay: tuple[int, int] = (1, 5),
        max_inflight: int = 20,
    ) -> None:
        self.address = address
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session,
            protocol=paho.MQTTv311,
        )
        self._client.username_pw_set(username, password)
        if will is not None:
            self._client.will_set(will[0], will[1], qos=1, retain=True)
        self._client.reconnect_delay_set(*reconnect_delay)
        self._client.max_inflight_messages_set(max_inflight)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._keepalive = keepalive
        self._handlers: list[tuple[str, Handler]] = []
        self._on_connection = on_connection
        self._connected = threading.Event()
        self._started = False
        self.refused: str | None = None  # the broker's refusal of our credentials, if any
        self.last_error: str | None = None
        self.connections = 0

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """Deliver messages matching ``topic_filter`` (QoS 1) to ``handler(topic, payload)``,
        from now on and after every reconnection."""
        self._handlers.append((topic_filter, handler))
        if self.connected:
            self._client.subscribe(topic_filter, qos=1)

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._client.connect_async(self.address.host, self.address.port, self._keepalive)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> bool:
        """Send with QoS 1 if connected (False otherwise: nothing is queued)."""
        if not self.connected:
            return False
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        return info.rc == paho.MQTT_ERR_SUCCESS

    def stop(self, last: tuple[str, bytes] | None = None, timeout: float = 2.0) -> None:
        """Publish ``last`` (e.g. an "offline" status, retained), disconnect cleanly (no
        will), and stop the network thread."""
        if not self._started:
            return
        if last is not None and self.connected:
            info = self._client.publish(last[0], last[1], qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        self._started = False
        self._connected.clear()

    # --- paho callbacks (network thread) ------------------------------------------------

    def _on_connect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            name = str(reason)
            self.last_error = name
            if name in _REFUSALS:
                self.refused = name
            log.error("the MQTT broker %s refused the connection: %s", self.address.text, name)
            return
        self.refused = None
        self.last_error = None
        self.connections += 1
        for topic_filter, _ in self._handlers:
            client.subscribe(topic_filter, qos=1)
        self._connected.set()
        log.info("connected to the MQTT broker %s", self.address.text)
        self._tell(True)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        was = self.connected
        self._connected.clear()
        if was:
            self.last_error = str(reason)
            log.warning("lost the MQTT broker %s: %s", self.address.text, reason)
            self._tell(False)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        for topic_filter, handler in self._handlers:
            if paho.topic_matches_sub(topic_filter, message.topic):
                try:
                    handler(message.topic, bytes(message.payload))
                except Exception:  # a handler's bug must not stop the network loop
                    log.exception("MQTT handler for %s failed", message.topic)

    def _tell(self, connected: bool) -> None:
        if self._on_connection is None:
            return
        try:
            self._on_connection(connected)
        except Exception:
            log.exception("MQTT connection listener failed")
