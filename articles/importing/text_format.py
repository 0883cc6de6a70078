"""The text export format: one article per file, as a news page exported to text.

The format is that of the seed article (a Moscow Times page); blocks are separated by
blank lines::

    U.S. Urges De-Escalation on Ukraine as Russia Warns of 'Nightmare Scenario'

    By [Marc Preel and Francesco Fontemaggi for AFP](#)

    December 02, 2021

    Russia's Minister ... Antony Blinken. **Russian Ministry of Foreign Affairs / TASS**

    Top U.S. diplomat Antony Blinken on Thursday warned Russia ...

    Related article: [Ukraine Leader Calls for Talks with Russia Amid Invasion Fears](#)

    'Nightmare scenario'

    ...

    Original url:

    <https://www.themoscowtimes.com/2021/12/02/...>

Header: the title (first line; a leading markdown "#" is dropped), then a byline
("By ...", optional) and the publication date (required) in either order, then
optionally a photo caption whose credit is the **bold** part at its end. Body: every
following block until the "Original url:" footer (optional; nothing after it is read).
"Related article: [title](url)" lines are references, not body text; "## Heading" lines
and short unpunctuated lines between paragraphs are subheadings; a paragraph broken
mid-sentence is joined back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil import parser as dateutil_parser

from .cleaning import (
    JOINED_PARAGRAPH,
    clean_text,
    ends_sentence,
    format_repairs,
    join_broken_paragraphs,
    normalize_whitespace,
    split_leading_dateline,
)
from .records import Block, ParsedArticle, ParseError, RelatedReference
from .sources import canonical_url

__all__ = ["parse_byline", "parse_printed_date", "parse_text"]

UTF8_BOM = "\ufeff"
MAX_TITLE_LENGTH = 300  # longer than any headline: a paragraph, not a title
MAX_SUBHEADING_WORDS = 12
# A longer line is text, not a date that failed to parse.
MAX_DATE_LINE_LENGTH = 60
MAX_DATE_WORDS = 6

# Wire agencies that may stand alone in a byline ("By AFP") or after a comma.
KNOWN_AGENCIES = frozenset(
    {
        "AFP",
        "AP",
        "The Associated Press",
        "Associated Press",
        "Reuters",
        "TASS",
        "Interfax",
        "RIA Novosti",
        "Bloomberg",
        "Xinhua",
        "dpa",
        "DPA",
        "ANSA",
        "EFE",
        "UPI",
        "PA",
        "Anadolu",
        "Kyodo",
        "Yonhap",
    }
)

_BYLINE = re.compile(r"by\s+(?P<byline>\S.*)", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)\)")
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MARKDOWN_BOLD = re.compile(r"\*\*(?P<text>[^*]+?)\*\*")
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+(?P<text>.+?)\s*#*")
_CAPTION_WITH_CREDIT = re.compile(r"(?P<caption>.*?)\s*\*\*(?P<credit>[^*]+?)\*\*\s*", re.DOTALL)
_RELATED = re.compile(
    r"(?:related(?:\s+articles?)?|read\s+more|see\s+also)\s*:\s*"
    r"\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]*)\)",
    re.IGNORECASE,
)
_FOOTER = re.compile(r"original\s+(?:url|link)\s*:\s*(?P<rest>.*)", re.IGNORECASE)
_URL_IN_FOOTER = re.compile(r"<(?P<angle>[^>\s]+)>|\((?P<paren>[^)\s]+)\)|(?P<bare>\S+)")
_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_DATE_PREFIX = re.compile(r"(?:published|updated|posted)(?:\s+on)?\s*:?\s*", re.IGNORECASE)
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_MONTH_NAME = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[89]|2\d)\d\d\b")
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")
_DATE_LIKE = re.compile(r"[\d\s/.\-:,TZ+]+")


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive non-blank lines, starting at a 1-based line number."""

    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return normalize_whitespace(" ".join(self.lines))


@dataclass(slots=True)
class Header:
    """What the lines above the body say; filled in as they are read."""

    title: str = ""
    byline: str = ""
    published_on: date | None = None
    published_time: time | None = None
    photo_caption: str = ""
    photo_credit: str = ""


def parse_text(data: bytes, *, path: str) -> ParsedArticle:
    """Parse one text-export article; raise ParseError naming path, line and reason."""
    chunks = _split_header_lines(_chunks(_decode(data, path=path)))
    repairs: Counter[str] = Counter()
    header, body_start = _parse_header(chunks, path=path, repairs=repairs)
    body_chunks, url = _split_footer(chunks[body_start:])
    blocks, related = _body_blocks(body_chunks, repairs=repairs)
    dateline, blocks = split_leading_dateline(blocks)
    if not any(block.kind == Block.PARAGRAPH for block in blocks):
        where = chunks[body_start].line if body_start < len(chunks) else chunks[-1].line
        raise ParseError(path, where, "no body paragraphs")
    authors, agency = parse_byline(header.byline)
    assert header.published_on is not None  # _parse_header raises otherwise
    return ParsedArticle(
        title=header.title,
        published_on=header.published_on,
        published_time=header.published_time,
        url=url,
        source_path=path,
        source_line=chunks[0].line,
        byline=header.byline,
        authors=authors or (dateline.authors if dateline else ()),
        agency=agency or (dateline.agency if dateline else ""),
        dateline=dateline.text if dateline else "",
        blocks=tuple(blocks),
        photo_caption=header.photo_caption,
        photo_credit=header.photo_credit,
        related=tuple(related),
        repairs=format_repairs(repairs),
    )


def parse_byline(byline: str) -> tuple[tuple[str, ...], str]:
    """Split a byline into its authors and its agency.

    "Marc Preel and Francesco Fontemaggi for AFP" -> (("Marc Preel", "Francesco
    Fontemaggi"), "AFP"); "A, B and C" -> ((A, B, C), ""); "AFP" -> ((), "AFP");
    "Jane Doe, Reuters" -> (("Jane Doe",), "Reuters").
    """
    names, agency = byline.strip(), ""
    if " for " in names:
        names, agency = (part.strip() for part in names.rsplit(" for ", 1))
    elif names in KNOWN_AGENCIES:
        names, agency = "", names
    elif "," in names and names.rsplit(",", 1)[1].strip() in KNOWN_AGENCIES:
        names, agency = (part.strip() for part in names.rsplit(",", 1))
    authors = tuple(name for name in _NAME_SEPARATOR.split(names) if name)
    return authors, agency


def parse_printed_date(text: str) -> tuple[date, time | None]:
    """Parse a printed publication date: "December 02, 2021", "Dec. 2, 2021",
    "2 December 2021", "Thursday, December 2, 2021 10:15" or ISO "2021-12-02".

    Raise ValueError for anything else, including numeric forms such as "02/12/2021"
    (day or month first?) and dates missing their day, month or year.
    """
    candidate = _DATE_PREFIX.sub("", text.strip(), count=1)
    if _ISO_DATE.fullmatch(candidate):
        return _parse_iso(candidate)
    if not (_MONTH_NAME.search(candidate) and _YEAR.search(candidate)):
        raise ValueError("a date needs a month name and a four-digit year")
    try:
        # Parsed against two different defaults: any part missing from the text would
        # be filled in from them, and the two results would differ.
        first = dateutil_parser.parse(candidate, default=datetime(2000, 1, 1))
        second = dateutil_parser.parse(candidate, default=datetime(2001, 2, 2))
    except (ValueError, OverflowError) as error:
        raise ValueError(str(error)) from error
    if first.date() != second.date():
        raise ValueError("the date lacks a day, month or year")
    printed_time = first.time().replace(tzinfo=None) if _CLOCK_TIME.search(candidate) else None
    return first.date(), printed_time


# --- decoding and blocks ---------------------------------------------------------------


def _decode(data: bytes, *, path: str) -> str:
    if not data.strip() or data.strip() == UTF8_BOM.encode():
        raise ParseError(path, 1, "empty file")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ParseError(path, _line_of_byte(data, nul), "binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_of_byte(data, error.start)
        raise ParseError(path, line, f"not valid UTF-8 at byte {error.start}") from None
    text = text.removeprefix(UTF8_BOM)
    if not text.strip():
        raise ParseError(path, 1, "empty file")
    return text


def _line_of_byte(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _chunks(text: str) -> list[Chunk]:
    """Group the lines into blank-line separated chunks; CRLF and CR count as LF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    chunks: list[Chunk] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            chunks.append(Chunk(start, tuple(current)))
            current = []
    if current:
        chunks.append(Chunk(start, tuple(current)))
    return chunks


# --- header ----------------------------------------------------------------------------


def _parse_header(chunks: list[Chunk], *, path: str, repairs: Counter[str]) -> tuple[Header, int]:
    """Read title, byline, date and photo caption; return them and the body's index."""
    header = Header(title=_title(chunks[0], path=path, repairs=repairs))
    index = 1
    while index < len(chunks) and _read_byline_or_date(chunks[index], header, path=path):
        index += 1
    if header.published_on is None:
        where = chunks[index].line if index < len(chunks) else chunks[-1].line
        raise ParseError(path, where, "no publication date found")
    if index < len(chunks) and _read_photo_caption(chunks[index], header, repairs=repairs):
        index += 1
    return header, index


def _split_header_lines(chunks: list[Chunk]) -> list[Chunk]:
    """Split the first chunk where a byline or date follows the title without a blank
    line ("Title\nBy ...\nDate"); a title wrapped over two lines stays one chunk."""
    first = chunks[0]
    for offset, line in enumerate(first.lines[1:], start=1):
        if _BYLINE.fullmatch(line) or _is_printed_date(line):
            title = Chunk(first.line, first.lines[:offset])
            rest = first.lines[offset:]
            return [
                title,
                *(Chunk(first.line + offset + n, (text,)) for n, text in enumerate(rest)),
                *chunks[1:],
            ]
    return chunks


def _is_printed_date(text: str) -> bool:
    try:
        parse_printed_date(text)
    except ValueError:
        return False
    return True


def _title(chunk: Chunk, *, path: str, repairs: Counter[str]) -> str:
    heading = _MARKDOWN_HEADING.fullmatch(chunk.text)
    raw = heading["text"] if heading else chunk.text
    if _BYLINE.fullmatch(raw) or _is_printed_date(raw) or _FOOTER.match(raw):
        raise ParseError(path, chunk.line, "no title")
    if len(raw) > MAX_TITLE_LENGTH:
        reason = f"no title: the first line is {len(raw)} characters long, a paragraph"
        raise ParseError(path, chunk.line, reason)
    title, made = clean_text(_strip_markdown(raw))
    repairs.update(made)
    if not title:
        raise ParseError(path, chunk.line, "no title")
    return title


def _read_byline_or_date(chunk: Chunk, header: Header, *, path: str) -> bool:
    """Take a byline or the date into the header; False when the chunk is neither."""
    text = chunk.text
    byline = _BYLINE.fullmatch(text)
    if byline and not header.byline:
        header.byline = normalize_whitespace(_strip_markdown(byline["byline"]))
        return True
    if header.published_on is not None or len(chunk.lines) > 1:
        return False
    try:
        header.published_on, header.published_time = parse_printed_date(text)
    except ValueError:
        if _looks_like_date(text):
            raise ParseError(path, chunk.line, f"unparseable date {text!r}") from None
        return False
    return True


def _looks_like_date(text: str) -> bool:
    """A short line of digits with a year, a month name or date punctuation: meant as
    the date, whether it parses or not ("02/12/2021", "Decembr 2, 2021")."""
    if len(text) > MAX_DATE_LINE_LENGTH or len(text.split()) > MAX_DATE_WORDS:
        return False
    if not any(char.isdigit() for char in text):
        return False
    return bool(_YEAR.search(text) or _MONTH_NAME.search(text) or _DATE_LIKE.fullmatch(text))


def _read_photo_caption(chunk: Chunk, header: Header, *, repairs: Counter[str]) -> bool:
    match = _CAPTION_WITH_CREDIT.fullmatch(chunk.text)
    if not match:
        return False
    header.photo_caption = _cleaned(_strip_markdown(match["caption"]), repairs)
    header.photo_credit = _cleaned(match["credit"], repairs)
    return True


def _parse_iso(text: str) -> tuple[date, time | None]:
    if len(text) == 10:
        return date.fromisoformat(text), None
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    return moment.date(), moment.time()  # as printed: the wall time, zone dropped


# --- body ------------------------------------------------------------------------------


def _split_footer(chunks: list[Chunk]) -> tuple[list[Chunk], str]:
    """Cut the chunks at the "Original url:" footer; return the body and the URL."""
    for index, chunk in enumerate(chunks):
        footer = _FOOTER.match(chunk.lines[0])
        if not footer:
            continue
        rest = [footer["rest"], *chunk.lines[1:]]
        if index + 1 < len(chunks):
            rest.append(chunks[index + 1].lines[0])
        return chunks[:index], _footer_url(rest)
    return chunks, ""


def _footer_url(candidates: list[str]) -> str:
    for candidate in candidates:
        match = _URL_IN_FOOTER.search(candidate.strip())
        if match:
            return canonical_url(match["angle"] or match["paren"] or match["bare"] or "")
    return ""


def _body_blocks(
    chunks: list[Chunk], *, repairs: Counter[str]
) -> tuple[list[Block], list[RelatedReference]]:
    blocks: list[Block] = []
    related: list[RelatedReference] = []
    for chunk in chunks:
        references = _related_references(chunk, repairs)
        if references is not None:
            related.extend(references)
            continue
        block = _block(chunk, repairs)
        if block is not None:
            blocks.append(block)
    blocks, joins = join_broken_paragraphs(blocks)
    repairs[JOINED_PARAGRAPH] += joins
    return list(_mark_subheadings(blocks)), related


def _related_references(chunk: Chunk, repairs: Counter[str]) -> list[RelatedReference] | None:
    """The references of a chunk made only of "Related article:" lines, else None."""
    matches = [_RELATED.fullmatch(line) for line in chunk.lines]
    if not all(matches):
        return None
    return [
        RelatedReference(_cleaned(match["title"], repairs), canonical_url(match["url"]))
        for match in matches
        if match
    ]


def _block(chunk: Chunk, repairs: Counter[str]) -> Block | None:
    text = chunk.text
    heading = _MARKDOWN_HEADING.fullmatch(text) if len(chunk.lines) == 1 else None
    if heading:
        return Block(Block.SUBHEADING, _cleaned(_strip_markdown(heading["text"]), repairs))
    cleaned = _cleaned(_strip_markdown(_MARKDOWN_IMAGE.sub("", text)), repairs)
    return Block(Block.PARAGRAPH, cleaned) if cleaned else None


def _mark_subheadings(blocks: list[Block]) -> Iterator[Block]:
    """Mark as subheadings the short, unpunctuated lines that stand between two
    paragraphs: the previous one finished its sentence, the next one starts anew."""
    for index, block in enumerate(blocks):
        if 0 < index < len(blocks) - 1 and _is_subheading(
            block, blocks[index - 1], blocks[index + 1]
        ):
            yield Block(Block.SUBHEADING, block.text)
        else:
            yield block


def _is_subheading(block: Block, previous: Block, following: Block) -> bool:
    text = block.text
    return (
        block.kind == Block.PARAGRAPH
        and previous.kind == Block.PARAGRAPH
        and following.kind == Block.PARAGRAPH
        and len(text.split()) <= MAX_SUBHEADING_WORDS
        and not ends_sentence(text)
        and not text.endswith(",")
        and not text[:1].islower()
        and ends_sentence(previous.text)
        and not following.text[:1].islower()
    )


def _strip_markdown(text: str) -> str:
    """Plain text of inline markdown: links become their text, bold markers go."""
    text = _MARKDOWN_LINK.sub(lambda match: match["text"], text)
    return _MARKDOWN_BOLD.sub(lambda match: match["text"], text)


def _cleaned(text: str, repairs: Counter[str]) -> str:
    cleaned, made = clean_text(text)
    repairs.update(made)
    return cleaned
