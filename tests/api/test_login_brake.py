"""The login brake: growing delays per source address, per name and per known device;
nobody can keep the real user out of a device they logged in with, and one password tried
over many names from one place is slowed down."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.login_brake import PER_NAME, PER_SOURCE, LoginBrake
from broadcast.clock import ManualClock
from broadcast.store.store import open_store
from tests.api.conftest import PASSWORD, fake_devices, make_settings
from tests.api.fake_station import FakeStation

T0 = datetime(2031, 3, 2, 1, 0, tzinfo=UTC)


def _fail(brake: LoginBrake, times: int, *, name: str = "admin", source: str = "10.0.0.9",
          device: str | None = None, at: datetime = T0) -> None:  # fmt: skip
    for _ in range(times):
        brake.failed(name, source, device, at)


def test_five_failures_are_free_then_each_wait_doubles_up_to_a_cap() -> None:
    brake = LoginBrake()
    _fail(brake, 4)
    assert brake.wait("admin", "10.0.0.9", None, T0) == timedelta(0)
    waits = []
    now = T0
    for _ in range(20):
        brake.failed("admin", "10.0.0.9", None, now)
        waits.append(brake.wait("admin", "10.0.0.9", None, now))
        now += waits[-1]  # the attacker waits exactly as long as told
    seconds = [w.total_seconds() for w in waits]
    assert seconds[:6] == [1, 2, 4, 8, 16, 32]
    assert max(seconds) == PER_NAME.cap.total_seconds() == 1800
    # From another address the name is still braked: the counter is the name's.
    assert brake.wait("admin", "10.0.0.10", None, now - timedelta(seconds=1)) > timedelta(0)


def test_names_are_one_counter_whatever_their_case() -> None:
    brake = LoginBrake()
    _fail(brake, 3, name="ADMIN")
    _fail(brake, 2, name="Admin", source="10.0.0.10")
    assert brake.wait("admin", "10.0.0.11", None, T0) == timedelta(seconds=1)


def test_a_known_device_is_never_kept_out_by_the_failures_of_others() -> None:
    brake = LoginBrake()
    brake.succeeded("admin", "cookie-of-the-admin-pc")
    # Someone fails 200 times on "admin", from the admin's own office address too.
    _fail(brake, 200, source="10.0.0.1")
    _fail(brake, 200, source="203.0.113.7")
    assert brake.wait("admin", "10.0.0.1", None, T0) > timedelta(minutes=20)
    assert brake.wait("admin", "10.0.0.1", "cookie-of-the-admin-pc", T0) == timedelta(0)
    # The device's cookie does not help for another account.
    assert brake.wait("lan", "10.0.0.1", "cookie-of-the-admin-pc", T0) > timedelta(0)


def test_a_known_device_is_braked_by_its_own_failures_only() -> None:
    brake = LoginBrake()
    brake.succeeded("admin", "pc")
    _fail(brake, 5, device="pc")
    assert brake.wait("admin", "10.0.0.9", "pc", T0) == timedelta(seconds=1)
    brake.succeeded("admin", "pc")
    assert brake.wait("admin", "10.0.0.9", "pc", T0) == timedelta(0)


def _spray_hours(brake: LoginBrake, names: int) -> float:
    """Hours an attacker needs to try one password on ``names`` names from one address,
    waiting exactly as long as the brake asks each time."""
    now = T0
    for index in range(names):
        now += brake.wait(f"user{index}", "198.51.100.4", None, now)
        brake.failed(f"user{index}", "198.51.100.4", None, now)
    return (now - T0).total_seconds() / 3600


def test_one_password_over_many_names_from_one_place_is_slowed() -> None:
    assert PER_SOURCE.free == 10
    assert _spray_hours(LoginBrake(), 10) == 0
    assert _spray_hours(LoginBrake(), 30) > 4  # 20 names past the free ones: hours, not seconds


def test_counters_are_forgotten_after_a_quiet_day() -> None:
    brake = LoginBrake()
    _fail(brake, 12)
    later = T0 + timedelta(hours=23)
    brake.failed("admin", "10.0.0.9", None, later)  # the 13th: the count goes on
    assert brake.wait("admin", "10.0.0.9", None, later) == timedelta(seconds=256)
    quiet = later + timedelta(hours=24)
    brake.failed("admin", "10.0.0.9", None, quiet)  # a day later: counted from one again
    assert brake.wait("admin", "10.0.0.9", None, quiet) == timedelta(0)


# --- through the API ------------------------------------------------------------------------


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[object, ManualClock]]:
    settings = make_settings(tmp_path)
    store = open_store(settings.db_url)
    clock = ManualClock(T0)
    app = create_app(settings, store, FakeStation(tmp_path / "previews", store, clock=clock),
                     list_devices=fake_devices)  # fmt: skip
    store.users.create("admin", "admin", password=PASSWORD)
    for index in range(30):
        store.users.create(f"nguoi{index}", "operator", password=f"{PASSWORD}-{index}")
    yield app, clock
    store.close()


def _client(app: object, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))  # type: ignore[arg-type]


def test_failures_elsewhere_do_not_lock_the_admin_out_of_their_own_pc(
    station: tuple[object, ManualClock],
) -> None:
    app, _ = station
    admin_pc = _client(app, "192.168.1.10")
    first = admin_pc.post("/api/session", json={"name": "admin", "password": PASSWORD})
    assert first.status_code == 200
    assert "loa_device" in admin_pc.cookies
    attacker = _client(app, "192.168.1.66")
    for _ in range(8):
        attacker.post("/api/session", json={"name": "admin", "password": "doan-bua-123"})
    blocked = attacker.post("/api/session", json={"name": "admin", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["retry_after_seconds"] == int(blocked.headers["retry-after"])
    # The real admin, from the PC they logged in with, gets in at once.
    again = admin_pc.post("/api/session", json={"name": "ADMIN", "password": PASSWORD})
    assert again.status_code == 200, again.text


def test_the_wait_is_a_delay_not_a_lockout(station: tuple[object, ManualClock]) -> None:
    app, clock = station
    newcomer = _client(app, "192.168.1.20")
    for _ in range(5):
        wrong = newcomer.post("/api/session", json={"name": "admin", "password": "sai-mat-khau"})
        assert wrong.status_code == 401
    refused = newcomer.post("/api/session", json={"name": "admin", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert "1 giây" in refused.json()["message"]
    clock.advance(1)
    assert (
        newcomer.post("/api/session", json={"name": "admin", "password": PASSWORD}).status_code
        == 200
    )


def test_spraying_one_password_over_thirty_names_is_slowed(
    station: tuple[object, ManualClock],
) -> None:
    app, _ = station
    sprayer = _client(app, "198.51.100.4")
    statuses = [
        sprayer.post(
            "/api/session", json={"name": f"nguoi{i}", "password": "123456789"}
        ).status_code
        for i in range(30)
    ]
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}, statuses
    # Another address is not held up by it.
    office = _client(app, "192.168.1.30")
    ok = office.post("/api/session", json={"name": "nguoi3", "password": f"{PASSWORD}-3"})
    assert ok.status_code == 200


def test_guesses_sent_all_at_once_are_braked_like_guesses_one_by_one(
    station: tuple[object, ManualClock],
) -> None:
    app, _ = station
    guesser = _client(app, "203.0.113.9")
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(
            lambda i: guesser.post(
                "/api/session", json={"name": "admin", "password": f"doan-{i}"}
            ).status_code,
            range(40),
        ))
    assert statuses.count(401) == 5, statuses  # the five free failures, not forty
    assert statuses.count(429) == 35
