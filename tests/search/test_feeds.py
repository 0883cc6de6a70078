"""Atom feeds: a search's and an entity's newest articles, what the pages would find.

Against the hand-built archive of tests/search/conftest.py, whose answers are known.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import editing
from articles.feeds import FEED_SIZE, SUMMARY_WORDS
from articles.models import Article, Person
from tests.search.conftest import HOSTILE_INPUTS, make_article

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SEARCH_FEED = "/search/feed/"


def atom(response) -> ET.Element:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def entry_titles(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries(root)]


def titles_of(archive, *names: str) -> list[str]:
    return [archive[name].title for name in names]


def test_search_feed_lists_the_matches_newest_first(client, archive):
    root = atom(client.get(SEARCH_FEED, {"country": "UA"}))

    assert entry_titles(root) == titles_of(
        archive, "pipeline", "kyiv_talks", "kremlin", "traders", "farmers"
    )


def test_a_text_query_is_newest_first_too_not_by_relevance(client, archive):
    # On the page "pipeline" ranks the article with it in its title first.
    root = atom(client.get(SEARCH_FEED, {"q": "pipeline", "sort": "relevance"}))

    assert entry_titles(root) == titles_of(archive, "energy", "pipeline")


def test_sort_and_paging_parameters_do_not_change_a_feed(client, archive):
    plain = atom(client.get(SEARCH_FEED, {"country": "UA"}))
    paged = atom(
        client.get(SEARCH_FEED, {"country": "UA", "sort": "oldest", "page": "2", "page_size": "1"})
    )

    assert entry_titles(paged) == entry_titles(plain)


def test_entry_has_title_link_dates_and_first_paragraph_as_summary(client, archive):
    kremlin = archive["kremlin"]

    root = atom(client.get(SEARCH_FEED, {"q": "expansion"}))

    [entry] = entries(root)
    assert entry.findtext(f"{ATOM}title") == "Kremlin rejects NATO expansion"
    [link] = entry.findall(f"{ATOM}link")
    assert link.get("rel") == "alternate"
    assert link.get("href") == f"http://testserver/articles/{kremlin.pk}/"
    assert entry.findtext(f"{ATOM}published") == "2021-11-20T00:00:00+00:00"
    assert entry.findtext(f"{ATOM}updated")  # Atom requires one on every entry
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text == archive.articles["kremlin"].paragraphs[0]


def test_summary_is_the_standfirst_when_there_is_one(client, archive):
    Article.objects.filter(pk=archive["riga"].pk).update(subtitle="Allies meet in the Baltic.")

    root = atom(client.get(SEARCH_FEED, {"country": "LV"}))

    assert [e.findtext(f"{ATOM}summary") for e in entries(root)] == ["Allies meet in the Baltic."]


def test_long_first_paragraph_is_cut_to_a_summary(client, archive):
    make_article("Long read", "word " * 500, date(2022, 1, 1), "TASS")

    root = atom(client.get(SEARCH_FEED, {"q": "long read"}))

    summary = entries(root)[0].findtext(f"{ATOM}summary")
    assert len(summary.split()) == SUMMARY_WORDS
    assert summary.endswith("…")


def test_summary_is_escaped_html_so_readers_show_markup_as_text(client, archive):
    # The customs article's body holds <script> and <img onerror> as text.
    root = atom(client.get(SEARCH_FEED, {"q": "cigarettes"}))

    summary = entries(root)[0].findtext(f"{ATOM}summary")
    assert "<" not in summary and ">" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary
    assert html.unescape(summary) == archive["customs"].paragraphs[0]


def test_characters_xml_cannot_hold_are_dropped_not_a_server_error(client, archive):
    make_article("Escape\x1b[31m codes\x0b in a title", "Body\x01 text.", date(2022, 1, 1), "TASS")

    root = atom(client.get(SEARCH_FEED, {"q": "escape codes"}))

    [entry] = entries(root)
    assert entry.findtext(f"{ATOM}title") == "Escape[31m codes in a title"
    assert entry.findtext(f"{ATOM}summary") == "Body text."


def test_feed_links_to_the_search_page_and_to_itself(client, archive):
    root = atom(client.get(SEARCH_FEED, {"q": "pipeline", "page": "3"}))

    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/search/?q=pipeline"
    assert links["self"] == "http://testserver/search/feed/?q=pipeline&page=3"
    assert root.findtext(f"{ATOM}title") == "Newsdesk: “pipeline”"


def test_feed_holds_at_most_the_newest_fifty(client, archive):
    for n in range(FEED_SIZE + 5):
        make_article(f"Bulletin {n}", "A bulletin.", date(2022, 1, 1 + n % 28), "TASS")

    root = atom(client.get(SEARCH_FEED, {"q": "bulletin"}))

    published = [e.findtext(f"{ATOM}published") for e in entries(root)]
    assert len(published) == FEED_SIZE
    assert published == sorted(published, reverse=True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/people/sergei-lavrov/feed/", ["stockholm_talks", "kremlin"]),  # not the rejected
        ("/organizations/nato/feed/", ["riga", "kremlin"]),
        ("/countries/se/feed/", ["stockholm_talks", "submarine", "customs"]),
        ("/places/kiev/feed/", ["kyiv_talks", "farmers"]),
    ],
)
def test_entity_feed_lists_the_articles_its_page_lists(client, archive, url, expected):
    root = atom(client.get(url))

    assert entry_titles(root) == titles_of(archive, *expected)
    page_link = root.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert page_link == "http://testserver" + url.removesuffix("feed/")


def test_entity_feed_takes_the_search_parameters_too(client, archive):
    root = atom(client.get("/countries/ua/feed/", {"q": "grain"}))

    assert entry_titles(root) == titles_of(archive, "traders", "farmers")
    assert root.findtext(f"{ATOM}title") == "Newsdesk: Ukraine — “grain”"


def test_unknown_entity_feed_is_404(client, archive):
    assert client.get("/people/nobody-at-all/feed/").status_code == 404
    assert client.get("/countries/xx/feed/").status_code == 404


def test_merged_entity_feed_redirects_to_the_survivor_feed(client, archive):
    duplicate = Person.objects.create(name="S. Lavrov", slug="s-lavrov")
    editing.merge_entities(archive.people["lavrov"], [duplicate], user=None)

    response = client.get("/people/s-lavrov/feed/", {"q": "talks"})

    assert response.status_code == 301
    assert response["Location"] == "/people/sergei-lavrov/feed/?q=talks"


def test_a_country_place_feed_redirects_to_the_country_feed(client, archive):
    response = client.get("/places/ukraine/feed/")

    assert response.status_code == 301
    assert response["Location"] == "/countries/ua/feed/"


INVALID = {
    "unknown-organization": {"organization": "nobody-at-all"},
    "unknown-country": {"country": "XX"},
    "bad-date": {"date_from": "2021-13-45"},
    "dates-reversed": {"date_from": "2021-12-02", "date_to": "2021-12-01"},
    "query-10-kb": {"q": "word " * 2048},
    "nul-byte": {"q": "a\x00b"},
}


@pytest.mark.parametrize("params", INVALID.values(), ids=INVALID.keys())
@pytest.mark.parametrize("url", [SEARCH_FEED, "/people/sergei-lavrov/feed/"])
def test_invalid_parameters_answer_400_in_plain_text(client, archive, url, params):
    response = client.get(url, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("We could not run this search.")


def test_hostile_input_never_breaks_a_feed(client, archive):
    # One archive for all of tests/search/conftest.py's hostile inputs: they only read.
    for label, value in HOSTILE_INPUTS:
        for name in ("q", "person", "source", "date_to"):
            response = client.get(f"{SEARCH_FEED}?{name}={value}")

            assert response.status_code in (200, 400), (label, name, response.content[:300])
            if response.status_code == 200:
                ET.fromstring(response.content)


def test_feeds_refuse_writes(client, archive):
    assert client.post(SEARCH_FEED).status_code == 405
    assert client.post("/people/sergei-lavrov/feed/").status_code == 405


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        atom(client.get(url, params))
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (SEARCH_FEED, {"source": "TASS", "date_from": "2021-01-01"}),
        (SEARCH_FEED, {"q": "grain"}),
        ("/countries/lv/feed/", {}),
    ],
    ids=["filters", "text", "entity"],
)
def test_query_count_does_not_grow_with_the_entries(client, archive, url, params):
    few = _queries(client, url, params)
    lavrov, nato = archive.people["lavrov"], archive.organizations["nato"]
    for n in range(40):
        article = make_article(f"Bulletin {n}", "A bulletin on grain.", date(2022, 1, 1), "TASS")
        article.placemention_set.create(entity=archive.places["latvia"], state="confirmed")
        article.personmention_set.create(entity=lavrov, state="suggested")
        article.organizationmention_set.create(entity=nato, state="confirmed")

    with CaptureQueriesContext(connection) as queries:
        root = atom(client.get(url, params))

    assert len(entries(root)) > 40
    assert len(queries) == few, [q["sql"][:120] for q in queries]
    assert len(queries) <= 20


def test_search_page_links_its_feed_in_the_head_and_in_the_page(client, archive):
    response = client.get("/search/", {"q": "ministerial", "person": "sergei-lavrov", "page": "1"})

    body = response.content.decode()
    expected = "/search/feed/?q=ministerial&amp;person=sergei-lavrov"
    head = body.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Newsdesk: “ministerial”" '
        f'href="{expected}">' in head
    )
    assert f'<a href="{expected}" type="application/atom+xml">Atom feed</a>' in body
    feed = atom(client.get(html.unescape(expected)))
    assert entry_titles(feed) == titles_of(archive, "stockholm_talks")


def test_entity_page_links_its_feed(client, archive):
    body = client.get("/people/sergei-lavrov/", {"date_from": "2021-11-01"}).content.decode()

    assert (
        '<link rel="alternate" type="application/atom+xml" title="Newsdesk: Sergei Lavrov" '
        'href="/people/sergei-lavrov/feed/?date_from=2021-11-01">' in body
    )
    assert '<a href="/people/sergei-lavrov/feed/?date_from=2021-11-01"' in body


def test_invalid_search_page_offers_no_feed(client, archive):
    response = client.get("/search/", {"person": "nobody-at-all"})

    assert response.status_code == 400
    assert b"application/atom+xml" not in response.content
