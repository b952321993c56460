"""A media upload on a full disk: 507 ``disk_full`` with a clear message, and nothing stored
(no partial file, an older file of the same name untouched)."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, build_api
from tests.api.test_uploads import files_under, wav_bytes


def _upload(api: Api, data: bytes, name: str = "chao-buoi-sang", replace: bool = False) -> object:
    return api.client.post(
        "/api/media",
        files={"file": ("nhac-hieu.wav", data, "audio/wav")},
        data={"kind": "jingle", "name": name, "replace": "true" if replace else "false"},
        headers=api.auth("editor"),
    )


def _fill_disk_under(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Writes under ``folder`` fail as on a full disk: half the bytes land, then ENOSPC."""
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:  # type: ignore[override]
        if folder in self.parents:
            real(self, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def test_upload_on_a_full_disk_is_507_and_leaves_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_disk_under(monkeypatch, api.settings.jingles_path)
    response = _upload(api, wav_bytes(0.5))
    assert response.status_code == 507, response.text
    body = response.json()
    assert body["code"] == "disk_full"
    assert "đầy" in body["message"] and "không có gì bị thay đổi" in body["message"]
    assert files_under(api.settings.jingles_path) == []
    assert api.client.get("/api/media", headers=api.auth("operator")).json() == []


def test_a_replacement_on_a_full_disk_keeps_the_old_file(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _upload(api, wav_bytes(0.5))
    assert first.status_code == 201, first.text
    stored = api.settings.jingles_path / "chao-buoi-sang.wav"
    before = stored.read_bytes()
    _fill_disk_under(monkeypatch, api.settings.jingles_path)
    response = _upload(api, wav_bytes(0.3), replace=True)
    assert response.status_code == 507, response.text
    assert files_under(api.settings.jingles_path) == [stored]
    assert stored.read_bytes() == before


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs (needs the right to mount: root with CAP_SYS_ADMIN)."""
    mountpoint = tmp_path / "tiny-disk"
    mountpoint.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "loa-test-tiny", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.strip()}); the patched tests cover it"
        )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)


def test_upload_onto_a_really_full_tmpfs(tmp_path: Path, tiny_disk: Path) -> None:
    api = build_api(tmp_path / "station", jingles_dir=tiny_disk)
    with api.client:
        too_big = _upload(api, wav_bytes(3.0))  # 96 KB on a 64 KiB disk
        assert too_big.status_code == 507, too_big.text
        assert too_big.json()["code"] == "disk_full"
        assert sorted(p.name for p in tiny_disk.iterdir()) == []
        # Nothing was left behind to fill the disk: a file that fits still goes in.
        fits = _upload(api, wav_bytes(0.5), name="ngan")
        assert fits.status_code == 201, fits.text
    api.store.close()
