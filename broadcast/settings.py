"""Station settings: one object, built once at start and passed down.

Values come from, in order of precedence: explicit arguments, ``BROADCAST_*`` environment
variables, a TOML config file (``BROADCAST_CONFIG``, default ``<data_dir>/loa.toml``), defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
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
    def local_lexicon(self) -> Path:
        return self.lexicon_path or self.data_dir / "lexicon.yaml"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; callers pass the object down."""
    return Settings(**overrides)
