"""The `broadcast` command line: render, listen, run and inspect the station.

Errors from the core are shown as one Vietnamese line with their stable code, and the
process exits with the code of their layer. The commands' docstrings and help texts are what
an operator reads in ``--help``: they are in Vietnamese (``cli_words`` translates the
framework's own words).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from broadcast import errors

if TYPE_CHECKING:
    from broadcast.settings import Settings
    from broadcast.store.store import Store

# Exit codes per layer, so shell scripts can tell failures apart.
EXIT_CODES: list[tuple[type[errors.BroadcastError], int]] = [
    (errors.ScriptInputError, 3),
    (errors.TextError, 3),
    (errors.TTSError, 4),
    (errors.RenderError, 5),
    (errors.ScheduleError, 6),
    (errors.PlayoutError, 7),
    (errors.StoreError, 8),
    (errors.ConfigError, 9),
    (errors.OpsError, 10),
    (errors.ClusterError, 11),
]

app = typer.Typer(
    name="broadcast",
    help="Loa — phát thanh tự động cho đài truyền thanh xã: đọc bài viết thành âm thanh "
    "phát sóng và phát theo lịch của đài.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Bộ nhớ đệm các câu đã tổng hợp giọng đọc.", no_args_is_help=True)
text_app = typer.Typer(
    help="Chuẩn hoá văn bản tiếng Việt để đọc (số, ngày tháng, chữ viết tắt).",
    no_args_is_help=True,
)
schedule_app = typer.Typer(help="Nhập và xuất lịch phát sóng (tệp YAML).", no_args_is_help=True)
users_app = typer.Typer(help="Tài khoản đăng nhập trang web và API.", no_args_is_help=True)
voices_app = typer.Typer(
    help="Giọng đọc của đài: xem danh sách (không kèm lệnh) hoặc nghe thử một giọng (sample).",
    invoke_without_command=True,
)
alerts_app = typer.Typer(
    help="Cảnh báo gửi qua thư điện tử và webhook: xem danh sách, thử các kênh gửi.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")
app.add_typer(text_app, name="text")
app.add_typer(schedule_app, name="schedule")
app.add_typer(users_app, name="users")
app.add_typer(voices_app, name="voices")
app.add_typer(alerts_app, name="alerts")
live_app = typer.Typer(
    help="Phát trực tiếp từ micrô hoặc đường line-in của máy trạm, qua trạm phát đang chạy.",
    no_args_is_help=True,
)
app.add_typer(live_app, name="live")

SCRIPT_FILE_HELP = "Tệp bài viết: .txt, .md hoặc .docx"

# The example station loaded on first start with an empty database.
EXAMPLE_TIMETABLE = Path(__file__).resolve().parent.parent / "schedules" / "example.yaml"

F = TypeVar("F", bound=Callable[..., Any])


def _print_version(value: bool) -> None:
    if not value:
        return
    import platform

    from broadcast import __version__
    from broadcast.store.db import head_revision

    typer.echo(
        f"loa {__version__} (lược đồ cơ sở dữ liệu {head_revision()}, "
        f"Python {platform.python_version()})"
    )
    raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True,
            help="In phiên bản của Loa rồi thoát.",
        ),
    ] = False,
) -> None:
    """Loa — phát thanh tự động cho đài truyền thanh xã."""


def exit_code_for(exc: errors.BroadcastError) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


def reports_errors(func: F) -> F:
    """Turn a BroadcastError into one line on stderr and the layer's exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except errors.BroadcastError as exc:
            typer.echo(f"Lỗi: {exc.message} [{exc.code}]", err=True)
            raise typer.Exit(exit_code_for(exc)) from None

    return wrapper  # type: ignore[return-value]


def settings() -> Settings:
    # Imported here: pydantic-settings costs a tenth of a second that `--help` need not pay.
    from broadcast.settings import load_settings

    return load_settings()


def parse_age(text: str) -> timedelta:
    """'30d', '12h', '45m', '90s' -> timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhms])\s*", text)
    if not match:
        raise errors.ConfigError(
            f"Không hiểu khoảng thời gian '{text}'; ví dụ hợp lệ: 30d, 12h, 45m.",
            code="bad_duration",
        )
    value, unit = float(match.group(1)), match.group(2)
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[unit]: value})


# --- render -------------------------------------------------------------------------------


@app.command()
@reports_errors
def render(
    script: Annotated[Path, typer.Argument(help=SCRIPT_FILE_HELP, metavar="BÀI")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Tệp kết quả: .wav (để phát) hoặc .mp3")
    ],
    engine: Annotated[
        str | None,
        typer.Option(help="Giọng đọc thử trước: gtts, espeak, fpt… (mặc định: theo cài đặt)"),
    ] = None,
    intro: Annotated[str | None, typer.Option(help="Nhạc hiệu mở đầu (ví dụ: intro)")] = None,
    outro: Annotated[str | None, typer.Option(help="Nhạc hiệu kết thúc (ví dụ: outro)")] = None,
    bed: Annotated[Path | None, typer.Option(help="Nhạc nền dưới lời đọc (WAV/MP3)")] = None,
) -> None:
    """Dựng một bài thành tệp âm thanh sẵn sàng phát sóng và in các số đo."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from broadcast.render import Renderer
    from broadcast.script_input import load_script

    cfg = settings()
    loaded = load_script(script, cfg.script_max_bytes)
    renderer = Renderer(cfg)
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Đang tổng hợp giọng đọc", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = renderer.render_script(
            loaded, output, engine=engine, intro=intro, outro=outro, bed=bed, progress=progress
        )
    minutes, seconds = divmod(result.duration_seconds, 60)
    typer.echo(f"Tệp:            {result.path}")
    typer.echo(f"Thời lượng:     {int(minutes)}:{seconds:04.1f} ({result.duration_seconds:.1f} s)")
    typer.echo(f"Độ lớn:         {result.integrated_lufs:.1f} LUFS")
    typer.echo(f"Đỉnh thực:      {result.true_peak_dbtp:.1f} dBTP")
    typer.echo(f"Giọng đọc:      {', '.join(result.engines)}")
    typer.echo(
        f"Bộ nhớ đệm:     {result.cache_hits}/{result.sentences} câu có sẵn, "
        f"{result.synthesized} câu tổng hợp mới"
    )


# --- cache --------------------------------------------------------------------------------


@cache_app.command("stats")
@reports_errors
def cache_stats() -> None:
    """Số câu đã tổng hợp trong bộ nhớ đệm và dung lượng chúng chiếm."""
    from broadcast.tts.cache import SentenceCache

    stats = SentenceCache(settings().cache_dir).stats(datetime.now(UTC).astimezone())
    typer.echo(f"Câu đã tổng hợp:  {stats.files} tệp, {_size(stats.bytes)}")
    if stats.oldest and stats.newest:
        span = f"{stats.oldest:%d/%m/%Y %H:%M} đến {stats.newest:%d/%m/%Y %H:%M}"
        typer.echo(f"Dùng lần cuối:    từ {span}")
    if stats.temp_files:
        typer.echo(f"Tệp tạm còn sót:  {stats.temp_files} ({_size(stats.temp_bytes)})")


@cache_app.command("prune")
@reports_errors
def cache_prune(
    older_than: Annotated[
        str, typer.Option(help="Xoá các câu không dùng trong khoảng này: 30d (ngày), 12h (giờ)")
    ],
) -> None:
    """Xoá các câu lâu không dùng khỏi bộ nhớ đệm (khi cần sẽ tổng hợp lại)."""
    from broadcast.tts.cache import SentenceCache

    result = SentenceCache(settings().cache_dir).prune(parse_age(older_than), datetime.now(UTC))
    typer.echo(
        f"Đã xoá {result.removed_files} tệp ({_size(result.removed_bytes)}) và "
        f"{result.removed_temp_files} tệp tạm; còn lại {result.kept_files} tệp."
    )


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


# --- text ---------------------------------------------------------------------------------


@text_app.command("normalize")
@reports_errors
def text_normalize() -> None:
    """Đọc các dòng từ đầu vào chuẩn; in ra đúng một dòng đã chuẩn hoá cho mỗi dòng."""
    from broadcast.text.lexicon import station_lexicon
    from broadcast.text.normalize import normalize_lines

    lexicon = station_lexicon(settings())
    stdin = (line.rstrip("\r\n") for line in sys.stdin.buffer.read().decode("utf-8").split("\n"))
    lines = list(stdin)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start a new one
    out = sys.stdout.buffer
    for reading in normalize_lines(lines, lexicon):
        out.write(reading.encode("utf-8") + b"\n")
    out.flush()


@text_app.command("preview")
@reports_errors
def text_preview(
    script: Annotated[Path, typer.Argument(help=SCRIPT_FILE_HELP, metavar="BÀI")],
) -> None:
    """Hiện từng câu bên cạnh cách đọc, kèm các cảnh báo cần sửa trước khi phát."""
    from rich.console import Console
    from rich.table import Table

    from broadcast.script_input import load_script
    from broadcast.text.lexicon import station_lexicon
    from broadcast.text.preview import preview_script

    cfg = settings()
    loaded = load_script(script, cfg.script_max_bytes)
    rows = preview_script(loaded.text, station_lexicon(cfg))
    table = Table("#", "Câu gốc", "Cách đọc", "Cảnh báo", show_lines=True)
    warnings = 0
    for index, row in enumerate(rows, start=1):
        notes = "\n".join(f"{w.message} [{w.code}]" for w in row.warnings)
        warnings += len(row.warnings)
        table.add_row(str(index), row.original, row.reading, notes)
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} câu, {warnings} cảnh báo.")


# --- voices -------------------------------------------------------------------------------


def _voice_sources(cfg: Settings) -> tuple[Any, dict[str, str], str | None]:
    """Keys and column voices from the database when it can be reached, else the settings'
    keys alone (and why)."""
    from broadcast.tts.cloud import SettingsKeys
    from broadcast.voices.station import StoredKeys

    try:
        store = open_configured_store(cfg)
    except errors.StoreError as exc:
        return SettingsKeys(cfg), {}, exc.message
    topics = {t: v.voice for t, v in store.topic_voices.all().items()}
    return StoredKeys(cfg, store), topics, None


@voices_app.callback()
@reports_errors
def voices(ctx: typer.Context) -> None:
    """Từng giọng đọc đã cấu hình: dùng được ngay không (nếu không thì vì sao), thứ tự dự phòng."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from broadcast.voices.catalogue import build_catalogue

    cfg = settings()
    keys, topics, db_problem = _voice_sources(cfg)
    catalogue = build_catalogue(cfg, keys, topics=topics)
    table = Table("Mã giọng", "Giọng đọc", "Cần Internet", "Thứ tự dự phòng", "Tình trạng")
    for voice in catalogue.voices:
        table.add_row(
            voice.id,
            voice.label,
            "có" if voice.online else "không",
            str(voice.position) if voice.position else "—",
            "sẵn sàng" if voice.available else f"không dùng được: {voice.reason}",
        )
    console = Console()
    console.print(table)
    typer.echo(catalogue.offline_fallback)
    for topic, voice_id in sorted(catalogue.topics.items()):
        typer.echo(f"Chuyên mục {topic}: giọng {voice_id}")
    if db_problem:
        typer.echo(f"(Không đọc được cơ sở dữ liệu, chỉ dùng khoá trong cài đặt: {db_problem})")


@voices_app.command("sample")
@reports_errors
def voices_sample(
    voice: Annotated[
        str, typer.Argument(help="Mã giọng, ví dụ espeak, piper, fpt:leminh", metavar="GIỌNG")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Tệp kết quả .mp3 hoặc .wav")],
    text: Annotated[str | None, typer.Option(help="Câu đọc thử (mặc định: theo cài đặt)")] = None,
) -> None:
    """Đọc thử một câu bằng đúng một giọng (không dự phòng) ra tệp."""
    from broadcast.render import Renderer

    cfg = settings()
    keys, _, _ = _voice_sources(cfg)
    result = Renderer(cfg, keys=keys).render_sample(voice, output, text)
    typer.echo(f"Tệp: {result.path} ({result.duration_seconds:.1f} s, giọng {voice})")


# --- the station ----------------------------------------------------------------------------


def setup_logging(cfg: Settings) -> None:
    """Log lines in the station's time zone (settings.timezone), whatever the PC's clock."""
    from broadcast.logging_setup import configure_logging

    configure_logging(cfg.timezone)


def open_configured_store(cfg: Settings) -> Store:
    from broadcast.store.store import open_store

    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    return open_store(cfg.db_url)


@app.command()
@reports_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Địa chỉ nhận kết nối (mặc định: theo cài đặt)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Cổng (mặc định: theo cài đặt, 8000)")] = None,
) -> None:
    """Chạy trạm phát: phát theo lịch, trang web và API."""
    import uvicorn

    from api.app import create_app
    from api.bootstrap import ensure_admin
    from broadcast.backup import recover_interrupted_restore
    from broadcast.cluster.hub import ClusterHub
    from broadcast.engine.client import engine_sink_from_settings
    from broadcast.playout.player import Player
    from broadcast.publishing import Publisher
    from broadcast.render import Renderer
    from broadcast.station.runtime import Station
    from broadcast.upkeep import Upkeep
    from broadcast.voices.station import StoredKeys

    cfg = settings()
    setup_logging(cfg)
    if recover_interrupted_restore(cfg):  # never start on half-swapped data
        typer.echo("Đã hoàn tác một lần khôi phục bị ngắt giữa chừng.", err=True)
    store = open_configured_store(cfg)
    # The audio engine runs in a process of its own: nothing done here can delay a sample.
    sink = engine_sink_from_settings(cfg)
    # Cloud voices use the API keys saved through the web page (else the settings').
    renderer = Renderer(cfg, keys=StoredKeys(cfg, store))
    station = Station(
        cfg, store, Player(sink), renderer, example_timetable=EXAMPLE_TIMETABLE,
        heard_before=sink.heard_before,
    )
    try:
        station.startup()
    except BaseException:
        sink.close()
        raise
    # Alert checks and the nightly backup, on a thread of their own (a backup takes minutes).
    upkeep = Upkeep(cfg, store, station.health)
    upkeep.start()
    publisher = Publisher(cfg, store, station.clock)
    # Publish what aired (podcast feeds, "Nghe lại"): a periodic job on the station's timer.
    station.timer.every(cfg.publish_interval_seconds, publisher.job)
    if cfg.icecast_url:  # relay and live reach the speaker clusters through Icecast
        from broadcast.station.icecast_output import IcecastOutput

        station.stream_out = IcecastOutput(sink.engine, cfg.icecast_url, cfg.icecast_mount)
        station.stream_out.start()
    # The speaker clusters: plans, commands and reports over MQTT (BROADCAST_MQTT_URL).
    clusters = ClusterHub.for_station(station)
    try:
        clusters.start()
        token = ensure_admin(store, cfg)
        if token is not None:
            typer.echo(
                "Đã tạo tài khoản quản trị 'admin'. Mã truy cập API (chỉ hiện một lần):\n"
                f"  {token}\n"
                "Đặt mật khẩu để đăng nhập trang web: broadcast users password admin"
            )
        web = create_app(cfg, store, station, publisher=publisher, clusters=clusters)
        # log_config=None: uvicorn's lines go through the station's handler (station time).
        uvicorn.run(
            web, host=host or cfg.host, port=port or cfg.port, log_level="info", log_config=None
        )
    finally:
        clusters.stop()
        upkeep.stop()
        station.shutdown()
        if station.stream_out is not None:
            station.stream_out.close()
        store.close()


@app.command()
@reports_errors
def agent(
    station: Annotated[
        str, typer.Option(help="Địa chỉ web của trạm phát, ví dụ http://10.0.0.1:8000",
                          envvar="BROADCAST_AGENT_STATION")
    ],
    cluster: Annotated[str, typer.Option(help="Mã cụm loa này (như đã thêm trên trạm phát)",
                                         envvar="BROADCAST_AGENT_CLUSTER")],
    token: Annotated[
        str, typer.Option(help="Mã truy cập của cụm loa (chỉ hiện một lần khi thêm); nên đặt "
                               "trong biến môi trường để không lộ trong danh sách tiến trình",
                          envvar="BROADCAST_AGENT_TOKEN", show_envvar=True)
    ],
) -> None:
    """Chạy một cụm loa: phát lịch của trạm phát tại đây, cùng lúc với trạm.

    Dùng BROADCAST_DATA_DIR (dữ liệu và bộ nhớ đệm riêng của cụm), BROADCAST_AUDIO_DEVICE và
    BROADCAST_MQTT_URL (mặc định: máy của trạm phát, cổng 1883)."""
    import signal
    import threading
    from urllib.parse import urlsplit

    from broadcast.cluster.agent import Agent
    from broadcast.engine.client import engine_sink_from_settings

    cfg = settings()
    setup_logging(cfg)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    mqtt_url = cfg.mqtt_url or f"mqtt://{urlsplit(station).hostname or '127.0.0.1'}:1883"
    sink = engine_sink_from_settings(cfg)
    worker = Agent(
        cfg, cluster_id=cluster, station_url=station, token=token, sink=sink, mqtt_url=mqtt_url
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        worker.start()
        typer.echo(f"Cụm loa '{cluster}' đang chạy, nhận lịch phát từ {station}.")
        while not stop.wait(0.5):
            if worker.stopped.is_set():
                break
    except BaseException:
        sink.close()
        raise
    worker.stop()
    if worker.refused is not None:
        raise worker.refused


@app.command()
@reports_errors
def timetable(
    day: Annotated[
        str | None, typer.Option(help="Ngày, dạng YYYY-MM-DD (mặc định: hôm nay)")
    ] = None,
) -> None:
    """Lịch phát của một ngày, kèm kết quả các buổi đã phát."""
    from zoneinfo import ZoneInfo

    from broadcast.render import Renderer
    from broadcast.station.program_files import ProgramFiles
    from broadcast.station.timetable_query import TimetableQuery

    cfg = settings()
    tz = ZoneInfo(cfg.timezone)
    store = open_configured_store(cfg)
    the_day = parse_day(day) if day else datetime.now(tz).date()
    start = datetime.combine(the_day, datetime.min.time(), tzinfo=tz)
    query = TimetableQuery(store, ProgramFiles(cfg, store, Renderer(cfg)), tz)
    entries = query.timetable(start, start + timedelta(days=1))
    typer.echo(f"Lịch phát ngày {the_day:%d/%m/%Y}:")
    if not entries:
        typer.echo("  (không có buổi phát nào)")
    for e in entries:
        length = "" if e.duration_seconds is None else f" ({e.duration_seconds / 60:.1f} phút)"
        typer.echo(
            f"  {e.start.astimezone(tz):%H:%M:%S}  {STATUS_LABELS[e.status]:<12} "
            f"{e.priority.label:<9} {_airing_label(e.slot_id, e.announcement_id):<16} "
            f"{e.program_title}{length}"
        )


def _airing_label(slot_id: str | None, announcement_id: int | None) -> str:
    return slot_id if slot_id is not None else f"thông báo {announcement_id}"


STATUS_LABELS = {
    "planned": "đã lên lịch",
    "rendered": "đã dựng",
    "on_air": "đang phát",
    "aired": "đã phát",
    "late": "phát trễ",
    "missed": "bị lỡ",
    "failed": "lỗi",
    "skipped": "bỏ qua",
    "interrupted": "bị ngắt",
}


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.ConfigError(
            f"Ngày '{text}' không hợp lệ; dùng dạng YYYY-MM-DD.", code="bad_date"
        ) from None


@app.command("log")
@reports_errors
def as_run_log(
    as_json: Annotated[bool, typer.Option("--json", help="Mỗi dòng một đối tượng JSON")] = False,
    day: Annotated[str | None, typer.Option(help="Chỉ ngày này, dạng YYYY-MM-DD")] = None,
    limit: Annotated[int, typer.Option(help="Tối đa bấy nhiêu mục (mới nhất)")] = 200,
) -> None:
    """Nhật ký phát sóng: từng buổi phát và kết quả."""
    import json
    from zoneinfo import ZoneInfo

    from broadcast.station.log_format import entry_to_json

    cfg = settings()
    tz = ZoneInfo(cfg.timezone)
    store = open_configured_store(cfg)
    since = until = None
    if day:
        since = datetime.combine(parse_day(day), datetime.min.time(), tzinfo=tz)
        until = since + timedelta(days=1)
    entries = store.as_run.query(since=since, until=until, limit=limit, newest_first=True)
    entries.reverse()
    for entry in entries:
        data = entry_to_json(entry, tz)
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False))
            continue
        outcome = data["outcome"] or "on_air"
        typer.echo(
            f"{entry.scheduled_start.astimezone(tz):%d/%m/%Y %H:%M:%S}  "
            f"{STATUS_LABELS.get(outcome, outcome):<12} {data['priority']:<9} "
            f"{_airing_label(entry.slot_id, entry.announcement_id) if entry.key else '-':<16} "
            f"{entry.program_title}"
            + (f"  — {entry.error}" if entry.error else "")
        )


@schedule_app.command("import")
@reports_errors
def schedule_import(
    file: Annotated[Path, typer.Argument(help="Tệp lịch YAML (version: 1)", metavar="TỆP")],
) -> None:
    """Thay lịch phát bằng lịch trong TỆP; tệp có khung giờ trùng nhau bị từ chối cả tệp."""
    from zoneinfo import ZoneInfo

    from broadcast.station.timetable_service import TimetableService

    cfg = settings()
    store = open_configured_store(cfg)
    service = TimetableService(store, store.clock, ZoneInfo(cfg.timezone))
    timetable = service.import_file(file, max_script_bytes=cfg.script_max_bytes)
    typer.echo(
        f"Đã nhập lịch: {len(timetable.programs)} chương trình, {len(timetable.slots)} khung giờ."
    )


@schedule_app.command("export")
@reports_errors
def schedule_export(
    file: Annotated[Path, typer.Argument(help="Tệp YAML để ghi lịch ra", metavar="TỆP")],
) -> None:
    """Ghi lịch phát ra TỆP (đường dẫn tính từ thư mục của tệp)."""
    from broadcast.station.timetable_io import export_timetable

    cfg = settings()
    export_timetable(open_configured_store(cfg), file, timezone=cfg.timezone)
    typer.echo(f"Đã xuất lịch ra {file}.")


@app.command()
@reports_errors
def devices() -> None:
    """Liệt kê thiết bị âm thanh: đầu ra (chọn bằng BROADCAST_AUDIO_DEVICE) và đầu vào để
    phát trực tiếp (BROADCAST_INPUT_DEVICE)."""
    from broadcast.playout.sounddevice_sink import list_devices, list_input_devices

    for title, found in (("Đầu ra (loa):", list_devices()),
                         ("Đầu vào (micro, line-in):", list_input_devices())):
        typer.echo(title)
        if not found:
            typer.echo("  (không tìm thấy thiết bị nào)")
        for device in found:
            mark = "*" if device.is_default else " "
            typer.echo(
                f"{mark} {device.index:>3}  {device.name}  ({device.host_api}, "
                f"{device.max_output_channels} kênh, {device.default_samplerate:.0f} Hz)"
            )


@app.command()
@reports_errors
def engine(
    device: Annotated[
        str | None,
        typer.Option(help="Thiết bị đầu ra, theo số hoặc tên (mặc định: theo cài đặt)"),
    ] = None,
    sink: Annotated[
        str,
        typer.Option(
            help="'sound' (card âm thanh) hoặc 'file:THƯ_MỤC' (ghi tệp WAV, không cần card)"
        ),
    ] = "sound",
    state: Annotated[Path | None, typer.Option(help="Tệp lưu trạng thái")] = None,
) -> None:
    """Chạy bộ máy âm thanh trong cửa sổ này: lệnh JSON từng dòng vào, báo cáo ra.

    Trạm phát tự chạy bộ máy của nó; lệnh này để thử card âm thanh hoặc giao thức bằng tay
    (xem README, "The audio engine and its protocol").
    """
    from broadcast.engine.client import engine_args_from_settings
    from broadcast.engine.server import main as engine_main

    cfg = settings()
    args = engine_args_from_settings(cfg) + ["--sink", sink]
    if device is not None:
        args += ["--device", device]
    if state is not None:
        args += ["--state", str(state)]
    raise typer.Exit(engine_main(args))


@app.command()
@reports_errors
def play(
    file: Annotated[
        Path,
        typer.Argument(
            help="Tệp âm thanh (.wav/.mp3) hoặc bài viết (.txt/.md/.docx)", metavar="TỆP"
        ),
    ],
) -> None:
    """Phát ngay một tệp hoặc một bài, để thử đường tiếng tới ampli."""
    import tempfile

    from broadcast.playout.player import Player
    from broadcast.playout.sounddevice_sink import sink_from_settings

    cfg = settings()
    with tempfile.TemporaryDirectory() as tmp:
        audio = file
        if file.suffix.lower() not in (".wav", ".mp3"):
            from broadcast.render import Renderer
            from broadcast.script_input import load_script

            audio = Path(tmp) / "play.wav"
            Renderer(cfg).render_script(load_script(file, cfg.script_max_bytes), audio)
        player = Player(sink_from_settings(cfg))
        playback = player.play(audio)
        typer.echo(f"Đang phát {file.name} trên '{player.sink.name}'... (Ctrl+C để dừng)")
        try:
            while not playback.wait(0.5):
                pass
        except KeyboardInterrupt:
            player.stop()
            playback.wait(2.0)
        finally:
            player.close()
        report = playback.report
        if report is not None and report.error is not None:
            raise report.error


@users_app.command("create")
@reports_errors
def users_create(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập", metavar="TÊN")],
    role: Annotated[
        str,
        typer.Option(help="Vai trò: admin (quản trị), approver (lãnh đạo duyệt), editor (biên "
                     "tập viên) hoặc operator (nhân viên vận hành)"),
    ],
    password: Annotated[
        bool, typer.Option("--password", help="Đặt luôn mật khẩu đăng nhập trang web (sẽ hỏi)")
    ] = False,
) -> None:
    """Tạo tài khoản và in mã truy cập API của nó (chỉ hiện một lần)."""
    from broadcast.cli_words import ask_new_password
    from broadcast.store.users import MIN_PASSWORD_LENGTH, Role

    if role not in {r.value for r in Role}:
        raise errors.ConfigError(
            f"Không có vai trò '{role}'; chọn admin, approver, editor hoặc operator.",
            code="invalid_role",
        )
    cfg = settings()
    secret = None
    if password:
        secret = ask_new_password(
            "Mật khẩu", MIN_PASSWORD_LENGTH, not_done="Tài khoản chưa được tạo."
        )
    store = open_configured_store(cfg)
    store.users.create(name, role, password=secret)
    token = store.users.issue_token(name)
    typer.echo(f"Đã tạo tài khoản '{name}' ({role}). Mã truy cập (chỉ hiện một lần):")
    typer.echo(token)


@users_app.command("password")
@reports_errors
def users_password(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập", metavar="TÊN")],
    revoke_tokens: Annotated[
        bool,
        typer.Option(
            "--revoke-tokens", help="Thu hồi luôn mọi mã truy cập API của tài khoản (khi bị lộ)"
        ),
    ] = False,
) -> None:
    """Đặt mật khẩu đăng nhập trang web cho một tài khoản (hỏi hai lần, ít nhất 8 ký tự).

    Các mã truy cập API vẫn dùng được, trừ khi có --revoke-tokens (đổi mật khẩu qua API hoặc
    trang web thì thu hồi chúng, trừ khi chọn giữ lại)."""
    from broadcast.cli_words import ask_new_password
    from broadcast.store.users import MIN_PASSWORD_LENGTH

    store = open_configured_store(settings())
    store.users.get(name)  # an unknown account is said before the password is asked
    secret = ask_new_password(
        "Mật khẩu mới", MIN_PASSWORD_LENGTH, not_done="Mật khẩu chưa được đổi."
    )
    revoked = store.users.set_password(name, secret, revoke_tokens=revoke_tokens)
    typer.echo(f"Đã đặt mật khẩu cho '{name}'.")
    if revoke_tokens:
        typer.echo(f"Đã thu hồi {revoked} mã truy cập API của '{name}'.")


# --- backup and restore -------------------------------------------------------------------


@app.command()
@reports_errors
def backup(
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Tệp sao lưu sẽ ghi (mặc định: thư mục sao lưu)"),
    ] = None,
) -> None:
    """Sao lưu trạm phát (cơ sở dữ liệu, bài viết, âm thanh, nhạc hiệu, từ điển, cài đặt);
    làm được khi trạm đang chạy."""
    from broadcast.backup import create_backup

    cfg = settings()
    result = create_backup(cfg, datetime.now(UTC), output)
    kind = "SQLite" if result.database == "sqlite" else "PostgreSQL"
    typer.echo(f"Đã sao lưu vào {result.path} ({_size(result.size)}): cơ sở dữ liệu {kind} và "
               f"{result.files} tệp.")
    for ref in result.missing:
        typer.echo(f"Chú ý: chương trình nhắc tới tệp không còn tồn tại: {ref}", err=True)


@app.command()
@reports_errors
def restore(
    archive: Annotated[
        Path, typer.Argument(help="Tệp sao lưu (loa-backup-....tar.gz)", metavar="TỆP")
    ],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Khôi phục vào thư mục dữ liệu này")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Không hỏi xác nhận")] = False,
) -> None:
    """Khôi phục trạm phát từ bản sao lưu. Dữ liệu hiện có được cất sang bên, không bị xoá;
    tệp sao lưu lạ hoặc hỏng thì không thay đổi gì."""
    from broadcast.backup import read_manifest, restore_backup
    from broadcast.settings import load_settings

    cfg = load_settings(data_dir=data_dir) if data_dir is not None else settings()
    manifest = read_manifest(archive)
    typer.echo(f"Bản sao lưu tạo lúc {manifest.created_at} trên máy {manifest.host} "
               f"(Loa {manifest.loa_version}).")
    if not yes and sys.stdin.isatty():
        from broadcast.cli_words import ask_yes_no

        if not ask_yes_no(
            f"Thay dữ liệu trạm phát ở {cfg.data_dir.resolve()} bằng bản sao lưu này?"
        ):
            raise typer.Abort()
    result = restore_backup(archive, cfg, datetime.now(UTC))
    typer.echo(f"Đã khôi phục vào {result.data_dir}.")
    for folder in result.kept_aside:
        typer.echo(f"Dữ liệu cũ được giữ ở {folder}.")
    for note in result.notes:
        typer.echo(f"Chú ý: {note}", err=True)
    typer.echo("Khởi động trạm phát để dùng dữ liệu này (sudo systemctl start loa, hoặc "
               "broadcast serve).")


# --- alerts -----------------------------------------------------------------------------------


@alerts_app.command("list")
@reports_errors
def alerts_list(
    limit: Annotated[int, typer.Option(help="Tối đa bấy nhiêu cảnh báo (mới nhất trước)")] = 30,
) -> None:
    """Các cảnh báo trạm phát đã đưa ra, cảnh báo đang mở trước."""
    from zoneinfo import ZoneInfo

    from broadcast.store.upkeep import AlertRepo

    cfg = settings()
    tz = ZoneInfo(cfg.timezone)
    records = AlertRepo(open_configured_store(cfg).sessions).recent(limit)
    if not records:
        typer.echo("Chưa có cảnh báo nào.")
    for r in records:
        state = "ĐANG MỞ"
        if r.closed_at is not None:
            state = f"đã hết lúc {r.closed_at.astimezone(tz):%H:%M %d/%m/%Y}"
        sent = ", ".join(sorted(r.deliveries.get("open", {}))) or "chưa gửi"
        typer.echo(f"{r.opened_at.astimezone(tz):%H:%M %d/%m/%Y}  {state:<26} {r.summary}  "
                   f"[{r.kind}; đã gửi: {sent}]")


@alerts_app.command("test")
@reports_errors
def alerts_test() -> None:
    """Gửi thư thử qua mọi kênh cảnh báo đã cấu hình (thư điện tử, webhook)."""
    from broadcast.alerts.monitor import AlertMonitor

    cfg = settings()
    monitor = AlertMonitor(cfg, open_configured_store(cfg), None)
    if not monitor.notifiers:
        raise errors.ConfigError(
            "Chưa cấu hình kênh cảnh báo nào: đặt smtp_host và alert_to (thư điện tử) hoặc "
            "alert_webhooks.",
            code="alert_config_missing",
        )
    outcome = monitor.send_test(datetime.now(UTC))
    for name, error in outcome.items():
        typer.echo(f"{name}: {'đã gửi' if error is None else 'LỖI: ' + error}")
    if any(error is not None for error in outcome.values()):
        raise typer.Exit(10)


# --- running as a service -----------------------------------------------------------------


@app.command("install")
@reports_errors
def install_service(
    user: Annotated[str, typer.Option(help="Người dùng hệ thống chạy dịch vụ")] = "loa",
    name: Annotated[str, typer.Option(help="Tên dịch vụ (loa.service) và tên lệnh")] = "loa",
    data_dir: Annotated[Path, typer.Option(help="Thư mục dữ liệu của trạm")] = Path("/var/lib/loa"),
    config_dir: Annotated[Path, typer.Option(help="Thư mục chứa loa.toml và loa.env")] = Path(
        "/etc/loa"
    ),
    unit_dir: Annotated[Path, typer.Option(help="Thư mục đặt tệp dịch vụ systemd")] = Path(
        "/etc/systemd/system"
    ),
    bin_dir: Annotated[Path, typer.Option(help="Thư mục đặt lệnh `loa`")] = Path(
        "/usr/local/bin"
    ),
    host: Annotated[str, typer.Option(help="Địa chỉ trang web (chỉ khi tạo cài đặt mới)")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Cổng trang web (chỉ khi tạo cài đặt mới)")] = 8000,
    start: Annotated[bool, typer.Option(help="Khởi động (hoặc khởi động lại) dịch vụ ngay")] = True,
    remove: Annotated[
        bool, typer.Option("--remove", help="Dừng và gỡ dịch vụ (dữ liệu vẫn giữ)")
    ] = False,
) -> None:
    """Cài (hoặc cập nhật) trạm phát thành dịch vụ systemd: người dùng riêng, dữ liệu ở
    /var/lib/loa, cài đặt ở /etc/loa, tự chạy lại khi lỗi, tự khởi động cùng máy."""
    from broadcast.install import InstallPlan, install, uninstall

    plan = InstallPlan(
        executable=Path(sys.prefix) / "bin" / "broadcast",
        source_dir=Path(__file__).resolve().parent.parent,
        name=name, user=user, data_dir=data_dir.absolute(), config_dir=config_dir.absolute(),
        unit_dir=unit_dir.absolute(), bin_dir=bin_dir.absolute(), host=host, port=port,
    )
    if remove:
        for step in uninstall(plan):
            typer.echo(step)
        return
    report = install(plan, start=start)
    for step in report.steps:
        typer.echo(step)


# --- live -----------------------------------------------------------------------------------


def _station_api(
    method: str, path: str, url: str | None, token: str | None, body: Any = None
) -> Any:
    """Call the running station's HTTP API (``broadcast serve``) with an API token."""
    import json
    import os
    import urllib.error
    import urllib.request

    cfg = settings()
    host = "127.0.0.1" if cfg.host in ("0.0.0.0", "::") else cfg.host
    base = (url or f"http://{host}:{cfg.port}").rstrip("/")
    token = token or os.environ.get("BROADCAST_API_TOKEN") or cfg.bootstrap_token
    if not token:
        raise errors.ConfigError(
            "Cần mã truy cập API: --token, hoặc biến BROADCAST_API_TOKEN.", code="token_missing"
        )
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        base + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
            message, code = str(answer.get("message")), str(answer.get("code"))
        except ValueError:
            message, code = f"HTTP {exc.code}", "http_error"
        raise errors.PlayoutError(message, code=code) from None
    except (urllib.error.URLError, OSError) as exc:
        raise errors.PlayoutError(
            f"Không kết nối được trạm phát ở {base} ({exc}); trạm có đang chạy không "
            "(broadcast serve)?",
            code="station_unreachable",
        ) from None


LiveUrl = Annotated[
    str | None, typer.Option("--url", help="Địa chỉ trạm phát (mặc định: theo cài đặt)")
]
LiveToken = Annotated[
    str | None, typer.Option("--token", help="Mã truy cập API (mặc định: BROADCAST_API_TOKEN)")
]


@live_app.command("start")
@reports_errors
def live_start(
    priority: Annotated[
        str, typer.Option(help="Mức: priority (ưu tiên) hoặc emergency (khẩn cấp)")
    ] = "emergency",
    url: LiveUrl = None,
    token: LiveToken = None,
) -> None:
    """Phát micrô / line-in lên loa ngay (ngắt chương trình đang phát)."""
    if priority not in ("priority", "emergency"):
        raise errors.ConfigError("Mức phải là priority hoặc emergency.", code="bad_priority")
    state = _station_api("POST", "/api/live", url, token, {"priority": priority})
    typer.echo(f"Đang phát trực tiếp (mức {state['priority']}, thiết bị {state['device']}).")


@live_app.command("stop")
@reports_errors
def live_stop(url: LiveUrl = None, token: LiveToken = None) -> None:
    """Kết thúc phát trực tiếp và in thời lượng."""
    state = _station_api("DELETE", "/api/live", url, token)
    seconds = state.get("seconds")
    length = "" if seconds is None else f" sau {seconds:.1f} giây"
    typer.echo(f"Đã kết thúc phát trực tiếp{length}.")


@live_app.command("status")
@reports_errors
def live_status(url: LiveUrl = None, token: LiveToken = None) -> None:
    """Trạm có đang phát trực tiếp không."""
    state = _station_api("GET", "/api/live", url, token)
    if state["on_air"]:
        typer.echo(f"Đang phát trực tiếp từ {state['started_at'] or state['ordered_at']} "
                   f"(mức {state['priority']}, do {state['ordered_by']}).")
    else:
        typer.echo("Không phát trực tiếp.")


def main() -> None:
    from broadcast.cli_words import run

    run(app)


if __name__ == "__main__":
    main()
