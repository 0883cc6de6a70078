"""CSV export of a search: the page's parameters and order, public tags only, capped,
streamed, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from articles.exports import COLUMNS, neutralised, search_export
from articles.models import Person
from tests.search.conftest import HOSTILE_INPUTS, make_article

pytestmark = pytest.mark.django_db

EXPORT_URL = "/search/export.csv"


def download(client, params=None) -> tuple[object, list[list[str]]]:
    response = client.get(EXPORT_URL, params or {})
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8 only with it
    return response, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def helper_rows(cap: int, **params) -> tuple[object, list[list[str]]]:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    export = search_export(query, cap=cap)
    assert export.is_valid
    return export, list(export.rows())


def test_rows_are_the_search_results_with_their_public_tags(client, archive):
    response, rows = download(client, {"country": "UA", "sort": "newest"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="newsdesk-search.csv"'
    assert "X-Newsdesk-Truncated" not in response
    assert rows[0] == COLUMNS
    kremlin = archive["kremlin"]
    assert rows[3] == [
        str(kremlin.pk),
        "2021-11-20",
        "TASS",
        "Kremlin rejects NATO expansion",
        kremlin.url,
        "Sergei Lavrov; Volodymyr Zelenskiy",
        "NATO",
        "Russia; Ukraine",
    ]
    assert [row[3] for row in rows[1:]] == [
        archive[name].title for name in ("pipeline", "kyiv_talks", "kremlin", "traders", "farmers")
    ]


def test_countries_come_through_places_once_each(client, archive):
    _, rows = download(client, {"q": "farmers"})

    # Farmers names Ukraine and Kiev, which lies in Ukraine.
    assert [row[7] for row in rows[1:]] == ["Ukraine"]


def test_rejected_tags_are_left_out(client, archive):
    # The submarine article: Lavrov, OSCE and Russia rejected, Sweden confirmed.
    _, rows = download(client, {"q": "submarine"})

    [row] = rows[1:]
    assert row[5:] == ["", "", "Sweden"]


def test_rows_follow_the_search_order(client, archive):
    _, by_relevance = download(client, {"q": "pipeline"})
    _, oldest = download(client, {"q": "pipeline", "sort": "oldest"})

    # "pipeline" is in the title of `pipeline`, only in the body of the newer `energy`.
    assert [row[3] for row in by_relevance[1:]] == [
        archive["pipeline"].title,
        archive["energy"].title,
    ]
    assert [row[3] for row in oldest[1:]] == [archive["pipeline"].title, archive["energy"].title]
    _, newest = download(client, {"q": "pipeline", "sort": "newest"})
    assert [row[3] for row in newest[1:]] == [archive["energy"].title, archive["pipeline"].title]


def test_paging_parameters_do_not_cut_the_export(client, archive):
    _, rows = download(client, {"page": "2", "page_size": "1"})

    assert len(rows) == 1 + 10


def test_the_cap_keeps_the_first_rows_and_says_so(archive):
    export, rows = helper_rows(3)

    assert export.truncated
    assert [row[3] for row in rows[1:4]] == [
        archive[name].title for name in ("energy", "pipeline", "stockholm_talks")
    ]
    assert rows[4] == ["# Only the first 3 matching articles; narrow the search."]
    assert len(rows) == 5


def test_exactly_the_cap_is_not_truncated(archive):
    export, rows = helper_rows(10)

    assert not export.truncated
    assert len(rows) == 1 + 10
    assert not rows[-1][0].startswith("#")


def test_the_cap_applies_to_relevance_too(archive):
    export, rows = helper_rows(2, q="Ukraine OR grain OR Kyiv")

    assert export.truncated
    assert len(rows) == 1 + 2 + 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Sergei Lavrov", "Sergei Lavrov"),
        ("2021-11-20", "2021-11-20"),
        ("a=b", "a=b"),
        (42, "42"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell, expected):
    assert neutralised(cell) == expected


def test_formulas_in_titles_and_names_reach_the_file_neutralised(client, archive):
    article = make_article('=HYPERLINK("http://evil.example","Click")', "Ok.", date(2022, 1, 5), "")
    person = Person.objects.create(name="@SUM(1+1)", slug="at-sum")
    article.personmention_set.create(entity=person, state="confirmed")
    article.personmention_set.create(entity=archive.people["blinken"], state="suggested")

    _, rows = download(client, {"date_from": "2022-01-01"})

    [row] = rows[1:]
    assert row[3] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[5] == "'@SUM(1+1); Antony Blinken"


INVALID = {
    "unknown-person": {"person": "nobody-at-all"},
    "bad-date": {"date_to": "2021-02-30"},
    "nul-byte": {"q": "a\x00b"},
    "unknown-sort": {"sort": "random"},
}


@pytest.mark.parametrize("params", INVALID.values(), ids=INVALID.keys())
def test_invalid_parameters_answer_400_in_plain_text(client, archive, params):
    response = client.get(EXPORT_URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("We could not run this search.")


def test_hostile_input_never_breaks_the_export(client, archive):
    # One archive for all of tests/search/conftest.py's hostile inputs: they only read.
    for label, value in HOSTILE_INPUTS:
        for name in ("q", "person", "source", "date_to"):
            response = client.get(f"{EXPORT_URL}?{name}={value}")

            assert response.status_code in (200, 400), (label, name, response.content[:300])
            if response.status_code == 200:
                b"".join(response.streaming_content).decode("utf-8")


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        _, rows = download(client, params)
    return len(queries), len(rows)


@pytest.mark.parametrize(
    "params", [{"source": "TASS"}, {"q": "grain"}, {"q": "grain", "sort": "newest"}]
)
def test_query_count_does_not_grow_with_the_rows(client, archive, params):
    few, few_rows = _queries(client, params)
    lavrov, nato = archive.people["lavrov"], archive.organizations["nato"]
    for n in range(40):
        article = make_article(f"Bulletin {n}", "A bulletin on grain.", date(2022, 1, 1), "TASS")
        article.placemention_set.create(entity=archive.places["latvia"], state="confirmed")
        article.personmention_set.create(entity=lavrov, state="suggested")
        article.organizationmention_set.create(entity=nato, state="confirmed")

    many, many_rows = _queries(client, params)

    assert many_rows == few_rows + 40
    assert many == few
    # Name widening, the count, the rows and their tags, and the planner settings the
    # search page uses: a handful, however many rows.
    assert many <= 20


def test_search_page_links_the_export_with_its_parameters(client, archive):
    body = client.get("/search/", {"q": "talks", "sort": "oldest", "page": "1"}).content.decode()

    assert '<a href="/search/export.csv?q=talks&amp;sort=oldest" type="text/csv" download>' in body
    assert "Download CSV" in body


def test_entity_page_links_an_export_of_its_articles(client, archive):
    body = client.get("/countries/ua/").content.decode()

    assert '<a href="/search/export.csv?country=UA" type="text/csv" download>' in body
    _, rows = download(client, {"country": "UA"})
    assert len(rows) == 1 + 5
