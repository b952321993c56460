"""Request and response bodies of the API (what /openapi.json describes)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.control_chars import refuse_control_characters, state_in_schema
from api.date_bounds import StationDate, StationDateTime
from broadcast.station.control import OccurrenceStatus

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PriorityName = Literal["normal", "priority", "emergency"]
RoleName = Literal["admin", "approver", "editor", "operator"]
MediaKind = Literal["jingle", "audio"]

TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
# Ids and media names are used in file names and URLs: a conservative alphabet.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# A speaker cluster's id is also its MQTT user name and part of its topics.
CLUSTER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ClusterId = Annotated[str, Field(pattern=CLUSTER_ID_PATTERN)]
ClusterChoice = Annotated[
    list[ClusterId],
    Field(min_length=1, max_length=1000,
          description='speaker clusters ("local": the station\'s own output); absent: all'),
]

Title = Annotated[str, Field(min_length=1, max_length=200)]
Topic = Annotated[str, Field(max_length=100)]
VoiceName = Annotated[str, Field(min_length=1, max_length=50)]
MediaName = Annotated[str, Field(pattern=NAME_PATTERN)]


class Strict(BaseModel):
    """Request bodies: no unknown fields, no control characters in any string but tab and
    line breaks (passwords excepted)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=state_in_schema)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        refuse_control_characters(data)
        return data


class ErrorBody(BaseModel):
    """Every error: a stable English code, a Vietnamese message, sometimes more fields."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


# --- accounts ------------------------------------------------------------------------------


class LoginIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class SessionOut(BaseModel):
    name: str
    role: RoleName
    csrf_token: str


class MeOut(BaseModel):
    name: str
    role: RoleName
    auth: Literal["token", "session"]
    csrf_token: str | None = None


class UserCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s/\\]+$")]
    role: RoleName
    password: Annotated[str, Field(min_length=8, max_length=1000)] | None = None


class UserCreated(BaseModel):
    name: str
    role: RoleName
    token: str  # shown once


class UserOut(BaseModel):
    name: str
    role: RoleName
    has_password: bool
    created_at: datetime
    disabled: bool = False


class UserPatch(Strict):
    """Change an account: its role, or disable it (no login, no token) / enable it again."""

    role: RoleName | None = None
    disabled: bool | None = None


# --- columns -------------------------------------------------------------------------------


class ColumnIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class ColumnOut(BaseModel):
    """A column (chuyên mục): ``id`` is what ``topic`` fields hold, ``name`` what people read."""

    id: str
    name: str


class PasswordIn(Strict):
    password: Annotated[str, Field(min_length=8, max_length=1000)]
    # A new password revokes every bearer token of the user, unless this is true.
    keep_tokens: bool = False


class PasswordChanged(BaseModel):
    ok: bool = True
    tokens_revoked: int


class TokenOut(BaseModel):
    """A bearer token of a user; the token itself is never shown again."""

    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreate(Strict):
    label: Annotated[str, Field(max_length=100)] = ""


class TokenCreated(TokenOut):
    token: str  # shown once


class RevokedOut(BaseModel):
    revoked: int


class Done(BaseModel):
    ok: bool = True


# --- scripts -------------------------------------------------------------------------------


class ScriptCreate(Strict):
    """``topic``: a column's id or name (a new name adds the column). ``air_date``: makes the
    script the bulletin of that day for its column."""

    title: Title
    text: Annotated[str, Field(min_length=1)]
    topic: Topic = ""
    voice: VoiceName | None = None
    engine: VoiceName | None = None
    air_date: StationDate | None = None


class ScriptUpdate(Strict):
    title: Title | None = None
    text: Annotated[str, Field(min_length=1)] | None = None
    topic: Topic | None = None
    voice: VoiceName | None = None
    engine: VoiceName | None = None
    air_date: StationDate | None = None


class ApproveIn(Strict):
    """The revision the approver read: approval is refused (409) if the text changed since."""

    revision: Annotated[int, Field(ge=1, le=2**31)] | None = None


class ScriptOut(BaseModel):
    id: int
    title: str
    topic: str
    text: str
    voice: str | None
    engine: str | None
    status: Literal["draft", "approved"]
    revision: int
    approved_by: str | None
    approved_at: datetime | None
    approved_revision: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    topic_name: str = ""
    air_date: dt.date | None = None
    # How the title was found: given (form or front matter), or guessed from the text (the
    # page then asks the editor to check it).
    title_source: Literal["given", "heading", "guessed"] = "given"
    approved_text: str | None = None  # the approved revision's text while an edit waits


class RevisionOut(BaseModel):
    number: int
    title: str
    topic: str
    text: str
    voice: str | None
    engine: str | None
    edited_by: str | None
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class WarningOut(BaseModel):
    code: str
    token: str
    message: str
    # The token is a word the editor may give a reading for ("Sửa cách đọc", POST /api/lexicon).
    correctable: bool = False


class SentenceOut(BaseModel):
    original: str
    reading: str
    warnings: list[WarningOut]


class PreviewOut(BaseModel):
    sentences: list[SentenceOut]


# --- media ---------------------------------------------------------------------------------


class MediaOut(BaseModel):
    name: str
    kind: MediaKind
    duration_seconds: float
    size_bytes: int


# --- programs ------------------------------------------------------------------------------


class ScriptSegment(Strict):
    type: Literal["script"]
    script_id: Annotated[int, Field(ge=1, le=2**62)]


class JingleSegment(Strict):
    type: Literal["jingle"]
    name: MediaName


class AudioSegment(Strict):
    type: Literal["audio"]
    name: MediaName


class SilenceSegment(Strict):
    type: Literal["silence"]
    seconds: Annotated[float, Field(gt=0, le=600)]


class BulletinSegment(Strict):
    """The bulletin of the day of a column: what airs is the approved script written for
    that column and the airing's date."""

    type: Literal["bulletin"]
    column: Annotated[str, Field(min_length=1, max_length=100)]


class FileSegment(Strict):
    """A script file of an imported timetable, kept as it is (``path`` as the API gave it)."""

    type: Literal["file"]
    path: Annotated[str, Field(min_length=1, max_length=1000)]


RELAY_URL_PATTERN = r"^https?://[^\s\x00-\x1f\x7f]+$"


class RelaySegment(Strict):
    """Relay (tiếp sóng) of a radio stream for ``seconds``: Icecast/Shoutcast (MP3, AAC,
    Ogg) or HLS. A relay program has this one segment."""

    type: Literal["relay"]
    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=RELAY_URL_PATTERN)]
    seconds: Annotated[float, Field(gt=0, le=6 * 3600)]


SegmentIn = Annotated[
    ScriptSegment
    | JingleSegment
    | AudioSegment
    | SilenceSegment
    | BulletinSegment
    | FileSegment
    | RelaySegment,
    Field(discriminator="type"),
]


class ProgramIn(Strict):
    title: Title
    topic: Topic = ""
    segments: Annotated[list[SegmentIn], Field(min_length=1, max_length=100)]
    bed: MediaName | None = None  # an uploaded audio file played under the speech


class SegmentOut(BaseModel):
    type: Literal["script", "jingle", "audio", "silence", "bulletin", "file", "relay"]
    script_id: int | None = None
    name: str | None = None
    seconds: float | None = None
    column: str | None = None  # bulletin: the column's id
    path: str | None = None  # file: the script file
    url: str | None = None  # relay: the stream


class ProgramOut(BaseModel):
    id: str
    title: str
    topic: str
    segments: list[SegmentOut]
    bed: str | None
    topic_name: str = ""


# --- slots ---------------------------------------------------------------------------------

TimeText = Annotated[str, Field(pattern=TIME_PATTERN, examples=["06:00:00"])]
Days = list[WeekdayName] | Literal["daily"]
MaxDuration = Annotated[int, Field(ge=1, le=86_400)]


class SlotIn(Strict):
    """A one-off slot (``date``) or a recurring one (``days``)."""

    program_id: Annotated[str, Field(min_length=1, max_length=64)]
    time: TimeText
    date: StationDate | None = None
    days: Annotated[Days, Field(min_length=1)] | None = None
    priority: PriorityName = "normal"
    max_duration_seconds: MaxDuration | None = None
    valid_from: StationDate | None = None
    valid_until: StationDate | None = None
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    clusters: ClusterChoice | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SlotIn:
        if (self.date is None) == (self.days is None):
            raise ValueError("give either date (one-off) or days (recurring), not both")
        if self.date is not None and (self.valid_from or self.valid_until):
            raise ValueError("a one-off slot has no valid_from / valid_until")
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError("valid_from is after valid_until")
        return self


class SlotPatch(Strict):
    """Adjust airtime: only the fields given change (null clears an optional one)."""

    program_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    time: TimeText | None = None
    date: StationDate | None = None
    days: Annotated[Days, Field(min_length=1)] | None = None
    priority: PriorityName | None = None
    max_duration_seconds: MaxDuration | None = None
    valid_from: StationDate | None = None
    valid_until: StationDate | None = None
    clusters: ClusterChoice | None = None  # null: every cluster

    @model_validator(mode="after")
    def _one_kind(self) -> SlotPatch:
        if self.date is not None and self.days is not None:
            raise ValueError("give either date or days, not both")
        return self


class SlotOut(BaseModel):
    id: str
    program_id: str
    time: str
    date: dt.date | None
    days: list[WeekdayName]
    priority: PriorityName
    max_duration_seconds: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    paused: bool
    clusters: list[str] | None = None  # null: every cluster


class SkipIn(Strict):
    original_start: StationDateTime


class MoveIn(Strict):
    original_start: StationDateTime
    new_start: StationDateTime


class AdjustmentOut(BaseModel):
    slot_id: str
    kind: Literal["skip", "move"]
    original_start: datetime
    new_start: datetime | None


# --- timetable and on air ------------------------------------------------------------------


class TimetableEntryOut(BaseModel):
    """One airing: an occurrence of a slot (``slot_id``) or one repeat of an announcement
    (``announcement_id``)."""

    slot_id: str | None
    announcement_id: int | None
    program_id: str
    program_title: str
    topic: str
    priority: PriorityName
    start: datetime
    original_start: datetime
    duration_seconds: float | None
    status: OccurrenceStatus
    moved: bool
    error: str | None
    note: str | None = None
    warning: str | None = None
    warning_script_id: int | None = None
    render_id: int | None = None
    log_id: int | None = None
    topic_name: str = ""


class ReplaceIn(Strict):
    """Air ``program_id`` instead of the occurrence that starts at ``original_start``."""

    original_start: StationDateTime
    program_id: Annotated[str, Field(min_length=1, max_length=64)]


class ReplaceOut(BaseModel):
    skipped: AdjustmentOut
    slot: SlotOut


class OnAirOut(BaseModel):
    slot_id: str | None
    announcement_id: int | None
    program_id: str
    program_title: str
    priority: PriorityName
    scheduled_start: datetime
    actual_start: datetime
    duration_seconds: float | None


class NowOut(BaseModel):
    on_air: OnAirOut | None
    next: list[TimetableEntryOut]


class StopOut(BaseModel):
    stopped: bool


class AnnouncementIn(Strict):
    """From an approved script (``script_id``), or from text typed by an approver."""

    script_id: Annotated[int, Field(ge=1, le=2**62)] | None = None
    text: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None
    title: Title | None = None
    topic: Topic = ""
    priority: Literal["emergency", "priority"] = "emergency"
    repeat: Annotated[int, Field(ge=1, le=50)] = 1
    every_minutes: Annotated[float, Field(ge=0, le=1440)] = 0.0
    clusters: ClusterChoice | None = None
    zone: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AnnouncementIn:
        if (self.script_id is None) == (self.text is None):
            raise ValueError("give either script_id or text")
        if self.clusters is not None and self.zone is not None:
            raise ValueError("give either clusters or zone (or neither: every cluster)")
        if self.repeat > 1 and self.every_minutes <= 0:
            raise ValueError("a repeated announcement needs every_minutes > 0")
        return self


class AnnouncementOut(BaseModel):
    id: int
    program_id: str
    script_id: int
    priority: PriorityName
    starts: list[datetime]
    clusters: list[str] | None = None  # where it airs; null: everywhere


class ActiveAnnouncementOut(BaseModel):
    """An announcement on air or with airings to come (``starts``)."""

    id: int
    program_id: str
    title: str
    priority: PriorityName
    starts: list[datetime]


class CancelOut(BaseModel):
    cancelled: bool


# --- log and reports -----------------------------------------------------------------------


class LogEntryOut(BaseModel):
    """The fields of ``broadcast log --json`` (broadcast.station.log_format)."""

    id: int
    slot: str | None
    announcement: int | None
    cluster: str
    program: str
    program_title: str
    topic: str
    priority: PriorityName
    scheduled_start: str
    actual_start: str | None
    end: str | None
    outcome: str | None
    lateness_seconds: float | None
    engines: list[str]
    error: str | None
    note: str | None
    render_id: int | None = None
    stopped_by_operator: bool = False
    topic_name: str = ""
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="what really went out: a relay's gaps and relayed time, a live "
        "broadcast's device",
    )


class AirtimeRowOut(BaseModel):
    month: str
    topic: str
    cluster: str  # where it aired ("local": the station's own output)
    minutes: float
    broadcasts: int
    topic_name: str = ""
    source: Literal["station", "relay", "live"] = Field(
        "station", description="the station's own programs, relayed radio, or live speech"
    )


# --- speaker clusters ----------------------------------------------------------------------


class ClusterIn(Strict):
    id: ClusterId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    zone: Annotated[str, Field(max_length=100)] = ""


class ClusterCreated(BaseModel):
    id: str
    name: str
    zone: str
    token: str  # shown once: the agent's HTTP token and MQTT password


class ClusterOut(BaseModel):
    """A cluster's state; ``local`` is the station's own output."""

    id: str
    name: str
    zone: str
    online: bool
    last_seen: datetime | None
    in_sync: bool  # holds the current plan and all audio for the next 24 h
    clock_offset_ms: float | None
    last_aired: dict[str, Any] | None
    plan_version: str | None = None  # the plan it holds
    plan_current: str | None = None  # the plan the station publishes for it
    device: str | None = None
    device_ok: bool | None = None
    disk_free_mb: float | None = None
    errors: list[str] = []


class ClockOut(BaseModel):
    cluster: str
    received: float  # epoch seconds, station clock
    sent: float


# --- health --------------------------------------------------------------------------------


class ComponentHealthOut(BaseModel):
    name: str
    ok: bool
    detail: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    scheduler_running: bool
    sound_device: str | None
    sound_device_error: str | None
    database: bool
    engines: dict[str, bool]
    components: list[ComponentHealthOut]


class DeviceOut(BaseModel):
    index: int
    name: str
    host_api: str
    max_output_channels: int
    default_samplerate: float
    is_default: bool


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error statuses (all share ErrorBody)."""
    return {s: {"model": ErrorBody} for s in statuses}
