"""The agent's HTTP link to the station: the clock exchange and the audio downloads.

Both carry the cluster's token (``Authorization: Bearer``). A download is written to a
temporary file while its sha256 is computed, and kept only if the digest and the size are
those of the plan: anything else is refused (``audio_hash_mismatch``) and deleted.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import requests

from broadcast.cluster.clocksync import Exchange
from broadcast.errors import ClusterError

CHUNK = 1 << 16


def _refused() -> ClusterError:
    return ClusterError(
        "Đài từ chối mã truy cập của cụm loa (sai mã, hoặc cụm loa đã bị xoá).",
        code="cluster_token_refused",
    )


def _unreachable(url: str, exc: Exception) -> ClusterError:
    return ClusterError(f"Không liên lạc được với đài {url}: {exc}", code="station_unreachable")


class StationLink:
    def __init__(self, station_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base = station_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self._session.close()

    def exchange(self, timeout: float = 3.0) -> Exchange:
        """One four-timestamp exchange with the station's clock."""
        url = f"{self.base}/api/agent/time"
        t1 = time.time()
        try:
            response = self._session.get(url, timeout=timeout)
        except requests.RequestException as exc:
            raise _unreachable(self.base, exc) from exc
        t4 = time.time()
        if response.status_code == 401:
            raise _refused()
        if response.status_code != 200:
            raise ClusterError(
                f"Đài trả lời {response.status_code} khi đo giờ.", code="station_error"
            )
        body = response.json()
        return Exchange(t1, float(body["received"]), float(body["sent"]), t4)

    def stream_info(self, timeout: float = 3.0) -> dict[str, Any]:
        """The station's published stream now (``GET /api/agent/stream``): ``published``,
        ``url``, ``rate``, ``epoch_of_sample_zero``, ``delay_seconds``."""
        url = f"{self.base}/api/agent/stream"
        try:
            response = self._session.get(url, timeout=timeout)
        except requests.RequestException as exc:
            raise _unreachable(self.base, exc) from exc
        if response.status_code == 401:
            raise _refused()
        if response.status_code != 200:
            raise ClusterError(
                f"Đài trả lời {response.status_code} khi hỏi về luồng phát.",
                code="station_error",
            )
        body = response.json()
        if not isinstance(body, dict):
            raise ClusterError("Đài trả lời không đúng dạng về luồng phát.", code="station_error")
        return body

    def download(self, sha256: str, size: int, dest: Path) -> None:
        """Fetch the audio ``sha256`` to ``dest``, verified (``audio_hash_mismatch`` if its
        bytes are not the ones named by the plan)."""
        url = f"{self.base}/api/agent/audio/{sha256}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        digest = hashlib.sha256()
        written = 0
        try:
            with self._session.get(url, stream=True, timeout=self.timeout) as response:
                if response.status_code == 401:
                    raise _refused()
                if response.status_code != 200:
                    raise ClusterError(
                        f"Đài không có tệp âm thanh {sha256[:12]}… ({response.status_code}).",
                        code="audio_unavailable",
                    )
                with open(tmp, "wb") as out:
                    for chunk in response.iter_content(CHUNK):
                        digest.update(chunk)
                        written += len(chunk)
                        out.write(chunk)
        except requests.RequestException as exc:
            tmp.unlink(missing_ok=True)
            raise _unreachable(self.base, exc) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if digest.hexdigest() != sha256 or written != size:
            tmp.unlink(missing_ok=True)
            raise ClusterError(
                f"Tệp âm thanh tải về không đúng mã băm sha256 {sha256[:12]}… (nhận "
                f"{digest.hexdigest()[:12]}…, {written} byte): đã từ chối.",
                code="audio_hash_mismatch",
            )
        os.replace(tmp, dest)
