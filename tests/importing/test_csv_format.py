"""The CSV format: records, line numbers, per-record errors, streaming, the real corpus."""

from __future__ import annotations

import csv
import io
import re
import time as clock
from collections import Counter
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importing.csv_format import iter_csv, parse_publish_date
from articles.importing.records import Block, ParsedArticle, ParseError

HEADER = ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]
SHARED_CSV = Path(__file__).resolve().parents[3] / "shared/corpus/news-articles-2016-2017.csv"
CLOSING_QUOTE = "\N{RIGHT DOUBLE QUOTATION MARK}"
EM_DASH = "\N{EM DASH}"
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
TASS_DATELINE = re.compile(r"[A-Z][^/]{0,80}/\s*TASS")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, *, bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def csv_rows(rows: list[list[str]]) -> bytes:
    """Records without a header, to append to csv_bytes()."""
    return csv_bytes(rows).split(b"\n", 1)[1]


def row(n: int = 1, **fields: str) -> list[str]:
    values = {
        "article_id": str(n),
        "publish_date": "2017/2/7",
        "article_source_link": f"http://www.aljazeera.com/news/2017/02/story-{n}.html",
        "title": f"Story {n}",
        "subtitle": "",
        "text": "Diplomats met in Geneva.",
    }
    values.update(fields)
    return [values[name] for name in HEADER]


def parse_all(data: bytes, path: str = "news.csv") -> list[ParsedArticle | ParseError]:
    return list(iter_csv(io.BytesIO(data), path=path))


def only_article(data: bytes) -> ParsedArticle:
    (result,) = parse_all(data)
    assert isinstance(result, ParsedArticle), result
    return result


def error_triples(results) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.reason) for e in results if isinstance(e, ParseError)]


# --- good records ----------------------------------------------------------------------


def test_tass_record_with_dateline_time_and_tracking_free_url():
    text = (
        'MOSCOW, February 7. /TASS/. Russia is ready, Lavrov said. "It is hard,"?Sen. Warren '
        'said.   Talks "?and more talks "?went on.'
    )
    record = row(
        145,
        publish_date="  2017/2/7 7:11",
        article_source_link="http://tass.com/politics/929461?utm_source=rss",
        title="Russian, Iranian diplomats to discuss Astana",
        subtitle="A subtitle",
        text=text,
    )

    article = only_article(csv_bytes([record]))

    assert article.title == "Russian, Iranian diplomats to discuss Astana"
    assert article.subtitle == "A subtitle"
    assert (article.published_on, article.published_time) == (date(2017, 2, 7), time(7, 11))
    assert article.url == "http://tass.com/politics/929461"
    assert article.external_id == "145"
    assert article.dateline == "MOSCOW, February 7. /TASS/."
    assert article.agency == "TASS"
    assert article.blocks == (
        Block(
            Block.PARAGRAPH,
            f'Russia is ready, Lavrov said. "It is hard,{CLOSING_QUOTE} Sen. Warren said.',
        ),
        Block(Block.PARAGRAPH, f"Talks {EM_DASH} and more talks {EM_DASH} went on."),
    )
    assert article.repairs == ("lost-quote-closing:1", "lost-quote-dash:2")
    assert (article.source_path, article.source_line) == ("news.csv", 2)


def test_body_without_space_runs_stays_one_paragraph():
    article = only_article(csv_bytes([row(text='One. Two. Three didn"t happen.')]))

    assert article.blocks == (Block(Block.PARAGRAPH, f"One. Two. Three didn{APOSTROPHE}t happen."),)
    assert article.repairs == ("lost-apostrophe:1",)


def test_ambiguous_lost_quote_is_left_and_not_recorded():
    article = only_article(csv_bytes([row(text='The vote on DeVos"?highly contentious pick.')]))

    assert article.body == 'The vote on DeVos"?highly contentious pick.'
    assert article.repairs == ()


def test_empty_body_is_kept_as_a_headline_only_article():
    article = only_article(csv_bytes([row(text="")]))

    assert article.blocks == ()
    assert article.title == "Story 1"


def test_utf8_bom_and_crlf_are_fine():
    data = csv_bytes([row(1), row(2)], bom=True).replace(b"\n", b"\r\n")

    results = parse_all(data)

    assert [r.source_line for r in results] == [2, 3]


def test_columns_in_another_order_and_case():
    header = ["TEXT", "Title", "publish_date"]
    data = csv_bytes([["Body.", "A title", "2017-02-07"]], header=header)

    article = only_article(data)

    assert (article.title, article.body, article.url) == ("A title", "Body.", "")


def test_long_body_over_the_default_csv_field_limit():
    body = "A sentence about the summit. " * 20_000  # ~580 KB, over csv's 128 KiB default

    article = only_article(csv_bytes([row(text=body)]))

    assert len(article.body) > 500_000


# --- line numbers and errors -----------------------------------------------------------


def test_line_numbers_are_where_records_start_across_multiline_records():
    rows = [
        row(1, text="First line\nsecond line\nthird line."),
        row(2, title=""),
        row(3),
    ]

    results = parse_all(csv_bytes(rows))

    assert [r.source_line for r in results if isinstance(r, ParsedArticle)] == [2, 6]
    assert error_triples(results) == [("news.csv", 5, "no title")]


def test_missing_required_columns_is_one_error_for_the_file():
    data = csv_bytes([["1", "x", "y"]], header=["article_id", "headline", "body"])

    assert error_triples(parse_all(data)) == [
        ("news.csv", 1, "missing required columns: publish_date, title, text")
    ]
    assert len(parse_all(data)) == 1


def test_missing_one_required_column_names_it():
    data = csv_bytes([["2017/2/7", "T"]], header=["publish_date", "title"])

    assert error_triples(parse_all(data)) == [("news.csv", 1, "missing required column: text")]


def test_empty_file():
    assert error_triples(parse_all(b"")) == [("news.csv", 1, "empty file")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2017/2/30", "unparseable publish_date '2017/2/30'"),
        ("yesterday", "unparseable publish_date 'yesterday'"),
        ("", "unparseable publish_date ''"),
        ("7/2/2017", "unparseable publish_date '7/2/2017'"),
    ],
)
def test_bad_date_is_an_error_naming_the_value(value, reason):
    results = parse_all(csv_bytes([row(1), row(2, publish_date=value), row(3)]))

    assert error_triples(results) == [("news.csv", 3, reason)]
    assert len(results) == 3


def test_undecodable_bytes_fail_only_their_record():
    data = csv_bytes([row(1), row(2, title="BADTITLE"), row(3)])
    data = data.replace(b"BADTITLE", b"Bad \xff title")
    offset = data.index(b"\xff")

    results = parse_all(data)

    assert error_triples(results) == [
        ("news.csv", 3, f"not valid UTF-8 at byte {offset} (line 3)"),
    ]
    assert [r.title for r in results if isinstance(r, ParsedArticle)] == ["Story 1", "Story 3"]


def test_malformed_quoting_fails_its_record_and_parsing_goes_on():
    data = csv_bytes([row(1)]) + b'2,2017/2/7,,T2,,"x"y"\n' + csv_rows([row(3)])

    results = parse_all(data)

    assert error_triples(results) == [("news.csv", 3, "malformed CSV: ',' expected after '\"'")]
    assert [r.source_line for r in results if isinstance(r, ParsedArticle)] == [2, 4]


def test_wrong_number_of_fields():
    data = csv_bytes([row(1)]) + b"2,2017/2/7,,T2,,body,extra\n"

    assert error_triples(parse_all(data)) == [("news.csv", 3, "expected 6 fields, found 7")]


def test_blank_lines_between_records_are_skipped():
    data = csv_bytes([row(1)]) + b"\n\n" + csv_rows([row(2)])

    assert [r.source_line for r in parse_all(data)] == [2, 5]


def test_old_mac_line_endings():
    data = csv_bytes([row(1), row(2)]).replace(b"\n", b"\r")

    assert [r.source_line for r in parse_all(data)] == [2, 3]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017/2/7", (date(2017, 2, 7), None)),
        ("  2017/3/28 7:11", (date(2017, 3, 28), time(7, 11))),
        ("2017-02-07", (date(2017, 2, 7), None)),
        ("2017-02-07T07:11:30", (date(2017, 2, 7), time(7, 11, 30))),
    ],
)
def test_parse_publish_date(value, expected):
    assert parse_publish_date(value) == expected


# --- streaming -------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    """A byte stream that counts the lines handed out."""

    lines_read = 0

    def __next__(self) -> bytes:
        self.lines_read += 1
        return super().__next__()


def test_records_are_read_one_at_a_time():
    stream = CountingStream(csv_bytes([row(n) for n in range(1, 1001)]))

    first = next(iter_csv(stream, path="big.csv"))

    assert first.title == "Story 1"
    assert stream.lines_read < 10


# --- the real corpus -------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED_CSV.exists(), reason=f"the shared corpus is not at {SHARED_CSV}")
def test_the_whole_shared_csv_parses_record_by_record():
    started = clock.perf_counter()
    with SHARED_CSV.open("rb") as stream:
        results = list(iter_csv(stream, path=str(SHARED_CSV)))
    elapsed = clock.perf_counter() - started

    articles = [r for r in results if isinstance(r, ParsedArticle)]
    errors = [r for r in results if isinstance(r, ParseError)]
    assert len(results) == len(articles) + len(errors) == 3250
    assert Counter(error.reason for error in errors) == {"no title": 51}
    assert sum(1 for a in articles if not a.blocks) == 32  # 33 empty bodies, 1 untitled
    assert not [a.source_line for a in articles if a.blocks and TASS_DATELINE.match(a.body)]
    assert sum(1 for a in articles if a.agency == "TASS") == 404
    assert elapsed < 10  # about 0.7 s on the reference machine; generous for CI


# --- robustness ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_records_give_articles_or_parse_errors(data):
    header = ",".join(HEADER).encode() + b"\n"

    for result in iter_csv(io.BytesIO(header + data), path="fuzz.csv"):
        assert isinstance(result, ParsedArticle | ParseError)
        if isinstance(result, ParsedArticle):
            assert result.content_hash  # every field is encodable
        else:
            assert result.line is not None and result.line >= 2
