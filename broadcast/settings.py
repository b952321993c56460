"""Station settings: one object, built once at start and passed down.

Values come from, in order of precedence: explicit arguments, ``BROADCAST_*`` environment
variables, a TOML config file (``BROADCAST_CONFIG``, default ``<data_dir>/loa.toml``), defaults.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _config_file() -> Path:
    explicit = os.environ.get("BROADCAST_CONFIG")
    if explicit:
        return Path(explicit)
    data_dir = Path(os.environ.get("BROADCAST_DATA_DIR", "."))
    return data_dir / "loa.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BROADCAST_", extra="ignore")

    # Where the station's files live: database, audio cache, uploaded media.
    data_dir: Path = Field(default_factory=Path.cwd)
    database_url: str | None = None
    audio_cache_dir: Path | None = None
    media_dir: Path | None = None

    # Text-to-speech: the fallback chain, first engine first.
    engines: list[str] = ["gtts", "espeak"]
    gtts_lang: str = "vi"
    gtts_tld: str = "com.vn"
    gtts_requests_per_second: float = 2.0
    gtts_timeout_seconds: float = 10.0
    gtts_retries: int = 2
    gtts_backoff_seconds: float = 1.0
    breaker_failures: int = 3
    breaker_cooldown_seconds: float = 300.0
    espeak_voice: str = "vi"
    espeak_rate: int = 150
    espeak_pitch: int = 50
    lexicon_path: Path | None = None  # station-local abbreviations, overrides the shipped one

    # Cloud voices. The keys are secrets: never logged, never shown after saving. A key saved
    # through the web page (kept in the database) takes precedence over these.
    fpt_api_key: SecretStr | None = None
    fpt_voice: str = "banmai"
    fpt_speed: int = 0  # -3 (slowest) .. +3 (fastest)
    fpt_requests_per_second: float = 1.0
    fpt_timeout_seconds: float = 15.0
    fpt_retries: int = 2
    fpt_backoff_seconds: float = 2.0
    fpt_poll_seconds: float = 1.0
    fpt_ready_timeout_seconds: float = 120.0
    zalo_api_key: SecretStr | None = None
    zalo_speaker: int = 2  # 1..6, see broadcast/tts/zalo_engine.py (2: nữ miền Bắc)
    zalo_speed: float = 1.0  # 0.8 .. 1.2
    zalo_requests_per_second: float = 1.0
    zalo_timeout_seconds: float = 15.0
    zalo_retries: int = 2
    zalo_backoff_seconds: float = 2.0
    zalo_poll_seconds: float = 1.0
    zalo_ready_timeout_seconds: float = 60.0
    # The offline neural voice: a Piper model the station supplies (nothing is downloaded).
    piper_model: Path | None = None
    piper_config: Path | None = None  # default: the model path + ".json"
    piper_speaker: int | None = None
    piper_length_scale: float | None = None  # > 1 slower, < 1 faster
    # Voices offered to editors besides the chain (e.g. ["fpt:leminh", "zalo:4"]).
    voices: list[str] = []
    voice_sample_text: str = (
        "Kính thưa bà con, đây là giọng đọc của đài truyền thanh xã. "
        "Chúc bà con một ngày làm việc hiệu quả."
    )
    script_max_bytes: int = 2_000_000

    # Program assembly.
    loudness_target_lufs: float = -16.0
    true_peak_max_dbtp: float = -1.0
    sample_rate: int = 48_000
    jingles_dir: Path | None = None
    bed_duck_db: float = 18.0

    # Timetable and playout.
    timezone: str = "Asia/Ho_Chi_Minh"
    audio_device: str | None = None
    output_gain_db: float = 0.0
    render_ahead_seconds: float = 600.0
    grace_seconds: float = 300.0
    hook_before: str | None = None
    hook_after: str | None = None
    hook_lead_seconds: float = 5.0
    load_example_timetable: bool = True
    disk_min_free_mb: int = 500  # health is degraded below this much free space

    # Relay and live (issue 14).
    fallback_program: str | None = None  # covers a relay outage (default: a spoken notice)
    fallback_jingle: str = "intro"  # the jingle after the default notice
    relay_connect_ahead_seconds: float = 15.0  # a relay connects this long before its slot
    input_device: str | None = None  # live input (microphone, line-in), by name or index
    # The output buffer and callback size: smaller ones bring live speech closer to the
    # microphone (bench/live_latency.py) and leave less slack for a loaded machine.
    output_latency_seconds: float = 0.25
    output_blocksize: int = 1024
    live_limit_dbfs: float = -1.0  # the live input's limiter ceiling
    icecast_url: str | None = None  # publish live/relay output: http://source:PW@host:port
    icecast_mount: str = "/loa.ogg"
    cluster_delay_seconds: float = 3.0  # agents play the published stream this much later

    # Speaker clusters (see README, "Speaker clusters"): the MQTT broker, the files Loa writes
    # for it (default <data dir>/mosquitto/passwd and acl) and the command that makes it
    # read them again; how far ahead each cluster holds its plan; its heartbeat.
    mqtt_url: str | None = None  # e.g. mqtt://127.0.0.1:1883
    mqtt_password_file: Path | None = None
    mqtt_acl_file: Path | None = None
    mqtt_reload_command: str | None = None  # e.g. "systemctl reload mosquitto"
    mqtt_station_password: str | None = None  # default: <data dir>/mqtt-station.secret
    cluster_plan_hours: float = 26.0
    cluster_heartbeat_seconds: float = 30.0

    # HTTP server.
    host: str = "127.0.0.1"
    port: int = 8000
    bootstrap_token: str | None = None
    upload_max_bytes: int = 20 * 1024 * 1024

    # Running as a service: who the station is, backups, alerts that reach a person.
    station_name: str = "Đài truyền thanh xã"
    backup_dir: Path | None = None  # default <data_dir>/backups
    backup_time: time | None = None  # local time of the nightly backup; None: no nightly one
    backup_keep_days: int = Field(default=14, ge=1)
    smtp_host: str | None = None  # e-mail alerts are sent when this is set
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    alert_from: str | None = None  # default loa@<host name>
    alert_to: list[str] = []
    alert_webhooks: list[str] = []  # JSON POST of every alert (a Zalo/Telegram bot relays it)
    alert_disk_min_free_percent: float = 10.0
    alert_disk_min_free_mb: float = 1024.0
    alert_timeout_seconds: float = 10.0

    # Publishing what aired: podcast feeds and the public "Nghe lại" page (issue 15).
    # The address listeners reach the station at, e.g. "https://loa.xa-an-binh.gov.vn": every
    # link in the feeds and pages starts with it (unset: the address the request came to).
    public_url: str | None = None
    public_name: str = "Đài truyền thanh xã"
    public_description: str = (
        "Nghe lại các chương trình đã phát trên hệ thống loa truyền thanh của xã, kèm toàn văn."
    )
    public_author: str | None = None  # default: the public name
    public_owner_email: str | None = None
    public_image: str | None = None  # a PNG/JPEG file, or an https:// address (default: shipped)
    public_category: str = "Government"  # an Apple Podcasts category
    public_requests_per_minute: int = 120  # per client address, on the public pages and feeds
    publish_topics: list[str] = []  # the columns (topics) published; ["*"]: every column
    publish_announcements: bool = False  # announcements (emergency...) are not published
    publish_retention_days: int = Field(default=90, ge=1)
    publish_interval_seconds: float = Field(default=60.0, gt=0)
    publish_bitrate_kbps: int = Field(default=64, ge=32, le=192)
    published_dir: Path | None = None

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parsed = urlsplit(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(
                "BROADCAST_PUBLIC_URL phải là địa chỉ đầy đủ, ví dụ https://loa.xa.gov.vn"
            )
        return value.strip().rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    # Derived paths: one place decides where things go.
    @property
    def cache_dir(self) -> Path:
        return self.audio_cache_dir or self.data_dir / "audio_cache"

    @property
    def media_path(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def jingles_path(self) -> Path:
        return self.jingles_dir or self.data_dir / "jingles"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'loa.db').resolve()}"

    @property
    def published_path(self) -> Path:
        return self.published_dir or self.data_dir / "published"

    @property
    def local_lexicon(self) -> Path:
        return self.lexicon_path or self.data_dir / "lexicon.yaml"

    @property
    def backups_path(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def config_file(self) -> Path:
        """The station's TOML config file (it may not exist)."""
        explicit = os.environ.get("BROADCAST_CONFIG")
        return Path(explicit) if explicit else self.data_dir / "loa.toml"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; callers pass the object down."""
    return Settings(**overrides)
