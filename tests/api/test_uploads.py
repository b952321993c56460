"""Uploads: size limit while reading, type by content, names never paths, nothing stored on
failure (no row, no file)."""

from __future__ import annotations

import asyncio
import io
import math
import struct
import threading
import wave
from pathlib import Path
from typing import Any

import docx

from tests.api.conftest import Api, build_api
from tests.script_input.legacy_encoders import to_tcvn3

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def wav_bytes(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        w.writeframes(frames)
    return out.getvalue()


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload_script(api: Api, name: str, data: bytes, **fields: str) -> tuple[int, dict]:
    response = api.client.post(
        "/api/scripts/upload",
        files={"file": (name, data, "application/octet-stream")},
        data=fields,
        headers=api.auth("editor"),
    )
    return response.status_code, response.json()


def test_txt_upload_creates_a_draft(api: Api) -> None:
    status, body = upload_script(
        api, "tin.txt", "Thông báo họp dân\n\nChiều nay 14 giờ họp.".encode(), topic="chinh-tri"
    )
    assert status == 201, body
    assert body["title"] == "Thông báo họp dân"
    assert body["topic"] == "chinh-tri"
    assert body["status"] == "draft"
    assert api.store.scripts.get(body["id"]).created_by == "editor"


def test_docx_upload_ok(api: Api) -> None:
    data = docx_bytes("Phòng chống bão số 3", "Bà con chằng chống nhà cửa.")
    status, body = upload_script(api, "bao.docx", data, title="Tin bão")
    assert status == 201, body
    assert body["title"] == "Tin bão"
    assert "chằng chống" in body["text"]


def test_docx_content_under_a_txt_name_is_read_as_docx(api: Api) -> None:
    status, body = upload_script(api, "doi-ten.txt", docx_bytes("Nội dung thật."))
    assert status == 201, body
    assert "Nội dung thật." in body["text"]


def test_png_named_txt_is_422_and_nothing_stored(api: Api) -> None:
    status, body = upload_script(api, "anh.txt", PNG)
    assert status == 422
    assert body["code"] == "script_binary"
    assert "PNG" in body["message"]
    assert api.store.scripts.count() == 0


def test_text_named_docx_is_422(api: Api) -> None:
    status, body = upload_script(api, "gia.docx", "Chỉ là chữ.".encode())
    assert status == 422
    assert body["code"] == "upload_wrong_type"
    assert api.store.scripts.count() == 0


def test_tcvn3_text_gets_a_clear_error(api: Api) -> None:
    data = to_tcvn3("Thông báo về việc tổ chức tiêm chủng cho trẻ em trong xã Hòa Bình.")
    status, body = upload_script(api, "cu.txt", data)
    assert status == 422
    assert body["code"] == "script_legacy_encoding"
    assert "TCVN3" in body["message"]
    assert api.store.scripts.count() == 0


def test_too_large_is_413_and_nothing_stored(tmp_path: Path) -> None:
    api = build_api(tmp_path, upload_max_bytes=1000)
    with api.client:
        status, body = upload_script(api, "dai.txt", ("Xin chào bà con. " * 200).encode())
        assert status == 413
        assert body["code"] == "upload_too_large"
        assert api.store.scripts.count() == 0
        response = api.client.post(
            "/api/media",
            files={"file": ("to.wav", wav_bytes(1.0), "audio/wav")},
            data={"kind": "jingle", "name": "to"},
            headers=api.auth("editor"),
        )
        assert response.status_code == 413
        assert files_under(api.settings.jingles_path) == []
    api.store.close()


def test_limit_is_enforced_while_reading_not_after(tmp_path: Path) -> None:
    """Driven at the ASGI level (the test client would buffer the body first): the app stops
    pulling the body as soon as the file passes the limit."""
    api = build_api(tmp_path, upload_max_bytes=1000)
    chunks = [
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n',
        *([b"x" * 1000] * 1000),
        b"\r\n--B--\r\n",
    ]
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= len(chunks):
            return {"type": "http.disconnect"}
        pulled += 1
        return {
            "type": "http.request",
            "body": chunks[pulled - 1],
            "more_body": pulled < len(chunks),
        }

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/scripts/upload",
        "raw_path": b"/api/scripts/upload",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("t", 80),
        "headers": [
            (b"host", b"t"),
            (b"authorization", f"Bearer {api.tokens['editor']}".encode()),
            (b"content-type", b"multipart/form-data; boundary=B"),
        ],
    }
    # In a thread of its own: Playwright's sync API (browser tests in the same session)
    # leaves an event loop running in the main thread, where asyncio.run() is refused.
    worker = threading.Thread(target=asyncio.run, args=(api.app(scope, receive, send),))
    worker.start()
    worker.join(timeout=60)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled < 10, f"pulled {pulled} chunks of 1 kB with a 1 kB limit"
    assert api.store.scripts.count() == 0
    api.store.close()


def test_file_name_is_never_used_as_a_path(api: Api) -> None:
    before = sorted(p.name for p in api.settings.data_dir.parent.iterdir())
    status, body = upload_script(api, "../../../../tmp/loa-evil.txt", "Xin chào.".encode())
    assert status == 201
    # "Xin chào." is a greeting, no title: the file's name stands in, and the page asks.
    assert body["title"] == "loa-evil" and body["title_source"] == "guessed"
    assert not Path("/tmp/loa-evil.txt").exists()
    assert sorted(p.name for p in api.settings.data_dir.parent.iterdir()) == before
    response = api.client.post(
        "/api/media",
        files={"file": ("../../evil.wav", wav_bytes(), "audio/wav")},
        data={"kind": "audio", "name": "nhac-nen"},
        headers=api.auth("editor"),
    )
    assert response.status_code == 201, response.text
    assert files_under(api.settings.media_path) == [
        api.settings.media_path / "audios" / "nhac-nen.wav"
    ]
    traversal = api.client.post(
        "/api/media",
        files={"file": ("x.wav", wav_bytes(), "audio/wav")},
        data={"kind": "jingle", "name": "../x"},
        headers=api.auth("editor"),
    )
    assert traversal.status_code == 422
    assert files_under(api.settings.jingles_path) == []


def test_jingle_upload_is_stored_where_the_mixer_finds_it(api: Api) -> None:
    response = api.client.post(
        "/api/media",
        files={"file": ("Nhạc hiệu.WAV", wav_bytes(0.5), "audio/x-wav")},
        data={"kind": "jingle", "name": "chao-buoi-sang"},
        headers=api.auth("editor"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "jingle"
    assert abs(response.json()["duration_seconds"] - 0.5) < 0.01
    assert (api.settings.jingles_path / "chao-buoi-sang.wav").is_file()
    listed = api.client.get("/api/media", headers=api.auth("operator")).json()
    assert [m["name"] for m in listed] == ["chao-buoi-sang"]
    again = api.client.post(
        "/api/media",
        files={"file": ("x.wav", wav_bytes(0.2), "audio/wav")},
        data={"kind": "jingle", "name": "chao-buoi-sang"},
        headers=api.auth("editor"),
    )
    assert again.status_code == 409
    deleted = api.client.delete("/api/media/jingle/chao-buoi-sang", headers=api.auth("editor"))
    assert deleted.status_code == 200
    assert files_under(api.settings.jingles_path) == []


def test_media_type_checked_by_content(api: Api) -> None:
    png = api.client.post(
        "/api/media",
        files={"file": ("nhac.wav", PNG, "audio/wav")},
        data={"kind": "audio", "name": "nhac"},
        headers=api.auth("editor"),
    )
    assert png.status_code == 422
    assert png.json()["code"] == "upload_wrong_type"
    broken_mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x13\x37" * 300
    broken = api.client.post(
        "/api/media",
        files={"file": ("nhac.mp3", broken_mp3, "audio/mpeg")},
        data={"kind": "audio", "name": "nhac"},
        headers=api.auth("editor"),
    )
    assert broken.status_code == 422
    assert broken.json()["code"] in ("upload_unreadable", "upload_empty")
    assert files_under(api.settings.media_path) == []


def test_unauthenticated_upload_is_refused_before_reading(api: Api) -> None:
    response = api.client.post(
        "/api/scripts/upload", files={"file": ("a.txt", b"Xin chao.", "text/plain")}
    )
    assert response.status_code == 401
    assert api.store.scripts.count() == 0


def test_program_refers_to_uploaded_audio_where_the_station_resolves_it(api: Api) -> None:
    for name in ("loi-chao", "nhac-nen"):
        response = api.client.post(
            "/api/media",
            files={"file": (f"{name}.wav", wav_bytes(0.3), "audio/wav")},
            data={"kind": "audio", "name": name},
            headers=api.auth("editor"),
        )
        assert response.status_code == 201, response.text
    created = api.client.post(
        "/api/programs",
        json={
            "title": "Nhạc",
            "segments": [{"type": "audio", "name": "loi-chao"}],
            "bed": "nhac-nen",
        },
        headers=api.auth("editor"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["segments"][0]["name"] == "loi-chao"
    assert created.json()["bed"] == "nhac-nen"
    stored = api.store.programs.get(created.json()["id"])
    # broadcast.station resolves audio refs relative to settings.media_path.
    assert (api.settings.media_path / stored.segments[0].path).is_file()
    assert stored.bed is not None and (api.settings.media_path / stored.bed).is_file()
    in_use = api.client.delete("/api/media/audio/nhac-nen", headers=api.auth("editor"))
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "media_in_use"
    mp3_header = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
    other_format = api.client.post(
        "/api/media",
        files={"file": ("x.mp3", mp3_header, "audio/mpeg")},
        data={"kind": "audio", "name": "loi-chao", "replace": "true"},
        headers=api.auth("editor"),
    )
    assert other_format.status_code == 409
    assert other_format.json()["code"] == "media_format_change"
    assert (api.settings.media_path / stored.segments[0].path).is_file()
