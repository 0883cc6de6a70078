"""The JSON Lines format: the documented schema, and one error per bad line."""

from __future__ import annotations

import io
import json
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importing.jsonl_format import FIELDS, iter_jsonl
from articles.importing.records import Block, ParsedArticle, ParseError, RelatedReference

MINIMAL = {"title": "Lavrov meets Tillerson in Bonn", "published": "2017-02-16"}


def jsonl(*records: object) -> bytes:
    return b"".join(
        (record if isinstance(record, bytes) else json.dumps(record).encode()) + b"\n"
        for record in records
    )


def parse_all(data: bytes) -> list[ParsedArticle | ParseError]:
    return list(iter_jsonl(io.BytesIO(data), path="feed.jsonl"))


def only_article(record: dict) -> ParsedArticle:
    (result,) = parse_all(jsonl(record))
    assert isinstance(result, ParsedArticle), result
    return result


def only_error(data: bytes) -> tuple[str, int | None, str]:
    (result,) = parse_all(data)
    assert isinstance(result, ParseError), result
    return result.path, result.line, result.reason


def test_every_field_of_the_schema():
    record = {
        "id": 931267,
        "title": "Lavrov, Tillerson meet in Bonn",
        "published": "2017-02-16T10:05:00",
        "url": "https://www.dw.com/en/lavrov/a-37584263?maca=en-rss-en-all-1573-rdf",
        "subtitle": "First meeting",
        "body": "BONN /Germany/, February 16. /TASS/. They met.\n\nThey talked\nfor an hour.",
        "byline": "Jane Doe and John Roe for AFP",
        "photo_caption": "Lavrov and Tillerson.",
        "photo_credit": "AFP",
        "related": [{"title": "Earlier talks", "url": "#"}, {"title": "G20"}],
        "language": "en",
    }

    article = only_article(record)

    assert article.title == "Lavrov, Tillerson meet in Bonn"
    assert (article.published_on, article.published_time) == (date(2017, 2, 16), time(10, 5))
    assert article.url == "https://www.dw.com/en/lavrov/a-37584263"
    assert article.subtitle == "First meeting"
    assert article.dateline == "BONN /Germany/, February 16. /TASS/."
    assert article.blocks == (
        Block(Block.PARAGRAPH, "They met."),
        Block(Block.PARAGRAPH, "They talked for an hour."),
    )
    assert article.byline == "Jane Doe and John Roe for AFP"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.agency == "AFP"  # the byline's agency wins over the dateline's
    assert (article.photo_caption, article.photo_credit) == ("Lavrov and Tillerson.", "AFP")
    assert article.related == (RelatedReference("Earlier talks", ""), RelatedReference("G20", ""))
    assert article.external_id == "931267"
    assert (article.source_path, article.source_line) == ("feed.jsonl", 1)


def test_minimal_record():
    article = only_article(MINIMAL)

    assert article.blocks == ()
    assert article.url == ""
    assert article.language == "en"


def test_paragraphs_list_and_explicit_authors_and_agency():
    article = only_article(
        {
            **MINIMAL,
            "paragraphs": ["First.", "", 'Second didn"t end.'],
            "authors": ["Jane Doe"],
            "agency": "Reuters",
            "byline": "Someone Else",
        }
    )

    assert [block.text for block in article.blocks] == ["First.", "Second didn\u2019t end."]
    assert (article.authors, article.agency) == (("Jane Doe",), "Reuters")
    assert article.repairs == ("lost-apostrophe:1",)


def test_csv_style_publish_date():
    article = only_article({"title": "T", "publish_date": "2017/2/7 7:11"})

    assert (article.published_on, article.published_time) == (date(2017, 2, 7), time(7, 11))


def test_blank_lines_are_skipped_and_lines_counted():
    data = b"\n" + jsonl(MINIMAL) + b"   \n" + jsonl(MINIMAL, b"[1]")

    results = parse_all(data)

    assert [r.line if isinstance(r, ParseError) else r.source_line for r in results] == [2, 4, 5]


def test_bom_on_the_first_line():
    (article,) = parse_all(b"\xef\xbb\xbf" + jsonl(MINIMAL))

    assert article.title == MINIMAL["title"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (
            b'{"title": "T",',
            "invalid JSON: Expecting property name enclosed in double quotes at column 15",
        ),
        (b"[1, 2]", "expected a JSON object, found an array"),
        (b'"just a string"', "expected a JSON object, found a string"),
        (b"{}", "no title"),
        (json.dumps({"title": "  ", "published": "2017-02-07"}).encode(), "no title"),
        (json.dumps({"title": "T"}).encode(), "no publication date ('published')"),
        (
            json.dumps({"title": "T", "published": "Feb 7"}).encode(),
            "unparseable published 'Feb 7'",
        ),
        (
            json.dumps(
                {"title": "T", "published": "2017-02-07", "publish_date": "2017/2/7"}
            ).encode(),
            "give 'published' or 'publish_date', not both",
        ),
        (
            json.dumps({**MINIMAL, "body": "a", "paragraphs": ["b"]}).encode(),
            "give 'body' or 'paragraphs', not both",
        ),
        (json.dumps({**MINIMAL, "titel": "x"}).encode(), "unknown field: 'titel'"),
        (
            json.dumps({"title": 7, "published": "2017-02-07"}).encode(),
            "'title' must be a string, not a number",
        ),
        (
            json.dumps({**MINIMAL, "authors": "Jane Doe"}).encode(),
            "'authors' must be a list of strings",
        ),
        (
            json.dumps({**MINIMAL, "paragraphs": ["a", 2]}).encode(),
            "'paragraphs' must be a list of strings",
        ),
        (
            json.dumps({**MINIMAL, "related": {"title": "x"}}).encode(),
            "'related' must be a list, not an object",
        ),
        (
            json.dumps({**MINIMAL, "related": [{"url": "x"}]}).encode(),
            "'related'[0] must be an object with a 'title' string",
        ),
        (
            json.dumps({**MINIMAL, "related": [{"title": "x", "href": "y"}]}).encode(),
            "'related'[0] may only have 'title' and 'url' strings",
        ),
        (
            json.dumps({**MINIMAL, "id": True}).encode(),
            "'id' must be a string or an integer, not a boolean",
        ),
        (
            b'{"title": "T\xff", "published": "2017-02-07"}',
            "not valid UTF-8 at byte 12 of the line",
        ),
        (b"[" * 100_000, "invalid JSON: nested too deeply"),
    ],
)
def test_bad_line_is_an_error_with_its_line_and_reason(line, reason):
    data = jsonl(MINIMAL) + line + b"\n" + jsonl(MINIMAL)

    results = parse_all(data)

    errors = [(e.path, e.line, e.reason) for e in results if isinstance(e, ParseError)]
    assert errors == [("feed.jsonl", 2, reason)]
    assert len(results) == 3  # the lines around it still parse


def test_null_optional_fields_count_as_absent():
    article = only_article({**MINIMAL, "subtitle": None, "url": None, "id": None})

    assert (article.subtitle, article.url, article.external_id) == ("", "", "")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=30)
    | st.sampled_from(["2017-02-07", "2017/2/7 7:11", "MOSCOW, Feb. 7. /TASS/. A\n\nb"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["title", "url", "x"]), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FIELDS)), JSON_VALUES, max_size=8))
def test_arbitrary_objects_give_an_article_or_a_parse_error(record):
    (result,) = parse_all(json.dumps(record).encode() + b"\n")

    assert isinstance(result, ParsedArticle | ParseError)
    if isinstance(result, ParsedArticle):
        assert result.title and result.content_hash
    else:
        assert result.line == 1
