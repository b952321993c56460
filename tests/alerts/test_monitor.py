"""The alert monitor against a real database, a local SMTP server (STARTTLS, login) and a
local webhook receiver: each alert reaches both once, with a recovery message, across
restarts; a channel that fails is retried without resending the others."""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcast.alerts.monitor import AlertMonitor, notifiers_from_settings
from broadcast.alerts.smtp import SmtpNotifier
from broadcast.alerts.wording import AlertMessage
from broadcast.errors import AlertDeliveryError, ConfigError, StoreError
from broadcast.programs import Program, Segment
from broadcast.settings import Settings
from broadcast.station.control import Health
from broadcast.store.store import Store, open_store
from broadcast.store.upkeep import AlertRepo, MarkRepo
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer, WebhookReceiver

T = datetime(2025, 11, 21, 0, 0, tzinfo=UTC)  # 07:00 in Hà Nội
STATION = "Đài truyền thanh xã Tân Lập"


@dataclass
class FakeHealth:
    """The station's health report, as a test sets it."""

    sound_device: str | None = "USB Audio Device"

    def __call__(self) -> Health:
        return Health(
            scheduler_running=True,
            sound_device=self.sound_device,
            sound_device_error=None if self.sound_device else "Không tìm thấy card âm thanh.",
            database=True,
            engines={"gtts": True, "espeak": True},
        )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    store.programs.create(Program(
        id="ban-tin-sang", title="Bản tin buổi sáng", topic="thong-tin-chung",
        segments=(Segment.jingle("intro"),),
    ))
    yield store
    store.close()


def settings_for(tmp_path: Path, smtp: SmtpServer, webhook: WebhookReceiver) -> Settings:
    return Settings(
        data_dir=tmp_path, station_name=STATION, engines=["gtts", "espeak"],
        smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="starttls",
        smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD,
        alert_from="loa@xa.gov.vn", alert_to=["truongdai@xa.gov.vn", "kythuat@huyen.gov.vn"],
        alert_webhooks=[webhook.url], public_url="https://loa.tanlap.gov.vn/",
        alert_disk_min_free_percent=0, alert_disk_min_free_mb=0,
    )


def monitor_for(settings: Settings, store: Store, smtp: SmtpServer, health: FakeHealth,
                **kwargs: object) -> AlertMonitor:
    notifiers = notifiers_from_settings(settings)
    for notifier in notifiers:
        if isinstance(notifier, SmtpNotifier):
            notifier.ssl_context = smtp.client_context  # trusts the test server's certificate
    return AlertMonitor(settings, store, health, notifiers=notifiers, **kwargs)  # type: ignore[arg-type]


def log_broadcast(store: Store, at: datetime, outcome: str, error: str | None = None,
                  engines: tuple[str, ...] = ("gtts",)) -> None:
    store.as_run.append(
        program_id="ban-tin-sang", priority="normal", scheduled_start=at, slot_id=None,
        actual_start=at if outcome == "aired" else None,
        end=at + timedelta(minutes=3), outcome=outcome, error=error, engines=engines,
    )


def test_alerts_reach_mail_and_webhook_once_then_the_recovery(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, smtp_server, webhook)
    health = FakeHealth()
    monitor = monitor_for(settings, store, smtp_server, health)
    mailbox = smtp_server.mailbox

    first = monitor.check(T)  # the first check only notes where the as-run log stands
    assert not first.opened and not mailbox.received and not webhook.bodies

    log_broadcast(store, T - timedelta(minutes=1), "failed", "Không dựng được bài: lỗi giọng.")
    health.sound_device = None
    result = monitor.check(T + timedelta(seconds=30))
    assert {o.kind for o in result.opened} == {"broadcast_failed", "sound_device_missing"}
    assert result.delivered == {"email": 2, webhook_name(webhook): 2}, result.failures
    mailbox.wait(1)
    [(recipients, mail, login)] = mailbox.received
    assert recipients == ["truongdai@xa.gov.vn", "kythuat@huyen.gov.vn"]
    assert login == SMTP_USER
    assert mail["Subject"] == f"[Loa] {STATION}: 2 cảnh báo mới"
    body = mail.get_content()
    assert "CẢNH BÁO: Mất thiết bị âm thanh đầu ra" in body
    assert "Buổi phát 'Bản tin buổi sáng' lúc 06:59 ngày 21/11/2025 không phát được" in body
    assert "lỗi giọng" in body and "https://loa.tanlap.gov.vn" in body
    assert body == unicodedata.normalize("NFC", body)
    [hook] = webhook.bodies
    assert webhook.content_types == ["application/json; charset=utf-8"]
    assert hook["source"] == "loa" and hook["format_version"] == 1
    assert hook["station"] == STATION
    assert {e["phase"] for e in hook["events"]} == {"open"}
    assert {e["kind"] for e in hook["events"]} == {"broadcast_failed", "sound_device_missing"}
    assert hook["text"].startswith(hook["subject"]) and "Mất thiết bị âm thanh" in hook["text"]
    assert hook["events"][0]["at"].endswith("+07:00")

    # Still the same problems: nothing is sent again, nor after a restart.
    assert not monitor.check(T + timedelta(seconds=60)).delivered
    restarted = monitor_for(settings, store, smtp_server, FakeHealth(sound_device=None))
    assert not restarted.check(T + timedelta(seconds=90)).delivered
    assert len(mailbox.received) == 1 and len(webhook.bodies) == 1

    # The device is back and the next broadcast airs: one recovery message each.
    health.sound_device = "USB Audio Device"
    log_broadcast(store, T + timedelta(minutes=2), "aired")
    cleared = monitor_for(settings, store, smtp_server, health).check(T + timedelta(minutes=3))
    assert {c.kind for c in cleared.closed} == {"broadcast_failed", "sound_device_missing"}
    mailbox.wait(2)
    assert len(mailbox.received) == 2
    recovery = mailbox.received[1][1]
    assert recovery["Subject"] == f"[Loa] {STATION}: 2 đã khắc phục"
    text = recovery.get_content()
    assert "ĐÃ KHẮC PHỤC: Mất thiết bị âm thanh đầu ra" in text
    assert "Đã có lại thiết bị âm thanh: USB Audio Device." in text
    assert "đã phát bình thường" in text
    assert [e["phase"] for e in webhook.bodies[1]["events"]] == ["close", "close"]


def webhook_name(receiver: WebhookReceiver) -> str:
    from broadcast.alerts.webhook import webhook_name as name

    return name(receiver.url)


def test_a_failing_channel_is_retried_later_and_the_other_is_not_resent(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, smtp_server, webhook).model_copy(
        update={"alert_disk_min_free_percent": 100.0}  # any disk is "nearly full"
    )
    monitor = monitor_for(settings, store, smtp_server, FakeHealth(),
                          retry_after=timedelta(minutes=5))
    smtp_server.stop()
    result = monitor.check(T)
    assert [o.kind for o in result.opened] == ["disk_low"]
    assert result.delivered == {webhook_name(webhook): 1}
    assert "Không gửi được thư cảnh báo" in result.failures["email"]
    smtp_server.start()
    assert not monitor.check(T + timedelta(minutes=1)).delivered  # waits before retrying
    later = monitor.check(T + timedelta(minutes=6))
    assert later.delivered == {"email": 1}
    smtp_server.mailbox.wait(1)
    [(_, mail, _)] = smtp_server.mailbox.received
    assert "Ổ đĩa sắp đầy" in mail["Subject"] and str(tmp_path) in mail.get_content()
    assert len(webhook.bodies) == 1


def test_a_webhook_that_answers_an_error_is_not_counted_as_delivered(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, webhook: WebhookReceiver
) -> None:
    settings = settings_for(tmp_path, smtp_server, webhook).model_copy(
        update={"alert_disk_min_free_percent": 100.0, "smtp_host": None}
    )
    monitor = monitor_for(settings, store, smtp_server, FakeHealth(),
                          retry_after=timedelta(0))
    webhook.status = 500
    result = monitor.check(T)
    assert result.delivered == {}
    [reason] = result.failures.values()
    assert "trả lời lỗi 500" in reason and "bi-mat" not in reason  # the token is not shown
    webhook.status = 200
    assert monitor.check(T + timedelta(seconds=30)).delivered == {webhook_name(webhook): 1}
    assert [e["kind"] for e in webhook.bodies[0]["events"]] == ["disk_low"]


def test_a_wrong_smtp_password_is_a_clear_error(smtp_server: SmtpServer) -> None:
    notifier = SmtpNotifier(
        host=smtp_server.host, port=smtp_server.port, sender="loa@xa.gov.vn",
        recipients=["a@xa.gov.vn"], user=SMTP_USER, password="sai",
        ssl_context=smtp_server.client_context,
    )
    with pytest.raises(AlertDeliveryError) as caught:
        notifier.send(AlertMessage("Thử", "Thử.\n", ()))
    assert caught.value.code == "smtp_auth_failed"
    assert "từ chối tên đăng nhập/mật khẩu" in caught.value.message
    assert not smtp_server.mailbox.received


def test_settings_make_the_notifiers_and_refuse_an_incomplete_setup(tmp_path: Path) -> None:
    assert notifiers_from_settings(Settings(data_dir=tmp_path)) == []
    with pytest.raises(ConfigError) as no_recipient:
        notifiers_from_settings(Settings(data_dir=tmp_path, smtp_host="mail.xa.gov.vn"))
    assert no_recipient.value.code == "alert_config_invalid"
    with pytest.raises(ConfigError):
        notifiers_from_settings(Settings(data_dir=tmp_path, alert_webhooks=["ftp://x"]))
    names = [n.name for n in notifiers_from_settings(Settings(
        data_dir=tmp_path, smtp_host="mail.xa.gov.vn", alert_to=["a@xa.gov.vn"],
        alert_webhooks=["https://bot.example/a", "https://bot.example/b"],
    ))]
    assert names[0] == "email" and len(set(names)) == 3


def test_a_full_disk_is_told_even_when_the_database_cannot_be_written(
    tmp_path: Path, webhook: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """The station's data on a small disk (tmpfs) that fills up: SQLite cannot write, and
    the alert still goes out, once; when space is back, the recovery goes out and both
    are recorded."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"this test mounts a small tmpfs (needs root): {mounted.stderr}")
    try:
        settings = Settings(data_dir=disk, alert_webhooks=[webhook.url],
                            alert_disk_min_free_percent=10, alert_disk_min_free_mb=0)
        store = open_store(settings.db_url)
        monitor = AlertMonitor(settings, store, FakeHealth())
        monitor.check(T)
        filler = fill(disk)
        exhaust_database(store)
        caplog.set_level("ERROR")
        full = monitor.check(T + timedelta(seconds=30))
        assert [o.kind for o in full.opened] == ["disk_low"]
        assert "cannot record alert state" in caplog.text
        assert [e["kind"] for e in webhook.bodies[0]["events"]] == ["disk_low"]
        assert not monitor.check(T + timedelta(seconds=60)).delivered  # told once
        filler.unlink()
        cleared = monitor.check(T + timedelta(seconds=90))
        assert [c.kind for c in cleared.closed] == ["disk_low"]
        assert len(webhook.bodies) == 2
        assert [e["phase"] for e in webhook.bodies[1]["events"]] == ["close"]
        [record] = AlertRepo(store.sessions).recent()
        assert record.kind == "disk_low" and record.closed_at is not None
        assert record.delivered("open", webhook_name(webhook))
        assert record.delivered("close", webhook_name(webhook))
        assert not monitor.check(T + timedelta(seconds=120)).delivered
        store.close()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def exhaust_database(store: Store) -> None:
    """Write until SQLite has no room left (its log file may have some at first)."""
    marks = MarkRepo(store.sessions)
    for i in range(1000):
        try:
            marks.set(f"filler-{i}", "x" * 4000, T)
        except StoreError:
            return
    raise AssertionError("the database never filled up")
