"""The text export format: the seed article field by field, its variants and its errors."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importing.records import Block, ParsedArticle, ParseError, RelatedReference
from articles.importing.text_format import parse_byline, parse_printed_date, parse_text

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "sample" / "000_moscow_times_seed.txt"
SEED_URL = (
    "https://www.themoscowtimes.com/2021/12/02/"
    "us-urges-de-escalation-on-ukraine-as-russia-warns-of-nightmare-scenario-a75716"
)
EM_DASH = "\N{EM DASH}"


@pytest.fixture(scope="module")
def seed() -> ParsedArticle:
    return parse_text(SEED.read_bytes(), path="seed.txt")


def parse(text: str, path: str = "article.txt") -> ParsedArticle:
    return parse_text(text.encode("utf-8"), path=path)


def article_text(*blocks: str) -> str:
    """Blocks separated by blank lines, as in an export."""
    return "\n\n".join(blocks) + "\n"


# --- the seed --------------------------------------------------------------------------


def test_seed_header_fields_are_exact(seed):
    assert seed.title == (
        "U.S. Urges De-Escalation on Ukraine as Russia Warns of 'Nightmare Scenario'"
    )
    assert seed.byline == "Marc Preel and Francesco Fontemaggi for AFP"
    assert seed.authors == ("Marc Preel", "Francesco Fontemaggi")
    assert seed.agency == "AFP"
    assert seed.published_on == date(2021, 12, 2)
    assert seed.published_time is None
    assert seed.subtitle == ""
    assert seed.dateline == ""
    assert seed.language == "en"
    assert seed.external_id == ""


def test_seed_photo_caption_and_bold_credit_are_split(seed):
    assert seed.photo_caption == (
        "Russia's Minister of Foreign Affairs Sergei Lavrov (L) "
        "and US Secretary of State Antony Blinken."
    )
    assert seed.photo_credit == "Russian Ministry of Foreign Affairs / TASS"


def test_seed_related_links_are_references_with_placeholder_urls_emptied(seed):
    assert seed.related == (
        RelatedReference("Ukraine Leader Calls for Talks with Russia Amid Invasion Fears", ""),
        RelatedReference("Moscow Says West, Ukraine Threaten Russia Security", ""),
    )
    assert "Related article" not in seed.body
    assert "Ukraine Leader Calls for Talks" not in seed.body


def test_seed_url_is_the_canonical_footer_url_and_not_body_text(seed):
    assert seed.url == SEED_URL
    assert "Original url" not in seed.body
    assert "themoscowtimes.com" not in seed.body


def test_seed_body_has_27_paragraphs_and_one_subheading_in_place(seed):
    kinds = [block.kind for block in seed.blocks]

    assert len(seed.blocks) == 28
    assert seed.paragraph_count == 27
    assert kinds.count(Block.SUBHEADING) == 1
    assert seed.blocks[7] == Block(Block.SUBHEADING, "'Nightmare scenario'")
    assert (
        seed.blocks[6].text
        == '"The best way to avert a crisis is through diplomacy," Blinken said.'
    )


def test_seed_first_and_last_paragraphs(seed):
    assert seed.blocks[0] == Block(
        Block.PARAGRAPH,
        "Top U.S. diplomat Antony Blinken on Thursday warned Russia against invading Ukraine, "
        "as Moscow told Kiev that any attempt to retake the Crimean peninsula amounted to a "
        '"direct threat" to Russia.',
    )
    assert seed.blocks[-1] == Block(
        Block.PARAGRAPH,
        "A planned resolution on Ukraine was scrapped because of a lack of consensus.",
    )


def test_seed_paragraph_broken_mid_sentence_is_joined(seed):
    joined = (
        "The EU reached an agreement Wednesday on new sanctions against Belarus, and the US "
        "would follow suit soon, the U.S. State Department said."
    )
    assert seed.blocks[25] == Block(Block.PARAGRAPH, joined)
    assert not any(block.text.startswith("follow suit") for block in seed.blocks)
    assert seed.repairs == ("joined-paragraph:1",)


def test_seed_keeps_its_typography(seed):
    assert seed.blocks[11].text == (
        f"He reiterated his opposition to any NATO expansion eastward {EM_DASH} including "
        f"Ukraine {EM_DASH} but said Russia was open to dialogue."
    )


def test_seed_records_where_it_came_from(seed):
    assert seed.source_path == "seed.txt"
    assert seed.source_line == 5  # the title, after four blank lines


def test_seed_with_crlf_bom_and_extra_leading_blank_lines_parses_the_same(seed):
    text = SEED.read_text(encoding="utf-8")
    variant = ("\ufeff\n\n" + text).replace("\n", "\r\n").encode("utf-8")

    parsed = parse_text(variant, path="seed.txt")

    assert parsed.content_hash == seed.content_hash
    assert parsed.source_line == seed.source_line + 2


# --- variants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "byline", "authors", "agency"),
    [
        ("By [Jane Doe](#)", "Jane Doe", ("Jane Doe",), ""),
        ("By Jane Doe", "Jane Doe", ("Jane Doe",), ""),
        ("By [Jane Doe](https://example.com/jane)", "Jane Doe", ("Jane Doe",), ""),
        (
            "By Ann Lee, Bo Chen and Cy Diaz for Reuters",
            "Ann Lee, Bo Chen and Cy Diaz for Reuters",
            ("Ann Lee", "Bo Chen", "Cy Diaz"),
            "Reuters",
        ),
        ("By Jane Doe for AFP", "Jane Doe for AFP", ("Jane Doe",), "AFP"),
        ("By AFP", "AFP", (), "AFP"),
        ("By Jane Doe, Reuters", "Jane Doe, Reuters", ("Jane Doe",), "Reuters"),
    ],
)
def test_byline_variants(printed, byline, authors, agency):
    parsed = parse(article_text("A Title", printed, "December 2, 2021", "Body text."))

    assert (parsed.byline, parsed.authors, parsed.agency) == (byline, authors, agency)


@pytest.mark.parametrize(
    ("printed", "expected_date", "expected_time"),
    [
        ("December 02, 2021", date(2021, 12, 2), None),
        ("Dec. 2, 2021", date(2021, 12, 2), None),
        ("2 December 2021", date(2021, 12, 2), None),
        ("Thursday, December 2, 2021", date(2021, 12, 2), None),
        ("2021-12-02", date(2021, 12, 2), None),
        ("2021-12-02T10:15:00", date(2021, 12, 2), time(10, 15)),
        ("December 2, 2021 10:15", date(2021, 12, 2), time(10, 15)),
        ("Published: Dec 2, 2021", date(2021, 12, 2), None),
    ],
)
def test_printed_date_variants(printed, expected_date, expected_time):
    parsed = parse(article_text("A Title", "By Jane Doe", printed, "Body text."))

    assert (parsed.published_on, parsed.published_time) == (expected_date, expected_time)


@pytest.mark.parametrize(
    "printed", ["02/12/2021", "December 2021", "Decembr 2, 2021", "2021-13-45", "Dec 45, 2021"]
)
def test_ambiguous_or_impossible_dates_are_rejected(printed):
    with pytest.raises(ValueError):
        parse_printed_date(printed)


def test_minimal_article_without_byline_photo_related_or_footer():
    parsed = parse(article_text("A Title", "December 2, 2021", "Only paragraph."))

    assert parsed.byline == ""
    assert parsed.authors == ()
    assert parsed.photo_caption == parsed.photo_credit == ""
    assert parsed.related == ()
    assert parsed.url == ""
    assert parsed.blocks == (Block(Block.PARAGRAPH, "Only paragraph."),)


def test_date_may_come_before_the_byline():
    parsed = parse(article_text("A Title", "December 2, 2021", "By Jane Doe", "Body."))

    assert parsed.published_on == date(2021, 12, 2)
    assert parsed.authors == ("Jane Doe",)
    assert parsed.blocks == (Block(Block.PARAGRAPH, "Body."),)


def test_header_lines_without_blank_lines_between_them():
    parsed = parse("A Title\nBy Jane Doe\nDecember 2, 2021\n\nBody.\n")

    assert (parsed.title, parsed.byline) == ("A Title", "Jane Doe")
    assert parsed.published_on == date(2021, 12, 2)


def test_markdown_title_and_heading():
    text = article_text(
        "# A Title", "December 2, 2021", "First paragraph.", "## Background", "More text."
    )

    parsed = parse(text)

    assert parsed.title == "A Title"
    assert parsed.blocks[1] == Block(Block.SUBHEADING, "Background")


def test_short_lines_first_or_last_stay_paragraphs():
    parsed = parse(article_text("A Title", "December 2, 2021", "Kyiv", "Body text.", "Ends here"))

    assert [block.kind for block in parsed.blocks] == [Block.PARAGRAPH] * 3


def test_short_line_after_an_unfinished_sentence_is_not_a_subheading():
    parsed = parse(
        article_text("T", "December 2, 2021", "He said that", "Russia and Ukraine", "Met today.")
    )

    assert Block.SUBHEADING not in [block.kind for block in parsed.blocks]


def test_a_paragraph_without_a_bold_credit_is_body_not_a_caption():
    parsed = parse(article_text("A Title", "December 2, 2021", "A photo, maybe.", "Body."))

    assert parsed.photo_caption == ""
    assert parsed.paragraph_count == 2


def test_inline_markdown_links_become_their_text():
    parsed = parse(
        article_text("A Title", "December 2, 2021", "The [Kremlin](https://x.ru/k) said **no**.")
    )

    assert parsed.blocks[0].text == "The Kremlin said no."


def test_footer_url_on_the_same_line_is_canonicalised():
    parsed = parse(
        article_text(
            "A Title",
            "December 2, 2021",
            "Body.",
            "Original url: https://WWW.Example.com/a?utm_source=rss#top",
        )
    )

    assert parsed.url == "https://www.example.com/a"
    assert parsed.body == "Body."


def test_related_link_with_a_real_url_keeps_it():
    parsed = parse(
        article_text(
            "A Title",
            "December 2, 2021",
            "Body.",
            "Related article: [Other story](https://www.themoscowtimes.com/2021/12/01/x)",
        )
    )

    assert parsed.related == (
        RelatedReference("Other story", "https://www.themoscowtimes.com/2021/12/01/x"),
    )


def test_agency_dateline_is_split_off_the_first_paragraph():
    parsed = parse(
        article_text("A Title", "December 2, 2021", "MOSCOW, December 2. /TASS/. Russia said.")
    )

    assert parsed.dateline == "MOSCOW, December 2. /TASS/."
    assert parsed.agency == "TASS"
    assert parsed.blocks == (Block(Block.PARAGRAPH, "Russia said."),)


def test_parse_byline_directly():
    assert parse_byline("Marc Preel and Francesco Fontemaggi for AFP") == (
        ("Marc Preel", "Francesco Fontemaggi"),
        "AFP",
    )
    assert parse_byline("") == ((), "")


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", 1, "empty file"),
        (b"  \n\t\r\n\n", 1, "empty file"),
        (b"\xef\xbb\xbf\n\n", 1, "empty file"),
        (b"Title\n\nDec\x00ember 2, 2021\n\nBody.\n", 3, "binary file, not text"),
        (b"Title\n\nDecember 2, 2021\n\nBody \xff here.\n", 5, "not valid UTF-8 at byte 30"),
        (b"By Jane Doe\n\nDecember 2, 2021\n\nBody.\n", 1, "no title"),
        (b"\n\nDecember 2, 2021\n\nBody.\n", 3, "no title"),
        (
            b"Title\n\nBy Jane Doe\n\nA paragraph of body text, and no date.\n",
            5,
            "no publication date found",
        ),
        (b"Title only\n", 1, "no publication date found"),
        (b"Title\n\nDecembr 2, 2021\n\nBody.\n", 3, "unparseable date 'Decembr 2, 2021'"),
        (b"Title\n\nBy Jane Doe\n\n02/12/2021\n\nBody.\n", 5, "unparseable date '02/12/2021'"),
        (b"Title\n\nDecember 2, 2021\n", 3, "no body paragraphs"),
        (
            b"Title\n\nDecember 2, 2021\n\nOriginal url:\n\n<https://x.com/a>\n",
            5,
            "no body paragraphs",
        ),
        (b"Title\n\nDecember 2, 2021\n\nRelated article: [X](#)\n", 5, "no body paragraphs"),
    ],
)
def test_bad_input_raises_parse_error_with_path_line_and_reason(data, line, reason):
    with pytest.raises(ParseError) as raised:
        parse_text(data, path="bad.txt")

    assert (raised.value.path, raised.value.line, raised.value.reason) == ("bad.txt", line, reason)
    assert str(raised.value) == f"bad.txt:{line}: {reason}"


def test_a_paragraph_long_first_line_is_no_title():
    with pytest.raises(ParseError) as raised:
        parse(article_text("word " * 100, "December 2, 2021", "Body."), path="long.txt")

    assert raised.value.line == 1
    assert raised.value.reason.startswith("no title")


# --- robustness ------------------------------------------------------------------------

HEADER_PIECES = st.sampled_from(
    [
        "A Title",
        "By Jane Doe",
        "By [A and B for AFP](#)",
        "December 2, 2021",
        "2021-12-02",
        "02/12/2021",
        "Caption. **Credit**",
        "Related article: [X](#)",
        "Original url:",
        "<https://example.com/a>",
        "MOSCOW, December 2. /TASS/. Text",
        "'Short heading'",
        "lower case continuation.",
        "",
        "\r",
        "\ufeff",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_an_article_or_a_parse_error(data):
    try:
        result = parse_text(data, path="fuzz.txt")
    except ParseError as error:
        assert error.path == "fuzz.txt"
        assert error.line is None or error.line >= 1
    else:
        assert isinstance(result, ParsedArticle)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(HEADER_PIECES, st.text(max_size=80)), max_size=12))
def test_arbitrary_article_shaped_text_gives_an_article_or_a_parse_error(pieces):
    data = "\n\n".join(pieces).encode("utf-8")
    try:
        result = parse_text(data, path="fuzz.txt")
    except ParseError as error:
        assert error.line is None or error.line >= 1
    else:
        assert isinstance(result, ParsedArticle)
        assert result.title
        assert result.paragraph_count >= 1
