"""The CSV format: one article per record, as in news-articles-2016-2017.csv.

Columns (a header row is required; names are matched case-insensitively, in any order):

- ``publish_date`` (required): ``2017/2/7`` or ``2017/2/7 7:11`` (leading spaces allowed),
  or ISO ``2017-02-07`` / ``2017-02-07T07:11``;
- ``title`` (required): an empty title makes the record an error ("no title");
- ``text`` (required): the whole body without paragraph marks. Runs of two or more
  spaces (or line breaks) are taken as paragraph breaks, nothing else is. An empty
  body is allowed: the record is kept with no blocks, because a headline with its
  date and link is still news, and the corpus has 33 such records;
- ``article_source_link``, ``subtitle``, ``article_id`` (optional).

The file is read record by record, never whole. Every problem is yielded as a
ParseError for its record, whose line is the physical line where the record starts,
and parsing goes on with the next record; only a header without the required columns
stops the file (one error, at line 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import BinaryIO, Protocol

from .cleaning import build_body, clean_text, format_repairs, split_on_space_runs
from .records import ParsedArticle, ParseError
from .sources import canonical_url

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "iter_csv", "parse_publish_date"]

REQUIRED_COLUMNS = ("publish_date", "title", "text")
OPTIONAL_COLUMNS = ("article_id", "article_source_link", "subtitle")

# Python's csv refuses fields over 128 KiB by default. A body may be as long as the
# largest file iter_records accepts (20 MiB by default); stay bounded all the same.
FIELD_SIZE_LIMIT = 64 * 1024 * 1024

UTF8_BOM = "\ufeff"

_PUBLISH_DATE = re.compile(
    r"\s*(?P<year>\d{4})(?P<sep>[/-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*"
)


def iter_csv(stream: BinaryIO, *, path: str) -> Iterator[ParsedArticle | ParseError]:
    """Yield a ParsedArticle or a ParseError for each record of a CSV byte stream."""
    _allow_long_fields()
    lines = _DecodedLines(stream)
    reader = csv.reader(lines, strict=True)  # bad quoting is an error, not a guess
    try:
        header = next(reader)
    except StopIteration:
        yield ParseError(path, 1, "empty file")
        return
    except csv.Error as error:
        yield ParseError(path, 1, f"malformed CSV header: {error}")
        return
    problem = lines.undecodable(1, reader.line_num) or _missing_columns(header)
    if problem:
        yield ParseError(path, 1, problem)
        return
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    yield from _records(reader, lines, columns, width=len(header), path=path)


def parse_publish_date(value: str) -> tuple[date, time | None]:
    """Parse "2017/2/7", "2017/2/7 7:11", "2017-02-07" or "2017-02-07T07:11:00".

    The time is returned as printed (the source's time zone is unknown), or None.
    Raise ValueError for anything else, impossible dates included.
    """
    match = _PUBLISH_DATE.fullmatch(value)
    if match:
        published_on = date(int(match["year"]), int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return published_on, None
        seconds = int(match["second"] or 0)
        return published_on, time(int(match["hour"]), int(match["minute"]), seconds)
    moment = datetime.fromisoformat(value.strip())  # ISO with seconds, fractions or zone
    return moment.date(), moment.time()


def _records(
    reader: _RowReader,
    lines: _DecodedLines,
    columns: dict[str, int],
    *,
    width: int,
    path: str,
) -> Iterator[ParsedArticle | ParseError]:
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            previous_end = reader.line_num
            yield ParseError(path, start, f"malformed CSV: {error}")
            continue
        previous_end = reader.line_num
        lines.forget_before(start)
        if not any(field.strip() for field in row):
            continue  # a blank line between records
        problem = lines.undecodable(start, previous_end)
        if problem:
            yield ParseError(path, start, problem)
        elif len(row) != width:
            yield ParseError(path, start, f"expected {width} fields, found {len(row)}")
        else:
            yield _article(row, columns, path=path, line=start)


def _article(
    row: list[str], columns: dict[str, int], *, path: str, line: int
) -> ParsedArticle | ParseError:
    def field(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None else ""

    title, title_repairs = clean_text(field("title"))
    if not title:
        return ParseError(path, line, "no title")
    printed_date = field("publish_date")
    try:
        published_on, published_time = parse_publish_date(printed_date)
    except ValueError:
        return ParseError(path, line, f"unparseable publish_date {printed_date.strip()!r}")
    subtitle, subtitle_repairs = clean_text(field("subtitle"))
    body = build_body(split_on_space_runs(field("text")))
    dateline = body.dateline
    return ParsedArticle(
        title=title,
        published_on=published_on,
        published_time=published_time,
        url=canonical_url(field("article_source_link")),
        source_path=path,
        source_line=line,
        subtitle=subtitle,
        authors=dateline.authors if dateline else (),
        agency=dateline.agency if dateline else "",
        dateline=dateline.text if dateline else "",
        blocks=body.blocks,
        external_id=field("article_id").strip(),
        repairs=format_repairs(title_repairs + subtitle_repairs + body.repairs),
    )


def _missing_columns(header: list[str]) -> str:
    present = {name.strip().lower() for name in header}
    missing = [name for name in REQUIRED_COLUMNS if name not in present]
    if not missing:
        return ""
    return f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"


def _allow_long_fields() -> None:
    # Process-wide setting of the csv module: only ever raised, never lowered.
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)


class _RowReader(Protocol):
    """What _records needs of a csv.reader: rows, and the number of lines read."""

    line_num: int

    def __next__(self) -> list[str]: ...


class _DecodedLines:
    """The stream's lines decoded as UTF-8, one at a time, for csv.reader.

    A line that is not valid UTF-8 is decoded with replacement characters so that the
    reader can go on, and remembered, so that the record containing it is reported as
    an error instead of imported with damaged text. UTF-8 never has a newline byte
    inside a character, so decoding line by line is exact.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._line = 0
        self._offset = 0  # byte offset of the next line in the file
        self._undecodable: dict[int, int] = {}  # line -> byte offset of the bad byte

    def __iter__(self) -> Iterator[str]:
        for raw in self._physical_lines():
            self._line += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self._undecodable[self._line] = self._offset + error.start
                text = raw.decode("utf-8", errors="replace")
            self._offset += len(raw)
            yield text.removeprefix(UTF8_BOM) if self._line == 1 else text

    def _physical_lines(self) -> Iterator[bytes]:
        # Iterating a binary stream splits at LF only; a file with old Mac CR line ends
        # (Excel's "CSV (Macintosh)") comes as one piece and is split here.
        for piece in self._stream:
            if b"\r" in piece.rstrip(b"\r\n"):
                yield from piece.splitlines(keepends=True)
            else:
                yield piece

    def undecodable(self, first_line: int, last_line: int) -> str:
        """The reason to reject lines first_line..last_line, or "" when they decoded."""
        for line in range(first_line, last_line + 1):
            if line in self._undecodable:
                return f"not valid UTF-8 at byte {self._undecodable[line]} (line {line})"
        return ""

    def forget_before(self, line: int) -> None:
        """Drop what is known about lines before `line`: their records are done."""
        if self._undecodable:
            for old in [number for number in self._undecodable if number < line]:
                del self._undecodable[old]
