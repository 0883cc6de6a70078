"""Stored XSS in a real browser: hostile archive text never runs, CSP or not.

The pages send a Content Security Policy that would block inline script anyway; this
test turns it off, so that it shows the escaping alone holds (tests/test_stored_xss.py
checks every page's HTML; this one lets chromium parse and run the result).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.hostile_archive import MARKER, PAYLOADS, build_hostile_archive

pytestmark = pytest.mark.django_db(transaction=True)

INJECTED = """() => ({
    xss: typeof window.__xss,
    handlers: [...document.querySelectorAll('*')].filter(
        el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
    scriptLinks: [...document.querySelectorAll('[href]')].filter(
        el => /^\\s*(javascript|data):/i.test(el.getAttribute('href'))).length,
})"""
CLEAN = {"xss": "undefined", "handlers": 0, "scripts": 0, "scriptLinks": 0}


def test_hostile_text_never_runs_on_search_article_and_person_pages(
    live_server, page, screenshot, settings, tmp_path
):
    settings.SECURE_CSP = {}  # no second wall: escaping alone must hold
    archive = build_hostile_archive(tmp_path)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    pages = {
        "search": "/search/?" + urlencode({"q": "spokesman said hostile"}),
        "search-payload": "/search/?" + urlencode({"q": PAYLOADS["close-tags"]}),
        "article": archive.articles["img"].get_absolute_url(),
        "article-from-backup": archive.backup_article.get_absolute_url(),
        "person": archive.people["script"].get_absolute_url(),
        "person-svg": archive.people["svg"].get_absolute_url(),
    }

    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, name
        assert "Content-Security-Policy" not in response.headers
        page.mouse.move(400, 300)  # over the page, for any onmouseover that got through
        page.wait_for_timeout(100)  # onerror fires when the broken image fails

        assert page.evaluate(INJECTED) == CLEAN, name
        assert MARKER in page.locator("main").inner_text(), f"{name}: the payload is not shown"
    assert errors == []

    # The payload shows as text where a reader sees it: the highlighted snippet.
    page.goto(live_server.url + pages["search"])
    snippet = page.locator(".snippet").filter(has_text=PAYLOADS["script"]).first
    assert snippet.locator("mark").count() >= 1
    assert page.get_by_role("link", name="Atom feed").is_visible()
    assert page.get_by_role("link", name="Download CSV").is_visible()
    screenshot("stored-xss-search")
