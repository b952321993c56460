"""Draw the default podcast cover (api/static/public/cover.png, 1400×1400 PNG, what Apple
Podcasts asks for at least) with Debian's chromium. Run again after changing the drawing:

    .venv/bin/python tools/make_public_cover.py
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "api" / "static" / "public" / "cover.png"
SIZE = 1400

PAGE = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
html, body {{ margin: 0; width: {SIZE}px; height: {SIZE}px; }}
body {{ background: #b3261e;
  font-family: "Noto Sans", "DejaVu Sans", sans-serif; color: #fff;
  display: flex; flex-direction: column; align-items: center; justify-content: center; }}
svg {{ width: 640px; height: 640px; }}
h1 {{ font-size: 150px; margin: 40px 0 0; letter-spacing: 2px; }}
p {{ font-size: 64px; margin: 10px 0 0; opacity: .92; }}
</style></head><body>
<svg viewBox="0 0 200 200" aria-hidden="true">
  <rect x="92" y="110" width="16" height="80" rx="4" fill="#fff"/>
  <path d="M40 60 L120 30 L120 130 L40 100 Z" fill="#ffd54f"/>
  <rect x="22" y="58" width="24" height="44" rx="6" fill="#fff"/>
  <path d="M140 55 q20 25 0 50" stroke="#fff" stroke-width="9" fill="none" stroke-linecap="round"/>
  <path d="M158 40 q35 40 0 80" stroke="#fff" stroke-width="9" fill="none" stroke-linecap="round"/>
</svg>
<h1>Nghe lại</h1>
<p>Đài truyền thanh xã</p>
</body></html>"""


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE})
        page.set_content(PAGE)
        page.screenshot(path=str(OUT), omit_background=False)
        browser.close()
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
