"""The chat page in real headless Chromium (Debian's /usr/bin/chromium through Playwright), each
test asserting what a person sees: example questions that answer, the evidence pane with what an
answer used marked, markers that jump to their source, a conversation that survives a reload, a
phone-sized screen, documents uploaded, asked about and deleted, and a document full of markup
that stays inert text. Every state is saved as a screenshot under the test's tmp dir."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import copy_index, live_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
CHINA = "How many international standards did China lead during the 14th Five-Year Plan period?"
# raw tags are stripped by the cleaner; entity-encoded ones come out of it as real markup
EVIL = (
    "# Zorblax <img src=x onerror=\"window.xss='title'\"> guide\n\n"
    "The zorblax reactor is cooled by purple quartz crystals "
    "&lt;script&gt;window.xss='script'&lt;/script&gt; mined in Vellmar. "
    "&lt;img src=x onerror=\"window.xss='img'\"&gt; <script>window.xss='raw'</script> "
    "Technicians replace the quartz crystals every eleven weeks.\n"
)
WIDE = {"width": 1400, "height": 900}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def app_url(built_index: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module, over a copy of the collection with the markup-laden document."""
    from assistant.documents import add_upload
    from index.catalog import Catalog

    settings = copy_index(built_index, tmp_path_factory.mktemp("browser"))
    add_upload(settings, "zorblax.md", EVIL.encode())
    assert "<script>" in (Catalog(settings.catalog_path).document_text("zorblax.md") or "")
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDE)
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        context.close()


def _open(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="load")
    expect(page.locator("#transcript .transcript")).to_be_attached(timeout=30_000)


def _ask(page: Any, question: str, turns: int) -> Any:
    """Ask and wait until the page shows ``turns`` finished answers; returns the last one."""
    from playwright.sync_api import expect

    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    answers = page.locator("#transcript article.turn .answer[data-md]")
    expect(answers).to_have_count(turns, timeout=60_000)
    return answers.nth(turns - 1)


def _at_top(page: Any, element_id: str) -> None:
    """Wait until the (smooth) scroll has put the element at the top of what shows it: its
    scrolling pane on a wide screen, the window on a phone."""
    page.wait_for_function(
        """id => { const e = document.getElementById(id); if (!e) return false;
                   const pane = e.closest('#evidence');
                   const top = pane && getComputedStyle(pane).overflowY === 'auto' ? pane.getBoundingClientRect().top : 0;
                   return Math.abs(e.getBoundingClientRect().top - top) < 24; }""",
        arg=element_id, timeout=10_000,
    )


def _shot(page: Any, tmp_path: Path, name: str) -> Path:
    page.wait_for_timeout(400)  # let transitions (sidebar, highlight flash) settle
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    return path


def test_the_empty_page_suggests_questions_that_get_answered(app_url: str, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _open(page, app_url + "/")
    welcome = page.locator("#transcript .welcome")
    expect(welcome).to_contain_text("The collection holds 6 documents")
    expect(welcome).to_contain_text("SESEC V China Standardisation Newsletter")
    buttons = page.locator("#examples button")
    expect(buttons.first).to_be_visible(timeout=30_000)
    assert 3 <= buttons.count() <= 5
    question = buttons.first.inner_text()
    assert question.startswith("What do the documents say about ")
    _shot(page, tmp_path, "empty-state")
    buttons.first.click()
    answer = page.locator("#transcript article.turn .answer[data-md]").first
    expect(answer).to_be_visible(timeout=60_000)
    expect(page.locator("#transcript .question").first).to_have_text(question)
    assert answer.locator("button.cite").count() >= 1 and answer.locator(".refusal").count() == 0
    expect(page.locator("#examples")).to_be_hidden()
    expect(page.locator("#evidence section.ev-turn:not([hidden]) mark").first).to_be_visible()
    _shot(page, tmp_path, "example-answered")


def test_evidence_shows_what_was_used_and_markers_jump_to_their_source(app_url: str, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _open(page, app_url + "/")
    answer = _ask(page, CHINA, 1)
    expect(answer).to_contain_text("1,079")
    mark = page.locator("#evidence mark", has_text="1,079")
    expect(mark).to_be_visible()  # without any click
    expect(mark).to_be_in_viewport()
    card = page.locator("#ev-0-1")
    expect(card).to_contain_text("The Department of Standards Innovation")
    expect(card.locator(".ev-meta")).to_contain_text("4 November 2025")
    _shot(page, tmp_path, "evidence")

    # a second answer takes over the pane; [1] of the first brings its source back into view
    _ask(page, "What is the top fine for companies under the revised Article 59?", 2)
    expect(mark).to_be_hidden()
    page.locator("#evidence").evaluate("e => e.scrollTop = e.scrollHeight")
    page.locator('#transcript button.cite[data-turn="0"][data-n="1"]').first.click()
    _at_top(page, "ev-0-1")
    expect(card).to_be_visible()
    expect(card).to_be_in_viewport()
    expect(mark).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollTop") == 0  # the pane scrolled, not the page
    _shot(page, tmp_path, "marker-clicked")

    # "Open in document": the whole document, the passage in view
    card.locator("button.ev-open").click()
    viewer = page.locator("#doc-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("#doc-passage")).to_be_in_viewport(timeout=10_000)
    expect(viewer.locator("#doc-passage mark", has_text="1,079")).to_be_visible()
    assert len(viewer.locator(".doc-text").inner_text()) > 3 * len(card.locator(".ev-text").inner_text())
    _shot(page, tmp_path, "open-in-document")
    viewer.locator(".doc-close").click()
    expect(viewer).to_be_hidden()


def test_a_reload_brings_the_conversation_back(app_url: str, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _open(page, app_url + "/")
    _ask(page, CHINA, 1)
    expect(page).to_have_url(re.compile(r"\?c=[0-9a-f]{32}$"))
    url = page.url
    page.reload(wait_until="load")
    expect(page.locator("#transcript .question")).to_have_text([CHINA], timeout=30_000)
    expect(page.locator("#evidence mark", has_text="1,079")).to_be_visible()
    assert page.url == url
    sid = url.rsplit("=", 1)[1]
    expect(page.locator("#conversations")).to_contain_text(CHINA[:40])
    assert page.locator(f'#conversations input[value="{sid}"]').is_checked()
    _shot(page, tmp_path, "reloaded")

    # and each answer can still be rated, copied and the whole conversation exported
    turn = page.locator("#transcript article.turn").first
    turn.get_by_role("button", name="Helpful", exact=True).click()
    expect(turn.locator(".act-note")).to_have_text("Thanks, feedback recorded.")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    turn.get_by_role("button", name="Copy").click()
    expect(turn.locator(".act-note")).to_contain_text("Copied as Markdown")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "1,079" in copied and "Sources:\n[1] The Department of Standards Innovation" in copied
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Markdown").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert exported.startswith(f"# {CHINA[:60]}") and f"## {CHINA}" in exported and "[1] The Department" in exported


def test_conversations_are_listed_newest_first_and_can_be_renamed_reopened_and_deleted(
    app_url: str, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _open(page, app_url + "/")
    _ask(page, "What is the top fine for individuals under the revised Article 59?", 1)
    convs = page.locator("#conversations label")
    expect(convs.first).to_contain_text("What is the top fine for individuals")  # newest first
    count = convs.count()
    page.locator("#rename-box input, #rename-box textarea").first.fill("Fines <b>under</b> Article 59")
    page.locator("#rename").click()
    expect(convs.first).to_contain_text("Fines <b>under</b> Article 59")  # a title is text, not markup
    expect(page.locator(".conv-title")).to_have_text("Fines <b>under</b> Article 59")
    sid = page.url.rsplit("=", 1)[1]

    page.locator("#new-conversation").click()
    expect(page.locator("#transcript .welcome")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"\?c="))
    convs.first.click()
    expect(page.locator(".conv-title")).to_have_text("Fines <b>under</b> Article 59")
    expect(page).to_have_url(re.compile(f"c={sid}$"))
    expect(page.locator("#evidence mark").first).to_be_visible()
    _shot(page, tmp_path, "conversation-reopened")

    page.locator("#delete-conversation").click()
    expect(page.locator("#confirm-conversation").first).to_be_visible()
    _shot(page, tmp_path, "conversation-delete-confirmation")
    page.locator("#confirm-delete-conversation").click()
    expect(convs).to_have_count(count - 1)
    expect(page.locator("#conversations")).not_to_contain_text("Fines")
    expect(page.locator("#transcript .welcome")).to_be_visible()


def test_a_phone_screen_stacks_the_panes_without_sideways_scrolling(browser: Any, app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _open(page, app_url + "/")
        expect(page.locator("#examples button").first).to_be_visible(timeout=30_000)
        expect(page.locator("#question textarea")).to_be_in_viewport()
        expect(page.locator("#conversations")).not_to_be_in_viewport()  # behind the menu
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, tmp_path, "phone-empty")
        _ask(page, CHINA, 1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("#question textarea")).to_be_in_viewport()
        chat, ev = page.locator("#chat-pane").bounding_box(), page.locator("#evidence-pane").bounding_box()
        assert ev["y"] >= chat["y"] + chat["height"] - 1  # evidence under the conversation
        _shot(page, tmp_path, "phone-answer")
        page.locator('#transcript button.cite[data-n="1"]').first.click()
        _at_top(page, "ev-0-1")
        expect(page.locator("#ev-0-1")).to_be_in_viewport()
        expect(page.locator("#evidence mark", has_text="1,079")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, tmp_path, "phone-source")
        page.locator("#sidebar .toggle-button").click()
        expect(page.locator("#conversations")).to_be_in_viewport()
        _shot(page, tmp_path, "phone-menu")
        page.locator("#sidebar .toggle-button").click()
        page.get_by_role("tab", name="Documents").click()
        expect(page.locator("#documents-table")).to_contain_text("zorblax.md", timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, tmp_path, "phone-documents")
    finally:
        context.close()


def test_documents_uploaded_on_their_tab_can_be_asked_about_and_deleted(app_url: str, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    good = tmp_path / "glimmer_report.md"
    good.write_text(
        "# Glimmerfen Survey Report\n\n## Lantern moths\n\n"
        "The Glimmerfen marsh holds 4,812 lantern moths according to the 2024 survey.\n"
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a PDF at all")
    _open(page, app_url + "/")
    page.get_by_role("tab", name="Documents").click()
    table = page.locator("#documents-table")
    expect(table).to_contain_text("zorblax.md", timeout=30_000)
    expect(table).to_contain_text("SESEC V China Standardisation Newsletter")
    page.locator("#upload-files input[type=file]").set_input_files([str(good), str(broken)])
    expect(page.locator("#upload-files").get_by_role("row")).to_have_count(2, timeout=30_000)  # both uploaded
    page.locator("#upload").click()
    status = page.locator("#upload-status")
    expect(status).to_contain_text("✓ glimmer_report.md added", timeout=90_000)
    expect(status).to_contain_text("✗ broken.pdf")
    assert status.locator(".fail").count() == 1
    expect(table).to_contain_text("Glimmerfen Survey Report")
    assert status.bounding_box()["y"] < table.bounding_box()["y"]  # the outcome shows where the upload was
    _shot(page, tmp_path, "uploaded")

    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "How many lantern moths does the Glimmerfen marsh hold?", 1)
    expect(answer).to_contain_text("4,812")
    expect(page.locator("#evidence")).to_contain_text("Glimmerfen Survey Report")
    _shot(page, tmp_path, "asked-about-upload")

    page.get_by_role("tab", name="Documents").click()
    choice = page.locator("#delete-choice input")
    choice.click()
    choice.fill("Glimmerfen")
    page.get_by_role("option", name=re.compile("Glimmerfen Survey Report")).click()
    page.locator("#delete").click()
    confirm = page.locator("#confirm-delete").first  # Gradio gives a group its id twice
    expect(confirm).to_contain_text("cannot be undone")
    _shot(page, tmp_path, "delete-confirmation")
    expect(table).to_contain_text("Glimmerfen")  # nothing is deleted before the confirmation
    page.locator("#confirm-delete-document").click()
    expect(page.locator("#delete-status")).to_contain_text("glimmer_report.md deleted", timeout=60_000)
    expect(table).not_to_contain_text("Glimmerfen")
    _shot(page, tmp_path, "deleted")


def test_a_document_full_of_markup_stays_inert(app_url: str, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _open(page, app_url + "/")
    answer = _ask(page, "What cools the zorblax reactor?", 1)
    expect(answer).to_contain_text("purple quartz")
    ev = page.locator("#evidence")
    expect(ev.locator("mark").first).to_contain_text("purple quartz")
    expect(ev).to_contain_text("<script>window.xss='script'</script>")  # shown as text
    expect(ev).to_contain_text("<img src=x onerror=")
    _shot(page, tmp_path, "inert-evidence")
    ev.locator("button.ev-open").first.click()
    viewer = page.locator("#doc-viewer")
    expect(viewer).to_contain_text("<img src=x onerror=")
    _shot(page, tmp_path, "inert-document")
    page.locator("#question textarea").evaluate("e => e.blur()")

    assert page.evaluate("window.xss") is None
    for where in ("#transcript", "#evidence", "#doc-viewer"):
        assert page.locator(f"{where} script").count() == 0
        assert page.locator(f"{where} img").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.dialogs == []


def test_with_no_index_the_page_says_how_to_add_documents_and_offers_questions_once_there_are(
    settings: Any, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    doc = tmp_path / "glimmer.md"
    doc.write_text(
        "# Glimmerfen Survey Report\n\n## Lantern Moth Population of the Marsh\n\n"
        "The Glimmerfen marsh holds 4,812 lantern moths according to the 2024 survey.\n\n"
        "## Boardwalk Repairs Planned for the Spring\n\nThe boardwalk will be repaired in April 2025 by the parish.\n"
    )
    with live_server(settings) as url:
        context = browser.new_context(viewport=WIDE)
        try:
            page = context.new_page()
            _open(page, url + "/")
            notice = page.locator("#transcript .notice")
            expect(notice).to_contain_text("No documents are indexed yet")
            expect(notice).to_contain_text("assistant ingest")
            expect(page.locator("#examples")).to_be_hidden()
            _shot(page, tmp_path, "no-index")
            page.get_by_role("tab", name="Documents").click()
            expect(page.locator("#documents-table")).to_contain_text("No documents yet")
            page.locator("#upload-files input[type=file]").set_input_files([str(doc)])
            expect(page.locator("#upload-files").get_by_role("row")).to_have_count(1, timeout=30_000)
            page.locator("#upload").click()
            expect(page.locator("#upload-status")).to_contain_text("✓ glimmer.md added", timeout=120_000)
            page.get_by_role("tab", name="Chat").click()
            expect(page.locator("#transcript .welcome")).to_contain_text("The collection holds 1 document")
            buttons = page.locator("#examples button")
            expect(buttons.first).to_be_visible(timeout=30_000)
            assert "Glimmerfen" in " ".join(buttons.all_inner_texts()) or "Lantern" in " ".join(buttons.all_inner_texts())
            _shot(page, tmp_path, "first-document")
        finally:
            context.close()
