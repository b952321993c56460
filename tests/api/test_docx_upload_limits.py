"""Uploading a .docx: its unpacked text is held to the script limit, and reading it does not
hold up the server (it happens off the event loop)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import api.routes.scripts as script_routes
from tests.api.conftest import Api
from tests.api.test_uploads import docx_bytes, upload_script


def test_small_docx_with_too_much_text_is_413_and_nothing_stored(api: Api) -> None:
    paragraph = "Kính thưa bà con nhân dân trong toàn xã, " * 20
    data = docx_bytes(*([paragraph] * 4000))
    assert len(data) < 200_000 < api.settings.script_max_bytes
    status, body = upload_script(api, "dai.docx", data)
    assert status == 413, body
    assert body["code"] == "script_too_large"
    assert api.store.scripts.count() == 0


def test_reading_a_docx_leaves_the_server_answering(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parse waits until another request has been answered. Run on the event loop, it
    # would block that request and give up waiting.
    started, answered = threading.Event(), threading.Event()
    waited: list[bool] = []
    real_parse = script_routes.parse_script

    def slow_parse(*args: Any) -> Any:
        started.set()
        waited.append(answered.wait(timeout=15))
        return real_parse(*args)

    monkeypatch.setattr(script_routes, "parse_script", slow_parse)
    results: list[tuple[int, dict]] = []
    data = docx_bytes("Thông báo.", "Chiều nay họp dân.")
    uploader = threading.Thread(
        target=lambda: results.append(upload_script(api, "tin.docx", data))
    )
    uploader.start()
    try:
        assert started.wait(timeout=30)
        assert api.client.get("/api/health").status_code in (200, 503)
        answered.set()
    finally:
        answered.set()
        uploader.join(timeout=60)
    assert waited == [True]
    assert results and results[0][0] == 201, results
