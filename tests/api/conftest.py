"""The API over a real SQLite store in tmp_path and a fake station."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from broadcast.cluster.hub import ClusterHub
from broadcast.errors import RenderError
from broadcast.playout.sink import DeviceInfo
from broadcast.settings import Settings
from broadcast.store.store import Store, open_store
from tests.api.fake_station import FakeStation

ROLES = ("admin", "approver", "editor", "operator")
PASSWORD = "mat-khau-du-dai"


def fake_devices() -> list[DeviceInfo]:
    return [DeviceInfo(0, "loa_xa", "ALSA", 2, 48_000.0, True)]


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    store: Store
    station: FakeStation
    settings: Settings
    tokens: dict[str, str]
    clusters: ClusterHub

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        data_dir=tmp_path,
        load_example_timetable=False,
        **overrides,  # type: ignore[arg-type]
    )


def build_api(tmp_path: Path, **overrides: object) -> Api:
    settings = make_settings(tmp_path, **overrides)
    store = open_store(settings.db_url)
    station = FakeStation(tmp_path / "previews", store)
    clusters = cluster_hub(settings, store, station)
    app = create_app(settings, store, station, list_devices=fake_devices, clusters=clusters)
    tokens = {}
    for role in ROLES:
        store.users.create(role, role)  # passwords (scrypt, slow on purpose) set where needed
        tokens[role] = store.users.issue_token(role)
    return Api(app, TestClient(app), store, station, settings, tokens, clusters)


def _no_render(program_id: str) -> object:
    raise RenderError("Không dựng trong thử nghiệm API.", code="render_failed")


def cluster_hub(settings: Settings, store: Store, station: FakeStation) -> ClusterHub:
    """The real hub, without a broker (no BROADCAST_MQTT_URL) and not started: the registry,
    the tokens and the views work; nothing is planned."""
    from broadcast.station.timetable_query import TimetableQuery

    hub = ClusterHub(
        settings, store, clock=station.clock, tz=station.tz, timetable=station.timetable,
        query=TimetableQuery(store, None, station.tz),  # type: ignore[arg-type]
        render=_no_render,  # type: ignore[arg-type]
    )
    hub.load()
    return hub


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    built = build_api(tmp_path)
    with built.client:
        yield built
    built.store.close()


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app for a whole module, for tests that change nothing that matters to the others."""
    built = build_api(tmp_path_factory.mktemp("api"))
    with built.client:
        yield built
    built.store.close()
