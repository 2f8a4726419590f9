"""The chat page in real headless Chromium (Debian's /usr/bin/chromium through Playwright):
ask, see a cited answer, open a source; a document full of markup stays inert text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.live import copy_index, live_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
# raw tags are stripped by the cleaner; entity-encoded ones come out of it as real markup
EVIL = (
    "# Zorblax <img src=x onerror=\"window.xss='title'\"> guide\n\n"
    "The zorblax reactor is cooled by purple quartz crystals "
    "&lt;script&gt;window.xss='script'&lt;/script&gt; mined in Vellmar. "
    "&lt;img src=x onerror=\"window.xss='img'\"&gt; <script>window.xss='raw'</script> "
    "Technicians replace the quartz crystals every eleven weeks.\n"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def test_page_answers_cites_and_keeps_document_markup_inert(built_index: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from assistant.documents import add_upload

    settings = copy_index(built_index, tmp_path)
    add_upload(settings, "zorblax.md", EVIL.encode())
    from index.catalog import Catalog

    assert "<script>" in (Catalog(settings.catalog_path).document_text("zorblax.md") or "")
    with live_server(settings) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url + "/", wait_until="load")
            expect(page.locator("#documents")).to_contain_text("zorblax.md", timeout=30_000)

            box = page.locator("#question textarea")
            box.fill("What cools the zorblax reactor?")
            box.press("Enter")
            chat = page.locator("#chat")
            expect(chat).to_contain_text("purple quartz", timeout=60_000)
            expect(chat).to_contain_text("[1]", timeout=60_000)
            source = chat.get_by_text("[1] Zorblax", exact=False).first
            expect(source).to_be_visible(timeout=30_000)
            source.click()
            mark = chat.locator("mark").first
            expect(mark).to_be_visible(timeout=10_000)
            expect(mark).to_contain_text("purple quartz")
            expect(chat).to_contain_text("<script>window.xss='script'</script>")  # shown as text
            expect(chat).to_contain_text("<img src=x onerror=")
            page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)

            assert page.evaluate("window.xss") is None
            assert chat.locator("script").count() == 0
            assert chat.locator("img[src='x']").count() == 0
            assert page.locator("img[onerror]").count() == 0
            assert dialogs == []
            assert (tmp_path / "answer.png").stat().st_size > 10_000
        finally:
            browser.close()
