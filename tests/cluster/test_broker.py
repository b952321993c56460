"""The files Loa writes for Mosquitto, against a real broker: each cluster gets in with its
token only, reaches only its own topics, and its last will says when it is gone."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from broadcast.cluster import broker_files as bf
from broadcast.cluster import protocol as p
from broadcast.cluster.mqtt_bus import Bus, parse_mqtt_url
from tests.e2e.cluster_rig import Broker

STATION_PASSWORD = "station-secret-123"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Broker, dict[str, str]]]:
    broker = Broker(tmp_path_factory.mktemp("broker")).start()
    tokens = {"thon-1": bf.new_token(), "thon-2": bf.new_token()}
    bf.write_broker_files(
        broker.directory / "passwd", broker.directory / "acl", bf.broker_hash(STATION_PASSWORD),
        [(c, bf.broker_hash(t)) for c, t in tokens.items()],
    )
    assert bf.reload_broker(broker.station_env()["BROADCAST_MQTT_RELOAD_COMMAND"])
    time.sleep(0.3)  # the broker reads the files on SIGHUP
    try:
        yield broker, tokens
    finally:
        broker.stop()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.event = threading.Event()

    def __call__(self, topic: str, payload: bytes) -> None:
        self.messages.append((topic, payload))
        self.event.set()


def client(broker: Broker, user: str, password: str, name: str, **kwargs: object) -> Bus:
    bus = Bus(parse_mqtt_url(broker.url), client_id=name, username=user, password=password,
              clean_session=True, **kwargs)  # type: ignore[arg-type]
    bus.start()
    return bus


def test_the_password_file_has_mosquitto_passwd_lines(tmp_path: Path) -> None:
    hashed = bf.broker_hash("secret", salt=b"0123456789ab")
    assert hashed.startswith("$7$101$") and bf.broker_hash_matches("secret", hashed)
    text = bf.password_file_text([("thon-1", hashed)])
    assert text == f"thon-1:{hashed}\n"


def test_a_cluster_gets_in_with_its_token_only(broker: tuple[Broker, dict[str, str]]) -> None:
    server, tokens = broker
    good = client(server, "thon-1", tokens["thon-1"], "good")
    wrong = client(server, "thon-1", tokens["thon-2"], "wrong")
    try:
        assert good.wait_connected(10)
        deadline = time.time() + 10
        while wrong.refused is None and time.time() < deadline:
            time.sleep(0.05)
        assert wrong.refused in ("Not authorized", "Bad user name or password")
        assert not wrong.connected
    finally:
        good.stop()
        wrong.stop()


def test_each_cluster_reaches_only_its_own_topics(broker: tuple[Broker, dict[str, str]]) -> None:
    server, tokens = broker
    station_inbox, one_inbox = Inbox(), Inbox()
    station = client(server, p.STATION_USER, STATION_PASSWORD, "station")
    one = client(server, "thon-1", tokens["thon-1"], "one")
    try:
        assert station.wait_connected(10) and one.wait_connected(10)
        station.subscribe(f"{p.ROOT}/clusters/+/asrun", station_inbox)
        one.subscribe(p.cluster_topic("thon-2", "plan"), one_inbox)  # not its own: denied
        one.subscribe(p.cluster_topic("thon-1", "plan"), one_inbox)
        time.sleep(0.3)
        assert station.publish(p.cluster_topic("thon-2", "plan"), b"for thon-2", retain=True)
        assert station.publish(p.cluster_topic("thon-1", "plan"), b"for thon-1", retain=True)
        assert one.publish(p.cluster_topic("thon-2", "asrun"), b"forged")  # dropped by the ACL
        assert one.publish(p.cluster_topic("thon-1", "asrun"), b"mine")
        time.sleep(1.0)
        assert one_inbox.messages == [(p.cluster_topic("thon-1", "plan"), b"for thon-1")]
        assert station_inbox.messages == [(p.cluster_topic("thon-1", "asrun"), b"mine")]
    finally:
        station.stop()
        one.stop()


def test_the_last_will_says_a_cluster_is_gone(broker: tuple[Broker, dict[str, str]]) -> None:
    server, tokens = broker
    inbox = Inbox()
    station = client(server, p.STATION_USER, STATION_PASSWORD, "station-will")
    will = (p.cluster_topic("thon-2", "status"), p.encode("status", online=False))
    two = client(server, "thon-2", tokens["thon-2"], "two", will=will, keepalive=2)
    try:
        assert station.wait_connected(10) and two.wait_connected(10)
        station.subscribe(p.cluster_topic("thon-2", "status"), inbox)
        assert two.publish(p.cluster_topic("thon-2", "status"), p.encode("status", online=True),
                           retain=True)
        time.sleep(0.5)
        assert p.decode(inbox.messages[-1][1])["online"] is True
        inbox.event.clear()
        # The connection dies without a goodbye (a killed agent, a cut line).
        raw = two._client.socket()
        assert isinstance(raw, socket.socket)
        raw.shutdown(socket.SHUT_RDWR)
        assert inbox.event.wait(10)
        assert p.decode(inbox.messages[-1][1])["online"] is False
    finally:
        station.stop()
        two._client.loop_stop()
