"""/docs is served whole from this server: a commune PC without Internet still reads it."""

from __future__ import annotations

import re

from tests.api.conftest import Api


def test_the_docs_page_loads_nothing_from_elsewhere(shared_api: Api) -> None:
    page = shared_api.client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        fetched = shared_api.client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 500, asset
    assert "url: '/openapi.json'" in page.text


def test_redoc_is_not_offered_from_a_cdn(shared_api: Api) -> None:
    assert shared_api.client.get("/redoc").status_code == 404
