"""The chat in a real browser (Debian's headless Chromium): ask, read a source, follow up, start over.

Also checks what only a browser can show: no request leaves the machine, nothing is kept in localStorage, and
a document's markup is displayed but never executed: the hostile documents of tests/fixtures/hostile/ (Markdown
images and links, raw HTML with event attributes, `javascript:` and `data:` URIs, markup in titles and metadata,
direction overrides, a 100 kB line) go through ingest, ask and the page, with every request outside loopback
intercepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from qa.markup import shows_as_itself
from qa.settings import REPO_ROOT
from ui.deploy import is_loopback

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "out" / "screenshots"
BACLOFEN_QUESTION = "Is baclofen cleared by dialysis in patients with impaired renal function?"
# Answers take seconds on a busy two-core machine; the first one also loads the model's weights.
ANSWER_TIMEOUT_MS = 120_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the test extra is not installed: the skip below says so
    sync_playwright = None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    # Expectations wait for answers computed on a two-core machine that other jobs share.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, real_url: str) -> Iterator[tuple[Page, list[str]]]:
    """A fresh page on the chat, and the list of every URL it requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(real_url)
    yield page, requested
    context.close()


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("textbox").first
    box.fill(question)
    box.press("Enter")


def wait_for_reply(page: Page, replies_before: int) -> None:
    """Wait until a new bot reply has arrived and the chat accepts input again."""
    expect(page.locator('[data-testid="bot"]')).not_to_have_count(replies_before, timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_test_id("textbox").first).to_be_editable(timeout=ANSWER_TIMEOUT_MS)


def test_ask_read_a_source_follow_up_and_start_over(page: tuple[Page, list[str]]) -> None:
    page, requested = page
    starters = page.locator(".example")
    expect(starters.first).to_be_visible(timeout=30_000)

    ask(page, BACLOFEN_QUESTION)
    wait_for_reply(page, 0)
    bot = page.locator('[data-testid="bot"]')
    expect(bot.first).to_contain_text("[1]")
    expect(bot.first).to_contain_text("hemodialysis")

    # Open the first source: the passage appears with the quoted sentence highlighted.
    page.get_by_role("button", name=re.compile(r"^\[1\] ")).first.click()
    highlighted = page.locator('[data-testid="bot"] mark').first
    expect(highlighted).to_be_visible()
    assert len(highlighted.inner_text()) > 20
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)
    expect(highlighted).to_be_visible()
    highlighted.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "chat_baclofen_source.png"))

    # A suggested follow-up is a button; clicking it asks it.
    option = page.locator(".options .option").first
    expect(option).to_be_visible()
    suggestion = option.inner_text().strip()
    replies = bot.count()
    option.click()
    expect(page.locator('[data-testid="user"]').nth(1)).to_contain_text(suggestion, timeout=ANSWER_TIMEOUT_MS)
    wait_for_reply(page, replies)

    page.screenshot(path=str(SCREENSHOTS / "chat_baclofen_followup.png"))

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator('[data-testid="user"]')).to_have_count(0)
    expect(starters.first).to_be_visible()

    hosts = {urlparse(url).hostname for url in requested if not url.startswith(("data:", "blob:"))}
    assert hosts and all(is_loopback(host or "") for host in hosts), hosts
    stored = page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    assert "baclofen" not in stored.lower()


def test_hostile_document_is_shown_but_never_runs(page: tuple[Page, list[str]]) -> None:
    page, _ = page
    ask(page, "Does grapefruit juice interact with zolpidem?")
    wait_for_reply(page, 0)
    page.get_by_role("button", name=re.compile(r"^\[\d+\] Grapefruit juice and zolpidem")).first.click()
    passage = page.locator('[data-testid="bot"] blockquote').first
    expect(passage).to_be_visible()
    # The markup is there as text (so the test would see it run if escaping failed)...
    expect(passage).to_contain_text('onerror="window.__pwned = 1"')
    expect(passage).to_contain_text("<script>window.__pwned = 1</script>")
    page.wait_for_timeout(500)
    # ...and nothing ran, and no element was made from it.
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('[data-testid="bot"] img[src="x"]').count() == 0
    assert page.locator('[data-testid="bot"] script').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chat_hostile_source.png"), full_page=True)


# One question per hostile document (tests/fixtures/hostile/ and the one-line page the fixture writes), with a
# piece of markup its answer or sources must show as text.
HOSTILE_QUESTIONS = {
    "What is the loading dose of pralidoxime in organophosphate poisoning?": "[see the dosing table](http://203.0.113.9/phish)",
    "How many vials of digoxin-specific antibody fragments bind the digoxin?": '<img src=x onerror="window.__pwned=1">',
    "What is the initial dose of naloxone for opioid overdose?": "![x](http://203.0.113.9/n.png)",
    "What is the starting dose of hydroxocobalamin for cyanide poisoning?": "![beacon](http://203.0.113.9/long.png)",
}
# Elements and attributes a document could only have made by being rendered as markup.
MADE_FROM_DOCUMENTS = (
    "[onerror], [onload], [ontoggle], [onmouseover], img[src*='203.0.113'], a[href*='203.0.113'], "
    "a[href^='javascript' i], a[href^='data:' i], iframe, object, embed, .message script"
)
DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


def _readable(text: str) -> str:
    """Text as a reader sees it on the page: direction controls gone, whitespace folded."""
    return " ".join(text.translate({ord(c): None for c in DIRECTION_CONTROLS}).split())


def test_hostile_documents_are_shown_verbatim_and_nothing_runs_or_leaves_the_machine(
    browser: Browser, real_url: str, real_assistant
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    left: list[str] = []
    dialogs: list[str] = []

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname or ""
        if is_loopback(host):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(real_url)
    sources = page.get_by_role("button", name=re.compile(r"^\[\d+\] "))
    try:
        for question, markup in HOSTILE_QUESTIONS.items():
            opened = sources.count()
            ask(page, question)
            wait_for_reply(page, page.locator('[data-testid="bot"]').count())
            expect(sources).not_to_have_count(opened)
            for n in range(opened, sources.count()):
                sources.nth(n).click()
            page.wait_for_timeout(500)
            shown = _readable(page.locator(".message-wrap").first.inner_text())
            # The document's markup is on the page as the characters it holds...
            assert _readable(markup) in shown, question
            # ...and every quoted sentence is there verbatim, only direction controls dropped.
            answer = real_assistant.ask(question)
            assert not answer.abstained, question
            for quote, _ in answer.quotes:
                assert _readable(quote) in shown, quote
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "chat_hostile_documents.png"), full_page=True)

        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert left == [], "requests left the machine"
        assert page.locator(MADE_FROM_DOCUMENTS).count() == 0
        body = page.evaluate("document.body.innerText")
        assert not any(c in body for c in DIRECTION_CONTROLS)
        # Follow-ups and starters are plain-text buttons that, clicked, become Markdown messages: none offered
        # carries a document's markup.
        for label in page.locator(".options .option, .example").all_inner_texts():
            assert shows_as_itself(label.strip()), label
    finally:
        context.close()
