"""The upkeep hook on the real station runtime (fake voice, file sink): a broadcast that
fails and a sound device that is missing reach the webhook receiver, once each."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcast.errors import RenderError
from broadcast.playout.file_sink import FileSink
from broadcast.playout.player import Player
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Slot
from broadcast.settings import Settings
from broadcast.station.runtime import Station
from broadcast.store.store import open_store
from broadcast.upkeep import Upkeep
from tests.alerts.conftest import WebhookReceiver


def test_a_failed_broadcast_and_a_missing_device_reach_the_webhook(
    tmp_path: Path, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        data_dir=tmp_path, engines=["fake"], grace_seconds=4.0, hook_lead_seconds=0.0,
        load_example_timetable=False, audio_device="khong-co-card-nay",
        alert_webhooks=[webhook.url], alert_disk_min_free_percent=0, alert_disk_min_free_mb=0,
    )
    store = open_store(settings.db_url)
    script = store.scripts.create(title="Tin", text="Xin chào bà con.", topic="thu-nghiem")
    store.scripts.approve(script.id, by="tester")
    store.programs.create(Program(id="tin", title="Bản tin trưa", topic="thu-nghiem",
                                  segments=(Segment.stored_script(script.id),)))
    missing = FileSink(tmp_path / "played", name="khong-co-card-nay", missing=True)
    station = Station(settings, store, Player(missing))

    def broken(*args: object, **kwargs: object) -> None:
        raise RenderError("Hỏng giọng đọc.", code="render_failed")

    monkeypatch.setattr(station.renderer, "render_program", broken)
    upkeep = Upkeep(settings, store, station.health)
    station.startup()
    upkeep.start(interval=0.2)
    try:
        at = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        local = at.astimezone(station.tz)
        store.slots.create(Slot(id="trua", program_id="tin", time=local.time(),
                                on_date=local.date()))
        station.timetable.changed()
        deadline = time.time() + 30
        while time.time() < deadline:
            kinds = {e["kind"] for body in webhook.bodies for e in body["events"]}
            if "broadcast_failed" in kinds:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # a few more ticks: nothing is sent twice
    finally:
        upkeep.stop()
        station.shutdown()
        store.close()
    events = [e for body in webhook.bodies for e in body["events"]]
    assert sorted(e["kind"] for e in events) == ["broadcast_failed", "sound_device_missing"]
    failed = next(e for e in events if e["kind"] == "broadcast_failed")
    assert "Bản tin trưa" in failed["title"] and "Hỏng giọng đọc" in failed["detail"]
