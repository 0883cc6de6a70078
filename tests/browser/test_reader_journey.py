"""A reader's journey through the public pages, in a real browser."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from articles.models import Article, Organization, Person, Place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(seed_path, tmp_path):
    """The seed plus two dozen more articles, tagged by hand (tag suggestion is not our
    subject here, so the import suggests none)."""
    call_command("import_articles", str(seed_path), "--no-progress", "--no-tagging", verbosity=0)
    seed = Article.objects.get()
    russia = Place.objects.create(name="Russia", kind="country", country_code="RU")
    ukraine = Place.objects.create(
        name="Ukraine", kind="country", country_code="UA", aliases=["Ukrainian"]
    )
    sweden = Place.objects.create(name="Sweden", kind="country", country_code="SE")
    stockholm = Place.objects.create(
        name="Stockholm", kind="city", country_code="SE", country=sweden
    )
    lavrov = Person.objects.create(
        name="Sergei Lavrov", role="Russian Foreign Minister", country=russia
    )
    blinken = Person.objects.create(name="Antony Blinken", role="U.S. Secretary of State")
    nato = Organization.objects.create(name="NATO", kind="military alliance")
    for entity in (lavrov, blinken):
        seed.personmention_set.create(entity=entity, state="confirmed", count=3)
    seed.organizationmention_set.create(entity=nato, state="suggested", count=4)
    for place in (russia, ukraine, stockholm):
        seed.placemention_set.create(entity=place, state="suggested", count=5)

    others = tmp_path / "others.jsonl"
    records = [
        {
            "title": f"Diplomacy report {n}",
            "published": f"2021-11-{n:02d}",
            "url": f"https://example.org/report-{n}",
            "body": f"Talks on Ukraine continued on day {n} as diplomats from Russia met in "
            "Vienna. Officials said the crisis would need patient diplomacy.",
        }
        for n in range(1, 25)
    ]
    others.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    call_command("import_articles", str(others), "--no-progress", "--no-tagging", verbosity=0)
    for article in Article.objects.exclude(pk=seed.pk):
        article.placemention_set.create(entity=russia, state="suggested")
        if article.title in {"Diplomacy report 1", "Diplomacy report 2", "Diplomacy report 3"}:
            article.personmention_set.create(entity=lavrov, state="suggested")
    return seed


def test_search_facet_chip_paging_article_and_person(live_server, page, screenshot, archive):
    page.goto(live_server.url + "/")
    screenshot("home")
    page.get_by_role("searchbox", name="Search the archive").first.fill("diplomacy")
    page.get_by_role("searchbox", name="Search the archive").first.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q=diplomacy"))
    assert page.locator(".result-count").inner_text().startswith("25 articles")
    assert page.locator(".results mark").count() > 0
    screenshot("search-results")

    # Narrow by a facet, then remove it again with its chip.
    page.locator(".facet", has_text="People").get_by_role("link", name="Sergei Lavrov").click()
    page.wait_for_url(re.compile(r"person=sergei-lavrov"))
    lavrov_count = int(page.locator(".result-count").inner_text().split()[0])
    assert lavrov_count == 4  # the seed and reports 1, 2 and 3
    screenshot("search-faceted")
    page.get_by_role("link", name="Remove filter Person: Sergei Lavrov").click()
    page.wait_for_url(lambda url: "person=" not in url)
    assert page.locator(".result-count").inner_text().startswith("25 articles")

    # Page through: 25 results, 20 a page.
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".results > li").count() == 5
    assert "q=diplomacy" in page.url

    # Open the seed and follow a person link.
    page.goto(live_server.url + "/search/?q=%22nightmare+scenario%22")
    page.get_by_role("link", name=re.compile("U.S. Urges De-Escalation")).click()
    page.wait_for_url(re.compile(r"/articles/\d+/"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("U.S. Urges")
    assert page.get_by_role("heading", name="'Nightmare scenario'", exact=True).is_visible()
    screenshot("article")
    page.locator(".facets").get_by_role("link", name="Sergei Lavrov").click()
    page.wait_for_url(re.compile(r"/people/sergei-lavrov/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sergei Lavrov"
    assert "Russian Foreign Minister" in page.content()
    screenshot("person")


def test_search_page_works_from_the_keyboard(live_server, page, archive):
    page.goto(live_server.url + "/search/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("#id_q").focus()
    page.keyboard.type("Blinken")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Blinken"))
    assert page.locator(".result-count").inner_text().startswith("1 article")


def test_entity_name_box_finds_a_misspelled_person(live_server, page, archive):
    page.goto(live_server.url + "/search/")
    page.locator("#id_who").fill("lavrof")
    page.locator("#id_who").press("Enter")
    page.wait_for_url(re.compile(r"person=sergei-lavrov"))
    assert "Person: Sergei Lavrov" in page.locator(".chips").inner_text()


def test_index_pages_filter_by_name(live_server, page, screenshot, archive):
    page.goto(live_server.url + "/people/")
    assert page.locator(".entity-grid li").count() == 2
    screenshot("people-index")
    page.locator("#id_name").fill("lavrof")
    page.locator("#id_name").press("Enter")
    page.wait_for_url(re.compile(r"name=lavrof"))
    (only,) = page.locator(".entity-grid li").all_inner_texts()
    assert only.split() == ["Sergei", "Lavrov", "4", "Russian", "Foreign", "Minister"]
    page.goto(live_server.url + "/countries/")
    assert "Russia" in page.locator(".entity-grid").inner_text()
    screenshot("countries-index")


def test_bad_input_shows_a_clear_message_not_an_error_page(live_server, page, screenshot, archive):
    response = page.goto(live_server.url + "/search/?q=diplomacy&date_from=2021-13-45")
    assert response.status == 400
    alert = page.get_by_role("alert")
    assert "We could not run this search" in alert.inner_text()
    assert "Enter a date as YYYY-MM-DD." in alert.inner_text()
    screenshot("search-bad-date")


def test_search_on_a_phone_sized_screen(live_server, browser, archive):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(live_server.url + "/search/?q=diplomacy")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(_artifact("search-phone")), full_page=False)
    context.close()
    assert width <= 390, "the page scrolls sideways on a phone"


def _artifact(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
