"""Reading .docx scripts: time and peak Python memory of ``parse_script`` on an ordinary
script and on the two hostile shapes of issue 9 (a small package that unpacks to megabytes of
text, and one that inflates to 45 MB of XML). The ordinary script is the baseline; the others
are printed as ratios to it. Both hostile files must be refused: the figures show at what cost.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402  (python-docx: builds the inputs)

from broadcast.errors import ScriptInputError  # noqa: E402
from broadcast.script_input import parse_script  # noqa: E402

LIMIT = 2_000_000
RUNS = 5
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _markup_bomb() -> bytes:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body><w:p>'
        + "<w:r><w:rPr><w:b/></w:rPr></w:r>" * 1_500_000
        + "</w:p></w:body></w:document>"
    ).encode()
    source = zipfile.ZipFile(io.BytesIO(_docx(["x"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            body = xml if info.filename == "word/document.xml" else source.read(info)
            package.writestr(info.filename, body)
    return out.getvalue()


def _parse(data: bytes) -> str:
    try:
        parse_script(data, "bai.docx", LIMIT)
        return "read"
    except ScriptInputError as exc:
        return exc.code


def measure(data: bytes) -> tuple[float, float, str]:
    """Median seconds over RUNS, then the peak of Python allocations in one more run."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        outcome = _parse(data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    _parse(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6, outcome


def main() -> None:
    sentence = "Kính thưa bà con nhân dân trong toàn xã, "
    cases = {
        "ordinary script (40 paragraphs)": _docx([sentence * 8] * 40),
        "small package, 7 MB of text": _docx([sentence * 40] * 4000),
        "small package, 45 MB of XML": _markup_bomb(),
    }
    base_time = base_peak = 0.0
    for name, data in cases.items():
        seconds, peak, outcome = measure(data)
        if not base_time:
            base_time, base_peak = seconds, peak
        print(
            f"{name:34s} {len(data) / 1024:7.0f} KB packed  {seconds * 1000:8.1f} ms "
            f"(x{seconds / base_time:5.1f})  peak {peak:6.1f} MB (x{peak / base_peak:5.1f})  "
            f"-> {outcome}"
        )


if __name__ == "__main__":
    main()
